// A fresh in-memory DuckDB for one job, with a memory limit and its own spill folder: the site's
// text writers (loaders/site-texts-duckdb.ts) and `em summarize` over a dataset folder
// (loaders/summarize/dataset-rows.ts). Its own module so summarize loads no Parquet page writer
// (loaders/site-texts.ts and its native snappy).
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {removeScratch, scratchDir} from "./scratch.ts";

/** DuckDB's memory limit for these jobs (EM_DUCKDB_MEMORY overrides it); past it, DuckDB spills to a temporary folder. */
const DUCKDB_MEMORY = process.env.EM_DUCKDB_MEMORY ?? "1GB";

/** Run `body` on a fresh in-memory DuckDB with a memory limit and its own spill folder (removed after). */
export async function withDuck<T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const spill = scratchDir("em-duckdb-");
  const db = await DuckDBInstance.create(":memory:", {memory_limit: DUCKDB_MEMORY, threads: "2", temp_directory: spill});
  const conn = await db.connect();
  try {
    return await body(conn);
  } finally {
    conn.closeSync();
    db.closeSync();
    removeScratch(spill);
  }
}
