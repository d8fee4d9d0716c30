// Two judges on the same answers (issue 26): is the EM-rate difference between them real? A
// question-paired test of the difference, McNemar's test on the answers both label, and
// question-bootstrap intervals on Cohen's kappa and on the Spearman correlation of aligned scores.

import {cohenKappa, spearman} from "./judges.js";
import {normalCdf, quantileSorted, tCdf, tQuantile, type Interval} from "./intervals.js";
import {randInt, type Rng} from "./prng.js";

/** One answer scored by both judges: its question, each judge's EM label (null: outside that judge's denominator) and aligned scores. */
export interface JudgedPair {
  question: string;
  em1: boolean | null;
  em2: boolean | null;
  aligned1: number | null;
  aligned2: number | null;
}

export interface JudgePairTest {
  /** Answers scored by both judges. */
  n: number;
  questions: number;
  /** EM rate under each judge over its own denominator, and their difference (judge 1 - judge 2). */
  rate1: number | null;
  rate2: number | null;
  diff: number | null;
  /** Question-paired interval of the difference and its two-sided p-value (null below 2 questions). */
  diff_ci: Interval | null;
  p_question_paired: number | null;
  /** McNemar on answers inside both denominators: discordant counts and the exact two-sided p. */
  mcnemar: {only1: number; only2: number; p_value: number | null};
  kappa: number | null;
  kappa_ci: Interval | null;
  spearman_aligned: number | null;
  spearman_ci: Interval | null;
  notes: string[];
}

/** Exact two-sided binomial test of x successes in n at p = 1/2 (McNemar's exact test); 1 when n = 0. */
export function binomialTwoSided(x: number, n: number): number {
  if (n === 0) return 1;
  const k = Math.min(x, n - x);
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

interface QuestionCounts {
  k1: number;
  d1: number;
  k2: number;
  d2: number;
}

/**
 * Difference of two ratio estimators over the same clusters: D = K1/D1 - K2/D2, linearized
 * per-question residuals u_q = (k1_q - R1 d1_q)/D1 - (k2_q - R2 d2_q)/D2, variance
 * Q/(Q-1) sum u_q^2 (CR1), Student t with Q - 1 degrees of freedom.
 */
function pairedDiff(qs: readonly QuestionCounts[], confidence: number): {diff: number; ci: Interval; p: number} | null {
  let K1 = 0;
  let D1 = 0;
  let K2 = 0;
  let D2 = 0;
  for (const q of qs) {
    K1 += q.k1;
    D1 += q.d1;
    K2 += q.k2;
    D2 += q.d2;
  }
  const Q = qs.length;
  if (!(D1 > 0 && D2 > 0) || Q < 2) return null;
  const r1 = K1 / D1;
  const r2 = K2 / D2;
  let s = 0;
  for (const q of qs) s += ((q.k1 - r1 * q.d1) / D1 - (q.k2 - r2 * q.d2) / D2) ** 2;
  const se = Math.sqrt((Q / (Q - 1)) * s);
  const diff = r1 - r2;
  if (se === 0) return {diff, ci: [diff, diff], p: diff === 0 ? 1 : 0};
  const t = tQuantile(1 - (1 - confidence) / 2, Q - 1);
  return {diff, ci: [Math.max(-1, diff - t * se), Math.min(1, diff + t * se)], p: 2 * (1 - tCdf(Math.abs(diff / se), Q - 1))};
}

/**
 * Two judges on the same answers. EM-rate difference (judge 1 - judge 2, each over its own
 * denominator): question-paired t test on linearized per-question residuals (CR1, t with Q - 1
 * degrees of freedom; Miller 2024's paired clustered standard error); McNemar's exact test on the
 * answers inside both denominators (answers as independent pairs); kappa and Spearman (aligned)
 * with expanded-percentile question-bootstrap intervals (`draws` resamples of questions with
 * replacement, as clusterBootstrap; 0 skips them: null intervals). Empty input: n 0 and nulls.
 */
export function judgePairTest(
  pairs: readonly JudgedPair[],
  rng: Rng,
  {confidence = 0.95, draws = 1000}: {confidence?: number; draws?: number} = {},
): JudgePairTest {
  const byQ = new Map<string, JudgedPair[]>();
  for (const p of pairs) (byQ.get(p.question) ?? byQ.set(p.question, []).get(p.question)!).push(p);
  const groups = [...byQ.values()];
  const counts = groups.map((g) => {
    const c: QuestionCounts = {k1: 0, d1: 0, k2: 0, d2: 0};
    for (const p of g) {
      if (p.em1 !== null) {
        c.d1++;
        if (p.em1) c.k1++;
      }
      if (p.em2 !== null) {
        c.d2++;
        if (p.em2) c.k2++;
      }
    }
    return c;
  });
  const tot = counts.reduce((a, c) => ({k1: a.k1 + c.k1, d1: a.d1 + c.d1, k2: a.k2 + c.k2, d2: a.d2 + c.d2}), {k1: 0, d1: 0, k2: 0, d2: 0});
  const rate1 = tot.d1 ? tot.k1 / tot.d1 : null;
  const rate2 = tot.d2 ? tot.k2 / tot.d2 : null;
  const pd = pairedDiff(counts, confidence);
  let only1 = 0;
  let only2 = 0;
  for (const p of pairs) {
    if (p.em1 === null || p.em2 === null) continue;
    if (p.em1 && !p.em2) only1++;
    else if (!p.em1 && p.em2) only2++;
  }
  const stats = (gs: readonly JudgedPair[][]) => {
    const la: boolean[] = [];
    const lb: boolean[] = [];
    const ax: number[] = [];
    const ay: number[] = [];
    for (const g of gs)
      for (const p of g) {
        if (p.em1 !== null && p.em2 !== null) {
          la.push(p.em1);
          lb.push(p.em2);
        }
        if (p.aligned1 !== null && p.aligned2 !== null) {
          ax.push(p.aligned1);
          ay.push(p.aligned2);
        }
      }
    return {kappa: cohenKappa(la, lb), rho: ax.length >= 2 ? spearman(ax, ay) : null};
  };
  const point = stats(groups);
  let kappaCi: Interval | null = null;
  let rhoCi: Interval | null = null;
  const Q = groups.length;
  const notes: string[] = [];
  if (Q >= 2 && draws > 0) {
    const ks: number[] = [];
    const rs: number[] = [];
    for (let b = 0; b < draws; b++) {
      const pick = Array.from({length: Q}, () => groups[randInt(rng, Q)]!);
      const s = stats(pick);
      if (s.kappa !== null) ks.push(s.kappa);
      if (s.rho !== null) rs.push(s.rho);
    }
    const alpha = normalCdf(-Math.sqrt(Q / (Q - 1)) * tQuantile(1 - (1 - confidence) / 2, Q - 1));
    const ci = (xs: number[], pt: number | null): Interval | null => {
      if (pt === null || xs.length < draws / 2) return null;
      const s = Float64Array.from(xs).sort();
      return [quantileSorted(s, alpha), quantileSorted(s, 1 - alpha)];
    };
    kappaCi = ci(ks, point.kappa);
    rhoCi = ci(rs, point.rho);
    if (Q < 10) notes.push(`${Q} questions: the question-paired test and the bootstrap intervals rest on few clusters`);
  } else if (pairs.length && Q < 2) notes.push("one question: no question-paired test and no interval");
  return {
    n: pairs.length,
    questions: Q,
    rate1,
    rate2,
    diff: rate1 !== null && rate2 !== null ? rate1 - rate2 : null,
    diff_ci: pd?.ci ?? null,
    p_question_paired: pd?.p ?? null,
    mcnemar: {only1, only2, p_value: pairs.length ? binomialTwoSided(only1, only1 + only2) : null},
    kappa: point.kappa,
    kappa_ci: kappaCi,
    spearman_aligned: point.rho,
    spearman_ci: rhoCi,
    notes,
  };
}
