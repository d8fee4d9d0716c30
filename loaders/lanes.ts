// How many processes a step that splits its work in lanes runs at once (site files, import lanes).
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
