// The schema of a Parquet file as DuckDB reads it ("name TYPE" per column), for tests comparing tables.
import {DuckDBInstance} from "@duckdb/node-api";

export async function parquetSchema(file: string): Promise<string[]> {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
    return r.getRowObjectsJS().map((x) => `${String(x.column_name)} ${String(x.column_type)}`);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
