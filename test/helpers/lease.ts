// Leases (loaders/lease.ts) held by real processes, for the tests of pruning.
import {spawn, spawnSync, type ChildProcess} from "node:child_process";
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import path from "node:path";
import {ROOT} from "../../loaders/paths.ts";

/** A child process that runs `script` (an ES module, tsx loaded) and has printed its first line; its stderr is this process's, or a pipe. */
export async function childReady(
  script: string,
  env: NodeJS.ProcessEnv = process.env,
  stderr: "inherit" | "pipe" = "inherit",
): Promise<ChildProcess & {line: string}> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {cwd: ROOT, env, stdio: ["ignore", "pipe", stderr]});
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (code, signal) => reject(new Error(`the child ended (${code ?? signal}) before it was ready`)));
  });
  return Object.assign(child, {line});
}

/** A child process that leases folder `name` of `root` for itself and then waits. */
export function leaseInChild(root: string, name: string): Promise<ChildProcess & {line: string}> {
  const env = {...process.env};
  delete env.EM_BUILD_PID;
  return childReady(
    `import {lease} from ${JSON.stringify(path.join(ROOT, "loaders/lease.ts"))};
await lease(${JSON.stringify(root)}, [${JSON.stringify(name)}]);
console.log("leased");
setInterval(() => {}, 1000);`,
    env,
  );
}

/** SIGKILL `child` (no exit handler runs) and wait until it has ended. */
export async function killed(child: ChildProcess): Promise<void> {
  const ended = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await ended;
}

/** The lease records of `root` ({name, pid, host...}). */
export function leasesIn(root: string): {name: string; pid: number; host: string}[] {
  const dir = path.join(root, ".leases");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as {name: string; pid: number; host: string});
}

/**
 * Make file `file` (in folder `sub`) impossible to remove: a read-only folder, and for root (whom
 * modes do not stop) the immutable attribute (chattr +i). Returns the undo, or why it cannot be done here.
 */
export function unremovable(sub: string, file: string): (() => void) | string {
  if (process.getuid?.() === 0) {
    const r = spawnSync("chattr", ["+i", file], {encoding: "utf8"});
    if (r.status !== 0) return `running as root and chattr +i failed here (${r.error?.message ?? r.stderr.trim()})`;
    return () => spawnSync("chattr", ["-i", file]);
  }
  chmodSync(sub, 0o555);
  return () => chmodSync(sub, 0o755);
}

/**
 * In folder `dir`, which holds its owner's record `record`: one subfolder that cannot be removed
 * (unremovable), listed after the record by readdir here, so a removal in listing order takes the
 * record first and then fails. Returns the undo, or why it cannot be done here.
 */
export function stuckAfter(dir: string, record: string): (() => void) | string {
  for (const n of ["a", "b", "c", "d", "e", "f", "g", "h"]) mkdirSync(path.join(dir, `sub-${n}`));
  const order = readdirSync(dir);
  const [sub] = order.slice(order.indexOf(record) + 1);
  for (const n of order) if (n !== sub && n !== record) rmSync(path.join(dir, n), {recursive: true});
  if (!sub) return `readdir lists the record last here (${order.join(", ")})`;
  writeFileSync(path.join(dir, sub, "f.bin"), "x");
  return unremovable(path.join(dir, sub), path.join(dir, sub, "f.bin"));
}
