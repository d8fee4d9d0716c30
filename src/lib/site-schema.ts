// The seam between the pipeline and the site, declared once: the columns of the site tables
// (written by loaders/site-points.ts and site-texts.ts, decoded by src/components/points.ts and responses.ts), the
// reserved judge ids and the metric ids both sides test for. A column added here is written and
// read by the same name and kind, or the type checker says where it is missing.
import {SIGNALS_JUDGE} from "./em/judged.js";
import {CORE_METRICS} from "./schema.js";

/** Arrow kind of a column: dictionary-encoded string, float, or integer. */
export type ColumnKind = "dict" | "f64" | "f32" | "i32" | "i8" | "u8" | "utf8";

/**
 * points-exact.arrow (the SQL page's `points` table and views needing exact non-integer scores; one
 * Arrow stream per judge, each in table order): one row per (response, judge that scored aligned or coherent). Meta facet columns
 * (`meta.<key>`, dictionary strings) follow `judge`; see metaColumn. points.arrow, what the other
 * pages load, holds the same rows in the compact encoding described below (issue 13).
 */
export const POINTS_COLUMNS = {
  rid: "i32",
  experiment: "dict",
  model: "dict",
  variant: "dict",
  replicate: "dict",
  baseline: "dict",
  step: "f64",
  question_id: "dict",
  category: "dict",
  judge: "dict",
  // Float64: the CLI compares scores to cuts at double precision; Float32 rounding could move a
  // score like 29.999999999999996 onto the cut and change its EM label.
  aligned: "f64",
  coherent: "f64",
  special: "dict",
  type: "dict",
  // The type strict EM reads for an answer the active rule counts as EM: a type judge's type, or the
  // signals classifier's type-if-EM (cut-free: TypeRow.em_type), so the pages follow any cut.
  em_type: "dict",
  p_emergent: "f32",
  domain_topic: "f32",
  special_known: "i8",
  // 1 when the question is declared in the training domain the answer is typed against (it leaves strict EM's denominator).
  in_domain: "i8",
  origin: "dict",
} as const satisfies Record<string, ColumnKind>;

export type PointsColumn = keyof typeof POINTS_COLUMNS;
/** The dictionary-string columns of points.arrow (what views group, filter and facet by). */
export type PointsStringColumn = {[K in PointsColumn]: (typeof POINTS_COLUMNS)[K] extends "dict" ? K : never}[PointsColumn];
export const POINTS_STRING_COLUMNS = (Object.keys(POINTS_COLUMNS) as PointsColumn[]).filter((c): c is PointsStringColumn => POINTS_COLUMNS[c] === "dict");

/*
 * points.arrow (compact, ~3-5 bytes per row; loaders/site-points.ts encodePointsCompact documents the
 * tuples): schema metadata `em-points` = POINTS_COMPACT_FORMAT, `em-meta-keys` = JSON list of the
 * meta facet keys carried at the end of each `group` tuple (only those some experiment is compared
 * by), `em-facets` = JSON {experiment: [meta key]}: the keys that label groups of each experiment's
 * answers (loaders/site-points.ts groupFacets; points-exact.arrow carries it too). `rid_step` / `rid`
 * and `p_emergent` are present only when needed.
 * Columns: group, question, label (dict), aligned_bin, coherent_bin, rid_step (u8), rid (i32),
 * p_emergent (f32; plain, or a Float32 dictionary with Int8 / Int16 keys when it takes few values).
 * A tuple column (group, question, label) that changes on few rows is not a column of the table but
 * runs, in a stream just before it (schema metadata `em-points` = POINTS_RUNS_FORMAT, `em-column` =
 * its name; columns `value` (dict) and `length` (i32 rows per run)).
 */
/** Value of the `em-points` schema metadata of a compact points table (changes when its layout does). */
export const POINTS_COMPACT_FORMAT = "compact-2";
/** Value of the `em-points` schema metadata of a runs stream of a compact table's tuple column. */
export const POINTS_RUNS_FORMAT = "compact-runs-1";

/** Prefix of meta facet columns in points.arrow. */
export const META_PREFIX = "meta.";
/** Points-table column name of a meta facet (kept apart from the fixed columns by its prefix). */
export const metaColumn = (key: string): `meta.${string}` => `${META_PREFIX}${key}`;

/** texts.parquet: one row per response, row index = `rid` of the points table (loaders/site-texts.ts). */
export const TEXTS_COLUMNS = {
  rid: "i32",
  response_id: "utf8",
  experiment: "dict",
  model: "dict",
  step: "f64",
  question_id: "dict",
  category: "dict",
  question: "dict",
  system: "dict",
  paraphrase: "i32",
  sample: "i32",
  origin: "dict",
  source: "dict",
  response: "utf8",
  meta: "utf8",
  /** The phrase by which the answer addresses its judge (judgeInjection), null when it does not; computed once at build. */
  injection: "utf8",
} as const satisfies Record<string, ColumnKind>;
export type TextsColumn = keyof typeof TEXTS_COLUMNS;

/**
 * questions.json: the question asked under each question id, per experiment (`texts[experiment][id]`),
 * for pages that show ids; `omitted[experiment]` counts the questions of an experiment whose texts were
 * left out (too many to ship, loaders/site-questions.ts QUESTIONS_MAX). An id without an entry has no text.
 */
export interface QuestionTexts {
  texts: Record<string, Record<string, string>>;
  omitted: Record<string, number>;
}

/**
 * How to show question `id` of `experiment`: its text when known (cut to `max` characters with an
 * ellipsis), else the id itself. Pure; null texts (no questions.json) gives the id.
 */
export function questionLabel(texts: QuestionTexts | null, experiment: string | null, id: string, max = 80): string {
  const text = experiment === null ? undefined : texts?.texts[experiment]?.[id];
  if (!text) return id;
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** details.parquet: every score row and every type row (metric DETAIL_TYPE_METRIC), sorted by response row (rid). */
export const DETAILS_COLUMNS = {
  rid: "i32",
  judge: "dict",
  metric: "dict",
  score: "f64",
  mass: "f64",
  label: "dict",
  status: "dict",
  probs: "utf8",
} as const satisfies Record<string, ColumnKind>;
export type DetailsColumn = keyof typeof DETAILS_COLUMNS;
/** The `metric` of a type row in details.parquet (its label is the most likely type). */
export const DETAIL_TYPE_METRIC = "type";

// Reserved ids, from the modules that define their meaning.
export {SIGNALS_JUDGE, CORE_METRICS};
/** Whether a metric is one of the two every EM rule reads. */
export const isCoreMetric = (metric: string): metric is (typeof CORE_METRICS)[number] => (CORE_METRICS as readonly string[]).includes(metric);
