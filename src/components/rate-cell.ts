// A rate as the tables print it: the point with its 95% interval from the library's summary
// (summarize, the numbers `em summarize` prints), never a bare point.
import type {Interval} from "../lib/em/intervals.js";
import type {GroupSummary} from "../lib/em/summary.js";
import {ciMethodLabel, rangeText, strictRange} from "../lib/em/summary-text.js";
import {el, pct} from "./ui.js";

/**
 * A rate with its 95% interval, both from the library's summary of the group (summarize, as `em
 * summarize` prints them): "12.3% [10.1–14.6%]", ≈ after an approximate interval, the method and
 * why it is approximate on hover. No rate: "–".
 */
export function rateWithCi(
  rate: number | null | undefined,
  ci: Interval | null | undefined,
  method: string | null | undefined,
  approximate: string | null | undefined,
): HTMLElement {
  if (rate === null || rate === undefined) return el("span", {}, "–");
  const title = `95% CI: ${ci ? ciMethodLabel(method) : "none (no answers in the denominator)"}${approximate ? `; approximate: ${approximate}` : ""}`;
  return el(
    "span",
    {"data-testid": "rate-ci", title},
    pct(rate),
    // Word joiners keep the interval on one line in a narrow column.
    el("span", {class: "em-muted"}, `\u00a0[${ci ? `${pct(ci[0])}\u2060–\u2060${pct(ci[1])}` : "no interval"}]${approximate ? "\u00a0≈" : ""}`),
  );
}

/** Strict EM of a group: a range when some EM answers are of undetermined type, else the point with its interval. */
export function strictCell(g: GroupSummary | null | undefined): string | HTMLElement {
  const r = g ? strictRange(g) : null;
  if (r) return `${rangeText(r)} (range)`;
  // Strict EM's interval is rateCi on the questions (summarize); the seeds x questions method is broad EM's only.
  const method = g?.ci_method === "crossed_seeds_questions" ? "cluster_wilson" : g?.ci_method;
  return rateWithCi(g?.strict_em_rate, g?.strict_ci, method, g?.strict_ci_approximate);
}
