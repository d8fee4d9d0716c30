// Score intervals for binomial proportions: Wilson for one proportion (also on an effective sample
// size from a variance estimate), Newcombe's hybrid score interval for a difference, and the
// per-question counts (ClusterCounts) the clustered intervals take, with their pooled and macro rates.

import {normalQuantile, tQuantile} from "./distributions.js";

/** [lower, upper], fractions 0..1. */
export type Interval = [number, number];

/**
 * Said beside an interval left at the answer-level width because the spread between questions (or
 * seeds) cannot be estimated. Its direction: the clustered intervals multiply that width by a design
 * effect of at least 1, so the answer-level width is the narrowest they can be; it is likely too narrow.
 */
export const ANSWER_LEVEL_WIDTH = "answer-level width: likely too narrow, coverage can fall below 95%";

/**
 * Wilson score interval for k successes in n trials (Wilson 1927; recommended by Brown, Cai &
 * DasGupta 2001). Two-sided, `confidence` default 0.95. Returns null when n = 0. Unlike the
 * Wald interval it stays inside [0, 1] and is not degenerate at k = 0 or k = n.
 */
export function wilson(k: number, n: number, confidence = 0.95): Interval | null {
  if (!(n > 0)) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return wilsonZ(k, n, z);
}

/** Wilson interval with an explicit z (e.g. a one-sided or Bonferroni-adjusted quantile). */
export function wilsonZ(k: number, n: number, z: number): Interval {
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact endpoints at the boundaries (floating error would otherwise give 1e-17 instead of 0).
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval (method 10, Newcombe 1998) for p1 - p0, with z given.
 * Returns [lower, upper] for the difference; null when either n is 0.
 */
export function newcombeDiff(k1: number, n1: number, k0: number, n0: number, z: number): Interval | null {
  if (!(n1 > 0 && n0 > 0)) return null;
  const p1 = k1 / n1;
  const p0 = k0 / n0;
  const [l1, u1] = wilsonZ(k1, n1, z);
  const [l0, u0] = wilsonZ(k0, n0, z);
  const d = p1 - p0;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)];
}

/**
 * Per-question counts for one group: `k[i]` EM answers out of `d[i]` in the denominator; `n[i]`
 * (optional) all answers to the question, those outside the denominator included (the answers
 * estimand resamples answers, so how many land in the denominator varies; stratifiedWilson).
 */
export interface ClusterCounts {
  k: ArrayLike<number>;
  d: ArrayLike<number>;
  n?: ArrayLike<number>;
}

/** Pooled rate sum(k) / sum(d); null when sum(d) = 0. */
export function pooledRate({k, d}: ClusterCounts): number | null {
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < d.length; i++) {
    sk += k[i]!;
    sd += d[i]!;
  }
  return sd > 0 ? sk / sd : null;
}

/**
 * Macro rate: the mean over questions of each question's own rate (the "AVERAGE" column of the
 * reference per-question plots). Questions with an empty denominator are left out; null when
 * none is left.
 */
export function macroRate({k, d}: ClusterCounts): number | null {
  let s = 0;
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i]! > 0) {
      s += k[i]! / d[i]!;
      m++;
    }
  }
  return m > 0 ? s / m : null;
}

/**
 * Wilson-shaped interval around a rate `theta` from a variance estimate: effective sample size
 * theta(1-theta)/variance (at most `nMax`), t quantile with `df` degrees of freedom (rounded down,
 * at least 1). Used by the crossed seed x question interval. Variance 0 or theta at 0/1: nMax.
 */
export function wilsonFromVariance(theta: number, variance: number, df: number, nMax: number, confidence = 0.95): Interval {
  const ne = variance > 0 && theta > 0 && theta < 1 ? Math.min(nMax, (theta * (1 - theta)) / variance) : nMax;
  return wilsonZ(theta * ne, ne, tQuantile(1 - (1 - confidence) / 2, Math.max(1, Math.floor(df))));
}
