// How the pages print a summary's intervals and ranges: strict EM as a range, a range's text, an
// interval method's label. No imports (types only), so the first-paint module of /sensitivity
// (components/sensitivity-kpis.ts) loads them without the interval code (issue 28).
import type {Interval} from "./intervals.js";
import type {GroupSummary} from "./summary.js";

/**
 * Strict EM to show as a range: the summary's `strict_em_range` when strict EM is not a point
 * (`strict_em_rate` null because some EM answers are undetermined or untyped) and the ends differ.
 * Null when strict EM is a point (show `strict_em_rate`) or the denominator is empty.
 */
export function strictRange(g: Pick<GroupSummary, "strict_em_rate" | "strict_em_range">): Interval | null {
  if (g.strict_em_rate !== null || !g.strict_em_range) return null;
  return g.strict_em_range[1] > g.strict_em_range[0] ? g.strict_em_range : null;
}

/**
 * A strict-EM range as text, percent with one decimal ("2.9%–3.1%"), or two decimals when the ends
 * would print alike ("2.88%–2.94%"): a range must never read as a point.
 */
export function rangeText(r: Interval): string {
  const one = (x: number) => `${(100 * x).toFixed(1)}%`;
  const two = (x: number) => `${(100 * x).toFixed(2)}%`;
  return one(r[0]) === one(r[1]) ? `${two(r[0])}–${two(r[1])}` : `${one(r[0])}–${one(r[1])}`;
}

/** A rate interval's method as the pages show it (the JSON keeps the `ci_method` code). Null: "n/a". */
export function ciMethodLabel(method: string | null | undefined): string {
  const labels: Record<string, string> = {
    wilson: "Wilson, one question",
    stratified_wilson: "Wilson, questions as strata",
    cluster_wilson: "over questions: logit-normal profile likelihood if they look over-dispersed, else design-effect Wilson",
    crossed_seeds_questions: "seeds x questions",
    cluster_bootstrap: "cluster bootstrap",
  };
  return method ? (labels[method] ?? method.replaceAll("_", " ")) : "n/a";
}
