// Content-addressed cache of API results.
//
// Layout: <dir>/v1/<shard>.jsonl, one JSON object {"k": key, "v": value} per line. Every process
// appends only to its own new shard file (name = time + pid + random), so
// - two runs never interleave writes, and a git merge of two caches is a union of files
//   (a .gitattributes with `merge=union` covers the rare case of the same shard edited twice);
// - a process killed mid-write leaves at most one partial last line in its own shard, which the
//   next load skips and counts (`partial`).
// The whole cache is held in memory during a run; appends are batched per event-loop turn and
// written with synchronous appends, so a result is on disk (page cache) within a tick of arriving.
// Keys are sha256 over a canonical JSON of everything that determines the result; callers must
// never put secrets (api keys) or ephemeral ports into key parts or values.
import {createHash, randomBytes} from "node:crypto";
import {closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync} from "node:fs";
import path from "node:path";
import {ensureWritableDir} from "./writable.ts";

const VERSION_DIR = "v1";

/** JSON with object keys sorted, so equal content gives equal text (and key) regardless of key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return "[" + value.map((v) => canonicalJson(v === undefined ? null : v)).join(",") + "]";
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson((value as Record<string, unknown>)[k])).join(",") + "}";
}

/** Cache key: hex sha256 of the canonical JSON of `parts`. */
export function cacheKey(parts: unknown): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

export interface CacheStats {
  /** Entries in memory after load (distinct keys). */
  entries: number;
  /** Shard files read. */
  files: number;
  /** Lines skipped because the last line of a shard was cut off (a killed writer). */
  partial: number;
  /** Lines skipped elsewhere because they were not valid entries. */
  corrupt: number;
  hits: number;
  misses: number;
  /** Entries written by this process. */
  written: number;
}

/**
 * A cache write that failed (ENOSPC, EIO, EDQUOT...): results paid for but not on disk. The run
 * must stop making calls at once; `saved` entries written by this process are safe on disk.
 */
export class CacheWriteError extends Error {
  override name = "CacheWriteError";
  constructor(
    readonly dir: string,
    /** errno code, e.g. "ENOSPC" */
    readonly code: string,
    /** Entries this process wrote completely before the failure. */
    readonly saved: number,
    /** Entries this process had in memory but could not write (paid for, will be paid again). */
    readonly lost: number,
  ) {
    super(
      `cache ${dir}: write failed (${code}${code === "ENOSPC" ? ": no space left on device" : code === "EDQUOT" ? ": disk quota exceeded" : ""}); ${saved} result(s) written by this run are safe on disk, ${lost} paid result(s) could not be written`,
    );
  }
}

export class Cache<V = unknown> {
  readonly dir: string;
  readonly stats: CacheStats = {entries: 0, files: 0, partial: 0, corrupt: 0, hits: 0, misses: 0, written: 0};
  private readonly map = new Map<string, V>();
  private pending: string[] = [];
  private fd: number | null = null;
  private scheduled = false;
  private closed = false;
  /** The first failed write; every later `set` throws it (the run must stop calling). */
  failed: CacheWriteError | null = null;
  /** Entries whose line reached the disk completely. */
  private savedCount = 0;

  /** Entries this process wrote to disk completely (its own shard). */
  get saved(): number {
    return this.savedCount;
  }

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Open (and read) the cache in `dir`; the folder is created on first write. */
  static open<V = unknown>(dir: string): Cache<V> {
    const cache = new Cache<V>(path.resolve(dir));
    cache.load();
    return cache;
  }

  private load(): void {
    const shardDir = path.join(this.dir, VERSION_DIR);
    if (!existsSync(shardDir)) return;
    for (const name of readdirSync(shardDir).sort()) {
      if (!name.endsWith(".jsonl")) continue;
      this.stats.files++;
      const text = readFileSync(path.join(shardDir, name), "utf8");
      const lines = text.split("\n");
      const last = lines.length - 1;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (!line) continue;
        let entry: {k?: unknown; v?: unknown} | null = null;
        try {
          entry = JSON.parse(line) as {k?: unknown; v?: unknown};
        } catch {
          entry = null;
        }
        if (!entry || typeof entry.k !== "string" || entry.v === undefined) {
          // A complete file ends with "\n", so an unparsable final piece is a cut-off write.
          if (i === last) this.stats.partial++;
          else this.stats.corrupt++;
          continue;
        }
        this.map.set(entry.k, entry.v as V);
      }
    }
    this.stats.entries = this.map.size;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Look up a key, counting a hit or a miss. */
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) this.stats.misses++;
    else this.stats.hits++;
    return v;
  }

  /** Look up without touching the hit/miss counters (planning, dry runs). */
  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  /**
   * Store a result (never an error). Written to disk within one event-loop turn. Throws the
   * CacheWriteError once a write has failed (the value is still kept in memory for this run).
   */
  set(key: string, value: V): void {
    if (this.closed) throw new Error(`cache ${this.dir} is closed`);
    if (this.map.has(key)) return;
    this.map.set(key, value);
    if (this.failed) {
      this.failed = new CacheWriteError(this.dir, this.failed.code, this.savedCount, this.failed.lost + 1);
      throw this.failed;
    }
    this.pending.push(JSON.stringify({k: key, v: value}) + "\n");
    this.stats.written++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        try {
          this.flush();
        } catch {
          // recorded in `failed`; the next set() or flush() throws it to the run
        }
      });
    }
  }

  /**
   * Write pending entries now. A failed write (ENOSPC...) throws a CacheWriteError and leaves at
   * most one cut-off last line, which the next load skips; nothing is written after it.
   */
  flush(): void {
    this.scheduled = false;
    if (this.failed) throw this.failed;
    if (!this.pending.length) return;
    try {
      this.write();
    } catch (error) {
      if (error instanceof CacheWriteError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const lost = this.pending.length;
      this.pending = [];
      this.stats.written = this.savedCount;
      this.failed = new CacheWriteError(this.dir, code, this.savedCount, lost);
      throw this.failed;
    }
  }

  private write(): void {
    if (this.fd === null) {
      const shardDir = path.join(this.dir, VERSION_DIR);
      // Not mkdirSync(recursive): it spins forever under /proc; ensureWritableDir fails cleanly.
      ensureWritableDir(shardDir, "cache folder");
      const attrs = path.join(this.dir, ".gitattributes");
      if (!existsSync(attrs)) writeFileSync(attrs, "*.jsonl merge=union -diff\n");
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
      const name = `${stamp}-${process.pid}-${randomBytes(4).toString("hex")}.jsonl`;
      this.fd = openSync(path.join(shardDir, name), "a");
    }
    // Line by line, each written in full (writeSync may write less than asked when the disk fills):
    // what is counted as saved is on disk.
    // Batches of lines, so a large flush stays one or a few syscalls.
    let i = 0;
    try {
      while (i < this.pending.length) {
        const j = Math.min(this.pending.length, i + 256);
        const buf = Buffer.from(this.pending.slice(i, j).join(""));
        let off = 0;
        try {
          while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
        } catch (error) {
          // Whole lines within the part that reached the disk are saved.
          let n = 0;
          for (let k = i, end = 0; k < j; k++) {
            end += Buffer.byteLength(this.pending[k]!);
            if (end <= off) n++;
          }
          i += n;
          this.savedCount += n;
          throw error;
        }
        this.savedCount += j - i;
        i = j;
      }
    } finally {
      this.pending = this.pending.slice(i);
    }
  }

  /** Flush and release the shard file. Further `set` calls throw. */
  close(): void {
    try {
      if (!this.failed) this.flush();
    } finally {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      this.closed = true;
    }
  }
}

/** A fingerprint of a cache folder's contents (file names and sizes): changes whenever entries are added. */
export function cacheFingerprint(dir: string): string {
  const shardDir = path.join(path.resolve(dir), VERSION_DIR);
  if (!existsSync(shardDir)) return "empty";
  const h = createHash("sha256");
  for (const name of readdirSync(shardDir).sort()) {
    if (!name.endsWith(".jsonl")) continue;
    const size = statSync(path.join(shardDir, name)).size;
    h.update(`${name}\0${size}\n`);
  }
  return h.digest("hex").slice(0, 16);
}
