// One way for a test to get a scratch folder: made fresh and removed when the process ends, passed
// or failed (node --test runs each test file in its own process). Tests that made their own and
// forgot the rmSync left thousands of em-* folders in /tmp.
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";

const made: string[] = [];
// An exit handler, not node:test's after(): after() called in a before() hook runs at once, and the
// bench scripts that share test/helpers/scale.ts are not tests.
process.once("exit", () => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true});
});

/**
 * A fresh folder `<base>/<prefix>XXXXXX` (base: the OS temp folder), removed recursively when this
 * process exits (normally, on a failed assertion or an uncaught error; not on SIGKILL).
 */
export function tempDir(prefix: string, base: string = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(base, prefix));
  made.push(dir);
  return dir;
}
