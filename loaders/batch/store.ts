// Persisted batch records: `<cache dir>/batches/<name>.json`, one file per batch, rewritten
// atomically (temp file + rename) on every change. They are what lets a later `em run --batch`
// or `em batch status|wait|cancel` pick up batches after a restart: a record names the server
// (base URL and the env var of its key, never the key), the uploaded file, the batch id and the
// cache keys of its requests (= the custom_ids of its lines).
//
// A record is written BEFORE the batch is created (state "creating", input file id known), so a
// process killed between `batches.create` and the write can still find its batch: the next run
// looks for a server batch with that input file (`batches.list`) and adopts it instead of paying
// for the requests twice.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import path from "node:path";
import {displayPath} from "../paths.ts";

export const BATCH_DIR = "batches";

/** pending = created, not merged yet; merged = output merged into the cache; lost = the server does not know it. */
export type RecordState = "creating" | "pending" | "merged" | "lost" | "cancelled";

export interface BatchRecord {
  /** File name stem (stable from before the batch id exists). */
  name: string;
  /** Server batch id; null while state is "creating". */
  id: string | null;
  state: RecordState;
  /** Cache identity of the endpoint (endpointId) and where to reach it; "sim" for the in-process simulator. */
  endpoint_id: string;
  base_url: string;
  api_key_env: string | null;
  /** Request path of the lines ("/v1/chat/completions"; Azure: "/chat/completions"). */
  url: string;
  model: string;
  input_file_id: string;
  requests: number;
  bytes: number;
  /** Retry round of the lines (0 = first submission). */
  round: number;
  created_at: string;
  /** Last status the server reported, and when. */
  server_status: string | null;
  checked_at: string | null;
  /** After merging: lines cached, failed, expired, absent from both files. */
  result: {ok: number; failed: number; expired: number; missing: number} | null;
  /** The requests' cache keys, in file order (the custom_ids). */
  keys: string[];
}

export function batchDir(cacheDir: string): string {
  return path.join(cacheDir, BATCH_DIR);
}

export function writeRecord(cacheDir: string, r: BatchRecord): void {
  const dir = batchDir(cacheDir);
  if (!existsSync(dir)) {
    mkdirSync(dir, {recursive: true});
    // Batch ids are short-lived server state, not results: keep them out of a committed cache.
    writeFileSync(path.join(dir, ".gitignore"), "*\n");
  }
  const file = path.join(dir, `${r.name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(r) + "\n");
  renameSync(tmp, file);
}

/** Every record in a cache folder, oldest first. A record that does not parse is an error naming the file. */
export function readRecords(cacheDir: string): BatchRecord[] {
  const dir = batchDir(cacheDir);
  if (!existsSync(dir)) return [];
  const out: BatchRecord[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".json")) continue;
    const file = path.join(dir, f);
    let r: BatchRecord;
    try {
      r = JSON.parse(readFileSync(file, "utf8")) as BatchRecord;
    } catch (error) {
      throw new Error(`${displayPath(file)}: not a batch record (${(error as Error).message})`);
    }
    if (typeof r.name !== "string" || !Array.isArray(r.keys) || typeof r.state !== "string")
      throw new Error(`${displayPath(file)}: not a batch record (fields name, state, keys)`);
    out.push(r);
  }
  return out;
}

/** A fresh record name: sortable by time, unique per process. */
export function recordName(seq: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  return `${stamp}-${process.pid}-${seq.toString().padStart(4, "0")}`;
}
