// One number of a report, read out of an `em summarize --format json` output (the very output a
// reader gets from the number's "reproduce" command), with its interval, what the interval
// estimates, and a jq filter that prints the same value. Pure: shared by the pages, `em report
// check` and the tests, so the page and the check read a number the same way.

import type {RuleJson} from "./em/rules.js";
import {verdictText} from "./em/verdict-words.js";

/** The parts of `em summarize` JSON a report reads (docs/metrics.md has the full contract). */
export interface SummarizeJson {
  judges: string[];
  rule: RuleJson;
  rule_text: string;
  by: string[];
  exclude_types: string[];
  confidence: number;
  estimand: "questions" | "answers";
  bootstrap: {replicates: number; seed: number};
  questions: {filter: string[]; kept: number; dropped: string[]};
  counts: {responses: number; rows: number};
  groups: Record<string, unknown>[];
  transitions?: Record<string, unknown>[];
  baseline_diffs?: Record<string, unknown>[];
}

/** Where a number sits: `groups` (rates), `transitions` (fits) or `baseline_diffs`. */
export type Section = "groups" | "transitions" | "baseline_diffs";

/** Which number: the section, the group's key (a subset of its key columns) and the field. */
export interface NumberRef {
  section: Section;
  key: Record<string, string | number | null>;
  field: string;
}

/** Interval field beside each point field. */
const INTERVAL_OF: Record<string, string> = {
  em_rate: "ci",
  broad_em_rate: "ci",
  macro_em_rate: "macro_ci",
  strict_em_rate: "strict_ci",
  midpoint: "ci",
  diff: "ci",
};

/**
 * Why the interval beside each interval field is approximate (summarize's notes: `ci_approximate` also
 * covers `macro_ci`); the page marks such an interval with ≈ and says why on hover, as rateWithCi does
 * on the other pages.
 */
const APPROXIMATE_OF: Record<string, string> = {ci: "ci_approximate", macro_ci: "ci_approximate", strict_ci: "strict_ci_approximate"};

/** The mark after an approximate interval, on the report pages as on the tables (src/components/rate-cell.ts). */
export const APPROXIMATE_MARK = "≈";

/** Fields that are shares (printed as percentages); the rest print as numbers. */
const RATE_FIELDS = new Set([
  "em_rate",
  "broad_em_rate",
  "macro_em_rate",
  "strict_em_rate",
  "coherent_rate",
  "null_aligned_rate",
  "code_rate",
  "refusal_rate",
  "expected_strict_em_rate",
  "baseline_em_rate",
  "floor",
  "ceiling",
  "diff",
]);

/**
 * Of `rows` (summarize groups keyed by the coordinate `step` and other columns), the row at each
 * unit's own last step, where a unit is a distinct key apart from its step (a variant, a variant x
 * judge): variants trained for different lengths are each read at their final checkpoint rather
 * than all at the longest one's (which drops the shorter ones). Rows without a numeric step are left
 * out. Keeps the input order; empty input gives [].
 */
export function atLastStep<R extends {key: Record<string, unknown>}>(rows: readonly R[]): R[] {
  const best = new Map<string, R>();
  for (const g of rows) {
    if (typeof g.key.step !== "number") continue;
    const unit = JSON.stringify(Object.entries(g.key).filter(([c]) => c !== "step"));
    const had = best.get(unit);
    if (!had || (had.key.step as number) < g.key.step) best.set(unit, g);
  }
  const keep = new Set(best.values());
  return rows.filter((g) => keep.has(g));
}

const keyMatches = (rowKey: unknown, want: Record<string, unknown>): boolean =>
  typeof rowKey === "object" && rowKey !== null && Object.entries(want).every(([k, v]) => (rowKey as Record<string, unknown>)[k] === v);

/** The rows of a section whose key contains `key` (a baseline diff matches on its variant too). */
export function findRows(out: SummarizeJson, ref: Pick<NumberRef, "section" | "key">): Record<string, unknown>[] {
  const rows = (out[ref.section] ?? []) as Record<string, unknown>[];
  return rows.filter(
    (r) => keyMatches(r.key, ref.key) || (ref.section === "baseline_diffs" && keyMatches({...(r.key as object), variant: r.variant}, ref.key)),
  );
}

/** The one row a reference names; throws when none or several match (a report must be unambiguous). */
export function findRow(out: SummarizeJson, ref: Pick<NumberRef, "section" | "key">): Record<string, unknown> {
  const rows = findRows(out, ref);
  if (rows.length !== 1) {
    const keys = ((out[ref.section] ?? []) as Record<string, unknown>[])
      .slice(0, 8)
      .map((r) => JSON.stringify(r.key))
      .join(", ");
    throw new Error(
      `${rows.length === 0 ? "no" : rows.length} ${ref.section} row${rows.length === 1 ? "" : "s"} with key ${JSON.stringify(ref.key)} (keys: ${keys || "none"})`,
    );
  }
  return rows[0]!;
}

export interface ReportNumber extends NumberRef {
  /** The value exactly as in the JSON (null: undetermined). */
  value: number | null;
  /** Why the interval is approximate (its coverage can differ from the nominal level; docs/validity.md), or null. */
  approximate: string | null;
  interval: [number, number] | null;
  /** Strict EM whose type is partly undetermined: the [lower, upper] range instead of a point. */
  range: [number, number] | null;
  /** Text shown on the page, e.g. "22.8% (95% CI 16.8–30.8%)". */
  text: string;
  /** What was measured, e.g. "683 of 2,998 answers; interval: cluster bootstrap over 16 questions". */
  detail: string;
  /** jq filter printing the value from the command's output. */
  jq: string;
}

const pctText = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;
const pctBare = (x: number, digits = 1): string => (100 * x).toFixed(digits);

/** A value in a field's unit: rates as percentages, differences in percentage points. */
export function formatValue(field: string, x: number): string {
  if (field === "diff") return `${x >= 0 ? "+" : ""}${pctBare(x)} pp`;
  if (RATE_FIELDS.has(field)) return pctText(x);
  return Number.isInteger(x) ? x.toLocaleString("en-US") : x.toFixed(1);
}

function intervalText(field: string, ci: [number, number], confidence: number): string {
  const c = `${Math.round(confidence * 100)}% CI`;
  if (field === "diff") return `${c} ${pctBare(ci[0])} to ${pctBare(ci[1])} pp`;
  if (RATE_FIELDS.has(field)) return `${c} ${pctBare(ci[0])}–${pctText(ci[1])}`;
  return `${c} ${ci[0].toFixed(1)}–${ci[1].toFixed(1)}`;
}

const jsonLit = (v: unknown): string => JSON.stringify(v);

/** A jq filter selecting the row by its key and printing the field. */
export function jqFilter(ref: NumberRef): string {
  const conds = Object.entries(ref.key).map(([k, v]) =>
    ref.section === "baseline_diffs" && k === "variant" ? `.variant == ${jsonLit(v)}` : `.key[${jsonLit(k)}] == ${jsonLit(v)}`,
  );
  return `.${ref.section}[] | select(${conds.join(" and ") || "true"}) | .${ref.field}`;
}

/**
 * Read a number from a summarize output and format it with its interval and estimand. A value the
 * data cannot determine reads as such: strict EM with undetermined types shows its range, a
 * transition that is not credible says so, an empty denominator says "no answer in the denominator".
 */
export function readNumber(out: SummarizeJson, ref: NumberRef): ReportNumber {
  const row = findRow(out, ref);
  if (!(ref.field in row)) throw new Error(`${ref.section} rows have no field '${ref.field}' (fields: ${Object.keys(row).join(", ")})`);
  const raw = row[ref.field];
  if (raw !== null && typeof raw !== "number") throw new Error(`field '${ref.field}' is not a number (${JSON.stringify(raw)})`);
  const value = raw as number | null;
  const ciField = INTERVAL_OF[ref.field];
  const ci =
    ciField && Array.isArray(row[ciField]) && (row[ciField] as unknown[]).every((x) => typeof x === "number") ? (row[ciField] as [number, number]) : null;
  const why = ci && ciField ? row[APPROXIMATE_OF[ciField] ?? ""] : null;
  const approximate = typeof why === "string" && why !== "" ? why : null;
  const range = ref.field === "strict_em_rate" && value === null && Array.isArray(row.strict_em_range) ? (row.strict_em_range as [number, number]) : null;
  let text: string;
  if (value !== null)
    text = ci
      ? `${formatValue(ref.field, value)} (${intervalText(ref.field, ci, out.confidence)})${approximate ? `\u00a0${APPROXIMATE_MARK}` : ""}`
      : formatValue(ref.field, value);
  else if (range) text = `${pctBare(range[0])}–${pctText(range[1])} (range: some EM answers' type is undetermined)`;
  else if (ref.section === "transitions") text = `none (${verdictText(String(row.verdict), changesOf(row))})`;
  else text = "undetermined (no answer in the denominator)";
  const detail = detailOf(out, row, ref);
  return {
    ...ref,
    value,
    interval: ci,
    approximate,
    range,
    text,
    detail: approximate && !detail.includes(approximate) ? `${detail}; approximate interval: ${approximate}` : detail,
    jq: jqFilter(ref),
  };
}

/** A transitions row's `changes` (p_constant below alpha); null when absent (JSON written before the field). */
const changesOf = (row: Record<string, unknown>): boolean | null => (typeof row.changes === "boolean" ? row.changes : null);

function detailOf(out: SummarizeJson, row: Record<string, unknown>, ref: NumberRef): string {
  const method = (m: unknown, nq: unknown): string =>
    m === "cluster_wilson"
      ? `over ${String(nq)} questions (logit-normal profile likelihood when they look over-dispersed, else design-effect Wilson)`
      : m === "crossed_seeds_questions"
        ? `seeds x questions (crossed, ${String(nq)} questions)`
        : m === "cluster_bootstrap"
          ? `cluster bootstrap over ${String(nq)} questions (${out.bootstrap.replicates} replicates, seed ${out.bootstrap.seed})`
          : m === "stratified_wilson"
            ? `Wilson with questions as strata (${String(nq)} questions)`
            : m === "wilson"
              ? "Wilson (answer level)"
              : "none";
  const estimand = out.estimand === "answers" ? "estimand: the rate on these fixed questions" : "estimand: the rate over a population of questions like these";
  if (ref.section === "groups") {
    const k = ref.field === "strict_em_rate" ? row.n_strict_em : ref.field === "broad_em_rate" ? row.n_em_broad : row.n_em;
    return `${Number(k).toLocaleString("en-US")} of ${Number(row.n_scored).toLocaleString("en-US")} answers in the denominator; interval: ${method(row.ci_method, row.n_questions)}${row.ci_approximate ? ` (approximate: ${String(row.ci_approximate)})` : ""}; ${estimand}`;
  }
  if (ref.section === "transitions")
    return `logistic fit along ${String(row.coordinate)} (${String(row.scale)} scale) over ${String(row.n_points)} points; ${row.verdict === "credible" ? "credible transition" : `no credible transition (${verdictText(String(row.verdict), changesOf(row))})`}, p(constant) ${row.p_constant === null ? "n/a" : Number(row.p_constant).toPrecision(2)}; interval: profile likelihood`;
  return `variant ${String(row.variant)} minus baseline ${String(row.baseline)} over ${String(row.n_questions_paired)} shared questions; interval: ${String(row.ci_method ?? "none")}`;
}
