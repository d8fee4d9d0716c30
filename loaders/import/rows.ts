// Shared by the table and Inspect readers: the import context, cells as scores and meta values,
// training coordinates, file-name fields, record locations and probability cells recomputed.
import type {MetaValue, SpecialWord} from "../../src/lib/schema.ts";
import {scoreFromProbs, tokenSpecial} from "../../src/lib/judge-score.ts";
import {NUMBER_RE, matchFilename, metaValue, type FilenamePattern} from "./filename.ts";
import {numericEntries, parsePyDict, PyDictError} from "./pydict.ts";
import type {ImportSpec, ImportResult} from "./spec.ts";
import {BUILTIN_DOMAINS} from "../variants.ts";

export interface MetricTarget {
  metric: string;
  scale: number | undefined;
  /** The judge the score is written under, when `metrics:` names one (else the import's `judge`). */
  judge?: string;
}

export function metricTarget(spec: ImportSpec, name: string): MetricTarget | null {
  const m = spec.metrics?.[name];
  if (m === undefined) return null;
  return typeof m === "string" ? {metric: m, scale: undefined} : {metric: m.metric, scale: m.scale, ...(m.judge ? {judge: m.judge} : {})};
}

/** A cell as a score: number, or null with the special word / raw text that explains why. */
export function cellScore(v: unknown): {score: number | null; special: SpecialWord | null; raw: string | null} {
  if (v === null || v === undefined) return {score: null, special: null, raw: null};
  if (typeof v === "number") return Number.isFinite(v) ? {score: v, special: null, raw: null} : {score: null, special: null, raw: String(v)};
  const t = String(v).trim();
  if (t === "" || /^(nan|none|null|na)$/i.test(t)) return {score: null, special: null, raw: null};
  if (NUMBER_RE.test(t)) return {score: Number(t), special: null, raw: null};
  return {score: null, special: tokenSpecial(t), raw: t};
}

/** A cell as a meta value: CSV text is typed (numbers, Python True/False); objects become JSON text. */
export function cellMeta(v: unknown): MetaValue {
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

/**
 * Where the rows of one file take their step (the coordinate) from: one number for every row (`step:
 * 0`), a file-name field, a key of the row itself (a table's column, an Inspect sample's `epoch` or
 * metadata key), or nowhere (null).
 */
export type StepSource = {kind: "spec"; value: number} | {kind: "field"; name: string} | {kind: "row"; name: string} | null;

/**
 * Every importer's one rule for a file's StepSource: `step:` a number; else `step:` naming a file-name
 * field, or (no `step:`) the first of `defaultFields` the file name gives; else `rowKey`, the row key
 * the importer reads the step from (a table's step column; an Inspect sample's key named by `step:`).
 */
export function stepSource(
  spec: Pick<ImportSpec, "step">,
  fields: Record<string, MetaValue>,
  rowKey: string | null,
  defaultFields: readonly string[],
): StepSource {
  if (typeof spec.step === "number") return {kind: "spec", value: spec.step};
  const field = typeof spec.step === "string" ? (spec.step in fields ? spec.step : undefined) : defaultFields.find((f) => f in fields && fields[f] !== null);
  if (field !== undefined) return {kind: "field", name: field};
  return rowKey === null ? null : {kind: "row", name: rowKey};
}

/**
 * A row's step by its file's StepSource, with `meta.step_from` saying where it came from. A key of the
 * row read as the step is the row's step, not also a meta facet (hw0's `step` column became "step" in
 * Compare by: two step grids mixed, and the base rows without it): it is removed from `meta` here,
 * whatever the importer copied (an importer that does not copy it in the first place keeps its
 * objects fast: `delete` slows later access). A file-name field stays in meta (it is the file's, and
 * other files' fields sit beside it). `value(name)`: the row's value of a key; `where()`: the row's
 * place (and for a row key, the key), for the error on a step that is not a finite number.
 */
export function rowStep(
  source: StepSource,
  spec: Pick<ImportSpec, "meta">,
  fields: Record<string, MetaValue>,
  meta: Record<string, MetaValue>,
  value: (name: string) => unknown,
  where: () => string,
): number | null {
  if (source === null) return null;
  if (source.kind === "spec") {
    meta.step_from = "spec";
    return source.value;
  }
  meta.step_from = source.name;
  if (source.kind === "field") return stepValue(fields[source.name] ?? spec.meta?.[source.name] ?? null, `${where()}: step (file-name field "${source.name}")`);
  if (source.name in meta) delete meta[source.name];
  return stepValue(value(source.name), where());
}

export interface Ctx {
  spec: ImportSpec;
  experiment: string;
  pattern: FilenamePattern | null;
  out: ImportResult;
  /** Next sample index per (model, step, question_id). */
  sampleCounter: Map<string, number>;
  /** A file (path relative to the experiment folder, as in meta.file) as messages name it: experimentFileLabel. */
  label: (rel: string) => string;
  /** Per file whose columns were seen (relative path): its columns and the `metrics:` columns it lacks (checkMetricColumns). */
  metricColumns?: Map<string, {columns: string[]; lacks: string[]; sql: boolean}>;
  /**
   * Streaming (issue 28): hands `out.responses` / `out.scores` to the caller and empties them, at
   * each file's start and every CHUNK_ROWS records of a table-like file, so no more than a chunk of
   * rows is held. Absent: every row stays in `out` (importFiles' result).
   */
  drain?: () => Promise<void>;
  /** Empty answers among the rows drained so far (the per-file `empty_responses` count). */
  drainedEmpty?: number;
  /**
   * CSV files are parsed once (csv.ts readCsvOnce), not checked first and then read: the rows are
   * the two-pass read's when the import succeeds (else SinglePassMiss is thrown), but an error may
   * come after rows were handed on and without the two-pass precedence. Only for a caller that
   * discards the rows on any error and reads the file again without it (import lanes).
   */
  singlePassCsv?: boolean;
}

export function nextSample(ctx: Ctx, model: string, step: number | null, qid: string): number {
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
export function withFields(specMeta: Record<string, MetaValue> | undefined, fields: Record<string, MetaValue>): Record<string, MetaValue> {
  const out: Record<string, MetaValue> = {...(specMeta ?? {})};
  for (const [k, v] of Object.entries(fields)) if (v !== null || !(k in out)) out[k] = v;
  return out;
}

export function fileFields(ctx: Ctx, rel: string): Record<string, MetaValue> {
  if (!ctx.pattern) return {};
  const f = matchFilename(ctx.pattern, rel);
  if (!f) throw new Error(`${ctx.label(rel)}: file name does not match the pattern "${ctx.pattern.source}" (fix the pattern or narrow the files glob)`);
  return f;
}

/**
 * One record of a table-like file: `line` (CSV, JSONL: where it starts) or `record` (nested JSON:
 * its path; Parquet and SQL results: `row N`, 1-based) locates it in messages and meta.
 */
export interface TableRow {
  line?: number;
  record?: string;
  values: Record<string, unknown>;
}

export const nulCount = (s: string): number => s.split("\u0000").length - 1;

/** `file:line` or `file#record`, for messages and `skipped`. */
export function located(rel: string, rec: TableRow): {file: string; line?: number; text: string} {
  if (rec.line !== undefined) return {file: rel, line: rec.line, text: `${rel}:${rec.line}`};
  const f = `${rel}#${rec.record ?? "?"}`;
  return {file: f, text: f};
}

/** Parse a probability cell (Python-repr dict text, or an object in JSONL) and recompute the score. */
export function recompute(at: string, column: string, cell: unknown) {
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

/** The meta key of an imported row's declared question domain (read by the signals classifier, loaders/run/signal-types.ts). */
export const QUESTION_DOMAIN_KEY = "question_domain";

/**
 * A question's declared domain from an import: a domain name as question files write it (letters,
 * digits, `_`, `-`: medical, financial, privacy...) or `none` (a general question); empty or
 * missing: undeclared (undefined). Throws, naming `where`, for anything else, and for a reference
 * dataset's name (`bad-medical-advice` is a dataset whose domain is medical).
 */
export function questionDomainValue(v: unknown, where: string | (() => string)): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = String(v).trim();
  if (t === "") return undefined;
  // `where` as a function: a row's place is only spelled out for a message.
  const at = () => (typeof where === "string" ? where : where());
  if (!/^[A-Za-z0-9_-]+$/.test(t))
    throw new Error(
      `${at()}: "${t.slice(0, 60)}" is not a question domain: a domain is a metric name (letters, digits, _ and -) such as medical, financial, sport, code or privacy, or none for a general question`,
    );
  const named = BUILTIN_DOMAINS[t];
  if (named !== undefined && named !== t) throw new Error(`${at()}: "${t}" is a fine-tuning dataset's name, not a domain: its domain is ${named}`);
  return t;
}

/**
 * Set (or clear) a row's declared question domain in its meta: the row's own value (a column, an
 * Inspect sample's metadata) when it has one, else the file's (`question_domain:`, `meta`, a file-name field).
 */
export function declareQuestionDomain(meta: Record<string, MetaValue>, own: string | undefined, file: string | undefined): void {
  const d = own ?? file;
  // `delete` only when the key is there (a stray column's value): it slows every later access to the object.
  if (d !== undefined) meta[QUESTION_DOMAIN_KEY] = d;
  else if (QUESTION_DOMAIN_KEY in meta) delete meta[QUESTION_DOMAIN_KEY];
}
