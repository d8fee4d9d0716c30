// The site's text tables (texts.parquet, details.parquet, ids.parquet, search.bin; loaders/site-texts.ts)
// written straight from a dataset folder's Parquet files (loaders/tables.ts) by DuckDB queries,
// streamed one row group at a time: no row object per response or score, so a loader's memory is
// one row group plus DuckDB's stated limit (it spills to a temporary folder past it), whatever N.
// The bytes equal those of the row writers over readTables(dir) (test/unit/loaders/site-texts-duckdb.test.ts).
import {JSDuckDBValueConverter, type DuckDBConnection} from "@duckdb/node-api";
import path from "node:path";
import {withDuck} from "./duck.ts";
import {judgeInjection} from "../src/lib/signals.ts";
import {DETAIL_TYPE_METRIC, isCoreMetric, type DetailsColumn, type TextsColumn} from "../src/lib/site-schema.ts";
import {
  DETAILS_GROUP_ROWS,
  DETAILS_KV,
  DETAILS_PAGE_BYTES,
  IDS_GROUP_ROWS,
  IDS_KV,
  IDS_PAGE_BYTES,
  TEXTS_GROUP_ROWS,
  TEXTS_KV,
  TEXTS_PAGE_BYTES,
  compactProbs,
  detailsGroup,
  parquetStream,
  searchIndexer,
  textsGroup,
  idsGroup,
  type Sink,
} from "./site-texts.ts";

const utf8 = new TextDecoder();
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The rows of `sql` in result order, as column arrays of `size` rows each (the last may be shorter;
 * an empty result gives one empty group, so a writer always has a schema). Values as plain JS
 * (JSDuckDBValueConverter: the conversion readTables' getRowObjectsJS applies).
 */
async function* groups(conn: DuckDBConnection, sql: string, size: number): AsyncGenerator<{columns: string[]; data: unknown[][]; rows: number}> {
  const result = await conn.stream(sql);
  const columns = result.columnNames();
  // Each group's arrays are allocated at their full size and filled by index (no push per value).
  const fresh = () => columns.map(() => new Array<unknown>(size));
  let data: unknown[][] = fresh();
  let rows = 0;
  let yielded = false;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const cols = chunk.convertColumns(JSDuckDBValueConverter);
    const n = chunk.rowCount;
    for (let at = 0; at < n; ) {
      const take = Math.min(n - at, size - rows);
      for (let j = 0; j < columns.length; j++) {
        const src = cols[j]!;
        const dst = data[j]!;
        for (let i = 0; i < take; i++) dst[rows + i] = src[at + i];
      }
      rows += take;
      at += take;
      if (rows === size) {
        yield {columns, data, rows};
        yielded = true;
        data = fresh();
        rows = 0;
      }
    }
  }
  if (rows > 0 || !yielded) {
    for (const d of data) d.length = rows;
    yield {columns, data, rows};
  }
}

const file = (dir: string, name: string) => lit(path.join(dir, `${name}.parquet`));

/** Column names of a Parquet table of the dataset folder. */
async function columnNames(conn: DuckDBConnection, dir: string, name: string): Promise<string[]> {
  const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file(dir, name)})`);
  return (reader.getRowObjectsJS() as {column_name: string}[]).map((c) => c.column_name);
}

/** texts.parquet of dataset folder `dir` (same bytes as writeTexts(readTables(dir))). */
export async function writeTextsFromDir(dir: string, sink: Sink): Promise<void> {
  await writeTextsAndSearchFromDir(dir, sink, null);
}

/**
 * texts.parquet and, when `searchSink` is given, search.bin of dataset folder `dir`, from one read
 * of the responses: the answers and questions converted for the texts feed the word index too
 * (same bytes as writeTextsFromDir and writeSearchIndexFromDir). The index grows with the distinct
 * words and their postings (search.bin's size), the rest one row group at a time.
 */
export async function writeTextsAndSearchFromDir(dir: string, sink: Sink, searchSink: Sink | null): Promise<void> {
  await withDuck(async (conn) => {
    const index = searchSink ? searchIndexer() : null;
    const fixed = [
      "response_id",
      "experiment",
      "model",
      "step",
      "question_id",
      "category",
      "question",
      "system",
      "paraphrase",
      "sample",
      "origin",
      "source",
      "response",
    ];
    // readTables' meta: the meta_<key> columns in file order, null values left out.
    const meta = (await columnNames(conn, dir, "responses")).filter((c) => c.startsWith("meta_"));
    // The answers come as their UTF-8 bytes (encode: VARCHAR to BLOB, the same bytes), which the
    // Parquet writer stores as they are; they are decoded once here for the word index and the
    // judge-addressing check (as VARCHAR they were decoded, then encoded again by the writer).
    const sql = `SELECT ${[...fixed, ...meta].map((c) => (c === "response" ? `encode(${ident(c)}) AS ${ident(c)}` : ident(c))).join(", ")} FROM read_parquet(${file(dir, "responses")})`;
    const out = parquetStream(sink, TEXTS_PAGE_BYTES, TEXTS_KV);
    let rid = 0;
    for await (const g of groups(conn, sql, TEXTS_GROUP_ROWS)) {
      const col = (name: string) => g.data[g.columns.indexOf(name)]!;
      const metaCols = meta.map((m) => ({key: m.slice(5), values: col(m)}));
      const metaJson: string[] = new Array(g.rows);
      for (let i = 0; i < g.rows; i++) {
        const o: Record<string, unknown> = {};
        for (const m of metaCols) {
          const v = m.values[i];
          if (v !== null && v !== undefined) o[m.key] = v;
        }
        metaJson[i] = JSON.stringify(o);
      }
      const responseBytes = col("response") as (Uint8Array | null)[];
      const response = responseBytes.map((b) => (b === null ? null : utf8.decode(b))) as string[];
      if (index) {
        const question = col("question") as string[];
        for (let i = 0; i < g.rows; i++) index.add(rid + i, response[i]!, question[i]!);
      }
      const cols: Record<TextsColumn, unknown[]> = {
        rid: Array.from({length: g.rows}, (_, i) => rid + i),
        response_id: col("response_id"),
        experiment: col("experiment"),
        model: col("model"),
        step: col("step"),
        question_id: col("question_id"),
        category: col("category"),
        question: col("question"),
        system: col("system"),
        paraphrase: col("paraphrase"),
        sample: col("sample"),
        origin: col("origin"),
        source: col("source"),
        // An answer that starts with a byte order mark is stored as decoded (the decoder drops the
        // mark, as DuckDB's VARCHAR conversion does), so the file holds the same text either way.
        response: responseBytes.map((b, i) => (b !== null && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? response[i] : b)),
        meta: metaJson,
        injection: response.map((r) => judgeInjection(r)),
      };
      out.add(textsGroup(cols));
      rid += g.rows;
    }
    out.finish();
    if (index && searchSink) index.finish(rid, searchSink);
  });
}

/**
 * details.parquet of dataset folder `dir` (same bytes as writeDetails(readTables(dir))): score rows
 * then type rows of each response, each in file order, sorted by rid by DuckDB (spilling past its
 * limit); a response id that occurs twice keeps its last row, as the row writer's Map does.
 */
export async function writeDetailsFromDir(dir: string, sink: Sink): Promise<void> {
  await withDuck(async (conn) => {
    const sql = `
      WITH r AS (
        SELECT response_id, max(file_row_number) AS rid FROM read_parquet(${file(dir, "responses")}, file_row_number = true) GROUP BY response_id
      ), d AS (
        SELECT 0 AS kind, file_row_number AS k, response_id, judge, metric, score, mass, special AS label, status, probs
        FROM read_parquet(${file(dir, "scores")}, file_row_number = true)
        UNION ALL
        SELECT 1 AS kind, file_row_number AS k, response_id, judge, NULL AS metric, NULL::DOUBLE AS score, NULL::DOUBLE AS mass, type AS label, 'ok' AS status, probs
        FROM read_parquet(${file(dir, "types")}, file_row_number = true)
      )
      SELECT r.rid::INTEGER AS rid, d.kind::INTEGER AS kind, d.judge, d.metric, d.score, d.mass, d.label, d.status, d.probs
      FROM d JOIN r USING (response_id) ORDER BY r.rid, d.kind, d.k`;
    const out = parquetStream(sink, DETAILS_PAGE_BYTES, DETAILS_KV);
    for await (const g of groups(conn, sql, DETAILS_GROUP_ROWS)) {
      const [rid, kind, judge, metric, score, mass, label, status, probs] = g.data as [
        number[],
        number[],
        string[],
        (string | null)[],
        (number | null)[],
        (number | null)[],
        (string | null)[],
        string[],
        (string | null)[],
      ];
      const cols: Record<DetailsColumn, unknown[]> = {
        rid,
        judge,
        metric: metric.map((m, i) => (kind[i] === 1 ? DETAIL_TYPE_METRIC : m)),
        score,
        mass,
        label,
        status,
        probs: probs.map((p, i) =>
          kind[i] === 1
            ? compactProbs(JSON.parse(p!) as Record<string, number>)
            : typeof p === "string" && isCoreMetric(metric[i]!)
              ? compactProbs(JSON.parse(p) as Record<string, number>)
              : "",
        ),
      };
      out.add(detailsGroup(cols));
    }
    out.finish();
  });
}

/**
 * ids.parquet of dataset folder `dir` (same bytes as writeIds(readTables(dir)) when no id holds a
 * character past U+FFFF): sorted by DuckDB (spilling past its limit), streamed a row group at a time,
 * so no id list is held in memory. DuckDB orders by code point, the row writer by UTF-16 unit; the
 * two differ only between a character past U+FFFF and one in U+E000..U+FFFF, and a reader's lookup
 * stays right either way (each page's min/max are those of its own ids).
 */
export async function writeIdsFromDir(dir: string, sink: Sink): Promise<void> {
  await withDuck(async (conn) => {
    const sql = `SELECT response_id, file_row_number::INTEGER AS rid FROM read_parquet(${file(dir, "responses")}, file_row_number = true) ORDER BY response_id, rid`;
    const out = parquetStream(sink, IDS_PAGE_BYTES, IDS_KV);
    for await (const g of groups(conn, sql, IDS_GROUP_ROWS)) out.add(idsGroup(g.data[0] as string[], g.data[1] as number[]));
    out.finish();
  });
}

/** search.bin of dataset folder `dir` (same bytes as writeSearchIndex(readTables(dir))): answers and questions streamed. */
export async function writeSearchIndexFromDir(dir: string, sink: Sink): Promise<void> {
  await withDuck(async (conn) => {
    const index = searchIndexer();
    let rid = 0;
    for await (const g of groups(conn, `SELECT response, question FROM read_parquet(${file(dir, "responses")})`, TEXTS_GROUP_ROWS)) {
      const [response, question] = g.data as [string[], string[]];
      for (let i = 0; i < g.rows; i++) index.add(rid++, response[i]!, question[i]!);
    }
    index.finish(rid, sink);
  });
}
