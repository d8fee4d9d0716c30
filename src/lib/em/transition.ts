// Phase transitions of the EM rate along an ordered coordinate (checkpoint step, epoch, LoRA
// scale, steering scale): a four-parameter logistic fitted by binomial (quasi-)likelihood with
// profile-likelihood intervals on the midpoint and the width, tests against a constant rate and
// against a smooth two-parameter trend, a single change-point likelihood-ratio test as a
// cross-check, and the onset (first coordinate credibly above the baseline). The same fit runs on
// the mean aligned score (fractional quasi-likelihood), because thresholding a smooth shift of the
// score distribution can make an EM rate that looks like a sigmoid.
//
// In four modules: transition-points.ts (the points and shared helpers), transition-fit.ts (the
// logistic and its profile intervals), transition-test.ts (constant, smooth-trend and
// monotonicity tests), transition-change.ts (change point, onset); this file combines them.

import {wilson, type Interval} from "./intervals.js";
import type {Rng} from "./prng.js";
import {changePoint, onset, type ChangePoint, type Onset} from "./transition-change.js";
import {fitLogistic, type LogisticFit} from "./transition-fit.js";
import {TRANSITION_ALPHA} from "./transition-min.js";
import type {TransitionPoint} from "./transition-points.js";
import {MIN_TRANSITION_POINTS, testTransition, type TransitionTest} from "./transition-test.js";

export type {TransitionPoint} from "./transition-points.js";
export * from "./transition-cluster.js";
export * from "./transition-fit.js";
export * from "./transition-change.js";
export * from "./transition-test.js";

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
  {confidence = 0.95, alpha = TRANSITION_ALPHA, profile = true}: {confidence?: number; alpha?: number; profile?: boolean} = {},
): MeanScoreTransition {
  const sorted = points.slice().sort((a, b) => a.x - b.x);
  const usable = new Set(sorted.filter((p) => p.n > 0).map((p) => p.x)).size;
  const fit = usable >= MIN_TRANSITION_POINTS ? fitLogistic(sorted, {confidence, profile, family: "fractional"}) : null;
  const test = fit
    ? testTransition(sorted, fit, {alpha})
    : {
        verdict: "too_few_points" as const,
        credible: false,
        constant_test: null,
        detectable: null,
        misfit_p: null,
        misfit_unresolved: false,
        curved: false,
        p_trend: null,
        changes: null,
        dispersion: null,
        p_constant: null,
        p_linear: null,
        lr: null,
        extreme: null,
        monotone_phi: 1,
      };
  return {points: sorted.map((p) => ({x: p.x, mean: p.n > 0 ? p.k / p.n : null, n: p.n})), fit, test};
}

/** Fit, credibility test, change point and onset for one series; `rng` for the change-point bootstrap. */
export function analyzeTransition(
  points: readonly TransitionPoint[],
  rng: Rng,
  {
    confidence = 0.95,
    replicates = 999,
    alpha = TRANSITION_ALPHA,
    baseline = 1,
    profile = true,
  }: {confidence?: number; replicates?: number; alpha?: number; baseline?: number; profile?: boolean} = {},
): TransitionResult {
  const sorted = points.slice().sort((a, b) => a.x - b.x);
  const usable = new Set(sorted.filter((p) => p.n > 0).map((p) => p.x)).size;
  const fit = usable >= MIN_TRANSITION_POINTS ? fitLogistic(sorted, {confidence, profile}) : null;
  const test = testTransition(sorted, fit, {alpha, detectable: true});
  // Scaled by the fit's dispersion (its Pearson X^2 / (m - 4)): answers are not independent across checkpoints.
  const on = onset(sorted, {alpha, baseline, dispersion: fit?.dispersion ?? null, df: usable - 4});
  return {
    points: sorted.map((p) => ({x: p.x, k: p.k, n: p.n, rate: p.n > 0 ? p.k / p.n : null, ci: wilson(p.k, p.n, confidence)})),
    fit,
    test,
    change_point: changePoint(sorted, rng, {replicates}),
    onset: test.credible ? on : {...on, x: null},
  };
}
