// Shared by the chunked-reader tests (CSV, JSONL): a file in a fresh temporary folder, and a read
// checked equal at every chunk size to the default (one-chunk) read, errors included.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {tempDir} from "./tmp.ts";

/** Writes `content` to `<fresh temp dir>/<name>` and returns the path. */
export function tempFile(name: string, content: string | Buffer): string {
  const f = path.join(tempDir("em-chunks-"), name);
  writeFileSync(f, content);
  return f;
}

/** The value of `f()`, or `{error: message}` when it throws. */
export function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return {error: (e as Error).message};
  }
}

/** `read(chunk)` at every size in `sizes` equals `read()` (the default chunk); returns that read. */
export function sameAtEverySize<T>(read: (chunk?: number) => T, sizes: readonly number[]): T & {error?: string} {
  const whole = outcome(() => read());
  for (const n of sizes)
    assert.deepEqual(
      outcome(() => read(n)),
      whole,
      `chunks of ${n} bytes`,
    );
  return whole as T & {error?: string};
}
