// The `imports:` entry of an experiment file (ImportSpecSchema), the result types of an import and
// the small pure helpers the readers share (response ids, format from the extension).
import {hash} from "node:crypto";
import path from "node:path";
import {z} from "zod";
import type {ResponseRow, ScoreRow} from "../../src/lib/schema.ts";
import type {LabelRef} from "./labels.ts";
import {BUILTIN_DOMAINS, DomainNameSchema} from "../variants.ts";

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
  /** The question's declared domain (a domain name or `none`; docs/importing.md "Question domains"). */
  question_domain: ["question_domain"],
} as const;
export type Role = keyof typeof DEFAULT_COLUMNS;

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
        question_domain: z.string().min(1),
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
     * Column (CSV / JSONL) or Inspect score name -> our metric. A value may be {metric, scale, judge}:
     * the score is multiplied by scale (default 1 for numbers, 100 for Inspect letter grades and booleans)
     * and written under `judge` (default the entry's `judge`), so one file holding several judges'
     * scores of the same answers imports each judge's columns under its own id.
     */
    metrics: z
      .record(
        z.string(),
        z.union([
          z.string().min(1),
          z.object({metric: z.string().min(1), scale: z.number().positive().optional(), judge: z.string().min(1).optional()}).strict(),
        ]),
      )
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
    /**
     * The domain of every question in these files, in the question files' vocabulary: a domain name
     * (medical, financial, privacy...) or `none` (general questions). A `question_domain` column
     * (or `columns.question_domain`) wins row by row. Undeclared: unknown (questions stay in strict EM).
     */
    question_domain: DomainNameSchema.superRefine((v, ctx) => {
      const named = BUILTIN_DOMAINS[v];
      if (named !== undefined && named !== v)
        ctx.addIssue({code: "custom", message: `"${v}" is a fine-tuning dataset's name, not a domain: its domain is ${named}`});
    }).optional(),
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

/** The judge ids an import writes scores under: its `judge`, then those its `metrics:` entries name. */
export function importJudges(spec: Pick<ImportSpec, "judge" | "metrics">): string[] {
  const ids = [spec.judge];
  for (const m of Object.values(spec.metrics ?? {})) if (typeof m !== "string" && m.judge && !ids.includes(m.judge)) ids.push(m.judge);
  return ids;
}
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
   * cells that were empty or NaN (kept as missing scores, status "null"); `not_judged`: answers a
   * judge gave no score at all (no score row).
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
  /**
   * (answer, judge) pairs the file gives no score for: every one of the judge's cells empty or
   * absent, when it has two or more score columns (table.ts judgeCells). No score row is written,
   * so the answer is not judged by that judge. Absent when 0.
   */
  not_judged?: number;
  /** Imported answers that are empty or only whitespace (kept and judged; counted so they are seen). Absent when 0. */
  empty_responses?: number;
  /** The `metrics:` columns this file lacks (imported without those metrics; checkMetricColumns). Absent when none. */
  missing_metrics?: string[];
}

/** Stable response id for an imported row: first 16 hex chars of sha256 over (experiment, file, row, question_id). */
export function importedResponseId(experiment: string, file: string, row: number, questionId: string): string {
  // crypto.hash: the digest createHash().update().digest() gives, without a Hash object per row (a million rows).
  return hash("sha256", JSON.stringify([experiment, file, row, questionId]), "hex").slice(0, 16);
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

/**
 * How an import names its rows' models, as the run's import log says it (table.ts's order: the
 * entry's `model:`, else a `{model}` file-name field, else a model column, else the file's name).
 */
export function modelNamingRule(spec: Pick<ImportSpec, "model" | "filename" | "columns" | "sql" | "format">): string {
  if (spec.model) return `every row's model is "${spec.model}" (model:)`;
  if (spec.filename && /\{model\}/.test(spec.filename)) return `models from the file-name field {model} of "${spec.filename}"`;
  if (spec.format === "inspect") return "models from each log's model, else named after each file";
  const column = spec.columns?.model;
  return `models from the column "${column ?? DEFAULT_COLUMNS.model.join('" / "')}" where a row has one, else named after each file (its name without the extension)`;
}
