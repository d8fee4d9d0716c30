// JSON Lines: one JSON object per line. Each line is parsed on its own so an error names its line.

import {readFileSync} from "node:fs";
import {decodeUtf8} from "../text.ts";

export interface JsonlRecord {
  /** 1-based line number. */
  line: number;
  value: Record<string, unknown>;
}

/**
 * Read a JSONL file. Blank lines are ignored; a UTF-8 BOM and CRLF line ends are accepted.
 * A line that is valid JSON but not an object (an array, a number...) goes to `skipped`.
 * Throws an Error naming `file:line` on a line that is not valid JSON.
 */
export function readJsonl(file: string, label = file): {rows: JsonlRecord[]; skipped: {line: number; reason: string}[]} {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
  }
  const text = decodeUtf8(buf, label);
  const rows: JsonlRecord[] = [];
  const skipped: {line: number; reason: string}[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, k) => {
    const s = raw.replace(/\r$/, "");
    if (s.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new Error(`${label}:${k + 1}: invalid JSON: ${(e as Error).message}`);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      skipped.push({line: k + 1, reason: `expected a JSON object, found ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`});
      return;
    }
    rows.push({line: k + 1, value: v as Record<string, unknown>});
  });
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
