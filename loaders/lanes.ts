// How many processes a step that splits its work in lanes runs at once (site files, import lanes),
// and the child processes of those lanes, which end with the process that started them.
import {spawn, type ChildProcess} from "node:child_process";
import os from "node:os";
import type {Socket} from "node:net";
import {fileURLToPath, pathToFileURL} from "node:url";

/** The environment variable `name` as a positive integer, else the machine's cores up to 2 (the target machine's). */
export function envLanes(name: string): number {
  const env = process.env[name];
  if (env !== undefined) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${env}'`);
    return n;
  }
  return Math.min(2, os.availableParallelism());
}

/**
 * Wait for every lane (`work`: this process's and each child's); when one fails, end the child
 * processes still running, wait for the rest to settle, and throw the failure.
 */
export async function settleLanes(work: readonly Promise<unknown>[], children: readonly ChildProcess[]): Promise<void> {
  try {
    await Promise.all(work);
  } catch (e) {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
    await Promise.allSettled(work);
    throw e;
  }
}

/** The module a tied child preloads (its comment says how the tie works). */
export const TIE_TO_PARENT = fileURLToPath(new URL("../scripts/tie-to-parent.mjs", import.meta.url));

/**
 * A lane's child process: `node --import tsx SCRIPT ARGS` in `cwd`, stdout ignored, stderr shared,
 * tied to this process (scripts/tie-to-parent.mjs): it ends when this process does instead of running its
 * job to the end (issue 28: a killed build left its import lane running ~10 min).
 */
export function spawnLane(script: string, args: readonly string[], opts: {cwd: string; env: NodeJS.ProcessEnv}): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", pathToFileURL(TIE_TO_PARENT).href, script, ...args], {
    cwd: opts.cwd,
    env: {...opts.env, EM_TIED_TO_PARENT: String(process.pid)},
    stdio: ["pipe", "ignore", "inherit"],
  });
  // Nothing is written: the pipe only closes when this process ends. It must not keep this process
  // alive, and a child that is gone (EPIPE) is reported by its exit, not by the pipe.
  child.stdin?.on("error", () => {});
  (child.stdin as Socket | null)?.unref();
  return child;
}
