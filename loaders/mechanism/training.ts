// Training logs: per-step scalars (loss, gradient norm, learning rate...) from CSV or JSON Lines,
// including W&B and TensorBoard CSV exports as they are downloaded:
// - plain: a step column and any number of scalar columns;
// - W&B: `Step` and `<run> - <metric>` columns (plus `<run> - <metric>__MIN` / `__MAX`, dropped);
// - TensorBoard: `Wall time,Step,Value`; the metric is named by the entry's `metric:` or by the file
//   name (the part after `tag-` of TensorBoard's `run-<run>-tag-<tag>.csv`, else the base name).
// Time columns (Wall time, _timestamp, _runtime, Relative Time) are dropped; a column with no numeric
// value is dropped; an empty cell is a missing value. A step logged twice keeps its last value.
import path from "node:path";
import {displayPath} from "../paths.ts";
import {readCsv} from "../import/csv.ts";
import {readJsonl} from "../import/jsonl.ts";

/** Column names tried for the step, in order (case-insensitive), when `step:` does not name one. */
export const STEP_COLUMNS = ["step", "global_step", "train/global_step", "_step", "trainer/global_step", "epoch"] as const;
const TIME_COLUMNS = new Set(["wall time", "_timestamp", "_runtime", "relative time", "timestamp"]);

export interface TrainingLog {
  file: string;
  /** Scalar names, in file order. */
  metrics: string[];
  /** One entry per step, ascending. */
  rows: {step: number; values: Record<string, number | null>}[];
}

function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string" || v.trim() === "") return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : null;
}

/** Metric name of a TensorBoard export's `Value` column. */
function tensorboardName(file: string): string {
  const base = path.basename(file).replace(/\.(csv|jsonl|ndjson)$/i, "");
  const m = /tag-(.+)$/.exec(base);
  return m ? m[1]! : base;
}

/**
 * Read one training log. `step` names the step column (default: the first of STEP_COLUMNS present);
 * `metric` names a TensorBoard export's Value column. Errors name the file (and line): no step
 * column, a non-numeric or negative step, no scalar column, several W&B runs mapping to one metric.
 */
export function readTrainingLog(file: string, {step, metric}: {step?: string; metric?: string} = {}): TrainingLog {
  const shown = displayPath(file);
  const ext = path.extname(file).toLowerCase();
  let columns: string[];
  let records: {line: number; values: Record<string, unknown>}[];
  if (ext === ".jsonl" || ext === ".ndjson") {
    const r = readJsonl(file, shown);
    records = r.rows.map((x) => ({line: x.line, values: x.value}));
    columns = [...new Set(records.flatMap((x) => Object.keys(x.values)))];
  } else if (ext === ".csv") {
    const r = readCsv(file, shown);
    columns = r.columns;
    records = r.rows;
  } else throw new Error(`${shown}: training logs are .csv or .jsonl / .ndjson files (found '${ext || "no extension"}')`);
  const stepCol = step ?? columns.find((c) => STEP_COLUMNS.includes(c.toLowerCase() as (typeof STEP_COLUMNS)[number]));
  if (!stepCol || !columns.includes(stepCol))
    throw new Error(
      `${shown}: no step column${step ? ` '${step}'` : ` (looked for ${STEP_COLUMNS.join(", ")})`}; columns: ${columns.join(", ") || "none"}; name it with \`step: COLUMN\``,
    );
  const tensorboard = columns.some((c) => c.toLowerCase() === "wall time") && columns.includes("Value");
  // column -> metric name
  const names = new Map<string, string>();
  for (const c of columns) {
    if (c === stepCol || TIME_COLUMNS.has(c.toLowerCase()) || /__(MIN|MAX)$/.test(c)) continue;
    const name = tensorboard && c === "Value" ? (metric ?? tensorboardName(file)) : (/^.+? - (.+)$/.exec(c)?.[1] ?? c);
    const clash = [...names.entries()].find(([, n]) => n === name);
    if (clash) throw new Error(`${shown}: columns '${clash[0]}' and '${c}' are both metric '${name}' (a W&B export of several runs?); export one run per file`);
    names.set(c, name);
  }
  const byStep = new Map<number, Record<string, number | null>>();
  const seen = new Set<string>();
  for (const r of records) {
    const s = num(r.values[stepCol]);
    if (s === null || s < 0)
      throw new Error(`${shown}:${r.line}: step column '${stepCol}' holds ${JSON.stringify(r.values[stepCol] ?? null)}, not a step number`);
    const values: Record<string, number | null> = byStep.get(s) ?? {};
    for (const [c, name] of names) {
      const v = num(r.values[c]);
      if (v !== null) {
        values[name] = v;
        seen.add(name);
      } else if (!(name in values)) values[name] = null;
    }
    byStep.set(s, values);
  }
  const metrics = [...names.values()].filter((n) => seen.has(n));
  if (!metrics.length) throw new Error(`${shown}: no scalar column with a numeric value besides the step '${stepCol}'`);
  const rows = [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, v]) => ({step: s, values: Object.fromEntries(metrics.map((m) => [m, v[m] ?? null]))}));
  return {file, metrics, rows};
}
