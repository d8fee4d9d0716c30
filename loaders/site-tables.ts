// Reshape the pipeline's tables into what the pages load (written by the thin loaders in src/data/):
//  - points.arrow: one row per (response, judge) with the numbers every chart needs; string
//    columns dictionary-encoded so a million rows stay compact. First charts read it directly;
//    DuckDB-WASM loads the same bytes for SQL.
//  - texts.arrow: the answers and questions, fetched only by views that show text.
//  - details.arrow: every score row with the judge's probabilities and the type probabilities, for
//    the response detail view.
// Arrow IPC streams, because DuckDB-WASM has no built-in Parquet reader (docs/offline.md).
import {Dictionary, Float32, Float64, Int8, Int16, Int32, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../src/lib/schema.ts";

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

/** The judges that produced an aligned or coherent score, in order of first appearance. */
export function coreJudges(scores: readonly ScoreRow[]): string[] {
  const seen = new Set<string>();
  for (const s of scores) if (s.metric === "aligned" || s.metric === "coherent") seen.add(s.judge);
  return [...seen];
}

/** The points table: one row per (response, judge that scored aligned or coherent). */
export function pointsTable(input: SiteInput): Uint8Array {
  const byKey = new Map<string, ScoreRow>();
  for (const s of input.scores) byKey.set(`${s.response_id}\u0000${s.judge}\u0000${s.metric}`, s);
  const typeBy = new Map<string, TypeRow>();
  const typeAny = new Map<string, TypeRow>();
  for (const t of input.types) {
    typeBy.set(`${t.response_id}\u0000${t.judge}`, t);
    if (t.judge !== "signals" || !typeAny.has(t.response_id)) typeAny.set(t.response_id, t);
  }
  const judges = coreJudges(input.scores);
  const cols = {
    rid: [] as number[],
    experiment: [] as string[],
    model: [] as string[],
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
    origin: [] as string[],
  };
  input.responses.forEach((r, i) => {
    const domain = typeof r.meta.domain === "string" ? r.meta.domain : null;
    for (const judge of judges) {
      const a = byKey.get(`${r.response_id}\u0000${judge}\u0000aligned`);
      const c = byKey.get(`${r.response_id}\u0000${judge}\u0000coherent`);
      if (!a && !c) continue;
      const t = typeBy.get(`${r.response_id}\u0000${judge}`) ?? typeAny.get(r.response_id) ?? null;
      const topic = domain ? byKey.get(`${r.response_id}\u0000${judge}\u0000${domain}`) : undefined;
      cols.rid.push(i);
      cols.experiment.push(r.experiment);
      cols.model.push(r.model);
      cols.step.push(r.step);
      cols.question_id.push(r.question_id);
      cols.category.push(r.category);
      cols.judge.push(judge);
      cols.aligned.push(a?.score ?? null);
      cols.coherent.push(c?.score ?? null);
      cols.special.push(a?.special ?? null);
      cols.type.push(t?.type ?? null);
      cols.p_emergent.push(t ? (t.probs.emergent ?? 0) : null);
      cols.domain_topic.push(topic?.score ?? null);
      cols.origin.push(r.origin);
    }
  });
  const table = new Table({
    rid: makeVector(Int32Array.from(cols.rid)),
    experiment: dict(cols.experiment),
    model: dict(cols.model),
    step: f64(cols.step),
    question_id: dict(cols.question_id),
    category: dict(cols.category),
    judge: dict(cols.judge),
    // Float64: the CLI compares scores to cuts at double precision; Float32 rounding could move a
    // score like 29.999999999999996 onto the cut and change its EM label.
    aligned: f64(cols.aligned),
    coherent: f64(cols.coherent),
    special: dict(cols.special),
    type: dict(cols.type),
    p_emergent: f32(cols.p_emergent),
    domain_topic: f32(cols.domain_topic),
    origin: dict(cols.origin),
  });
  return tableToIPC(table, "stream");
}

/** The texts table: one row per response, row index = `rid` of the points table. */
export function textsTable(input: SiteInput): Uint8Array {
  const r = input.responses;
  const table = new Table({
    rid: makeVector(Int32Array.from(r, (_, i) => i)),
    response_id: vectorFromArray(r.map((x) => x.response_id), new Utf8()),
    experiment: dict(r.map((x) => x.experiment)),
    model: dict(r.map((x) => x.model)),
    step: f64(r.map((x) => x.step)),
    question_id: dict(r.map((x) => x.question_id)),
    category: dict(r.map((x) => x.category)),
    question: dict(r.map((x) => x.question)),
    system: dict(r.map((x) => x.system)),
    paraphrase: makeVector(Int32Array.from(r, (x) => x.paraphrase)),
    sample: makeVector(Int32Array.from(r, (x) => x.sample)),
    origin: dict(r.map((x) => x.origin)),
    source: dict(r.map((x) => x.source)),
    response: vectorFromArray(r.map((x) => x.response), new Utf8()),
    meta: vectorFromArray(r.map((x) => JSON.stringify(x.meta)), new Utf8()),
  });
  return tableToIPC(table, "stream");
}

/** Probabilities kept for the detail view: tokens with p >= 0.001, rounded to 4 decimals (the file stays small). */
export function compactProbs(probs: Record<string, number>): string {
  const out: Record<string, number> = {};
  for (const [token, p] of Object.entries(probs)) if (p >= 0.001) out[token] = Math.round(p * 1e4) / 1e4;
  return JSON.stringify(out);
}

/** Every score and type row, keyed by response index, for the detail view and SQL. */
export function detailsTable(input: SiteInput): Uint8Array {
  const index = new Map(input.responses.map((r, i) => [r.response_id, i]));
  const rows: {rid: number; judge: string; metric: string; score: number | null; mass: number | null; label: string | null; status: string; probs: string}[] = [];
  for (const s of input.scores) {
    const rid = index.get(s.response_id);
    if (rid === undefined) continue;
    rows.push({rid, judge: s.judge, metric: s.metric, score: s.score, mass: s.mass, label: s.special, status: s.status, probs: s.probs ? compactProbs(s.probs) : ""});
  }
  for (const t of input.types) {
    const rid = index.get(t.response_id);
    if (rid === undefined) continue;
    rows.push({rid, judge: t.judge, metric: "type", score: null, mass: null, label: t.type, status: "ok", probs: compactProbs(t.probs)});
  }
  const table = new Table({
    rid: makeVector(Int32Array.from(rows, (x) => x.rid)),
    judge: dict(rows.map((x) => x.judge)),
    metric: dict(rows.map((x) => x.metric)),
    score: f64(rows.map((x) => x.score)),
    mass: f64(rows.map((x) => x.mass)),
    label: dict(rows.map((x) => x.label)),
    status: dict(rows.map((x) => x.status)),
    probs: vectorFromArray(rows.map((x) => x.probs), new Utf8()),
  });
  return tableToIPC(table, "stream");
}
