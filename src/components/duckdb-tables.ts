// Load the site's tables into DuckDB-WASM under stable names, and define the `judged` view that
// joins them the way the pages do. Pages pass the sources (FileAttachment lives in pages).
// points is an Arrow IPC stream; texts and details are Parquet (read by range elsewhere), which
// DuckDB-WASM cannot read here without its extension from a CDN (docs/offline.md): they are
// decoded with hyparquet into Arrow and inserted, only when a query first names them.
import {Dictionary, Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";
import {parquetRead} from "hyparquet";
import {DETAILS_COLUMNS, TEXTS_COLUMNS, type ColumnKind} from "../lib/site-schema.js";
import {loadTable, queryArrow} from "./db.js";
import {openParquet} from "./texts-store.js";

export interface TableSources {
  points: () => Promise<ArrayBuffer>;
  /** URL of texts.parquet. */
  texts?: string;
  /** URL of details.parquet. */
  details?: string;
}

/** One column as Arrow, of the kind the site schema declares (f32/i8 kinds widen: DuckDB sees the same values). */
function vectorOf(kind: ColumnKind, values: unknown[]): Vector {
  switch (kind) {
    case "dict":
      return vectorFromArray(values as (string | null)[], new Dictionary(new Utf8(), new Int32()));
    case "utf8":
      return vectorFromArray(values as (string | null)[], new Utf8());
    case "i32":
    case "i8":
    case "u8":
      return vectorFromArray(values as (number | null)[], new Int32());
    case "f64":
    case "f32":
      return vectorFromArray(values as (number | null)[], new Float64());
  }
}

/** A whole Parquet file as an Arrow IPC stream with the columns of `spec`, in its order. */
async function parquetAsIpc(url: string, spec: Record<string, ColumnKind>): Promise<Uint8Array> {
  const pq = await openParquet(url, Object.keys(spec));
  const rows = pq.groupStarts.at(-1)!;
  const cols = new Map<string, unknown[]>(Object.keys(spec).map((c) => [c, new Array(rows).fill(null)]));
  await parquetRead({
    file: pq.file,
    metadata: pq.metadata,
    columns: Object.keys(spec),
    onChunk: ({columnName, columnData, rowStart}) => {
      const out = cols.get(columnName);
      if (out) for (let k = 0; k < columnData.length; k++) out[rowStart + k] = columnData[k] ?? null;
    },
  });
  const vectors: Record<string, Vector> = {};
  for (const [name, kind] of Object.entries(spec)) vectors[name] = vectorOf(kind, cols.get(name)!);
  return tableToIPC(new Table(vectors), "stream");
}

let viewsReady: Promise<void> | null = null;
let pointsLoad: Promise<void> | null = null;
const parquetLoads = new Map<string, Promise<void>>();
/** Decode and insert a Parquet table once (later calls share the first load). */
function loadParquet(name: string, url: string, spec: Record<string, ColumnKind>): Promise<void> {
  let p = parquetLoads.get(name);
  if (!p) parquetLoads.set(name, (p = parquetAsIpc(url, spec).then((bytes) => loadTable(name, bytes))));
  return p;
}

/** The site tables a query names (texts and details are loaded only then; `judged` needs texts). */
export function tablesNamed(sql: string): {texts: boolean; details: boolean} {
  const words = sql.toLowerCase();
  return {texts: /\b(texts|judged)\b/.test(words), details: /\bdetails\b/.test(words)};
}

/** Load points, and texts / details when `sql` names them (once each); create the `judged` view with texts. */
export async function loadSiteTables(sources: TableSources, sql = ""): Promise<void> {
  const need = tablesNamed(sql);
  // The points bytes are fetched once (every query calls this; loadTable keeps the first load).
  pointsLoad ??= sources.points().then((bytes) => loadTable("points", bytes));
  const jobs: Promise<void>[] = [pointsLoad];
  if (sources.texts && need.texts) jobs.push(loadParquet("texts", sources.texts, TEXTS_COLUMNS));
  if (sources.details && need.details) jobs.push(loadParquet("details", sources.details, DETAILS_COLUMNS));
  await Promise.all(jobs);
  if (sources.texts && need.texts) {
    viewsReady ??= queryArrow(
      `CREATE OR REPLACE VIEW judged AS
       SELECT p.*, t.response_id, t.question, t.response, t.source, t.sample, t.paraphrase
       FROM points p JOIN texts t USING (rid)`,
    ).then(() => undefined);
    await viewsReady;
  }
}
