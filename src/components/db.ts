// The one place that starts DuckDB-WASM in the browser and loads tables into it.
// Bundle files come from node_modules (Framework copies them into dist/_node), the worker runs as
// an ES module (Framework rewrites it as one), and extension auto-install/auto-load are off so
// nothing is ever fetched from an extension repository. Tables arrive as Arrow IPC streams
// (DuckDB-WASM has no built-in Parquet reader; see docs/offline.md).
import * as duckdb from "@duckdb/duckdb-wasm";
import type {Table} from "apache-arrow";
import {ipcStreams} from "./arrow-streams.js";

const WASM_URL = import.meta.resolve("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm");
const WORKER_URL = import.meta.resolve("@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js");

let dbPromise: Promise<duckdb.AsyncDuckDB> | null = null;
const loaded = new Map<string, Promise<void>>();

/** The shared database, started on first use. */
function getDb(): Promise<duckdb.AsyncDuckDB> {
  if (!dbPromise) dbPromise = start();
  return dbPromise;
}

async function start(): Promise<duckdb.AsyncDuckDB> {
  const worker = new Worker(WORKER_URL, {type: "module"});
  const logger = new duckdb.VoidLogger();
  const db = new duckdb.AsyncDuckDB(logger, worker);
  await db.instantiate(WASM_URL);
  await db.open({
    // Numbers as JS numbers: a DECIMAL (avg(x)::DECIMAL(5,2), sum of a DECIMAL column) would
    // otherwise arrive as Arrow's unscaled big-number object, which no chart reads as a number.
    query: {castBigIntToDouble: true, castDecimalToDouble: true, castTimestampToDate: true},
    // Never reach for the extension repository: the site must work with no outside host.
    autoinstall_known_extensions: false,
    autoload_known_extensions: false,
  } as duckdb.DuckDBConfig);
  return db;
}

/**
 * Load Arrow IPC (an ArrayBuffer or a URL to fetch) as table `name`, once: one stream, or several
 * written one after another with the same columns (points-exact.arrow: one per judge), appended in
 * file order. Later calls with the same name return the first load's promise.
 */
export function loadTable(name: string, source: string | ArrayBuffer | Uint8Array): Promise<void> {
  let p = loaded.get(name);
  if (!p) {
    p = (async () => {
      const bytes =
        typeof source === "string" ? new Uint8Array(await (await fetch(source)).arrayBuffer()) : source instanceof Uint8Array ? source : new Uint8Array(source);
      const db = await getDb();
      const conn = await db.connect();
      try {
        // insertArrowFromIPCStream reads one stream per call (the first creates the table, the others
        // append) and transfers its argument's whole ArrayBuffer to the worker: several streams are
        // copied apart first.
        const found = ipcStreams(bytes);
        if (!found.length) throw new Error(`${name}: no Arrow IPC stream in ${bytes.length} bytes`);
        const streams = found.length === 1 ? found : found.map((s) => s.slice());
        let create = true;
        for (const stream of streams) {
          await conn.insertArrowFromIPCStream(stream, {name, create});
          create = false;
        }
      } finally {
        await conn.close();
      }
    })();
    loaded.set(name, p);
  }
  return p;
}

/** Run SQL and return an Arrow table. */
export async function queryArrow(sql: string): Promise<Table> {
  const db = await getDb();
  const conn = await db.connect();
  try {
    return (await conn.query(sql)) as unknown as Table;
  } finally {
    await conn.close();
  }
}

/** Run SQL and return plain row objects (numbers as JS numbers). */
export async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const table = await queryArrow(sql);
  return table.toArray().map((row: {toJSON(): unknown}) => row.toJSON() as T);
}
