// Small pure summaries the site's views need on top of GroupSummary: whether strict EM must be
// shown as a range, and a variant-minus-baseline difference from two group tallies (the browser
// has tallies, not Judged rows; both paths share pairedTallyDiff in baseline.ts).

import {pairedTallyDiff, type DiffMethod, type SideCounts} from "./baseline.js";
import type {Interval} from "./intervals.js";
import {makeRng} from "./prng.js";

// The text helpers live in summary-text.ts (no imports: the first-paint module of /sensitivity reads them).
export {ciMethodLabel, rangeText, strictRange} from "./summary-text.js";

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
