// Study planning by simulation (issue 26): the power of a design (seeds x questions x samples per
// question) to detect a difference of EM rates between two arms, simulated from a logit-normal
// model (fitted to a pilot's variance components, or stated) and judged by the interval the product
// prints for that difference (pairedTallyDiff, behind `em summarize --baseline`). docs/metrics.md.

import {pairedTallyDiff} from "./baseline.js";
import {logitLocation, logitModelOf, type LogitModel, type VarianceComponents} from "./components.js";
import {makeRng, randBinomial, randNormal, type Rng} from "./prng.js";

/** One arm of a comparison: its logit model and the share of samples that reach the rule's denominator. */
export interface PlanArm extends LogitModel {
  /** Share of generated answers in the rule's denominator (coherent and scored), 0..1. */
  in_denominator: number;
}

export interface PlanModel {
  /** The arm whose rate is compared (fine-tune, variant A, judge A). */
  a: PlanArm;
  /** The reference arm (baseline, variant B, judge B). */
  b: PlanArm;
  /**
   * Correlation of the two arms' question effects on the logit scale, 0..1 (the pairing: a question
   * that draws misaligned answers from one tends to from the other). 0 treats the arms' questions as unrelated.
   */
  question_correlation: number;
}

/** Seeds (training runs) per arm, questions (shared by both arms) and samples per question per seed. */
export interface Design {
  seeds: number;
  questions: number;
  samples: number;
}

export interface PowerResult {
  /** Share of simulated studies whose interval for a - b excludes 0 (two-sided). */
  power: number;
  /** The same share under no difference (arm a given arm b's rate and spread): the test's type-I error. */
  type1: number;
  /** Monte-Carlo standard errors of the two shares. */
  power_se: number;
  type1_se: number;
  reps: number;
}

/** Binomial(n, p) draw by inversion (O(np)); falls back to randBinomial when (1-p)^n underflows. */
function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const q = 1 - p;
  let f = q ** n;
  if (!(f > 1e-300)) return randBinomial(rng, n, p);
  const s = p / q;
  let u = rng();
  let k = 0;
  while (u > f && k < n) {
    u -= f;
    k++;
    f *= (s * (n - k + 1)) / k;
  }
  return k;
}

const expit = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Per-question counts of one simulated study: for each arm, EM answers and denominator per
 * question, summed over that arm's seeds, and per seed (the product's interval is seed-aware with 2+ seeds). Question
 * effects: B_aq = sqrt(rho) Z_q + sqrt(1 - rho) Z'_aq (shared Z_q); seed and interaction effects
 * independent per arm. `mus` are the arms' logit locations.
 */
export function simulateStudy(model: PlanModel, design: Design, rng: Rng, mus: [number, number]): {a: SimArm; b: SimArm} {
  const Q = design.questions;
  const rho = Math.min(1, Math.max(0, model.question_correlation));
  const zq = Array.from({length: Q}, () => randNormal(rng));
  const arm = (x: PlanArm, mu: number) => {
    const qk = new Float64Array(Q);
    const qd = new Float64Array(Q);
    const seeds: {k: Float64Array; d: Float64Array}[] = [];
    const bq = zq.map((z) => x.sd_question * (Math.sqrt(rho) * z + Math.sqrt(1 - rho) * randNormal(rng)));
    for (let s = 0; s < design.seeds; s++) {
      const as = x.sd_seed * randNormal(rng);
      const cell = {k: new Float64Array(Q), d: new Float64Array(Q)};
      for (let q = 0; q < Q; q++) {
        const p = expit(mu + as + bq[q]! + x.sd_interaction * randNormal(rng));
        const d = binomial(rng, design.samples, x.in_denominator);
        const k = binomial(rng, d, p);
        cell.d[q] = d;
        cell.k[q] = k;
        qd[q]! += d;
        qk[q]! += k;
      }
      seeds.push(cell);
    }
    return {qk, qd, seeds};
  };
  return {a: arm(model.a, mus[0]), b: arm(model.b, mus[1])};
}

/** One simulated arm: per-question counts summed over seeds, and per seed. */
export interface SimArm {
  qk: Float64Array;
  qd: Float64Array;
  seeds: {k: Float64Array; d: Float64Array}[];
}

const sum = (x: Float64Array) => x.reduce((a, b) => a + b, 0);

const totalSd = (x: LogitModel) => Math.sqrt(x.sd_seed ** 2 + x.sd_question ** 2 + x.sd_interaction ** 2);

/**
 * Whether one study's product interval for a - b (pairedTallyDiff at `confidence`, seed-aware on a
 * side with 2+ seeds) excludes 0: the plan's decision rule, the one `em summarize --baseline` applies.
 */
export function studyRejects(s: {a: SimArm; b: SimArm}, rng: Rng, confidence = 0.95): boolean {
  const side = (c: SimArm) => ({n_em: sum(c.qk), n_scored: sum(c.qd), qk: c.qk, qd: c.qd, seeds: c.seeds.length >= 2 ? c.seeds : undefined});
  const r = pairedTallyDiff(side(s.a), side(s.b), rng, {confidence, withP: false});
  return r?.ci != null && (r.ci[0] > 0 || r.ci[1] < 0);
}

/**
 * Power and type-I error of a design, by simulation: `reps` studies from the model (and `reps`
 * from its null, arm a with arm b's rate and spreads), each judged by pairedTallyDiff at
 * `confidence` (the product's question-paired interval, cluster MOVER). Seeded: the same seed gives
 * the same result. A study with an empty denominator on a side counts as not rejecting.
 */
export function designPower(
  model: PlanModel,
  design: Design,
  {reps = 1000, seed = 0, confidence = 0.95}: {reps?: number; seed?: number; confidence?: number} = {},
): PowerResult {
  if (!(design.seeds >= 1 && design.questions >= 1 && design.samples >= 1)) throw new RangeError(`designPower: seeds, questions and samples must be >= 1`);
  const rng = makeRng(seed);
  const muA = logitLocation(model.a.rate, totalSd(model.a));
  const muB = logitLocation(model.b.rate, totalSd(model.b));
  const nullModel: PlanModel = {...model, a: {...model.b, in_denominator: model.a.in_denominator}};
  let hit = 0;
  let fp = 0;
  for (let r = 0; r < reps; r++) {
    if (studyRejects(simulateStudy(model, design, rng, [muA, muB]), rng, confidence)) hit++;
    if (studyRejects(simulateStudy(nullModel, design, rng, [muB, muB]), rng, confidence)) fp++;
  }
  const p = hit / reps;
  const t = fp / reps;
  return {power: p, type1: t, power_se: Math.sqrt((p * (1 - p)) / reps), type1_se: Math.sqrt((t * (1 - t)) / reps), reps};
}

/** Answers a design generates (both arms) and the judge calls they need (one per answer and metric). */
export function designCalls(design: Design, metrics = 2): {answers: number; judge_calls: number} {
  const answers = 2 * design.seeds * design.questions * design.samples;
  return {answers, judge_calls: answers * metrics};
}

/**
 * Judge cost of a design in USD: every judge call is `promptTokens` prompt tokens and one completion
 * token at `price` (USD per 1M tokens [prompt, completion], src/lib/prices.ts). Null when the price
 * is unknown (never a guess).
 */
export function judgeCost(judgeCalls: number, price: readonly [number, number] | null, promptTokens = 700): number | null {
  return price ? (judgeCalls * (promptTokens * price[0] + price[1])) / 1e6 : null;
}

/** One arm of a pilot: its variance components and per-question counts (one question coding for both arms). */
export interface PilotArm {
  label: string;
  rate: number;
  components: VarianceComponents | null;
  /** Share of its answers in the rule's denominator. */
  in_denominator: number;
  /** Per question: EM answers and denominator (seeds pooled). */
  qk: ArrayLike<number>;
  qd: ArrayLike<number>;
}

/**
 * The plan's model from a pilot's two arms: each arm's logit model from its components
 * (logitModelOf; a seed spread one seed cannot show is `sdSeed`, default 0), an arm without any
 * EM answer borrowing the other's spread, and the question-effect correlation from the arms'
 * empirical logits log((k + 1/2)/(d - k + 1/2)) over the questions both answered (clipped to
 * [0, 1]; sampling noise biases it towards 0, so the pairing is understated; 0 below 3 shared
 * questions). `diff` (a fraction) replaces arm a's rate by arm b's plus diff. `questionEnd` 0 or 1
 * takes each arm's between-question variance at that end of its interval instead of its estimate
 * (pilotPowerRange). The assumptions made are returned as sentences. Throws (RangeError, a sentence for
 * the user) when an arm has no components, or when neither arm has an EM answer (no spread to plan from).
 */
export function pilotPlanModel(
  a: PilotArm,
  b: PilotArm,
  {diff, sdSeed, questionEnd}: {diff?: number; sdSeed?: number; questionEnd?: 0 | 1} = {},
): {model: PlanModel; assumptions: string[]} {
  const assumptions: string[] = [];
  const fit = (x: PilotArm): LogitModel => {
    if (!x.components) throw new RangeError(`variant '${x.label}': too few answers in the denominator to estimate its spread (need 2+ questions)`);
    if (x.components.components.seed.variance === null && sdSeed === undefined)
      assumptions.push(`${x.label}: one training seed in the pilot, seed-to-seed spread unknown and assumed 0`);
    const q = x.components.components.question;
    const vc =
      questionEnd !== undefined && q.ci
        ? {...x.components, components: {...x.components.components, question: {...q, variance: q.ci[questionEnd]}}}
        : x.components;
    return logitModelOf(vc, {sd_seed: sdSeed});
  };
  const ma = fit(a);
  const mb = fit(b);
  const hasSpread = (m: LogitModel, x: PilotArm) => m.sd_question + m.sd_interaction > 0 || x.rate > 0;
  // Neither arm can lend the other a spread: a plan from zero spread would be binomial sampling
  // alone, whose power (and type-I error, 0 when the reference never has an EM answer) looks measured and is not.
  if (!hasSpread(ma, a) && !hasSpread(mb, b))
    throw new RangeError(
      `cannot plan from this pilot: neither '${a.label}' nor '${b.label}' has an EM answer, so there is no spread between questions to plan from (a pilot with EM answers on one arm at least, or stated rates and spreads: em plan --rates)`,
    );
  const spread = (m: LogitModel, o: LogitModel, x: PilotArm): LogitModel => {
    if (hasSpread(m, x)) return m;
    assumptions.push(`${x.label}: no EM answer in the pilot, so its spread is taken from the other arm`);
    return {...m, sd_question: o.sd_question, sd_interaction: o.sd_interaction, sd_seed: o.sd_seed};
  };
  let armA: PlanArm = {...spread(ma, mb, a), in_denominator: a.in_denominator};
  const armB: PlanArm = {...spread(mb, ma, b), in_denominator: b.in_denominator};
  const xs: number[] = [];
  const ys: number[] = [];
  for (let q = 0; q < Math.min(a.qd.length, b.qd.length); q++) {
    if (!(a.qd[q]! > 0 && b.qd[q]! > 0)) continue;
    xs.push(Math.log((a.qk[q]! + 0.5) / (a.qd[q]! - a.qk[q]! + 0.5)));
    ys.push(Math.log((b.qk[q]! + 0.5) / (b.qd[q]! - b.qk[q]! + 0.5)));
  }
  let rho = 0;
  if (xs.length >= 3) {
    const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
    const my = ys.reduce((s, y) => s + y, 0) / ys.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < xs.length; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
      syy += (ys[i]! - my) ** 2;
    }
    rho = sxx > 0 && syy > 0 ? Math.max(0, Math.min(1, sxy / Math.sqrt(sxx * syy))) : 0;
    assumptions.push(
      `question-effect correlation ${rho.toFixed(2)} from ${xs.length} shared questions (empirical logits; biased towards 0, a conservative pairing)`,
    );
  } else assumptions.push("fewer than 3 shared questions: question effects assumed uncorrelated");
  if (diff !== undefined) armA = {...armA, rate: armB.rate + diff};
  return {model: {a: armA, b: armB, question_correlation: rho}, assumptions};
}

/**
 * The pilot's plan models for a power range: `point` from the components' estimates, `wide` and
 * `narrow` with both arms' between-question variance at the upper and at the lower end of its
 * interval (VarianceComponents.components.question.ci; other components at their estimates).
 * A pilot with few questions pins the between-question spread loosely (at 8 questions its 95%
 * interval spans about a factor 10), and the power of a design moves with it: the power at
 * `wide` and at `narrow` bound what the pilot can say (a sensitivity range at the interval's ends,
 * not a confidence interval for the power). `wide` and `narrow` are null when neither arm has an
 * interval for that component. Same options and errors as pilotPlanModel.
 */
export function pilotPlanModels(
  a: PilotArm,
  b: PilotArm,
  options: {diff?: number; sdSeed?: number} = {},
): {point: PlanModel; wide: PlanModel | null; narrow: PlanModel | null; assumptions: string[]} {
  const {model, assumptions} = pilotPlanModel(a, b, options);
  const known = [a, b].some((x) => x.components?.components.question.ci);
  const end = (e: 0 | 1) => pilotPlanModel(a, b, {...options, questionEnd: e}).model;
  return {point: model, wide: known ? end(1) : null, narrow: known ? end(0) : null, assumptions};
}
