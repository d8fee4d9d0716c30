// The site's text tables, written for reading by byte range (issue 13: the responses page used to
// download every answer, 437 MB at a million responses):
//  - texts.parquet: one row per response, row index = `rid` of points.arrow (so row r is response
//    r); large row groups (a small footer) cut into small data pages with an offset index, so a
//    reader fetches the one page that holds a row (hyparquet `useOffsetIndex`).
//  - details.parquet: every score and type row, sorted by rid, with a column index on rid so a
//    reader fetches the pages of one response (hyparquet `filter` + `usePageIndex`).
//  - ids.parquet: (response_id, rid) sorted by response_id, for the few lookups by id (labels kept
//    in a browser are keyed by response id).
//  - search.bin: the word index of answers and questions (src/lib/text-search.ts).
// Standard Parquet (snappy, which hyparquet reads with no extra codec), usable by DuckDB, pandas
// or Polars outside the site. Each file is written row group by row group to an output callback,
// so no whole file (and no row object per detail row) is held in memory. Pages are encoded by
// hyparquet-writer and compressed by the native `snappy` package (raw snappy blocks, what any
// reader decodes; hyparquet-writer's own JavaScript snappy was ~12% of the texts writer's CPU).
// `snappy` is loaded here only: without its prebuilt binary (`npm install --omit=optional`, a
// platform it has none for) pages go to hyparquet-writer's JavaScript snappy (same decoded content).
import {createRequire} from "node:module";
import {ByteWriter, ParquetWriter} from "hyparquet-writer";
import type {BasicType, ColumnSource, Writer} from "hyparquet-writer/src/types.js";
import {schemaFromColumnData} from "hyparquet-writer";
import {judgeInjection} from "../src/lib/signals.ts";
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../src/lib/schema.ts";
import {
  DETAILS_COLUMNS,
  DETAIL_TYPE_METRIC,
  TEXTS_COLUMNS,
  isCoreMetric,
  type ColumnKind,
  type DetailsColumn,
  type TextsColumn,
} from "../src/lib/site-schema.ts";

/** The pipeline's rows a site table is written from. */
export interface SiteInput {
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  signals?: SignalRow[];
}
import {PostingsBuilder, tokenize, wordList} from "../src/lib/text-search.ts";

/** Rows per row group of texts.parquet: few groups keep the footer small (the offset index locates pages). */
export const TEXTS_GROUP_ROWS = 16384;
/** Target uncompressed data page size: about 40 answers of 300 characters, what one row read costs. */
export const TEXTS_PAGE_BYTES = 12 * 1024;
export const DETAILS_GROUP_ROWS = 32768;
export const DETAILS_PAGE_BYTES = 8 * 1024;
export const IDS_GROUP_ROWS = 65536;
export const IDS_PAGE_BYTES = 8 * 1024;

export type Sink = (chunk: Uint8Array) => void;

/** A hyparquet-writer Writer that hands its bytes to `sink` after every row group. */
function sinkWriter(sink: Sink): Writer {
  const writer = new ByteWriter(1 << 20) as unknown as Writer & {index: number};
  const flush = () => {
    if (writer.index) sink(new Uint8Array(writer.buffer, 0, writer.index).slice());
    writer.index = 0;
  };
  writer.flush = flush;
  writer.finish = flush;
  return writer;
}

const PARQUET_TYPE: Record<ColumnKind, BasicType> = {dict: "STRING", utf8: "STRING", f64: "DOUBLE", f32: "FLOAT", i32: "INT32", i8: "INT32", u8: "INT32"};

type Compress = (page: Uint8Array) => Uint8Array;

/** Why the native snappy could not be loaded (its error's first line); "" when it was. */
let nativeSnappyError = "";
let fallbackNoted = false;
/** The native compressor once looked for (null: not available); undefined: not looked for yet. */
let nativeSnappy: Compress | null | undefined;

/**
 * Snappy compression of one page (raw block format, as Parquet stores it) by the native library, or
 * null when it cannot be loaded (why: `nativeSnappyError`). Loaded at the first page this process
 * compresses, not when this module is imported: a process that imports it and writes no page (a
 * loader that prints a file already written) never loads the native binary. `require`, not
 * `import()`: the writers are synchronous, and `snappy` is a CommonJS package.
 */
function loadNativeSnappy(): Compress | null {
  if (nativeSnappy !== undefined) return nativeSnappy;
  try {
    const {compressSync} = createRequire(import.meta.url)("snappy") as typeof import("snappy");
    nativeSnappy = (page: Uint8Array) => {
      const out = compressSync(Buffer.from(page.buffer, page.byteOffset, page.byteLength));
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    };
  } catch (e) {
    nativeSnappyError = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    nativeSnappy = null;
  }
  return nativeSnappy;
}

/** The writer's compressors: the native snappy, or none (hyparquet-writer's own snappy), said once on stderr. */
function compressors(): {SNAPPY: Compress} | undefined {
  const native = loadNativeSnappy();
  if (native) return {SNAPPY: native};
  if (!fallbackNoted) {
    fallbackNoted = true;
    process.stderr.write(
      `note: the native snappy package is not available (${nativeSnappyError}); Parquet pages are compressed by hyparquet-writer's JavaScript snappy (same content, slower)\n`,
    );
  }
  return undefined;
}

/** Column sources of one slice, typed by the site schema. */
function sources<K extends string>(
  spec: Record<K, ColumnKind>,
  cols: Record<K, unknown[]>,
  extra: Partial<Record<K, Partial<ColumnSource>>> = {},
): ColumnSource[] {
  return (Object.keys(spec) as K[]).map((name) => ({name, data: cols[name], type: PARQUET_TYPE[spec[name]], nullable: true, ...extra[name]}));
}

/**
 * A Parquet file written row group by row group: `add` one slice (one row group; the first, possibly
 * empty, gives the schema), then `finish`. Shared by the writers here (rows in memory) and
 * loaders/site-texts-duckdb.ts (rows streamed from a dataset folder), so both write the same bytes.
 */
export function parquetStream(sink: Sink, pageSize: number, kv: Record<string, string>): {add(columnData: ColumnSource[]): void; finish(): void} {
  let writer: ParquetWriter | null = null;
  return {
    add(columnData) {
      writer ??= new ParquetWriter({
        writer: sinkWriter(sink),
        schema: schemaFromColumnData({columnData}),
        compressors: compressors(),
        statisticsTruncateLength: Number.POSITIVE_INFINITY,
        kvMetadata: Object.entries(kv).map(([key, value]) => ({key, value})),
      });
      const rows = columnData[0]?.data.length ?? 0;
      if (rows) void writer.write({columnData, rowGroupSize: rows, pageSize});
    },
    finish() {
      if (!writer) throw new Error("writeParquet needs at least one slice (possibly empty) for the schema");
      writer.finish();
    },
  };
}

/** Write `slices` (each one row group) as one Parquet file. */
function writeParquet(sink: Sink, slices: Iterable<ColumnSource[]>, pageSize: number, kv: Record<string, string>): void {
  const out = parquetStream(sink, pageSize, kv);
  for (const columnData of slices) out.add(columnData);
  out.finish();
}

function textsSlice(r: readonly ResponseRow[], start: number, end: number): Record<TextsColumn, unknown[]> {
  return textsColumns(r.slice(start, end), start);
}

/** The texts columns of consecutive responses `s`, the first of which is row `firstRid`. */
export function textsColumns(s: readonly ResponseRow[], firstRid: number): Record<TextsColumn, unknown[]> {
  return {
    rid: s.map((_, i) => firstRid + i),
    response_id: s.map((x) => x.response_id),
    experiment: s.map((x) => x.experiment),
    model: s.map((x) => x.model),
    step: s.map((x) => x.step),
    question_id: s.map((x) => x.question_id),
    category: s.map((x) => x.category),
    question: s.map((x) => x.question),
    system: s.map((x) => x.system),
    paraphrase: s.map((x) => x.paraphrase),
    sample: s.map((x) => x.sample),
    origin: s.map((x) => x.origin),
    source: s.map((x) => x.source),
    response: s.map((x) => x.response),
    meta: s.map((x) => JSON.stringify(x.meta)),
    injection: s.map((x) => judgeInjection(x.response)),
  };
}

/**
 * Per-row values are written PLAIN, never as a dictionary: a reader of one row would otherwise
 * fetch and decode the chunk's whole dictionary page (measured: 57 KB and ~15 ms per answer on
 * synthetic data whose answers repeat).
 */
const PLAIN: Partial<ColumnSource> = {encoding: "PLAIN"};

/**
 * No column chunk statistics in texts.parquet: rows are found by index (the offset index), never by
 * value, and each chunk's min and max (kept whole: statisticsTruncateLength) put two answers per
 * column and row group in the footer the browser reads first. Computing them was ~3% of the writer.
 */
const NO_STATS: Partial<ColumnSource> = {statistics: false};

/** texts.parquet's column sources of one row group, and its file metadata. */
export const textsGroup = (cols: Record<TextsColumn, unknown[]>): ColumnSource[] =>
  sources(
    TEXTS_COLUMNS,
    cols,
    Object.fromEntries(
      (Object.keys(TEXTS_COLUMNS) as TextsColumn[]).map((c) => [
        c,
        c === "response_id" || c === "response" || c === "meta" ? {...PLAIN, ...NO_STATS} : NO_STATS,
      ]),
    ) as Partial<Record<TextsColumn, Partial<ColumnSource>>>,
  );
export const TEXTS_KV = {"em.table": "texts", "em.order": "rid (row index = rid)"};

/** texts.parquet: one row per response, row index = rid. */
export function writeTexts(input: SiteInput, sink: Sink): void {
  const r = input.responses;
  function* slices() {
    yield textsGroup(textsSlice(r, 0, Math.min(r.length, TEXTS_GROUP_ROWS)));
    for (let start = TEXTS_GROUP_ROWS; start < r.length; start += TEXTS_GROUP_ROWS)
      yield textsGroup(textsSlice(r, start, Math.min(r.length, start + TEXTS_GROUP_ROWS)));
  }
  writeParquet(sink, slices(), TEXTS_PAGE_BYTES, TEXTS_KV);
}

/**
 * Probabilities kept for the detail view: tokens with p >= 0.001, rounded to 4 decimals (the file
 * stays small). The JSON is built directly (same text as JSON.stringify of the kept entries, in the
 * same key order), with no object per row: this was most of details.parquet's build time. Not
 * memoised: a cache per probability object held a string per score row (+1.7 GB at 1M).
 */
export function compactProbs(probs: Record<string, number>): string {
  let out = "{";
  for (const token in probs) {
    const p = probs[token]!;
    if (!(p >= 0.001)) continue;
    if (out.length > 1) out += ",";
    out += `${JSON.stringify(token)}:${JSON.stringify(Math.round(p * 1e4) / 1e4)}`;
  }
  return `${out}}`;
}

/**
 * details.parquet: every score and type row, sorted by rid (score rows first, in input order, then
 * type rows). Probabilities are kept for the core metrics and type rows, the ones the detail view
 * draws; topic-metric rows keep score and mass only. Sorted with a counting sort over rids (two
 * Int32Arrays), then written slice by slice: no object per row, no whole column in memory.
 */
export function writeDetails(input: SiteInput, sink: Sink): void {
  const index = new Map(input.responses.map((r, i) => [r.response_id, i]));
  const nScores = input.scores.length;
  const n = nScores + input.types.length;
  const ridOf = new Int32Array(n).fill(-1);
  const start = new Int32Array(input.responses.length + 1);
  for (let k = 0; k < n; k++) {
    const id = k < nScores ? input.scores[k]!.response_id : input.types[k - nScores]!.response_id;
    const r = index.get(id);
    if (r === undefined) continue;
    ridOf[k] = r;
    start[r + 1]!++;
  }
  for (let r = 0; r < input.responses.length; r++) start[r + 1]! += start[r]!;
  const total = start[input.responses.length]!;
  const order = new Int32Array(total);
  const fill = start.slice(0, input.responses.length);
  for (let k = 0; k < n; k++) if (ridOf[k]! >= 0) order[fill[ridOf[k]!]!++] = k;
  const slice = (from: number, to: number): Record<DetailsColumn, unknown[]> => {
    const cols: Record<DetailsColumn, unknown[]> = {rid: [], judge: [], metric: [], score: [], mass: [], label: [], status: [], probs: []};
    for (let j = from; j < to; j++) {
      const k = order[j]!;
      cols.rid.push(ridOf[k]);
      if (k < nScores) {
        const s = input.scores[k]!;
        cols.judge.push(s.judge);
        cols.metric.push(s.metric);
        cols.score.push(s.score);
        cols.mass.push(s.mass);
        cols.label.push(s.special);
        cols.status.push(s.status);
        cols.probs.push(s.probs && isCoreMetric(s.metric) ? compactProbs(s.probs) : "");
      } else {
        const t = input.types[k - nScores]!;
        cols.judge.push(t.judge);
        cols.metric.push(DETAIL_TYPE_METRIC);
        cols.score.push(null);
        cols.mass.push(null);
        cols.label.push(t.type);
        cols.status.push("ok");
        cols.probs.push(compactProbs(t.probs));
      }
    }
    return cols;
  };
  function* slices() {
    yield detailsGroup(slice(0, Math.min(total, DETAILS_GROUP_ROWS)));
    for (let from = DETAILS_GROUP_ROWS; from < total; from += DETAILS_GROUP_ROWS) yield detailsGroup(slice(from, Math.min(total, from + DETAILS_GROUP_ROWS)));
  }
  writeParquet(sink, slices(), DETAILS_PAGE_BYTES, DETAILS_KV);
}

/** details.parquet's column sources of one row group (the column index on rid lets a reader skip to the pages of one response). */
export const detailsGroup = (cols: Record<DetailsColumn, unknown[]>): ColumnSource[] => sources(DETAILS_COLUMNS, cols, {rid: {columnIndex: true}});
export const DETAILS_KV = {"em.table": "details", "em.order": "rid"};

/** ids.parquet: (response_id, rid) sorted by response_id, with a column index for lookups by id. */
export function writeIds(input: SiteInput, sink: Sink): void {
  writeIdsOf(
    input.responses.map((r) => r.response_id),
    sink,
  );
}

/** ids.parquet from the response ids in row order (index = rid). */
function writeIdsOf(ids: readonly string[], sink: Sink): void {
  const order = Int32Array.from(ids, (_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b));
  const slice = (from: number, to: number) => {
    const rids = Array.from(order.subarray(from, to));
    return idsGroup(
      rids.map((r) => ids[r]!),
      rids,
    );
  };
  function* slices() {
    yield slice(0, Math.min(order.length, IDS_GROUP_ROWS));
    for (let from = IDS_GROUP_ROWS; from < order.length; from += IDS_GROUP_ROWS) yield slice(from, Math.min(order.length, from + IDS_GROUP_ROWS));
  }
  writeParquet(sink, slices(), IDS_PAGE_BYTES, IDS_KV);
}

/** ids.parquet's column sources of one row group (ids in order, their rids), and its file metadata. */
export const idsGroup = (ids: readonly string[], rids: readonly number[]): ColumnSource[] =>
  sources({response_id: "utf8", rid: "i32"} as const, {response_id: ids as unknown[], rid: rids as unknown[]}, {response_id: {columnIndex: true, ...PLAIN}});
export const IDS_KV = {"em.table": "ids", "em.order": "response_id"};

/** search.bin: the word index of every answer and its question (src/lib/text-search.ts). */
export function writeSearchIndex(input: SiteInput, sink: Sink): void {
  const index = searchIndexer();
  input.responses.forEach((r, rid) => index.add(rid, r.response, r.question));
  index.finish(input.responses.length, sink);
}

/** search.bin built response by response (rids in increasing order), then written with `finish`. */
export function searchIndexer(): {add(rid: number, response: string, question: string): void; finish(rows: number, sink: Sink): void} {
  const builder = new PostingsBuilder();
  // A question repeats across its samples: tokenize each distinct question once.
  const questionWords = new Map<string, string[]>();
  return {
    // The answer's words, repeats included, then the question's: the builder keeps one posting per
    // word and rid (a repeat of the rid it just added is skipped), so no set of words per answer.
    add(rid, response, question) {
      let q = questionWords.get(question);
      if (!q) questionWords.set(question, (q = [...tokenize(question)]));
      builder.add(rid, wordList(response));
      builder.add(rid, q);
    },
    finish(rows, sink) {
      builder.rows = rows;
      for (const chunk of builder.finish()) sink(chunk);
    },
  };
}

/** The chunks one after another, in one new array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A whole file in memory (tests, benchmarks). */
export function collect(write: (input: SiteInput, sink: Sink) => void, input: SiteInput): Uint8Array {
  const chunks: Uint8Array[] = [];
  write(input, (c) => chunks.push(c));
  return concatBytes(chunks);
}
