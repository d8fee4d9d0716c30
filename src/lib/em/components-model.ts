// The logit-normal generative model behind variance components (issue 26): logit p_sq = mu +
// sd_seed A_s + sd_question B_q + sd_interaction C_sq. Used by the components' parametric-bootstrap
// intervals, the plan and the validity simulations; docs/metrics.md ("Variance components").

import type {Component, ComponentName, VarianceComponents} from "./components.js";

export const expit = (x: number) => 1 / (1 + Math.exp(-x));

/** E[expit(mu + sd Z)] and E[expit(mu + sd Z)^2], Z standard normal (Gauss-Hermite-like midpoint rule on [-8, 8]). */
export function logitNormalMoments(mu: number, sd: number): {mean: number; second: number} {
  if (sd === 0) return {mean: expit(mu), second: expit(mu) ** 2};
  let s1 = 0;
  let s2 = 0;
  let w = 0;
  for (let z = -8; z <= 8; z += 0.02) {
    const g = Math.exp((-z * z) / 2);
    const p = expit(mu + sd * z);
    s1 += g * p;
    s2 += g * p * p;
    w += g;
  }
  return {mean: s1 / w, second: s2 / w};
}

/** mu with E[expit(mu + sd Z)] = rate (bisection; rate in (0, 1)). */
export function logitLocation(rate: number, sd: number): number {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 80; i++) {
    const m = (lo + hi) / 2;
    if (logitNormalMoments(m, sd).mean < rate) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

/** A logit-normal generative model of one arm: logit p_sq = mu + sd_seed A_s + sd_question B_q + sd_interaction C_sq. */
export interface LogitModel {
  /** Mean EM rate E[p] (fraction). */
  rate: number;
  sd_seed: number;
  sd_question: number;
  sd_interaction: number;
}

/**
 * The logit-normal model whose probability-scale components match estimated ones (the plan's
 * generative model): the total logit sd solves Var(expit(mu + sd Z)) = V_seed + V_question +
 * V_interaction at mean `rate`, and is split in proportion to the components (exact for one
 * component, a first-order split for several). Unknown components count as 0 unless `assume`
 * gives a logit sd for them. Rate 0 or 1: all sds 0.
 */
export function logitModelOf(vc: VarianceComponents, assume: {sd_seed?: number} = {}): LogitModel {
  const r = vc.rate;
  const v = (c: Component) => c.variance ?? 0;
  const vs = v(vc.components.seed);
  const vq = v(vc.components.question);
  const vi = v(vc.components.interaction);
  const V = vs + vq + vi;
  const extraSeed = vc.components.seed.variance === null ? (assume.sd_seed ?? 0) : 0;
  if (!(r > 0 && r < 1) || V <= 0) return {rate: r, sd_seed: extraSeed, sd_question: 0, sd_interaction: 0};
  const varAt = (sd: number) => {
    const m = logitNormalMoments(logitLocation(r, sd), sd);
    return m.second - m.mean * m.mean;
  };
  let lo = 0;
  let hi = 1;
  const cap = r * (1 - r) * 0.999;
  const target = Math.min(V, cap);
  while (varAt(hi) < target && hi < 64) hi *= 2;
  for (let i = 0; i < 50; i++) {
    const m = (lo + hi) / 2;
    if (varAt(m) < target) lo = m;
    else hi = m;
  }
  const T2 = ((lo + hi) / 2) ** 2;
  return {
    rate: r,
    sd_seed: vc.components.seed.variance === null ? extraSeed : Math.sqrt((T2 * vs) / V),
    sd_question: Math.sqrt((T2 * vq) / V),
    sd_interaction: Math.sqrt((T2 * vi) / V),
  };
}

/**
 * The probability-scale components a logit model implies (the planted truth of simulations):
 * V_seed = Var_A(E[p | A]), V_question = Var_B(E[p | B]), V_interaction = Var(p) - V_seed -
 * V_question, V_sample = E[p(1-p)]. Quadrature over the one effect held fixed.
 */
export function impliedComponents(m: LogitModel): Record<ComponentName, number> {
  const total = Math.sqrt(m.sd_seed ** 2 + m.sd_question ** 2 + m.sd_interaction ** 2);
  const mu = logitLocation(m.rate, total);
  const all = logitNormalMoments(mu, total);
  const varP = all.second - all.mean ** 2;
  const main = (sd: number) => {
    if (sd === 0) return 0;
    const rest = Math.sqrt(Math.max(0, total * total - sd * sd));
    let s1 = 0;
    let s2 = 0;
    let w = 0;
    for (let z = -8; z <= 8; z += 0.05) {
      const g = Math.exp((-z * z) / 2);
      const e = logitNormalMoments(mu + sd * z, rest).mean;
      s1 += g * e;
      s2 += g * e * e;
      w += g;
    }
    return s2 / w - (s1 / w) ** 2;
  };
  const seed = main(m.sd_seed);
  const question = main(m.sd_question);
  return {seed, question, interaction: Math.max(0, varP - seed - question), sample: all.mean - all.second};
}
