// Parquet downloads in the browser, written by hyparquet-writer: the Parquet library the build
// already writes the site's texts with (loaders/site-texts.ts), and the pages read them with its
// sibling hyparquet. Plain JavaScript: no .wasm to fetch; DuckDB-WASM cannot write Parquet without
// an extension fetched from an outside host.
import {parquetWriteBuffer} from "hyparquet-writer";
import {downloadBytes} from "./downloads.js";

type ColumnType = "DOUBLE" | "BOOLEAN" | "STRING" | "JSON";

/** A column's Parquet type from all its values (not a prefix: a late non-integer must not meet an INT32 column). */
function columnType(values: readonly unknown[]): ColumnType {
  let type: ColumnType | null = null;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const t: ColumnType = typeof v === "number" ? "DOUBLE" : typeof v === "boolean" ? "BOOLEAN" : typeof v === "string" ? "STRING" : "JSON";
    if (type === null) type = t;
    else if (type !== t) return "JSON";
  }
  return type ?? "STRING";
}

/**
 * Rows (plain objects) as Parquet bytes (snappy). Columns follow the first row's keys; numbers are
 * DOUBLE (non-finite ones null), booleans BOOLEAN, strings UTF-8; null stays null; a column of mixed
 * kinds or objects holds their JSON text. Empty input: a file with no columns and no rows.
 */
export function toParquet(rows: readonly Record<string, unknown>[]): Uint8Array {
  const names = rows.length ? Object.keys(rows[0]!) : [];
  const columnData = names.map((name) => {
    const data = rows.map((r) => {
      const v = r[name];
      return typeof v === "number" && !Number.isFinite(v) ? null : (v ?? null);
    });
    const type = columnType(data);
    // Mixed kinds or objects: their JSON text in a string column.
    return type === "JSON" ? {name, type: "STRING" as const, data: data.map((v) => (v === null ? null : JSON.stringify(v)))} : {name, type, data};
  });
  return new Uint8Array(parquetWriteBuffer({columnData, createdBy: "em-observatory"}));
}

export async function downloadParquet(rows: readonly Record<string, unknown>[], name: string): Promise<void> {
  downloadBytes(toParquet(rows), `${name}.parquet`, "application/vnd.apache.parquet");
}
