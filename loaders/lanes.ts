// How many processes a step that splits its work in lanes runs at once (site files, import lanes).
import type {ChildProcess} from "node:child_process";
import os from "node:os";

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
