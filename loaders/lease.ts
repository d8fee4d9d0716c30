// Leases: which folders under a root live processes still use, so pruning never removes one of them.
// One mechanism for the dataset memo (loaders/dataset.ts: a build's dataset folder under the memo
// root, and the one `em summarize --experiment` reads, readExperimentDataset) and the site-file
// folders of a dataset folder (loaders/site-files.ts: site-texts-<code>, site-points-<code>); the
// owner of a scratch folder (loaders/scratch.ts) and of a memo being written (`<key>.tmp-<pid>`)
// uses the same record.
//
// A lease is a file `<root>/.leases/<name>.<pid>.<tag>.json` naming the folder and its holder: pid,
// host, pid namespace and start time. It is live while its holder runs:
// - same host (hostname and pid namespace): the pid exists and, where /proc says, was started at the
//   recorded time (boot id + start ticks), so a pid reused by another process does not keep it;
// - another host, or another pid namespace (a memo shared over a network folder or between
//   containers): that process cannot be checked from here, so the lease is kept for
//   FOREIGN_LEASE_MS (24 h) after it was taken, then treated as dead. The longest job that holds one,
//   a 10M-response build or `em summarize`, takes about an hour under load; a dead foreign lease
//   costs a day of disk, a live one pruned breaks that build.
// Leases are taken and folders pruned under one lock per root (`<root>/.leases/.lock`,
// loaders/cache-lock.ts), so a process that takes a lease after a prune looked finds its folder
// gone (and writes it again), never half of it. Dead leases are removed when a prune reads them.
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {alive, lockCache} from "./cache-lock.ts";
import {sha256} from "./hash.ts";

/** Who holds a lease (or owns a scratch folder). */
export interface Holder {
  pid: number;
  /** os.hostname() of the holder. */
  host: string;
  /** The holder's pid namespace (`pid:[4026531836]`), where /proc says. */
  pidns?: string;
  /** `<boot id>:<start ticks>` of the holder process, where /proc says: tells a reused pid apart. */
  start?: string;
  /** ISO time the record was written (the age of a foreign lease). */
  since: string;
}

/** How long a lease of another host or pid namespace protects its folder (see above). */
export const FOREIGN_LEASE_MS = 24 * 3600 * 1000;

/**
 * How old a leftover that names no owner must be before it is pruned: a scratch folder or a memo
 * being written by code older than the owner's record (./scratch.ts, `<key>.tmp-<pid>` in
 * ./dataset.ts), and a memo's `<key>.lock` (its holder named by a pid alone, of an unknown host).
 * 24 h, the bound FOREIGN_LEASE_MS uses for the same reason: the longest job that holds one (a
 * 10M-response build) takes about an hour, and a folder's or file's modification time is at least
 * the time it was made (a folder's moves on with every entry made in it), so no live process made
 * one whose time is a day old; a process whose folder this removes would have to have held it for
 * a day. A record-less leftover younger than that is left alone (it may be a live process's).
 */
export const UNRECORDED_MS = 24 * 3600 * 1000;

/** Whether `file` (a folder or file) was last modified over `ms` ago; false when it is gone. */
export function olderThan(file: string, ms: number, now: number = Date.now()): boolean {
  try {
    return now - lstatSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}

/**
 * Remove folder `dir`, whose owner's record is its file `record` (markOwner): every other entry
 * first, the record last. A removal that fails midway (an entry that cannot be removed) throws and
 * leaves the record, so the folder is still known as an ended owner's and the next sweep tries
 * again; removed record-first, it would be a folder nobody owns, kept for good. A file, or a folder
 * without the record, is removed as it is.
 */
export function removeOwned(dir: string, record: string): void {
  let entries: string[] = [];
  try {
    if (lstatSync(dir).isDirectory()) entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  for (const e of entries) if (e !== record) rmSync(path.join(dir, e), {recursive: true, force: true});
  rmSync(dir, {recursive: true, force: true});
}

const LEASES = ".leases";

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

const BOOT = readText("/proc/sys/kernel/random/boot_id");

function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}
const PIDNS = pidNamespace();

/** `<boot id>:<start ticks>` of process `pid` (field 22 of /proc/<pid>/stat), or undefined. */
function startOf(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!BOOT || !stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: fields count from after it.
  const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  return ticks ? `${BOOT}:${ticks}` : undefined;
}

/** The record of process `pid` of this host (default: this process). */
export function holder(pid: number = process.pid): Holder {
  const start = startOf(pid);
  return {pid, host: os.hostname(), ...(PIDNS ? {pidns: PIDNS} : {}), ...(start ? {start} : {}), since: new Date().toISOString()};
}

/**
 * Whether `h` runs on this host, in this pid namespace (else it cannot be checked from here). A
 * record without a pid namespace (written where /proc did not say), or read where /proc does not
 * say, counts as local when the host name matches: its pid is checked here, as before namespaces
 * were recorded.
 */
const local = (h: Holder) => h.host === os.hostname() && (!h.pidns || !PIDNS || h.pidns === PIDNS);

/**
 * Whether holder `h` still runs: on this host, its pid exists with the recorded start time (when
 * both are known); elsewhere, for FOREIGN_LEASE_MS after `since` (see the top of this file).
 */
export function holderLive(h: Holder, now: number = Date.now()): boolean {
  if (!local(h)) return now - Date.parse(h.since) < FOREIGN_LEASE_MS;
  if (!alive(h.pid)) return false;
  const start = h.start ? startOf(h.pid) : undefined;
  return !start || start === h.start;
}

/** Parse a holder record; null when it is not one. */
export function parseHolder(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Holder;
    return Number.isInteger(h.pid) && h.pid > 0 && typeof h.host === "string" && typeof h.since === "string" ? h : null;
  } catch {
    return null;
  }
}

/** Write this process's record (holder()) into folder `dir` as its file `name`: the folder's owner, for ownerEnded. */
export function markOwner(dir: string, name: string): void {
  writeWhole(path.join(dir, name), JSON.stringify(holder()));
}

/**
 * Whether the owner that folder `dir`'s record `name` (markOwner) names has ended (holderLive).
 * False without a readable record: a folder this code did not mark is left alone.
 */
export function ownerEnded(dir: string, name: string): boolean {
  const h = parseHolder(readText(path.join(dir, name)) ?? "");
  return h !== null && !holderLive(h);
}

/** Write `text` to `file` whole or not at all (a temporary name, then rename). */
export function writeWhole(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * The process a lease is taken for: the build (EM_BUILD_PID, which scripts/build.mjs sets for its
 * data step: the build links the site files into dist/ after Framework, when the step has ended),
 * else this one.
 */
export function leaseHolder(): number {
  const build = Number(process.env.EM_BUILD_PID);
  return Number.isInteger(build) && build > 0 ? build : process.pid;
}

async function withLock<T>(root: string, body: (dir: string) => T): Promise<T> {
  const dir = path.join(root, LEASES);
  mkdirSync(dir, {recursive: true});
  const lock = await lockCache(dir, {command: "folder leases", onWait: (m) => process.stderr.write(`em: ${m}\n`)});
  try {
    return body(dir);
  } finally {
    lock.release();
  }
}

/** The names leased by live holders in leases folder `dir`; dead leases (and unreadable files) are removed. Under the lock. */
function liveLeases(dir: string): Set<string> {
  const leased = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue;
    const h = parseHolder(readText(path.join(dir, f)) ?? "") as (Holder & {name?: unknown}) | null;
    if (h && typeof h.name === "string" && holderLive(h)) leased.add(h.name);
    else rmSync(path.join(dir, f), {force: true});
  }
  return leased;
}

/**
 * Lease folders `names` of `root` for `owner` (default: leaseHolder()'s record). A lease of this
 * process is removed when it exits; any other holder's stays until a later lease or prune under
 * `root` finds that holder dead.
 */
export async function lease(root: string, names: readonly string[], {owner = holder(leaseHolder())}: {owner?: Holder} = {}): Promise<void> {
  const files = await withLock(root, (dir) => {
    liveLeases(dir); // drops the dead ones: a memo whose builds never prune would collect one per build
    const tag = sha256(`${owner.host}\0${owner.pidns ?? ""}`).slice(0, 8);
    return names.map((name) => {
      const file = path.join(dir, `${name}.${owner.pid}.${tag}.json`);
      writeWhole(file, JSON.stringify({name, ...owner}));
      return file;
    });
  });
  if (owner.pid === process.pid && local(owner)) {
    if (!ownLeases.size) process.once("exit", () => ownLeases.forEach((f) => rmSync(f, {force: true})));
    for (const f of files) ownLeases.add(f);
  }
}

/** This process's own lease files, removed at its exit (one exit listener, however many leases). */
const ownLeases = new Set<string>();

/**
 * Under the lock of `root`'s leases: remove the dead leases, then every entry of `root` that
 * `victims(entries)` names and no live lease holds (removeOwned: a folder's owner's record `record`
 * last). One that cannot be removed (a read-only file) is left and counted on stderr: a leftover
 * never fails the build that prunes. Returns the names removed.
 */
export async function pruneUnleased(
  root: string,
  victims: (entries: readonly string[]) => readonly string[],
  {record = ""}: {record?: string} = {},
): Promise<string[]> {
  if (!existsSync(root)) return [];
  return withLock(root, (dir) => {
    const leased = liveLeases(dir);
    const removed: string[] = [];
    const failed: string[] = [];
    for (const n of victims(readdirSync(root)).filter((n) => n !== LEASES && !leased.has(n))) {
      try {
        removeOwned(path.join(root, n), record);
        removed.push(n);
      } catch (error) {
        failed.push(`${n} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
    if (failed.length)
      process.stderr.write(
        `em: ${failed.length} folder(s) to prune under ${root} could not be removed, left in place: ${failed.slice(0, 3).join(", ")}${failed.length > 3 ? ", ..." : ""}\n`,
      );
    return removed;
  });
}
