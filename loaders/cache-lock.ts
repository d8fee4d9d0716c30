// One writer per cache folder: `<dir>/.lock` names the process that holds it.
//
// Two `em run`s on one cache would each load it, see the same results missing, and pay for every
// one of them twice. So a run takes the lock before it reads the cache and keeps it until it ends;
// a second run waits (saying who holds the lock) and then reads what the first one paid for.
// - The lock file is created with O_EXCL (`wx`), so exactly one process gets it.
// - It holds {pid, host, started, command}: a holder on this host whose pid no longer exists
//   (a SIGKILLed run) is stale, and the next run takes the lock over (saying so). A holder on
//   another host (a shared network folder) cannot be checked: the waiter keeps waiting and says how
//   to remove the lock by hand.
// - Released on close and, as a last resort, on process exit.
import {linkSync, readFileSync, renameSync, unlinkSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";

export const LOCK_FILE = ".lock";

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  started: string;
  command: string;
}

export interface LockOptions {
  /** Called once when the lock is busy (and again if the holder changes), and when a stale lock is taken over. */
  onWait?: (message: string) => void;
  /** Give up after this many ms (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Poll interval, ms (default 200). */
  pollMs?: number;
  /** Recorded in the lock file (default: process.argv). */
  command?: string;
}

/** "pid 123 on host h since 2026-12-05T17:00:00Z (em run ...)" */
export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host} since ${h.started}${h.command ? ` (${h.command.slice(0, 120)})` : ""}`;
}

function readHolder(file: string): {text: string; holder: LockHolder | null} | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return {text, holder: typeof h.pid === "number" && typeof h.host === "string" ? h : null};
  } catch {
    // A holder killed between create and write leaves an empty or cut-off file.
    return {text, holder: null};
  }
}

/** Whether a process with this pid exists on this host (EPERM: exists, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A held lock; `release()` removes the lock file if it is still this holder's. */
export class CacheLock {
  private released = false;
  private readonly onExit = () => this.release();
  constructor(
    readonly file: string,
    private readonly text: string,
  ) {
    process.once("exit", this.onExit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener("exit", this.onExit);
    try {
      if (readFileSync(this.file, "utf8") === this.text) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Take the write lock of cache folder `dir` (which must exist: `ensureWritableDir` first), waiting while another live
 * process holds it. Stale locks (holder pid gone on this host, or an unreadable lock file older
 * than 10 s) are taken over. Throws after `timeoutMs` with a message naming the holder.
 */
export async function lockCache(dir: string, opts: LockOptions = {}): Promise<CacheLock> {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: opts.command ?? ["em", ...process.argv.slice(2)].join(" "),
  };
  const text = JSON.stringify(mine) + "\n";
  const t0 = Date.now();
  let told = "";
  let unreadableSince = 0;
  for (;;) {
    try {
      writeFileSync(file, text, {flag: "wx"});
      return new CacheLock(file, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const seen = readHolder(file);
    if (!seen) continue; // released between our attempt and the read: try again at once
    const h = seen.holder;
    const stale = h ? h.host === mine.host && !alive(h.pid) : unreadableSince > 0 && Date.now() - unreadableSince > 10_000;
    if (!h && !unreadableSince) unreadableSince = Date.now();
    if (stale) {
      // Move the stale file aside (one process wins the rename), check it is the one judged
      // stale, else put it back: a lock taken meanwhile by a live process is never removed.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch {
        continue;
      }
      if (readFileSync(aside, "utf8") !== seen.text) {
        try {
          linkSync(aside, file);
        } catch {
          // someone took the lock meanwhile; the moved file was theirs and is now gone: they keep running, we wait for the new holder
        }
      } else opts.onWait?.(`cache ${dir}: taking over a stale lock (${h ? describeHolder(h) + "; that process no longer exists" : "unreadable lock file"})`);
      try {
        unlinkSync(aside);
      } catch {
        // gone
      }
      continue;
    }
    const who = h ? describeHolder(h) : "an unreadable lock file";
    if (opts.timeoutMs !== undefined && Date.now() - t0 >= opts.timeoutMs)
      throw new Error(
        `cache ${dir} is in use by ${who}; a second run on one cache would pay for the same calls twice. Wait for it to end, or use another --cache${h && h.host !== mine.host ? `; if that process is gone, delete ${file}` : ""}`,
      );
    if (told !== who) {
      told = who;
      opts.onWait?.(
        `cache ${dir} is in use by ${who}; waiting for it to finish (a second writer would pay for the same calls twice)${h && h.host !== mine.host ? `; if that process is gone, delete ${file}` : ""}`,
      );
    }
    await sleep(opts.pollMs ?? 200);
  }
}
