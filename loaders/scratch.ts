// Scratch folders of a process (DuckDB's spill folders, the import lanes' work folder) are removed
// when the process ends, however it ends short of SIGKILL: at exit (the end of its work, an uncaught
// error, process.exit, and scripts/tie-to-parent.mjs's exit when the build that started it has
// ended, even by SIGKILL) and on SIGINT, SIGTERM and SIGHUP (Node's default for those ends the
// process without its exit handlers). A killed build used to leave its em-import-lanes-* folder (issue 28 review).
// SIGKILL of the process itself cannot be caught: its folders stay.
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";

const live = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of live) rmSync(dir, {recursive: true, force: true});
  live.clear();
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", removeAll);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      removeAll();
      // Nobody else handles it (a command's own untilSignal does): end the process as the signal
      // would have, now that this listener is gone.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

/** A fresh folder `<OS temp folder>/<prefix>XXXXXX`, removed when this process ends (see above) unless removeScratch removed it first. */
export function scratchDir(prefix: string): string {
  hook();
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  live.add(dir);
  return dir;
}

/** Remove `dir` when this process ends (see above): a folder made elsewhere and handed over. */
export function trackScratch(dir: string): void {
  hook();
  live.add(dir);
}

/** Remove a scratch folder now. */
export function removeScratch(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
  live.delete(dir);
}
