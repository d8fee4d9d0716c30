// Small pure summaries the site's views need on top of GroupSummary: whether strict EM must be
// shown as a range, and a variant-minus-baseline difference from two group tallies (the browser
// has tallies, not Judged rows; `baselineDiffs` in baseline.ts is the paired version for rows).

import {newcombeDiff, normalQuantile, type Interval} from "./intervals.js";
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

export interface BaselineDiff {
  /** EM(variant) - EM(baseline), as a fraction. */
  diff: number;
  ci: Interval | null;
  method: "newcombe_unpaired";
}

/**
 * EM rate of a variant minus its baseline's, with Newcombe's hybrid score interval for two
 * independent proportions. It ignores that both were asked the same questions (a question-paired
 * interval is narrower when questions differ a lot); the method is named so the page can say so.
 */
export function baselineDiff(variant: Pick<GroupSummary, "n_em" | "n_scored">, baseline: Pick<GroupSummary, "n_em" | "n_scored">, confidence = 0.95): BaselineDiff | null {
  if (!(variant.n_scored > 0 && baseline.n_scored > 0)) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return {diff: variant.n_em / variant.n_scored - baseline.n_em / baseline.n_scored, ci: newcombeDiff(variant.n_em, variant.n_scored, baseline.n_em, baseline.n_scored, z), method: "newcombe_unpaired"};
}
