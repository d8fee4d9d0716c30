// Variance components of an EM rate (issue 26): how much of its uncertainty comes from training
// seeds, from questions and from the samples drawn per question, and which one more of them
// shrinks the interval most. Method of moments on the probability scale (two-way crossed random
// effects ANOVA of the cell rates with the binomial sampling variance subtracted), with
// modified-large-sample intervals; docs/metrics.md ("Variance components").

import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import fCdf from "@stdlib/stats-base-dists-f-cdf";
import type {Judged, ResponseType} from "../schema.js";
import {aggregateColumns, encodeGroups, toColumns} from "./columnar.js";
import {expit, impliedComponents, logitLocation, logitModelOf} from "./components-model.js";
import {tQuantile, type ClusterCounts, type Interval} from "./intervals.js";
import {makeRng, randBinomial, randNormal, type Rng} from "./prng.js";
import type {EmRule} from "./rules.js";
import {groupSeed} from "./summary.js";

export {impliedComponents, type LogitModel, logitLocation, logitModelOf} from "./components-model.js";

/** One variance component on the probability scale (rate units squared). */
export interface Component {
  /** Moment estimate, floored at 0; null when the data cannot tell it apart (one seed, one question). */
  variance: number | null;
  /**
   * Interval at the requested confidence: a parametric-bootstrap ratio interval when varianceComponents
   * is given an rng and the estimate is positive, else modified-large-sample (Graybill & Wang 1980);
   * null with the estimate.
   */
  ci: Interval | null;
  /**
   * True where docs/validity.md (components section) measured this component's bootstrap interval
   * outside 93-97% in such a design (measuredCoverage: e.g. interaction about 78% and sample about 80%
   * at 3 seeds x 8 questions and a 5% rate), and for moment intervals (zero estimates, unmeasured);
   * a note then says, per component, how often such intervals held the truth.
   */
  ci_approximate?: boolean;
  /** Degrees of freedom of the mean square it rests on. */
  df: number;
}

export type ComponentName = "seed" | "question" | "interaction" | "sample";

export interface VarianceComponents {
  method: "anova_moments_probability_scale";
  /** Pooled rate sum k / sum d over the cells used. */
  rate: number;
  seeds: number;
  questions: number;
  /** Mean denominator per (seed, question) cell: the samples per question that reach the rule's denominator. */
  samples: number;
  /**
   * seed: variance of a seed's mean rate over questions; question: of a question's mean rate over
   * seeds (with one seed it also holds the seed x question interaction); interaction: seed x
   * question (null with one seed or one question); sample: the Bernoulli variance p(1-p) of one
   * answer within its cell.
   */
  components: Record<ComponentName, Component>;
  /**
   * Each component's share of the variance of the pooled rate at this design:
   * V_seed/S + V_question/Q + V_interaction/(S Q) + V_sample/(S Q n); unknown components count 0.
   */
  rate_variance: Record<ComponentName, number> & {total: number};
  /** Relative reduction of the rate's variance from one more seed, question or sample per cell. */
  one_more: {seed: number | null; question: number; sample: number};
  /** The unit whose one more shrinks the interval most (seed only when its component is known). */
  shrinks_most: "seed" | "question" | "sample";
  notes: string[];
  /**
   * Each seed's pooled rate (sum k / sum d over the questions every seed answered), in the order of
   * the cells given; what the pages and `em summarize --components` show instead of a spread when
   * there are fewer than MIN_SEEDS_FOR_SPREAD seeds. Absent on pooled components.
   */
  seed_rates?: number[];
}

/**
 * Fewest training seeds whose between-seed spread is printed as a number. With two seeds the seed
 * component rests on one degree of freedom and is floored at 0 whenever the two seeds differ less
 * than their questions' noise predicts, so "0.0 pp" would read as a measured absence of spread.
 */
export const MIN_SEEDS_FOR_SPREAD = 3;

/**
 * The between-seed spread as text when it is not shown as a number: with 2 to MIN_SEEDS_FOR_SPREAD - 1
 * seeds, the seeds' own rates and why ("2 seeds: 4.0% and 6.5% (a spread needs 3+ seeds)"). Null
 * with one seed (the component is unknown: print that) or with enough seeds (print the SD).
 */
export function fewSeedsText(vc: Pick<VarianceComponents, "seeds" | "seed_rates">): string | null {
  if (vc.seeds < 2 || vc.seeds >= MIN_SEEDS_FOR_SPREAD || !vc.seed_rates) return null;
  const rates = vc.seed_rates.map((r) => `${(100 * r).toFixed(1)}%`);
  return `${vc.seeds} seeds: ${rates.slice(0, -1).join(", ")} and ${rates.at(-1)} (a spread needs ${MIN_SEEDS_FOR_SPREAD}+ seeds)`;
}

/** Upper-tail quantile of chi-square(df): x with P(X > x) = a (bisection on the stdlib cdf). */
function chi2Upper(a: number, df: number): number {
  let lo = 0;
  let hi = Math.max(10, df * 4);
  while (1 - chisquareCdf(hi, df) > a) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
    const m = (lo + hi) / 2;
    if (1 - chisquareCdf(m, df) > a) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

/** Upper-tail quantile of F(d1, d2). */
function fUpper(a: number, d1: number, d2: number): number {
  let lo = 0;
  let hi = 10;
  while (1 - fCdf(hi, d1, d2) > a) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10 * hi; i++) {
    const m = (lo + hi) / 2;
    if (1 - fCdf(m, d1, d2) > a) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

/**
 * Interval for (MS1 - MS2) / c, MS_i with n_i degrees of freedom (independent, scaled chi-square):
 * the modified-large-sample interval of Graybill & Wang (1980), as given by Burdick & Graybill
 * (1992, sec. 3.2), floored at 0. Two-sided `confidence`.
 */
export function mlsDifference(ms1: number, n1: number, ms2: number, n2: number, c: number, confidence = 0.95): Interval {
  const a = (1 - confidence) / 2;
  const fInf = (p: number, n: number) => chi2Upper(p, n) / n; // F_{p: n, inf}, upper-tail p
  const G1 = 1 - 1 / fInf(a, n1);
  const H1 = 1 / fInf(1 - a, n1) - 1;
  const G2 = 1 - 1 / fInf(a, n2);
  const H2 = 1 / fInf(1 - a, n2) - 1;
  const Fa = fUpper(a, n1, n2);
  const F1a = fUpper(1 - a, n1, n2);
  const G12 = ((Fa - 1) ** 2 - G1 * G1 * Fa * Fa - H2 * H2) / Fa;
  const H12 = ((1 - F1a) ** 2 - H1 * H1 * F1a * F1a - G2 * G2) / F1a;
  const est = ms1 - ms2;
  const lo = est - Math.sqrt(Math.max(0, G1 * G1 * ms1 * ms1 + H2 * H2 * ms2 * ms2 + G12 * ms1 * ms2));
  const hi = est + Math.sqrt(Math.max(0, H1 * H1 * ms1 * ms1 + G2 * G2 * ms2 * ms2 + H12 * ms1 * ms2));
  return [Math.max(0, lo / c), Math.max(0, hi / c)];
}

/** Interval for MS - b, MS with n degrees of freedom and b a constant: chi-square, floored at 0. */
function chi2Minus(ms: number, n: number, b: number, confidence: number): Interval {
  const a = (1 - confidence) / 2;
  return [Math.max(0, (n * ms) / chi2Upper(a, n) - b), Math.max(0, (n * ms) / chi2Upper(1 - a, n) - b)];
}

const unknown = (df: number): Component => ({variance: null, ci: null, df});

/**
 * Variance components of an EM rate from per-seed, per-question counts: `cells[s]` holds seed s's
 * EM answers `k[q]` out of `d[q]` in the rule's denominator, one question coding for all seeds (as
 * crossedRateCi). Only questions every seed answered, and seeds with a denominator, are used (the
 * balanced part).
 *
 * Method (method of moments, probability scale): y_sq = k_sq / d_sq; the within-cell sampling
 * variance B = mean over cells of y(1-y)/(d-1) (unbiased for p(1-p)/d); the two-way ANOVA mean
 * squares MS_seed, MS_question, MS_error of y (Searle, Casella & McCulloch 1992, ch. 4, balanced
 * crossed model), so that V_interaction = MS_error - B, V_seed = (MS_seed - MS_error)/Q,
 * V_question = (MS_question - MS_error)/S, each floored at 0; V_sample = mean of d/(d-1) y(1-y).
 * One seed: V_question = MS_question - B (it then also holds the seed x question interaction) and
 * the seed component is unknown; one question: likewise with seeds. Intervals: modified large
 * sample (mlsDifference) for differences of mean squares, chi-square for MS - B treating B as
 * known, a t interval over cells for V_sample; with `rng` (the CLI and the site pass one) a positive
 * estimate's interval is replaced by a parametric-bootstrap ratio interval from the fitted
 * logit-normal model (parametricIntervals), because binomial cell rates are far from the normal
 * theory behind MLS (it covered 55-93%). Coverage: docs/validity.md, components section; intervals
 * of designs measured outside 93-97% carry `ci_approximate` and a note with the measured coverage.
 * Returns null when fewer than one seed with a denominator or fewer than 2 usable cells.
 */
export function varianceComponents(
  cells: readonly ClusterCounts[],
  {confidence = 0.95, rng, draws = 400}: {confidence?: number; rng?: Rng; draws?: number} = {},
): VarianceComponents | null {
  const seeds = cells.filter((c) => {
    for (let i = 0; i < c.d.length; i++) if (c.d[i]! > 0) return true;
    return false;
  });
  const S = seeds.length;
  if (S === 0) return null;
  const nq = Math.min(...seeds.map((c) => c.d.length));
  const shared: number[] = [];
  for (let q = 0; q < nq; q++) if (seeds.every((c) => c.d[q]! > 0)) shared.push(q);
  const Q = shared.length;
  if (S * Q < 2) return null;
  const y = seeds.map((c) => shared.map((q) => c.k[q]! / c.d[q]!));
  let K = 0;
  let D = 0;
  let B = 0;
  let nB = 0;
  for (const c of seeds)
    for (const q of shared) {
      const k = c.k[q]!;
      const d = c.d[q]!;
      K += k;
      D += d;
      if (d > 1) {
        const p = k / d;
        B += (p * (1 - p)) / (d - 1);
        nB++;
      }
    }
  B = nB ? B / nB : 0;
  const rate = K / D;
  const n = D / (S * Q);
  const notes: string[] = [];
  let seed: Component;
  let question: Component;
  let interaction: Component;
  // Mean squares of a table of cell rates, and their bootstrap-effective degrees of freedom: the
  // cell rates of a logit-normal model are skewed and heavy-tailed, so a mean square varies more
  // than chi-square(df) says; 2 MS^2 / Var*(MS) over questions resampled (Owen 2007's pigeonhole
  // bootstrap in the question direction) replaces df when smaller.
  const meanSquares = (t: number[][]) => {
    const rs = t.map((r) => r.reduce((a, b) => a + b, 0) / Q);
    const cs = shared.map((_, j) => t.reduce((a, r) => a + r[j]!, 0) / S);
    const g = rs.reduce((a, b) => a + b, 0) / S;
    let sse = 0;
    for (let s = 0; s < S; s++) for (let j = 0; j < Q; j++) sse += (t[s]![j]! - rs[s]! - cs[j]! + g) ** 2;
    return {
      s: S > 1 ? (Q * rs.reduce((a, b) => a + (b - g) ** 2, 0)) / (S - 1) : 0,
      q: Q > 1 ? (S * cs.reduce((a, b) => a + (b - g) ** 2, 0)) / (Q - 1) : 0,
      e: S > 1 && Q > 1 ? sse / ((S - 1) * (Q - 1)) : 0,
    };
  };
  const ms = meanSquares(y);
  const effDf = (which: "q" | "e", df: number): number => {
    if (Q < 3 || !rng) return df;
    const xs: number[] = [];
    for (let b = 0; b < draws; b++) {
      const pick = Array.from({length: Q}, () => Math.floor(rng() * Q));
      xs.push(meanSquares(y.map((r) => pick.map((j) => r[j]!)))[which]);
    }
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
    return v > 0 ? Math.max(1, Math.min(df, (2 * ms[which] ** 2) / v)) : df;
  };
  if (S >= 2 && Q >= 2) {
    const dfE = (S - 1) * (Q - 1);
    const nuQ = effDf("q", Q - 1);
    const nuE = effDf("e", dfE);
    seed = {variance: Math.max(0, (ms.s - ms.e) / Q), ci: mlsDifference(ms.s, S - 1, ms.e, nuE, Q, confidence), df: S - 1};
    question = {variance: Math.max(0, (ms.q - ms.e) / S), ci: mlsDifference(ms.q, nuQ, ms.e, nuE, S, confidence), df: nuQ};
    interaction = {variance: Math.max(0, ms.e - B), ci: chi2Minus(ms.e, nuE, B, confidence), df: nuE};
    if (S < 4) notes.push(`${S} seeds: the seed component rests on ${S - 1} degree${S > 2 ? "s" : ""} of freedom (a wide interval)`);
  } else if (S === 1) {
    const nuQ = effDf("q", Q - 1);
    question = {variance: Math.max(0, ms.q - B), ci: chi2Minus(ms.q, nuQ, B, confidence), df: nuQ};
    seed = unknown(0);
    interaction = unknown(0);
    notes.push("one training seed: seed-to-seed variation cannot be estimated (unknown); the question component holds the seed x question interaction");
  } else {
    seed = {variance: Math.max(0, ms.s - B), ci: chi2Minus(ms.s, S - 1, B, confidence), df: S - 1};
    question = unknown(0);
    interaction = unknown(0);
    notes.push("one question shared by the seeds: question-to-question variation cannot be estimated (unknown)");
  }
  // The sample component's uncertainty is between questions (cells of one question share its rate).
  const wq = shared.map((q) => {
    const xs = seeds.filter((c) => c.d[q]! > 1).map((c) => (c.d[q]! / (c.d[q]! - 1)) * (c.k[q]! / c.d[q]!) * (1 - c.k[q]! / c.d[q]!));
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  });
  const wqs = wq.filter((x): x is number => x !== null);
  const sampleVar = wqs.length ? wqs.reduce((a, b) => a + b, 0) / wqs.length : rate * (1 - rate);
  let sampleCi: Interval | null = null;
  if (wqs.length >= 2) {
    const sd = Math.sqrt(wqs.reduce((a, b) => a + (b - sampleVar) ** 2, 0) / (wqs.length - 1));
    const h = (tQuantile(1 - (1 - confidence) / 2, wqs.length - 1) * sd) / Math.sqrt(wqs.length);
    sampleCi = [Math.max(0, sampleVar - h), Math.min(0.25, sampleVar + h)];
  }
  const sample: Component = {variance: sampleVar, ci: sampleCi, df: Math.max(0, wqs.length - 1)};
  if (rate === 0) notes.push("no EM answers: every component is 0 and says nothing about a design that finds some");
  const out = withDesign(rate, S, Q, n, {seed, question, interaction, sample}, notes);
  out.seed_rates = seeds.map((c) => {
    let k = 0;
    let d = 0;
    for (const q of shared) {
      k += c.k[q]!;
      d += c.d[q]!;
    }
    return k / d;
  });
  const boot = new Set<ComponentName>();
  if (rng && rate > 0 && rate < 1) {
    const d = seeds.map((c) => shared.map((q) => c.d[q]!));
    for (const c of parametricIntervals(out, d, confidence, rng, draws)) boot.add(c);
  }
  // No EM answer (or only EM answers): the data bound no component away from what they did not see,
  // so no interval rather than a zero-width one.
  if (rate === 0 || rate === 1) for (const c of NAMES) out.components[c].ci = null;
  const measured = measuredCoverage(S, Q, rate);
  for (const c of NAMES) {
    const comp = out.components[c];
    if (!comp.ci) continue;
    const m = measured[c];
    comp.ci_approximate = !boot.has(c) || (m !== undefined && (m[0] < 0.93 || m[1] > 0.97));
  }
  const short = NAMES.filter((c) => out.components[c].ci_approximate && boot.has(c) && measured[c]);
  if (short.length)
    notes.push(
      `intervals marked ~ are narrower than their ${Math.round(100 * confidence)}% label for designs like this one (${measuredDesign(S, Q, rate)}): in simulated studies of such designs they held the true component in only ${short.map((c) => `${coverageText(measured[c]!)} (${c})`).join(", ")} of studies; read them as rough ranges, not ${Math.round(100 * confidence)}% intervals (docs/validity.md, components section)`,
    );
  const moment = NAMES.filter((c) => out.components[c].ci && !boot.has(c));
  if (moment.length)
    notes.push(
      `intervals marked ~ for an estimate of 0 (${moment.join(", ")}) are moment intervals whose coverage was not measured for such data; their upper end is a rough guide`,
    );
  return out;
}

/**
 * Coverage of the bootstrap intervals of 95% measured by bench/validity/components.section.ts (200
 * simulated studies per design, Monte-Carlo s.e. 1.2-3 points), as [lowest, highest] over the
 * measured designs of a class: "thin" (fewer than 12 questions or a rate under 10%: 3 seeds x 8
 * questions at 5%, 1 seed x 8 questions at 15%) or "many" (12+ questions and a rate of 10%+: 5 seeds
 * x 24 questions, 1 seed x 24 questions, at 15%), one seed and several apart. Each class rests on
 * one simulated design per seed count: an extrapolation to the class, said so in the note. Update
 * with the section (docs/validity.md; a unit test compares them).
 */
export function measuredCoverage(seeds: number, questions: number, rate: number): Partial<Record<ComponentName, Interval>> {
  const one = seeds === 1;
  if (questions < 12 || rate < 0.1)
    return {seed: [0.925, 0.925], question: one ? [0.925, 0.925] : [0.94, 0.94], interaction: [0.775, 0.775], sample: one ? [0.87, 0.87] : [0.8, 0.8]};
  return {seed: [0.95, 0.95], question: one ? [0.97, 0.97] : [0.935, 0.935], interaction: [0.91, 0.91], sample: one ? [0.95, 0.95] : [0.875, 0.875]};
}

const measuredDesign = (S: number, Q: number, rate: number) =>
  `${S === 1 ? "one seed" : "several seeds"}, ${Q < 12 || rate < 0.1 ? "fewer than 12 questions or a rate under 10%" : "12+ questions and a rate of 10%+"}`;

const pctText = (x: number) => `${+(100 * x).toFixed(1)}%`;
const coverageText = ([lo, hi]: Interval) => (lo === hi ? `about ${pctText(lo)}` : `${pctText(lo)}-${pctText(hi)}`);

/** Point moment estimates of a table of counts (the same estimator as varianceComponents, no intervals). */
function pointVariances(k: readonly number[][], d: readonly number[][]): Record<ComponentName, number | null> {
  const S = k.length;
  const Q = k[0]!.length;
  let B = 0;
  let nB = 0;
  let sv = 0;
  const y = k.map((r, s) =>
    r.map((x, q) => {
      const n = d[s]![q]!;
      const p = x / n;
      if (n > 1) {
        B += (p * (1 - p)) / (n - 1);
        sv += (n / (n - 1)) * p * (1 - p);
        nB++;
      }
      return p;
    }),
  );
  B = nB ? B / nB : 0;
  const rs = y.map((r) => r.reduce((a, b) => a + b, 0) / Q);
  const cs = Array.from({length: Q}, (_, j) => y.reduce((a, r) => a + r[j]!, 0) / S);
  const g = rs.reduce((a, b) => a + b, 0) / S;
  let sse = 0;
  for (let s = 0; s < S; s++) for (let j = 0; j < Q; j++) sse += (y[s]![j]! - rs[s]! - cs[j]! + g) ** 2;
  const msS = S > 1 ? (Q * rs.reduce((a, b) => a + (b - g) ** 2, 0)) / (S - 1) : 0;
  const msQ = Q > 1 ? (S * cs.reduce((a, b) => a + (b - g) ** 2, 0)) / (Q - 1) : 0;
  const sample = nB ? sv / nB : null;
  if (S > 1 && Q > 1) {
    const msE = sse / ((S - 1) * (Q - 1));
    return {seed: Math.max(0, (msS - msE) / Q), question: Math.max(0, (msQ - msE) / S), interaction: Math.max(0, msE - B), sample};
  }
  if (S === 1) return {seed: null, question: Math.max(0, msQ - B), interaction: null, sample};
  return {seed: Math.max(0, msS - B), question: null, interaction: null, sample};
}

/**
 * Replaces the intervals of `vc` by parametric-bootstrap ratio intervals where the estimate is
 * positive: `draws` studies of the same design (the observed denominators d) are simulated from the
 * logit-normal model fitted to the estimates (logitModelOf), whose own components T are known
 * (impliedComponents); a variance estimate scales with its component, so V_boot / T approximates the law
 * of V^ / V and the interval is [V^ / q_hi, V^ / q_lo] of the draws' ratios (Davison & Hinkley 1997,
 * sec. 5.2-5.3, a studentized-by-scale parametric bootstrap), capped at the largest variance
 * possible at the pooled rate. A zero estimate keeps its moment interval (the fitted model has no
 * such component to simulate). Coverage per regime: docs/validity.md, components section.
 */
function parametricIntervals(vc: VarianceComponents, d: readonly number[][], confidence: number, rng: Rng, draws: number): ComponentName[] {
  const fit = logitModelOf(vc);
  const T = impliedComponents(fit);
  if (vc.seeds === 1) T.question += T.interaction;
  const Q = d[0]!.length;
  const mu = logitLocation(fit.rate, Math.hypot(fit.sd_seed, fit.sd_question, fit.sd_interaction));
  const ratios: Record<ComponentName, number[]> = {seed: [], question: [], interaction: [], sample: []};
  for (let b = 0; b < draws; b++) {
    const zq = Array.from({length: Q}, () => fit.sd_question * randNormal(rng));
    const k = d.map((row) => {
      const a = fit.sd_seed * randNormal(rng);
      return row.map((n, q) => randBinomial(rng, n, expit(mu + a + zq[q]! + fit.sd_interaction * randNormal(rng))));
    });
    const v = pointVariances(k, d);
    for (const c of NAMES) if (v[c] !== null && T[c] > 0) ratios[c].push(v[c]! / T[c]);
  }
  const a = (1 - confidence) / 2;
  const done: ComponentName[] = [];
  const cap = {seed: vc.rate * (1 - vc.rate), question: vc.rate * (1 - vc.rate), interaction: vc.rate * (1 - vc.rate), sample: 0.25};
  for (const c of NAMES) {
    const comp = vc.components[c];
    const est = comp.variance;
    const rs = ratios[c];
    if (est === null || !(est > 0) || T[c] <= 0 || rs.length < 20) continue;
    rs.sort((x, y) => x - y);
    const qu = (p: number) => rs[Math.min(rs.length - 1, Math.max(0, Math.floor(p * rs.length)))]!;
    const lo = qu(1 - a);
    const hi = qu(a);
    comp.ci = [Math.min(cap[c], est / lo), hi > 0 ? Math.min(cap[c], est / hi) : cap[c]];
    done.push(c);
  }
  return done;
}

const NAMES: ComponentName[] = ["seed", "question", "interaction", "sample"];

/** Components of one group of `by` (e.g. one variant). */
export interface GroupComponents {
  key: Record<string, unknown>;
  /** Seed ids (the replicate column; "(none)" for answers without one). */
  seed_ids: string[];
  components: VarianceComponents | null;
}

/**
 * Variance components per group of `by` columns (first-seen order): each group's answers split by
 * `replicate` (training seed) and question under `rule` (with `exclude`d types never EM), then
 * varianceComponents. Answers without a replicate id form one seed. Seeded per group from `seed`.
 * Empty input: [].
 */
export function componentsBy(
  rows: readonly Judged[],
  rule: EmRule,
  {by = [], exclude = [], confidence = 0.95, seed = 0}: {by?: readonly string[]; exclude?: readonly ResponseType[]; confidence?: number; seed?: number} = {},
): GroupComponents[] {
  if (rows.length === 0) return [];
  const cols = toColumns(rows, {precision: 64});
  const top = encodeGroups(rows, by);
  const sub = encodeGroups(rows, [...by, "replicate"]);
  const tallies = aggregateColumns(cols, rule, {groups: sub.codes, nGroups: sub.keys.length, exclude});
  const parentOf = new Map(top.keys.map((k, g) => [JSON.stringify(by.map((c) => k[c])), g]));
  const cells: ClusterCounts[][] = top.keys.map(() => []);
  const ids: string[][] = top.keys.map(() => []);
  sub.keys.forEach((k, j) => {
    const g = parentOf.get(JSON.stringify(by.map((c) => k[c])))!;
    cells[g]!.push({k: tallies[j]!.qk, d: tallies[j]!.qd});
    ids[g]!.push(k.replicate === null || k.replicate === undefined ? "(none)" : String(k.replicate));
  });
  return top.keys.map((key, g) => ({
    key,
    seed_ids: ids[g]!,
    components: varianceComponents(cells[g]!, {confidence, rng: makeRng(groupSeed(seed, 7000001 + g))}),
  }));
}

/**
 * Components pooled over groups (e.g. over variants): each component's variance is the
 * degrees-of-freedom-weighted mean of the groups' estimates where known (unknown when no group
 * knows it); no interval (the groups' intervals are not combined). The pooled design is the
 * groups' mean seeds, questions and samples. Null when no group has components.
 */
export function poolComponents(groups: readonly (VarianceComponents | null)[]): VarianceComponents | null {
  const gs = groups.filter((g): g is VarianceComponents => g !== null);
  if (gs.length === 0) return null;
  const pool = (name: ComponentName): Component => {
    const known = gs.filter((g) => g.components[name].variance !== null);
    if (!known.length) return unknown(0);
    const w = known.map((g) => Math.max(1, g.components[name].df));
    const W = w.reduce((a, b) => a + b, 0);
    return {variance: known.reduce((a, g, i) => a + w[i]! * g.components[name].variance!, 0) / W, ci: null, df: W};
  };
  const mean = (f: (g: VarianceComponents) => number) => gs.reduce((a, g) => a + f(g), 0) / gs.length;
  const components = {seed: pool("seed"), question: pool("question"), interaction: pool("interaction"), sample: pool("sample")};
  return withDesign(
    mean((g) => g.rate),
    Math.round(mean((g) => g.seeds)),
    Math.round(mean((g) => g.questions)),
    mean((g) => g.samples),
    components,
    [`pooled over ${gs.length} groups: degrees-of-freedom-weighted means of their components, no interval`],
  );
}

/** The rate-variance split and the "one more" reductions of components at a design. */
function withDesign(rate: number, S: number, Q: number, n: number, components: Record<ComponentName, Component>, notes: string[]): VarianceComponents {
  const v = (c: Component) => c.variance ?? 0;
  const {seed, question, interaction, sample} = components;
  const at = (s: number, q: number, m: number) => v(seed) / s + v(question) / q + v(interaction) / (s * q) + v(sample) / (s * q * m);
  const total = at(S, Q, n);
  const rate_variance = {seed: v(seed) / S, question: v(question) / Q, interaction: v(interaction) / (S * Q), sample: v(sample) / (S * Q * n), total};
  const red = (x: number) => (total > 0 ? 1 - x / total : 0);
  const one_more = {seed: seed.variance === null ? null : red(at(S + 1, Q, n)), question: red(at(S, Q + 1, n)), sample: red(at(S, Q, n + 1))};
  let shrinks_most: VarianceComponents["shrinks_most"] = one_more.question >= one_more.sample ? "question" : "sample";
  if (one_more.seed !== null && one_more.seed > Math.max(one_more.question, one_more.sample)) shrinks_most = "seed";
  return {method: "anova_moments_probability_scale", rate, seeds: S, questions: Q, samples: n, components, rate_variance, one_more, shrinks_most, notes};
}
