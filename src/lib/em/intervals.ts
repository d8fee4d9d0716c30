// Confidence intervals for rates: Wilson score intervals for one binomial proportion, a
// percentile cluster bootstrap that resamples questions, and the Newcombe score interval for a
// difference of two proportions (used by the onset test).

import {randInt, type Rng} from "./prng.js";

/** [lower, upper], fractions 0..1. */
export type Interval = [number, number];

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). normalQuantile(0.975) = 1.959964...
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * CDF of Student's t for an integer number of degrees of freedom, from the closed-form finite
 * series for A(t|df) = P(|T| <= t) (Abramowitz & Stegun 26.7.3 and 26.7.4).
 */
export function tCdf(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`tCdf: df must be a positive integer, got ${df}`);
  const th = Math.atan(Math.abs(t) / Math.sqrt(df));
  const c2 = Math.cos(th) ** 2;
  let a: number;
  if (df % 2 === 1) {
    let sum = 0;
    if (df > 1) {
      let term = Math.cos(th);
      sum = term;
      for (let k = 3; k <= df - 2; k += 2) {
        term *= ((k - 1) / k) * c2;
        sum += term;
      }
    }
    a = (2 / Math.PI) * (th + Math.sin(th) * sum);
  } else {
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= df - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    a = Math.sin(th) * sum;
  }
  return t >= 0 ? 0.5 + a / 2 : 0.5 - a / 2;
}

/**
 * Quantile of Student's t with an integer `df`: exact for df 1 and 2, else tCdf inverted by
 * bisection to 1e-12 (df above 1000: the normal quantile with the first Cornish-Fisher term).
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  if (df > 1000) return z + ((z * z + 1) * z) / (4 * df);
  let lo = Math.min(z, 0) * 10 - 1;
  let hi = Math.max(z, 0) * 10 + 1;
  while (tCdf(lo, df) > p) lo *= 2;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

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

/** Per-question counts for one group: `k[i]` EM answers out of `d[i]` in the denominator. */
export interface ClusterCounts {
  k: ArrayLike<number>;
  d: ArrayLike<number>;
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

export interface BootstrapResult {
  /** Percentile interval of the pooled rate; null when no replicate had a denominator. */
  pooled: Interval | null;
  /** Percentile interval of the macro rate. */
  macro: Interval | null;
  /** Replicates drawn (including those with an empty denominator, which are skipped). */
  replicates: number;
}

/** q-quantile (0..1) of a sorted array, linear interpolation (Hyndman & Fan type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Cluster (question-level) bootstrap (Davison & Hinkley 1997, sec. 3.8): draw as many questions
 * as there are, with replacement, keep each drawn question's answers together, and recompute the
 * pooled and macro rates; B replicates (default 2000); `rng` seeded by the caller. Answers to one
 * question are not independent draws (a model either has a misaligned take on a question or
 * not), so the answer-level Wilson interval is far too narrow when questions differ.
 *
 * Interval: the expanded percentile interval (Hesterberg 2015, "What teachers should know about
 * the bootstrap", sec. 5.1): percentiles at alpha' = Phi(-sqrt(m/(m-1)) t_{1-alpha/2, m-1}) for
 * m questions, which corrects the plain percentile interval's narrowness with few clusters
 * (plain percentile covers ~87% at m = 8 and ~92% at m = 30 in our simulations; expanded
 * ~93-95%, numbers in docs/metrics.md). `expanded: false` gives the plain percentile interval.
 */
export function clusterBootstrap(
  counts: ClusterCounts,
  rng: Rng,
  {replicates = 2000, confidence = 0.95, expanded = true}: {replicates?: number; confidence?: number; expanded?: boolean} = {},
): BootstrapResult {
  const m = counts.d.length;
  if (m === 0) return {pooled: null, macro: null, replicates: 0};
  const pooled = new Float64Array(replicates);
  const macro = new Float64Array(replicates);
  let np = 0;
  let nm = 0;
  for (let b = 0; b < replicates; b++) {
    let sk = 0;
    let sd = 0;
    let sr = 0;
    let mq = 0;
    for (let j = 0; j < m; j++) {
      const i = randInt(rng, m);
      const di = counts.d[i]!;
      sk += counts.k[i]!;
      sd += di;
      if (di > 0) {
        sr += counts.k[i]! / di;
        mq++;
      }
    }
    if (sd > 0) pooled[np++] = sk / sd;
    if (mq > 0) macro[nm++] = sr / mq;
  }
  const alpha = expanded && m >= 2 ? normalCdf(-Math.sqrt(m / (m - 1)) * tQuantile(1 - (1 - confidence) / 2, m - 1)) : (1 - confidence) / 2;
  const ci = (arr: Float64Array, n: number): Interval | null => {
    if (n === 0) return null;
    const s = arr.subarray(0, n).sort();
    return [quantileSorted(s, alpha), quantileSorted(s, 1 - alpha)];
  };
  return {pooled: ci(pooled, np), macro: ci(macro, nm), replicates};
}
