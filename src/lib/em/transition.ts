// Phase transitions of the EM rate along an ordered coordinate (checkpoint step, epoch, LoRA
// scale, steering scale): a four-parameter logistic fitted by binomial (quasi-)likelihood with
// profile-likelihood intervals on the midpoint and the width, tests against a constant rate and
// against a smooth two-parameter trend, a single change-point likelihood-ratio test as a
// cross-check, and the onset (first coordinate credibly above the baseline). The same fit runs on
// the mean aligned score (fractional quasi-likelihood), because thresholding a smooth shift of the
// score distribution can make an EM rate that looks like a sigmoid.

import fCdf from "@stdlib/stats-base-dists-f-cdf";
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import {normalQuantile, newcombeDiff, tQuantile, wilson, type Interval} from "./intervals.js";
import {nelderMead} from "./optimize.js";
import {randBinomial, type Rng} from "./prng.js";

/** One coordinate value: k EM answers out of n in the denominator. */
export interface TransitionPoint {
  x: number;
  k: number;
  n: number;
}

/**
 * "binomial": k EM answers out of n (counts). "fractional": k = n x mean, a mean of n values in
 * [0, 1] (the mean aligned score / 100), fitted by quasi-likelihood with variance phi mu (1 - mu)
 * (Wedderburn 1974; Papke & Wooldridge 1996); k need not be an integer.
 */
export type TransitionFamily = "binomial" | "fractional";

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
  /** Profile-likelihood interval of the width (same cutoff); an upper bound of null means the
   * data are also explained by a transition as wide as 10 spans (a smooth trend). */
  width_ci: [number | null, number | null];
  /** Pearson chi-square / (points - 4), >= 0; null with 4 points. */
  dispersion: number | null;
  /**
   * The deviance cutoff of both intervals: F(1, m - 4) quantile x phi (quasi-likelihood profile,
   * McCullagh & Nelder 1989 sec. 9.3), phi = max(1, dispersion) for counts and the dispersion
   * itself for fractional data; the chi-square(1) quantile when m = 4 (no dispersion estimate).
   */
  cutoff: number;
  family: TransitionFamily;
  /**
   * Why the interval is approximate, or null: "few checkpoints" when m - 4 < 4 (phi rests on
   * fewer than 4 degrees of freedom), "heavy question clustering" when the dispersion exceeds
   * HEAVY_DISPERSION (measured coverage ~90% there, docs/validity.md), both joined by "; ".
   */
  approximate: string | null;
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

/** Fixed optimiser parameter for a profile: 2 = midpoint (scaled), 3 = log width (scaled). */
type Fixed = {index: 2 | 3; value: number};

/** Best of several Nelder-Mead runs; with `fixed` one parameter is held (profile likelihood). */
function fitFrom(starts: readonly Theta[], s: Scaled, fixed?: Fixed): {th: Theta; nll: number; converged: boolean} {
  let best: {th: Theta; nll: number; converged: boolean} = {th: starts[0]!, nll: Infinity, converged: false};
  const full = (t: number[]): Theta => {
    if (!fixed) return t as unknown as Theta;
    return fixed.index === 2 ? [t[0]!, t[1]!, fixed.value, t[2]!] : [t[0]!, t[1]!, t[2]!, fixed.value];
  };
  const free = (st: Theta): number[] => (!fixed ? [...st] : [st[0], st[1], st[fixed.index === 2 ? 3 : 2]]);
  const f = (t: number[]) => negLogLik(full(t), s);
  const step1 = !fixed ? [1, 1, 0.2, 1] : fixed.index === 2 ? [1, 1, 1] : [1, 1, 0.2];
  const step2 = step1.map((v) => v * 0.3);
  for (const st of starts) {
    let r = nelderMead(f, free(st), {step: step1, tol: 1e-10, maxIter: 3000});
    // restart once from the optimum: Nelder-Mead can stall on a degenerate simplex
    r = nelderMead(f, r.x, {step: step2, tol: 1e-10, maxIter: 3000});
    if (r.value < best.nll) best = {th: full(r.x), nll: r.value, converged: r.converged};
  }
  return best;
}

/** Dispersion above which the midpoint interval is called approximate (see LogisticFit.approximate). */
export const HEAVY_DISPERSION = 4;

/** Quantile of F(1, df) at `confidence`: the square of Student's t quantile at (1 + confidence) / 2. */
export function f1Quantile(confidence: number, df: number): number {
  return tQuantile(1 - (1 - confidence) / 2, df) ** 2;
}

function usablePoints(points: readonly TransitionPoint[]): TransitionPoint[] {
  return points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
}

/** Pearson chi-square of fitted rates `p` against the points, with variance n p (1 - p). */
function pearson(s: Scaled, p: (i: number) => number): number {
  let x2 = 0;
  for (let i = 0; i < s.z.length; i++) {
    const q = Math.min(1 - EPS, Math.max(EPS, p(i)));
    x2 += (s.k[i]! - s.n[i]! * q) ** 2 / (s.n[i]! * q * (1 - q));
  }
  return x2;
}

/**
 * Fit p(x) = floor + (ceiling - floor) / (1 + exp(-(x - midpoint) / width)) by binomial maximum
 * likelihood over the points (Nelder-Mead on logit floor, logit ceiling, midpoint, log width;
 * multi-start: midpoints between every pair of neighbouring coordinates x 3 widths). The midpoint
 * is confined to [min x - span/2, max x + span/2] and the width to [1e-4, 10] spans. With
 * `family: "fractional"` the points are means in [0, 1] (k = n x mean) and the same likelihood is
 * a quasi-likelihood.
 *
 * Intervals: profile likelihood (Venzon & Moolgavkar 1988) in its quasi-likelihood form: the
 * midpoints (widths) whose profile deviance 2(l_max - l_profile) is below F(1, m - 4) x phi, with
 * phi the Pearson dispersion X^2 / (m - 4) (counts: at least 1). Answers to one question are
 * correlated, which inflates between-point variance beyond the binomial; phi carries it and the
 * F quantile pays for estimating phi from m - 4 degrees of freedom (a chi-square(1) cutoff
 * covered ~87% under question clustering). Points with n = 0 are ignored. Returns null with fewer
 * than 4 usable coordinates (4 parameters).
 */
export function fitLogistic(
  points: readonly TransitionPoint[],
  {confidence = 0.95, profile = true, family = "binomial"}: {confidence?: number; profile?: boolean; family?: TransitionFamily} = {},
): LogisticFit | null {
  const pts = usablePoints(points);
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
  // a wide start near a straight line, so a ramp finds its best (wide) logistic
  starts.push([f0 - 1, c0 + 1, 0.5, Math.log(1)]);
  // Optimise from the few most promising starts only (ranked by their likelihood): the grid
  // brackets the optimum, and a full Nelder-Mead run from each start costs ~10x more.
  const ranked = starts
    .map((th) => ({th, v: negLogLik(th, s)}))
    .sort((a, b) => a.v - b.v)
    .slice(0, 4)
    .map((r) => r.th);
  const best = fitFrom([...ranked, starts[starts.length - 2]!, starts[starts.length - 1]!], s);
  const [lf, lc, mz, lw] = best.th;
  const dispersion = m > 4 ? pearson(s, (i) => sig(lf) + (sig(lc) - sig(lf)) * sig((s.z[i]! - mz) / Math.exp(lw))) / (m - 4) : null;
  const phi = dispersion === null ? 1 : family === "binomial" ? Math.max(1, dispersion) : dispersion;
  const cutoff = dispersion === null ? normalQuantile(1 - (1 - confidence) / 2) ** 2 : f1Quantile(confidence, m - 4) * phi;
  let ci: [number | null, number | null] = [null, null];
  let widthCi: [number | null, number | null] = [null, null];
  if (profile) {
    // Profile deviance; `warm` continues from the last profiled optimum along the walk.
    let warm: Theta = best.th;
    const dev = (fixed: Fixed): number => {
      const alt: Theta = fixed.index === 2 ? [lf, lc, fixed.value, lw] : [lf, lc, mz, fixed.value];
      const wide: Theta = fixed.index === 2 ? [f0, c0, fixed.value, Math.log(0.05)] : [f0, c0, 0.5, fixed.value];
      const r = fitFrom([warm, alt, wide], s, fixed);
      warm = r.th;
      return 2 * (r.nll - best.nll);
    };
    // Walk from the optimum towards `edge` on a grid; bisect the first crossing of the cutoff.
    const bound = (index: 2 | 3, from: number, edge: number, grid: number): number | null => {
      warm = best.th;
      let prev = from;
      for (let g = 1; g <= grid; g++) {
        const cur = from + ((edge - from) * g) / grid;
        if (dev({index, value: cur}) > cutoff) {
          let lo = prev;
          let hi = cur;
          for (let it = 0; it < 10; it++) {
            const mid = (lo + hi) / 2;
            if (dev({index, value: mid}) > cutoff) hi = mid;
            else lo = mid;
          }
          return (lo + hi) / 2;
        }
        prev = cur;
      }
      return null;
    };
    const lo = mz > 0 ? bound(2, mz, 0, 40) : null;
    const hi = mz < 1 ? bound(2, mz, 1, 40) : null;
    ci = [lo === null ? null : s.x0 + lo * s.span, hi === null ? null : s.x0 + hi * s.span];
    const wlo = lw > LW_LO + 1e-9 ? bound(3, lw, LW_LO, 16) : null;
    const whi = lw < LW_HI - 1e-9 ? bound(3, lw, LW_HI, 16) : null;
    widthCi = [wlo === null ? null : Math.exp(wlo) * s.span, whi === null ? null : Math.exp(whi) * s.span];
  }
  return {
    floor: sig(lf),
    ceiling: sig(lc),
    midpoint: s.x0 + mz * s.span,
    width: Math.exp(lw) * s.span,
    ci,
    ci_method: "profile_likelihood",
    width_ci: widthCi,
    dispersion,
    cutoff,
    family,
    approximate:
      [
        m - 4 < 4 ? `few checkpoints (${m}; the dispersion rests on ${m - 4} df)` : null,
        family === "binomial" && (dispersion ?? 0) > HEAVY_DISPERSION ? `heavy question clustering (dispersion ${(dispersion ?? 0).toFixed(1)})` : null,
      ]
        .filter((x) => x !== null)
        .join("; ") || null,
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

export interface MeanScoreTransition {
  /** Per coordinate: mean score (0..1 scale of the input) over n answers. */
  points: {x: number; mean: number | null; n: number}[];
  /** Logistic on the means (family "fractional"); null below MIN_TRANSITION_POINTS coordinates. */
  fit: LogisticFit | null;
  /** The same verdicts as the rate (no monotonicity test: means do not carry their spread). */
  test: TransitionTest;
}

/**
 * The transition fit on a mean score instead of a rate: `points` hold k = the sum of the scores
 * scaled to [0, 1] (e.g. aligned / 100) over n answers. Fractional logistic fit by
 * quasi-likelihood (fitLogistic with family "fractional"), quasi-F tests against a constant and a
 * smooth trend. A smooth shift of the whole score distribution shows here as a smooth trend even
 * when the EM rate, thresholded, looks like a sigmoid.
 */
export function meanScoreTransition(
  points: readonly TransitionPoint[],
  {confidence = 0.95, alpha = 0.05, profile = true}: {confidence?: number; alpha?: number; profile?: boolean} = {},
): MeanScoreTransition {
  const sorted = points.slice().sort((a, b) => a.x - b.x);
  const usable = new Set(sorted.filter((p) => p.n > 0).map((p) => p.x)).size;
  const fit = usable >= MIN_TRANSITION_POINTS ? fitLogistic(sorted, {confidence, profile, family: "fractional"}) : null;
  const test = fit
    ? testTransition(sorted, fit, {alpha})
    : {verdict: "too_few_points" as const, credible: false, p_constant: null, p_linear: null, lr: null, extreme: null, monotone_phi: 1};
  return {points: sorted.map((p) => ({x: p.x, mean: p.n > 0 ? p.k / p.n : null, n: p.n})), fit, test};
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
