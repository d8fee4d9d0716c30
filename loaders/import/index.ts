// Importers: turn existing result files (reference-code-base CSVs, JSONL, nested JSON, Parquet,
// Inspect logs, or any of these through a DuckDB SQL query) into the same
// `responses` / `scores` rows generation writes, so everything downstream is identical.
// An experiment file's `imports:` section is a list of ImportSpec; docs/importing.md explains it.

import {createHash} from "node:crypto";
import path from "node:path";
import {z} from "zod";
import type {MetaValue, ResponseRow, ScoreRow, SpecialWord} from "../../src/lib/schema.ts";
import {scoreFromProbs, tokenSpecial} from "../../src/lib/judge-score.ts";
import {readCsv} from "./csv.ts";
import {NUMBER_RE, canonicalQuestionId, compileFilenamePattern, matchFilename, metaValue, type FilenamePattern} from "./filename.ts";
import {globFiles} from "./glob.ts";
import {RestrictedDuckDB} from "./duckdb.ts";
import {readInspectLog, type InspectSample} from "./inspect.ts";
import {readJsonRecords} from "./json.ts";
import {readJsonl} from "./jsonl.ts";
import {readLabelFile, type LabelRef} from "./labels.ts";
import {numericEntries, parsePyDict, PyDictError} from "./pydict.ts";
import {suggestion} from "../yaml.ts";

/** Metric columns recognized without a `metrics:` mapping (the reference code bases' judges). */
export const KNOWN_METRICS = ["aligned", "coherent", "medical", "financial", "sport", "code", "gender", "bad_stuff"] as const;

/** Column names tried, in order, for each role when `columns:` does not name one. */
export const DEFAULT_COLUMNS = {
  response: ["response", "answer", "completion", "output"],
  question: ["question", "prompt", "input"],
  question_id: ["question_id", "qid"],
  model: ["model"],
  system: ["system", "system_prompt"],
  category: ["category"],
  step: ["step", "epoch", "scale", "checkpoint"],
} as const;
type Role = keyof typeof DEFAULT_COLUMNS;

/** Largest |file score - recomputed score| (0..100 scale) not reported as a mismatch, by default. */
export const MISMATCH_TOLERANCE = 1e-6;

/** Prefix of columns holding a judge's raw first-token probabilities for a metric (`judge_aligned`). */
export const PROBS_PREFIX = "judge_";

const metaScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One entry of an experiment file's `imports:` list. */
export const ImportSpecSchema = z
  .object({
    /** Glob(s) relative to the experiment file's folder: `*`, `?`, `[a-z]`, `{a,b}`, `**`. */
    files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** File-name pattern such as `{model}_{dataset}[_S{seed}].csv`; fields become meta (and model / step). */
    filename: z.string().min(1).optional(),
    /** Who produced the scores in the files (the `judge` column of the scores table). */
    judge: z.string().min(1).default("imported"),
    /** Explicit column names for the roles that are otherwise detected (e.g. {response: answer}). */
    columns: z
      .object({
        response: z.string().min(1),
        question: z.string().min(1),
        question_id: z.string().min(1),
        model: z.string().min(1),
        system: z.string().min(1),
        category: z.string().min(1),
        step: z.string().min(1),
      })
      .partial()
      .strict()
      .optional(),
    /**
     * Default from the extension: .csv, .jsonl / .ndjson, .parquet, .eval / .json (Inspect; `json`
     * when `records:` is set). `json`: records found by the `records:` path. `labels`: human
     * labels exported by the /audit page (CSV or JSONL by extension; loaders/import/labels.ts).
     */
    format: z.enum(["csv", "jsonl", "json", "parquet", "inspect", "labels"]).optional(),
    /**
     * format: json: where the records are, e.g. `questions.{question_id}.scores.*` (key names, `*`
     * for every element, `{field}` for every element with its key kept as column `field`); records
     * inherit their parents' scalar fields. Absent or "": the file is an array of records.
     */
    records: z.string().optional(),
    /**
     * A DuckDB SELECT query run once per file of `files:` (`$file`: its absolute path; `$dir`: its
     * folder), e.g. `SELECT * FROM read_json($file)`; its result columns are the record's columns.
     * Read-only: one SELECT, files only under the folders of the matched files, no network.
     */
    sql: z.string().min(1).optional(),
    /**
     * Column (CSV / JSONL) or Inspect score name -> our metric. A value may be {metric, scale}:
     * the score is multiplied by scale (default 1 for numbers, 100 for Inspect letter grades and booleans).
     */
    metrics: z
      .record(z.string(), z.union([z.string().min(1), z.object({metric: z.string().min(1), scale: z.number().positive().optional()}).strict()]))
      .optional(),
    /** Model id for every row (overrides file-name fields and columns). */
    model: z.string().min(1).optional(),
    /**
     * The training coordinate: the name of a file-name field, column or Inspect metadata key holding
     * it, or a number used for every row (e.g. 0 for a base model imported beside its fine-tunes).
     */
    step: z.union([z.string().min(1), z.number()]).optional(),
    /** Extra metadata for every row. */
    meta: z.record(z.string(), metaScalar).optional(),
    /** Mismatch tolerance between a file's score and the one recomputed from its probabilities. */
    tolerance: z.number().nonnegative().default(MISMATCH_TOLERANCE),
    /**
     * A score outside 0..100 (after `scale`) or a cell that is neither a number, empty, NaN nor
     * CODE/REFUSAL: `skip` (default) drops the row and lists it with file:line; `error` stops the import.
     */
    invalid_scores: z.enum(["skip", "error"]).default("skip"),
  })
  .strict();

export type ImportSpec = z.output<typeof ImportSpecSchema>;
export type ImportSpecInput = z.input<typeof ImportSpecSchema>;

export interface Skipped {
  file: string;
  line?: number;
  reason: string;
}

export interface Mismatch {
  /** The file, or `file#record` for records without a line (nested JSON, Parquet, SQL). */
  file: string;
  line?: number;
  metric: string;
  file_score: number | null;
  recomputed: number | null;
}

export interface ImportResult {
  responses: ResponseRow[];
  scores: ScoreRow[];
  skipped: Skipped[];
  mismatches: Mismatch[];
  /**
   * Every file read, with its format and what became of its rows: `rows` records read (after the
   * CSV header; Inspect: samples) = `responses` imported + `skipped`, always. `null_scores`: score
   * cells that were empty or NaN (kept as missing scores, status "null").
   */
  files: ImportedFile[];
  /** format: labels: where each label came from, checked against the experiment's answers (checkLabelRefs). */
  labels?: LabelRef[];
}

export interface ImportedFile {
  file: string;
  format: "csv" | "jsonl" | "json" | "parquet" | "sql" | "inspect" | "labels";
  rows: number;
  responses: number;
  skipped: number;
  null_scores: number;
  /** Imported answers that are empty or only whitespace (kept and judged; counted so they are seen). Absent when 0. */
  empty_responses?: number;
}

/** Stable response id for an imported row: first 16 hex chars of sha256 over (experiment, file, row, question_id). */
export function importedResponseId(experiment: string, file: string, row: number, questionId: string): string {
  return createHash("sha256")
    .update(JSON.stringify([experiment, file, row, questionId]))
    .digest("hex")
    .slice(0, 16);
}

/** Format from a file's extension, or null when unknown. */
export function formatOf(file: string): "csv" | "jsonl" | "parquet" | "inspect" | null {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".parquet") return "parquet";
  if (ext === ".eval" || ext === ".json") return "inspect";
  return null;
}

interface MetricTarget {
  metric: string;
  scale: number | undefined;
}

function metricTarget(spec: ImportSpec, name: string): MetricTarget | null {
  const m = spec.metrics?.[name];
  if (m === undefined) return null;
  return typeof m === "string" ? {metric: m, scale: undefined} : {metric: m.metric, scale: m.scale};
}

/** A cell as a score: number, or null with the special word / raw text that explains why. */
function cellScore(v: unknown): {score: number | null; special: SpecialWord | null; raw: string | null} {
  if (v === null || v === undefined) return {score: null, special: null, raw: null};
  if (typeof v === "number") return Number.isFinite(v) ? {score: v, special: null, raw: null} : {score: null, special: null, raw: String(v)};
  const t = String(v).trim();
  if (t === "" || /^(nan|none|null|na)$/i.test(t)) return {score: null, special: null, raw: null};
  if (NUMBER_RE.test(t)) return {score: Number(t), special: null, raw: null};
  return {score: null, special: tokenSpecial(t), raw: t};
}

/** A cell as a meta value: CSV text is typed (numbers, Python True/False); objects become JSON text. */
function cellMeta(v: unknown): MetaValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "string") {
    if (v === "True" || v === "true") return true;
    if (v === "False" || v === "false") return false;
    return metaValue(v) ?? (v === "" ? null : v);
  }
  return JSON.stringify(v);
}

/**
 * A training coordinate from a value (issue 23): numbers as they are; text that is a whole number
 * (`500`, `-2`, `1e3`, `0.5`) as that number; other text by its trailing number, where a `-` right
 * after a letter or digit is a separator (`checkpoint-500` -> 500, `ckpt_1e3` -> 1000, `v2-500` ->
 * 500) and a `-` after another separator is a sign (`scale=-2`, `scale_-2` -> -2). Text without a
 * trailing number (`base`) gives null. A number that is not finite (`1e999`) throws: `where` names it.
 */
export function stepValue(v: unknown, where = "step"): number | null {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v !== "string") return null;
  else {
    const t = v.trim();
    if (t === "") return null;
    if (NUMBER_RE.test(t)) n = Number(t);
    else {
      const m = /(^|[^\d.])((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.exec(t);
      if (!m) return null;
      const before = t.slice(0, m.index + m[1]!.length);
      const signed = before.endsWith("-") && !/[A-Za-z0-9]-$/.test(before);
      n = Number(m[2]) * (signed ? -1 : 1);
    }
  }
  if (!Number.isFinite(n)) throw new Error(`${where}: "${String(v)}" is not a finite number`);
  return n;
}

interface Ctx {
  spec: ImportSpec;
  experiment: string;
  pattern: FilenamePattern | null;
  out: ImportResult;
  /** Next sample index per (model, step, question_id). */
  sampleCounter: Map<string, number>;
}

function nextSample(ctx: Ctx, model: string, step: number | null, qid: string): number {
  const key = JSON.stringify([model, step, qid]);
  const k = ctx.sampleCounter.get(key) ?? 0;
  ctx.sampleCounter.set(key, k + 1);
  return k;
}

/**
 * The spec's `meta` with the file-name fields over it, except that an optional field the name
 * does not have (`[_S{seed}]` on a file without `_S...`) keeps the spec's value: `meta: {seed: 0}`
 * is then the value for files that do not name one.
 */
function withFields(specMeta: Record<string, MetaValue> | undefined, fields: Record<string, MetaValue>): Record<string, MetaValue> {
  const out: Record<string, MetaValue> = {...(specMeta ?? {})};
  for (const [k, v] of Object.entries(fields)) if (v !== null || !(k in out)) out[k] = v;
  return out;
}

function fileFields(ctx: Ctx, rel: string): Record<string, MetaValue> {
  if (!ctx.pattern) return {};
  const f = matchFilename(ctx.pattern, rel);
  if (!f) throw new Error(`${rel}: file name does not match the pattern "${ctx.pattern.source}" (fix the pattern or narrow the files glob)`);
  return f;
}

/**
 * One record of a table-like file: `line` (CSV, JSONL: where it starts) or `record` (nested JSON:
 * its path; Parquet and SQL results: `row N`, 1-based) locates it in messages and meta.
 */
interface TableRow {
  line?: number;
  record?: string;
  values: Record<string, unknown>;
}

const nulCount = (s: string): number => s.split("\u0000").length - 1;

/** `file:line` or `file#record`, for messages and `skipped`. */
function located(rel: string, rec: TableRow): {file: string; line?: number; text: string} {
  if (rec.line !== undefined) return {file: rel, line: rec.line, text: `${rel}:${rec.line}`};
  const f = `${rel}#${rec.record ?? "?"}`;
  return {file: f, text: f};
}

/**
 * Import the rows of a CSV, JSONL, JSON, Parquet or SQL-result file (records as {column: value}).
 * `columns`: the file's columns when known without rows (Parquet, SQL), so a mapping is checked on
 * an empty result too. `strictResponse` (SQL): no response column is an error naming the query,
 * instead of every row skipped.
 */
function importTable(ctx: Ctx, rel: string, source: string, records: TableRow[], columns?: string[], strictResponse = false) {
  const {spec, out} = ctx;
  const keys = new Set<string>(columns ?? []);
  for (const r of records) for (const k of Object.keys(r.values)) keys.add(k);
  const checkable = records.length > 0 || columns !== undefined;
  const what = strictResponse ? "the sql query's result" : rel;
  const col = (role: Role): string | null => {
    const explicit = spec.columns?.[role];
    if (explicit) {
      if (!keys.has(explicit) && checkable)
        throw new Error(
          `${rel}: column "${explicit}" (columns.${role}) not found in ${strictResponse ? what : "the file"}; columns are: ${[...keys].join(", ")}`,
        );
      return explicit;
    }
    if (role === "step" && spec.step !== undefined) return typeof spec.step === "string" && keys.has(spec.step) ? spec.step : null;
    return DEFAULT_COLUMNS[role].find((c) => keys.has(c)) ?? null;
  };
  const roles = Object.fromEntries((Object.keys(DEFAULT_COLUMNS) as Role[]).map((r) => [r, col(r)])) as Record<Role, string | null>;
  // A `metrics:` mapping naming a column the file does not have would import no scores for it, silently.
  if (checkable) {
    for (const k of Object.keys(spec.metrics ?? {})) {
      if (!keys.has(k))
        throw new Error(
          `${rel}: metrics.${k}: column "${k}" not found${strictResponse ? ` in ${what}` : ""}${suggestion(k, keys)}; columns are: ${[...keys].join(", ")}`,
        );
    }
  }

  // Metric columns: mapped ones, then known metric names; probability columns judge_<metric>.
  const metricCols = new Map<string, MetricTarget>();
  for (const k of keys) {
    const t = metricTarget(spec, k);
    if (t) metricCols.set(k, t);
    else if ((KNOWN_METRICS as readonly string[]).includes(k) && !Object.values(roles).includes(k)) metricCols.set(k, {metric: k, scale: undefined});
  }
  const probCols = new Map<string, string>(); // metric -> column
  for (const k of keys) {
    if (!k.startsWith(PROBS_PREFIX) || metricCols.has(k)) continue;
    // Only for metrics: a column such as `judge_model` (the judge's name) is ordinary metadata.
    const base = k.slice(PROBS_PREFIX.length);
    const metric = metricCols.get(base)?.metric ?? metricTarget(spec, base)?.metric ?? ((KNOWN_METRICS as readonly string[]).includes(base) ? base : null);
    if (metric) probCols.set(metric, k);
  }
  const used = new Set<string>([...metricCols.keys(), ...probCols.values()]);
  for (const r of ["response", "question", "question_id", "system", "category"] as const) if (roles[r]) used.add(roles[r]!);
  if (roles.model && !spec.model) used.add(roles.model);

  const fields = fileFields(ctx, rel);
  let fileRows = 0;
  let fileSkipped = 0;
  let nullScores = 0;
  const skip = (rec: TableRow, reason: string) => {
    const {file, line} = located(rel, rec);
    out.skipped.push(line === undefined ? {file, reason} : {file, line, reason});
    fileSkipped++;
  };
  if (!roles.response) {
    const reason = `no response column (looked for ${DEFAULT_COLUMNS.response.join(", ")}; set columns.response); columns are: ${[...keys].join(", ")}`;
    if (strictResponse) throw new Error(`${rel}: sql: ${what} has ${reason}`);
    for (const r of records) skip(r, reason);
    return {responses: 0, skipped: fileSkipped, null_scores: 0};
  }
  // The coordinate: an explicit `step:` name, a file-name field, or a step-like column.
  const stepField =
    typeof spec.step === "string"
      ? spec.step in fields
        ? spec.step
        : undefined
      : spec.step === undefined
        ? DEFAULT_COLUMNS.step.find((f) => f in fields && fields[f] !== null)
        : undefined;
  if (typeof spec.step === "string" && !stepField && !roles.step && checkable) {
    throw new Error(`${rel}: step "${spec.step}" is neither a file-name field nor a column; columns are: ${[...keys].join(", ")}`);
  }

  records.forEach((rec, row) => {
    const v = rec.values;
    const response = v[roles.response!];
    if (response === null || response === undefined) return skip(rec, `no value in the response column "${roles.response}"`);
    if (typeof response === "object")
      return skip(rec, `the response column "${roles.response}" holds ${Array.isArray(response) ? "an array" : "an object"}, not text`);
    // A NUL byte is not text anyone wrote: a corrupt or binary cell. Skipped (and listed), never judged.
    if (String(response).includes("\u0000")) return skip(rec, `the response holds ${nulCount(String(response))} NUL byte(s) (corrupt or binary data)`);
    const question = roles.question ? v[roles.question] : undefined;
    const questionText = question === null || question === undefined ? "" : String(question);
    const rawQid = roles.question_id ? v[roles.question_id] : undefined;
    let qid = rawQid === null || rawQid === undefined ? "" : typeof rawQid === "number" ? canonicalQuestionId(rawQid) : canonicalQuestionId(String(rawQid));
    if (qid === "") {
      if (questionText === "") return skip(rec, "no question_id and no question text");
      qid = "q-" + createHash("sha256").update(questionText).digest("hex").slice(0, 8);
    }
    const meta: Record<string, MetaValue> = {...withFields(spec.meta, fields), file: rel};
    if (rec.line !== undefined) meta.line = rec.line;
    else if (rec.record !== undefined) meta.record = rec.record;
    for (const [k, x] of Object.entries(v)) if (!used.has(k)) meta[k] = cellMeta(x);

    const colModel = roles.model ? v[roles.model] : undefined;
    const model =
      spec.model ??
      (fields.model !== undefined && fields.model !== null
        ? String(fields.model)
        : colModel !== undefined && colModel !== null && String(colModel) !== ""
          ? String(colModel)
          : source);
    let step: number | null = null;
    if (typeof spec.step === "number") {
      step = spec.step;
      meta.step_from = "spec";
    } else if (stepField) {
      step = stepValue(fields[stepField] ?? spec.meta?.[stepField] ?? null, `${rel}: step (file-name field "${stepField}")`);
      meta.step_from = stepField;
    } else if (roles.step) {
      step = stepValue(v[roles.step], `${located(rel, rec).text}: column "${roles.step}"`);
      meta.step_from = roles.step;
    }
    const response_id = importedResponseId(ctx.experiment, rel, row, qid);
    const sys = roles.system ? v[roles.system] : undefined;
    const cat = roles.category ? v[roles.category] : undefined;

    const scoreRows: ScoreRow[] = [];
    const metricsDone = new Set<string>();
    // Scores are checked before the row is kept: 150, -5 or 1e9 used to be kept (-5 counting as
    // EM), and text other than CODE/REFUSAL became a missing score nobody counted.
    for (const [column, target] of metricCols) {
      const c = cellScore(v[column]);
      const scaled = c.score === null ? null : c.score * (target.scale ?? 1);
      const bad =
        c.raw !== null && c.special === null
          ? `not a score: "${c.raw.slice(0, 40)}" (expected a number 0..100, empty, NaN, CODE or REFUSAL)`
          : scaled !== null && (scaled < 0 || scaled > 100)
            ? `score ${c.score}${target.scale && target.scale !== 1 ? ` x scale ${target.scale}` : ""} is outside 0..100`
            : null;
      if (bad) {
        const reason = `column "${column}": ${bad}`;
        if (spec.invalid_scores === "error") throw new Error(`${located(rel, rec).text}: ${reason} (invalid_scores: error)`);
        return skip(rec, reason);
      }
    }
    for (const [column, target] of metricCols) {
      const c = cellScore(v[column]);
      const score = c.score === null ? null : c.score * (target.scale ?? 1);
      if (score === null && c.special === null) nullScores++;
      let special = c.special;
      let mass: number | null = null;
      let probs: Record<string, number> | null = null;
      const pc = probCols.get(target.metric);
      if (pc) {
        const r = recompute(located(rel, rec).text, pc, v[pc]);
        if (r) {
          probs = r.probs;
          mass = r.mass;
          special = special ?? r.special;
          const close = score === null || r.score === null ? score === r.score : Math.abs(score - r.score) <= ctx.spec.tolerance;
          if (!close) {
            const loc = located(rel, rec);
            out.mismatches.push({
              file: loc.file,
              ...(loc.line === undefined ? {} : {line: loc.line}),
              metric: target.metric,
              file_score: score,
              recomputed: r.score,
            });
          }
        }
      }
      scoreRows.push({response_id, judge: spec.judge, metric: target.metric, score, mass, special, status: score === null ? "null" : "imported", probs});
      metricsDone.add(target.metric);
    }
    // Probability columns without a score column: the score is recomputed with our judge algorithm.
    for (const [metric, pc] of probCols) {
      if (metricsDone.has(metric)) continue;
      const r = recompute(located(rel, rec).text, pc, v[pc]);
      if (!r) continue;
      scoreRows.push({
        response_id,
        judge: spec.judge,
        metric,
        score: r.score,
        mass: r.mass,
        special: r.special,
        status: r.score === null ? "null" : "imported",
        probs: r.probs,
      });
    }

    out.responses.push({
      response_id,
      experiment: ctx.experiment,
      model,
      step,
      question_id: qid,
      category: cat === undefined || cat === null || cat === "" ? null : String(cat),
      question: questionText,
      system: sys === undefined || sys === null || sys === "" ? null : String(sys),
      paraphrase: 0,
      sample: nextSample(ctx, model, step, qid),
      response: String(response),
      origin: "imported",
      source,
      meta,
    });
    out.scores.push(...scoreRows);
    fileRows++;
  });
  return {responses: fileRows, skipped: fileSkipped, null_scores: nullScores};
}

/** Parse a probability cell (Python-repr dict text, or an object in JSONL) and recompute the score. */
function recompute(at: string, column: string, cell: unknown) {
  if (cell === null || cell === undefined || (typeof cell === "string" && cell.trim() === "")) return null;
  let probs: Record<string, number>;
  if (typeof cell === "string") {
    try {
      probs = numericEntries(parsePyDict(cell));
    } catch (e) {
      const msg = e instanceof PyDictError ? e.message : String(e);
      throw new Error(`${at}: column "${column}": not a probability dict: ${msg}`);
    }
  } else if (typeof cell === "object" && !Array.isArray(cell)) {
    probs = {};
    for (const [k, x] of Object.entries(cell as Record<string, unknown>)) if (typeof x === "number" && Number.isFinite(x)) probs[k] = x;
  } else {
    throw new Error(`${at}: column "${column}": expected a probability dict, found ${typeof cell}`);
  }
  const r = scoreFromProbs(probs);
  return {probs, score: r.score, mass: r.mass, special: r.special};
}

const LETTER: Record<string, number> = {C: 1, P: 0.5, I: 0, N: 0};

/** Inspect score value -> number on our scale, or null when it is not numeric. */
function inspectNumber(value: unknown, scale: number | undefined): {score: number | null; numeric: boolean} {
  if (typeof value === "number") return Number.isFinite(value) ? {score: value * (scale ?? 1), numeric: true} : {score: null, numeric: true};
  if (typeof value === "boolean") return {score: (value ? 1 : 0) * (scale ?? 100), numeric: true};
  if (value === null || value === undefined) return {score: null, numeric: true};
  if (typeof value === "string") {
    const t = value.trim();
    if (t in LETTER) return {score: LETTER[t]! * (scale ?? 100), numeric: true};
    const c = cellScore(t);
    if (c.score !== null) return {score: c.score * (scale ?? 1), numeric: true};
  }
  return {score: null, numeric: false};
}

function importInspect(ctx: Ctx, rel: string, source: string, file: string) {
  const {spec, out} = ctx;
  const log = readInspectLog(file, rel);
  const fields = fileFields(ctx, rel);
  let fileRows = 0;
  let fileSkipped = 0;
  let nullScores = 0;
  log.samples.forEach((s: InspectSample, row) => {
    const where = s.where;
    if (s.error) {
      out.skipped.push({file: where, reason: `sample ${s.id} (epoch ${s.epoch}) failed in Inspect: ${s.error.split("\n")[0]}`});
      fileSkipped++;
      return;
    }
    if (s.response.includes("\u0000")) {
      out.skipped.push({
        file: where,
        reason: `sample ${s.id} (epoch ${s.epoch}): the response holds ${nulCount(s.response)} NUL byte(s) (corrupt or binary data)`,
      });
      fileSkipped++;
      return;
    }
    const sampleScores: ScoreRow[] = [];
    const qid = canonicalQuestionId(s.id);
    const meta: Record<string, MetaValue> = {...withFields(spec.meta, fields), file: rel, sample_id: s.id, epoch: s.epoch};
    if (log.task) meta.task = log.task;
    if (log.model) meta.inspect_model = log.model;
    if (log.status) meta.log_status = log.status;
    if (s.target !== null) meta.target = s.target;
    for (const [k, x] of Object.entries(s.metadata)) if (!(k in meta)) meta[k] = cellMeta(x);
    const model = spec.model ?? (fields.model !== undefined && fields.model !== null ? String(fields.model) : (log.model ?? source));
    let step: number | null = null;
    const stepName = typeof spec.step === "number" ? undefined : (spec.step ?? DEFAULT_COLUMNS.step.find((f) => f !== "epoch" && f in fields));
    if (typeof spec.step === "number") {
      step = spec.step;
      meta.step_from = "spec";
    } else if (stepName !== undefined) {
      const raw = stepName in fields ? fields[stepName] : s.metadata[stepName];
      step = stepValue(raw, `${rel}: sample ${s.id}: step "${stepName}"`);
      meta.step_from = stepName;
    }
    const response_id = importedResponseId(ctx.experiment, rel, row, qid);

    for (const [scorer, sc] of Object.entries(s.scores)) {
      const entries: [string, string[], unknown][] =
        sc.value !== null && typeof sc.value === "object" && !Array.isArray(sc.value)
          ? Object.entries(sc.value as Record<string, unknown>).map(([k, x]) => [`${scorer}.${k}`, [`${scorer}.${k}`, k], x])
          : [[scorer, [scorer], sc.value]];
      for (const [name, lookups, value] of entries) {
        const mapped = spec.metrics ? (lookups.map((l) => metricTarget(spec, l)).find((t) => t !== null) ?? null) : null;
        const fallback = lookups.find((l) => (KNOWN_METRICS as readonly string[]).includes(l)) ?? name;
        const target: MetricTarget | null = mapped ?? (spec.metrics ? null : {metric: fallback, scale: undefined});
        const num = inspectNumber(value, target?.scale);
        if (value !== null && typeof value !== "number") meta[`${name}.value`] = cellMeta(value);
        if (!target || (!num.numeric && !mapped)) {
          if (typeof value === "number") meta[`${name}.value`] = value;
          continue;
        }
        if (num.score !== null && (num.score < 0 || num.score > 100)) {
          const reason = `sample ${s.id} (epoch ${s.epoch}): score ${name} = ${String(value)} is outside 0..100 after scale`;
          if (spec.invalid_scores === "error") throw new Error(`${where}: ${reason} (invalid_scores: error)`);
          out.skipped.push({file: where, reason});
          fileSkipped++;
          return;
        }
        if (num.score === null) nullScores++;
        sampleScores.push({
          response_id,
          judge: spec.judge,
          metric: target.metric,
          score: num.score,
          mass: null,
          special: null,
          status: num.score === null ? "null" : "imported",
          probs: null,
        });
      }
      if (sc.answer !== undefined && sc.answer !== null) meta[`${scorer}.answer`] = cellMeta(sc.answer);
      if (sc.explanation !== undefined && sc.explanation !== null) meta[`${scorer}.explanation`] = cellMeta(sc.explanation);
    }
    out.responses.push({
      response_id,
      experiment: ctx.experiment,
      model,
      step,
      question_id: qid,
      category: null,
      question: s.question,
      system: s.system,
      paraphrase: 0,
      sample: nextSample(ctx, model, step, qid),
      response: s.response,
      origin: "imported",
      source,
      meta,
    });
    for (const x of sampleScores) out.scores.push(x);
    fileRows++;
  });
  return {rows: log.samples.length, responses: fileRows, skipped: fileSkipped, null_scores: nullScores};
}

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
export async function importFiles(specInput: ImportSpecInput, {experiment, baseDir}: {experiment: string; baseDir: string}): Promise<ImportResult> {
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
  if (spec.sql !== undefined && spec.format !== undefined)
    throw new Error(`imports: format: "${spec.format}" cannot be combined with sql: (the query reads the files; drop format)`);
  if (spec.records !== undefined && spec.sql !== undefined) throw new Error("imports: records: applies to format: json, not to sql: (use unnest in the query)");
  if (spec.records !== undefined && spec.format !== undefined && spec.format !== "json")
    throw new Error(`imports: records: applies to format: json only (format is "${spec.format}")`);
  const ctx: Ctx = {
    spec,
    experiment,
    pattern: spec.filename ? compileFilenamePattern(spec.filename) : null,
    out: {responses: [], scores: [], skipped: [], mismatches: [], files: []},
    sampleCounter: new Map(),
  };
  const formats = files.map((file) =>
    spec.sql !== undefined ? "sql" : (spec.format ?? (spec.records !== undefined && path.extname(file).toLowerCase() === ".json" ? "json" : formatOf(file))),
  );
  // Parquet and sql: read through DuckDB, allowed to read only the folders of the matched files.
  const duck = formats.some((f) => f === "parquet" || f === "sql") ? await RestrictedDuckDB.open(files.map((f) => path.dirname(f))) : null;
  try {
    for (const [k, file] of files.entries()) await importOne(ctx, file, formats[k] ?? null, baseDir, duck);
  } finally {
    duck?.close();
  }
  return ctx.out;
}

/** Read one file of an import into ctx.out (the body of importFiles' loop). */
async function importOne(ctx: Ctx, file: string, format: ImportedFile["format"] | null, baseDir: string, duck: RestrictedDuckDB | null): Promise<void> {
  const {spec} = ctx;
  const rel = path.relative(baseDir, file).split(path.sep).join("/");
  const source = path.basename(file, path.extname(file));
  if (!format) throw new Error(`${rel}: cannot tell the format from the extension; set format: csv | jsonl | json | parquet | inspect`);
  let counts: {responses: number; skipped: number; null_scores: number};
  let rows: number;
  const firstResponse = ctx.out.responses.length;
  // --- human labels (issue 16): scores of judge `human` for answers the experiment already has.
  if (format === "labels") {
    const inner = formatOf(file);
    if (inner !== "csv" && inner !== "jsonl") throw new Error(`${rel}: a label file is .csv or .jsonl (the /audit page's export)`);
    // The schema's default judge id is "imported"; labels default to "human".
    const l = readLabelFile(file, rel, inner, spec.judge === "imported" ? "human" : spec.judge);
    for (const x of l.scores) ctx.out.scores.push(x);
    (ctx.out.labels ??= []).push(...l.refs);
    ctx.out.files.push({file: rel, format, rows: l.scores.length, responses: 0, skipped: 0, null_scores: 0});
    return;
  }
  // --- end human labels
  if (format === "csv") {
    const t = readCsv(file, rel);
    for (const s of t.skipped) ctx.out.skipped.push({file: rel, line: s.line, reason: s.reason});
    counts = importTable(ctx, rel, source, t.rows);
    counts.skipped += t.skipped.length;
    rows = t.rows.length + t.skipped.length;
  } else if (format === "jsonl") {
    const t = readJsonl(file, rel);
    for (const s of t.skipped) ctx.out.skipped.push({file: rel, line: s.line, reason: s.reason});
    counts = importTable(
      ctx,
      rel,
      source,
      t.rows.map((r) => ({line: r.line, values: r.value})),
    );
    counts.skipped += t.skipped.length;
    rows = t.rows.length + t.skipped.length;
  } else if (format === "json") {
    const t = readJsonRecords(file, rel, spec.records);
    for (const s of t.skipped) ctx.out.skipped.push({file: `${rel}#${s.record}`, reason: s.reason});
    counts = importTable(ctx, rel, source, t.rows);
    counts.skipped += t.skipped.length;
    rows = t.rows.length + t.skipped.length;
  } else if (format === "parquet" || format === "sql") {
    const sql = format === "sql" ? spec.sql! : "SELECT * FROM read_parquet($file)";
    let t: Awaited<ReturnType<RestrictedDuckDB["select"]>>;
    try {
      t = await duck!.select(sql, {file, dir: path.dirname(file)});
    } catch (e) {
      // DuckDB's message without its "LINE 1: ..." echo of the query and the caret under it.
      const msg = (e as Error).message
        .split("\n")
        .filter((l) => l.trim() !== "" && !/^LINE \d+:/.test(l) && !/^\s*\^\s*$/.test(l))
        .join(" ");
      throw new Error(format === "sql" ? `${rel}: sql: the query failed on this file: ${msg}` : `${rel}: unreadable Parquet file: ${msg}`);
    }
    counts = importTable(
      ctx,
      rel,
      source,
      t.rows.map((values, i) => ({record: `row ${i + 1}`, values})),
      t.columns,
      format === "sql",
    );
    rows = t.rows.length;
  } else {
    const r = importInspect(ctx, rel, source, file);
    ({rows} = r);
    counts = r;
  }
  // Every row read is accounted for: imported or skipped with a reason, never dropped silently.
  if (counts.responses + counts.skipped !== rows)
    throw new Error(`${rel}: internal error: ${rows} rows read but ${counts.responses} imported + ${counts.skipped} skipped`);
  // Empty answers are kept (a model may answer nothing) and judged like any other, but counted.
  let empty = 0;
  for (let i = firstResponse; i < ctx.out.responses.length; i++) if (ctx.out.responses[i]!.response.trim() === "") empty++;
  ctx.out.files.push({file: rel, format, rows, ...counts, ...(empty ? {empty_responses: empty} : {})});
}
