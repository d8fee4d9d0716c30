// The points tables (issue 13: compact numeric data). One row per (response, judge that scored
// aligned or coherent), in response order then judge order, built into columns (PointsData) either
// from rows held in memory (pointsData) or straight from the dataset's Parquet files with DuckDB
// (pointsDataFromDir in site-points-duckdb.ts: no row objects, bounded memory at millions of rows). Two encodings:
//  - points.arrow (encodePointsCompact): what the pages load. Scores as Uint8 bins (scoreBin: exact
//    for every integer cut), the per-response strings folded into a few dictionary codes whose
//    dictionary values are JSON tuples (`group`: experiment, model, variant, replicate, baseline,
//    step, origin, meta facets; `question`: question_id, category; `label`: judge, special, type,
//    special_known), rid implicit when consecutive; a tuple column that changes on few rows (the group,
//    often the question: rows come in response order) stored as runs. ~3-5 bytes per row, +1-4
//    with a type judge's p(emergent).
//  - points-exact.arrow (encodePointsFull, one stream per judge: encodePointsSegments): the columns
//    of POINTS_COLUMNS with exact Float64 scores, for the SQL page and the views that need exact
//    non-integer scores (rank correlations, printed scores, downloads). src/components/points.ts decodes both into the same `Points`.
import {Dictionary, Float32, Float64, Int8, Int16, Int32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";
import {specialRecorded} from "../src/lib/em/judged.ts";
import {denseCodes, groupLabelProblem} from "../src/lib/em/group-labels.ts";
import {scoreBin} from "../src/lib/em/surface.ts";
import type {PointsSegment} from "../src/lib/site-first.ts";
import type {ResponseRow, ScoreRow, TypeRow} from "../src/lib/schema.ts";
import {
  POINTS_COMPACT_FORMAT,
  POINTS_RUNS_FORMAT,
  POINTS_COLUMNS,
  POINTS_STRING_COLUMNS,
  SIGNALS_JUDGE,
  metaColumn,
  type PointsStringColumn,
} from "../src/lib/site-schema.ts";

/** Strings as codes into a first-seen dictionary; -1 = null. */
export class Codes {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  /** The last value coded and its code: rows come in response order, so a column mostly repeats its previous value. */
  private last: string | null = null;
  private lastCode = -1;
  codes: Int32Array;
  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }
  code(v: string | null): number {
    if (v === null) return -1;
    if (v === this.last) return this.lastCode;
    let c = this.index.get(v);
    if (c === undefined) this.index.set(v, (c = this.values.push(v) - 1));
    this.last = v;
    this.lastCode = c;
    return c;
  }
  set(row: number, v: string | null): void {
    if (row >= this.codes.length) this.codes = grow(this.codes, row + 1);
    this.codes[row] = this.code(v);
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 1024));
  next.set(a);
  return next;
}

/** The points table as columns (nulls: code -1, NaN). */
export interface PointsData {
  n: number;
  rid: Int32Array;
  strings: Record<PointsStringColumn, Codes>;
  meta: {key: string; codes: Codes}[];
  step: Float64Array;
  aligned: Float64Array;
  coherent: Float64Array;
  p_emergent: Float64Array;
  domain_topic: Float64Array;
  special_known: Uint8Array;
  in_domain: Uint8Array;
  /**
   * Per experiment, the meta keys that label groups of its answers (groupFacets); computed from
   * the rows when absent. Set on the parts of a split table (encodePointsSegments), so each part
   * carries the whole table's answer.
   */
  facets?: Record<string, string[]>;
}

/** Column builder with growable arrays (the DuckDB path does not know the row count up front). */
/** Builds PointsData row by row (pointsData, and site-points-duckdb.ts from DuckDB chunks). */
export class Builder {
  n = 0;
  rid = new Int32Array(1024);
  step = new Float64Array(1024);
  aligned = new Float64Array(1024);
  coherent = new Float64Array(1024);
  p_emergent = new Float64Array(1024);
  domain_topic = new Float64Array(1024);
  special_known = new Uint8Array(1024);
  in_domain = new Uint8Array(1024);
  strings = Object.fromEntries(POINTS_STRING_COLUMNS.map((c) => [c, new Codes(1024)])) as Record<PointsStringColumn, Codes>;
  meta: {key: string; codes: Codes}[];
  constructor(metaKeys: readonly string[]) {
    this.meta = metaKeys.map((key) => ({key, codes: new Codes(1024)}));
  }
  /** Start a row; returns its index. */
  row(): number {
    const i = this.n++;
    if (i >= this.rid.length) {
      this.rid = grow(this.rid, i + 1);
      this.step = grow(this.step, i + 1);
      this.aligned = grow(this.aligned, i + 1);
      this.coherent = grow(this.coherent, i + 1);
      this.p_emergent = grow(this.p_emergent, i + 1);
      this.domain_topic = grow(this.domain_topic, i + 1);
      this.special_known = grow(this.special_known, i + 1);
      this.in_domain = grow(this.in_domain, i + 1);
    }
    return i;
  }
  done(): PointsData {
    const n = this.n;
    const strings = {} as Record<PointsStringColumn, Codes>;
    for (const c of POINTS_STRING_COLUMNS) {
      const s = this.strings[c];
      s.codes = s.codes.subarray(0, n);
      strings[c] = s;
    }
    for (const m of this.meta) m.codes.codes = m.codes.codes.subarray(0, n);
    return {
      n,
      rid: this.rid.subarray(0, n),
      strings,
      meta: this.meta,
      step: this.step.subarray(0, n),
      aligned: this.aligned.subarray(0, n),
      coherent: this.coherent.subarray(0, n),
      p_emergent: this.p_emergent.subarray(0, n),
      domain_topic: this.domain_topic.subarray(0, n),
      special_known: this.special_known.subarray(0, n),
      in_domain: this.in_domain.subarray(0, n),
    };
  }
}

export const num = (x: number | null | undefined): number => (x === null || x === undefined ? NaN : x);

/** The judges that produced an aligned or coherent score, in order of first appearance. */
export function coreJudges(scores: readonly ScoreRow[]): string[] {
  const seen = new Set<string>();
  for (const s of scores) if (s.metric === "aligned" || s.metric === "coherent") seen.add(s.judge);
  return [...seen];
}

/** Meta keys never offered as a facet: row-level bookkeeping of imports, not properties of a variant. */
const META_SKIP = new Set(["file", "line", "record", "step_from"]);
/** At most this many distinct values for a meta key to become a facet column (a per-answer field is not a facet). */
export const META_MAX_DISTINCT = 64;
export const metaSkipped = (k: string) => META_SKIP.has(k) || k.endsWith("_raw");

/**
 * Meta keys worth a column of the points table: scalar values, 2..META_MAX_DISTINCT distinct values
 * across the responses (a constant compares nothing; hundreds of values is per-answer data), and
 * not a row-level import field (file, line, record, `*_raw`). Keys in first-seen order.
 */
export function facetMetaKeys(responses: readonly ResponseRow[]): string[] {
  const values = new Map<string, Set<string>>();
  const dropped = new Set<string>();
  for (const r of responses) {
    for (const [k, v] of Object.entries(r.meta ?? {})) {
      if (dropped.has(k) || metaSkipped(k)) continue;
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

export interface PointsInput {
  responses: readonly ResponseRow[];
  scores: readonly ScoreRow[];
  types: readonly TypeRow[];
}

/** points.arrow (compact, what the pages load) from rows in memory. */
export function pointsTable(input: PointsInput): Uint8Array {
  return encodePointsCompact(pointsData(input));
}

/** The exact encoding (POINTS_COLUMNS, exact scores; encodePointsFull) of rows in memory, as one stream. */
export function pointsFullTable(input: PointsInput): Uint8Array {
  return encodePointsFull(pointsData(input));
}

/** The points columns from rows in memory. */
export function pointsData(input: PointsInput): PointsData {
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
  const b = new Builder(metaKeys);
  const s = b.strings;
  input.responses.forEach((r, rid) => {
    const domain = typeof r.meta.domain === "string" ? r.meta.domain : null;
    const scores = byResponse.get(r.response_id) ?? [];
    const find = (judge: string, metric: string | null) => (metric === null ? undefined : scores.find((x) => x.judge === judge && x.metric === metric));
    for (const judge of judges) {
      const a = find(judge, "aligned");
      const c = find(judge, "coherent");
      if (!a && !c) continue;
      const t = typeBy.get(`${r.response_id}\u0000${judge}`) ?? typeAny.get(r.response_id) ?? null;
      const i = b.row();
      b.rid[i] = rid;
      s.experiment.set(i, r.experiment);
      s.model.set(i, r.model);
      // Tables written before variants existed carry none: the model is then the variant.
      s.variant.set(i, r.variant ?? r.model);
      s.replicate.set(i, r.replicate ?? null);
      s.baseline.set(i, r.baseline ?? null);
      for (const m of b.meta) {
        const v = r.meta?.[m.key];
        m.codes.set(i, v === null || v === undefined ? null : String(v));
      }
      b.step[i] = num(r.step);
      s.question_id.set(i, r.question_id);
      s.category.set(i, r.category);
      s.judge.set(i, judge);
      b.aligned[i] = num(a?.score);
      b.coherent[i] = num(c?.score);
      s.special.set(i, a?.special ?? null);
      s.type.set(i, t?.type ?? null);
      // Strict EM's type of an EM answer: a type judge's type, or the signals row's type-if-EM.
      s.em_type.set(i, t ? (t.judge === SIGNALS_JUDGE ? (t.em_type ?? t.type) : t.type) : null);
      b.in_domain[i] = typeBy.get(`${r.response_id}\u0000${SIGNALS_JUDGE}`)?.question_in_domain ? 1 : 0;
      // As joinJudged: a probability only from a type judge; the signals classifier gives labels, not probabilities.
      b.p_emergent[i] = t && t.judge !== SIGNALS_JUDGE ? (t.probs.emergent ?? 0) : NaN;
      b.domain_topic[i] = num(find(judge, domain)?.score);
      // As joinJudged: CODE / REFUSAL is recorded unless the row is a plain imported number (no
      // probabilities, no special word), so code_rate / refusal_rate are null for such sources.
      b.special_known[i] = specialRecorded(r.origin, a) ? 1 : 0;
      s.origin.set(i, r.origin);
    }
  });
  return b.done();
}

/**
 * A dictionary column; `id` is its dictionary's id in the IPC stream, given by the caller (unique
 * in its table) so the same data encode to the same bytes (Arrow's default id is a process-wide
 * counter, different at every call).
 */
function dictVector(codes: Int32Array, values: readonly string[], id: number): Vector {
  const n = codes.length;
  const wide = values.length > 32767;
  const index = values.length <= 127 ? new Int8() : wide ? new Int32() : new Int16();
  const keys = values.length <= 127 ? new Int8Array(n) : wide ? new Int32Array(n) : new Int16Array(n);
  let nulls = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c < 0) nulls++;
    else {
      keys[i] = c;
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
  }
  const type = new Dictionary(new Utf8(), index, id);
  const dictionary = vectorFromArray(values as string[], new Utf8());
  return makeVector(makeData({type, length: n, nullCount: nulls, nullBitmap: nulls ? bitmap : null, data: keys, dictionary}));
}

/** Float column; NaN becomes null (validity bitmap), so SQL's IS NULL works. */
function floatVector(values: Float64Array, single: boolean): Vector {
  const n = values.length;
  const data = single ? Float32Array.from(values) : Float64Array.from(values);
  let nulls = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (values[i] !== values[i]) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return makeVector(makeData({type: single ? new Float32() : new Float64(), length: n, nullCount: nulls, nullBitmap: nulls ? bitmap : null, data}));
}

/**
 * A Float32 column of probabilities stored by value: a dictionary of its distinct Float32 values
 * (exact: every value is the Float32 the plain column would hold) with Int8 / Int16 keys when it
 * has at most 32,767 of them, so a type judge whose p(emergent) takes few values (a calibrated or
 * pooled judge) costs 1-2 bytes per row instead of 4; the plain Float32 column otherwise. NaN =
 * null. `id`: the dictionary's id (see dictVector).
 */
export function probabilityVector(values: Float64Array, id: number): Vector {
  const n = values.length;
  const f32 = Float32Array.from(values);
  const index = new Map<number, number>();
  const distinct: number[] = [];
  for (let i = 0; i < n && distinct.length <= 32767; i++) {
    const x = f32[i]!;
    if (x === x && !index.has(x)) index.set(x, distinct.push(x) - 1);
  }
  if (distinct.length > 32767) return floatVector(values, true);
  const narrow = distinct.length <= 127;
  const keys = narrow ? new Int8Array(n) : new Int16Array(n);
  let nulls = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const x = f32[i]!;
    if (x !== x) nulls++;
    else {
      keys[i] = index.get(x)!;
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
  }
  const type = new Dictionary(new Float32(), narrow ? new Int8() : new Int16(), id);
  const dictionary = makeVector(Float32Array.from(distinct));
  return makeVector(makeData({type, length: n, nullCount: nulls, nullBitmap: nulls ? bitmap : null, data: keys, dictionary}));
}

/** The exact encoding (points-exact.arrow's streams): the columns of POINTS_COLUMNS (exact Float64 scores), meta facets after `judge`. */
export function encodePointsFull(d: PointsData): Uint8Array {
  const vectors: Record<string, Vector> = {};
  let dictionaries = 0;
  for (const name of Object.keys(POINTS_COLUMNS) as (keyof typeof POINTS_COLUMNS)[]) {
    const kind = POINTS_COLUMNS[name];
    if (kind === "dict") {
      const c = d.strings[name as PointsStringColumn];
      vectors[name] = dictVector(c.codes, c.values, dictionaries++);
    } else if (name === "rid") vectors[name] = makeVector(Int32Array.from(d.rid));
    else if (name === "special_known") vectors[name] = makeVector(Int8Array.from(d.special_known));
    else if (name === "in_domain") vectors[name] = makeVector(Int8Array.from(d.in_domain));
    else vectors[name] = floatVector(d[name as "step" | "aligned" | "coherent" | "p_emergent" | "domain_topic"], kind === "f32");
    if (name === "judge") for (const m of d.meta) vectors[metaColumn(m.key)] = dictVector(m.codes.codes, m.codes.values, dictionaries++);
  }
  const table = new Table(vectors);
  table.schema.metadata.set("em-facets", JSON.stringify(d.facets ?? groupFacets(d)));
  return tableToIPC(table, "stream");
}

/** The rows of `d` whose index `keep` lists (in that order), sharing `d`'s dictionaries. */
function subsetData(d: PointsData, keep: Int32Array): PointsData {
  const pick = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(keep.length);
    for (let k = 0; k < keep.length; k++) out[k] = a[keep[k]!]!;
    return out;
  };
  const codes = (c: Codes): Codes => Object.assign(Object.create(Codes.prototype) as Codes, c, {codes: pick(c.codes)});
  return {
    n: keep.length,
    rid: pick(d.rid),
    strings: Object.fromEntries(POINTS_STRING_COLUMNS.map((c) => [c, codes(d.strings[c])])) as Record<PointsStringColumn, Codes>,
    meta: d.meta.map((m) => ({key: m.key, codes: codes(m.codes)})),
    step: pick(d.step),
    aligned: pick(d.aligned),
    coherent: pick(d.coherent),
    p_emergent: pick(d.p_emergent),
    domain_topic: pick(d.domain_topic),
    special_known: pick(d.special_known),
    in_domain: pick(d.in_domain),
    facets: d.facets ?? groupFacets(d),
  };
}

/**
 * The judges of `d` in an order that agrees with the order of their rows within every response
 * (rows are in response order, then judge order): a page that loads some judges' segments merges
 * them back into the table's row order by (rid, this order). First-seen order where no response
 * orders two judges.
 */
export function segmentJudgeOrder(d: PointsData): number[] {
  const judges = d.strings.judge;
  const k = judges.values.length;
  const before = Array.from({length: k}, () => new Set<number>());
  for (let i = 1; i < d.n; i++) {
    const a = judges.codes[i - 1]!;
    const b = judges.codes[i]!;
    if (d.rid[i] === d.rid[i - 1] && a >= 0 && b >= 0 && a !== b) before[b]!.add(a);
  }
  const order: number[] = [];
  const state = new Uint8Array(k);
  const visit = (j: number) => {
    if (state[j] === 2) return;
    if (state[j] === 1) throw new Error("points: the judges' row order differs between responses");
    state[j] = 1;
    for (const a of before[j]!) visit(a);
    state[j] = 2;
    order.push(j);
  };
  for (let j = 0; j < k; j++) visit(j);
  return order;
}

/**
 * points.arrow as one compact IPC stream per judge (`encode`; encodePointsFull for
 * points-exact.arrow, the exact scores per judge), concatenated (segmentJudgeOrder's order), with
 * where each sits, so a page downloads only the judges it shows (by byte range) and merges them
 * back into the table's row order (src/components/points.ts decodePoints / mergePoints): decoding
 * every segment gives the same Points as encodePointsCompact(d). Rows without a judge (none are
 * written: every row has one) would be dropped, so they are refused.
 */
export function encodePointsSegments(
  data: PointsData,
  encode: (d: PointsData) => Uint8Array = encodePointsCompact,
): {bytes: Uint8Array; segments: PointsSegment[]} {
  // What compare-by offers is a property of the whole table: decided once, carried by every segment.
  const d: PointsData = {...data, facets: data.facets ?? groupFacets(data)};
  const judges = d.strings.judge;
  const rows = judges.values.map(() => [] as number[]);
  for (let i = 0; i < d.n; i++) {
    const j = judges.codes[i]!;
    if (j < 0) throw new Error(`points: row ${i} has no judge`);
    rows[j]!.push(i);
  }
  if (judges.values.length <= 1) {
    const bytes = encode(d);
    return {bytes, segments: judges.values.map((judge) => ({judge, start: 0, end: bytes.length}))};
  }
  const parts: Uint8Array[] = [];
  const segments: PointsSegment[] = [];
  let at = 0;
  for (const j of segmentJudgeOrder(d)) {
    const part = encode(subsetData(d, Int32Array.from(rows[j]!)));
    parts.push(part);
    segments.push({judge: judges.values[j]!, start: at, end: at + part.length});
    at += part.length;
  }
  const bytes = new Uint8Array(at);
  parts.forEach((p, k) => bytes.set(p, segments[k]!.start));
  return {bytes, segments};
}

/**
 * Per experiment (every experiment of the table, in dictionary order), the meta keys that label
 * groups of its answers: groupLabelProblem (src/lib/em/group-labels.ts, the rule `em summarize --by`
 * warns by) over the experiment's rows of every judge, with units model x variant x replicate x step
 * and the raw question ids. Decided here once per build, so a page offers "compare by" without a
 * pass over the rows; it only narrows the values to its selection. Keys in the table's meta order.
 */
export function groupFacets(d: PointsData): Record<string, string[]> {
  const experiments = d.strings.experiment;
  const out: Record<string, string[]> = Object.fromEntries(experiments.values.map((e) => [e, [] as string[]]));
  if (!d.meta.length || !d.n) return out;
  const {model, variant, replicate, question_id} = d.strings;
  const steps = denseCodes(d.n, (i) => d.step[i]!);
  const m = model.values.length + 1;
  const v = variant.values.length + 1;
  const r = replicate.values.length + 1;
  // One number per (model, variant, replicate, step); exact while the product stays under 2^53.
  const exact = m * v * r * (d.n + 1) < Number.MAX_SAFE_INTEGER;
  const [mc, vc, rc] = [model.codes, variant.codes, replicate.codes];
  const units = exact
    ? denseCodes(d.n, (i) => ((steps[i]! * r + rc[i]! + 1) * v + vc[i]! + 1) * m + mc[i]! + 1)
    : denseCodes(d.n, (i) => `${mc[i]} ${vc[i]} ${rc[i]} ${steps[i]}`);
  const mask = new Uint8Array(d.n);
  experiments.values.forEach((e, k) => {
    for (let i = 0; i < d.n; i++) mask[i] = experiments.codes[i] === k ? 1 : 0;
    for (const meta of d.meta)
      if (groupLabelProblem({codes: meta.codes.codes, values: meta.codes.values, units, questions: question_id.codes, mask}) === null) out[e]!.push(meta.key);
  });
  return out;
}

/**
 * JSON tuples as codes of a first-seen dictionary, one code per distinct tuple. `same(i)`: row i's
 * fields equal row i - 1's (so its tuple does too), checked on the columns' codes instead of
 * writing the tuple: rows come in response order, and a response's group, question and label are
 * mostly the previous row's.
 */
function tupleCodes(n: number, tuple: (i: number) => string, same: (i: number) => boolean): Codes {
  const c = new Codes(n);
  for (let i = 0; i < n; i++) c.codes[i] = i > 0 && same(i) ? c.codes[i - 1]! : c.code(tuple(i));
  return c;
}

/** Bytes per row of a dictionary column's keys (dictVector's choice). */
const keyBytes = (values: number) => (values <= 127 ? 1 : values > 32767 ? 4 : 2);

/**
 * A tuple column as runs when that is smaller: rows come in response order, and a response's group
 * (and often its question) is the same as the previous one's for long stretches, so a column that
 * changes on few rows costs (value, length) per run instead of a key per row. Returns the runs
 * stream (schema metadata `em-points` = POINTS_RUNS_FORMAT, `em-column` = the column's name;
 * columns `value`: the column's dictionary codes per run, `length`: Int32 rows per run), or null
 * when a key per row is smaller. ~1 kB is counted for the stream's own messages.
 */
function runsStream(name: string, c: Codes, n: number): Uint8Array | null {
  const {codes} = c;
  let runs = 0;
  for (let i = 0; i < n; i++) if (i === 0 || codes[i] !== codes[i - 1]) runs++;
  const k = keyBytes(c.values.length);
  if (!n || runs * (4 + k) + 1024 >= n * k) return null;
  const value = new Int32Array(runs);
  const length = new Int32Array(runs);
  let r = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || codes[i] !== codes[i - 1]) value[++r] = codes[i]!;
    length[r] = length[r]! + 1;
  }
  const table = new Table({value: dictVector(value, c.values, 0), length: makeVector(length)});
  table.schema.metadata.set("em-points", POINTS_RUNS_FORMAT);
  table.schema.metadata.set("em-column", name);
  return tableToIPC(table, "stream");
}

/**
 * points.arrow for the pages: one row per (response, judge) like encodePointsFull, in the same
 * order, ~3-5 bytes per row. Columns (schema metadata `em-points` = POINTS_COMPACT_FORMAT); each of
 * the three tuple columns is stored as runs instead, in a stream before the table's, when that is
 * smaller (runsStream: rows come in response order, so a group or question changes on few rows):
 *  - group: dictionary of JSON [experiment, model, variant, replicate, baseline, step, origin, ...meta]
 *    (meta facets in the order of the schema metadata `em-meta-keys`, a JSON list);
 *  - question: dictionary of JSON [question_id, category];
 *  - label: dictionary of JSON [judge, special, type, special_known, starts, em_type, in_domain];
 *    `starts` (1 on the first row of a response; null when rid is not implicit) says which rows
 *    start a response when rid is implicit: rows of a response consecutive and every response has
 *    a row, so rid = (rows that start a response so far) - 1; em_type and in_domain as in
 *    POINTS_COLUMNS (strict EM's type of an EM answer; question in the training domain, 0 / 1);
 *  - aligned_bin, coherent_bin: Uint8 scoreBin values (0 null, 1 below 0, 2 + 2 floor(x) + (x not integer), 203 above 100);
 *  - rid_step: Uint8 rid minus the previous row's rid (first row: its rid) when rid is not implicit;
 *    `rid` Int32 instead when a step exceeds 255;
 *  - p_emergent: Float32, only when some row has one (a type judge); by value (probabilityVector:
 *    a Float32 dictionary with Int8 / Int16 keys) when it takes at most 32,767 distinct values.
 * The exact non-integer scores and domain_topic live in points-exact.arrow. Returns the runs streams
 * (if any) and the table's stream, concatenated: decodePoints reads them as one table.
 */
export function encodePointsCompact(data: PointsData): Uint8Array {
  const facets = data.facets ?? groupFacets(data);
  // Only the meta columns some experiment can be compared by: a per-answer field (is_em, a
  // timestamp) would only break the group runs and cost bytes per answer. points-exact.arrow keeps them all.
  const offered = new Set(Object.values(facets).flat());
  const d = {...data, meta: data.meta.filter((m) => offered.has(m.key))};
  const n = d.n;
  const s = d.strings;
  const v = (c: Codes, i: number) => (c.codes[i]! < 0 ? null : c.values[c.codes[i]!]!);
  const num = (x: number) => (x === x ? x : null);
  const vectors: Record<string, Vector> = {};
  const runs: Uint8Array[] = [];
  /** Row i's codes in `columns` equal row i - 1's. */
  const sameCodes = (columns: readonly Int32Array[]) => (i: number) => columns.every((c) => c[i] === c[i - 1]);
  /** A tuple column as a key per row, or as runs in a stream before the table's (runsStream). */
  const tupleColumn = (name: string, id: number, tuple: (i: number) => string, same: (i: number) => boolean) => {
    const c = tupleCodes(n, tuple, same);
    const asRuns = runsStream(name, c, n);
    if (asRuns) runs.push(asRuns);
    else vectors[name] = dictVector(c.codes, c.values, id);
  };
  const groupCodes = sameCodes(
    [s.experiment, s.model, s.variant, s.replicate, s.baseline, s.origin].map((c) => c.codes).concat(d.meta.map((m) => m.codes.codes)),
  );
  tupleColumn(
    "group",
    0,
    (i) =>
      JSON.stringify([
        v(s.experiment, i),
        v(s.model, i),
        v(s.variant, i),
        v(s.replicate, i),
        v(s.baseline, i),
        num(d.step[i]!),
        v(s.origin, i),
        ...d.meta.map((m) => v(m.codes, i)),
      ]),
    (i) => {
      const a = d.step[i]!;
      const b = d.step[i - 1]!;
      return (a === b || (a !== a && b !== b)) && groupCodes(i);
    },
  );
  tupleColumn("question", 1, (i) => JSON.stringify([v(s.question_id, i), v(s.category, i)]), sameCodes([s.question_id.codes, s.category.codes]));
  // rid: implicit when rows of a response are consecutive and every response has one (the label
  // then says which rows start a response); else as steps from the previous row; else in full.
  let maxStep = 0;
  let implicit = true;
  for (let i = 0; i < n; i++) {
    const step = d.rid[i]! - (i ? d.rid[i - 1]! : -1);
    if (step > maxStep) maxStep = step;
    if (step !== 1 && !(i && step === 0)) implicit = false;
  }
  const starts = (i: number) => (i === 0 || d.rid[i] !== d.rid[i - 1] ? 1 : 0);
  const labelCodes = sameCodes([s.judge, s.special, s.type, s.em_type].map((c) => c.codes));
  tupleColumn(
    "label",
    2,
    (i) => JSON.stringify([v(s.judge, i), v(s.special, i), v(s.type, i), d.special_known[i]!, implicit ? starts(i) : null, v(s.em_type, i), d.in_domain[i]!]),
    (i) =>
      labelCodes(i) && d.special_known[i] === d.special_known[i - 1] && d.in_domain[i] === d.in_domain[i - 1] && (!implicit || starts(i) === starts(i - 1)),
  );
  const bins = (x: Float64Array) => Uint8Array.from(x, scoreBin);
  vectors.aligned_bin = makeVector(bins(d.aligned));
  vectors.coherent_bin = makeVector(bins(d.coherent));
  if (!implicit) {
    if (maxStep <= 255) vectors.rid_step = makeVector(Uint8Array.from(d.rid, (r, i) => r - (i ? d.rid[i - 1]! : 0)));
    else vectors.rid = makeVector(Int32Array.from(d.rid));
  }
  if (d.p_emergent.some((x) => x === x)) vectors.p_emergent = probabilityVector(d.p_emergent, 3);
  const table = new Table(vectors);
  table.schema.metadata.set("em-points", POINTS_COMPACT_FORMAT);
  table.schema.metadata.set("em-meta-keys", JSON.stringify(d.meta.map((m) => m.key)));
  table.schema.metadata.set("em-facets", JSON.stringify(facets));
  const rows = tableToIPC(table, "stream");
  if (!runs.length) return rows;
  const out = new Uint8Array(runs.reduce((a, b) => a + b.length, rows.length));
  let at = 0;
  for (const b of [...runs, rows]) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
