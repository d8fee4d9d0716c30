// Small pure summaries the site's views need on top of GroupSummary: whether strict EM must be
// shown as a range, and a variant-minus-baseline difference from two group tallies (the browser
// has tallies, not Judged rows; both paths share pairedTallyDiff in baseline.ts).

import {pairedTallyDiff, type DiffMethod, type SideCounts} from "./baseline.js";
import type {Interval} from "./intervals.js";
import {makeRng} from "./prng.js";
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

export interface BaselineDiff {
  /** EM(variant) - EM(baseline), as a fraction. */
  diff: number;
  ci: Interval | null;
  /** cluster_mover (clusterDiffCi) when both sides carry per-question counts; else newcombe (unpaired). */
  method: DiffMethod;
  n_questions_paired: number;
  /** Why the interval is approximate, or null. */
  approximate: string | null;
  /** Two-sided p-value of no difference (the interval inverted; baseline.ts). */
  p_value: number | null;
}

/**
 * EM rate of a variant minus its baseline's from two group summaries (the browser's tallies):
 * pairedTallyDiff, the same estimator as `em summarize --baseline` (seeded; per-question counts
 * `qk`/`qd` make it question-paired). Null on an empty side.
 */
export function baselineDiff(
  variant: SideCounts,
  baseline: SideCounts,
  {confidence = 0.95, replicates = 400, seed = 0}: {confidence?: number; replicates?: number; seed?: number} = {},
): BaselineDiff | null {
  return pairedTallyDiff(variant, baseline, makeRng(seed), {confidence, replicates});
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
