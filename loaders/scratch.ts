// Scratch folders of a process (DuckDB's spill folders, the import lanes' work folder) are removed
// when the process ends, however it ends: at exit (the end of its work, an uncaught error,
// process.exit, and scripts/tie-to-parent.mjs's exit when the build that started it has ended, even
// by SIGKILL) and on SIGINT, SIGTERM and SIGHUP (Node's default for those ends the process without
// its exit handlers). A killed build used to leave its em-import-lanes-* folder (issue 28 review).
// SIGKILL of the process itself cannot be caught: each folder holds its owner's record (pid, host,
// start time: ./lease.ts), and the first scratch folder a process makes sweeps away the folders under
// the OS temp folder whose owner has ended (only folders named em-* that hold such a record), and
// the scratch folders of older code, which hold none, once they are a day old (UNRECORDED_MS).
import {existsSync, mkdtempSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {markOwner, olderThan, ownerEnded, removeOwned, UNRECORDED_MS} from "./lease.ts";

const live = new Set<string>();
let hooked = false;

/** The owner's record in each scratch folder. */
const OWNER = ".em-scratch-owner.json";

/**
 * The names of the scratch folders this code makes (mkdtemp: the prefix and six characters): DuckDB's
 * spill folders (duck.ts, tables.ts, site-points-duckdb.ts) and the import lanes' work folder
 * (run/stream-lanes.ts). Only these are swept without a record: another program's em-* folder is not.
 */
const SCRATCH_NAME = /^em-(duckdb|duckdb-points|import-lanes)-[A-Za-z0-9]{6}$/;

/** A scratch folder of older code: our name, no owner's record, and a day old (./lease.ts UNRECORDED_MS says why no live process has one). */
function oldUnrecorded(dir: string, now: number): boolean {
  return SCRATCH_NAME.test(path.basename(dir)) && !existsSync(path.join(dir, OWNER)) && olderThan(dir, UNRECORDED_MS, now);
}

function removeAll(): void {
  for (const dir of live) rmSync(dir, {recursive: true, force: true});
  live.clear();
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * On a signal: remove the folders, then, once every listener of this signal has run, end the process
 * as the signal does by default unless a listener is still registered (one that handles the signal
 * itself and keeps listening until it is done; a once listener has done its part). Decided after all
 * of them ran, so the order in which listeners were added does not matter, and two listeners that
 * each follow this rule end the process rather than each leaving it to the other.
 */
function onSignal(signal: (typeof SIGNALS)[number]): void {
  removeAll();
  setImmediate(() => {
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    else process.once(signal, onSignal);
  });
}

/**
 * Remove the scratch folders under `root` whose owner has ended (a SIGKILLed process's), their
 * record last (removeOwned: one that fails midway is still its ended owner's at the next sweep),
 * and those of older code (oldUnrecorded). One that cannot be removed (another user's, a read-only
 * file) is left, counted on stderr: a leftover folder never fails the process that happens to sweep.
 */
function sweep(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  const now = Date.now();
  const failed: string[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    // Not a folder, or not one made here (no owner's record, unless an old one of ours): left alone.
    if (!name.startsWith("em-") || !(ownerEnded(dir, OWNER) || oldUnrecorded(dir, now))) continue;
    try {
      removeOwned(dir, OWNER);
    } catch (error) {
      failed.push(`${path.join(root, name)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (failed.length)
    process.stderr.write(
      `em: ${failed.length} scratch folder(s) of ended processes could not be removed, left in place: ${failed.slice(0, 3).join(", ")}${failed.length > 3 ? ", ..." : ""}\n`,
    );
}

/** Register the cleanup first: the sweep of others' folders comes after, and nothing it meets stops this process's own cleanup. */
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", removeAll);
  for (const signal of SIGNALS) process.once(signal, onSignal);
  sweep(tmpdir());
}

function own(dir: string): void {
  markOwner(dir, OWNER);
  live.add(dir);
}

/** A fresh folder `<OS temp folder>/<prefix>XXXXXX`, removed when this process ends (see above) unless removeScratch removed it first. */
export function scratchDir(prefix: string): string {
  hook();
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  own(dir);
  return dir;
}

/** Remove `dir` when this process ends (see above): a folder made elsewhere and handed over. */
export function trackScratch(dir: string): void {
  hook();
  own(dir);
}

/** Remove a scratch folder now. */
export function removeScratch(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
  live.delete(dir);
}
