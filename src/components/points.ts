// Decode points.arrow (compact) or points-exact.arrow (see loaders/site-points.ts) into plain typed
// arrays: the per-frame path of every chart works on these, never on DuckDB (a threshold change
// must be a lookup, not a query). The columns and their kinds are declared once, in
// src/lib/site-schema.ts (the loader writes them).
import {RecordBatchReader, Table, type Vector} from "apache-arrow";
import {META_PREFIX, POINTS_COMPACT_FORMAT, POINTS_RUNS_FORMAT, POINTS_STRING_COLUMNS, metaColumn, type PointsStringColumn} from "../lib/site-schema.js";

export const STRING_COLUMNS = POINTS_STRING_COLUMNS;
export type StringColumn = PointsStringColumn;
/** A meta facet column of points.arrow (`meta.<key>`, see facetMetaKeys in loaders/site-points.ts). */
export type MetaColumn = `meta.${string}`;
/** Any string column a view can group or facet by. */
export type FacetColumn = StringColumn | MetaColumn;

export interface Points {
  n: number;
  /** Row index into texts.parquet (one row per response). */
  rid: Int32Array;
  /** Training coordinate; NaN when absent. */
  step: Float64Array;
  /**
   * Judge scores 0..100; NaN when null. From points.arrow (compact) a non-integer score x reads as
   * floor(x) + 0.5 (integers, and scores outside 0..100 as -1 / 101): every comparison with an
   * integer cut, inclusive or not, gives what the exact score gives, so every EM count is exact;
   * `exact` says whether these are the exact scores (points-exact.arrow).
   */
  aligned: Float64Array;
  coherent: Float64Array;
  /** scoreBin of aligned / coherent (src/lib/em/surface.ts): 0 null, 1 below 0, 2 + 2 floor(x) + (x not integer), 203 above 100. */
  alignedBin: Uint8Array;
  coherentBin: Uint8Array;
  /** True when aligned / coherent are the exact scores (decoded from points-exact.arrow). */
  exact: boolean;
  /** Probability the response is an emergent-persona answer (type judge); NaN when unknown. */
  p_emergent: Float32Array;
  /** Score of the model's training-domain topic metric; NaN when unknown (always from the compact points.arrow, which leaves it to points-exact.arrow). */
  domain_topic: Float32Array;
  /** 1 when the row's source records CODE / REFUSAL (not a plain imported number). */
  special_known: Uint8Array;
  /** 1 when the question is declared in the training domain the answer is typed against (out of strict EM's denominator). */
  in_domain: Uint8Array;
  /** Dictionary codes per string column; -1 = null. */
  codes: Record<StringColumn, Int32Array>;
  /** Dictionary values per string column. */
  dicts: Record<StringColumn, string[]>;
  /** Meta facet columns (`meta.<key>`): codes and values, like `codes` / `dicts`. */
  meta: Record<MetaColumn, {codes: Int32Array; values: string[]}>;
  /**
   * Per experiment, the meta columns that label groups of its answers, decided at build time
   * (loaders/site-points.ts groupFacets: groupLabelProblem over the experiment's rows), from the
   * table's `em-facets` metadata; absent in tables written without it (no meta column is then offered).
   */
  facets?: Record<string, MetaColumn[]>;
}

/**
 * Validity of row i of one record batch, read from its null bitmap directly (Data.getValid costs
 * several property lookups per call: ~100 ms per million rows). null = every row valid.
 */
function validity(data: Vector["data"][number]): ((i: number) => boolean) | null {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  if (!data.nullCount || !bitmap || !bitmap.length) return null;
  const o = data.offset;
  return (i) => (bitmap[(o + i) >> 3]! & (1 << ((o + i) & 7))) !== 0;
}

function floats<T extends Float32Array | Float64Array>(vector: Vector, out: T): T {
  let offset = 0;
  for (const data of vector.data) {
    const values = data.values as Float32Array | Float64Array;
    const valid = validity(data);
    if (!valid) out.set(values.subarray(0, data.length), offset);
    else for (let i = 0; i < data.length; ++i) out[offset + i] = valid(i) ? values[i]! : NaN;
    offset += data.length;
  }
  return out;
}

/**
 * A Float32 column written plain or by value (a dictionary of Float32 values with integer keys,
 * loaders/site-points.ts probabilityVector), as floats; null = NaN.
 */
function floatsOrDictionary(vector: Vector, out: Float32Array): Float32Array {
  let offset = 0;
  for (const data of vector.data) {
    if (!data.dictionary) {
      const values = data.values as Float32Array;
      const valid = validity(data);
      if (!valid) out.set(values.subarray(0, data.length), offset);
      else for (let i = 0; i < data.length; ++i) out[offset + i] = valid(i) ? values[i]! : NaN;
    } else {
      const dict =
        data.dictionary.data.length === 1
          ? (data.dictionary.data[0]!.values as Float32Array)
          : Float32Array.from(data.dictionary.toArray() as ArrayLike<number>);
      const keys = data.values as Int8Array | Int16Array | Int32Array;
      const valid = validity(data);
      if (!valid) for (let i = 0; i < data.length; ++i) out[offset + i] = dict[keys[i]!]!;
      else for (let i = 0; i < data.length; ++i) out[offset + i] = valid(i) ? dict[keys[i]!]! : NaN;
    }
    offset += data.length;
  }
  return out;
}

/** Codes of a dictionary vector, remapped onto one dictionary across record batches. */
function dictionary(vector: Vector, n: number): {codes: Int32Array; values: string[]} {
  const codes = new Int32Array(n);
  const values: string[] = [];
  const lookup = new Map<string, number>();
  let offset = 0;
  for (const data of vector.data) {
    const dict = data.dictionary;
    const local: number[] = [];
    if (dict) {
      for (let j = 0; j < dict.length; ++j) {
        const v = String(dict.get(j));
        let code = lookup.get(v);
        if (code === undefined) lookup.set(v, (code = values.push(v) - 1));
        local.push(code);
      }
    }
    const keys = data.values as Int8Array | Int16Array | Int32Array;
    const valid = validity(data);
    if (!valid) for (let i = 0; i < data.length; ++i) codes[offset + i] = local[keys[i]!]!;
    else for (let i = 0; i < data.length; ++i) codes[offset + i] = valid(i) ? local[keys[i]!]! : -1;
    offset += data.length;
  }
  return {codes, values};
}

/** The special_known flags (all 1 in tables written before the column existed). */
function specialKnown(vector: Vector | null, n: number, absent = 1): Uint8Array {
  const out = new Uint8Array(n).fill(absent);
  if (!vector) return out;
  let offset = 0;
  for (const data of vector.data) {
    const values = data.values as Int8Array;
    for (let i = 0; i < data.length; ++i) out[offset + i] = values[i] ? 1 : 0;
    offset += data.length;
  }
  return out;
}

/** A score that compares to every integer cut as any score of bin `b` does (see Points.aligned). */
export function binValue(b: number): number {
  if (b === 0) return NaN;
  if (b === 1) return -1;
  if (b >= 203) return 101;
  const f = (b - 2) >> 1;
  return b & 1 ? f + 0.5 : f;
}

function binsOf(values: Float64Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; ++i) {
    const x = values[i]!;
    // As scoreBin (src/lib/em/surface.ts), inlined: a million calls per column.
    if (x !== x) out[i] = 0;
    else if (x < 0) out[i] = 1;
    else if (x > 100) out[i] = 203;
    else {
      const f = Math.floor(x);
      out[i] = 2 + 2 * f + (x === f ? 0 : 1);
    }
  }
  return out;
}

/** The raw values of a primitive column, concatenated over record batches. */
function raw<T extends Uint8Array | Int32Array>(vector: Vector, out: T): T {
  let offset = 0;
  for (const data of vector.data) {
    out.set((data.values as T).subarray(0, data.length), offset);
    offset += data.length;
  }
  return out;
}

/**
 * Decode the bytes of points.arrow (compact) or points-exact.arrow. Either may hold one IPC
 * stream per judge, concatenated (loaders/site-points.ts encodePointsSegments); `bytes` may also
 * be some of those segments (a page that loaded only the judges it shows), as one buffer or a
 * list: they are decoded each and merged back into the table's row order (mergePoints).
 */
export function decodePoints(bytes: ArrayBuffer | Uint8Array | readonly (ArrayBuffer | Uint8Array)[]): Points {
  const buffers = (Array.isArray(bytes) ? bytes : [bytes]) as (ArrayBuffer | Uint8Array)[];
  const parts: Points[] = [];
  for (const b of buffers) {
    // A compact table's runs streams come just before it (encodePointsCompact).
    let runs = new Map<string, Table>();
    for (const reader of RecordBatchReader.readAll(b instanceof Uint8Array ? b : new Uint8Array(b))) {
      const table = new Table(reader.schema, [...reader]);
      const format = table.schema.metadata.get("em-points");
      if (format === POINTS_RUNS_FORMAT) {
        runs.set(table.schema.metadata.get("em-column") ?? "", table);
        continue;
      }
      parts.push(format === POINTS_COMPACT_FORMAT || format === "compact-1" ? decodeCompact(table, runs) : decodeFull(table));
      runs = new Map();
    }
    if (runs.size) throw new Error(`points.arrow: runs of ${[...runs.keys()].join(", ")} with no table after them`);
  }
  if (!parts.length) throw new Error("points.arrow holds no Arrow stream");
  return mergePoints(parts);
}

/**
 * Rows of several decoded segments (each in response order, one judge each, given in the judges'
 * row order within a response) as one Points in the table's row order: by rid, ties by segment
 * order. Dictionary values in first-seen order over the merged rows, as decoding the whole table
 * gives them. One segment: returned as it is.
 */
export function mergePoints(parts: readonly Points[]): Points {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((a, p) => a + p.n, 0);
  const from = new Uint8Array(n);
  const row = new Int32Array(n);
  const next = new Int32Array(parts.length);
  for (let i = 0; i < n; ++i) {
    let best = -1;
    for (let k = 0; k < parts.length; ++k) {
      if (next[k]! >= parts[k]!.n) continue;
      if (best < 0 || parts[k]!.rid[next[k]!]! < parts[best]!.rid[next[best]!]!) best = k;
    }
    from[i] = best;
    row[i] = next[best]!++;
  }
  const floats = <T extends Float32Array | Float64Array | Uint8Array | Int32Array>(get: (p: Points) => T): T => {
    const first = get(parts[0]!);
    const out = new (first.constructor as new (n: number) => T)(n);
    const arrays = parts.map(get);
    for (let i = 0; i < n; ++i) out[i] = arrays[from[i]!]![row[i]!]!;
    return out;
  };
  const recode = (columns: readonly {codes: Int32Array; values: string[]}[]): {codes: Int32Array; values: string[]} => {
    const values: string[] = [];
    const index = new Map<string, number>();
    const maps = columns.map((c) => new Int32Array(c.values.length).fill(-2));
    const codes = new Int32Array(n);
    for (let i = 0; i < n; ++i) {
      const k = from[i]!;
      const c = columns[k]!.codes[row[i]!]!;
      if (c < 0) {
        codes[i] = -1;
        continue;
      }
      let m = maps[k]![c]!;
      if (m === -2) {
        const v = columns[k]!.values[c]!;
        let x = index.get(v);
        if (x === undefined) index.set(v, (x = values.push(v) - 1));
        m = maps[k]![c] = x;
      }
      codes[i] = m;
    }
    return {codes, values};
  };
  const codes = {} as Record<StringColumn, Int32Array>;
  const dicts = {} as Record<StringColumn, string[]>;
  // Tables written before em_type: strict EM reads the type (the same arrays, as decodeCompact gives them).
  const aliased = parts.every((p) => p.codes.em_type === p.codes.type);
  for (const c of STRING_COLUMNS) {
    if (c === "em_type" && aliased) continue;
    const merged = recode(parts.map((p) => ({codes: p.codes[c], values: p.dicts[c]})));
    codes[c] = merged.codes;
    dicts[c] = merged.values;
  }
  if (aliased) {
    codes.em_type = codes.type;
    dicts.em_type = dicts.type;
  }
  const meta = {} as Record<MetaColumn, {codes: Int32Array; values: string[]}>;
  for (const key of Object.keys(parts[0]!.meta) as MetaColumn[]) {
    meta[key] = recode(parts.map((p) => p.meta[key] ?? {codes: new Int32Array(p.n).fill(-1), values: []}));
  }
  return {
    n,
    rid: floats((p) => p.rid),
    step: floats((p) => p.step),
    aligned: floats((p) => p.aligned),
    coherent: floats((p) => p.coherent),
    alignedBin: floats((p) => p.alignedBin),
    coherentBin: floats((p) => p.coherentBin),
    exact: parts.every((p) => p.exact),
    p_emergent: floats((p) => p.p_emergent),
    domain_topic: floats((p) => p.domain_topic),
    special_known: floats((p) => p.special_known),
    in_domain: floats((p) => p.in_domain),
    codes,
    dicts,
    meta,
    // Every segment carries the whole table's answer (encodePointsSegments).
    facets: parts[0]!.facets,
  };
}

/**
 * Codes and values of a tuple column of a compact table: its dictionary column, or its runs (a
 * runs stream before the table, see encodePointsCompact) expanded to the table's n rows.
 */
function tupleCodesOf(
  table: Table,
  runs: ReadonlyMap<string, Table>,
  name: string,
): {codes: Int32Array; values: string[]; runs?: {codes: Int32Array; lengths: Int32Array}} {
  const n = table.numRows;
  const r = runs.get(name);
  const column = table.getChild(name);
  if (!r) {
    if (!column) throw new Error(`points.arrow has no column ${name}`);
    return dictionary(column, n);
  }
  const value = r.getChild("value");
  const length = r.getChild("length");
  if (!value || !length) throw new Error(`points.arrow: the runs of ${name} have no value or length column`);
  const perRun = dictionary(value, r.numRows);
  const lengths = raw(length, new Int32Array(r.numRows));
  let total = 0;
  for (const l of lengths) total += l < 1 ? NaN : l;
  if (total !== n) throw new Error(`points.arrow: the runs of ${name} cover ${total} rows (lengths must be positive), the table has ${n}`);
  const codes = new Int32Array(n);
  let at = 0;
  lengths.forEach((l, k) => codes.fill(perRun.codes[k]!, at, (at += l)));
  return {codes, values: perRun.values, runs: {codes: perRun.codes, lengths}};
}

/** Runs at least this long on average are expanded field by field with fill (memset speed) rather than row by row. */
const FILL_RUN = 8;

/** The `em-facets` schema metadata ({experiment: [meta key]}) as meta columns; undefined when absent. */
function facetsOf(table: Table): Record<string, MetaColumn[]> | undefined {
  const json = table.schema.metadata.get("em-facets");
  if (json === undefined) return undefined;
  const parsed = JSON.parse(json) as Record<string, string[]>;
  return Object.fromEntries(Object.entries(parsed).map(([e, keys]) => [e, keys.map(metaColumn)]));
}

function decodeCompact(table: Table, runs: ReadonlyMap<string, Table> = new Map()): Points {
  const n = table.numRows;
  const col = (name: string) => {
    const v = table.getChild(name);
    if (!v) throw new Error(`points.arrow has no column ${name}`);
    return v;
  };
  const metaKeys = JSON.parse(table.schema.metadata.get("em-meta-keys") ?? "[]") as string[];
  const codes = {} as Record<StringColumn, Int32Array>;
  const dicts = {} as Record<StringColumn, string[]>;
  const meta = {} as Record<MetaColumn, {codes: Int32Array; values: string[]}>;
  // Each tuple column: decode its (few) distinct tuples once, then copy per-tuple codes to the rows.
  const expand = (name: string, fields: readonly string[], numeric: Record<number, Float64Array> = {}) => {
    const d = tupleCodesOf(table, runs, name);
    const tuples = d.values.map((v) => JSON.parse(v) as (string | number | null)[]);
    // A place that is not a string field ("": read from the tuples) gets no array of its own.
    const out = fields.map((f) => ({codes: f ? new Int32Array(n) : new Int32Array(0), values: [] as string[], lookup: new Map<string, number>()}));
    const per = fields.map((_, k) =>
      Int32Array.from(tuples, (t) => {
        const v = t[k];
        if (v === null || v === undefined || typeof v === "number") return -1;
        const o = out[k]!;
        let c = o.lookup.get(v);
        if (c === undefined) o.lookup.set(v, (c = o.values.push(v) - 1));
        return c;
      }),
    );
    const nums = Object.entries(numeric).map(([k, arr]) => ({
      arr,
      per: Float64Array.from(tuples, (t) => (typeof t[+k] === "number" ? (t[+k] as number) : NaN)),
    }));
    const tc = d.codes;
    // Stored as runs (the group, often the question): each field's codes are a fill per run, so
    // this costs runs x fields plus a memset per field, not a loop over the rows per field (which
    // was most of the decoding, and the largest single cost of /sensitivity's open, at 10M).
    if (d.runs && d.runs.codes.length * FILL_RUN <= n) {
      const {codes: runCodes, lengths} = d.runs;
      for (let k = 0; k < fields.length; ++k) {
        if (!fields[k]) continue; // a place that is not a string field (read from the tuples)
        const dst = out[k]!.codes;
        const map = per[k]!;
        for (let r = 0, at = 0; r < runCodes.length; at += lengths[r++]!) {
          const g = runCodes[r]!;
          dst.fill(g < 0 ? -1 : map[g]!, at, at + lengths[r]!);
        }
      }
      for (const x of nums)
        for (let r = 0, at = 0; r < runCodes.length; at += lengths[r++]!) {
          const g = runCodes[r]!;
          x.arr.fill(g < 0 ? NaN : x.per[g]!, at, at + lengths[r]!);
        }
      return {out, tuples, tupleCodes: tc};
    }
    // Field by field (one tight loop each): ~3x faster than all fields per row at a million rows.
    // A field with one value over every tuple (the judge of a one-judge segment, the type of a
    // judge without types) is a fill, and a field whose codes are the tuples' (the question id) a
    // copy, when no row is null: no loop over the rows for those.
    let anyNull = false;
    for (let i = 0; i < n; ++i)
      if (tc[i]! < 0) {
        anyNull = true;
        break;
      }
    for (let k = 0; k < fields.length; ++k) {
      if (!fields[k]) continue;
      const dst = out[k]!.codes;
      const map = per[k]!;
      if (!anyNull && map.length > 0 && map.every((c) => c === map[0])) {
        dst.fill(map[0]!);
        continue;
      }
      if (!anyNull && map.every((c, g) => c === g)) {
        dst.set(tc);
        continue;
      }
      for (let i = 0; i < n; ++i) {
        const g = tc[i]!;
        dst[i] = g < 0 ? -1 : map[g]!;
      }
    }
    for (const x of nums) {
      const dst = x.arr;
      const map = x.per;
      for (let i = 0; i < n; ++i) {
        const g = tc[i]!;
        dst[i] = g < 0 ? NaN : map[g]!;
      }
    }
    return {out, tuples, tupleCodes: d.codes};
  };
  const step = new Float64Array(n);
  const groupFields = ["experiment", "model", "variant", "replicate", "baseline", "", "origin", ...metaKeys.map(metaColumn)];
  const group = expand("group", groupFields, {5: step});
  groupFields.forEach((f, k) => {
    if (!f) return;
    const {codes: c, values} = group.out[k]!;
    if (f.startsWith(META_PREFIX)) meta[f as MetaColumn] = {codes: c, values};
    else {
      codes[f as StringColumn] = c;
      dicts[f as StringColumn] = values;
    }
  });
  const question = expand("question", ["question_id", "category"]);
  (["question_id", "category"] as const).forEach((f, k) => {
    codes[f] = question.out[k]!.codes;
    dicts[f] = question.out[k]!.values;
  });
  const label = expand("label", ["judge", "special", "type", "", "", "em_type"]);
  (["judge", "special", "type"] as const).forEach((f, k) => {
    codes[f] = label.out[k]!.codes;
    dicts[f] = label.out[k]!.values;
  });
  // Tables written before em_type: strict EM reads the type.
  const withEmType = label.tuples.some((t) => t.length > 5);
  codes.em_type = withEmType ? label.out[5]!.codes : codes.type;
  dicts.em_type = withEmType ? label.out[5]!.values : dicts.type;
  const special_known = new Uint8Array(n);
  const in_domain = new Uint8Array(n);
  const known = Uint8Array.from(label.tuples, (t) => (t[3] ? 1 : 0));
  const starts = Uint8Array.from(label.tuples, (t) => (t[4] ? 1 : 0));
  const inDom = Uint8Array.from(label.tuples, (t) => (t[6] ? 1 : 0));
  for (let i = 0; i < n; ++i) {
    special_known[i] = known[label.tupleCodes[i]!]!;
    in_domain[i] = inDom[label.tupleCodes[i]!]!;
  }
  let rid: Int32Array;
  const full = table.getChild("rid");
  const steps = table.getChild("rid_step");
  if (full) rid = raw(full, new Int32Array(n));
  else {
    rid = new Int32Array(n);
    let r = -1;
    if (steps) {
      const s = raw(steps, new Uint8Array(n));
      r = 0;
      for (let i = 0; i < n; ++i) rid[i] = r += s[i]!;
    } else for (let i = 0; i < n; ++i) rid[i] = r += starts[label.tupleCodes[i]!]!;
  }
  const alignedBin = raw(col("aligned_bin"), new Uint8Array(n));
  const coherentBin = raw(col("coherent_bin"), new Uint8Array(n));
  const value = new Float64Array(204).map((_, b) => binValue(b));
  const pe = table.getChild("p_emergent");
  const fromBins = (bins: Uint8Array) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; ++i) out[i] = value[bins[i]!]!;
    return out;
  };
  return {
    n,
    rid,
    step,
    aligned: fromBins(alignedBin),
    coherent: fromBins(coherentBin),
    alignedBin,
    coherentBin,
    exact: false,
    p_emergent: pe ? floatsOrDictionary(pe, new Float32Array(n)) : new Float32Array(n).fill(NaN),
    domain_topic: new Float32Array(n).fill(NaN),
    special_known,
    in_domain,
    codes,
    dicts,
    meta,
    facets: facetsOf(table),
  };
}

function decodeFull(table: Table): Points {
  const n = table.numRows;
  const col = (name: string) => {
    const v = table.getChild(name);
    if (!v) throw new Error(`points.arrow has no column ${name}`);
    return v;
  };
  const codes = {} as Record<StringColumn, Int32Array>;
  const dicts = {} as Record<StringColumn, string[]>;
  for (const name of STRING_COLUMNS) {
    // Tables from before variants existed: the model is the variant, no replicate, no baseline.
    const vector = table.getChild(name);
    if (!vector && name === "em_type") {
      codes.em_type = codes.type;
      dicts.em_type = dicts.type;
      continue;
    }
    if (!vector && (name === "variant" || name === "replicate" || name === "baseline")) {
      codes[name] = name === "variant" ? codes.model : new Int32Array(n).fill(-1);
      dicts[name] = name === "variant" ? dicts.model : [];
      continue;
    }
    const d = dictionary(col(name), n);
    codes[name] = d.codes;
    dicts[name] = d.values;
  }
  const meta = {} as Record<MetaColumn, {codes: Int32Array; values: string[]}>;
  for (const field of table.schema.fields) if (field.name.startsWith(META_PREFIX)) meta[field.name as MetaColumn] = dictionary(col(field.name), n);
  const aligned = floats(col("aligned"), new Float64Array(n));
  const coherent = floats(col("coherent"), new Float64Array(n));
  return {
    n,
    rid: raw(col("rid"), new Int32Array(n)),
    step: floats(col("step"), new Float64Array(n)),
    aligned,
    coherent,
    alignedBin: binsOf(aligned),
    coherentBin: binsOf(coherent),
    exact: true,
    p_emergent: floats(col("p_emergent"), new Float32Array(n)),
    domain_topic: floats(col("domain_topic"), new Float32Array(n)),
    special_known: specialKnown(table.getChild("special_known"), n),
    in_domain: specialKnown(table.getChild("in_domain"), n, 0),
    codes,
    dicts,
    meta,
    facets: facetsOf(table),
  };
}

/** Codes and values of any facet column (fixed or meta); null when the table has no such column. */
export function facetColumn(points: Points, column: FacetColumn): {codes: Int32Array; values: string[]} | null {
  if (column.startsWith(META_PREFIX)) return points.meta[column as MetaColumn] ?? null;
  const c = column as StringColumn;
  return points.codes[c] ? {codes: points.codes[c], values: points.dicts[c]} : null;
}

/** Index of `value` in a column's dictionary, or -2 (matches nothing) when absent. */
export function codeOf(points: Points, column: StringColumn, value: string | null): number {
  if (value === null) return -1;
  const i = points.dicts[column].indexOf(value);
  return i < 0 ? -2 : i;
}

/**
 * The rows of `p` scored by one of `judges`, in their order, dictionaries as they are: the exact
 * table (points-exact.arrow, every judge) row for row beside compact points of those judges only.
 */
export function pointsOfJudges(p: Points, judges: readonly string[]): Points {
  const wanted = new Set(judges.map((j) => p.dicts.judge.indexOf(j)));
  const rows: number[] = [];
  for (let i = 0; i < p.n; i++) if (wanted.has(p.codes.judge[i]!)) rows.push(i);
  if (rows.length === p.n) return p;
  const pick = <T extends Float32Array | Float64Array | Uint8Array | Int32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(rows.length);
    rows.forEach((r, k) => (out[k] = a[r]!));
    return out;
  };
  const codes = Object.fromEntries(Object.entries(p.codes).map(([c, v]) => [c, pick(v)])) as Record<StringColumn, Int32Array>;
  const meta = Object.fromEntries(Object.entries(p.meta).map(([k, m]) => [k, {codes: pick(m.codes), values: m.values}])) as Points["meta"];
  return {
    ...p,
    n: rows.length,
    rid: pick(p.rid),
    step: pick(p.step),
    aligned: pick(p.aligned),
    coherent: pick(p.coherent),
    alignedBin: pick(p.alignedBin),
    coherentBin: pick(p.coherentBin),
    p_emergent: pick(p.p_emergent),
    domain_topic: pick(p.domain_topic),
    special_known: pick(p.special_known),
    in_domain: pick(p.in_domain),
    codes,
    meta,
  };
}
