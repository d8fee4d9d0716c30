// Output and cache folders are created and probed for writing before the first paid call, so a bad
// `--out` / `--cache` fails with a clear message instead of a stack trace after the money is spent.
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, rmdirSync, statSync, unlinkSync, writeSync} from "node:fs";
import path from "node:path";
import {displayPath} from "./paths.ts";

/**
 * Create `dir` (and its parents) one level at a time. Node's `mkdirSync(..., {recursive: true})`
 * loops forever on some pseudo file systems (`/proc/x` spins at 100% CPU), and its error for a
 * parent that is a regular file names the deepest path, not the culprit.
 */
function makeDirs(dir: string, what: string): string[] {
  const missing: string[] = [];
  let p = dir;
  while (!existsSync(p)) {
    missing.push(p);
    const up = path.dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) {
    throw new Error(`${what} ${displayPath(dir)}: ${p === dir ? "is a file, not a folder" : `${displayPath(p)} is a file, not a folder`}`);
  }
  const created: string[] = [];
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
      created.push(m);
    } catch (error) {
      removeCreated(created);
      const code = (error as NodeJS.ErrnoException).code ?? "";
      throw new Error(`${what} ${displayPath(dir)}: cannot create ${displayPath(m)} (${code || (error as Error).message})`);
    }
  }
  return created;
}

/** Remove folders made by `ensureWritableDir` (deepest first) when they are still empty: a failed command leaves nothing behind. */
export function removeCreated(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      if (readdirSync(d).length === 0) rmdirSync(d);
    } catch {
      // already gone or not ours to remove
    }
  }
}

/**
 * Make sure `dir` exists (creating it) and a file can be written in it; throws a one-line
 * message naming `what` (e.g. "--cache", "cache folder") and the path otherwise. The probe file is
 * removed again. Returns the folders it created (for `removeCreated` when the command fails later).
 */
export function ensureWritableDir(dir: string, what: string): string[] {
  const abs = path.resolve(dir);
  const created = makeDirs(abs, what);
  const probe = path.join(abs, `.em-write-probe-${process.pid}`);
  try {
    const fd = openSync(probe, "w");
    try {
      writeSync(fd, "probe\n");
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (error) {
    removeCreated(created);
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new Error(`${what} ${displayPath(abs)}: not writable (${code || (error as Error).message})`);
  }
  return created;
}
