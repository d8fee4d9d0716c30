// Reshape the pipeline's tables into what the pages load (written by the thin loaders in src/data/):
//  - points.arrow: one row per (response, judge) with the numbers every chart needs; string
//    columns dictionary-encoded so a million rows stay compact. First charts read it directly;
//    DuckDB-WASM loads the same bytes for SQL.
//  - texts.arrow: the answers and questions, fetched only by views that show text.
//  - details.arrow: every score row with the judge's probabilities and the type probabilities, for
//    the response detail view.
// Arrow IPC streams, because DuckDB-WASM has no built-in Parquet reader (docs/offline.md).
import {judgeInjection} from "../src/lib/signals.ts";
import {encodePointsCompact, encodePointsFull, pointsData} from "./site-points.ts";
import {Dictionary, Float32, Float64, Int8, Int16, Int32, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../src/lib/schema.ts";
import {DETAILS_COLUMNS, DETAIL_TYPE_METRIC, TEXTS_COLUMNS, isCoreMetric, metaColumn, type ColumnKind} from "../src/lib/site-schema.ts";

export {metaColumn};
export {coreJudges, facetMetaKeys, META_MAX_DISTINCT} from "./site-points.ts";

export interface SiteInput {
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  signals?: SignalRow[];
}

/** Dictionary-encoded strings with the narrowest index type that fits (a million rows stay compact). */
function dict(values: (string | null)[]): Vector {
  const distinct = new Set(values).size;
  const index = distinct <= 127 ? new Int8() : distinct <= 32767 ? new Int16() : new Int32();
  return vectorFromArray(values, new Dictionary(new Utf8(), index));
}
// Nulls stay nulls (validity bitmap), so SQL's IS NULL works; the browser turns them into NaN.
const f32 = (values: (number | null)[]): Vector => vectorFromArray(values, new Float32());
const f64 = (values: (number | null)[]): Vector => vectorFromArray(values, new Float64());

/** One column as the kind src/lib/site-schema.ts declares for it. */
function vectorOf(kind: ColumnKind, values: ArrayLike<unknown>): Vector {
  switch (kind) {
    case "dict":
      return dict(Array.from(values) as (string | null)[]);
    case "f64":
      return f64(Array.from(values) as (number | null)[]);
    case "f32":
      return f32(Array.from(values) as (number | null)[]);
    case "i32":
      return makeVector(values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>));
    case "i8":
      return makeVector(Int8Array.from(values as ArrayLike<number>));
    case "u8":
      return makeVector(Uint8Array.from(values as ArrayLike<number>));
    case "utf8":
      return vectorFromArray(Array.from(values) as string[], new Utf8());
  }
}

/** A table whose columns are exactly those of `spec`, in its order (plus `extra` after column `after`). */
function tableOf<K extends string>(spec: Record<K, ColumnKind>, cols: Record<K, ArrayLike<unknown>>, extra: [string, Vector][] = [], after?: K): Uint8Array {
  const vectors: Record<string, Vector> = {};
  for (const name of Object.keys(spec) as K[]) {
    vectors[name] = vectorOf(spec[name], cols[name]);
    if (name === after) for (const [n, v] of extra) vectors[n] = v;
  }
  return tableToIPC(new Table(vectors), "stream");
}

/** points.arrow (compact, what the pages load) from rows in memory; see loaders/site-points.ts. */
export function pointsTable(input: SiteInput): Uint8Array {
  return encodePointsCompact(pointsData(input));
}

/** points-full.arrow (POINTS_COLUMNS, exact scores; the SQL page's `points`) from rows in memory. */
export function pointsFullTable(input: SiteInput): Uint8Array {
  return encodePointsFull(pointsData(input));
}

/** The texts table: one row per response, row index = `rid` of the points table. */
export function textsTable(input: SiteInput): Uint8Array {
  const r = input.responses;
  return tableOf(TEXTS_COLUMNS, {
    rid: Int32Array.from(r, (_, i) => i),
    response_id: r.map((x) => x.response_id),
    experiment: r.map((x) => x.experiment),
    model: r.map((x) => x.model),
    step: r.map((x) => x.step),
    question_id: r.map((x) => x.question_id),
    category: r.map((x) => x.category),
    question: r.map((x) => x.question),
    system: r.map((x) => x.system),
    paraphrase: r.map((x) => x.paraphrase),
    sample: r.map((x) => x.sample),
    origin: r.map((x) => x.origin),
    source: r.map((x) => x.source),
    response: r.map((x) => x.response),
    meta: r.map((x) => JSON.stringify(x.meta)),
    injection: r.map((x) => judgeInjection(x.response)),
  });
}

/** Probabilities kept for the detail view: tokens with p >= 0.001, rounded to 4 decimals (the file stays small). */
export function compactProbs(probs: Record<string, number>): string {
  const out: Record<string, number> = {};
  for (const [token, p] of Object.entries(probs)) if (p >= 0.001) out[token] = Math.round(p * 1e4) / 1e4;
  return JSON.stringify(out);
}

/**
 * Every score and type row, keyed by response index, for the detail view and SQL. Probabilities
 * are kept for the core metrics (aligned, coherent) and type rows, the ones the detail view draws;
 * topic-metric rows keep score and mass only (this file dominates the site's bytes at scale).
 * Built column by column, with no object per row.
 */
export function detailsTable(input: SiteInput): Uint8Array {
  const index = new Map(input.responses.map((r, i) => [r.response_id, i]));
  const n = input.scores.length + input.types.length;
  const rid = new Int32Array(n);
  const judge: string[] = [];
  const metric: string[] = [];
  const score: (number | null)[] = [];
  const mass: (number | null)[] = [];
  const label: (string | null)[] = [];
  const status: string[] = [];
  const probs: string[] = [];
  let k = 0;
  for (const s of input.scores) {
    const r = index.get(s.response_id);
    if (r === undefined) continue;
    rid[k++] = r;
    judge.push(s.judge);
    metric.push(s.metric);
    score.push(s.score);
    mass.push(s.mass);
    label.push(s.special);
    status.push(s.status);
    probs.push(s.probs && isCoreMetric(s.metric) ? compactProbs(s.probs) : "");
  }
  for (const t of input.types) {
    const r = index.get(t.response_id);
    if (r === undefined) continue;
    rid[k++] = r;
    judge.push(t.judge);
    metric.push(DETAIL_TYPE_METRIC);
    score.push(null);
    mass.push(null);
    label.push(t.type);
    status.push("ok");
    probs.push(compactProbs(t.probs));
  }
  return tableOf(DETAILS_COLUMNS, {rid: rid.subarray(0, k), judge, metric, score, mass, label, status, probs});
}
