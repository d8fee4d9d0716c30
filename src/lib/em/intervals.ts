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

/** Fewer non-empty questions than this: the questions-estimand interval is flagged approximate. */
export const FEW_QUESTIONS = 10;
/**
 * Estimated intra-question correlation (deff - 1) / (mean answers per question - 1) at or above
 * this: questions differ strongly and the interval is flagged approximate (in simulations with
 * logit sd 2 between questions coverage falls to ~89% at 24 questions; docs/validity.md).
 */
export const STRONG_ICC = 0.05;
/**
 * EM answers coming from effectively fewer questions than this (inverse Herfindahl index
 * (sum k)^2 / sum k^2 of the per-question EM counts): the interval rests on the few questions where
 * EM showed up, and with skewed (logit sd 2) rare rates the questions that carry the mean may not
 * have been drawn at all; flagged approximate (docs/validity.md: 0.5%, logit sd 2, 48 questions).
 */
export const FEW_EM_QUESTIONS = 3;
/** Fewer training seeds than this: the seeds x questions interval is flagged approximate (~90% coverage at 2-3 seeds in simulations). */
export const FEW_SEEDS = 4;

/** A clustered rate's interval with what it rests on. */
export interface ClusterRateCi {
  /** Pooled rate sum(k) / sum(d) over the questions with a non-empty denominator. */
  rate: number;
  ci: Interval;
  /** Questions with a non-empty denominator (the clusters). */
  m: number;
  /** Kish design effect (estimated variance / binomial variance), at least 1; 1 when it cannot be estimated. */
  design_effect: number;
  /** Degrees of freedom of the t quantile (m - 1; answers - 1 for one question). */
  df: number;
  /** Why the interval is approximate (shown beside it), or null. */
  approximate: string | null;
}

/**
 * Design-effect Wilson interval for a rate pooled over clustered answers (the questions-estimand
 * interval). Method: the ratio estimator R = sum k / sum d over the m questions with a non-empty
 * denominator (questions with answers but no denominator are not clusters); its linearization
 * (CR1) variance V = m/(m-1) sum (k_i - R d_i)^2 / (sum d)^2; the Kish design effect
 * deff = max(1, V / (R(1-R)/sum d)); the Wilson score interval on the effective sample size
 * sum d / deff with Student's t_{m-1} in place of z (Korn & Graubard 1998; the "modified Wilson"
 * of survey software). Unlike a percentile bootstrap it keeps width at k = 0 and is skewed the
 * way rare rates are. Units: fractions 0..1. Null when no question has a denominator. With one
 * question, or no (or only) EM answers, the design effect cannot be estimated: deff = 1 and the
 * result says so in `approximate`; fewer than FEW_QUESTIONS questions, or an intra-question
 * correlation of STRONG_ICC or more, are also flagged (coverage measured in docs/validity.md).
 */
export function clusterWilson(counts: ClusterCounts, confidence = 0.95): ClusterRateCi | null {
  const k: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < counts.d.length; i++) {
    if (counts.d[i]! > 0) {
      k.push(counts.k[i]!);
      d.push(counts.d[i]!);
    }
  }
  const m = d.length;
  if (m === 0) return null;
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < m; i++) {
    sk += k[i]!;
    sd += d[i]!;
  }
  const r = sk / sd;
  const p = 1 - (1 - confidence) / 2;
  if (m === 1) {
    const df = Math.max(1, sd - 1);
    return {
      rate: r,
      ci: wilsonZ(sk, sd, tQuantile(p, df)),
      m,
      design_effect: 1,
      df,
      approximate: "one question: question-to-question variation is not in the interval",
    };
  }
  let deff = 1;
  let approximate: string | null = null;
  if (sk > 0 && sk < sd) {
    let s = 0;
    for (let i = 0; i < m; i++) s += (k[i]! - r * d[i]!) ** 2;
    const v = ((m / (m - 1)) * s) / (sd * sd);
    deff = Math.max(1, v / ((r * (1 - r)) / sd));
  } else approximate = `${sk === 0 ? "no" : "only"} EM answers: question-to-question variation cannot be estimated (answer-level width)`;
  if (approximate === null && m < FEW_QUESTIONS) approximate = `${m} questions: coverage can fall below 95% when questions differ strongly`;
  const meff = approximate === null ? effectiveEmQuestions(k) : Infinity;
  if (meff < FEW_EM_QUESTIONS)
    approximate = `EM answers come from effectively ${meff.toFixed(1)} question${meff < 1.05 ? "" : "s"}: with rare, skewed rates the interval can miss`;
  const icc = sd / m > 1 ? (deff - 1) / (sd / m - 1) : 0;
  if (approximate === null && icc >= STRONG_ICC)
    approximate = `questions differ strongly (intra-question correlation ${icc.toFixed(2)}): with skewed rates coverage can fall below 95%`;
  const ne = sd / deff;
  return {rate: r, ci: wilsonZ(r * ne, ne, tQuantile(p, m - 1)), m, design_effect: deff, df: m - 1, approximate};
}

/** Inverse Herfindahl index (sum k)^2 / sum k^2 of per-question EM counts: how many questions the EM answers effectively come from (0 with none). */
export function effectiveEmQuestions(k: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < k.length; i++) {
    s += k[i]!;
    s2 += k[i]! ** 2;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/** The macro rate's interval with what it rests on (fractions 0..1). */
export interface MacroRateCi {
  /** Mean over questions with a non-empty denominator of each question's rate. */
  rate: number;
  ci: Interval;
  m: number;
  df: number;
  approximate: string | null;
}

/**
 * Interval for the macro rate (the unweighted mean of per-question rates, macroRate) over a
 * population of questions. Method: the per-question rates r_i of the m questions with a
 * non-empty denominator, variance s^2 / m (s^2 their sample variance), and a Wilson-shaped interval
 * on the effective sample size rbar(1-rbar) / (s^2/m), at most the number of answers, with Student's
 * t_{m-1} (wilsonFromVariance); it replaces the percentile question bootstrap, which covered 77-93%
 * in the validity regimes (docs/validity.md). With no EM answer (s = 0) the width is Wilson's on all
 * answers. The note beside it is clusterWilson's on the same counts (one question, no or only EM
 * answers, few questions, strong intra-question correlation, EM from few questions). Null when no
 * question has a denominator.
 */
export function macroRateCi(counts: ClusterCounts, confidence = 0.95): MacroRateCi | null {
  const pooled = clusterWilson(counts, confidence);
  if (!pooled) return null;
  const r: number[] = [];
  let sd = 0;
  for (let i = 0; i < counts.d.length; i++)
    if (counts.d[i]! > 0) {
      r.push(counts.k[i]! / counts.d[i]!);
      sd += counts.d[i]!;
    }
  const m = r.length;
  if (m === 1) return {rate: r[0]!, ci: pooled.ci, m, df: pooled.df, approximate: pooled.approximate};
  const mean = r.reduce((a, b) => a + b, 0) / m;
  const v = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1) / m;
  return {rate: mean, ci: wilsonFromVariance(mean, v, m - 1, sd, confidence), m, df: m - 1, approximate: pooled.approximate};
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

export interface CrossedCi {
  /** The estimate the interval is built around (pooled rate, or mean of per-seed rates). */
  estimate: number;
  ci: Interval;
  /** Satterthwaite degrees of freedom (rounded down). */
  df: number;
  /** Seeds and the questions every seed answered (the balanced part the variance comes from). */
  seeds: number;
  questions: number;
  approximate: string | null;
}

/**
 * Interval for a rate over training seeds x questions (crossed random effects; Owen 2007): each
 * cell (seed s, question q) holds k EM answers of d. The estimate is the pooled rate over all cells
 * (`target: "pooled"`) or the mean of per-seed pooled rates (`"seed_mean"`). Method: each cell's
 * linearized value z_sq = (k_sq - r d_sq) / (mean denominator) + r (r the pooled rate, or the seed's
 * rate for seed_mean; mean over cells = the estimate), a two-way ANOVA of z over the questions
 * every seed answered, Var = (MS_seed + MS_question - MS_error) / (S Q) floored at
 * max(MS_seed, MS_question) / (S Q) (each is an unbiased estimate of a part of it), Satterthwaite
 * degrees of freedom, and a Wilson-shaped interval on the effective sample size (wilsonFromVariance).
 * With fewer than 2 shared questions the seeds are the clusters (variance of per-seed rates / S,
 * df S - 1) and the result says so. Null with fewer than 2 seeds or an empty denominator.
 */
export function crossedRateCi(
  cells: readonly ClusterCounts[],
  {target = "pooled", confidence = 0.95}: {target?: "pooled" | "seed_mean"; confidence?: number} = {},
): CrossedCi | null {
  const seeds = cells.filter((c) => {
    let s = 0;
    for (let i = 0; i < c.d.length; i++) s += c.d[i]!;
    return s > 0;
  });
  const S = seeds.length;
  if (S < 2) return null;
  const sums = seeds.map((c) => {
    let k = 0;
    let d = 0;
    for (let i = 0; i < c.d.length; i++) {
      k += c.k[i]!;
      d += c.d[i]!;
    }
    return {k, d, r: k / d};
  });
  const K = sums.reduce((a, s) => a + s.k, 0);
  const D = sums.reduce((a, s) => a + s.d, 0);
  const estimate = target === "pooled" ? K / D : sums.reduce((a, s) => a + s.r, 0) / S;
  const nq = Math.min(...seeds.map((c) => c.d.length));
  const shared: number[] = [];
  for (let q = 0; q < nq; q++) if (seeds.every((c) => c.d[q]! > 0)) shared.push(q);
  const Q = shared.length;
  if (Q < 2) {
    const rs = sums.map((s) => s.r);
    const mean = rs.reduce((a, b) => a + b, 0) / S;
    const v = rs.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1) / S;
    return {
      estimate,
      ci: wilsonFromVariance(estimate, v, S - 1, D, confidence),
      df: S - 1,
      seeds: S,
      questions: Q,
      approximate: "seeds share fewer than 2 questions: seeds are the clusters, question variation enters only through them",
    };
  }
  // Linearized cell values over the balanced part.
  const z: number[][] = seeds.map((c, s) => {
    const r = target === "pooled" ? K / D : sums[s]!.r;
    const dbar = target === "pooled" ? D / (S * Q) : sums[s]!.d / Q;
    return shared.map((q) => (c.k[q]! - r * c.d[q]!) / dbar + r);
  });
  const zs = z.map((row) => row.reduce((a, b) => a + b, 0) / Q);
  const zq = shared.map((_, j) => z.reduce((a, row) => a + row[j]!, 0) / S);
  const zz = zs.reduce((a, b) => a + b, 0) / S;
  const msS = (Q * zs.reduce((a, b) => a + (b - zz) ** 2, 0)) / (S - 1);
  const msQ = (S * zq.reduce((a, b) => a + (b - zz) ** 2, 0)) / (Q - 1);
  let sse = 0;
  for (let s = 0; s < S; s++) for (let j = 0; j < Q; j++) sse += (z[s]![j]! - zs[s]! - zq[j]! + zz) ** 2;
  const msE = sse / ((S - 1) * (Q - 1));
  const n = S * Q;
  let v = (msS + msQ - msE) / n;
  let df: number;
  const floor = Math.max(msS, msQ) / n;
  if (v < floor) {
    v = floor;
    df = msS >= msQ ? S - 1 : Q - 1;
  } else {
    const den = (msS / n) ** 2 / (S - 1) + (msQ / n) ** 2 / (Q - 1) + (msE / n) ** 2 / ((S - 1) * (Q - 1));
    df = den > 0 ? (v * v) / den : n - 1;
  }
  df = Math.max(1, Math.floor(df));
  return {
    estimate,
    ci: wilsonFromVariance(estimate, v, df, D, confidence),
    df,
    seeds: S,
    questions: Q,
    approximate:
      K === 0
        ? "no EM answers: seed and question variation cannot be estimated (answer-level width)"
        : S < FEW_SEEDS
          ? `${S} seeds: the seed-to-seed spread rests on ${S - 1} degree${S > 2 ? "s" : ""} of freedom; coverage can fall below 95%`
          : null,
  };
}

/**
 * Interval for a difference of two clustered rates p1 - p0 by MOVER (Zou & Donner 2008; Newcombe's
 * hybrid score method with a correlation term): each side's clusterWilson limits (l, u) combine as
 * d - sqrt((p1-l1)^2 + (u0-p0)^2 - 2 r (p1-l1)(u0-p0)) and d + sqrt((u1-p1)^2 + (p0-l0)^2 - 2 r (u1-p1)(p0-l0)),
 * where r is the correlation of the two estimates from their linearized per-question residuals (the
 * covariance sums over the questions both sides answered; 0 with fewer than 2). Point and interval come from all questions of each
 * side; the interval always contains the point, and at zero EM on both sides it keeps the Wilson widths.
 * Per-question arrays share one question coding (index q = the same question). Null when either side
 * has no denominator.
 */
export function clusterDiffCi(
  a: ClusterCounts,
  b: ClusterCounts,
  confidence = 0.95,
): {diff: number; ci: Interval; correlation: number; n_questions_paired: number; approximate: string | null} | null {
  const ca = clusterWilson(a, confidence);
  const cb = clusterWilson(b, confidence);
  if (!ca || !cb) return null;
  const resid = (c: ClusterCounts, r: number) => {
    let D = 0;
    for (let i = 0; i < c.d.length; i++) D += c.d[i]!;
    return (i: number) => (c.k[i]! - r * c.d[i]!) / D;
  };
  const ua = resid(a, ca.rate);
  const ub = resid(b, cb.rate);
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  let paired = 0;
  for (let i = 0; i < a.d.length; i++) if (a.d[i]! > 0) saa += ua(i) ** 2;
  for (let i = 0; i < b.d.length; i++) if (b.d[i]! > 0) sbb += ub(i) ** 2;
  for (let i = 0; i < Math.min(a.d.length, b.d.length); i++) {
    if (a.d[i]! > 0 && b.d[i]! > 0) {
      paired++;
      sab += ua(i) * ub(i);
    }
  }
  const rho = paired >= 2 && saa > 0 && sbb > 0 ? Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb))) : 0;
  const d = ca.rate - cb.rate;
  const [l1, u1] = ca.ci;
  const [l0, u0] = cb.ci;
  const lo = d - Math.sqrt(Math.max(0, (ca.rate - l1) ** 2 + (u0 - cb.rate) ** 2 - 2 * rho * (ca.rate - l1) * (u0 - cb.rate)));
  const hi = d + Math.sqrt(Math.max(0, (u1 - ca.rate) ** 2 + (cb.rate - l0) ** 2 - 2 * rho * (u1 - ca.rate) * (cb.rate - l0)));
  const notes = [ca.approximate && `variant: ${ca.approximate}`, cb.approximate && `baseline: ${cb.approximate}`].filter(Boolean);
  return {diff: d, ci: [Math.max(-1, lo), Math.min(1, hi)], correlation: rho, n_questions_paired: paired, approximate: notes.length ? notes.join("; ") : null};
}

/**
 * Interval for the rate on these fixed questions (the answers estimand): the pooled rate with the
 * questions as strata. Variance sum_i d_i p_i (1 - p_i) d_i / (d_i - 1) / (sum d)^2 (stratified
 * sampling, Cochran 1977 ch. 5), design effect against the binomial variance clamped to [0.5, 1]
 * (a question mix can only make the pooled rate less variable than binomial; the floor keeps rare
 * counts from claiming too much), Wilson on the effective sample size with z. One question or no
 * (or only) EM answers: plain Wilson. Null when no question has a denominator.
 */
export function stratifiedWilson(counts: ClusterCounts, confidence = 0.95): Interval | null {
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < counts.d.length; i++) {
    sk += counts.k[i]!;
    sd += counts.d[i]!;
  }
  if (!(sd > 0)) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const r = sk / sd;
  if (sk === 0 || sk === sd) return wilsonZ(sk, sd, z);
  let v = 0;
  let m = 0;
  for (let i = 0; i < counts.d.length; i++) {
    const d = counts.d[i]!;
    if (d > 0) m++;
    if (d > 1) {
      const p = counts.k[i]! / d;
      v += (d * d * p * (1 - p)) / (d - 1);
    }
  }
  if (m < 2) return wilsonZ(sk, sd, z);
  const deff = Math.max(0.5, Math.min(1, v / (sd * sd) / ((r * (1 - r)) / sd)));
  const ne = sd / deff;
  return wilsonZ(r * ne, ne, z);
}
