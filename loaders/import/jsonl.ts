// JSON Lines: one JSON object per line. Each line is parsed on its own so an error names its line.
// Streamed (issue 28): read in chunks (chunks.ts) twice, never whole: `scanJsonl` checks every line
// and collects the keys of all records (the column roles are chosen from all of them), then
// `readJsonlBatches` reads the records in batches.

import {Utf8Check} from "../text.ts";
import {CHUNK_BYTES, fileChunks} from "./chunks.ts";

export interface JsonlRecord {
  /** 1-based line number. */
  line: number;
  value: Record<string, unknown>;
}

/** The non-blank lines of a file as [line number, text without CR], read chunk by chunk; the UTF-8 BOM dropped. */
function* lines(file: string, label: string, chunkBytes: number, check: Utf8Check | null): Generator<[number, string]> {
  let carry: Buffer | null = null;
  let n = 0;
  const text = (b: Buffer, from: number, to: number) => {
    let s = b.toString("utf8", from, to);
    if (n === 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    return s.endsWith("\r") ? s.slice(0, -1) : s;
  };
  for (const chunk of fileChunks(file, label, chunkBytes)) {
    check?.push(chunk);
    const b: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, from)) {
      n++;
      const s = text(b, from, i);
      if (s.trim() !== "") yield [n, s];
      from = i + 1;
    }
    carry = from < b.length ? b.subarray(from) : null;
  }
  check?.end();
  n++;
  if (carry) {
    const s = text(carry, 0, carry.length);
    if (s.trim() !== "") yield [n, s];
  }
}

/** A line as a record: the object, or the reason it is skipped. Throws `file:line: invalid JSON`. */
function parseLine(label: string, line: number, s: string): Record<string, unknown> | string {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    throw new Error(`${label}:${line}: invalid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    return `expected a JSON object, found ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`;
  return v as Record<string, unknown>;
}

/** What the first pass learns about a JSONL file. */
export interface JsonlScan {
  /** Keys of all records, in order of first appearance. */
  keys: string[];
  /** Object records. */
  rows: number;
  /** Lines that are valid JSON but not an object (an array, a number...). */
  skipped: {line: number; reason: string}[];
}

/**
 * First pass over a JSONL file. Blank lines are ignored; a UTF-8 BOM and CRLF line ends are accepted.
 * Throws an Error naming the file when it is not UTF-8 (checked over the whole file first, as a
 * whole-file read did), else `file:line` on the first line that is not valid JSON.
 */
export function scanJsonl(file: string, label = file, chunkBytes = CHUNK_BYTES): JsonlScan {
  const keys = new Set<string>();
  const out: JsonlScan = {keys: [], rows: 0, skipped: []};
  let jsonError: unknown = null;
  for (const [line, s] of lines(file, label, chunkBytes, new Utf8Check(label))) {
    if (jsonError !== null) continue;
    try {
      const v = parseLine(label, line, s);
      if (typeof v === "string") out.skipped.push({line, reason: v});
      else {
        out.rows++;
        for (const k in v) keys.add(k);
      }
    } catch (e) {
      jsonError = e;
    }
  }
  if (jsonError !== null) throw jsonError;
  out.keys = [...keys];
  return out;
}

/** Second pass: the object records of a file `scanJsonl` accepted, `size` at a time (at least one batch, the last possibly empty). */
export function* readJsonlBatches(file: string, label: string, size: number, chunkBytes = CHUNK_BYTES): Generator<JsonlRecord[]> {
  let rows: JsonlRecord[] = [];
  for (const [line, s] of lines(file, label, chunkBytes, null)) {
    const v = parseLine(label, line, s);
    if (typeof v === "string") continue;
    rows.push({line, value: v});
    if (rows.length === size) {
      yield rows;
      rows = [];
    }
  }
  yield rows;
}

/** A whole JSONL file (scanJsonl, then readJsonlBatches): for small files (labels, training logs). */
export function readJsonl(file: string, label = file, chunkBytes = CHUNK_BYTES): {rows: JsonlRecord[]; skipped: {line: number; reason: string}[]} {
  const {skipped} = scanJsonl(file, label, chunkBytes);
  const rows: JsonlRecord[] = [];
  for (const b of readJsonlBatches(file, label, Number.POSITIVE_INFINITY, chunkBytes)) for (const r of b) rows.push(r);
  return {rows, skipped};
}

/** Parse JSON text; on failure throw an Error naming `label:line:col` computed from the parser's position. */
export function parseJsonWithPosition(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (!m) throw new Error(`${label}: invalid JSON: ${msg}`);
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    const col = pos - before.lastIndexOf("\n");
    throw new Error(`${label}:${line}:${col}: invalid JSON: ${msg}`);
  }
}
