// The rows `em summarize` reads: tables written by `em run --out` (--data) or an experiment run
// offline (--experiment: imports, cache and the simulator; never a paid call).
import {statSync} from "node:fs";
import path from "node:path";
import {BETLEY, type EmRule} from "../../src/lib/em/rules.ts";
import type {JoinReport} from "../../src/lib/em/judged.ts";
import type {MetaValue, ResponseRow, ScoreRow, TypeRow} from "../../src/lib/schema.ts";
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
    loaded = fromDataset ? loadDatasetRows(file, values.cache) : loadExperimentRows(file, values.cache);
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

async function loadDatasetRows(file: string, cache: string | undefined): Promise<Loaded> {
  const {loadDataset} = await import("../dataset.ts");
  const {loadExperiment} = await import("../experiment.ts");
  const {datasetFacts, joinDataset} = await import("./dataset-rows.ts");
  const exp = await loadExperiment(file);
  // The build's dataset of this one file (its memo when the build wrote it; else imported and memoised now).
  const d = await loadDataset({files: [file], tables: [], quiet: true, createdBy: "em summarize", ...(cache ? {cacheDir: path.resolve(cache)} : {})});
  const facts = await datasetFacts(d.dir);
  return {
    coordinateScale: exp.coordinate_scale,
    coordinateName: exp.coordinate,
    primaryQuestions: exp.primary_questions,
    responses: [],
    scores: [],
    types: [],
    missing: d.missing.map((m) => ({kind: m.kind, endpoint: m.endpoint, model: m.model, count: m.count, reason: m.reason})),
    errors: d.errors.map((e) => ({kind: e.kind, endpoint: e.endpoint, model: e.model, count: e.count, message: e.message})),
    skipped: d.skipped.map(({experiment: _experiment, ...s}) => s),
    dataset: {dir: d.dir, ...facts, join: (judges, columns) => joinDataset(d.dir, judges, columns)},
  };
}
