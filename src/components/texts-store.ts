// Answer texts, score details, response ids and the word index, read by HTTP range requests from
// the files loaders/site-texts.ts writes (texts.parquet, details.parquet, ids.parquet, search.bin).
// A page downloads only the rows it shows: the Parquet footer once, then for each row the data
// page that holds it (hyparquet with the offset index). Rows read are kept, so getters are sync
// after `load`.
import {cachedAsyncBuffer, parquetMetadataAsync, parquetRead, parquetReadObjects, type AsyncBuffer, type FileMetaData} from "hyparquet";
import {DETAILS_COLUMNS, TEXTS_COLUMNS, type DetailsColumn, type TextsColumn} from "../lib/site-schema.js";
import {
  decodePostings,
  intersectSorted,
  matchRun,
  postingsRange,
  queryWords,
  readDirectory,
  shardHeaderRange,
  shardPostingsStart,
  shardsFor,
  unionSorted,
  type SearchHeader,
} from "../lib/text-search.js";

export interface ParquetFile {
  file: AsyncBuffer;
  metadata: FileMetaData;
  /** First row of each row group, and the total row count at the end. */
  groupStarts: number[];
}

/** The first read of a file: its last TAIL bytes (a Parquet footer, typically), which also tell its size. */
const TAIL = 1 << 16;

/**
 * A file read by range with no HEAD request: the first request asks for the last TAIL bytes
 * (`Range: bytes=-TAIL`), whose Content-Range gives the size; later reads ask for what they need.
 * A server that ignores ranges answers 200 with the whole file, which is then sliced.
 */
export async function rangeFile(url: string): Promise<AsyncBuffer> {
  const res = await fetch(url, {headers: {Range: `bytes=-${TAIL}`}});
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const tail = await res.arrayBuffer();
  if (res.status !== 206) return {byteLength: tail.byteLength, slice: (start, end) => tail.slice(start, end)};
  const size = Number(/\/(\d+)$/.exec(res.headers.get("content-range") ?? "")?.[1]);
  if (!Number.isFinite(size)) throw new Error(`${url}: no size in Content-Range`);
  const tailStart = size - tail.byteLength;
  return {
    byteLength: size,
    async slice(start, end = size) {
      if (start >= tailStart) return tail.slice(start - tailStart, end - tailStart);
      return (await fetchRange(url, start, end)).slice().buffer;
    },
  };
}

/** Open a Parquet file by URL: one read of its end (the footer, when it fits in TAIL bytes). */
export async function openParquet(url: string, required: readonly string[] = []): Promise<ParquetFile> {
  const file = cachedAsyncBuffer(await rangeFile(url), {minSize: 0});
  const metadata = await parquetMetadataAsync(file, {initialFetchSize: TAIL});
  const names = new Set(metadata.schema.slice(1).map((s) => s.name));
  for (const name of required) if (!names.has(name)) throw new Error(`${url}: no column ${name} (src/lib/site-schema.ts)`);
  const groupStarts = [0];
  for (const g of metadata.row_groups) groupStarts.push(groupStarts.at(-1)! + Number(g.num_rows));
  return {file, metadata, groupStarts};
}

/**
 * details.parquet opened once per page and URL: the list's exact scores (openExactScores, at once)
 * and the first detail (openDetails, on a click) share its footer and the byte ranges already read,
 * so the first click fetches no footer again. A failed open is forgotten (the next call retries).
 */
function openDetailsFile(url: string): Promise<ParquetFile> {
  let p = detailsFiles.get(url);
  if (!p) {
    p = openParquet(url, Object.keys(DETAILS_COLUMNS));
    detailsFiles.set(url, p);
    p.catch(() => detailsFiles.delete(url));
  }
  return p;
}
const detailsFiles = new Map<string, Promise<ParquetFile>>();

/** Runs of consecutive values in sorted distinct `xs`, as [start, end) pairs. */
function runs(xs: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of xs) {
    const last = out.at(-1);
    if (last && last[1] === x) last[1] = x + 1;
    else out.push([x, x + 1]);
  }
  return out;
}

/** Above this many rows a load reads whole row groups (column chunks) instead of single pages. */
const PAGE_READ_MAX = 2000;

export interface Texts {
  /** Fetch `columns` of the rows `rids` (those not fetched yet); then the getters answer for them. */
  load(rids: Iterable<number>, columns: readonly TextsColumn[]): Promise<void>;
  response(rid: number): string;
  question(rid: number): string;
  /** The phrase by which the answer addresses its judge (computed at build), or null. */
  injection(rid: number): string | null;
  get(rid: number, column: TextsColumn): unknown;
  /** One whole column, every row (read once, column chunk by column chunk). */
  column(column: TextsColumn): Promise<unknown[]>;
  /** Number of responses (rows of texts.parquet). */
  rows: number;
}

/** texts.parquet, row index = rid. */
export async function openTexts(url: string): Promise<Texts> {
  const pq = await openParquet(url, Object.keys(TEXTS_COLUMNS));
  const cache = new Map<TextsColumn, Map<number, unknown>>();
  const columns = new Map<TextsColumn, Promise<unknown[]>>();
  const rows = pq.groupStarts.at(-1)!;
  const cached = (c: TextsColumn) => cache.get(c) ?? cache.set(c, new Map()).get(c)!;
  // Whole columns (Texts.column) stay arrays: a Map entry per row would cost ~50 MB at a million.
  const full = new Map<TextsColumn, unknown[]>();
  const get = (rid: number, c: TextsColumn) => (full.has(c) ? full.get(c)![rid] : cache.get(c)?.get(rid));
  return {
    rows,
    get,
    response: (rid) => String(get(rid, "response") ?? ""),
    question: (rid) => String(get(rid, "question") ?? ""),
    injection: (rid) => (get(rid, "injection") as string | null | undefined) ?? null,
    async load(rids, cols) {
      const want = cols.filter((c) => c !== "rid");
      const missing = [...new Set(rids)].filter((r) => r >= 0 && r < rows && want.some((c) => !full.has(c) && !cached(c).has(r))).sort((a, b) => a - b);
      if (!missing.length) return;
      const ranges: [number, number][] =
        missing.length <= PAGE_READ_MAX
          ? runs(missing)
          : // Many rows: whole row groups, each read once.
            [...new Set(missing.map((r) => pq.groupStarts.findLastIndex((s) => s <= r)))].map((g) => [pq.groupStarts[g]!, pq.groupStarts[g + 1]!]);
      await Promise.all(
        ranges.map(async ([rowStart, rowEnd]) => {
          const got = await parquetReadObjects({
            file: pq.file,
            metadata: pq.metadata,
            rowStart,
            rowEnd,
            columns: want,
            useOffsetIndex: missing.length <= PAGE_READ_MAX,
          });
          got.forEach((row, k) => {
            for (const c of want) cached(c).set(rowStart + k, row[c] ?? null);
          });
        }),
      );
    },
    column(c) {
      let p = columns.get(c);
      if (!p) {
        const out: unknown[] = new Array(rows).fill(null);
        // onChunk hands over decoded column chunks without building a row object per row.
        p = parquetRead({
          file: pq.file,
          metadata: pq.metadata,
          columns: [c],
          onChunk: ({columnData, rowStart}) => {
            for (let k = 0; k < columnData.length; k++) out[rowStart + k] = columnData[k] ?? null;
          },
        }).then(() => {
          full.set(c, out);
          cache.delete(c);
          return out;
        });
        columns.set(c, p);
      }
      return p;
    },
  };
}

export interface Detail {
  judge: string;
  metric: string;
  score: number | null;
  mass: number | null;
  label: string | null;
  status: string;
  probs: Record<string, number> | null;
}

/** details.parquet: the score and type rows of one response, read by its pages (column index on rid). */
export async function openDetails(url: string): Promise<(rid: number) => Promise<Detail[]>> {
  const pq = await openDetailsFile(url);
  return async (rid) => {
    const rows = await parquetReadObjects({
      file: pq.file,
      metadata: pq.metadata,
      filter: {rid: {$eq: rid}},
      usePageIndex: true,
      useOffsetIndex: true,
      rowFormat: "object",
    });
    return rows.map((r) => {
      const v = (c: DetailsColumn) => r[c] ?? null;
      const probs = v("probs") as string | null;
      return {
        judge: String(v("judge")),
        metric: String(v("metric")),
        score: v("score") as number | null,
        mass: v("mass") as number | null,
        label: v("label") as string | null,
        status: String(v("status")),
        probs: probs ? (JSON.parse(probs) as Record<string, number>) : null,
      };
    });
  };
}

/** Exact aligned / coherent scores per (rid, judge), read from details.parquet for the rows asked. */
export interface ExactScores {
  /** Fetch the score rows of `rids` not fetched yet (the pages of details.parquet holding them). */
  load(rids: Iterable<number>): Promise<void>;
  /** Whether the score rows of `rid` have been fetched (it may have none). */
  has(rid: number): boolean;
  /**
   * The exact score of `metric` ("aligned" or "coherent") given by `judge` to response `rid`: a
   * number, null when the judge gave no score (CODE, REFUSAL, too little mass on numbers), or
   * undefined when the rows of `rid` are not loaded or hold no such row.
   */
  get(rid: number, judge: string, metric: string): number | null | undefined;
}

/**
 * details.parquet, score columns only (rid, judge, metric, score): the exact scores of the rows a
 * list shows, by range (the column index on rid picks the pages), no probabilities decoded.
 */
export async function openExactScores(url: string): Promise<ExactScores> {
  const pq = await openDetailsFile(url);
  // rid -> "judge\u0000metric" -> score (the first row of each, as points.arrow takes it).
  const seen = new Map<number, Map<string, number | null>>();
  return {
    async load(rids) {
      const want = [...new Set(rids)].filter((r) => !seen.has(r));
      if (!want.length) return;
      const rows = await parquetReadObjects({
        file: pq.file,
        metadata: pq.metadata,
        columns: ["rid", "judge", "metric", "score"],
        filter: {rid: {$in: want}},
        usePageIndex: true,
        useOffsetIndex: true,
        rowFormat: "object",
      });
      for (const r of want) seen.set(r, new Map());
      for (const row of rows) {
        const m = seen.get(Number(row.rid));
        const key = `${String(row.judge)}\u0000${String(row.metric)}`;
        if (m && !m.has(key)) m.set(key, (row.score as number | null) ?? null);
      }
    },
    has: (rid) => seen.has(rid),
    get(rid, judge, metric) {
      return seen.get(rid)?.get(`${judge}\u0000${metric}`);
    },
  };
}

/** ids.parquet: response id -> rid for the given ids (the pages whose id range holds them). */
export async function openIds(url: string): Promise<(ids: readonly string[]) => Promise<Map<string, number>>> {
  const pq = await openParquet(url, ["response_id", "rid"]);
  return async (ids) => {
    const out = new Map<string, number>();
    if (!ids.length) return out;
    const rows = await parquetReadObjects({
      file: pq.file,
      metadata: pq.metadata,
      filter: {response_id: {$in: [...new Set(ids)]}},
      usePageIndex: true,
      useOffsetIndex: true,
      rowFormat: "object",
    });
    for (const r of rows) out.set(String(r.response_id), Number(r.rid));
    return out;
  };
}

async function fetchRange(url: string, start: number, end: number): Promise<Uint8Array> {
  if (end <= start) return new Uint8Array(0);
  const res = await fetch(url, {headers: {Range: `bytes=${start}-${end - 1}`}});
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // A server without range support sends the whole file (200): cut the range out of it.
  return res.status === 206 ? bytes : bytes.subarray(start, end);
}

export interface SearchIndex {
  rows: number;
  /**
   * The rids of the answers matching every word of `q`, ascending, without repeats; null when `q`
   * has no word. The array may be shared with later calls (a word's own list): do not modify it.
   */
  hits(q: string): Promise<Int32Array | null>;
  /** The same as a 0/1 mark per rid (rows of them). */
  match(q: string): Promise<Uint8Array | null>;
  /** Read the headers of the shards `q`'s words fall in, not their postings (a search being typed). */
  warm(q: string): Promise<void>;
}

/** First read of search.bin: its magic and directory when they fit (a directory entry is ~60 bytes per shard). */
const SEARCH_HEAD = 1 << 14;
/** Query words whose rid lists are kept (the most recent), so retyping a word reads and decodes nothing. */
const WORDS_KEPT = 64;

/**
 * search.bin (src/lib/text-search.ts): its directory when opened, then per query word the header of
 * each shard the word falls in (once per shard) and the postings of the tokens it matches: the index
 * is read by the shards the searches touch, never whole. A word's rids are a typed list (no mark per
 * row: a word found in a few answers costs those, not the rows); a query's are the intersection of
 * its words' lists from the shortest.
 */
export async function openSearch(url: string): Promise<SearchIndex> {
  const read = (head: Uint8Array) => {
    try {
      return readDirectory(head);
    } catch (e) {
      throw new Error(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  let head = await fetchRange(url, 0, SEARCH_HEAD);
  let dir = read(head);
  if ("need" in dir) {
    head = await fetchRange(url, 0, dir.need);
    dir = read(head);
    if ("need" in dir) throw new Error(`${url}: search index directory cut short (${head.length} of ${dir.need} bytes)`);
  }
  const {rows, shards} = dir;
  const headers = new Map<number, Promise<SearchHeader>>();
  const shardHeader = (k: number) => {
    let p = headers.get(k);
    if (!p) {
      const [start, end] = shardHeaderRange(shards[k]!);
      p = fetchRange(url, start, end).then((b) => JSON.parse(new TextDecoder().decode(b)) as SearchHeader);
      headers.set(k, p);
    }
    return p;
  };
  const kept = new Map<string, Promise<Int32Array>>();
  const wordHits = (word: string) => {
    let p = kept.get(word);
    if (p) {
      kept.delete(word);
      kept.set(word, p);
      return p;
    }
    p = Promise.all(
      shardsFor(dir, word).map(async (k) => {
        const header = await shardHeader(k);
        const run = matchRun(header, word);
        const [start, end] = postingsRange(header, run);
        const base = shardPostingsStart(shards[k]!);
        const bytes = await fetchRange(url, base + start, base + end);
        // Each token's list is decoded on its own: gaps restart at every token.
        const lists: Int32Array[] = [];
        for (let t = run[0]; t < run[1]; t++) {
          const [s, e] = postingsRange(header, [t, t + 1]);
          const list = new Int32Array(header.counts[t]!);
          const n = decodePostings(bytes.subarray(s - start, e - start), list);
          if (n !== list.length) throw new Error(`${url}: token "${header.tokens[t]}" holds ${n} postings, its header says ${list.length}`);
          lists.push(list);
        }
        return lists;
      }),
    ).then((perShard) => unionSorted(perShard.flat(), rows));
    p.catch(() => kept.delete(word));
    kept.set(word, p);
    if (kept.size > WORDS_KEPT) kept.delete(kept.keys().next().value as string);
    return p;
  };
  const hits = async (q: string) => {
    const words = queryWords(q);
    if (!words.length) return null;
    return intersectSorted(await Promise.all(words.map(wordHits)), rows);
  };
  return {
    rows,
    hits,
    async warm(q) {
      await Promise.all(queryWords(q).flatMap((w) => shardsFor(dir, w).map(shardHeader)));
    },
    async match(q) {
      const got = await hits(q);
      if (!got) return null;
      const out = new Uint8Array(rows);
      for (const r of got) out[r] = 1;
      return out;
    },
  };
}
