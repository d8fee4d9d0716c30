// Judge drift (issue 26): the same judge model name, asked again about a fixed set of anchor
// answers, scores them differently than at the previous run (unpinned deployments change under one
// name). A paired test on the anchors' scores says whether the shift exceeds a stated tolerance.

import fCdf from "@stdlib/stats-base-dists-f-cdf";
import {tQuantile, type Interval} from "./intervals.js";

/** One anchor's score at the previous and at this run (0-100; null = unscored, e.g. mass < 0.25). */
export interface AnchorPair {
  before: number | null;
  now: number | null;
}

export interface DriftTest {
  /** Anchors scored at both runs (the pairs the test uses). */
  compared: number;
  /** Anchors scored at one run and unscored at the other (reported, not in the test). */
  null_flips: number;
  /** Mean of now - before over the compared anchors, score points; null when none. */
  mean_shift: number | null;
  /** Mean |now - before|, score points; null when none. */
  mean_abs_change: number | null;
  /** Two-sided t interval of the mean shift at 1 - alpha; null with fewer than 2 pairs. */
  ci: Interval | null;
  /** Tolerance, score points: a mean shift up to this size is not drift. */
  tolerance: number;
  /**
   * One-sided p-value of H0 |mean shift| <= tolerance (t test of |mean| - tolerance over the
   * paired differences; Wellek 2010's shifted-null construction); 0 or 1 when every difference
   * is identical; null with fewer than 2 pairs.
   */
  p_value: number | null;
  /** p_value < alpha: the judge's scores moved beyond the tolerance. */
  drift: boolean;
}

/**
 * Paired test of judge drift on anchor answers. Method: differences d_i = now_i - before_i over
 * the anchors scored at both runs; t = (|mean d| - tolerance) / (sd(d) / sqrt(n)), p = P(T_{n-1} >
 * t) (so identical rescoring gives p = 1 and no drift). Units: score points (0-100). Empty input
 * or fewer than 2 pairs: p_value null, drift false (too few anchors to tell; the caller says so).
 */
export function anchorDrift(pairs: readonly AnchorPair[], {tolerance = 3, alpha = 0.05}: {tolerance?: number; alpha?: number} = {}): DriftTest {
  const d: number[] = [];
  let flips = 0;
  for (const p of pairs) {
    if (p.before !== null && p.now !== null) d.push(p.now - p.before);
    else if ((p.before === null) !== (p.now === null)) flips++;
  }
  const n = d.length;
  const base = {compared: n, null_flips: flips, tolerance};
  if (n === 0) return {...base, mean_shift: null, mean_abs_change: null, ci: null, p_value: null, drift: false};
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const mad = d.reduce((a, b) => a + Math.abs(b), 0) / n;
  if (n < 2) return {...base, mean_shift: mean, mean_abs_change: mad, ci: null, p_value: null, drift: false};
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const h = tQuantile(1 - alpha / 2, n - 1) * se;
  const excess = Math.abs(mean) - tolerance;
  let p: number;
  if (se === 0) p = excess > 0 ? 0 : 1;
  else {
    const t = excess / se;
    // P(T > t) for T ~ t(n-1), from T^2 ~ F(1, n-1).
    const tail = 0.5 * (1 - fCdf(t * t, 1, n - 1));
    p = t >= 0 ? tail : 1 - tail;
  }
  return {...base, mean_shift: mean, mean_abs_change: mad, ci: [mean - h, mean + h], p_value: p, drift: p < alpha};
}
