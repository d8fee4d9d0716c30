// The pipeline's tables on disk: responses / scores / types / signals as Parquet (via DuckDB's
// Node API) plus provenance.json. `meta` is flattened into `meta_<key>` columns (typed by their
// values); score `probs` and type `probs` are JSON text; types also get one `p_<type>` column per
// response type for SQL. Files are written to temporary names and renamed, so a reader never sees
// a half-written table.
import {DuckDBInstance, type DuckDBAppender, type DuckDBConnection} from "@duckdb/node-api";
import {mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {displayPath} from "./paths.ts";
import {RESPONSE_TYPES, type MetaValue, type Provenance, type ResponseRow, type ScoreRow, type SignalRow, type TypeRow} from "../src/lib/schema.ts";

/** The four tables and the manifest. */
export interface Tables {
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  signals: SignalRow[];
  provenance: Provenance;
}

type ColType = "VARCHAR" | "DOUBLE" | "INTEGER" | "BOOLEAN";
interface Column<R> {
  name: string;
  type: ColType;
  get: (row: R) => unknown;
}

/** Column type for a set of values: BOOLEAN, INTEGER (int32), DOUBLE, else VARCHAR; all-null -> VARCHAR. */
function inferType(values: Iterable<unknown>): ColType {
  let bool = true;
  let num = true;
  let int = true;
  let any = false;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    any = true;
    if (typeof v !== "boolean") bool = false;
    if (typeof v !== "number") num = false;
    else if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) int = false;
    if (!bool && !num) break;
  }
  if (!any) return "VARCHAR";
  if (bool) return "BOOLEAN";
  if (num) return int ? "INTEGER" : "DOUBLE";
  return "VARCHAR";
}

function append(app: DuckDBAppender, type: ColType, v: unknown): void {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return app.appendNull();
  switch (type) {
    case "BOOLEAN":
      return app.appendBoolean(v as boolean);
    case "INTEGER":
      return app.appendInteger(v as number);
    case "DOUBLE":
      return app.appendDouble(v as number);
    default:
      return app.appendVarchar(typeof v === "string" ? v : JSON.stringify(v));
  }
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Writes `<file>.tmp-<pid>` (pushed on `tmps` first, so a failure can remove it); the caller renames. */
async function writeParquet<R>(conn: DuckDBConnection, name: string, columns: Column<R>[], rows: readonly R[], file: string, tmps: string[]): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${q(name)} (${columns.map((c) => `${q(c.name)} ${c.type}`).join(", ")})`);
  const app = await conn.createAppender(name);
  for (const row of rows) {
    for (const c of columns) append(app, c.type, c.get(row));
    app.endRow();
  }
  app.closeSync();
  const tmp = `${file}.tmp-${process.pid}`;
  tmps.push(tmp);
  await conn.run(`COPY ${q(name)} TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
  await conn.run(`DROP TABLE ${q(name)}`);
}

function metaColumns(rows: readonly ResponseRow[]): Column<ResponseRow>[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.meta ?? {})) if (!seen.has(k)) seen.add(k), keys.push(k);
  return keys.map((k) => ({
    name: `meta_${k}`,
    type: inferType(rows.map((r) => r.meta?.[k])),
    get: (r: ResponseRow) => r.meta?.[k] ?? null,
  }));
}

const RESPONSE_COLUMNS: Column<ResponseRow>[] = [
  {name: "response_id", type: "VARCHAR", get: (r) => r.response_id},
  {name: "experiment", type: "VARCHAR", get: (r) => r.experiment},
  {name: "model", type: "VARCHAR", get: (r) => r.model},
  {name: "step", type: "DOUBLE", get: (r) => r.step},
  {name: "question_id", type: "VARCHAR", get: (r) => r.question_id},
  {name: "category", type: "VARCHAR", get: (r) => r.category},
  {name: "question", type: "VARCHAR", get: (r) => r.question},
  {name: "system", type: "VARCHAR", get: (r) => r.system},
  {name: "paraphrase", type: "INTEGER", get: (r) => r.paraphrase},
  {name: "sample", type: "INTEGER", get: (r) => r.sample},
  {name: "response", type: "VARCHAR", get: (r) => r.response},
  {name: "origin", type: "VARCHAR", get: (r) => r.origin},
  {name: "source", type: "VARCHAR", get: (r) => r.source},
  // Variant columns (issue 11). Tables written before them lack the columns; readTables then leaves
  // the fields absent and readers fall back to the model (joinJudgedReport).
  {name: "variant", type: "VARCHAR", get: (r) => r.variant ?? r.model},
  {name: "replicate", type: "VARCHAR", get: (r) => r.replicate ?? null},
  {name: "baseline", type: "VARCHAR", get: (r) => r.baseline ?? null},
];

const SCORE_COLUMNS: Column<ScoreRow>[] = [
  {name: "response_id", type: "VARCHAR", get: (r) => r.response_id},
  {name: "judge", type: "VARCHAR", get: (r) => r.judge},
  {name: "metric", type: "VARCHAR", get: (r) => r.metric},
  {name: "score", type: "DOUBLE", get: (r) => r.score},
  {name: "mass", type: "DOUBLE", get: (r) => r.mass},
  {name: "special", type: "VARCHAR", get: (r) => r.special},
  {name: "status", type: "VARCHAR", get: (r) => r.status},
  {name: "probs", type: "VARCHAR", get: (r) => (r.probs ? JSON.stringify(r.probs) : null)},
];

const TYPE_COLUMNS: Column<TypeRow>[] = [
  {name: "response_id", type: "VARCHAR", get: (r) => r.response_id},
  {name: "judge", type: "VARCHAR", get: (r) => r.judge},
  {name: "type", type: "VARCHAR", get: (r) => r.type},
  {name: "probs", type: "VARCHAR", get: (r) => JSON.stringify(r.probs)},
  ...RESPONSE_TYPES.map((t): Column<TypeRow> => ({name: `p_${t}`, type: "DOUBLE", get: (r) => r.probs[t] ?? 0})),
  // Signals rows: the type if EM (cut-free) and whether the question is in the training domain; null on judge rows.
  {name: "em_type", type: "VARCHAR", get: (r) => r.em_type ?? null},
  {name: "question_in_domain", type: "BOOLEAN", get: (r) => r.question_in_domain ?? null},
  // Signals rows of a baseline: the same, typed against its compared variants' domain (strict difference only).
  {name: "compared_em_type", type: "VARCHAR", get: (r) => r.compared_em_type ?? null},
  {name: "compared_in_domain", type: "BOOLEAN", get: (r) => r.compared_in_domain ?? null},
];

function signalColumns(rows: readonly SignalRow[]): Column<SignalRow>[] {
  // Typed from the values, so new signals need no change here; a fixed order keeps files stable.
  const keys: string[] = ["response_id"];
  for (const r of rows.slice(0, 1)) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  if (!rows.length) keys.push("refusal_phrase", "code_block", "json_like", "repetition", "n_chars", "n_words", "ascii_letter_share");
  return keys.map((k) => ({
    name: k,
    type: k === "response_id" ? "VARCHAR" : inferType(rows.map((r) => (r as unknown as Record<string, unknown>)[k])),
    get: (r: SignalRow) => (r as unknown as Record<string, unknown>)[k],
  }));
}

/**
 * Write responses/scores/types/signals .parquet and provenance.json into `dir` (created if needed).
 * All five go to temporary names first and are renamed only when every one is written, so a
 * failure (a full disk) leaves the previous tables as they were and no `.tmp-*` file behind.
 */
export async function writeTables(dir: string, data: Tables): Promise<void> {
  mkdirSync(dir, {recursive: true});
  const tmps: string[] = [];
  // The appended tables are DuckDB's until copied out: a stated memory limit (EM_DUCKDB_MEMORY,
  // default 1GB), spilling to a temporary folder past it, instead of DuckDB's default of 80% of RAM.
  const spill = mkdtempSync(path.join(tmpdir(), "em-duckdb-"));
  try {
    const db = await DuckDBInstance.create(":memory:", {memory_limit: process.env.EM_DUCKDB_MEMORY ?? "1GB", temp_directory: spill});
    const conn = await db.connect();
    try {
      await writeParquet(conn, "responses", [...RESPONSE_COLUMNS, ...metaColumns(data.responses)], data.responses, path.join(dir, "responses.parquet"), tmps);
      await writeParquet(conn, "scores", SCORE_COLUMNS, data.scores, path.join(dir, "scores.parquet"), tmps);
      await writeParquet(conn, "types", TYPE_COLUMNS, data.types, path.join(dir, "types.parquet"), tmps);
      await writeParquet(conn, "signals", signalColumns(data.signals), data.signals, path.join(dir, "signals.parquet"), tmps);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    const tmp = path.join(dir, `provenance.json.tmp-${process.pid}`);
    tmps.push(tmp);
    writeFileSync(tmp, JSON.stringify(data.provenance, null, 2) + "\n");
  } catch (error) {
    for (const t of tmps) rmSync(t, {force: true});
    throw error;
  } finally {
    rmSync(spill, {recursive: true, force: true});
  }
  for (const t of tmps) renameSync(t, t.replace(/\.tmp-\d+$/, ""));
}

/** Rows of one table file; a truncated or corrupt file throws naming it (DuckDB said only "Out of buffer"). */
async function readParquet(conn: DuckDBConnection, file: string): Promise<Record<string, unknown>[]> {
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${lit(file)})`);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } catch (e) {
    const msg = (e as Error).message.split("\n").filter((l) => l.trim() !== "" && !/^LINE \d+:/.test(l) && !/^\s*\^\s*$/.test(l));
    throw new Error(`${displayPath(file)}: unreadable Parquet table (truncated or not Parquet?): ${msg.join(" ")}; rebuild it with em run`);
  }
}

/** The row tables of a dataset folder. */
export type TableName = "responses" | "scores" | "types" | "signals";
export const TABLE_NAMES: readonly TableName[] = ["responses", "scores", "types", "signals"];

/**
 * Read tables written by `writeTables`. `meta_<key>` columns become `meta` again; null meta values
 * are left out (a null and an absent key read back the same). JSON `probs` columns are parsed.
 * `only` reads just those tables (the others come back empty): a million responses as row objects
 * cost gigabytes, so a reader that needs scores only should not pay for the answers.
 */
export async function readTables(dir: string, only: readonly TableName[] = TABLE_NAMES): Promise<Tables> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const want = (t: TableName) => only.includes(t);
  try {
    const rawResponses = want("responses") ? await readParquet(conn, path.join(dir, "responses.parquet")) : [];
    const responses = rawResponses.map((r) => {
      const row: Record<string, unknown> = {};
      const meta: Record<string, MetaValue> = {};
      for (const [k, v] of Object.entries(r)) {
        if (k.startsWith("meta_")) {
          if (v !== null && v !== undefined) meta[k.slice(5)] = v as MetaValue;
        } else row[k] = v;
      }
      row.meta = meta;
      return row as unknown as ResponseRow;
    });
    const scores = (want("scores") ? await readParquet(conn, path.join(dir, "scores.parquet")) : []).map((r) => ({
      ...(r as unknown as ScoreRow),
      probs: typeof r.probs === "string" ? (JSON.parse(r.probs) as Record<string, number>) : null,
    }));
    const types = (want("types") ? await readParquet(conn, path.join(dir, "types.parquet")) : []).map(
      (r): TypeRow => ({
        response_id: r.response_id as string,
        judge: r.judge as string,
        type: r.type as TypeRow["type"],
        probs: JSON.parse(r.probs as string) as TypeRow["probs"],
        ...(typeof r.em_type === "string" ? {em_type: r.em_type as TypeRow["type"]} : {}),
        ...(typeof r.question_in_domain === "boolean" ? {question_in_domain: r.question_in_domain} : {}),
        ...(typeof r.compared_em_type === "string" ? {compared_em_type: r.compared_em_type as TypeRow["type"]} : {}),
        ...(typeof r.compared_in_domain === "boolean" ? {compared_in_domain: r.compared_in_domain} : {}),
      }),
    );
    const signals = (want("signals") ? await readParquet(conn, path.join(dir, "signals.parquet")) : []) as unknown as SignalRow[];
    const provenance = JSON.parse(readFileSync(path.join(dir, "provenance.json"), "utf8")) as Provenance;
    return {responses, scores, types, signals, provenance};
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/**
 * The response_id column of a dataset folder's responses, in row order (index = `rid`), without
 * reading the answers: a loader that keys scores or types by response row (details) needs only this.
 */
export async function readResponseIds(dir: string): Promise<string[]> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT response_id FROM read_parquet(${lit(path.join(dir, "responses.parquet"))})`);
    return reader.getColumnsJS()[0] as string[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
