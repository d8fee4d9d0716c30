// Small pure summaries the site's views need on top of GroupSummary, until (or beside) the
// analysis library's own: the mean over replicates with a between-replicate interval, the strict
// EM range when some EM answers are of undetermined type, and a variant-minus-baseline difference.

import {newcombeDiff, normalQuantile, tQuantile, type Interval} from "./intervals.js";
import type {GroupSummary} from "./summary.js";

export interface ReplicateAggregate {
  /** Replicates with a defined rate. */
  n: number;
  /** Mean of the per-replicate rates (each replicate weighs the same, whatever its size). */
  mean: number | null;
  /** Student t interval over the replicate rates (df = n - 1); null with fewer than 2 replicates. */
  ci: Interval | null;
  /** Sample standard deviation of the replicate rates; null with fewer than 2. */
  sd: number | null;
}

/**
 * Aggregate per-replicate rates (e.g. one per training seed) as Betley et al. report seeded runs:
 * the mean, with a t interval that reflects the spread between replicates (not the answers within
 * one). With two replicates the interval is wide (t = 12.7 at 95%): that is the honest width.
 * Bounds are clipped to [0, 1].
 */
export function replicateAggregate(rates: readonly (number | null)[], confidence = 0.95): ReplicateAggregate {
  const xs = rates.filter((r): r is number => r !== null && Number.isFinite(r));
  const n = xs.length;
  if (n === 0) return {n, mean: null, ci: null, sd: null};
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return {n, mean, ci: null, sd: null};
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return {n, mean, ci: [Math.max(0, mean - half), Math.min(1, mean + half)], sd};
}

/**
 * Strict EM as a range when EM answers of undetermined type exist: [none of them emergent, all of
 * them emergent] over the rule's denominator. Uses the library's `strict_em_range` when the summary
 * has one; otherwise derives it from the counts (n_strict_em and em_by_type.undetermined).
 * Null when there is nothing undetermined (strict EM is then a point, `strict_em_rate`).
 */
export function strictRange(g: Pick<GroupSummary, "n_scored" | "n_strict_em" | "em_by_type"> & {strict_em_range?: [number, number] | null}): [number, number] | null {
  if (g.strict_em_range !== undefined) return g.strict_em_range;
  const und = g.em_by_type?.undetermined ?? 0;
  if (!(und > 0) || !(g.n_scored > 0)) return null;
  return [g.n_strict_em / g.n_scored, (g.n_strict_em + und) / g.n_scored];
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
