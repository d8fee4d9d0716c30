// A single change point (binomial segmentation with a parametric-bootstrap p-value) and the onset
// (first coordinate credibly above the baseline): cross-checks of the logistic fit. Pure.

import {newcombeDiff, normalQuantile, tQuantile} from "./intervals.js";
import {randBinomial, type Rng} from "./prng.js";
import type {TransitionPoint} from "./transition-points.js";

export interface ChangePoint {
  /** Last coordinate of the first segment and first coordinate of the second. */
  before: number;
  after: number;
  rate_before: number;
  rate_after: number;
  /** Likelihood-ratio statistic 2(l_split - l_constant), maximised over split positions. */
  lr: number;
  /**
   * Parametric-bootstrap p-value under a constant rate, (1 + #>=) / (B + 1), of the max LR over the
   * split fit's Pearson dispersion (changePoint).
   */
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
 * The test statistic: the max LR over the Pearson dispersion of the two-segment fit split at `at`,
 * X^2 / (m - 2) (quasi-likelihood, McCullagh & Nelder 1989, sec. 9.2; as the transition's F tests
 * scale by the logistic's). Answers to one question are correlated and a question's rate wobbles
 * from checkpoint to checkpoint, so the rates vary more than binomially; the LR grows with that
 * dispersion and the dispersion estimate with it, so their ratio has about the same distribution
 * under any dispersion, and the binomial bootstrap of the same ratio calibrates it (the plain max
 * LR rejected a flat series in 20-40% of simulated sweeps at logit sd 1-2 between questions,
 * docs/validity.md, regimes). With 2 points (no residual df) the LR itself.
 */
function studentized(k: ArrayLike<number>, n: ArrayLike<number>): {lr: number; at: number; t: number} {
  const {lr, at} = maxSplit(k, n);
  const m = k.length;
  if (m <= 2) return {lr, at, t: lr};
  let x2 = 0;
  for (const [from, to] of [
    [0, at],
    [at, m],
  ] as const) {
    let ks = 0;
    let ns = 0;
    for (let i = from; i < to; i++) {
      ks += k[i]!;
      ns += n[i]!;
    }
    const p = ns > 0 ? ks / ns : 0;
    if (p <= 0 || p >= 1) continue;
    for (let i = from; i < to; i++) if (n[i]! > 0) x2 += (k[i]! - n[i]! * p) ** 2 / (n[i]! * p * (1 - p));
  }
  const phi = x2 / (m - 2);
  return {lr, at, t: phi > 0 ? lr / phi : lr > 0 ? Infinity : 0};
}

/**
 * Single change-point test (binomial segmentation, cf. Hinkley 1970): the split into two constant
 * rates that maximises the likelihood ratio against one constant rate. The max-LR statistic has
 * no chi-square reference, so the p-value comes from a parametric bootstrap under the constant
 * rate (B = `replicates`, default 999, seeded `rng`) of the max LR over the split fit's Pearson
 * dispersion (studentized), so extra-binomial variation between checkpoints does not read as a
 * change. Null with fewer than 2 usable points.
 */
export function changePoint(points: readonly TransitionPoint[], rng: Rng, {replicates = 999}: {replicates?: number} = {}): ChangePoint | null {
  const pts = points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
  if (pts.length < 2) return null;
  const k = pts.map((p) => p.k);
  const n = pts.map((p) => p.n);
  const obs = studentized(k, n);
  const K = k.reduce((a, b) => a + b, 0);
  const N = n.reduce((a, b) => a + b, 0);
  const p0 = K / N;
  let ge = 0;
  const sim = new Array<number>(pts.length);
  for (let b = 0; b < replicates; b++) {
    for (let i = 0; i < pts.length; i++) sim[i] = randBinomial(rng, n[i]!, p0);
    if (studentized(sim, n).t >= obs.t - 1e-9) ge++;
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
 * series is at most alpha (default 0.05). Answers are independent only given the checkpoint: a
 * question's rate that wobbles from checkpoint to checkpoint makes the counts over-dispersed, and
 * the plain test then fires early (docs/validity.md, onset).
 * `dispersion` (phi, e.g. the logistic fit's Pearson X^2 / df; analyzeTransition passes it) scales
 * every count by 1 / max(1, phi) (effective sample sizes: quasi-binomial variance phi n p (1 - p),
 * McCullagh & Nelder 1989, 9.2) and `df` (its degrees of freedom) takes the quantile from Student's t
 * instead of the normal, as the transition's own F tests do.
 */
export function onset(
  points: readonly TransitionPoint[],
  {alpha = 0.05, baseline = 1, dispersion = null, df = null}: {alpha?: number; baseline?: number; dispersion?: number | null; df?: number | null} = {},
): Onset {
  const phi = dispersion !== null && Number.isFinite(dispersion) ? Math.max(1, dispersion) : 1;
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
  const res: Onset = {
    x: null,
    baseline: pts.slice(0, b).map((p) => p.x),
    baseline_rate: n0 > 0 ? k0 / n0 : null,
    alpha,
    test: "newcombe_one_sided_bonferroni",
  };
  const tests = pts.length - b;
  if (tests <= 0 || n0 === 0) return res;
  const z = phi > 1 && df !== null && df > 0 ? tQuantile(1 - alpha / tests, df) : normalQuantile(1 - alpha / tests);
  for (let i = b; i < pts.length; i++) {
    const d = newcombeDiff(pts[i]!.k / phi, pts[i]!.n / phi, k0 / phi, n0 / phi, z);
    if (d && d[0] > 0) {
      res.x = pts[i]!.x;
      break;
    }
  }
  return res;
}
