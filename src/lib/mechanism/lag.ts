// The lag between a mechanistic change point (a training curve's bump, ./changepoint.ts) and the
// behavioural transition (the EM rate's logistic midpoint, src/lib/em/transition.ts): midpoint -
// location, in coordinate units (positive: behaviour follows the mechanism).
//
// Estimand: the lag of the curve these questions trace (the EM midpoint of the sentence is the
// midpoint of the pooled curve of the questions asked, as on the transitions page), not of a
// population of questions. Interval: MOVER (method of variance estimates recovery; Zou & Donner
// 2008, Stat. Med. 27:1693) from the two intervals the sentence prints beside it, the EM
// midpoint's profile interval [m_lo, m_hi] and the change point's bootstrap interval [c_lo, c_hi],
// independent sources (answers judged vs the training run's curve):
//   lower = lag - sqrt((m - m_lo)^2 + (c_hi - c)^2),  upper = lag + sqrt((m_hi - m)^2 + (c - c_lo)^2).
// An unbounded midpoint bound leaves that lag bound unknown (null, "?" in the sentence). A
// rotation's resolution margin (changepoint.ts: half the checkpoint spacing, "grid-limited") is
// not carried over: the rotation's real error (sd 0.6-2 steps in the simulated regimes) is small
// beside the midpoint's (5-14 steps), and with the margin the lag over-covered (98% at 60
// checkpoints).
// Before (to 2026-12-06): a percentile bootstrap pairing change-point draws with EM midpoints
// refitted on questions drawn with replacement. That resampling targets a population of questions
// while the midpoint beside it is this set's; with 8 similar questions it under-covered this set's
// lag (92.0/91.0/89.7/91.0% of 100 runs per regime; worst at 20 checkpoints, where the midpoint's
// error is skewed), and on the demo's heterogeneous questions it was 3x wider than the midpoint's
// own interval. Coverage is measured in bench/validity/mechanism.section.ts.

import {fitLogistic, testTransition, type LogisticFit, type TransitionPoint} from "../em/transition.js";
import {pointsWithCells} from "../em/transition-points.js";
import {detectableText} from "../em/transition-words.js";
import {verdictWords} from "../em/verdict-words.js";
import type {ChangePointResult} from "./changepoint.js";

/** k EM answers out of n for one question at one coordinate. */
export interface QuestionPoint {
  x: number;
  question: string;
  k: number;
  n: number;
}

export interface BehaviourFit {
  credible: boolean;
  /** testTransition's verdict id (`flat`, `smooth_trend`...); the sentence says it in words (verdictWords). */
  verdict: string;
  /**
   * Beside a "no evidence against a constant rate" verdict: what the test could have seen in this
   * design, in words (detectableText, as /transitions and `em summarize` print it); "" otherwise.
   */
  detectable?: string;
  /** Logistic midpoint (coordinate units); null unless credible. */
  midpoint: number | null;
  /** Profile-likelihood interval of the midpoint (bounds null when unbounded). */
  ci: [number | null, number | null] | null;
  /**
   * Checkpoints on the fitted rise: coordinates within ln 9 widths of the midpoint (where the
   * logistic goes from 10% to 90% of the way); null unless credible.
   */
  rise: number | null;
  fit: LogisticFit | null;
}

export interface LagResult {
  /** midpoint - change point (coordinate units); null unless both are credible. */
  lag: number | null;
  /** MOVER interval (coordinate units); a bound is null where the midpoint's is unbounded; null without intervals. */
  ci: [number | null, number | null] | null;
  /**
   * Why the interval is not a calibrated 95% one, with its direction, or null (lagSentence prints it
   * beside the interval): "approximate: N checkpoints on the EM rise; likely wider than 95%" when fewer than MIN_RISE_POINTS
   * coordinates lie on the fitted rise (BehaviourFit.rise). The midpoint's profile interval then
   * rests on a few points (its quasi-likelihood cutoff on a Satterthwaite df near 1) and the lag
   * over-covers: 99.0% of 97 at 20 checkpoints 30 steps apart, every run 3-7 points on the rise
   * (docs/validity.md, mechanism).
   */
  approximate: string | null;
}

/** Fewest checkpoints on the EM rise (BehaviourFit.rise) for a lag interval not called approximate. */
export const MIN_RISE_POINTS = 8;

/**
 * The pooled points with their per-question cells (pointsWithCells, questions coded in order of
 * appearance, no training seed): below 7 coordinates testTransition then runs the clustered test,
 * as /transitions and `em summarize` do on the same series.
 */
function pool(points: readonly QuestionPoint[]): TransitionPoint[] {
  const codes = new Map<string, number>();
  for (const p of points) if (!codes.has(p.question)) codes.set(p.question, codes.size);
  return pointsWithCells(
    points.map((p) => {
      const qk = new Float64Array(codes.size);
      const qd = new Float64Array(codes.size);
      const q = codes.get(p.question)!;
      qk[q] = p.k;
      qd[q] = p.n;
      return {x: p.x, seed: -1, k: p.k, n: p.n, qk, qd, rows: p.n};
    }),
  );
}

/**
 * The pooled EM transition: logistic fit, credibility (testTransition), midpoint with its interval.
 * `interval: false` skips the profile-likelihood interval (ci null; the midpoint is the same fit's;
 * the lag then has no interval): the profile search is most of the cost. The width's profile
 * interval is never computed (nothing here shows it).
 */
export function behaviourFit(points: readonly QuestionPoint[], {confidence = 0.95, alpha = 0.05, interval = true} = {}): BehaviourFit {
  const pooled = pool(points);
  // The profile interval is computed only for a credible transition: on a flat series the profile
  // search wanders (tens of seconds) for an interval that is not shown.
  const quick = pooled.length >= 5 ? fitLogistic(pooled, {confidence, profile: false}) : null;
  const test = testTransition(pooled, quick, {alpha, detectable: true});
  if (!test.credible || !quick) {
    const detectable = detectableText(test);
    return {credible: false, verdict: test.verdict, detectable, midpoint: null, ci: null, rise: null, fit: quick};
  }
  const rise = (f: LogisticFit) => pooled.filter((p) => Math.abs(p.x - f.midpoint) <= Math.log(9) * f.width).length;
  if (!interval) return {credible: true, verdict: test.verdict, midpoint: quick.midpoint, ci: null, rise: rise(quick), fit: quick};
  const fit = fitLogistic(pooled, {confidence, profileWidth: false}) ?? quick;
  return {credible: true, verdict: test.verdict, midpoint: fit.midpoint, ci: fit.ci, rise: rise(fit), fit};
}

/**
 * Lag of the behavioural midpoint behind the change point (coordinate units), with the MOVER
 * interval from the midpoint's profile interval and the change point's bootstrap interval (its
 * `ci` less its resolution `margin`; file comment).
 * `behaviour` must carry its interval (behaviourFit with `interval: true`, the default): without it
 * the lag is given without an interval (ci null). Null lag and interval unless both the change
 * point and the EM transition are credible; a bound is null where the midpoint's is unbounded.
 */
export function lagInterval(change: ChangePointResult, behaviour: BehaviourFit): LagResult {
  if (!change.credible || change.location === null || !behaviour.credible || behaviour.midpoint === null) return {lag: null, ci: null, approximate: null};
  const c = change.location;
  const m = behaviour.midpoint;
  const lag = m - c;
  if (!behaviour.ci || !change.ci) return {lag, ci: null, approximate: null};
  const [mLo, mHi] = behaviour.ci;
  // the change point's bootstrap interval, without a rotation's resolution margin (file comment)
  const cLo = change.ci[0] + change.margin[0];
  const cHi = change.ci[1] - change.margin[1];
  return {
    lag,
    ci: [mLo === null ? null : lag - Math.hypot(m - mLo, cHi - c), mHi === null ? null : lag + Math.hypot(mHi - m, c - cLo)],
    approximate:
      behaviour.rise !== null && behaviour.rise < MIN_RISE_POINTS
        ? `approximate: ${behaviour.rise} checkpoint${behaviour.rise === 1 ? "" : "s"} on the EM rise; likely wider than 95%`
        : null,
  };
}

const fmt = (v: number | null, digits: number) => (v === null ? "?" : v.toFixed(digits));
const iv = (ci: readonly (number | null)[] | null, digits: number) => (ci ? `[${fmt(ci[0] ?? null, digits)}, ${fmt(ci[1] ?? null, digits)}]` : "[?]");

/** What the sentence says beside an interval that is not a calibrated 95% one (ChangePointResult.approximate). */
export const APPROXIMATE_NOTE: Record<string, string> = {
  grid: " (grid-limited: widened by half the checkpoint spacing, conservative)",
  narrow: " (grid-limited: the bump is narrower than the checkpoint spacing; approximate, likely wider than 95%)",
};

/** Why the EM transition is not credible, in the words /transitions uses (never a verdict id such as "flat"), with what the design could have seen. */
function behaviourWords(b: BehaviourFit): string {
  const words = verdictWords(b.verdict);
  return b.verdict === "flat" && b.detectable ? `${words}; ${b.detectable}` : words;
}

/**
 * The sentence the page and `em summarize --transition --mechanism` print, e.g. "the B-vector
 * rotation peaks at step 180 [170, 190]; EM midpoint 450 [410, 500]: behaviour follows by 270
 * steps [220, 330]" (an approximate location interval is marked, APPROXIMATE_NOTE; an approximate lag
 * interval by LagResult.approximate in parentheses after it), or "<label>: no credible change point",
 * or "...; no credible EM transition, so no lag (<why, verdictWords>)". `digits` decimals (0 for steps); "?"
 * marks a bound the data do not give.
 */
export function lagSentence(label: string, coordinate: string, change: ChangePointResult, behaviour: BehaviourFit, lag: LagResult, digits = 0): string {
  if (!change.credible || change.location === null) return `${label}: no credible change point`;
  const verb = (change.height ?? 0) >= 0 ? "peaks" : "dips";
  const head = `${label} ${verb} at ${coordinate} ${fmt(change.location, digits)} ${iv(change.ci, digits)}${APPROXIMATE_NOTE[change.approximate ?? ""] ?? ""}`;
  if (!behaviour.credible || behaviour.midpoint === null) return `${head}; no credible EM transition, so no lag (${behaviourWords(behaviour)})`;
  const mid = `EM midpoint ${fmt(behaviour.midpoint, digits)} ${iv(behaviour.ci, digits)}`;
  if (lag.lag === null) return `${head}; ${mid}`;
  const unit = coordinate === "step" ? "steps" : coordinate;
  const rel = lag.lag >= 0 ? `behaviour follows by ${fmt(lag.lag, digits)} ${unit}` : `behaviour leads by ${fmt(-lag.lag, digits)} ${unit}`;
  const neg = (v: number | null) => (v === null ? null : -v);
  const ci = lag.lag >= 0 ? lag.ci : lag.ci && [neg(lag.ci[1]), neg(lag.ci[0])];
  return `${head}; ${mid}: ${rel} ${iv(ci, digits)}${lag.approximate ? ` (${lag.approximate})` : ""}`;
}

/**
 * The lines to show for one variant's findings (every curve fitted): the sentence of each curve
 * with a credible change point, then one line naming the curves without one. Empty input: [].
 */
export function findingLines(findings: readonly {label: string; sentence: string; change: {credible: boolean}}[]): string[] {
  const credible = findings.filter((f) => f.change.credible).map((f) => f.sentence);
  const none = findings.filter((f) => !f.change.credible).map((f) => f.label);
  return none.length ? [...credible, `no credible change point: ${none.join(", ")}`] : credible;
}
