// Phase transitions of the EM rate along an ordered coordinate (checkpoint step, epoch, LoRA
// scale, steering scale): a four-parameter logistic fitted by binomial maximum likelihood with a
// profile-likelihood interval on the midpoint, a single change-point likelihood-ratio test as a
// cross-check, and the onset (first coordinate credibly above the baseline).

import fCdf from "@stdlib/stats-base-dists-f-cdf";
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import {normalQuantile, newcombeDiff, wilson, type Interval} from "./intervals.js";
import {nelderMead} from "./optimize.js";
import {randBinomial, type Rng} from "./prng.js";

/** One coordinate value: k EM answers out of n in the denominator. */
export interface TransitionPoint {
  x: number;
  k: number;
  n: number;
}

export interface LogisticFit {
  /** Rate far before the transition (fraction). */
  floor: number;
  /** Rate far after it. A falling series has ceiling < floor. */
  ceiling: number;
  /** Coordinate where the rate is halfway between floor and ceiling (coordinate units). */
  midpoint: number;
  /** Logistic scale in coordinate units: the rate goes from 27% to 73% of the way in 2 widths. */
  width: number;
  /** Profile-likelihood interval of the midpoint; a bound is null when the profile stays below
   * the cutoff up to the edge of the observed coordinates (the data do not bound it). */
  ci: [number | null, number | null];
  ci_method: "profile_likelihood";
  /** Pearson chi-square / (points - 4), >= 0; the interval cutoff is scaled by max(1, dispersion). */
  dispersion: number | null;
  loglik: number;
  converged: boolean;
}

const sig = (t: number): number => 1 / (1 + Math.exp(-t));
const logit = (p: number): number => Math.log(p / (1 - p));
const EPS = 1e-12;

interface Scaled {
  z: Float64Array;
  k: Float64Array;
  n: Float64Array;
  x0: number;
  span: number;
}

function scale(points: readonly TransitionPoint[]): Scaled {
  const xs = points.map((p) => p.x);
  const x0 = Math.min(...xs);
  const span = Math.max(...xs) - x0 || 1;
  return {
    z: Float64Array.from(xs, (x) => (x - x0) / span),
    k: Float64Array.from(points, (p) => p.k),
    n: Float64Array.from(points, (p) => p.n),
    x0,
    span,
  };
}

// Parameters on the optimiser's scale: [logit floor, logit ceiling, midpoint (scaled), log width (scaled)].
const MID_LO = -0.5;
const MID_HI = 1.5;
const LW_LO = Math.log(1e-4);
const LW_HI = Math.log(10);

/** Logistic parameters on the optimiser's scale: [logit floor, logit ceiling, midpoint, log width]. */
type Theta = readonly [number, number, number, number];

function negLogLik(th: Theta, s: Scaled): number {
  const [lf, lc, m, lw] = th;
  if (m < MID_LO || m > MID_HI || lw < LW_LO || lw > LW_HI || Math.abs(lf) > 30 || Math.abs(lc) > 30) return Infinity;
  const f = sig(lf);
  const c = sig(lc);
  const w = Math.exp(lw);
  let nll = 0;
  for (let i = 0; i < s.z.length; i++) {
    let p = f + (c - f) * sig((s.z[i]! - m) / w);
    p = Math.min(1 - EPS, Math.max(EPS, p));
    nll -= s.k[i]! * Math.log(p) + (s.n[i]! - s.k[i]!) * Math.log(1 - p);
  }
  return nll;
}

/** Best of several Nelder-Mead runs; with `fixedMid` the midpoint is held fixed (profile). */
function fitFrom(starts: readonly Theta[], s: Scaled, fixedMid?: number): {th: Theta; nll: number; converged: boolean} {
  let best: {th: Theta; nll: number; converged: boolean} = {th: starts[0]!, nll: Infinity, converged: false};
  for (const st of starts) {
    const f = fixedMid === undefined ? (t: number[]) => negLogLik(t as unknown as Theta, s) : (t: number[]) => negLogLik([t[0]!, t[1]!, fixedMid, t[2]!], s);
    const x0 = fixedMid === undefined ? [...st] : [st[0], st[1], st[3]];
    let r = nelderMead(f, x0, {step: fixedMid === undefined ? [1, 1, 0.2, 1] : [1, 1, 1], tol: 1e-10, maxIter: 3000});
    // restart once from the optimum: Nelder-Mead can stall on a degenerate simplex
    r = nelderMead(f, r.x, {step: fixedMid === undefined ? [0.3, 0.3, 0.05, 0.3] : [0.3, 0.3, 0.3], tol: 1e-10, maxIter: 3000});
    if (r.value < best.nll) {
      const th: Theta = fixedMid === undefined ? [r.x[0]!, r.x[1]!, r.x[2]!, r.x[3]!] : [r.x[0]!, r.x[1]!, fixedMid, r.x[2]!];
      best = {th, nll: r.value, converged: r.converged};
    }
  }
  return best;
}

/**
 * Fit p(x) = floor + (ceiling - floor) / (1 + exp(-(x - midpoint) / width)) by binomial maximum
 * likelihood over the points (Nelder-Mead on logit floor, logit ceiling, midpoint, log width;
 * multi-start: midpoints between every pair of neighbouring coordinates x 3 widths). The midpoint
 * is confined to [min x - span/2, max x + span/2] and the width to [1e-4, 10] spans.
 *
 * Midpoint interval: profile likelihood (Venzon & Moolgavkar 1988): the set of midpoints whose
 * profile deviance 2(l_max - l_profile) is below the chi-square(1) quantile, multiplied by the
 * Pearson dispersion when it exceeds 1 (quasi-likelihood; answers to one question are correlated,
 * which inflates between-point variance). Points with n = 0 are ignored. Returns null with fewer
 * than 4 usable coordinates (4 parameters).
 */
export function fitLogistic(
  points: readonly TransitionPoint[],
  {confidence = 0.95, profile = true}: {confidence?: number; profile?: boolean} = {},
): LogisticFit | null {
  const pts = points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
  if (new Set(pts.map((p) => p.x)).size < 4) return null;
  const s = scale(pts);
  const m = pts.length;
  const sm = (i: number) => (s.k[i]! + 0.5) / (s.n[i]! + 1);
  const head = Math.max(1, Math.floor(m / 4));
  let fk = 0,
    fn = 0,
    ck = 0,
    cn = 0;
  for (let i = 0; i < head; i++) {
    fk += s.k[i]!;
    fn += s.n[i]!;
    ck += s.k[m - 1 - i]!;
    cn += s.n[m - 1 - i]!;
  }
  const f0 = logit((fk + 0.5) / (fn + 1));
  const c0 = logit((ck + 0.5) / (cn + 1));
  const starts: Theta[] = [];
  const mids = new Set<number>();
  for (let i = 0; i + 1 < m; i++) mids.add((s.z[i]! + s.z[i + 1]!) / 2);
  mids.add(0.5);
  for (const mid of mids) for (const w of [0.01, 0.05, 0.2]) starts.push([f0, c0, mid, Math.log(w)]);
  // a start where the ends are swapped protects against a bad floor/ceiling guess on noisy ends
  starts.push([logit(sm(m - 1)), logit(sm(0)), 0.5, Math.log(0.1)]);
  const best = fitFrom(starts, s);
  const [lf, lc, mz, lw] = best.th;
  let dispersion: number | null = null;
  if (m > 4) {
    let x2 = 0;
    for (let i = 0; i < m; i++) {
      const p = Math.min(1 - EPS, Math.max(EPS, sig(lf) + (sig(lc) - sig(lf)) * sig((s.z[i]! - mz) / Math.exp(lw))));
      x2 += (s.k[i]! - s.n[i]! * p) ** 2 / (s.n[i]! * p * (1 - p));
    }
    dispersion = x2 / (m - 4);
  }
  const zq = normalQuantile(1 - (1 - confidence) / 2);
  const cutoff = zq * zq * Math.max(1, dispersion ?? 1);
  let ci: [number | null, number | null] = [null, null];
  if (profile) {
    const dev = (mid: number): number => 2 * (fitFrom([best.th, [lf, lc, mid, lw], [f0, c0, mid, Math.log(0.05)]], s, mid).nll - best.nll);
    const bound = (dir: -1 | 1): number | null => {
      const edge = dir < 0 ? 0 : 1;
      const G = 60;
      let prev = mz;
      for (let g = 1; g <= G; g++) {
        const cur = mz + ((edge - mz) * g) / G;
        if (dev(cur) > cutoff) {
          let lo = prev;
          let hi = cur;
          for (let it = 0; it < 12; it++) {
            const mid = (lo + hi) / 2;
            if (dev(mid) > cutoff) hi = mid;
            else lo = mid;
          }
          return (lo + hi) / 2;
        }
        prev = cur;
      }
      return null;
    };
    const lo = mz > 0 ? bound(-1) : null;
    const hi = mz < 1 ? bound(1) : null;
    ci = [lo === null ? null : s.x0 + lo * s.span, hi === null ? null : s.x0 + hi * s.span];
  }
  return {
    floor: sig(lf),
    ceiling: sig(lc),
    midpoint: s.x0 + mz * s.span,
    width: Math.exp(lw) * s.span,
    ci,
    ci_method: "profile_likelihood",
    dispersion,
    loglik: -best.nll,
    converged: best.converged,
  };
}

/** Fitted logistic rate at coordinate x. */
export function logisticAt(fit: Pick<LogisticFit, "floor" | "ceiling" | "midpoint" | "width">, x: number): number {
  return fit.floor + (fit.ceiling - fit.floor) * sig((x - fit.midpoint) / fit.width);
}

export interface ChangePoint {
  /** Last coordinate of the first segment and first coordinate of the second. */
  before: number;
  after: number;
  rate_before: number;
  rate_after: number;
  /** Likelihood-ratio statistic 2(l_split - l_constant), maximised over split positions. */
  lr: number;
  /** Parametric-bootstrap p-value of the max LR under a constant rate, (1 + #>=) / (B + 1). */
  p_value: number;
  replicates: number;
}

function binLogLik(k: number, n: number): number {
  if (n === 0 || k === 0 || k === n) return 0;
  const p = k / n;
  return k * Math.log(p) + (n - k) * Math.log(1 - p);
}

function maxSplit(k: ArrayLike<number>, n: ArrayLike<number>): {lr: number; at: number} {
  const m = k.length;
  let K = 0,
    N = 0;
  for (let i = 0; i < m; i++) {
    K += k[i]!;
    N += n[i]!;
  }
  const l0 = binLogLik(K, N);
  let best = {lr: -Infinity, at: 1};
  let kl = 0,
    nl = 0;
  for (let s = 1; s < m; s++) {
    kl += k[s - 1]!;
    nl += n[s - 1]!;
    const lr = 2 * (binLogLik(kl, nl) + binLogLik(K - kl, N - nl) - l0);
    if (lr > best.lr + 1e-12) best = {lr, at: s};
  }
  return best;
}

/**
 * Single change-point test (binomial segmentation, cf. Hinkley 1970): the split into two constant
 * rates that maximises the likelihood ratio against one constant rate. The max-LR statistic has
 * no chi-square reference, so the p-value comes from a parametric bootstrap under the constant
 * rate (B = `replicates`, default 999, seeded `rng`). Null with fewer than 2 usable points.
 */
export function changePoint(points: readonly TransitionPoint[], rng: Rng, {replicates = 999}: {replicates?: number} = {}): ChangePoint | null {
  const pts = points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
  if (pts.length < 2) return null;
  const k = pts.map((p) => p.k);
  const n = pts.map((p) => p.n);
  const obs = maxSplit(k, n);
  const K = k.reduce((a, b) => a + b, 0);
  const N = n.reduce((a, b) => a + b, 0);
  const p0 = K / N;
  let ge = 0;
  const sim = new Array<number>(pts.length);
  for (let b = 0; b < replicates; b++) {
    for (let i = 0; i < pts.length; i++) sim[i] = randBinomial(rng, n[i]!, p0);
    if (maxSplit(sim, n).lr >= obs.lr - 1e-9) ge++;
  }
  let kl = 0,
    nl = 0;
  for (let i = 0; i < obs.at; i++) {
    kl += k[i]!;
    nl += n[i]!;
  }
  return {
    before: pts[obs.at - 1]!.x,
    after: pts[obs.at]!.x,
    rate_before: kl / nl,
    rate_after: (K - kl) / (N - nl),
    lr: obs.lr,
    p_value: (1 + ge) / (1 + replicates),
    replicates,
  };
}

export interface Onset {
  /** First coordinate credibly above the baseline; null when none is. */
  x: number | null;
  /** Coordinate(s) pooled as the baseline. */
  baseline: number[];
  baseline_rate: number | null;
  /** Familywise alpha (Bonferroni over the compared coordinates). */
  alpha: number;
  test: "newcombe_one_sided_bonferroni";
}

/**
 * Onset: the first coordinate (after the baseline) whose rate is credibly above the baseline
 * rate. Baseline = the first `baseline` coordinates pooled (default 1). Test: one-sided Newcombe
 * hybrid score interval for p_i - p_baseline (Newcombe 1998, method 10) at level alpha / (m - b),
 * Bonferroni over the m - b later coordinates, so the chance of declaring any onset on a flat
 * series is at most alpha (default 0.05). Treats answers as independent: with strongly clustered
 * questions it can fire early; compare with the change point and fit.
 */
export function onset(points: readonly TransitionPoint[], {alpha = 0.05, baseline = 1}: {alpha?: number; baseline?: number} = {}): Onset {
  const pts = points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
  const b = Math.min(baseline, pts.length);
  let k0 = 0,
    n0 = 0;
  for (let i = 0; i < b; i++) {
    k0 += pts[i]!.k;
    n0 += pts[i]!.n;
  }
  const res: Onset = {x: null, baseline: pts.slice(0, b).map((p) => p.x), baseline_rate: n0 > 0 ? k0 / n0 : null, alpha, test: "newcombe_one_sided_bonferroni"};
  const tests = pts.length - b;
  if (tests <= 0 || n0 === 0) return res;
  const z = normalQuantile(1 - alpha / tests);
  for (let i = b; i < pts.length; i++) {
    const d = newcombeDiff(pts[i]!.k, pts[i]!.n, k0, n0, z);
    if (d && d[0] > 0) {
      res.x = pts[i]!.x;
      break;
    }
  }
  return res;
}

/**
 * What a series supports:
 * - "credible": the logistic beats a constant rate (p_constant < alpha) and its midpoint lies
 *   inside the observed coordinates;
 * - "flat": no evidence against a constant rate (p_constant >= alpha);
 * - "outside_range": the rate changes, but the fitted midpoint lies outside the observed
 *   coordinates (a trend, not a located transition);
 * - "non_monotone": an interior coordinate is credibly above (or below) both ends, e.g. a
 *   rise-then-collapse curve; a logistic would misdescribe it;
 * - "too_few_points": fewer than MIN_TRANSITION_POINTS usable coordinates.
 */
export type TransitionVerdict = "credible" | "flat" | "outside_range" | "non_monotone" | "too_few_points";

/** Fewest distinct coordinates with answers before a logistic (4 parameters) is fitted at all. */
export const MIN_TRANSITION_POINTS = 5;

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
  /** LR statistic of the logistic against the constant rate (null when no fit). */
  lr: number | null;
  /** Coordinate of the interior extreme that made the series non-monotone, else null. */
  extreme: number | null;
}

function constantLogLik(pts: readonly TransitionPoint[]): number {
  let K = 0,
    N = 0;
  for (const p of pts) {
    K += p.k;
    N += p.n;
  }
  if (K === 0 || K === N) return 0;
  const q = K / N;
  return K * Math.log(q) + (N - K) * Math.log(1 - q);
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
 * Rise-then-collapse (or dip-then-recover): the interior coordinate with the highest (lowest) rate
 * is above (below) both the first and the last coordinate by a one-sided Newcombe interval at
 * alpha / 2 each. Returns that coordinate, or null.
 */
export function nonMonotoneAt(points: readonly TransitionPoint[], alpha = 0.05): number | null {
  const pts = points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
  if (pts.length < 3) return null;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const z = normalQuantile(1 - alpha / 4);
  let hi = 1;
  let lo = 1;
  for (let i = 1; i < pts.length - 1; i++) {
    const r = pts[i]!.k / pts[i]!.n;
    if (r > pts[hi]!.k / pts[hi]!.n) hi = i;
    if (r < pts[lo]!.k / pts[lo]!.n) lo = i;
  }
  const above = (p: TransitionPoint, q: TransitionPoint) => (newcombeDiff(p.k, p.n, q.k, q.n, z)?.[0] ?? 0) > 0;
  if (above(pts[hi]!, first) && above(pts[hi]!, last)) return pts[hi]!.x;
  if (above(first, pts[lo]!) && above(last, pts[lo]!)) return pts[lo]!.x;
  return null;
}

/**
 * Does the series hold a transition? See TransitionVerdict and TransitionTest.p_constant.
 * `fit` is fitLogistic(points) (null when it was not fitted).
 */
export function testTransition(points: readonly TransitionPoint[], fit: LogisticFit | null, {alpha = 0.05}: {alpha?: number} = {}): TransitionTest {
  const pts = points.filter((p) => p.n > 0);
  const m = new Set(pts.map((p) => p.x)).size;
  const extreme = nonMonotoneAt(pts, alpha);
  if (m < MIN_TRANSITION_POINTS || !fit)
    return {verdict: extreme !== null ? "non_monotone" : "too_few_points", credible: false, p_constant: homogeneityP(pts), lr: null, extreme};
  const lr = Math.max(0, 2 * (fit.loglik - constantLogLik(pts)));
  // Over-dispersed (phi > 1): quasi-likelihood F test with the estimated phi. Otherwise the
  // binomial variance holds and LR is referred to chi-square(3) (an F on m - 4 df would charge
  // for estimating a dispersion that is not used).
  const phi = fit.dispersion ?? 1;
  const p = lr <= 0 ? 1 : phi > 1 ? 1 - fCdf(lr / 3 / phi, 3, m - 4) : 1 - chisquareCdf(lr, 3);
  const xs = pts.map((q) => q.x);
  const inside = fit.midpoint >= Math.min(...xs) && fit.midpoint <= Math.max(...xs);
  let verdict: TransitionVerdict;
  if (extreme !== null) verdict = "non_monotone";
  else if (!(p < alpha)) verdict = "flat";
  else if (!inside) verdict = "outside_range";
  else verdict = "credible";
  return {verdict, credible: verdict === "credible", p_constant: p, lr, extreme};
}

export interface TransitionResult {
  points: {x: number; k: number; n: number; rate: number | null; ci: Interval | null}[];
  /**
   * The logistic fit when there are >= MIN_TRANSITION_POINTS coordinates (its midpoint means
   * something only when `test.credible`); null otherwise.
   */
  fit: LogisticFit | null;
  test: TransitionTest;
  change_point: ChangePoint | null;
  /** Onset; its `x` is null unless the transition is credible. */
  onset: Onset;
}

/** Fit, credibility test, change point and onset for one series; `rng` for the change-point bootstrap. */
export function analyzeTransition(
  points: readonly TransitionPoint[],
  rng: Rng,
  {
    confidence = 0.95,
    replicates = 999,
    alpha = 0.05,
    baseline = 1,
    profile = true,
  }: {confidence?: number; replicates?: number; alpha?: number; baseline?: number; profile?: boolean} = {},
): TransitionResult {
  const sorted = points.slice().sort((a, b) => a.x - b.x);
  const usable = new Set(sorted.filter((p) => p.n > 0).map((p) => p.x)).size;
  const fit = usable >= MIN_TRANSITION_POINTS ? fitLogistic(sorted, {confidence, profile}) : null;
  const test = testTransition(sorted, fit, {alpha});
  const on = onset(sorted, {alpha, baseline});
  return {
    points: sorted.map((p) => ({x: p.x, k: p.k, n: p.n, rate: p.n > 0 ? p.k / p.n : null, ci: wilson(p.k, p.n, confidence)})),
    fit,
    test,
    change_point: changePoint(sorted, rng, {replicates}),
    onset: test.credible ? on : {...on, x: null},
  };
}
