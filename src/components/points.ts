// Decode points.arrow (see loaders/site-tables.ts) into plain typed arrays: the per-frame path of
// every chart works on these, never on DuckDB (a threshold change must be a lookup, not a query).
// The columns and their kinds are declared once, in src/lib/site-schema.ts (the loader writes them).
import {tableFromIPC, type Vector} from "apache-arrow";
import {META_PREFIX, POINTS_STRING_COLUMNS, type PointsStringColumn} from "../lib/site-schema.js";

export const STRING_COLUMNS = POINTS_STRING_COLUMNS;
export type StringColumn = PointsStringColumn;
/** A meta facet column of points.arrow (`meta.<key>`, see facetMetaKeys in loaders/site-tables.ts). */
export type MetaColumn = `meta.${string}`;
/** Any string column a view can group or facet by. */
export type FacetColumn = StringColumn | MetaColumn;

export interface Points {
  n: number;
  /** Row index into texts.arrow. */
  rid: Int32Array;
  /** Training coordinate; NaN when absent. */
  step: Float64Array;
  /** Judge scores 0..100; NaN when null. */
  aligned: Float64Array;
  coherent: Float64Array;
  /** Probability the response is an emergent-persona answer (type judge); NaN when unknown. */
  p_emergent: Float32Array;
  /** Score of the model's training-domain topic metric; NaN when unknown. */
  domain_topic: Float32Array;
  /** 1 when the row's source records CODE / REFUSAL (not a plain imported number). */
  special_known: Uint8Array;
  /** Dictionary codes per string column; -1 = null. */
  codes: Record<StringColumn, Int32Array>;
  /** Dictionary values per string column. */
  dicts: Record<StringColumn, string[]>;
  /** Meta facet columns (`meta.<key>`): codes and values, like `codes` / `dicts`. */
  meta: Record<MetaColumn, {codes: Int32Array; values: string[]}>;
}

function floats<T extends Float32Array | Float64Array>(vector: Vector, out: T): T {
  let offset = 0;
  for (const data of vector.data) {
    const values = data.values as Float32Array | Float64Array;
    for (let i = 0; i < data.length; ++i) out[offset + i] = data.getValid(i) ? values[i]! : NaN;
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
    for (let i = 0; i < data.length; ++i) codes[offset + i] = data.getValid(i) ? local[keys[i]!]! : -1;
    offset += data.length;
  }
  return {codes, values};
}

/** The special_known flags (all 1 in tables written before the column existed). */
function specialKnown(vector: Vector | null, n: number): Uint8Array {
  const out = new Uint8Array(n).fill(1);
  if (!vector) return out;
  let offset = 0;
  for (const data of vector.data) {
    const values = data.values as Int8Array;
    for (let i = 0; i < data.length; ++i) out[offset + i] = values[i] ? 1 : 0;
    offset += data.length;
  }
  return out;
}

/** Decode the bytes of points.arrow. */
export function decodePoints(bytes: ArrayBuffer | Uint8Array): Points {
  const table = tableFromIPC(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
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
  const rid = new Int32Array(n);
  let offset = 0;
  for (const data of col("rid").data) {
    rid.set((data.values as Int32Array).subarray(0, data.length), offset);
    offset += data.length;
  }
  return {
    n,
    rid,
    step: floats(col("step"), new Float64Array(n)),
    aligned: floats(col("aligned"), new Float64Array(n)),
    coherent: floats(col("coherent"), new Float64Array(n)),
    p_emergent: floats(col("p_emergent"), new Float32Array(n)),
    domain_topic: floats(col("domain_topic"), new Float32Array(n)),
    special_known: specialKnown(table.getChild("special_known"), n),
    codes,
    dicts,
    meta,
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
