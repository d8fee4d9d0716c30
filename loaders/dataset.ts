// loadDataset: every experiment the site covers, run (or read from cache) and merged, memoised on
// disk under .em/dataset/<hash>/ so that the several Framework loaders a build starts at once
// compute it once. The hash covers everything the result depends on: the tool version, the
// pipeline's source, experiment files, question files, rubrics, import inputs (name, size, mtime),
// non-simulator cache folders (paid results) and the offline flag. A lock file makes concurrent
// callers wait for the first one; a lock left by a dead process is taken over.
//
// Site builds never spend money by default: non-simulator endpoints are used only when
// EM_ONLINE=1 (or `offline: false`); otherwise what is missing is reported on stderr, with the
// `em run` command that fills the cache.
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync} from "node:fs";
import path from "node:path";
import type {Provenance} from "../src/lib/schema.ts";
import {cacheFingerprint} from "./cache.ts";
import {isSim, simConfigPath} from "./client/endpoints.ts";
import {experimentFiles, loadExperiment, type Experiment} from "./experiment.ts";
import {globFiles} from "./import/glob.ts";
import {ROOT, displayPath, walkFiles} from "./paths.ts";
import {ProgressLine} from "./progress.ts";
import {lease, markOwner, olderThan, ownerEnded, pruneUnleased, UNRECORDED_MS} from "./lease.ts";
import {codeVersion} from "./source-digest.ts";
import {DEFAULT_CACHE_DIR, TOOL_VERSION, runExperiment, type ErrorItem, type MissingItem, type RunResult} from "./run/index.ts";
import {TABLE_NAMES, TableSink, readTables, type TableName, type Tables} from "./tables.ts";
import {streamImports, streamable, type StreamResult} from "./run/stream.ts";

export interface Dataset extends Tables {
  missing: (MissingItem & {experiment: string})[];
  errors: (ErrorItem & {experiment: string})[];
  skipped: (RunResult["skipped"][number] & {experiment: string})[];
  /** Imported scores that differ from the score recomputed from their judge probabilities (RunResult.mismatches). */
  mismatches: (RunResult["mismatches"][number] & {experiment: string})[];
  /** Every imported file with its format and counts (RunResult.importedFiles). */
  importedFiles: (RunResult["importedFiles"][number] & {experiment: string})[];
  /** Folder holding responses.parquet, scores.parquet, types.parquet, signals.parquet, provenance.json. */
  dir: string;
}

export interface LoadDatasetOptions {
  /** Experiment files (default: experimentFiles(), i.e. data/experiments/*.yaml or EM_EXPERIMENTS). */
  files?: string[];
  /** Cache folder passed to every run (default: each experiment's own). */
  cacheDir?: string;
  /** Default: true unless EM_ONLINE=1. */
  offline?: boolean;
  /** Memo root (default .em/dataset). */
  memoDir?: string;
  /** No progress lines on stderr. */
  quiet?: boolean;
  /** Recorded in provenance.created_by. */
  createdBy?: string;
  /**
   * Tables to read back as rows (default all); the others are empty arrays. A loader that reads the
   * Parquet files itself (`dir`, e.g. with DuckDB) or needs only provenance passes `[]`. The process
   * that computes the dataset appends each experiment's rows to DuckDB as they come (import-only
   * experiments a chunk at a time, loaders/run/stream.ts) and reads back only these from the files
   * (a million rows as objects are gigabytes).
   */
  tables?: readonly TableName[];
}

// EM_DATASET_MEMO moves it (bench/import-scale.ts keeps its multi-GB memos under /tmp).
const MEMO_ROOT = process.env.EM_DATASET_MEMO ? path.resolve(process.env.EM_DATASET_MEMO) : path.join(ROOT, ".em/dataset");

/** Dataset fields kept in the memo's extra.json (everything that is not a table). */
type ExtraKey = "missing" | "errors" | "skipped" | "mismatches" | "importedFiles";

/** One mismatch as `file:line metric: file 99 vs recomputed 10` (for stderr summaries). */
export function formatMismatch(m: RunResult["mismatches"][number]): string {
  const num = (x: number | null) => (x === null ? "null" : String(Math.round(x * 1e4) / 1e4));
  return `${m.file}${m.line === undefined ? "" : `:${m.line}`} ${m.metric}: file ${num(m.file_score)} vs recomputed ${num(m.recomputed)}`;
}

/**
 * The code that makes a dataset: this module's import closure (the import, run, judge and simulator
 * code, src/lib's signals, rules and schema...; ./source-digest.ts) and the rubrics in data/judges,
 * hashed. A change to a page, a page's loader, `em summarize`, the site files (which key their own
 * folders, site-files.ts) or the docs leaves it as it was, so the memo (a 10M-response import: an
 * hour) is read again, not remade.
 */
export function datasetSourceDigest(root: string = ROOT): string {
  const judges = walkFiles(path.join(root, "data/judges"), () => true).map((f) => path.relative(root, f).split(path.sep).join("/"));
  return codeVersion(["loaders/dataset.ts"], {root, extra: judges});
}

type KeyOptions = {cacheDir?: string; offline: boolean; sourceRoot?: string};

/** One experiment of a memo (its parts.json): the file, its experiment name and its own key (experimentKey). */
export interface MemoPart {
  file: string;
  name: string;
  key: string;
}

/**
 * Each experiment's own key: sha256 over the tool version, the offline flag, the code
 * (datasetSourceDigest; `sourceRoot`: another copy of the project, for tests) and that experiment's
 * inputs: its file, question files, import files (size, mtime), simulator config and the paid
 * cache it reads. Experiments run one after another, each on its own (compute), so an experiment's
 * rows in a memo of several equal its rows in a memo of it alone: `em summarize` finds an
 * experiment's rows in whatever memo holds a part of the same key (readExperimentDataset).
 */
export async function datasetParts(files: readonly string[], opts: KeyOptions): Promise<MemoPart[]> {
  const common = createHash("sha256");
  for (const [label, data] of [
    ["tool", TOOL_VERSION],
    ["offline", String(opts.offline)],
    ["sources", datasetSourceDigest(opts.sourceRoot)],
  ])
    common.update(`${label}\0${data}\0`);
  const base = common.digest("hex");
  const parts: MemoPart[] = [];
  for (const file of files) {
    const h = createHash("sha256");
    const add = (label: string, data: string | Buffer) => {
      h.update(label + "\0");
      h.update(data);
      h.update("\0");
    };
    add("common", base);
    const exp = await loadExperiment(file);
    add("experiment:" + file, exp.sha256);
    for (const q of exp.questions) add("questions:" + q, readFileSync(q));
    for (const spec of exp.imports) {
      // The importer's own glob, so the key sees exactly the files an import reads.
      for (const g of typeof spec.files === "string" ? [spec.files] : spec.files) {
        for (const f of globFiles(g, path.dirname(file))) {
          const st = statSync(f);
          add("import:" + f, `${st.size}:${st.mtimeMs}`);
        }
      }
    }
    const endpoints = [exp.generation?.endpoint, ...exp.judges.map((j) => j.endpoint)];
    for (const e of endpoints) {
      // A simulator config file (organisms, faults) changes simulated results as much as the code does.
      const conf = e && isSim(e) ? simConfigPath(e, file) : null;
      if (conf) add("sim-config:" + conf, readFileSync(conf));
    }
    const cacheDirs = new Set<string>();
    if (opts.cacheDir) cacheDirs.add(path.resolve(opts.cacheDir));
    else if (endpoints.some((e) => e && !isSim(e))) cacheDirs.add(exp.cache ?? DEFAULT_CACHE_DIR);
    for (const d of [...cacheDirs].sort()) add("cache:" + d, cacheFingerprint(d));
    parts.push({file, name: exp.name, key: h.digest("hex")});
  }
  return parts;
}

const keyOf = (parts: readonly MemoPart[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(`${p.file}\0${p.key}\0`);
  return h.digest("hex").slice(0, 20);
};

/** The memo key of a dataset: sha256 over its experiments' own keys, in order (datasetParts). */
export async function datasetKey(files: readonly string[], opts: KeyOptions): Promise<string> {
  return keyOf(await datasetParts(files, opts));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Take the lock file, waiting while a live process holds it. Returns false when `done()` became true meanwhile. */
async function acquire(lock: string, done: () => boolean, quiet: boolean): Promise<boolean> {
  let announced = false;
  for (;;) {
    if (done()) return false;
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(lock, "utf8").trim());
    } catch {
      continue; // removed between our open and read
    }
    if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
      rmSync(lock, {force: true});
      continue;
    }
    if (!announced && !quiet) {
      process.stderr.write(`em: waiting for process ${holder || "?"} computing the dataset (${displayPath(lock)})\n`);
      announced = true;
    }
    await sleep(150);
  }
}

/**
 * Run every experiment into `sink`, one at a time: an import-only experiment streams its files
 * into the sink a chunk at a time (loaders/run/stream.ts, issue 28); any other runs whole
 * (runExperiment) and its rows are appended, then dropped before the next experiment runs.
 */
async function compute(
  files: readonly string[],
  opts: Required<Pick<LoadDatasetOptions, "offline" | "quiet">> & LoadDatasetOptions,
  sink: TableSink,
): Promise<Pick<Dataset, "provenance" | ExtraKey>> {
  const merged: Pick<Dataset, "provenance" | ExtraKey> = {
    provenance: {tool: {name: "em-observatory", version: TOOL_VERSION}, created_by: opts.createdBy ?? "loadDataset", experiments: []},
    missing: [],
    errors: [],
    skipped: [],
    mismatches: [],
    importedFiles: [],
  };
  // Row by row: push(...rows) overflows the call stack past ~100k rows (a large import).
  const append = <T>(to: T[], rows: readonly T[]) => {
    for (const x of rows) to.push(x);
  };
  // Names are checked for every file before the first runs: two files with one `name` would be
  // merged and double-counted, and finding it after the first file's calls wastes them.
  const names = new Map<string, string>();
  const experiments = new Map<string, Experiment>();
  for (const file of files) {
    const e = await loadExperiment(file);
    experiments.set(file, e);
    const prev = names.get(e.name);
    if (prev)
      throw new Error(
        `experiment name '${e.name}' is used by both ${displayPath(prev)} and ${displayPath(file)}${prev === file ? " (the same file listed twice)" : ""}; names must be unique`,
      );
    names.set(e.name, file);
  }
  for (const file of files) {
    let r: StreamResult;
    if (streamable(experiments.get(file)!)) {
      const say = (line: string) => process.stderr.write(`em: ${path.basename(file)}: ${line}\n`);
      if (!opts.quiet) say("importing (streamed to the tables)");
      const t0 = performance.now();
      r = await streamImports(file, sink, {createdBy: merged.provenance.created_by, onProgress: opts.quiet ? undefined : say});
      const n = r.provenance.experiments[0]?.counts;
      if (!opts.quiet) say(`imported${n ? ` ${n.responses.toLocaleString("en")} responses` : ""} in ${seconds(t0)} s`);
    } else {
      const progress = opts.quiet ? null : new ProgressLine({label: path.basename(file)});
      const run = await runExperiment(file, {
        cacheDir: opts.cacheDir,
        offline: opts.offline,
        onProgress: progress?.update,
        createdBy: merged.provenance.created_by,
      });
      progress?.end();
      await sink.responses(run.responses);
      await sink.scores(run.scores);
      await sink.types(run.types);
      await sink.signals(run.signals);
      r = run;
    }
    append(merged.provenance.experiments, r.provenance.experiments);
    const exp = r.experiment.name;
    append(
      merged.missing,
      r.missing.map((m) => ({...m, experiment: exp})),
    );
    append(
      merged.errors,
      r.errors.map((e) => ({...e, experiment: exp})),
    );
    append(
      merged.skipped,
      r.skipped.map((s) => ({...s, experiment: exp})),
    );
    append(
      merged.mismatches,
      r.mismatches.map((m) => ({...m, experiment: exp})),
    );
    append(
      merged.importedFiles,
      r.importedFiles.map((f) => ({...f, experiment: exp})),
    );
    if (!opts.quiet) {
      const miss = r.missing.reduce((s, m) => s + m.count, 0);
      if (miss)
        process.stderr.write(
          `em: ${exp}: ${miss} results not in the cache and not fetched (offline). Fill the cache with: npx em run --experiment ${displayPath(file)}\n`,
        );
      for (const e of r.errors) process.stderr.write(`em: ${exp}: ${e.count} ${e.kind} call(s) failed (${e.model}): ${e.message}\n`);
      if (r.skipped.length) process.stderr.write(`em: ${exp}: ${r.skipped.length} imported row(s) skipped\n`);
      if (r.mismatches.length) {
        const m = r.mismatches[0]!;
        process.stderr.write(`em: ${exp}: ${r.mismatches.length} imported score(s) differ from their judge probabilities (first: ${formatMismatch(m)})\n`);
      }
    }
  }
  return merged;
}

/**
 * Run every experiment (see LoadDatasetOptions) and return the merged tables, memoised on disk.
 * Progress and warnings go to stderr only, so Framework loaders can write their output to stdout.
 */
export async function loadDataset(opts: LoadDatasetOptions = {}): Promise<Dataset> {
  const files = (opts.files ?? experimentFiles()).map((f) => path.resolve(f));
  const offline = opts.offline ?? process.env.EM_ONLINE !== "1";
  const quiet = opts.quiet ?? false;
  const memoRoot = path.resolve(opts.memoDir ?? MEMO_ROOT);
  const parts = await datasetParts(files, {cacheDir: opts.cacheDir, offline});
  const key = keyOf(parts);
  const dir = path.join(memoRoot, key);
  const doneFile = path.join(dir, "extra.json");
  const readMemo = () => readMemoDir(dir, opts.tables ?? TABLE_NAMES);
  mkdirSync(memoRoot, {recursive: true});
  // This build uses the folder until it ends (its site files are linked into dist/ at the end):
  // leased before it is looked at, so no other build's pruneMemo removes it meanwhile (./lease.ts).
  await lease(memoRoot, [key]);
  if (existsSync(doneFile)) return readMemo();
  const lock = path.join(memoRoot, `${key}.lock`);
  if (!(await acquire(lock, () => existsSync(doneFile), quiet))) return readMemo();
  try {
    if (existsSync(doneFile)) return await readMemo();
    const tmp = path.join(memoRoot, `${key}${TMP}${process.pid}`);
    rmSync(tmp, {recursive: true, force: true});
    // Marked as this process's: pruneMemo removes it once this process has ended without renaming it (SIGKILL).
    mkdirSync(tmp);
    markOwner(tmp, TMP_OWNER);
    // Rows go into DuckDB as each experiment yields them (a stated memory limit, spilling past it)
    // and to Parquet once every experiment has run: a failure writes nothing.
    const sink = await TableSink.open();
    let data: Awaited<ReturnType<typeof compute>>;
    try {
      data = await compute(files, {...opts, offline, quiet}, sink);
      const t0 = performance.now();
      await sink.write(tmp, data.provenance);
      if (!quiet) process.stderr.write(`em: dataset tables written (Parquet) in ${seconds(t0)} s\n`);
    } catch (error) {
      rmSync(tmp, {recursive: true, force: true});
      throw error;
    } finally {
      sink.close();
    }
    const extra: Pick<Dataset, ExtraKey> = {
      missing: data.missing,
      errors: data.errors,
      skipped: data.skipped,
      mismatches: data.mismatches,
      importedFiles: data.importedFiles,
    };
    // Which experiments the memo holds, by their own keys (`em summarize` reads one experiment's rows from it).
    writeFileSync(path.join(tmp, PARTS), JSON.stringify(parts));
    writeFileSync(path.join(tmp, "extra.json"), JSON.stringify(extra));
    rmSync(path.join(tmp, TMP_OWNER));
    rmSync(dir, {recursive: true, force: true});
    renameSync(tmp, dir);
    await pruneMemo(memoRoot, key);
    // The rows were never all in this process: the tables asked for are read back from the files.
    return await readMemo();
  } finally {
    rmSync(lock, {force: true});
  }
}

/** A finished memo folder's tables (those named) and extra.json. */
async function readMemoDir(dir: string, names: readonly TableName[]): Promise<Dataset> {
  const tables = await readTables(dir, names);
  const extra = JSON.parse(readFileSync(path.join(dir, "extra.json"), "utf8")) as Partial<Pick<Dataset, ExtraKey>>;
  return {
    ...tables,
    missing: extra.missing ?? [],
    errors: extra.errors ?? [],
    skipped: extra.skipped ?? [],
    mismatches: extra.mismatches ?? [],
    importedFiles: extra.importedFiles ?? [],
    dir,
  };
}

/** A memo folder's list of experiments (MemoPart[]), written before extra.json. */
const PARTS = "parts.json";

/** What readExperimentDataset found. */
export interface ExperimentMemo {
  /** The memo holding the experiment (tables not read: `tables` is []), or null. */
  dataset: Dataset | null;
  /** The experiment's name in the memo (its rows' `experiment`). */
  experiment: string;
  /** True when the memo holds other experiments too: read its rows where `experiment` is this one. */
  shared: boolean;
  /** The experiment's own key (datasetParts) and the memo root looked in. */
  key: string;
  root: string;
}

/**
 * The memo holding experiment `file`'s rows as a build with today's code and inputs wrote them,
 * whichever experiments that build covered: a finished memo whose parts.json lists a part of the
 * same key (datasetParts); the memo of this experiment alone first, else the newest. Never runs an
 * experiment, writes or prunes a memo (`em summarize` reads the build's memo and must not evict it).
 * The folder returned is leased for this process (./lease.ts: at 10M, summarize reads it for
 * minutes, and a concurrent build's pruneMemo must not remove it meanwhile); a candidate a prune
 * removed between the listing and the lease is passed over for the next.
 */
export async function readExperimentDataset(file: string, opts: Pick<LoadDatasetOptions, "cacheDir" | "offline" | "memoDir">): Promise<ExperimentMemo> {
  const root = path.resolve(opts.memoDir ?? MEMO_ROOT);
  const [part] = await datasetParts([path.resolve(file)], {cacheDir: opts.cacheDir, offline: opts.offline ?? process.env.EM_ONLINE !== "1"});
  const found: {dir: string; parts: MemoPart[]; t: number}[] = [];
  for (const n of existsSync(root) ? readdirSync(root) : []) {
    const dir = path.join(root, n);
    if (!/^[0-9a-f]{20}$/.test(n) || !existsSync(path.join(dir, "extra.json")) || !existsSync(path.join(dir, PARTS))) continue;
    let parts: MemoPart[];
    try {
      parts = JSON.parse(readFileSync(path.join(dir, PARTS), "utf8")) as MemoPart[];
    } catch {
      continue; // not a memo this code wrote
    }
    if (parts.some((p) => p.key === part!.key)) found.push({dir, parts, t: statSync(path.join(dir, "extra.json")).mtimeMs});
  }
  found.sort((a, b) => Number(a.parts.length > 1) - Number(b.parts.length > 1) || b.t - a.t);
  for (const best of found) {
    // Leases are taken and folders pruned under one lock: once leased, the folder is either whole
    // (and stays while this process runs) or gone.
    await lease(root, [path.basename(best.dir)]);
    if (!existsSync(path.join(best.dir, "extra.json"))) continue;
    return {dataset: await readMemoDir(best.dir, []), experiment: part!.name, shared: best.parts.length > 1, key: part!.key, root};
  }
  return {dataset: null, experiment: part!.name, shared: false, key: part!.key, root};
}

/** Seconds since `t0` (performance.now()), for the progress lines. */
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** A memo being written: `<key>.tmp-<pid>`, holding its writer's record TMP_OWNER until it is renamed to `<key>`. */
const TMP = ".tmp-";
const TMP_OWNER = ".em-owner.json";

/**
 * Keep the memo folder small: drop all but the most recent KEEP_MEMOS finished datasets, never
 * `keep` and never one a live process leases (./lease.ts: a build reading it, or computing it);
 * the memos being written whose writer has ended (a SIGKILLed build's; its record removed last,
 * removeOwned); and what names no owner once it is UNRECORDED_MS old (./lease.ts says why no live
 * process has one that old): a memo being written by older code (no record; one just made, before
 * its record, is young) and a `<key>.lock` whose holder never removed it (SIGKILL) and no later
 * build of that key took over.
 */
const KEEP_MEMOS = 4;
async function pruneMemo(root: string, keep: string): Promise<void> {
  const now = Date.now();
  const unrecorded = (n: string) => !existsSync(path.join(root, n, TMP_OWNER)) && olderThan(path.join(root, n), UNRECORDED_MS, now);
  await pruneUnleased(
    root,
    (names) => [
      ...names
        .filter((n) => /^[0-9a-f]{20}$/.test(n) && n !== keep)
        .map((n) => ({n, t: statSync(path.join(root, n)).mtimeMs}))
        .sort((a, b) => b.t - a.t)
        .slice(KEEP_MEMOS - 1)
        .map(({n}) => n),
      ...names.filter((n) => /^[0-9a-f]{20}\.tmp-\d+$/.test(n) && (ownerEnded(path.join(root, n), TMP_OWNER) || unrecorded(n))),
      ...names.filter((n) => /^[0-9a-f]{20}\.lock$/.test(n) && olderThan(path.join(root, n), UNRECORDED_MS, now)),
    ],
    {record: TMP_OWNER},
  );
}

/** Merge provenance manifests of several runs (same tool). */
export function mergeProvenance(list: readonly Provenance[], createdBy: string): Provenance {
  return {tool: {name: "em-observatory", version: TOOL_VERSION}, created_by: createdBy, experiments: list.flatMap((p) => p.experiments)};
}
