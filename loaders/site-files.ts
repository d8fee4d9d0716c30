// Every data file the site derives from the responses (points.arrow, points-exact.arrow, first.json,
// responses-first.json: loaders/site-points-files.ts; texts.parquet, details.parquet, ids.parquet,
// search.bin: loaders/site-texts-duckdb.ts), computed together once per dataset by the site data
// step (loaders/site-data.ts, which `npm run build` and `npm run dev` run before Framework starts)
// and kept in the dataset's folder.
//
// Why: Framework runs the data loaders one after another (build.js awaits each), so each file's
// writer used to have the machine's two cores to itself and used one of them (its JS loop); the
// other waited, and the files read the same rows again in separate processes. Here the writers
// share reads (texts.parquet and search.bin from one read of the answers) and run in `lanes` groups
// at once (default 2, the target machine's cores): one in the loader's own process, the others each
// in one child process, so two writers' JS loops overlap. Each writer streams row groups and its
// DuckDB has a memory_limit (EM_DUCKDB_MEMORY; the children get 640MB unless it is set).
import type {ChildProcess} from "node:child_process";
import {closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync} from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {envLanes, settleLanes, spawnLane} from "./lanes.ts";
import {ROOT} from "./paths.ts";
import {lease, pruneUnleased} from "./lease.ts";
import {codeFolderName, isCodeFolder} from "./source-digest.ts";
import {sitePointsFiles, sitePointsFolder, sitePointsPaths, type SitePointsFiles} from "./site-points-files.ts";
import type {Sink} from "./site-texts.ts";

export interface SiteFiles extends SitePointsFiles {
  texts: string;
  details: string;
  ids: string;
  search: string;
}

type TextFile = "texts" | "details" | "ids" | "search";
/**
 * The writers, each a child process: texts.parquet and search.bin share one read of the answers;
 * details.parquet and ids.parquet one process (one start of Node and DuckDB). Longest first
 * (measured at 1M responses: texts 31 s + search 18, points 20, details 19 + ids 8), so the last
 * to start is short.
 */
type Job = "texts" | "points" | "details";
const JOBS: readonly Job[] = ["texts", "points", "details"];
const JOB_FILES: Record<Job, readonly TextFile[]> = {texts: ["texts", "search"], points: [], details: ["details", "ids"]};
const TEXT_FILES: Record<TextFile, string> = {texts: "texts.parquet", details: "details.parquet", ids: "ids.parquet", search: "search.bin"};
/** DuckDB's memory limit in each child unless EM_DUCKDB_MEMORY sets one: two lanes stay under ~2 GB together. */
const LANE_DUCKDB_MEMORY = "640MB";

/**
 * The names of a dataset folder's two folders of site files, each a hash of the code that writes
 * them (./source-digest.ts: the dataset's own key does not cover it, so a change to it makes new
 * files). Taken once per build (siteFiles) and handed to the writers, in this process and in the
 * child processes alike: read afresh at each use, a source file saved mid-build (an editor) would
 * split one build across two folders (issue: a writer then found no folder, ENOENT).
 */
interface SiteFolders {
  texts: string;
  points: string;
}

function siteFolders(): SiteFolders {
  return {texts: codeFolderName("site-texts", ["loaders/site-texts.ts", "loaders/site-texts-duckdb.ts"]), points: sitePointsFolder()};
}

/** The folder of dataset folder `dir`'s text files, named by the code that writes them now (siteFolders). */
export function siteTextsDir(dir: string): string {
  return path.join(dir, siteFolders().texts);
}

/** The paths of the site files of dataset folder `dir` in `folders` (they may not exist yet). */
function siteFilePaths(dir: string, folders: SiteFolders): SiteFiles {
  const texts = path.join(dir, folders.texts);
  return {
    ...sitePointsPaths(dir, folders.points),
    texts: path.join(texts, TEXT_FILES.texts),
    details: path.join(texts, TEXT_FILES.details),
    ids: path.join(texts, TEXT_FILES.ids),
    search: path.join(texts, TEXT_FILES.search),
  };
}

function missingJobs(files: SiteFiles): Job[] {
  const points = [files.compact, files.exact, files.first, files.responsesFirst].every((f) => existsSync(f));
  return JOBS.filter((j) => (j === "points" ? !points : JOB_FILES[j].some((f) => !existsSync(files[f]))));
}

/** Default lanes: EM_SITE_LANES, else the machine's cores up to 2. */
const defaultLanes = () => envLanes("EM_SITE_LANES");

/**
 * The site files of dataset folder `dir` (loadDataset's `dir`), computing the missing ones in
 * `lanes` groups at once (runJobs). One caller per dataset: the site data step, before Framework
 * starts (build and dev alike), so no loader processes race for them and no lock is taken; a
 * Framework loader that runs anyway (its output missing or older than the loader file) finds them
 * written. A writer that fails stops the others and throws with its name (a child's own message is
 * on stderr); no partial file is left (each is written to a temporary name and renamed).
 */
export async function siteFiles(dir: string, {lanes = defaultLanes()}: {lanes?: number} = {}): Promise<SiteFiles> {
  const folders = siteFolders();
  const files = siteFilePaths(dir, folders);
  const current = [folders.texts, folders.points];
  await lease(dir, current);
  const missing = missingJobs(files);
  if (missing.length) {
    mkdirSync(path.dirname(files.texts), {recursive: true});
    await runJobs(missing, dir, folders, lanes);
  }
  await pruneSiteFolders(dir, current);
  return files;
}

/** The folders of site files a dataset folder holds, each named by the code that writes it (codeFolderName). */
const SITE_FOLDERS = ["site-texts", "site-points"] as const;

/**
 * Remove the site-file folders of dataset folder `dir` that other code wrote (site-texts-<other
 * version>, site-points-<other version>: an older commit, another branch sharing EM_DATASET_MEMO):
 * never `current`, never one a live process leases (./lease.ts; siteFiles leases its folders for
 * its build before it looks at them, so a build whose folder this removed writes it again).
 */
async function pruneSiteFolders(dir: string, current: readonly string[]): Promise<void> {
  await pruneUnleased(dir, (names) => names.filter((n) => !current.includes(n) && SITE_FOLDERS.some((p) => isCodeFolder(p, n))));
}

const SELF = fileURLToPath(import.meta.url);

/** Seconds each job took at 1M responses (the writers' loaders, measured one by one), to share the jobs out. */
const WEIGHT: Record<Job, number> = {texts: 49, points: 20, details: 27};

/**
 * Run `jobs` in `lanes` groups, heaviest first into the lightest group: the first group in this
 * process (already started: no second start of Node, tsx and DuckDB), each other one in one child
 * process that runs its jobs one after another. A failure ends the child processes and throws.
 */
async function runJobs(jobs: readonly Job[], dir: string, folders: SiteFolders, lanes: number): Promise<void> {
  const groups: Job[][] = Array.from({length: Math.max(1, Math.min(lanes, jobs.length))}, () => []);
  const load = (g: Job[]) => g.reduce((sum, j) => sum + WEIGHT[j], 0);
  for (const job of [...jobs].sort((a, b) => WEIGHT[b] - WEIGHT[a])) groups.reduce((min, g) => (load(g) < load(min) ? g : min)).push(job);
  const env = {...process.env, EM_DUCKDB_MEMORY: process.env.EM_DUCKDB_MEMORY ?? LANE_DUCKDB_MEMORY};
  const children: ChildProcess[] = [];
  const done = groups.slice(1).map(
    (group) =>
      new Promise<void>((resolve, reject) => {
        const child = spawnLane(SELF, [group.join(","), dir, folders.texts, folders.points], {cwd: ROOT, env});
        children.push(child);
        const what = `the ${group.join(" and ")} writer${group.length > 1 ? "s" : ""}`;
        child.on("error", (e) => reject(new Error(`site files: ${what} could not start: ${e.message} (dataset ${dir})`)));
        child.on("exit", (code, signal) =>
          code === 0 ? resolve() : reject(new Error(`site files: ${what} failed (exit ${code ?? signal}) (dataset ${dir})`)),
        );
      }),
  );
  const inline = (async () => {
    for (const job of groups[0]!) {
      try {
        await runJob(job, dir, folders);
      } catch (e) {
        throw new Error(`site files: the ${job} writer failed: ${(e as Error).message} (dataset ${dir})`);
      }
    }
  })();
  await settleLanes([inline, ...done], children);
}

/** One job, in this process: the points files, or its text files, each written to a temporary name and renamed. */
async function runJob(job: Job, dir: string, folders: SiteFolders): Promise<void> {
  const t0 = performance.now();
  await writeJob(job, dir, folders);
  const what = job === "points" ? "points.arrow, points-exact.arrow, first.json, responses-first.json" : JOB_FILES[job].map((f) => TEXT_FILES[f]).join(" + ");
  process.stderr.write(`em: site files: ${what} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

async function writeJob(job: Job, dir: string, folders: SiteFolders): Promise<void> {
  if (job === "points") {
    await sitePointsFiles(dir, folders.points);
    return;
  }
  const paths = siteFilePaths(dir, folders);
  const outs = JOB_FILES[job].map((name) => {
    const file = paths[name];
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = openSync(tmp, "w");
    const sink: Sink = (chunk) => {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at);
    };
    return {file, tmp, fd, sink};
  });
  try {
    const w = await import("./site-texts-duckdb.ts");
    if (job === "texts") await w.writeTextsAndSearchFromDir(dir, outs[0]!.sink, outs[1]!.sink);
    else {
      await w.writeDetailsFromDir(dir, outs[0]!.sink);
      await w.writeIdsFromDir(dir, outs[1]!.sink);
    }
    for (const o of outs) closeSync(o.fd);
    for (const o of outs) renameSync(o.tmp, o.file);
  } catch (e) {
    for (const o of outs) {
      try {
        closeSync(o.fd);
      } catch {
        // already closed
      }
      rmSync(o.tmp, {force: true});
    }
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

// As a child process of runJobs: `node --import tsx loaders/site-files.ts JOB[,JOB...] DIR TEXTS_FOLDER POINTS_FOLDER`
// (the folders' names as the parent took them: siteFolders).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [list, dir, texts, points] = process.argv.slice(2) as [string, string, string, string];
  const jobs = (list ?? "").split(",") as Job[];
  if (!jobs.every((j) => JOBS.includes(j)) || !dir || !isCodeFolder("site-texts", texts ?? "") || !isCodeFolder("site-points", points ?? "")) {
    process.stderr.write(`usage: site-files.ts JOB[,JOB...] DATASET_DIR site-texts-<version> site-points-<version> (jobs: ${JOBS.join(", ")})\n`);
    process.exit(2);
  }
  for (const job of jobs) await runJob(job, dir, {texts, points});
}
