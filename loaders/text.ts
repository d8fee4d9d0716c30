// Text files as UTF-8, checked (issue 23): every input file the pipeline reads as text (experiment
// and question YAML, rubrics, CSV, JSONL, JSON, Inspect JSON logs) goes through `checkUtf8` first.
// - UTF-16 with its byte-order mark is decoded (`toUtf8`: the mark declares the encoding, nothing is
//   guessed). UTF-16 without a mark (NUL bytes in every other position of the first 1 KB) and UTF-32
//   are errors: "file is UTF-16 LE; save it as UTF-8" (they used to give messages like "is a YAML list").
// - Bytes that are not valid UTF-8 (a Latin-1 or Windows-1252 export) are an error naming the line
//   and the byte (they used to become U+FFFD silently).
// - A UTF-8 byte-order mark is accepted (callers strip it).
// NUL bytes in valid UTF-8 are left to the caller: an import skips the row that holds one (counted);
// YAML and rubric files refuse them (`decodeTextFile`).

import {isUtf8} from "node:buffer";

/** The first line number (1-based) of byte offset `at` in `buf`. */
function lineAt(buf: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < buf.length; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** Byte offset of the first invalid UTF-8 sequence, or -1 when the whole buffer is valid. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** "UTF-16 LE" etc. when the buffer is UTF-16 / UTF-32 (by its byte-order mark or its NUL pattern), else null. */
export function wideEncoding(buf: Uint8Array): string | null {
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf[2] === 0 && buf[3] === 0 ? "UTF-32 LE" : "UTF-16 LE";
  if (buf[0] === 0xfe && buf[1] === 0xff) return "UTF-16 BE";
  if (buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff) return "UTF-32 BE";
  // No mark: ASCII text in UTF-16 has a NUL in every other byte.
  const m = Math.min(buf.length, 1024) & ~1;
  if (m < 4) return null;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < m; i += 2) {
    if (buf[i] === 0) even++;
    if (buf[i + 1] === 0) odd++;
  }
  const half = m / 2;
  if (odd > 0.4 * half && even < 0.05 * half) return "UTF-16 LE";
  if (even > 0.4 * half && odd < 0.05 * half) return "UTF-16 BE";
  return null;
}

/**
 * Throw `<label>: file is UTF-16 ...` or `<label>:<line>: not valid UTF-8 ...` unless `buf` is UTF-8.
 * Method: the byte-order marks and NUL pattern of `wideEncoding`, then a strict UTF-8 scan
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). Empty input is valid.
 */
export function checkUtf8(buf: Uint8Array, label: string): void {
  const wide = wideEncoding(buf);
  if (wide) throw new Error(`${label}: file is ${wide}; save it as UTF-8`);
  let valid = true;
  try {
    new TextDecoder("utf-8", {fatal: true}).decode(buf);
  } catch {
    valid = false;
  }
  const bad = valid ? -1 : firstInvalidUtf8(buf);
  if (bad >= 0) {
    let col = 1;
    for (let i = bad - 1; i >= 0 && buf[i] !== 0x0a; i--) col++;
    const hex = [...buf.subarray(bad, Math.min(bad + 2, buf.length))].map((b) => "0x" + b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
    throw new Error(
      `${label}:${lineAt(buf, bad)}: not valid UTF-8 (bytes ${hex} at column ${col}); the file looks like Latin-1 or Windows-1252: save it as UTF-8`,
    );
  }
}

/**
 * `buf` as UTF-8 bytes: a UTF-16 file with its byte-order mark (LE or BE) is decoded and re-encoded
 * (line numbers are unchanged); anything else is returned as it is, for `checkUtf8` to judge.
 */
export function toUtf8(buf: Buffer): Buffer {
  const le = buf[0] === 0xff && buf[1] === 0xfe && !(buf[2] === 0 && buf[3] === 0);
  const be = buf[0] === 0xfe && buf[1] === 0xff;
  if (!le && !be) return buf;
  const text = new TextDecoder(le ? "utf-16le" : "utf-16be").decode(buf.subarray(2));
  return Buffer.from(text, "utf8");
}

/** The text of a buffer through `toUtf8` and `checkUtf8`, without a byte-order mark. */
export function decodeUtf8(input: Buffer, label: string): string {
  const buf = toUtf8(input);
  checkUtf8(buf, label);
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
}

/**
 * `decodeUtf8` for files that are configuration (YAML, rubrics): a NUL byte is an error naming its line too.
 */
export function decodeTextFile(buf: Buffer, label: string): string {
  const text = decodeUtf8(buf, label);
  const nul = text.indexOf("\u0000");
  if (nul >= 0)
    throw new Error(`${label}:${text.slice(0, nul).split("\n").length}: holds a NUL byte (a binary file, or a text file saved in another encoding?)`);
  return text;
}

/**
 * `checkUtf8` over a file read in chunks (issue 28: import files are not held whole): `push` each
 * chunk in order, then `end`. Throws the messages `checkUtf8` throws, with the same line and column:
 * the encoding is judged from the first chunk (give it at least 1 KB unless the file is shorter),
 * a sequence split between two chunks is joined first.
 */
export class Utf8Check {
  private first = true;
  /** Line feeds before the current chunk, and bytes since the last one. */
  private lines = 0;
  private sinceLf = 0;
  /** An incomplete sequence at the end of the last chunk (0-3 bytes, no line feed). */
  private tail: Uint8Array = new Uint8Array(0);
  constructor(private readonly label: string) {}

  push(chunk: Uint8Array): void {
    if (this.first) {
      this.first = false;
      const wide = wideEncoding(chunk);
      if (wide) throw new Error(`${this.label}: file is ${wide}; save it as UTF-8`);
    }
    // The unfinished sequence may have begun in the tail already (chunks of a byte or two). What
    // precedes it is checked natively (isUtf8: no decoded text, which a fatal TextDecoder made for
    // every chunk); the sequence itself with the next chunk, or as an error at the end.
    const end = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    const open = incompleteTail(end);
    if (!isUtf8(end.subarray(0, end.length - open))) this.fail(chunk);
    this.tail = end.slice(end.length - open);
    const lf = chunk.lastIndexOf(0x0a);
    if (lf >= 0) {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) this.lines++;
      this.sinceLf = chunk.length - lf - 1;
    } else this.sinceLf += chunk.length;
  }

  end(): void {
    if (this.tail.length) this.fail(new Uint8Array(0));
  }

  /** Throw checkUtf8's message for the first invalid sequence of the last tail + `chunk`. */
  private fail(chunk: Uint8Array): never {
    const buf = new Uint8Array(this.tail.length + chunk.length);
    buf.set(this.tail);
    buf.set(chunk, this.tail.length);
    let bad = firstInvalidUtf8(buf);
    if (bad < 0) bad = 0;
    let lines = this.lines;
    let lastLf = -1;
    for (let i = 0; i < bad; i++)
      if (buf[i] === 0x0a) {
        lines++;
        lastLf = i;
      }
    const col = lastLf >= 0 ? bad - lastLf : this.sinceLf - this.tail.length + bad + 1;
    const hex = [...buf.subarray(bad, Math.min(bad + 2, buf.length))].map((b) => "0x" + b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
    throw new Error(
      `${this.label}:${lines + 1}: not valid UTF-8 (bytes ${hex} at column ${col}); the file looks like Latin-1 or Windows-1252: save it as UTF-8`,
    );
  }
}

/** Bytes at the end of `buf` that start a UTF-8 sequence the buffer does not finish (0-3). */
function incompleteTail(buf: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= buf.length; k++) {
    const b = buf[buf.length - k]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}
