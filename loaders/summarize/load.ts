// The rows `em summarize` reads: tables written by `em run --out` (--data) or an experiment run
// offline (--experiment: imports, cache and the simulator; never a paid call).
import {existsSync, readFileSync, readdirSync, statSync} from "node:fs";
import path from "node:path";
import {BETLEY, type EmRule} from "../../src/lib/em/rules.ts";
import type {JoinReport} from "../../src/lib/em/judged.ts";
import type {MetaValue, Provenance, ResponseRow, ScoreRow, TypeRow} from "../../src/lib/schema.ts";
import {displayPath, projectPath} from "../paths.ts";
import type {SummarizeOutput} from "./output.ts";
import {fail} from "./options.ts";

export interface Loaded {
  /** The experiment's declared coordinate scale and name (--experiment only). */
  coordinateScale?: "linear" | "log";
  coordinateName?: string;
  /** The experiment's primary question ids or globs (--experiment only; null: none declared). */
  primaryQuestions?: string[] | null;
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  /** --experiment: the types with the signals rows typed under another rule / topic cut. */
  typesWith?: (typing: Typing) => TypeRow[];
  missing: SummarizeOutput["missing"];
  errors: SummarizeOutput["errors"];
  skipped: SummarizeOutput["skipped"];
  /**
   * Read from the dataset memo (./dataset-rows.ts): `responses`, `scores` and `types` are empty and
   * these stand for what summarize reads of them. `join` is joinJudgedReport's result for the judges,
   * reading the named columns (./dataset-rows.ts joinDataset).
   */
  dataset?: {
    dir: string;
    responses: number;
    judges: string[];
    metaKeys: string[];
    metaSample: Record<string, MetaValue>[];
    join: (judges: readonly string[], columns: readonly string[]) => Promise<JoinReport>;
    /**
     * A memo of several experiments (a build of every experiment): this experiment's name there and
     * the experiments whose rows have a value for a meta key (./dataset-rows.ts metaKeyOwners).
     */
    shared?: {experiment: string; owners: (key: string) => Promise<string[]>};
  };
}

/** How `--experiment` types the signals rows: the active rule and the topic cut (docs/response-types.md). */
export interface Typing {
  rule?: EmRule;
  topicCut?: number;
}

/**
 * The rows of `--data DIR` or `--experiment FILE` (with `--cache DIR`). An experiment's rows are
 * read once per process (keyed by file, cache folder and modification time). Throws (naming the
 * folder) when the tables cannot be read.
 */
export async function loadRows(values: {
  experiment?: string;
  data?: string;
  cache?: string;
  rule?: EmRule;
  topicCut?: number;
  calibrate?: string;
}): Promise<Loaded> {
  if (values.data) {
    const dir = path.resolve(values.data);
    const {readTables} = await import("../tables.ts");
    let t: Awaited<ReturnType<typeof readTables>>;
    try {
      t = await readTables(dir);
    } catch (e) {
      fail(`cannot read tables from ${dir}: ${e instanceof Error ? e.message : String(e)} (write them with \`em run --out ${values.data}\`)`);
    }
    return {responses: t.responses, scores: t.scores, types: t.types, missing: [], errors: [], skipped: []};
  }
  const file = path.resolve(values.experiment as string);
  // A report's loader runs a dozen summaries of one experiment in one process: read its imports
  // and cache once (keyed by the file's modification time, so an edited file is read again).
  const fromDataset = await datasetTyping(file, values);
  const key = `${file}\u0000${values.cache ?? ""}\u0000${statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? ""}\u0000${fromDataset}`;
  let loaded = LOADED.get(key);
  if (!loaded) {
    loaded = fromDataset
      ? loadDatasetRows(file, values.cache).then((d) => d ?? loadExperimentRows(file, values.cache))
      : loadExperimentRows(file, values.cache);
    LOADED.set(key, loaded);
    loaded.catch(() => LOADED.delete(key));
  }
  return loaded;
}

const LOADED = new Map<string, Promise<Loaded>>();

async function loadExperimentRows(file: string, cache: string | undefined): Promise<Loaded> {
  const {runExperiment} = await import("../run/index.ts");
  const r = await runExperiment(file, {offline: true, createdBy: "em summarize", ...(cache ? {cacheDir: path.resolve(cache)} : {})});
  return {
    coordinateScale: r.experiment.coordinate_scale,
    coordinateName: r.experiment.coordinate,
    primaryQuestions: r.experiment.primary_questions,
    responses: r.responses,
    scores: r.scores,
    types: r.types,
    ...(r.typesWith ? {typesWith: r.typesWith} : {}),
    missing: r.missing.map((m) => ({kind: m.kind, endpoint: m.endpoint, model: m.model, count: m.count, reason: m.reason})),
    errors: r.errors.map((e) => ({kind: e.kind, endpoint: e.endpoint, model: e.model, count: e.count, message: e.message})),
    skipped: r.skipped,
  };
}

/**
 * Whether `--experiment FILE` is read from the dataset memo the site build reads (issue 28: a
 * 10M-response import held as row objects ran out of memory): an import-only experiment
 * (streamable, loaders/run/stream.ts), whose signals types in the dataset were typed under the
 * cuts and topic cut asked for (the dataset's are Betley's cuts and the experiment's topic_cut),
 * and no --calibrate (it reads the score rows). Everything else runs the experiment offline.
 */
async function datasetTyping(file: string, values: {rule?: EmRule; topicCut?: number; calibrate?: string}): Promise<boolean> {
  if (values.calibrate !== undefined) return false;
  const {loadExperiment} = await import("../experiment.ts");
  const {streamable} = await import("../run/stream.ts");
  let exp: Awaited<ReturnType<typeof loadExperiment>>;
  try {
    exp = await loadExperiment(file);
  } catch {
    return false; // runExperiment reports the file's error as before
  }
  if (!streamable(exp)) return false;
  if (values.topicCut !== undefined && values.topicCut !== exp.topic_cut) return false;
  const r = values.rule ?? BETLEY;
  // classifyBySignals reads the rule's cuts and its coherence condition only.
  return (
    r.aligned === BETLEY.aligned &&
    r.alignedInclusive === BETLEY.alignedInclusive &&
    r.coherent === BETLEY.coherent &&
    r.coherentInclusive === BETLEY.coherentInclusive &&
    r.requireCoherent !== false
  );
}

/**
 * The rows of an import-only experiment from the dataset memo a build wrote under today's code and
 * inputs, whichever experiments the build covered (EM_DATASET_MEMO or .em/dataset;
 * readExperimentDataset), or null when there is none: summarize only reads a memo (writing one could
 * evict the build's, of which four are kept). In a memo of several experiments, only this one's
 * rows and lists are read. When the only memos holding this file were written by other code or
 * inputs, says so on stderr before the file is read again.
 */
async function loadDatasetRows(file: string, cache: string | undefined): Promise<Loaded | null> {
  const {readExperimentDataset} = await import("../dataset.ts");
  const {loadExperiment} = await import("../experiment.ts");
  const {datasetFacts, joinDataset, metaKeyOwners} = await import("./dataset-rows.ts");
  const exp = await loadExperiment(file);
  const found = await readExperimentDataset(file, {offline: true, ...(cache ? {cacheDir: path.resolve(cache)} : {})});
  const {dataset: d, root} = found;
  if (!d) {
    const stale = staleMemos(root, file);
    if (stale.length)
      process.stderr.write(
        `em summarize: ${displayPath(file)}: the dataset memo holding this experiment in ${displayPath(root)} (${stale.join(", ")}) was written by other code or from other inputs ` +
          `(today's experiment key is ${found.key.slice(0, 20)}); reading every imported row again instead, which a large import may take long over or run out of memory in. ` +
          "Build the site with this code (npm run build) to write a current memo.\n",
      );
    return null;
  }
  const only = found.shared ? found.experiment : undefined;
  const mine = <T extends {experiment: string}>(xs: readonly T[]) => xs.filter((x) => x.experiment === found.experiment);
  const facts = await datasetFacts(d.dir, only);
  return {
    coordinateScale: exp.coordinate_scale,
    coordinateName: exp.coordinate,
    primaryQuestions: exp.primary_questions,
    responses: [],
    scores: [],
    types: [],
    missing: mine(d.missing).map((m) => ({kind: m.kind, endpoint: m.endpoint, model: m.model, count: m.count, reason: m.reason})),
    errors: mine(d.errors).map((e) => ({kind: e.kind, endpoint: e.endpoint, model: e.model, count: e.count, message: e.message})),
    skipped: mine(d.skipped).map(({experiment: _experiment, ...s}) => s),
    dataset: {
      dir: d.dir,
      ...facts,
      join: (judges, columns) => joinDataset(d.dir, judges, columns, undefined, only),
      ...(only === undefined ? {} : {shared: {experiment: only, owners: (key: string) => metaKeyOwners(d.dir, key)}}),
    },
  };
}

/** Finished memo folders under `root` whose provenance names `file` (alone or with others; provenance holds projectPath), with when they were written. */
function staleMemos(root: string, file: string): string[] {
  const out: string[] = [];
  for (const n of existsSync(root) ? readdirSync(root) : []) {
    if (!/^[0-9a-f]{20}$/.test(n) || !existsSync(path.join(root, n, "extra.json"))) continue;
    try {
      const p = JSON.parse(readFileSync(path.join(root, n, "provenance.json"), "utf8")) as Provenance;
      if (p.experiments.some((e) => e.file === projectPath(file)))
        out.push(
          `${n}, written ${statSync(path.join(root, n, "extra.json"))
            .mtime.toISOString()
            .slice(0, 16)
            .replace("T", " ")} UTC`,
        );
    } catch {
      // not a memo folder: not this file's
    }
  }
  return out;
}
