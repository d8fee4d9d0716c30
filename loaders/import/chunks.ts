// A text import file read in chunks (issue 28): CSV and JSONL files are parsed as they are read, so
// memory does not grow with the file. A UTF-16 file with a byte-order mark is the exception: it is
// read whole and re-encoded as UTF-8 (toUtf8), one chunk.

import {closeSync, openSync, readFileSync, readSync} from "node:fs";
import {toUtf8} from "../text.ts";

/** Bytes per read: large enough that the per-chunk work is noise, small beside any memory limit. */
export const CHUNK_BYTES = 1 << 20;

/**
 * The bytes of `file` in order, CHUNK_BYTES at a time (a fresh Buffer each, so a caller may keep
 * one). Throws `<label>: cannot read file: ...` when the file cannot be opened or read.
 */
export function* fileChunks(file: string, label: string, size = CHUNK_BYTES): Generator<Buffer> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
  }
  try {
    let first = true;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      let n: number;
      try {
        n = readSync(fd, buf, 0, size, null);
      } catch (e) {
        throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
      }
      if (n === 0) return;
      const chunk = n === size ? buf : buf.subarray(0, n);
      if (first) {
        first = false;
        // A UTF-16 byte-order mark: the whole file, decoded (rare; such exports are small).
        if ((chunk[0] === 0xff && chunk[1] === 0xfe && !(chunk[2] === 0 && chunk[3] === 0)) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
          yield toUtf8(readFileSync(file));
          return;
        }
      }
      yield chunk;
    }
  } finally {
    closeSync(fd);
  }
}
