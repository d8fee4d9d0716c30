// Does a series hold a transition? Tests of the fitted logistic against a constant rate and
// against a smooth trend, and of monotonicity (rise-then-collapse). Pure.

import fCdf from "@stdlib/stats-base-dists-f-cdf";
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import {normalCdf} from "./distributions.js";
import {newcombeDiff, normalQuantile} from "./intervals.js";
import {nelderMead} from "./optimize.js";
import type {LogisticFit} from "./transition-fit.js";
import {fitLogistic} from "./transition-fit.js";
import {logit, pearson, scale, sig, usablePoints, EPS, TREND_TEST_BELOW, type Scaled, type TransitionPoint} from "./transition-points.js";
import {clusterTrend, type ClusterTrend} from "./transition-cluster.js";

/**
 * What a series supports:
 * - "credible": the logistic beats a constant rate (p_constant < alpha) and a smooth
 *   two-parameter trend (p_linear < alpha), and its midpoint lies inside the observed coordinates;
 * - "flat": no evidence against a constant rate (p_constant >= alpha);
 * - "smooth_trend": the rate changes, but a smooth trend (linear in the rate or in its logit)
 *   explains it as well as a logistic step (p_linear >= alpha): a ramp, not a located transition;
 * - "outside_range": the rate changes, but the fitted midpoint lies outside the observed
 *   coordinates (a trend, not a located transition);
 * - "non_monotone": an interior coordinate is credibly above (or below) both ends, e.g. a
 *   rise-then-collapse curve; a logistic would misdescribe it;
 * - "too_few_points": fewer than MIN_TRANSITION_POINTS usable coordinates.
 */
export type TransitionVerdict = "credible" | "flat" | "smooth_trend" | "outside_range" | "non_monotone" | "too_few_points";

/** Fewest distinct coordinates with answers before a logistic (4 parameters) is fitted at all. */
export {MIN_TRANSITION_POINTS} from "./transition-min.js";
import {MIN_TRANSITION_POINTS} from "./transition-min.js";

/**
 * Below this many usable coordinates p_constant is the trend test (trendTest), from it on the
 * logistic's likelihood-ratio test: with m < 7 the logistic leaves m - 4 <= 2 residual df for its
 * dispersion: its quasi-F(3, m - 4) test found a 2% -> 30% rise in 28-34% of seeded 5-scale
 * sweeps, the 1-df trend test on m - 2 residual df in 87-89%, both at most 5% wrong on flat ones
 * (docs/validity.md, transitions-few).
 */
export {TREND_TEST_BELOW} from "./transition-points.js";

/**
 * Which test produced p_constant: "clustered" (clusterTrend: trend or lack of fit, dispersion from
 * the spread between questions or seeds within coordinates; below TREND_TEST_BELOW when every
 * point carries per-question cells), "trend" (the same range without cells), "logistic_lr" (7+),
 * "homogeneity" (2 points).
 */
export type ConstantTest = "logistic_lr" | "trend" | "clustered" | "homogeneity";

/** Where the dispersion of p_constant (and of the monotonicity test) came from. */
export interface TransitionDispersion {
  /** "questions" / "seeds": the spread between them within coordinates (clusterTrend); "line": the rates' scatter about the trend line. */
  from: "questions" | "seeds" | "line";
  /** "line": the trend's phi; "questions" / "seeds": the pooled rates' design effect (ClusterTrend.design_effect). */
  phi: number;
  df: number;
}

/** What the constancy test can detect in this design: a reference rise and its power. */
export interface DetectablePower {
  /** Rate at the first and the last coordinate of the reference rise (fractions). */
  from: number;
  to: number;
  /** Power of p_constant < alpha against that rise in this design (see constancyPower). */
  power: number;
}

/**
 * The reference rises whose power is stated beside a "no evidence against a constant rate"
 * verdict: logistic in the analysis coordinate, midpoint at mid-span, width 15% of the span
 * (RISE_MIDPOINT, RISE_WIDTH); the same rises the validity section transitions-few measures.
 */
export const REFERENCE_RISES: readonly (readonly [number, number])[] = [
  [0.02, 0.3],
  [0.05, 0.15],
];
export const RISE_MIDPOINT = 0.5;
export const RISE_WIDTH = 0.15;

export interface TransitionTest {
  verdict: TransitionVerdict;
  credible: boolean;
  /** The test behind p_constant: "trend" below TREND_TEST_BELOW coordinates, else "logistic_lr"; "homogeneity" with 2 points. */
  constant_test: ConstantTest | null;
  /**
   * When p_constant >= alpha (no evidence against a constant rate) on rates: the power of the same
   * test against REFERENCE_RISES in this design (its coordinates, answers per coordinate and
   * estimated dispersion), so "no evidence" is read beside what the test could have seen. Null
   * otherwise (and for mean scores).
   */
  detectable: DetectablePower[] | null;
  /**
   * How far the rates leave a straight trend. With constant_test "clustered": ClusterTrend.p_misfit,
   * the lack of fit of the line against the spread between questions (or seeds), F(m - 2, df).
   * With "trend": TrendTest.misfit_p, the binomial lack of fit, which cannot tell a rise and fall
   * from question spread (see misfit_unresolved). Null otherwise.
   */
  misfit_p: number | null;
  /**
   * True when the rates scatter about the line beyond binomial noise (misfit_p < alpha) and the
   * points carry no per-question counts to tell a rise and fall from question spread: whether
   * the rate changes is then unknown (review of the trend test: a 1%-40%-42%-1% series at 1,000
   * answers each gave p_constant 0.99 without cells).
   */
  misfit_unresolved: boolean;
  /**
   * With constant_test "clustered": the lack of fit is below alpha / 2 (its share of the
   * Bonferroni split), so the rate changes other than along a straight trend (a rise and fall, a
   * curve). False otherwise.
   */
  curved: boolean;
  /** With "clustered": p of the straight trend alone (ClusterTrend.p_trend); else null. */
  p_trend: number | null;
  /** p_constant < alpha (the alpha testTransition was called with); null without p_constant. */
  changes: boolean | null;
  /** The dispersion behind p_constant below TREND_TEST_BELOW (null from 7 points and on mean scores' logistic path). */
  dispersion: TransitionDispersion | null;
  /**
   * p-value of "the rate is constant along the coordinate". Below TREND_TEST_BELOW (7) points, at
   * 3 or more: with per-question cells the clustered test (clusterTrend: a trend or the line's
   * lack of fit, quasi-F with the spread between questions or seeds within coordinates,
   * Bonferroni over the two); without, the trend test (trendTest: a straight line in the logit
   * against a constant, LR on 1 df, quasi-F(1, m - 2) with the line's Pearson dispersion, at
   * least 1 on counts). With >= 7 points: likelihood-ratio
   * test of the logistic against the constant rate, LR = 2 (l_logistic - l_constant) on 3 df; when
   * the logistic's Pearson dispersion phi exceeds 1 (correlated answers to one question), the
   * quasi-likelihood F test F = (LR / 3) / phi on (3, m - 4) df (McCullagh & Nelder 1989, sec. 4.5).
   * With 2 points: Pearson chi-square test of homogeneity on 1 df (no dispersion estimate).
   * Null with fewer than 2 points.
   */
  p_constant: number | null;
  /**
   * p-value of "a smooth trend explains the series as well as the logistic": the better (higher
   * likelihood) of a straight line in the rate and a straight line in its logit (2 parameters
   * each; on a mean score, family "fractional", a quadratic in the logit, 3), against the
   * logistic (4); F = (LR / df) / phi on (df, m - 4), df = 4 - the trend's parameters, phi as for
   * p_constant (chi-square(df) when phi <= 1).
   * Neither trend is nested in the logistic and the better one is chosen after seeing the data,
   * so the reference is approximate: its error rate on ramps is measured by simulation
   * (bench/validity/transitions.section.ts, docs/validity.md). Null when no logistic was fitted.
   */
  p_linear: number | null;
  /** LR statistic of the logistic against the constant rate (null when no fit). */
  lr: number | null;
  /** Coordinate of the interior extreme that made the series non-monotone, else null. */
  extreme: number | null;
  /**
   * Dispersion the monotonicity test scaled its variances by: the largest of its per-point design
   * effects (monotoneDispersion; with per-question cells each point has its own, which can be
   * below 1 when questions differ for good; without, one value, >= 1 for counts).
   */
  monotone_phi: number;
}

function constantLogLik(pts: readonly TransitionPoint[]): number {
  let K = 0,
    N = 0;
  for (const p of pts) {
    K += p.k;
    N += p.n;
  }
  if (K <= 0 || K >= N) return 0;
  const q = K / N;
  return K * Math.log(q) + (N - K) * Math.log(1 - q);
}

function logLikAt(s: Scaled, p: (z: number) => number): number {
  let l = 0;
  for (let i = 0; i < s.z.length; i++) {
    const q = p(s.z[i]!);
    if (!(q > 0 && q < 1)) return -Infinity;
    const k = s.k[i]!;
    const n = s.n[i]!;
    l += (k > 0 ? k * Math.log(q) : 0) + (n - k > 0 ? (n - k) * Math.log(1 - q) : 0);
  }
  return l;
}

/** Weighted least squares of y on the columns of `X` (normal equations; tiny systems). */
function wls(X: number[][], y: number[], w: number[]): number[] {
  const p = X[0]!.length;
  const A = Array.from({length: p}, () => new Array<number>(p + 1).fill(0));
  for (let i = 0; i < y.length; i++)
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) A[a]![b]! += w[i]! * X[i]![a]! * X[i]![b]!;
      A[a]![p]! += w[i]! * X[i]![a]! * y[i]!;
    }
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    const d = A[c]![c]!;
    if (Math.abs(d) < 1e-300) return new Array<number>(p).fill(0);
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / d;
      for (let k = c; k <= p; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return A.map((row, c) => row[p]! / row[c]!);
}

/**
 * Maximum binomial log-likelihood of a polynomial trend in logit(p) (degree 1 or 2) or, with
 * `link: "identity"`, of a straight line in p; Nelder-Mead from a weighted least-squares start.
 */
function trendFit(s: Scaled, degree: 1 | 2, link: "logit" | "identity"): {loglik: number; fitted: (z: number) => number} {
  const y: number[] = [];
  const w: number[] = [];
  const X: number[][] = [];
  for (let i = 0; i < s.z.length; i++) {
    const r = (s.k[i]! + 0.5) / (s.n[i]! + 1);
    y.push(link === "logit" ? logit(r) : r);
    w.push(link === "logit" ? s.n[i]! * r * (1 - r) : s.n[i]! / (r * (1 - r)));
    X.push(degree === 1 ? [1, s.z[i]!] : [1, s.z[i]!, s.z[i]! ** 2]);
  }
  const at = (b: number[]) => (z: number) => {
    const eta = b[0]! + b[1]! * z + (degree === 2 ? b[2]! * z * z : 0);
    return link === "logit" ? Math.min(1 - EPS, Math.max(EPS, sig(eta))) : eta;
  };
  const start = wls(X, y, w);
  const f = (b: number[]) => -logLikAt(s, at(b));
  let r = nelderMead(f, start, {step: link === "logit" ? 0.5 : 0.02, tol: 1e-10, maxIter: 2000});
  r = nelderMead(f, r.x, {step: link === "logit" ? 0.1 : 0.005, tol: 1e-10, maxIter: 2000});
  const ok = Number.isFinite(r.value) && r.value <= f(start) ? r.x : start;
  return {loglik: -f(ok), fitted: at(ok)};
}

/** Pearson chi-square homogeneity test of k_i / n_i (df m - 1); 1 when the pooled rate is 0 or 1. */
export function homogeneityP(points: readonly TransitionPoint[]): number | null {
  const pts = points.filter((p) => p.n > 0);
  if (pts.length < 2) return null;
  let K = 0,
    N = 0;
  for (const p of pts) {
    K += p.k;
    N += p.n;
  }
  const q = K / N;
  if (q <= 0 || q >= 1) return 1;
  let x2 = 0;
  for (const p of pts) x2 += (p.k - p.n * q) ** 2 / (p.n * q * (1 - q));
  return 1 - chisquareCdf(x2, pts.length - 1);
}

/**
 * A bump (or dip) in the logit, logit p = a + b exp(-((z - c) / w)^2), 4 parameters, fitted by
 * binomial ML (Nelder-Mead from the extreme interior point): the shape of a rise-then-collapse.
 */
function bumpFit(s: Scaled): (z: number) => number {
  const m = s.z.length;
  const r = (i: number) => (s.k[i]! + 0.5) / (s.n[i]! + 1);
  const ends = logit((r(0) + r(m - 1)) / 2);
  let hi = 1;
  let lo = 1;
  for (let i = 1; i < m - 1; i++) {
    if (r(i) > r(hi)) hi = i;
    if (r(i) < r(lo)) lo = i;
  }
  const at = (b: readonly number[]) => (z: number) => Math.min(1 - EPS, Math.max(EPS, sig(b[0]! + b[1]! * Math.exp(-(((z - b[2]!) / Math.exp(b[3]!)) ** 2)))));
  const f = (b: number[]) => (Math.abs(b[3]!) > 10 ? Infinity : -logLikAt(s, at(b)));
  let best = {x: [ends, 0, 0.5, Math.log(0.2)], value: f([ends, 0, 0.5, Math.log(0.2)])};
  for (const i of [hi, lo])
    for (const w of [0.08, 0.2]) {
      let res = nelderMead(f, [ends, logit(r(i)) - ends, s.z[i]!, Math.log(w)], {step: [0.5, 0.5, 0.05, 0.3], tol: 1e-9, maxIter: 1500});
      res = nelderMead(f, res.x, {step: [0.1, 0.1, 0.02, 0.1], tol: 1e-9, maxIter: 1500});
      if (res.value < best.value) best = res;
    }
  return at(best.x);
}

/**
 * Dispersion for the monotonicity test, one per usable point (sorted by x). With per-question
 * cells (`clustered`, clusterTrend over the points, at any number of points): each point's design
 * effect from the spread between questions (or seeds) within coordinates (ClusterTrend.
 * design_effects: Williams' cell variance with its logit-scale spread estimated on all cells -
 * clusters - (m - 1) residual df, which neither a step nor a hump inflates). Without cells, one
 * value for all points: from TREND_TEST_BELOW (7) points the smaller Pearson X^2 / (m - 4) of a
 * logistic (when given) and of a bump in the logit (bumpFit), so neither a step nor a hump
 * inflates it; below 7 the trend test's phi, X^2 / (m - 2) of a straight line in the logit (a hump
 * inflates it: the test then finds fewer humps, never more). The no-cells estimate at 7+ rests on
 * m - 4 residual df and the smaller of two fits: it runs low (median 2.4 where the cells' is 4.9
 * on flat 20% sweeps over 7 log-spaced scales, 8 questions x 50, logit sd 1), and used as known it
 * called 6.9% of 2,000 such sweeps non-monotone, the cells' 1.3% of the same 2,000, with the same power
 * on a 3% -> 25% -> 3% hump (bench/nonmono-null.ts, docs/validity.md transitions-few); without
 * cells it is therefore referred to Student's t on m - 4 df (monotoneReference). Binomial
 * variance alone (phi 1, the rule before 2026-12-07) called 10-15% of flat 20% clustered 4-6
 * point sweeps non-monotone. Without cells, at least 1 (counts); 1 below 3 points.
 */
export function monotoneDispersion(points: readonly TransitionPoint[], fit: LogisticFit | null = null, clustered: ClusterTrend | null = null): number[] {
  const pts = usablePoints(points);
  const m = pts.length;
  if (m < 3) return pts.map(() => 1);
  if (clustered && clustered.design_effects.length === m) return clustered.design_effects.slice();
  const one = (v: number) => pts.map(() => Math.max(1, v));
  if (m < TREND_TEST_BELOW) return one(trendTest(pts)?.phi ?? 1);
  const s = scale(pts);
  const bump = bumpFit(s);
  let phi = pearson(s, (i) => bump(s.z[i]!)) / (m - 4);
  if (fit && fit.dispersion !== null) phi = Math.min(phi, fit.dispersion);
  return one(phi);
}

/**
 * The dispersion argument and its residual df for nonMonotoneAt, from monotoneDispersion's
 * per-point values: with per-question cells the per-point design effects (their Williams spread
 * rests on cells - clusters - (m - 1) df, many: referred to the normal); without, from
 * TREND_TEST_BELOW (7) points, the one pooled-fit phi on m - 4 df, referred to Student's t on
 * m - 4 df (nonMonotoneAt): with the normal quantile, as until 2026-12-07, it called 6-9% of flat
 * series over 7 values with question spread non-monotone at nominal 5% (docs/metrics.md,
 * bench/nonmono-null.ts). Below 7 points without cells the trend test's phi (which a hump
 * inflates) keeps the normal quantile.
 */
export function monotoneReference(
  points: readonly TransitionPoint[],
  phis: readonly number[],
  clustered: ClusterTrend | null,
): [phi: number | readonly number[], df: number | null] {
  const m = usablePoints(points).length;
  if ((clustered && clustered.design_effects.length === m) || m < TREND_TEST_BELOW || !phis.length) return [phis, null];
  return [phis[0]!, m - 4];
}

/**
 * Rise-then-collapse (or dip-then-recover): the interior coordinate with the highest (lowest) rate
 * is above (below) both the first and the last coordinate by one-sided Newcombe intervals, on
 * design-effect counts k / phi_i out of n / phi_i (phi: one per usable point, as
 * monotoneDispersion gives it, or one number for all: answers to one question are correlated, and
 * binomial variance alone called 32% of clustered monotone rises non-monotone). Level: both
 * comparisons must hold (an intersection-union test, each at the same level), Bonferroni over the
 * m - 2 interior points the extreme was picked from and over peak or dip: one-sided
 * alpha / (2 (m - 2)). Returns that coordinate, or null.
 */
export function nonMonotoneAt(points: readonly TransitionPoint[], alpha = 0.05, phi: number | readonly number[] = 1, df: number | null = null): number | null {
  const pts = usablePoints(points);
  if (pts.length < 3) return null;
  const level = alpha / (2 * (pts.length - 2));
  // An estimated dispersion (df residual df, one phi above 1): Student's t on df, the square root of
  // the F(1, df) quantile at twice the one-sided level (the quasi-likelihood reference; a known
  // variance would take the normal quantile). Binomial variance (phi at most 1) keeps the normal.
  const estimated = df !== null && df >= 1 && typeof phi === "number" && phi > 1;
  const z = estimated ? Math.sqrt(fQuantile(1 - 2 * level, 1, df)) : normalQuantile(1 - level);
  let hi = 1;
  let lo = 1;
  for (let i = 1; i < pts.length - 1; i++) {
    const r = pts[i]!.k / pts[i]!.n;
    if (r > pts[hi]!.k / pts[hi]!.n) hi = i;
    if (r < pts[lo]!.k / pts[lo]!.n) lo = i;
  }
  const d = (i: number) => (typeof phi === "number" ? Math.max(1, phi) : (phi[i] ?? 1));
  const above = (a: number, b: number) => (newcombeDiff(pts[a]!.k / d(a), pts[a]!.n / d(a), pts[b]!.k / d(b), pts[b]!.n / d(b), z)?.[0] ?? 0) > 0;
  const last = pts.length - 1;
  if (above(hi, 0) && above(hi, last)) return pts[hi]!.x;
  if (above(0, lo) && above(last, lo)) return pts[lo]!.x;
  return null;
}

/** The trend test of a series: see trendTest. */
export interface TrendTest {
  p: number;
  /** LR of the logit-linear trend against the constant rate (1 df). */
  lr: number;
  /** Pearson X^2 of the trend / (m - 2); on counts at least 1. */
  phi: number;
  /** Residual degrees of freedom, m - 2. */
  df: number;
  /**
   * P(chi-square(m - 2) > X^2): how far the rates scatter about the straight trend beyond binomial
   * noise. Small when the series rises and falls (a curve the line misses) or when answers differ
   * between questions (extra-binomial spread); phi then absorbs either, which the test cannot tell
   * apart. Null on mean scores.
   */
  misfit_p: number | null;
}

/**
 * Trend test of "the rate is constant": logit p = a + b z (z the coordinate scaled to [0, 1] on the
 * analysis scale) against logit p = a, binomial ML; LR = 2 (l_trend - l_constant) on 1 df, referred
 * to F(1, m - 2) after division by phi = max(1, X^2 / (m - 2)) (Pearson X^2 of the trend fit):
 * the quasi-likelihood form of the Cochran-Armitage trend test with extra-binomial variation
 * (Williams 1982; McCullagh & Nelder 1989 sec. 4.5). It spends one parameter on the ordering,
 * so few coordinates keep residual df for the dispersion that question clustering brings.
 * On mean scores (`fractional`) phi is not floored. Null below 3 usable coordinates.
 */
export function trendTest(points: readonly TransitionPoint[], {fractional = false}: {fractional?: boolean} = {}): TrendTest | null {
  const pts = usablePoints(points);
  const m = pts.length;
  if (new Set(pts.map((p) => p.x)).size < 3) return null;
  const s = scale(pts);
  const line = trendFit(s, 1, "logit");
  const lr = Math.max(0, 2 * (line.loglik - constantLogLik(pts)));
  const x2 = pearson(s, (i) => line.fitted(s.z[i]!));
  const phi = fractional ? Math.max(x2 / (m - 2), 1e-12) : Math.max(1, x2 / (m - 2));
  const p = lr > 0 ? 1 - fCdf(lr / phi, 1, m - 2) : 1;
  return {p, lr, phi, df: m - 2, misfit_p: fractional ? null : 1 - chisquareCdf(x2, m - 2)};
}

/** Upper 1 - alpha quantile of F(d1, d2) (bisection on the CDF). */
function fQuantile(q: number, d1: number, d2: number): number {
  let lo = 0;
  let hi = 1;
  while (fCdf(hi, d1, d2) < q && hi < 1e12) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (fCdf(mid, d1, d2) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * P(X > crit) for X = LR / phi under the alternative: noncentral F(d1, d2, lambda) when `d2` is
 * given, noncentral chi-square(d1, lambda) otherwise, each as the Poisson(lambda / 2) mixture of
 * central distributions (Johnson, Kotz & Balakrishnan 1995, ch. 29-30).
 */
function noncentralTail(crit: number, lambda: number, d1: number, d2: number | null): number {
  if (!(lambda > 0)) return d2 === null ? 1 - chisquareCdf(crit, d1) : 1 - fCdf(crit, d1, d2);
  const half = lambda / 2;
  const w = d2 === null ? 0 : (d1 * crit) / (d1 * crit + d2);
  let cdf = 0;
  let mass = 0;
  const top = Math.ceil(half + 12 * Math.sqrt(half) + 20);
  for (let j = 0; j <= top; j++) {
    let lgam = 0;
    for (let i = 2; i <= j; i++) lgam += Math.log(i);
    const pw = Math.exp(-half + j * Math.log(half) - lgam);
    if (pw === 0) continue;
    mass += pw;
    const dj = d1 + 2 * j;
    cdf += pw * (d2 === null ? chisquareCdf(crit, dj) : fCdf((d2 * w) / (dj * (1 - w)), dj, d2));
  }
  return Math.min(1, Math.max(0, 1 - cdf - (1 - mass)));
}

/** A reference rise from `from` to `to` over the span of `pts` (analysis scale), as expected counts. */
function expectedRise(pts: readonly TransitionPoint[], from: number, to: number): TransitionPoint[] {
  const s = scale(pts);
  return pts.map((p, i) => {
    const q = from + (to - from) * sig((s.z[i]! - RISE_MIDPOINT) / RISE_WIDTH);
    return {x: p.x, k: p.n * q, n: p.n};
  });
}

/**
 * Power of p_constant < alpha against a rise `from` -> `to` (REFERENCE_RISES' shape) in the design
 * of `points` (their coordinates on the analysis scale and answers per coordinate) with dispersion
 * `phi`: the LR of the test's own model on the expected counts of the rise, divided by phi, is the
 * noncentrality of the test's reference distribution (the expected-likelihood-ratio approximation,
 * Self, Mauritsen & Ohara 1992). Checked against simulated power in docs/validity.md,
 * transitions-few.
 */
export function constancyPower(
  points: readonly TransitionPoint[],
  test: ConstantTest,
  phi: number,
  from: number,
  to: number,
  alpha = 0.05,
  df: number | null = null,
): number | null {
  const pts = usablePoints(points);
  const m = new Set(pts.map((p) => p.x)).size;
  if (m !== pts.length) return null;
  const e = expectedRise(pts, from, to);
  if (test === "clustered") {
    // clusterTrend's two F tests at alpha / 2 each, on (1, df) and (m - 2, df): noncentralities
    // from the rise's expected pooled counts, the line's LR against a constant and the saturated
    // model's LR against the line, over phi (expected-likelihood-ratio approximation); the two
    // treated as independent (orthogonal contrasts; they share phi's estimate).
    if (m < 3 || df === null || !(df >= 1)) return null;
    const s = scale(e);
    const line = trendFit(s, 1, "logit");
    // phi: ClusterTrend.design_effect (below 1 when lasting question spread leaves the test).
    const d = Math.max(0.05, phi);
    const lrT = Math.max(0, 2 * (line.loglik - constantLogLik(e)));
    let sat = 0;
    for (const p of e) sat += (p.k > 0 ? p.k * Math.log(p.k / p.n) : 0) + (p.n - p.k > 0 ? (p.n - p.k) * Math.log(1 - p.k / p.n) : 0);
    const lrL = Math.max(0, 2 * (sat - line.loglik));
    const pT = noncentralTail(fQuantile(1 - alpha / 2, 1, df), lrT / d, 1, df);
    const pL = noncentralTail(fQuantile(1 - alpha / 2, m - 2, df), lrL / d, m - 2, df);
    return 1 - (1 - pT) * (1 - pL);
  }
  if (test === "trend") {
    if (m < 3) return null;
    const s = scale(e);
    const line = trendFit(s, 1, "logit");
    const lr = Math.max(0, 2 * (line.loglik - constantLogLik(e)));
    const d = Math.max(1, phi);
    // The statistic is LR / max(1, X^2 / nu). With phi as the truth, LR / phi ~ chi-square(1,
    // lambda) and X^2 / (phi nu) ~ chi-square(nu, delta) / nu, its noncentrality delta = lof / phi
    // from the line's misfit to the rise (its Pearson X^2 on the expected counts), approximated by
    // a scaled central chi-square h chi-square(nu') (Patnaik 1949: h = (nu + 2 delta) / (nu +
    // delta), nu' = (nu + delta)^2 / (nu + 2 delta)). Power = E_D[P(chi-square(1, lambda) > c
    // max(1 / phi, D))], c the F(1, nu) critical value, by the midpoint rule over 64 quantiles of D
    // (the floor at 1 binds when phi is near 1).
    const nu = m - 2;
    const delta = pearson(s, (i) => line.fitted(s.z[i]!)) / d;
    const h = (nu + 2 * delta) / (nu + delta);
    const nu2 = (nu + delta) ** 2 / (nu + 2 * delta);
    const c = fQuantile(1 - alpha, 1, nu);
    const rootL = Math.sqrt(lr / d);
    const tail1 = (t: number) => normalCdf(-Math.sqrt(t) - rootL) + normalCdf(rootL - Math.sqrt(t));
    const N = 64;
    let sum = 0;
    for (let i = 0; i < N; i++) sum += tail1(c * Math.max(1 / d, (h * chisquareQuantile((i + 0.5) / N, nu2)) / nu));
    return sum / N;
  }
  if (test === "logistic_lr") {
    const fit = fitLogistic(e, {profile: false});
    if (!fit || m < 5) return null;
    const lr = Math.max(0, 2 * (fit.loglik - constantLogLik(e)));
    return phi > 1 ? noncentralTail(fQuantile(1 - alpha, 3, m - 4), lr / phi, 3, m - 4) : noncentralTail(chisquareQuantile(1 - alpha, 3), lr, 3, null);
  }
  return null;
}

function chisquareQuantile(q: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (chisquareCdf(hi, df) < q) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chisquareCdf(mid, df) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Power against REFERENCE_RISES beside a "no evidence" verdict (null when p_constant < alpha or not computable). */
function detectableOf(
  pts: readonly TransitionPoint[],
  test: ConstantTest | null,
  p: number | null,
  phi: number,
  alpha: number,
  df: number | null = null,
): DetectablePower[] | null {
  if (test === null || test === "homogeneity" || p === null || p < alpha) return null;
  const out: DetectablePower[] = [];
  for (const [from, to] of REFERENCE_RISES) {
    const power = constancyPower(pts, test, phi, from, to, alpha, df);
    if (power === null) return null;
    out.push({from, to, power});
  }
  return out;
}

/** p-value of an LR statistic on `df` numerator degrees of freedom, quasi-F when phi > 1. */
function lrP(lr: number, df: number, phi: number, dfResid: number): number {
  if (!(lr > 0)) return 1;
  return phi > 1 ? 1 - fCdf(lr / df / phi, df, dfResid) : 1 - chisquareCdf(lr, df);
}

/**
 * Does the series hold a transition? See TransitionVerdict, TransitionTest.p_constant and
 * p_linear. `fit` is fitLogistic(points) (null when it was not fitted).
 */
export function testTransition(
  points: readonly TransitionPoint[],
  fit: LogisticFit | null,
  {
    alpha = 0.05,
    detectable: withPower = false,
    trendBelow = TREND_TEST_BELOW,
  }: {
    alpha?: number;
    /** Compute `detectable` (the power statement beside "no evidence"); off by default (grids do not show it). */
    detectable?: boolean;
    /** Only for the validity A/B against the earlier rule (0: never the trend test). */
    trendBelow?: number;
  } = {},
): TransitionTest {
  const pts = usablePoints(points);
  const m = new Set(pts.map((p) => p.x)).size;
  const fractional = fit?.family === "fractional";
  const few = m >= 3 && m < trendBelow;
  // Below TREND_TEST_BELOW with per-question cells: the clustered test (trend or lack of fit, the
  // dispersion from the spread between questions or seeds within coordinates); without: the trend test.
  // All the points: the cluster level is read from every coordinate with rows (seriesClusterLevel).
  // At any size the monotonicity test reads the same clusters' per-point design effects (7+: the
  // logistic's p_constant does not use them).
  const cells = !fractional && m >= 3 ? clusterTrend(points) : null;
  const clustered = few ? cells : null;
  const mphis = fractional ? [] : monotoneDispersion(pts, fit, cells);
  const mphi = mphis.length ? Math.max(...mphis) : 1;
  // A monotonicity test on means needs the score spread, which the means do not carry: off.
  const extreme = fractional ? null : nonMonotoneAt(pts, alpha, ...monotoneReference(pts, mphis, cells));
  const trend = few && !clustered ? trendTest(pts, {fractional}) : null;
  const lowTest: ConstantTest | null = clustered ? "clustered" : trend ? "trend" : null;
  const lowP = clustered ? clustered.p : trend ? trend.p : null;
  const misfitP = clustered ? clustered.p_misfit : (trend?.misfit_p ?? null);
  const dispersion: TransitionDispersion | null = clustered
    ? {from: clustered.level, phi: clustered.design_effect, df: clustered.df}
    : trend
      ? {from: "line", phi: trend.phi, df: trend.df}
      : null;
  const lowPhi = dispersion?.phi ?? 1;
  const lowDf = clustered ? clustered.df : null;
  const shared = {
    misfit_p: misfitP,
    misfit_unresolved: !clustered && misfitP !== null && misfitP < alpha,
    curved: clustered !== null && clustered.p_misfit < alpha / 2,
    p_trend: clustered ? clustered.p_trend : null,
    dispersion,
  };
  if (m < MIN_TRANSITION_POINTS || !fit) {
    const test: ConstantTest | null = fractional ? null : (lowTest ?? (m >= 2 ? "homogeneity" : null));
    const pc = fractional ? null : lowTest ? lowP : homogeneityP(pts);
    return {
      verdict: extreme !== null ? "non_monotone" : "too_few_points",
      credible: false,
      constant_test: pc === null ? null : test,
      // Only beside a 'no evidence' verdict, as from 5 points (not beside non_monotone).
      detectable: fractional || !withPower || extreme !== null ? null : detectableOf(pts, test, pc, lowPhi, alpha, lowDf),
      ...shared,
      changes: pc === null ? null : pc < alpha,
      p_constant: pc,
      p_linear: null,
      lr: null,
      extreme,
      monotone_phi: mphi,
    };
  }
  const lr = Math.max(0, 2 * (fit.loglik - constantLogLik(pts)));
  // Over-dispersed (phi > 1): quasi-likelihood F test with the estimated phi. Otherwise the
  // binomial variance holds and LR is referred to chi-square (an F on m - 4 df would charge
  // for estimating a dispersion that is not used). Fractional data always use the F test.
  const disp = fit.dispersion ?? 1;
  const phi = fractional ? Math.max(disp, 1e-12) : disp;
  const f = (x: number, df: number) => (fractional ? (x > 0 ? 1 - fCdf(x / df / phi, df, m - 4) : 1) : lrP(x, df, phi, m - 4));
  // Below TREND_TEST_BELOW coordinates the clustered test or the 1-df trend test decides "constant" (see there).
  const p = lowP !== null ? lowP : f(lr, 3);
  const constantTest: ConstantTest = lowTest ?? "logistic_lr";
  // The best smooth trend: a straight line in the rate (2 parameters) or in its logit (2). A mean
  // score bends more smoothly than either, so there the logit trend is a quadratic (3; it has no
  // inflection, so it cannot imitate a located step). For rates the quadratic is not used: a rise
  // from a floor of 0 has a concave logit that a quadratic imitates, which hid real transitions.
  const s = scale(pts);
  const line = trendFit(s, 1, "identity").loglik;
  const curve = trendFit(s, fractional ? 2 : 1, "logit").loglik;
  const dfCurve = fractional ? 1 : 2;
  const pLinear = curve >= line ? f(Math.max(0, 2 * (fit.loglik - curve)), dfCurve) : f(Math.max(0, 2 * (fit.loglik - line)), 2);
  const xs = pts.map((q) => q.x);
  const inside = fit.midpoint >= Math.min(...xs) && fit.midpoint <= Math.max(...xs);
  let verdict: TransitionVerdict;
  if (extreme !== null) verdict = "non_monotone";
  else if (!(p < alpha)) verdict = "flat";
  else if (!inside) verdict = "outside_range";
  else if (!(pLinear < alpha)) verdict = "smooth_trend";
  else verdict = "credible";
  const detectable = fractional || !withPower || verdict !== "flat" ? null : detectableOf(pts, constantTest, p, lowTest ? lowPhi : disp, alpha, lowDf);
  return {
    verdict,
    credible: verdict === "credible",
    constant_test: constantTest,
    detectable,
    ...shared,
    changes: p < alpha,
    p_constant: p,
    p_linear: pLinear,
    lr,
    extreme,
    monotone_phi: mphi,
  };
}
