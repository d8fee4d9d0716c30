// The rows `em summarize` reads: tables written by `em run --out` (--data) or an experiment run
// offline (--experiment: imports, cache and the simulator; never a paid call).
import {statSync} from "node:fs";
import path from "node:path";
import type {EmRule} from "../../src/lib/em/index.ts";
import type {ResponseRow, ScoreRow, TypeRow} from "../../src/lib/schema.ts";
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
export async function loadRows(values: {experiment?: string; data?: string; cache?: string}): Promise<Loaded> {
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
  const key = `${file}\u0000${values.cache ?? ""}\u0000${statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? ""}`;
  let loaded = LOADED.get(key);
  if (!loaded) {
    loaded = loadExperimentRows(file, values.cache);
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
