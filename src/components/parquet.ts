// Parquet downloads in the browser. DuckDB-WASM cannot write Parquet without its extension (which
// would be fetched from an outside host), so rows go Arrow IPC -> parquet-wasm (its own .wasm,
// bundled from node_modules) -> a zstd-compressed Parquet file.
import initParquet, {Table as WasmTable, writeParquet, WriterPropertiesBuilder, Compression} from "parquet-wasm/esm";
import {tableFromJSON, tableToIPC} from "apache-arrow";
import {downloadBytes} from "./downloads.js";

const WASM_URL = import.meta.resolve("parquet-wasm/esm/parquet_wasm_bg.wasm");
let ready: Promise<unknown> | null = null;

/** Rows (plain objects) as Parquet bytes. Columns follow the first row's keys; null stays null. */
export async function toParquet(rows: readonly Record<string, unknown>[]): Promise<Uint8Array> {
  ready ??= initParquet({module_or_path: WASM_URL});
  await ready;
  const clean = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" && !Number.isFinite(v) ? null : v])));
  const ipc = tableToIPC(tableFromJSON(clean as Record<string, unknown>[]), "stream");
  const props = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setCreatedBy("em-observatory").build();
  return writeParquet(WasmTable.fromIPCStream(ipc), props);
}

export async function downloadParquet(rows: readonly Record<string, unknown>[], name: string): Promise<void> {
  downloadBytes(await toParquet(rows), `${name}.parquet`, "application/vnd.apache.parquet");
}
