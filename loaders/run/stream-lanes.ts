// Import lanes (issue 28): the files of a streamed import read in `lanes` processes at once, the
// rows then taken in file order, so the tables equal the one-file-after-another import's.
//
// Why: a streamed import is one JavaScript loop (CSV parsing, row mapping, the signals classifier,
// DuckDB appends), so one core of the target machine's two did all of it while the other idled.
// Here each file is imported on its own (the first lane in this process, each other lane in one
// child process) into a TableSink of its own, staged to Parquet (meta and signals still text), and
// this process's sink takes the parts in file order (TableSink.ingest; its `write` reads them
// straight from their files unless a part's sample numbers must move): the same rows, order, column
// order and column types. What crosses files is carried over as the one-after-another read
// carries it: the sample numbers per (model, step, question_id) continue over the files of an
// entry (each part numbers from 0; the samples the files before it took are added), the skipped
// rows, mismatches and files are listed in file order, the planning rows, metrics and judge-token
// audits are merged. An error is reported for the first file (in import order) that has one, with
// the same message; a file list that cannot be made or a file read by two entries leaves the
// import to the one-after-another path, which reports them where it always did.
import type {ChildProcess} from "node:child_process";
import {mkdtempSync, readFileSync, statSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import type {JudgeTokenAudit} from "../../src/lib/judge-score.ts";
import type {ResponseRow} from "../../src/lib/schema.ts";
import type {Experiment} from "../experiment.ts";
import {importFileList, importFiles, type ImportResult} from "../import/index.ts";
import {envLanes, settleLanes, spawnLane} from "../lanes.ts";
import {displayPath, ROOT} from "../paths.ts";
import {TableSink, type SampleOffset, type Staged} from "../tables.ts";
import {entryError, takeEntry} from "./imports.ts";
import {prepare, type Prepared} from "./prepare.ts";
import {addAudit, chunkHandler, newChunkState, type ChunkState} from "./stream.ts";

/** One file of an import: its entry, path, size, and the files of the entries before (file -> entry), as the one-after-another read knows them. */
export interface LaneTask {
  index: number;
  entry: number;
  file: string;
  bytes: number;
  prior: [string, number][];
}

/** What one file's import gives besides its staged rows (written as JSON beside them). */
type TaskResult =
  | {error: string}
  | ({
      staged: Staged;
      proxies: [string, ResponseRow][];
      audit: [string, JudgeTokenAudit][];
      metrics: string[];
      counts: {responses: number; scores: number};
      /** Samples numbered per JSON [model, step, question_id]. */
      samples: [string, number][];
      /** Read again the two-pass way after the single-pass CSV read failed or did not hold (runTask). */
      reread?: true;
    } & Pick<ImportResult, "skipped" | "mismatches" | "files">);

/** DuckDB's memory limit in a child lane unless EM_DUCKDB_MEMORY sets one (a part holds one file's rows). */
const LANE_DUCKDB_MEMORY = "640MB";

/** Lanes: EM_IMPORT_LANES, else the machine's cores up to 2. */
const importLanes = () => envLanes("EM_IMPORT_LANES");

/** Below this many bytes of files the import runs in this process (a lane's start, ~1.5 s, would cost more than it saves). EM_IMPORT_LANE_MIN_BYTES sets it. */
function minBytes(): number {
  const env = process.env.EM_IMPORT_LANE_MIN_BYTES;
  if (env === undefined) return 32 << 20;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 0) throw new Error(`EM_IMPORT_LANE_MIN_BYTES must be a non-negative integer, got '${env}'`);
  return n;
}

const relOf = (baseDir: string, file: string) => path.relative(baseDir, file).split(path.sep).join("/");

/**
 * The files of `exp`'s imports as lane tasks, or null when the import should run one file after
 * another: fewer than two lanes or files, fewer bytes than the minimum, an entry whose file list
 * fails, or a file named by two entries (that path reports those errors where it always did).
 */
export function lanePlan(exp: Experiment): LaneTask[] | null {
  if (importLanes() < 2) return null;
  const baseDir = path.dirname(exp.file);
  const tasks: LaneTask[] = [];
  const seen = new Map<string, number>();
  let bytes = 0;
  for (const [i, spec] of exp.imports.entries()) {
    let files: string[];
    try {
      files = importFileList(spec, baseDir).files;
    } catch {
      return null;
    }
    const prior = [...seen];
    for (const file of files) {
      const rel = relOf(baseDir, file);
      if (seen.has(rel)) return null;
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        return null;
      }
      tasks.push({index: tasks.length, entry: i, file, bytes: size, prior});
      bytes += size;
    }
    for (const file of files) seen.set(relOf(baseDir, file), i);
  }
  return tasks.length >= 2 && bytes >= minBytes() ? tasks : null;
}

const partDir = (work: string, t: LaneTask) => path.join(work, `part-${t.index}`);
const resultFile = (work: string, t: LaneTask) => path.join(work, `part-${t.index}.json`);

/**
 * One file imported into a sink of its own, staged in partDir; the result (or the error's message)
 * as JSON beside it. A CSV file is first read in one pass (csv.ts readCsvOnce: parsed once instead
 * of checked and then read); when that read fails or does not hold, the part is discarded and the
 * file read the two-pass way, which gives the rows, or the error and its precedence, of the
 * one-after-another import.
 */
async function runTask(p: Prepared, t: LaneTask, work: string): Promise<boolean> {
  let result = await importTask(p, t, work, true);
  if ("error" in result) {
    result = await importTask(p, t, work, false);
    if (!("error" in result)) result.reread = true;
  }
  writeFileSync(resultFile(work, t), JSON.stringify(result));
  return !("error" in result);
}

async function importTask(p: Prepared, t: LaneTask, work: string, singlePassCsv: boolean): Promise<TaskResult> {
  const exp = p.experiment;
  let sink: TableSink | null = null;
  try {
    sink = await TableSink.open();
    const st = newChunkState();
    const samples = new Map<string, number>();
    const prior = new Map(t.prior);
    const specOf = (r: ResponseRow) => {
      const i = prior.get(String(r.meta?.file ?? ""));
      return i === undefined ? undefined : exp.imports[i];
    };
    const r = await importFiles(exp.imports[t.entry]!, {
      experiment: exp.name,
      baseDir: path.dirname(exp.file),
      onRows: chunkHandler(p, sink, st, specOf),
      only: new Set([t.file]),
      sampleCounter: samples,
      singlePassCsv,
    });
    const staged = await sink.writeStaged(partDir(work, t));
    return {
      staged,
      proxies: [...st.proxies],
      audit: [...st.audit],
      metrics: [...st.metricsSeen],
      counts: st.counts,
      samples: [...samples],
      skipped: r.skipped,
      mismatches: r.mismatches,
      files: r.files,
    };
  } catch (e) {
    return {error: (e as Error).message};
  } finally {
    sink?.close();
  }
}

/** A lane's tasks in import order; after a file that fails, the lane's later files are left (an earlier error is the one reported). */
async function runLane(p: Prepared, tasks: readonly LaneTask[], work: string): Promise<void> {
  for (const t of tasks) if (!(await runTask(p, t, work))) return;
}

const SELF = fileURLToPath(import.meta.url);

/**
 * Import `tasks` (lanePlan) in lanes, then take their rows into `sink` in import order and their
 * files, skipped rows and mismatches into `out` (`importedBy` filled as importEntry fills it).
 * Returns the merged chunk state. Throws the first failing file's error, as importEntry words it.
 */
export async function runLanes(
  p: Prepared,
  tasks: readonly LaneTask[],
  sink: TableSink,
  importedBy: Map<string, number>,
  out: Pick<ImportResult, "skipped" | "mismatches" | "files">,
  onProgress?: (line: string) => void,
): Promise<ChunkState> {
  const exp = p.experiment;
  const started = performance.now();
  const lanes = Math.min(importLanes(), tasks.length);
  // Largest files first into the lane with the fewest bytes; each lane then runs in import order.
  const groups: LaneTask[][] = Array.from({length: lanes}, () => []);
  const load = (g: LaneTask[]) => g.reduce((s, t) => s + t.bytes, 0);
  for (const t of [...tasks].sort((a, b) => b.bytes - a.bytes || a.index - b.index)) groups.reduce((min, g) => (load(g) < load(min) ? g : min)).push(t);
  for (const g of groups) g.sort((a, b) => a.index - b.index);
  const work = mkdtempSync(path.join(os.tmpdir(), "em-import-lanes-"));
  // The staged parts stay until the sink is closed: its `write` may read them from their files.
  sink.adopt(work);
  const env = {...process.env, EM_DUCKDB_MEMORY: process.env.EM_DUCKDB_MEMORY ?? LANE_DUCKDB_MEMORY};
  const children: ChildProcess[] = [];
  const done = groups.slice(1).map(
    (group, k) =>
      new Promise<void>((resolve, reject) => {
        const job = path.join(work, `lane-${k + 1}.json`);
        writeFileSync(job, JSON.stringify({experiment: exp.file, tasks: group, work}));
        const child = spawnLane(SELF, [job], {cwd: ROOT, env});
        children.push(child);
        const what = `import lane ${k + 1} (${group.map((t) => relOf(path.dirname(exp.file), t.file)).join(", ")})`;
        child.on("error", (e) => reject(new Error(`${displayPath(exp.file)}: ${what} could not start: ${e.message}`)));
        child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${displayPath(exp.file)}: ${what} failed (exit ${code ?? signal})`))));
      }),
  );
  const inline = runLane(p, groups[0]!, work);
  await settleLanes([inline, ...done], children);
  const read = performance.now();

  const st = newChunkState();
  let reread = 0;
  for (const i of exp.imports.keys()) {
    const entry: Pick<ImportResult, "skipped" | "mismatches" | "files"> = {skipped: [], mismatches: [], files: []};
    // Samples numbered so far in this entry, per JSON [model, step, question_id].
    const numbered = new Map<string, number>();
    for (const t of tasks) {
      if (t.entry !== i) continue;
      const r = JSON.parse(readFileSync(resultFile(work, t), "utf8")) as TaskResult;
      if ("error" in r) throw entryError(exp, i, new Error(r.error));
      const offsets: SampleOffset[] = [];
      for (const [key, n] of r.samples) {
        const before = numbered.get(key) ?? 0;
        if (before) {
          const [model, step, question_id] = JSON.parse(key) as [string, number | null, string];
          offsets.push({model, step, question_id, offset: before});
        }
        numbered.set(key, before + n);
      }
      await sink.ingest(partDir(work, t), r.staged, offsets);
      if (r.reread) reread++;
      for (const [key, row] of r.proxies) if (!st.proxies.has(key)) st.proxies.set(key, row);
      for (const [key, a] of r.audit) addAudit(st.audit, key, a);
      for (const m of r.metrics) st.metricsSeen.add(m);
      st.counts.responses += r.counts.responses;
      st.counts.scores += r.counts.scores;
      for (const x of r.skipped) entry.skipped.push(x);
      for (const x of r.mismatches) entry.mismatches.push(x);
      for (const x of r.files) entry.files.push(x);
    }
    takeEntry(exp, i, entry, importedBy, out);
  }
  const s = (ms: number) => (ms / 1000).toFixed(1);
  onProgress?.(
    `${tasks.length} files read in ${lanes} lanes in ${s(read - started)} s${reread ? ` (${reread} read again in two passes: the single-pass CSV read did not hold)` : ""}, their parts taken in order in ${s(performance.now() - read)} s`,
  );
  return st;
}

// A child lane: `node --import tsx loaders/run/stream-lanes.ts JOB.json` (runLanes writes the job).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const job = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as {experiment: string; tasks: LaneTask[]; work: string};
  const p = await prepare(job.experiment, {offline: true});
  try {
    await runLane(p, job.tasks, job.work);
  } finally {
    await p.pool.close();
  }
}
