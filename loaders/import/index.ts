// Importers: turn existing result files (reference-code-base CSVs, JSONL, nested JSON, Parquet,
// Inspect logs, or any of these through a DuckDB SQL query) into the same
// `responses` / `scores` rows generation writes, so everything downstream is identical.
// An experiment file's `imports:` section is a list of ImportSpec; docs/importing.md explains it.

import path from "node:path";
import {readCsvBatches, readCsvOnce, scanCsv, type CsvOnce} from "./csv.ts";
import {compileFilenamePattern} from "./filename.ts";
import {csvColumnSetsProblem, globFiles} from "./glob.ts";
import {RestrictedDuckDB, type QueryTable} from "./duckdb.ts";
import {readJsonRecords} from "./json.ts";
import {readJsonlBatches, scanJsonl} from "./jsonl.ts";
import {readLabelFile} from "./labels.ts";
import {DEFAULT_COLUMNS, ImportSpecSchema, type ImportSpec, type ImportSpecInput, type ImportResult, type ImportedFile, formatOf} from "./spec.ts";
import type {Ctx, TableRow} from "./rows.ts";
import {checkMetricColumns, importTable, type MetricColumnsSeen} from "./table.ts";
import {experimentFileLabel} from "../paths.ts";
import {importInspect} from "./inspect-rows.ts";

export {ImportSpecSchema, importedResponseId, importJudges, KNOWN_METRICS} from "./spec.ts";
export type {ImportedFile, ImportResult, ImportSpec, ImportSpecInput, Mismatch} from "./spec.ts";
export {stepValue} from "./rows.ts";
export {checkMetricColumns} from "./table.ts";

/**
 * Import the files one `imports:` entry names. `baseDir` is the experiment file's folder: globs
 * and the file paths recorded in meta (`meta.file`) are relative to it.
 * Files are read in sorted path order, so ids, sample indexes and row order are deterministic.
 *
 * Returns the response and score rows (origin "imported"; scores with status "imported", or "null"
 * for an empty cell), rows that could not be used (`skipped`, with reasons), and rows whose raw
 * judge probabilities give a different score than the file's own column (`mismatches`).
 * Throws an Error naming the file (and line, where one applies) when the spec is invalid, a glob
 * matches nothing, a file cannot be parsed, or a file name does not fit the `filename` pattern.
 */
export async function importFiles(
  specInput: ImportSpecInput,
  {
    experiment,
    baseDir,
    onRows,
    only,
    sampleCounter,
    singlePassCsv,
  }: {
    experiment: string;
    baseDir: string;
    onRows?: (rows: Pick<ImportResult, "responses" | "scores">) => Promise<void>;
    /** Import only these files of the entry (absolute paths, as importFileList gives them); the others are not read (import lanes, loaders/run/stream-lanes.ts). */
    only?: ReadonlySet<string>;
    /** The sample counter per (model, step, question_id) key (filled as rows are numbered); a fresh one by default. */
    sampleCounter?: Map<string, number>;
    /** CSV files read in one pass (Ctx.singlePassCsv): only for a caller that discards the rows on any error and reads again without it. */
    singlePassCsv?: boolean;
  },
): Promise<ImportResult> {
  const {spec, files} = importFileList(specInput, baseDir);
  const ctx: Ctx = {
    spec,
    experiment,
    pattern: spec.filename ? compileFilenamePattern(spec.filename) : null,
    out: {responses: [], scores: [], skipped: [], mismatches: [], files: []},
    sampleCounter: sampleCounter ?? new Map(),
    ...(singlePassCsv ? {singlePassCsv} : {}),
    label: (rel) => experimentFileLabel(baseDir, rel),
  };
  if (onRows) {
    ctx.drainedEmpty = 0;
    ctx.drain = async () => {
      const {responses, scores} = ctx.out;
      if (!responses.length && !scores.length) return;
      for (const r of responses) if (r.response.trim() === "") ctx.drainedEmpty!++;
      ctx.out.responses = [];
      ctx.out.scores = [];
      await onRows({responses, scores});
    };
  }
  const run = only ? files.filter((f) => only.has(f)) : files;
  const formats = run.map((file) =>
    spec.sql !== undefined ? "sql" : (spec.format ?? (spec.records !== undefined && path.extname(file).toLowerCase() === ".json" ? "json" : formatOf(file))),
  );
  // Parquet and sql: read through DuckDB, allowed to read only the folders of the matched files.
  const duck = formats.some((f) => f === "parquet" || f === "sql") ? await RestrictedDuckDB.open(files.map((f) => path.dirname(f))) : null;
  try {
    for (const [k, file] of run.entries()) await importOne(ctx, file, formats[k] ?? null, baseDir, duck);
    // Every file of the entry read: a `metrics:` column none of them has is an error (a lane, reading one file, leaves it to takeEntry).
    if (!only)
      checkMetricColumns(
        spec.metrics,
        ctx.out.files.map((f) => metricColumnsSeen(ctx, f.file)),
      );
    await ctx.drain?.();
  } finally {
    duck?.close();
  }
  return ctx.out;
}

/**
 * The checked spec of an `imports:` entry and the files it reads, in import order (sorted paths).
 * Throws as importFiles does (an invalid spec, a glob that matches nothing, a combination of
 * options that cannot go together), before any file is read.
 */
export function importFileList(specInput: ImportSpecInput, baseDir: string): {spec: ImportSpec; files: string[]} {
  const parsed = ImportSpecSchema.safeParse(specInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`imports: ${issue.path.join(".") || "(entry)"}: ${issue.message}`);
  }
  const spec = parsed.data;
  const patterns = typeof spec.files === "string" ? [spec.files] : spec.files;
  const files: string[] = [];
  for (const p of patterns) {
    const hits = globFiles(p, baseDir);
    if (hits.length === 0) throw new Error(`imports: files "${p}" matches no file (relative to ${baseDir})`);
    for (const h of hits) if (!files.includes(h)) files.push(h);
  }
  files.sort();
  // A summary file among answer files would import as answers with every row skipped, or worse.
  if (spec.sql === undefined) {
    const answerColumns = spec.columns?.response ? [spec.columns.response] : DEFAULT_COLUMNS.response;
    const mixed = csvColumnSetsProblem(files, (f) => path.relative(baseDir, f).split(path.sep).join("/"), answerColumns);
    if (mixed) throw new Error(`imports: files ${patterns.map((p) => `"${p}"`).join(", ")}: ${mixed}`);
  }
  if (spec.sql !== undefined && spec.format !== undefined)
    throw new Error(`imports: format: "${spec.format}" cannot be combined with sql: (the query reads the files; drop format)`);
  if (spec.records !== undefined && spec.sql !== undefined) throw new Error("imports: records: applies to format: json, not to sql: (use unnest in the query)");
  if (spec.records !== undefined && spec.format !== undefined && spec.format !== "json")
    throw new Error(`imports: records: applies to format: json only (format is "${spec.format}")`);
  return {spec, files};
}

/** Read one file of an import into ctx.out (the body of importFiles' loop). */
async function importOne(ctx: Ctx, file: string, format: ImportedFile["format"] | null, baseDir: string, duck: RestrictedDuckDB | null): Promise<void> {
  const {spec} = ctx;
  const rel = path.relative(baseDir, file).split(path.sep).join("/");
  const shown = ctx.label(rel);
  const source = path.basename(file, path.extname(file));
  if (!format) throw new Error(`${shown}: cannot tell the format from the extension; set format: csv | jsonl | json | parquet | inspect`);
  let counts: Counts;
  let rows: number;
  await ctx.drain?.();
  const firstResponse = ctx.out.responses.length;
  const emptyBefore = ctx.drainedEmpty ?? 0;
  // --- human labels (issue 16): scores of judge `human` for answers the experiment already has.
  if (format === "labels") {
    const inner = formatOf(file);
    if (inner !== "csv" && inner !== "jsonl") throw new Error(`${shown}: a label file is .csv or .jsonl (the /audit page's export)`);
    // The schema's default judge id is "imported"; labels default to "human".
    const l = readLabelFile(file, rel, inner, spec.judge === "imported" ? "human" : spec.judge);
    for (const x of l.scores) ctx.out.scores.push(x);
    (ctx.out.labels ??= []).push(...l.refs);
    ctx.out.files.push({file: rel, format, rows: l.scores.length, responses: 0, skipped: 0, null_scores: 0});
    return;
  }
  // --- end human labels
  if (format === "csv") {
    // Streamed (csv.ts): a first pass checks the file, the second imports it a chunk at a time;
    // or, when the caller can discard the rows (ctx.singlePassCsv), one pass that checks as it reads.
    const once: CsvOnce = {columns: [], held: false};
    const scan = ctx.singlePassCsv ? null : scanCsv(file, shown);
    const mark = ctx.out.skipped.length;
    const readerSkips: ImportResult["skipped"] = [];
    counts = {responses: 0, skipped: 0, null_scores: 0, not_judged: 0};
    let at = 0;
    for (const b of scan ? readCsvBatches(file, shown, scan, CHUNK_ROWS) : readCsvOnce(file, shown, CHUNK_ROWS, once)) {
      for (const s of b.skipped) readerSkips.push({file: shown, line: s.line, reason: s.reason});
      add(counts, await importBatch(ctx, rel, source, b.rows, b.rows.length ? (scan?.columns ?? once.columns) : undefined, false, at));
      at += b.rows.length;
    }
    if (!scan && !once.held) throw new SinglePassMiss(rel);
    // The reader's rejects first, then importTable's (a whole-file read's order).
    const tableSkips = ctx.out.skipped.splice(mark);
    for (const x of readerSkips) ctx.out.skipped.push(x);
    for (const x of tableSkips) ctx.out.skipped.push(x);
    counts.skipped += readerSkips.length;
    rows = at + readerSkips.length;
  } else if (format === "jsonl") {
    const scan = scanJsonl(file, shown);
    for (const s of scan.skipped) ctx.out.skipped.push({file: shown, line: s.line, reason: s.reason});
    counts = {responses: 0, skipped: 0, null_scores: 0, not_judged: 0};
    let at = 0;
    for (const b of readJsonlBatches(file, shown, CHUNK_ROWS)) {
      const records = b.map((r) => ({line: r.line, values: r.value}));
      add(counts, await importBatch(ctx, rel, source, records, b.length ? scan.keys : undefined, false, at));
      at += b.length;
    }
    counts.skipped += scan.skipped.length;
    rows = at + scan.skipped.length;
  } else if (format === "json") {
    // A single JSON document is parsed whole (JSON.parse); docs/importing.md says so.
    const t = readJsonRecords(file, shown, spec.records);
    for (const s of t.skipped) ctx.out.skipped.push({file: `${shown}#${s.record}`, reason: s.reason});
    counts = await importRows(ctx, rel, source, t.rows);
    counts.skipped += t.skipped.length;
    rows = t.rows.length + t.skipped.length;
  } else if (format === "parquet" || format === "sql") {
    // Streamed by DuckDB, CHUNK_ROWS rows at a time.
    const sql = format === "sql" ? spec.sql! : "SELECT * FROM read_parquet($file)";
    const batches = duck!.selectBatches(sql, {file, dir: path.dirname(file)}, CHUNK_ROWS);
    counts = {responses: 0, skipped: 0, null_scores: 0, not_judged: 0};
    rows = 0;
    for (;;) {
      let next: IteratorResult<QueryTable>;
      try {
        next = await batches.next();
      } catch (e) {
        // DuckDB's message without its "LINE 1: ..." echo of the query and the caret under it.
        const msg = (e as Error).message
          .split("\n")
          .filter((l) => l.trim() !== "" && !/^LINE \d+:/.test(l) && !/^\s*\^\s*$/.test(l))
          .join(" ");
        throw new Error(format === "sql" ? `${shown}: sql: the query failed on this file: ${msg}` : `${shown}: unreadable Parquet file: ${msg}`);
      }
      if (next.done) break;
      const at = rows;
      const records = next.value.rows.map((values, i) => ({record: `row ${at + i + 1}`, values}));
      add(counts, await importBatch(ctx, rel, source, records, next.value.columns, format === "sql", at));
      rows += records.length;
    }
  } else {
    const r = importInspect(ctx, rel, source, file);
    ({rows} = r);
    counts = {...r, not_judged: 0};
  }
  // Every row read is accounted for: imported or skipped with a reason, never dropped silently.
  if (counts.responses + counts.skipped !== rows)
    throw new Error(`${shown}: internal error: ${rows} rows read but ${counts.responses} imported + ${counts.skipped} skipped`);
  // Empty answers are kept (a model may answer nothing) and judged like any other, but counted.
  let empty = (ctx.drainedEmpty ?? 0) - emptyBefore;
  for (let i = firstResponse; i < ctx.out.responses.length; i++) if (ctx.out.responses[i]!.response.trim() === "") empty++;
  const lacks = ctx.metricColumns?.get(rel)?.lacks ?? [];
  const {not_judged, ...kept} = counts;
  ctx.out.files.push({
    file: rel,
    format,
    rows,
    ...kept,
    ...(not_judged ? {not_judged} : {}),
    ...(empty ? {empty_responses: empty} : {}),
    ...(lacks.length ? {missing_metrics: lacks} : {}),
  });
}

/**
 * A single-pass CSV read (Ctx.singlePassCsv) whose rows may differ from the two-pass read's (a
 * record spanning lines judged otherwise by the whole file): the caller reads the file again
 * without ctx.singlePassCsv.
 */
class SinglePassMiss extends Error {
  constructor(rel: string) {
    super(`${rel}: the single-pass CSV read does not hold (a record spanning lines is judged otherwise by the whole file); read it in two passes`);
  }
}

/** Records per chunk when rows are drained while a file is read (Ctx.drain). */
const CHUNK_ROWS = 8192;

/** importTable over one batch of a file's records, then the rows drained (Ctx.drain) when streaming. */
async function importBatch(ctx: Ctx, rel: string, source: string, records: TableRow[], columns: string[] | undefined, strictResponse: boolean, at: number) {
  const c = importTable(ctx, rel, source, records, columns, strictResponse, at);
  await ctx.drain?.();
  return c;
}

type Counts = {responses: number; skipped: number; null_scores: number; not_judged: number};
const add = (total: Counts, c: Counts) => {
  total.responses += c.responses;
  total.skipped += c.skipped;
  total.null_scores += c.null_scores;
  total.not_judged += c.not_judged;
};

/**
 * importTable over the records of a file parsed whole (nested JSON); when rows are drained
 * (Ctx.drain), in chunks of CHUNK_ROWS with the whole file's columns (so every chunk maps the same
 * columns) and its row numbers, each chunk's rows handed on before the next is read into rows.
 */
async function importRows(ctx: Ctx, rel: string, source: string, records: TableRow[]) {
  if (!ctx.drain || records.length <= CHUNK_ROWS) return importBatch(ctx, rel, source, records, undefined, false, 0);
  const keys = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.values)) keys.add(k);
  const all = [...keys];
  const total: Counts = {responses: 0, skipped: 0, null_scores: 0, not_judged: 0};
  for (let at = 0; at < records.length; at += CHUNK_ROWS) add(total, await importBatch(ctx, rel, source, records.slice(at, at + CHUNK_ROWS), all, false, at));
  return total;
}

/** A file of the entry as checkMetricColumns sees it (its columns, when importTable saw any). */
function metricColumnsSeen(ctx: Ctx, rel: string): MetricColumnsSeen {
  const m = ctx.metricColumns?.get(rel);
  return m ? {label: ctx.label(rel), seen: true, lacks: m.lacks, columns: m.columns, sql: m.sql} : {label: ctx.label(rel), seen: false, lacks: []};
}
