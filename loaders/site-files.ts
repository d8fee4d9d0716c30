// Every data file the site derives from the responses (points.arrow, points-full.arrow, first.json,
// responses-first.json: loaders/site-points-files.ts; texts.parquet, details.parquet, ids.parquet,
// search.bin: loaders/site-texts-duckdb.ts), computed together the first time any of their Framework
// loaders asks, and kept in the dataset's folder for the others.
//
// Why: Framework runs the data loaders one after another (build.js awaits each), so each file's
// writer used to have the machine's two cores to itself and used one of them (its JS loop); the
// other waited. Here the writers run as child processes, `lanes` at a time (default: 2, the cores
// of the target machine), longest first, so the JS loops of two writers overlap. Each child keeps
// its own memory bound (DuckDB's memory_limit, EM_DUCKDB_MEMORY; row groups streamed), so the
// process tree holds at most `lanes` writers.
import {spawn, type ChildProcess} from "node:child_process";
import {closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {lockCache} from "./cache-lock.ts";
import {ROOT} from "./paths.ts";
import {sitePointsFiles, sitePointsPaths, type SitePointsFiles} from "./site-points-files.ts";
import {writeDetailsFromDir, writeIdsFromDir, writeSearchIndexFromDir, writeTextsFromDir} from "./site-texts-duckdb.ts";
import type {Sink} from "./site-texts.ts";

export interface SiteFiles extends SitePointsFiles {
  texts: string;
  details: string;
  ids: string;
  search: string;
}

type TextJob = "texts" | "details" | "ids" | "search";
type Job = "points" | TextJob;
/** Longest first (measured at 1M responses: texts 31 s, points 20, details 19, search 18, ids 8), so the last to start is short. */
const JOBS: readonly Job[] = ["texts", "points", "details", "search", "ids"];
const TEXT_FILES: Record<TextJob, string> = {texts: "texts.parquet", details: "details.parquet", ids: "ids.parquet", search: "search.bin"};
const WRITERS: Record<TextJob, (dir: string, sink: Sink) => Promise<void>> = {
  texts: writeTextsFromDir,
  details: writeDetailsFromDir,
  ids: writeIdsFromDir,
  search: writeSearchIndexFromDir,
};
/** DuckDB's memory limit in each child unless EM_DUCKDB_MEMORY sets one: two lanes stay under ~2 GB together. */
const LANE_DUCKDB_MEMORY = "640MB";

/** The paths of the site files of dataset folder `dir` (they may not exist yet). */
function siteFilePaths(dir: string): SiteFiles {
  const texts = path.join(dir, "site-texts");
  return {
    ...sitePointsPaths(dir),
    texts: path.join(texts, TEXT_FILES.texts),
    details: path.join(texts, TEXT_FILES.details),
    ids: path.join(texts, TEXT_FILES.ids),
    search: path.join(texts, TEXT_FILES.search),
  };
}

function missingJobs(files: SiteFiles): Job[] {
  const points = [files.compact, files.full, files.first, files.responsesFirst].every((f) => existsSync(f));
  return JOBS.filter((j) => (j === "points" ? !points : !existsSync(files[j])));
}

/** Default lanes: EM_SITE_LANES, else the machine's cores up to 2. */
function defaultLanes(): number {
  const env = process.env.EM_SITE_LANES;
  if (env !== undefined) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`EM_SITE_LANES must be a positive integer, got '${env}'`);
    return n;
  }
  return Math.min(2, os.availableParallelism());
}

/**
 * The site files of dataset folder `dir` (loadDataset's `dir`), computing the missing ones: each
 * writer in its own child process, `lanes` at a time, under a lock so loaders started together
 * compute them once. A writer that fails stops the others and throws with its name (its own
 * message is on stderr); no partial file is left (each is written to a temporary name and renamed).
 */
export async function siteFiles(dir: string, {lanes = defaultLanes()}: {lanes?: number} = {}): Promise<SiteFiles> {
  const files = siteFilePaths(dir);
  if (!missingJobs(files).length) return files;
  const folder = path.dirname(files.texts);
  mkdirSync(folder, {recursive: true});
  const lock = await lockCache(folder, {onWait: (m) => process.stderr.write(`em: ${m}\n`), command: "site files"});
  try {
    await runJobs(missingJobs(files), dir, lanes);
    return files;
  } finally {
    lock.release();
  }
}

const SELF = fileURLToPath(import.meta.url);

/** Run `jobs` in order, `lanes` child processes at a time; on the first failure, end the running ones and throw. */
function runJobs(jobs: readonly Job[], dir: string, lanes: number): Promise<void> {
  const queue = [...jobs];
  const running = new Set<ChildProcess>();
  const env = {...process.env, EM_DUCKDB_MEMORY: process.env.EM_DUCKDB_MEMORY ?? LANE_DUCKDB_MEMORY};
  return new Promise((resolve, reject) => {
    let failed = false;
    const next = () => {
      if (failed) return;
      if (!queue.length && !running.size) return resolve();
      while (running.size < lanes && queue.length) {
        const job = queue.shift()!;
        const t0 = performance.now();
        const child = spawn(process.execPath, ["--import", "tsx", SELF, job, dir], {cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"]});
        running.add(child);
        const fail = (why: string) => {
          running.delete(child);
          if (failed) return;
          failed = true;
          for (const other of running) other.kill();
          reject(new Error(`site files: the ${job} writer ${why} (dataset ${dir})`));
        };
        child.on("error", (e) => fail(`could not start: ${e.message}`));
        child.on("exit", (code, signal) => {
          if (code !== 0) return fail(`failed (exit ${code ?? signal})`);
          running.delete(child);
          process.stderr.write(`em: site files: ${job} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
          next();
        });
      }
    };
    next();
  });
}

/** One writer, in this (child) process: the points files, or one text file written to a temporary name and renamed. */
async function runJob(job: Job, dir: string): Promise<void> {
  if (job === "points") {
    await sitePointsFiles(dir);
    return;
  }
  const file = siteFilePaths(dir)[job];
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    await WRITERS[job](dir, (chunk) => {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
    });
    closeSync(fd);
    renameSync(tmp, file);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, {force: true});
    throw e;
  }
}

/** Copy `file` to stdout (a Framework data loader's output) a chunk at a time, waiting on a full pipe. */
export function printFile(file: string): void {
  const fd = openSync(file, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
      for (let at = 0; at < n; ) {
        try {
          at += writeSync(1, buf, at, n - at);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

// As a child process of runJobs: `node --import tsx loaders/site-files.ts JOB DIR`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [job, dir] = process.argv.slice(2) as [Job, string];
  if (!JOBS.includes(job) || !dir) {
    process.stderr.write(`usage: site-files.ts (${JOBS.join("|")}) DATASET_DIR\n`);
    process.exit(2);
  }
  await runJob(job, dir);
}
