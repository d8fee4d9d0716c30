// Reshape the pipeline's tables into what the pages load (written by the thin loaders in src/data/):
//  - points.arrow: one row per (response, judge) with the numbers every chart needs; string
//    columns dictionary-encoded so a million rows stay compact. First charts read it directly;
//    DuckDB-WASM loads the same bytes for SQL.
//  - texts.arrow: the answers and questions, fetched only by views that show text.
//  - details.arrow: every score row with the judge's probabilities and the type probabilities, for
//    the response detail view.
// Arrow IPC streams, because DuckDB-WASM has no built-in Parquet reader (docs/offline.md).
import {specialRecorded} from "../src/lib/em/judged.ts";
import {judgeInjection} from "../src/lib/signals.ts";
import {Dictionary, Float32, Float64, Int8, Int16, Int32, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../src/lib/schema.ts";
import {
  DETAILS_COLUMNS,
  DETAIL_TYPE_METRIC,
  POINTS_COLUMNS,
  SIGNALS_JUDGE,
  TEXTS_COLUMNS,
  isCoreMetric,
  metaColumn,
  type ColumnKind,
} from "../src/lib/site-schema.ts";

export {metaColumn};

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

/** The judges that produced an aligned or coherent score, in order of first appearance. */
export function coreJudges(scores: readonly ScoreRow[]): string[] {
  const seen = new Set<string>();
  for (const s of scores) if (s.metric === "aligned" || s.metric === "coherent") seen.add(s.judge);
  return [...seen];
}

/** Meta keys never offered as a facet: row-level bookkeeping of imports, not properties of a variant. */
const META_SKIP = new Set(["file", "line", "step_from"]);
/** At most this many distinct values for a meta key to become a facet column (a per-answer field is not a facet). */
export const META_MAX_DISTINCT = 64;

/**
 * Meta keys worth a column of the points table: scalar values, 2..META_MAX_DISTINCT distinct values
 * across the responses (a constant compares nothing; hundreds of values is per-answer data), and
 * not a row-level import field (file, line, `*_raw`). Keys in first-seen order.
 */
export function facetMetaKeys(responses: readonly ResponseRow[]): string[] {
  const values = new Map<string, Set<string>>();
  const dropped = new Set<string>();
  for (const r of responses) {
    for (const [k, v] of Object.entries(r.meta ?? {})) {
      if (dropped.has(k) || META_SKIP.has(k) || k.endsWith("_raw")) continue;
      if (v !== null && typeof v === "object") {
        dropped.add(k);
        continue;
      }
      if (v === null) continue;
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(String(v));
      if (set.size > META_MAX_DISTINCT) {
        dropped.add(k);
        values.delete(k);
      }
    }
  }
  return [...values].filter(([k, set]) => !dropped.has(k) && set.size >= 2).map(([k]) => k);
}

/** The points table: one row per (response, judge that scored aligned or coherent). */
export function pointsTable(input: SiteInput): Uint8Array {
  // One map entry per response (not per score): a million responses stay cheap to index.
  const byResponse = new Map<string, ScoreRow[]>();
  for (const s of input.scores) {
    const list = byResponse.get(s.response_id);
    if (list) list.push(s);
    else byResponse.set(s.response_id, [s]);
  }
  const typeBy = new Map<string, TypeRow>();
  const typeAny = new Map<string, TypeRow>();
  for (const t of input.types) {
    typeBy.set(`${t.response_id}\u0000${t.judge}`, t);
    if (t.judge !== SIGNALS_JUDGE || !typeAny.has(t.response_id)) typeAny.set(t.response_id, t);
  }
  const judges = coreJudges(input.scores);
  const metaKeys = facetMetaKeys(input.responses);
  const metaCols = metaKeys.map(() => [] as (string | null)[]);
  const cols: Record<keyof typeof POINTS_COLUMNS, unknown[]> & {
    rid: number[];
    experiment: string[];
    model: string[];
    variant: string[];
    replicate: (string | null)[];
    baseline: (string | null)[];
    step: (number | null)[];
    question_id: string[];
    category: (string | null)[];
    judge: string[];
    aligned: (number | null)[];
    coherent: (number | null)[];
    special: (string | null)[];
    type: (string | null)[];
    p_emergent: (number | null)[];
    domain_topic: (number | null)[];
    special_known: number[];
    origin: string[];
  } = {
    rid: [] as number[],
    experiment: [] as string[],
    model: [] as string[],
    variant: [] as string[],
    replicate: [] as (string | null)[],
    baseline: [] as (string | null)[],
    step: [] as (number | null)[],
    question_id: [] as string[],
    category: [] as (string | null)[],
    judge: [] as string[],
    aligned: [] as (number | null)[],
    coherent: [] as (number | null)[],
    special: [] as (string | null)[],
    type: [] as (string | null)[],
    p_emergent: [] as (number | null)[],
    domain_topic: [] as (number | null)[],
    special_known: [] as number[],
    origin: [] as string[],
  };
  input.responses.forEach((r, i) => {
    const domain = typeof r.meta.domain === "string" ? r.meta.domain : null;
    const scores = byResponse.get(r.response_id) ?? [];
    const find = (judge: string, metric: string | null) => (metric === null ? undefined : scores.find((s) => s.judge === judge && s.metric === metric));
    for (const judge of judges) {
      const a = find(judge, "aligned");
      const c = find(judge, "coherent");
      if (!a && !c) continue;
      const t = typeBy.get(`${r.response_id}\u0000${judge}`) ?? typeAny.get(r.response_id) ?? null;
      const topic = find(judge, domain);
      cols.rid.push(i);
      cols.experiment.push(r.experiment);
      cols.model.push(r.model);
      // Tables written before variants existed carry none: the model is then the variant.
      cols.variant.push(r.variant ?? r.model);
      cols.replicate.push(r.replicate ?? null);
      cols.baseline.push(r.baseline ?? null);
      metaKeys.forEach((k, j) => {
        const v = r.meta?.[k];
        metaCols[j]!.push(v === null || v === undefined ? null : String(v));
      });
      cols.step.push(r.step);
      cols.question_id.push(r.question_id);
      cols.category.push(r.category);
      cols.judge.push(judge);
      cols.aligned.push(a?.score ?? null);
      cols.coherent.push(c?.score ?? null);
      cols.special.push(a?.special ?? null);
      cols.type.push(t?.type ?? null);
      // As joinJudged: a probability only from a type judge; the signals classifier gives labels, not probabilities.
      cols.p_emergent.push(t && t.judge !== SIGNALS_JUDGE ? (t.probs.emergent ?? 0) : null);
      cols.domain_topic.push(topic?.score ?? null);
      // As joinJudged: CODE / REFUSAL is recorded unless the row is a plain imported number (no
      // probabilities, no special word), so code_rate / refusal_rate are null for such sources.
      cols.special_known.push(specialRecorded(r.origin, a) ? 1 : 0);
      cols.origin.push(r.origin);
    }
  });
  return tableOf(
    POINTS_COLUMNS,
    cols,
    metaKeys.map((k, j) => [metaColumn(k), dict(metaCols[j]!)]),
    "judge",
  );
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
