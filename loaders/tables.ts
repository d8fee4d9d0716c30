// The pipeline's tables on disk: responses / scores / types / signals as Parquet (via DuckDB's
// Node API) plus provenance.json. `meta` is flattened into `meta_<key>` columns (typed by their
// values); score `probs` and type `probs` are JSON text; types also get one `p_<type>` column per
// response type for SQL. Files are written to temporary names and renamed, so a reader never sees
// a half-written table.
import {
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import path from "node:path";
import {displayPath} from "./paths.ts";
import {removeScratch, scratchDir, trackScratch} from "./scratch.ts";
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

/** A value as its column takes it: null for null, undefined and numbers that are not finite; VARCHAR: strings as they are, other values as JSON. */
function cell(type: ColType, v: unknown): DuckDBValue {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return null;
  return type === "VARCHAR" && typeof v !== "string" ? JSON.stringify(v) : (v as DuckDBValue);
}

const DUCK_TYPES: Record<ColType, DuckDBType> = {BOOLEAN, DOUBLE, INTEGER, VARCHAR};

/** Rows per data chunk: DuckDB's vector size (STANDARD_VECTOR_SIZE; a larger chunk is refused). */
const CHUNK_ROWS = 2048;

/**
 * Rows appended a data chunk (2,048 rows) at a time, column by column (issue 28): a number or
 * boolean column is one copy into DuckDB's vector and a text column one call per string, where
 * appending value by value made one call into DuckDB per cell (nulls and numbers too) and one per
 * row. The strings dominate either way (the answers); the saving is in the typed columns (the
 * types' p_ columns, the signals). `chunk` is reused (reset) for every slice, so its memory stays
 * one chunk's: its column types must be the appender's.
 */
function appendChunks<R>(
  table: TableName,
  app: DuckDBAppender,
  chunk: DuckDBDataChunk,
  columns: readonly {name: string; type: ColType; get: (row: R) => unknown}[],
  rows: readonly R[],
): void {
  for (let at = 0; at < rows.length; at += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows.length - at);
    chunk.reset();
    chunk.rowCount = n;
    for (let j = 0; j < columns.length; j++) {
      const {name, type, get} = columns[j]!;
      const values: DuckDBValue[] = new Array(n);
      if (type === "VARCHAR") for (let i = 0; i < n; i++) values[i] = cell(type, get(rows[at + i]!));
      else
        for (let i = 0; i < n; i++) {
          // A data chunk's vector takes a value unchecked (a string in a DOUBLE column is a NaN, not
          // NULL; "false" in a BOOLEAN column is true): a value of another type is an error here.
          const v = get(rows[at + i]!);
          if (!fitsColumn(type, v)) throw new Error(wrongType(table, name, type, v, rows[at + i]));
          values[i] = cell(type, v);
        }
      chunk.setColumnValues(j, values);
    }
    app.appendDataChunk(chunk);
  }
}

/** Whether `v` goes into a column of type `type` as it is (null, undefined and numbers that are not finite go as NULL). */
function fitsColumn(type: ColType, v: unknown): boolean {
  if (v === null || v === undefined || type === "VARCHAR") return true;
  if (type === "BOOLEAN") return typeof v === "boolean";
  if (typeof v !== "number") return false;
  return type === "DOUBLE" || !Number.isFinite(v) || (Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31 - 1);
}

/** The error of a value that does not fit its column: the table, the column, the value and its response. */
function wrongType(table: TableName, column: string, type: ColType, v: unknown, row: unknown): string {
  const id = (row as {response_id?: unknown} | undefined)?.response_id;
  const what = type === "INTEGER" && typeof v === "number" ? `number ${v}, not a 32-bit integer` : `${typeof v} ${String(v).slice(0, 40)}`;
  return `${table}: column "${column}" is ${type}, found ${what}${typeof id === "string" ? ` (response ${id})` : ""}`;
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

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

// A frozen probability vector is shared by many rows (the signals classifier's certain types): its JSON once.
const frozenJson = new WeakMap<object, string>();
function probsJson(p: TypeRow["probs"]): string {
  if (!Object.isFrozen(p)) return JSON.stringify(p);
  let s = frozenJson.get(p);
  if (s === undefined) frozenJson.set(p, (s = JSON.stringify(p)));
  return s;
}

const TYPE_COLUMNS: Column<TypeRow>[] = [
  {name: "response_id", type: "VARCHAR", get: (r) => r.response_id},
  {name: "judge", type: "VARCHAR", get: (r) => r.judge},
  {name: "type", type: "VARCHAR", get: (r) => r.type},
  {name: "probs", type: "VARCHAR", get: (r) => probsJson(r.probs)},
  ...RESPONSE_TYPES.map((t): Column<TypeRow> => ({name: `p_${t}`, type: "DOUBLE", get: (r) => r.probs[t] ?? 0})),
  // Signals rows: the type if EM (cut-free) and whether the question is in the training domain; null on judge rows.
  {name: "em_type", type: "VARCHAR", get: (r) => r.em_type ?? null},
  {name: "question_in_domain", type: "BOOLEAN", get: (r) => r.question_in_domain ?? null},
  // Signals rows of a baseline: the same, typed against its compared variants' domain (strict difference only).
  {name: "compared_em_type", type: "VARCHAR", get: (r) => r.compared_em_type ?? null},
  {name: "compared_in_domain", type: "BOOLEAN", get: (r) => r.compared_in_domain ?? null},
];

/** TypeOf's state: what the values seen so far were (merged by `TypeOf.merge`). */
export interface TypeFlags {
  bool: boolean;
  num: boolean;
  int: boolean;
  any: boolean;
}

/** inferType's rule one value at a time, for tables appended in batches (same flags, same result). */
class TypeOf {
  private bool = true;
  private num = true;
  private int = true;
  private any = false;
  get flags(): TypeFlags {
    return {bool: this.bool, num: this.num, int: this.int, any: this.any};
  }
  /** As if the values behind `f` had been added here too (every flag only ever turns one way). */
  merge(f: TypeFlags): void {
    this.bool &&= f.bool;
    this.num &&= f.num;
    this.int &&= f.int;
    this.any ||= f.any;
  }
  add(v: unknown): void {
    if (v === null || v === undefined) return;
    this.any = true;
    if (typeof v !== "boolean") this.bool = false;
    if (typeof v !== "number") this.num = false;
    else if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) this.int = false;
  }
  /** BOOLEAN, INTEGER (int32), DOUBLE, else VARCHAR; all-null -> VARCHAR. */
  get type(): ColType {
    if (!this.any) return "VARCHAR";
    if (this.bool) return "BOOLEAN";
    if (this.num) return this.int ? "INTEGER" : "DOUBLE";
    return "VARCHAR";
  }
}

/**
 * A value of a column typed only at the end, staged as the text `cell` writes into a VARCHAR
 * column (strings as they are, other values as JSON), cast when the type is known. Exact: a JS
 * number's shortest text parses back to the same double; booleans are `true` / `false`.
 */
const stageText = (v: unknown): string | null =>
  v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? null : typeof v === "string" ? v : JSON.stringify(v);

/** A staged column (`staged`: its type in the sink) as the column of type `type`. */
const castTo = (col: string, type: ColType, staged: ColType = "VARCHAR") => (type === staged ? q(col) : `CAST(${q(col)} AS ${type}) AS ${q(col)}`);

/**
 * How the signals classifier's columns (src/lib/signals.ts computeSignals) are staged: typed, so a
 * row is one text append (its id) and numbers copied as numbers, not each written as JSON text and
 * parsed back. They are still typed at the end by their values (inferType's rule: a count is
 * INTEGER, a share DOUBLE, all-null VARCHAR), which a cast from these gives exactly (a DOUBLE
 * holding an integer casts to that INTEGER; a boolean stays one). Any other key is staged as text.
 */
const SIGNAL_STAGE: Readonly<Record<string, ColType>> = {
  refusal_phrase: "BOOLEAN",
  code_block: "BOOLEAN",
  json_like: "BOOLEAN",
  repetition: "DOUBLE",
  n_chars: "DOUBLE",
  n_words: "DOUBLE",
  ascii_letter_share: "DOUBLE",
};
const signalStage = (k: string): ColType => (k !== "response_id" && Object.hasOwn(SIGNAL_STAGE, k) ? SIGNAL_STAGE[k]! : "VARCHAR");

/**
 * What a sink's staged tables need besides their rows to be typed as one (TableSink.writeStaged,
 * TableSink.ingest): the meta keys in order of first appearance and the signals' keys, with the
 * type flags of their values.
 */
export interface Staged {
  meta: [string, TypeFlags][];
  signalKeys: string[] | null;
  signalTypes: [string, TypeFlags][];
}

/** A sample number to add to the rows of one (model, step, question_id) of an ingested part (TableSink.ingest). */
export interface SampleOffset {
  model: string;
  step: number | null;
  question_id: string;
  offset: number;
}

const DEFAULT_SIGNAL_KEYS = ["response_id", "refusal_phrase", "code_block", "json_like", "repetition", "n_chars", "n_words", "ascii_letter_share"];

/**
 * The four tables written in batches (issue 28): rows are appended into DuckDB tables as they come
 * (a stated memory limit, EM_DUCKDB_MEMORY, default 1GB, spilling to a temporary folder past it)
 * and never held by the caller; `write` copies them to Parquet. Columns typed by their values
 * (`meta_<key>` as text, signals as SIGNAL_STAGE says) are staged and typed when written, by inferType's rule, so
 * tables written in batches equal tables written from all rows at once. Column order: the fixed
 * columns, then meta keys in order of first appearance; signals: the first row's keys.
 * Call `close()` when done (also after a failure: it removes the spill folder).
 */
export class TableSink {
  private readonly meta = new Map<string, TypeOf>();
  private signalKeys: string[] | null = null;
  private readonly signalTypes = new Map<string, TypeOf>();
  private readonly apps = new Map<TableName, DuckDBAppender>();
  /** Per table, the data chunk its rows are appended in (appendChunks) and the column types it was made for. */
  private readonly chunks = new Map<TableName, {types: string; chunk: DuckDBDataChunk}>();
  /** Staged parts `ingest` took and has not inserted: `write` reads them straight from their files. */
  private parts: {dir: string; staged: Staged}[] = [];
  /** Whether the tables themselves hold rows (appended, or a part inserted). */
  private rowsHere = false;
  /** Folders removed by `close` (handed over by `adopt`). */
  private readonly owned: string[] = [];
  private constructor(
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly spill: string,
  ) {}

  static async open(): Promise<TableSink> {
    const spill = scratchDir("em-duckdb-");
    try {
      const db = await DuckDBInstance.create(":memory:", {memory_limit: process.env.EM_DUCKDB_MEMORY ?? "1GB", temp_directory: spill});
      const conn = await db.connect();
      const cols = (c: readonly {name: string; type: ColType}[]) => c.map((x) => `${q(x.name)} ${x.type}`).join(", ");
      await conn.run(`CREATE TABLE responses (${cols(RESPONSE_COLUMNS)})`);
      await conn.run(`CREATE TABLE scores (${cols(SCORE_COLUMNS)})`);
      await conn.run(`CREATE TABLE types (${cols(TYPE_COLUMNS)})`);
      return new TableSink(db, conn, spill);
    } catch (e) {
      removeScratch(spill);
      throw e;
    }
  }

  private async appender(t: TableName): Promise<DuckDBAppender> {
    let a = this.apps.get(t);
    if (!a) this.apps.set(t, (a = await this.conn.createAppender(t)));
    return a;
  }

  /** The appender of `t` and a data chunk of `types` (reused while the table's columns stay the same). */
  private async chunkAppender(t: TableName, types: readonly ColType[]): Promise<{app: DuckDBAppender; chunk: DuckDBDataChunk}> {
    const app = await this.appender(t);
    const key = types.join(",");
    let c = this.chunks.get(t);
    if (!c || c.types !== key) this.chunks.set(t, (c = {types: key, chunk: DuckDBDataChunk.create(types.map((x) => DUCK_TYPES[x]))}));
    return {app, chunk: c.chunk};
  }

  private flush(t: TableName): void {
    this.apps.get(t)?.closeSync();
    this.apps.delete(t);
  }

  async responses(rows: readonly ResponseRow[]): Promise<void> {
    await this.here(rows.length);
    for (const r of rows) {
      for (const k of Object.keys(r.meta ?? {})) {
        if (this.meta.has(k)) continue;
        this.flush("responses");
        await this.conn.run(`ALTER TABLE responses ADD COLUMN ${q(`meta_${k}`)} VARCHAR`);
        this.meta.set(k, new TypeOf());
      }
    }
    const columns: Column<ResponseRow>[] = [...RESPONSE_COLUMNS];
    for (const [k, t] of this.meta) {
      for (const r of rows) t.add(r.meta?.[k] ?? null);
      columns.push({name: `meta_${k}`, type: "VARCHAR", get: (r) => stageText(r.meta?.[k] ?? null)});
    }
    const {app, chunk} = await this.chunkAppender(
      "responses",
      columns.map((c) => c.type),
    );
    appendChunks("responses", app, chunk, columns, rows);
  }

  async scores(rows: readonly ScoreRow[]): Promise<void> {
    await this.here(rows.length);
    const {app, chunk} = await this.chunkAppender(
      "scores",
      SCORE_COLUMNS.map((c) => c.type),
    );
    appendChunks("scores", app, chunk, SCORE_COLUMNS, rows);
  }

  async types(rows: readonly TypeRow[]): Promise<void> {
    await this.here(rows.length);
    const {app, chunk} = await this.chunkAppender(
      "types",
      TYPE_COLUMNS.map((c) => c.type),
    );
    appendChunks("types", app, chunk, TYPE_COLUMNS, rows);
  }

  async signals(rows: readonly SignalRow[]): Promise<void> {
    await this.here(rows.length);
    if (!rows.length) return;
    if (!this.signalKeys) {
      const keys = ["response_id"];
      for (const k of Object.keys(rows[0]!)) if (!keys.includes(k)) keys.push(k);
      await this.createSignals(keys);
    }
    const columns: Column<Record<string, unknown>>[] = [];
    for (const k of this.signalKeys!) {
      const stage = signalStage(k);
      const t = this.signalTypes.get(k)!;
      for (const r of rows) {
        const v = (r as unknown as Record<string, unknown>)[k];
        // The classifier's values are typed (SignalRow): another type here is a bug, not data.
        if (!fitsColumn(stage, v)) throw new Error(`signals: internal error: column "${k}" is staged as ${stage}, found ${typeof v} ${String(v).slice(0, 40)}`);
        t.add(v);
      }
      columns.push({name: k, type: stage, get: stage === "VARCHAR" ? (o) => stageText(o[k]) : (o) => o[k]});
    }
    const {app, chunk} = await this.chunkAppender(
      "signals",
      columns.map((c) => c.type),
    );
    appendChunks("signals", app, chunk, columns, rows as unknown as Record<string, unknown>[]);
  }

  private async createSignals(keys: string[]): Promise<void> {
    this.signalKeys = keys;
    for (const k of keys) this.signalTypes.set(k, new TypeOf());
    await this.conn.run(`CREATE TABLE signals (${keys.map((k) => `${q(k)} ${signalStage(k)}`).join(", ")})`);
  }

  /**
   * The rows appended so far, as they are staged (meta as text, signals by SIGNAL_STAGE), in `dir`/TABLE.parquet
   * (snappy: a temporary file for another sink's `ingest`), with what typing them needs.
   */
  async writeStaged(dir: string): Promise<Staged> {
    mkdirSync(dir, {recursive: true});
    for (const t of TABLE_NAMES) this.flush(t);
    for (const t of TABLE_NAMES) {
      if (t === "signals" && !this.signalKeys) continue;
      await this.conn.run(`COPY (SELECT * FROM ${q(t)}) TO ${lit(path.join(dir, `${t}.parquet`))} (FORMAT parquet)`);
    }
    return {
      meta: [...this.meta].map(([k, t]) => [k, t.flags]),
      signalKeys: this.signalKeys,
      signalTypes: [...this.signalTypes].map(([k, t]) => [k, t.flags]),
    };
  }

  /**
   * Append the rows another sink staged in `dir` (writeStaged), after the rows here, in their order:
   * the same tables, column order and types as if those rows had been appended here. `offsets` are
   * added to the sample numbers of the ingested rows of their (model, step, question_id): the part
   * numbered its samples from 0, the rows before it here had taken the first ones.
   */
  async ingest(dir: string, staged: Staged, offsets: readonly SampleOffset[] = []): Promise<void> {
    for (const t of TABLE_NAMES) this.flush(t);
    for (const [k, f] of staged.meta) {
      let t = this.meta.get(k);
      if (!t) {
        await this.conn.run(`ALTER TABLE responses ADD COLUMN ${q(`meta_${k}`)} VARCHAR`);
        this.meta.set(k, (t = new TypeOf()));
      }
      t.merge(f);
    }
    if (staged.signalKeys) {
      if (!this.signalKeys) await this.createSignals(staged.signalKeys);
      for (const [k, f] of staged.signalTypes) this.signalTypes.get(k)?.merge(f);
    }
    // Parts that need nothing done to their rows are read from their files by `write` (no copy of
    // every row into this database); an offset to apply, or rows appended here, insert them.
    if (!offsets.length && !this.rowsHere) {
      this.parts.push({dir, staged});
      return;
    }
    await this.insertParts();
    await this.insertPart(dir, staged, offsets);
  }

  /** Remove `dir` when this sink is closed (the folder of staged parts `write` may still read). */
  adopt(dir: string): void {
    this.owned.push(dir);
    // Also when the process ends first (a killed build: the import lanes' work folder).
    trackScratch(dir);
  }

  /** Before `n` rows are appended here: the parts taken so far go into the tables first (row order). */
  private async here(n: number): Promise<void> {
    if (this.parts.length) await this.insertParts();
    if (n > 0) this.rowsHere = true;
  }

  private async insertParts(): Promise<void> {
    const parts = this.parts;
    this.parts = [];
    for (const p of parts) await this.insertPart(p.dir, p.staged, []);
  }

  private async insertPart(dir: string, staged: Staged, offsets: readonly SampleOffset[]): Promise<void> {
    this.rowsHere = true;
    const part = (t: TableName) => `read_parquet(${lit(path.join(dir, `${t}.parquet`))})`;
    const before = offsets.length ? Number((await this.conn.runAndReadAll("SELECT count(*) FROM responses")).getColumnsJS()[0]![0]) : 0;
    const cols = [...RESPONSE_COLUMNS.map((c) => c.name), ...staged.meta.map(([k]) => `meta_${k}`)].map(q).join(", ");
    await this.conn.run(`INSERT INTO responses (${cols}) SELECT ${cols} FROM ${part("responses")}`);
    if (offsets.length) {
      await this.conn.run("CREATE OR REPLACE TABLE sample_offsets (model VARCHAR, step DOUBLE, question_id VARCHAR, k INTEGER)");
      const app = await this.conn.createAppender("sample_offsets");
      for (const o of offsets) {
        app.appendVarchar(o.model);
        if (o.step === null) app.appendNull();
        else app.appendDouble(o.step);
        app.appendVarchar(o.question_id);
        app.appendInteger(o.offset);
        app.endRow();
      }
      app.closeSync();
      await this.conn.run(
        `UPDATE responses SET sample = responses.sample + o.k FROM sample_offsets o WHERE responses.rowid >= ${before} AND responses.model = o.model AND responses.step IS NOT DISTINCT FROM o.step AND responses.question_id = o.question_id`,
      );
      await this.conn.run("DROP TABLE sample_offsets");
    }
    await this.conn.run(`INSERT INTO scores SELECT * FROM ${part("scores")}`);
    await this.conn.run(`INSERT INTO types SELECT * FROM ${part("types")}`);
    if (staged.signalKeys) {
      const keys = staged.signalKeys.map(q).join(", ");
      await this.conn.run(`INSERT INTO signals (${keys}) SELECT ${keys} FROM ${part("signals")}`);
    }
  }

  /**
   * Write responses/scores/types/signals .parquet and provenance.json into `dir` (created if
   * needed), each to a temporary name first, renamed only when all five are written: a failure (a
   * full disk) leaves the previous tables as they were and no `.tmp-*` file behind.
   */
  async write(dir: string, provenance: Provenance): Promise<void> {
    mkdirSync(dir, {recursive: true});
    for (const t of TABLE_NAMES) this.flush(t);
    if (!this.signalKeys) {
      this.signalKeys = DEFAULT_SIGNAL_KEYS;
      await this.createSignals(DEFAULT_SIGNAL_KEYS);
    }
    const signalKeys = this.signalKeys;
    const select: Record<TableName, string> = {
      responses: [...RESPONSE_COLUMNS.map((c) => q(c.name)), ...[...this.meta].map(([k, t]) => castTo(`meta_${k}`, t.type))].join(", "),
      scores: "*",
      types: "*",
      signals: signalKeys.map((k) => (k === "response_id" ? q(k) : castTo(k, this.signalTypes.get(k)?.type ?? "VARCHAR", signalStage(k)))).join(", "),
    };
    // Rows only in staged parts (ingest): read from their files in order, columns matched by name.
    const from = (t: TableName): string => {
      const files = this.parts.filter((p) => t !== "signals" || p.staged.signalKeys).map((p) => lit(path.join(p.dir, `${t}.parquet`)));
      return files.length ? `read_parquet([${files.join(", ")}], union_by_name = true)` : q(t);
    };
    const tmps: string[] = [];
    try {
      for (const t of TABLE_NAMES) {
        const tmp = path.join(dir, `${t}.parquet.tmp-${process.pid}`);
        tmps.push(tmp);
        await this.conn.run(`COPY (SELECT ${select[t]} FROM ${from(t)}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      }
      const tmp = path.join(dir, `provenance.json.tmp-${process.pid}`);
      tmps.push(tmp);
      writeFileSync(tmp, JSON.stringify(provenance, null, 2) + "\n");
    } catch (error) {
      for (const t of tmps) rmSync(t, {force: true});
      throw error;
    }
    for (const t of tmps) renameSync(t, t.replace(/\.tmp-\d+$/, ""));
  }

  close(): void {
    for (const a of this.apps.values()) {
      try {
        a.closeSync();
      } catch {
        // after a failed append: the rows go with the database
      }
    }
    this.apps.clear();
    this.chunks.clear();
    this.conn.closeSync();
    this.db.closeSync();
    removeScratch(this.spill);
    for (const d of this.owned) removeScratch(d);
  }
}

/**
 * Write responses/scores/types/signals .parquet and provenance.json into `dir` (TableSink.write:
 * temporary names, renamed when all five are written).
 */
export async function writeTables(dir: string, data: Tables): Promise<void> {
  const sink = await TableSink.open();
  try {
    await sink.responses(data.responses);
    await sink.scores(data.scores);
    await sink.types(data.types);
    await sink.signals(data.signals);
    await sink.write(dir, data.provenance);
  } finally {
    sink.close();
  }
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
