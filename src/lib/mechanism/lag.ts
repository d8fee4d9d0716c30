// The lag between a mechanistic change point (a training curve's bump, ./changepoint.ts) and the
// behavioural transition (the EM rate's logistic midpoint, src/lib/em/transition.ts): midpoint -
// location, in coordinate units (positive: behaviour follows the mechanism).
//
// Interval: percentile bootstrap over both sources of error, drawn independently and paired by
// index: the change point's bootstrap locations (over checkpoints) and EM midpoints refitted on
// questions drawn with replacement (one cluster each, the same draw at every coordinate). A
// question's answers travel with it, so their binomial noise is in the cluster draw already;
// redrawing the counts as well counted it twice (measured: interval 42 steps wide for a midpoint
// error sd of 4.7, coverage 100%; cluster draw alone: 24 steps, 93% of 30). With a single question
// its answers are redrawn Binomial(n, k / n) instead. A rotation's resolution margin
// (changepoint.ts) is not added: carried over to the bounds it made the lag cover 100% in every
// simulated regime (docs/validity.md, 2026-12-06 03:38 run), the EM midpoint's error dominating.
// Coverage is measured in bench/validity/mechanism.section.ts.

import {quantileSorted} from "../em/intervals.js";
import {randBinomial, randInt, type Rng} from "../em/prng.js";
import {nelderMead} from "../em/optimize.js";
import {fitLogistic, testTransition, type LogisticFit, type TransitionPoint} from "../em/transition.js";
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
  verdict: string;
  /** Logistic midpoint (coordinate units); null unless credible. */
  midpoint: number | null;
  /** Profile-likelihood interval of the midpoint (bounds null when unbounded). */
  ci: [number | null, number | null] | null;
  fit: LogisticFit | null;
}

export interface LagResult {
  /** midpoint - change point (coordinate units); null unless both are credible. */
  lag: number | null;
  ci: [number, number] | null;
  /** Bootstrap draws that gave a midpoint (a draw whose logistic failed to fit is dropped). */
  used: number;
  replicates: number;
}

function pool(points: readonly QuestionPoint[], weights?: Map<string, number>): TransitionPoint[] {
  const by = new Map<number, TransitionPoint>();
  for (const p of points) {
    const w = weights ? (weights.get(p.question) ?? 0) : 1;
    if (!w) continue;
    const e = by.get(p.x) ?? {x: p.x, k: 0, n: 0};
    e.k += w * p.k;
    e.n += w * p.n;
    by.set(p.x, e);
  }
  return [...by.values()].sort((a, b) => a.x - b.x);
}

/**
 * The pooled EM transition: logistic fit, credibility (testTransition), midpoint with its interval.
 * `interval: false` skips the profile-likelihood interval (ci null; the midpoint is the same fit's):
 * the lag needs only the fit, and the profile search is most of the cost.
 */
export function behaviourFit(points: readonly QuestionPoint[], {confidence = 0.95, alpha = 0.05, interval = true} = {}): BehaviourFit {
  const pooled = pool(points);
  // The profile interval is computed only for a credible transition: on a flat series the profile
  // search wanders (tens of seconds) for an interval that is not shown.
  const quick = pooled.length >= 5 ? fitLogistic(pooled, {confidence, profile: false}) : null;
  const test = testTransition(pooled, quick, {alpha});
  if (!test.credible || !quick) return {credible: false, verdict: test.verdict, midpoint: null, ci: null, fit: quick};
  if (!interval) return {credible: true, verdict: test.verdict, midpoint: quick.midpoint, ci: null, fit: quick};
  const fit = fitLogistic(pooled, {confidence}) ?? quick;
  return {credible: true, verdict: test.verdict, midpoint: fit.midpoint, ci: fit.ci, fit};
}

/**
 * Lag of the behavioural midpoint behind the change point, with a bootstrap interval (file
 * comment). Uses `change.draws` (one EM draw per change-point draw). Null lag and interval unless
 * both the change point and the EM transition are credible.
 */
export function lagInterval(
  change: ChangePointResult,
  points: readonly QuestionPoint[],
  behaviour: BehaviourFit,
  rng: Rng,
  {confidence = 0.95} = {},
): LagResult {
  const replicates = change.draws.length;
  if (!change.credible || change.location === null || !behaviour.credible || behaviour.midpoint === null) return {lag: null, ci: null, used: 0, replicates};
  const questions = [...new Set(points.map((p) => p.question))];
  const lags: number[] = [];
  for (const c of change.draws) {
    const w = new Map<string, number>();
    for (let i = 0; i < questions.length; i++) {
      const q = questions[randInt(rng, questions.length)]!;
      w.set(q, (w.get(q) ?? 0) + 1);
    }
    // one question: no clusters to draw, so its answers are redrawn instead
    const data = questions.length > 1 ? points : points.map((p) => ({...p, k: p.n > 0 ? randBinomial(rng, p.n, p.k / p.n) : 0}));
    const mid = refitMidpoint(pool(data, w), behaviour.fit!);
    if (mid !== null) lags.push(mid - c);
  }
  if (!lags.length) return {lag: behaviour.midpoint - change.location, ci: null, used: 0, replicates};
  lags.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return {lag: behaviour.midpoint - change.location, ci: [quantileSorted(lags, tail), quantileSorted(lags, 1 - tail)], used: lags.length, replicates};
}

const sig = (t: number) => 1 / (1 + Math.exp(-t));
const logit = (p: number) => Math.log(p / (1 - p));

/**
 * Binomial maximum-likelihood midpoint of the four-parameter logistic on bootstrap data, by one
 * Nelder-Mead run warm-started at the original fit (fitLogistic's multi-start search costs ~60 ms
 * a call; this ~2 ms, and a bootstrap draw lies near the original). Midpoint kept within the
 * observed coordinates +/- half their span, as fitLogistic does; null when it does not converge.
 */
function refitMidpoint(pts: readonly TransitionPoint[], fit: LogisticFit): number | null {
  const x0 = pts[0]!.x;
  const span = pts[pts.length - 1]!.x - x0 || 1;
  const clamp = (p: number) => Math.min(1 - 1e-6, Math.max(1e-6, p));
  const nll = (t: number[]) => {
    const [lf, lc, m, lw] = t as [number, number, number, number];
    if (m < -0.5 || m > 1.5 || Math.abs(lf) > 30 || Math.abs(lc) > 30 || lw < Math.log(1e-4) || lw > Math.log(10)) return Infinity;
    const w = Math.exp(lw);
    let s = 0;
    for (const p of pts) {
      const q = Math.min(1 - 1e-12, Math.max(1e-12, sig(lf) + (sig(lc) - sig(lf)) * sig(((p.x - x0) / span - m) / w)));
      s -= p.k * Math.log(q) + (p.n - p.k) * Math.log(1 - q);
    }
    return s;
  };
  const start = [logit(clamp(fit.floor)), logit(clamp(fit.ceiling)), (fit.midpoint - x0) / span, Math.log(Math.max(1e-4, fit.width / span))];
  const r = nelderMead(nll, start, {step: [0.3, 0.3, 0.05, 0.3], tol: 1e-9, maxIter: 2000});
  return Number.isFinite(r.value) ? x0 + r.x[2]! * span : null;
}

const fmt = (v: number | null, digits: number) => (v === null ? "?" : v.toFixed(digits));
const iv = (ci: readonly (number | null)[] | null, digits: number) => (ci ? `[${fmt(ci[0] ?? null, digits)}, ${fmt(ci[1] ?? null, digits)}]` : "[?]");

/** What the sentence says beside an interval that is not a calibrated 95% one (ChangePointResult.approximate). */
export const APPROXIMATE_NOTE: Record<string, string> = {
  grid: " (grid-limited: widened by half the checkpoint spacing, conservative)",
  narrow: " (grid-limited: the bump is narrower than the checkpoint spacing, approximate)",
};

/**
 * The sentence the page and `em summarize --transition --mechanism` print, e.g. "the B-vector
 * rotation peaks at step 180 [170, 190]; EM midpoint 450 [410, 500]: behaviour follows by 270
 * steps [220, 330]" (an approximate location interval is marked, APPROXIMATE_NOTE), or "<label>: no credible change point". `digits` decimals (0 for steps); "?"
 * marks a bound the data do not give.
 */
export function lagSentence(label: string, coordinate: string, change: ChangePointResult, behaviour: BehaviourFit, lag: LagResult, digits = 0): string {
  if (!change.credible || change.location === null) return `${label}: no credible change point`;
  const verb = (change.height ?? 0) >= 0 ? "peaks" : "dips";
  const head = `${label} ${verb} at ${coordinate} ${fmt(change.location, digits)} ${iv(change.ci, digits)}${APPROXIMATE_NOTE[change.approximate ?? ""] ?? ""}`;
  if (!behaviour.credible || behaviour.midpoint === null) return `${head}; no credible EM transition (${behaviour.verdict.replace("_", " ")}), so no lag`;
  const mid = `EM midpoint ${fmt(behaviour.midpoint, digits)} ${iv(behaviour.ci, digits)}`;
  if (lag.lag === null) return `${head}; ${mid}`;
  const unit = coordinate === "step" ? "steps" : coordinate;
  const rel = lag.lag >= 0 ? `behaviour follows by ${fmt(lag.lag, digits)} ${unit}` : `behaviour leads by ${fmt(-lag.lag, digits)} ${unit}`;
  const ci = lag.lag >= 0 ? lag.ci : lag.ci && ([-lag.ci[1], -lag.ci[0]] as [number, number]);
  return `${head}; ${mid}: ${rel} ${iv(ci, digits)}`;
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
