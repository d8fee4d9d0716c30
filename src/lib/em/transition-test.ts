// Does a series hold a transition? Tests of the fitted logistic against a constant rate and
// against a smooth trend, and of monotonicity (rise-then-collapse). Pure.

import fCdf from "@stdlib/stats-base-dists-f-cdf";
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import {newcombeDiff, normalQuantile} from "./intervals.js";
import {nelderMead} from "./optimize.js";
import type {LogisticFit} from "./transition-fit.js";
import {logit, pearson, scale, sig, usablePoints, EPS, type Scaled, type TransitionPoint} from "./transition-points.js";

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

export interface TransitionTest {
  verdict: TransitionVerdict;
  credible: boolean;
  /**
   * p-value of "the rate is constant along the coordinate". With >= 5 points: likelihood-ratio
   * test of the logistic against the constant rate, LR = 2 (l_logistic - l_constant) on 3 df; when
   * the logistic's Pearson dispersion phi exceeds 1 (correlated answers to one question), the
   * quasi-likelihood F test F = (LR / 3) / phi on (3, m - 4) df (McCullagh & Nelder 1989, sec. 4.5).
   * With 2-4 points: Pearson chi-square test of homogeneity on m - 1 df (no dispersion estimate).
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
  /** Dispersion the monotonicity test scaled its variances by (>= 1 for counts). */
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
 * Dispersion for the monotonicity test, estimated without assuming monotonicity: the smaller
 * Pearson X^2 / (m - 4) of a logistic (when given) and of a bump in the logit (bumpFit), so
 * neither a step nor a hump inflates it; at least 1 (counts); 1 below 6 points (no spare df).
 */
export function monotoneDispersion(points: readonly TransitionPoint[], fit: LogisticFit | null = null): number {
  const pts = usablePoints(points);
  const m = pts.length;
  if (m < 6) return 1;
  const s = scale(pts);
  const bump = bumpFit(s);
  let phi = pearson(s, (i) => bump(s.z[i]!)) / (m - 4);
  if (fit && fit.dispersion !== null) phi = Math.min(phi, fit.dispersion);
  return Math.max(1, phi);
}

/**
 * Rise-then-collapse (or dip-then-recover): the interior coordinate with the highest (lowest) rate
 * is above (below) both the first and the last coordinate by one-sided Newcombe intervals, on
 * design-effect counts k / phi out of n / phi (phi from monotoneDispersion: answers to one
 * question are correlated, and binomial variance alone called 32% of clustered monotone rises
 * non-monotone). Level: both comparisons must hold (an intersection-union test, each at the same
 * level), Bonferroni over the m - 2 interior points the extreme was picked from and over peak or
 * dip: one-sided alpha / (2 (m - 2)). Returns that coordinate, or null.
 */
export function nonMonotoneAt(points: readonly TransitionPoint[], alpha = 0.05, phi = 1): number | null {
  const pts = usablePoints(points);
  if (pts.length < 3) return null;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const z = normalQuantile(1 - alpha / (2 * (pts.length - 2)));
  let hi = 1;
  let lo = 1;
  for (let i = 1; i < pts.length - 1; i++) {
    const r = pts[i]!.k / pts[i]!.n;
    if (r > pts[hi]!.k / pts[hi]!.n) hi = i;
    if (r < pts[lo]!.k / pts[lo]!.n) lo = i;
  }
  const d = Math.max(1, phi);
  const above = (p: TransitionPoint, q: TransitionPoint) => (newcombeDiff(p.k / d, p.n / d, q.k / d, q.n / d, z)?.[0] ?? 0) > 0;
  if (above(pts[hi]!, first) && above(pts[hi]!, last)) return pts[hi]!.x;
  if (above(first, pts[lo]!) && above(last, pts[lo]!)) return pts[lo]!.x;
  return null;
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
export function testTransition(points: readonly TransitionPoint[], fit: LogisticFit | null, {alpha = 0.05}: {alpha?: number} = {}): TransitionTest {
  const pts = usablePoints(points);
  const m = new Set(pts.map((p) => p.x)).size;
  const fractional = fit?.family === "fractional";
  const mphi = fractional ? 1 : monotoneDispersion(pts, fit);
  // A monotonicity test on means needs the score spread, which the means do not carry: off.
  const extreme = fractional ? null : nonMonotoneAt(pts, alpha, mphi);
  if (m < MIN_TRANSITION_POINTS || !fit)
    return {
      verdict: extreme !== null ? "non_monotone" : "too_few_points",
      credible: false,
      p_constant: fractional ? null : homogeneityP(pts),
      p_linear: null,
      lr: null,
      extreme,
      monotone_phi: mphi,
    };
  const lr = Math.max(0, 2 * (fit.loglik - constantLogLik(pts)));
  // Over-dispersed (phi > 1): quasi-likelihood F test with the estimated phi. Otherwise the
  // binomial variance holds and LR is referred to chi-square (an F on m - 4 df would charge
  // for estimating a dispersion that is not used). Fractional data always use the F test.
  const disp = fit.dispersion ?? 1;
  const phi = fractional ? Math.max(disp, 1e-12) : disp;
  const f = (x: number, df: number) => (fractional ? (x > 0 ? 1 - fCdf(x / df / phi, df, m - 4) : 1) : lrP(x, df, phi, m - 4));
  const p = f(lr, 3);
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
  return {verdict, credible: verdict === "credible", p_constant: p, p_linear: pLinear, lr, extreme, monotone_phi: mphi};
}
