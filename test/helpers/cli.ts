// `em` as a user runs it: bin/em.js as a child process in the repository root, its output collected.
import {spawn, type ChildProcess} from "node:child_process";
import path from "node:path";
import {ROOT} from "../../loaders/paths.ts";

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `em ARGS` with `env` over this process's environment; `done` settles when it exits (the child, to signal or kill it). */
export function spawnEm(args: readonly string[], env: Record<string, string | undefined> = {}): {child: ChildProcess; done: Promise<Done>} {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd: ROOT, env: {...process.env, ...env}, stdio: ["ignore", "pipe", "pipe"]});
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const done = new Promise<Done>((resolve) => child.on("close", (code, signal) => resolve({code, signal, stdout, stderr})));
  return {child, done};
}

/** Runs `em ARGS` to its end: exit code (null when killed by a signal) and everything it printed. */
export function runEm(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Done> {
  return spawnEm(args, env).done;
}
