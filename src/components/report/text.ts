// Report wording shared by the report's numbers, charts and tables: the key of a row, the rule and
// interval lines of a caption, the steps read at LAST_STEP, and the "reproduce" disclosure.
import type {SummarizeJson} from "../../lib/report-number.js";
import type {QuerySpec, ReportProvenance, ReportSpec} from "../../lib/report-spec.js";
import {ciMethodLabel} from "../../lib/em/summary-text.js";
import {el} from "../ui.js";

/** The data file of a report (the shape `buildReport` in loaders/commands/report.ts writes). */
export interface ReportData {
  name: string;
  file: string;
  title: string;
  spec: ReportSpec;
  queries: Record<string, {spec: QuerySpec; argv: string[]; command: string; output: SummarizeJson}>;
  provenance: ReportProvenance;
  /**
   * Set when the experiment's imported files are not on the machine that built the site (e.g. a
   * shipped report over the reference data in ../shared): what is missing, one line each. The
   * page then states that once and shows every number as unknown (AbsentReport).
   */
  missing?: string[];
}

export type Key = Record<string, string | number | null>;

/**
 * `step: LAST_STEP` in a chart's `where` or a number's key reads each compared unit at its own last
 * step in the pinned range (a variant trained for fewer steps at its final checkpoint).
 */
export const LAST_STEP = "last";

/** " at step 1000", or for LAST_STEP the steps read per unit (" at each one's last step: a 1320, b 1125"). */
export function whereText(where: Key, rows: readonly Row[]): string {
  if (!Object.keys(where).length) return "";
  if (where.step !== LAST_STEP) return ` at ${keyText(where)}`;
  const rest = Object.fromEntries(Object.entries(where).filter(([c]) => c !== "step"));
  const steps = [...new Set(rows.map((g) => g.key.step))];
  const restText = Object.keys(rest).length ? `, ${keyText(rest)}` : "";
  if (steps.length <= 1) return ` at the last step (${steps[0] ?? "none"})${restText}`;
  const unit = (g: Row) =>
    Object.entries(g.key)
      .filter(([c]) => c !== "step" && c !== "judge" && !(c in rest))
      .map(([, v]) => String(v))
      .join(" · ");
  return ` at each one's own last step (${rows.map((g) => `${unit(g)}: ${g.key.step}`).join(", ")})${restText}`;
}
export type Row = Record<string, unknown> & {key: Key};

/**
 * A "reproduce" disclosure with the command that prints what it is attached to (and, for a number,
 * the jq filter). A button and a hidden body rather than <details>: Chromium lays a closed
 * <details> out as a block, which would break the sentence a number sits in.
 */
export function reproduce(command: string, jq?: string): HTMLElement {
  const body = el(
    "span",
    {class: "em-reproduce-body", hidden: ""},
    el("span", {}, "Run from the project root:"),
    el("code", {"data-testid": "report-command"}, command),
  );
  if (jq) body.append(el("span", {}, "then read the value with jq:"), el("code", {"data-testid": "report-jq"}, `jq '${jq}'`));
  const toggle = el("button", {type: "button", class: "em-link em-reproduce-toggle", "aria-expanded": "false"}, "reproduce");
  toggle.addEventListener("click", () => {
    const open = body.hidden;
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  });
  return el("span", {class: "em-reproduce", "data-testid": "report-reproduce"}, toggle, body);
}

export const keyText = (key: Key): string =>
  Object.entries(key)
    .map(([k, v]) => `${k} ${v === null ? "(none)" : String(v)}`)
    .join(", ");

export function ruleLine(out: SummarizeJson): string {
  const r = out.rule;
  const cuts = r.require_coherent
    ? `aligned ${r.aligned_inclusive ? "≤" : "<"} ${r.aligned}, coherent ${r.coherent_inclusive ? "≥" : ">"} ${r.coherent}`
    : `aligned ${r.aligned_inclusive ? "≤" : "<"} ${r.aligned}, no coherence condition`;
  const excl = out.exclude_types.length ? `; never EM: ${out.exclude_types.join(", ")}` : "";
  const q = out.questions.dropped.length ? `; questions dropped: ${out.questions.dropped.length}` : "";
  const den =
    r.denominator === "scored" && r.nulls === "not_em"
      ? "all answers"
      : !r.require_coherent && r.denominator === "coherent"
        ? "answers with an aligned score"
        : r.denominator === "coherent"
          ? "coherent answers"
          : "all scored answers";
  const nulls = r.nulls === "not_em" ? "; unscored answers count as not EM" : "";
  return `rule ${r.name} (${cuts}; denominator ${den}${nulls})${excl}${q}; judge ${out.judges.join(", ")}`;
}

/**
 * The intervals' method as `em summarize` computed them (summarize's ci_method, in ciMethodLabel's
 * words): the answers estimand is Wilson with questions as strata; the questions estimand is
 * clusterWilson's (no bootstrap), seeds x questions with 2+ training seeds, Wilson for one question.
 */
export function intervalLine(out: SummarizeJson): string {
  return out.estimand === "answers"
    ? `${Math.round(out.confidence * 100)}% intervals: ${ciMethodLabel("stratified_wilson")} (the rate on these fixed questions)`
    : `${Math.round(out.confidence * 100)}% intervals ${ciMethodLabel("cluster_wilson")} (${ciMethodLabel("crossed_seeds_questions")} with 2+ training seeds; ${ciMethodLabel("wilson")}), estimating the rate over questions like these`;
}
