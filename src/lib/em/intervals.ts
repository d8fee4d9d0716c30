// Confidence intervals for clustered rates: the questions-estimand interval (clusterWilson), the
// macro rate's interval, a percentile cluster bootstrap, the answers-estimand interval
// (stratifiedWilson) and the clustered difference (clusterDiffCi). The distribution functions,
// Wilson intervals and the seeds x questions interval live in distributions.ts, wilson.ts and
// crossed-intervals.ts and are re-exported here.

import {normalCdf, normalQuantile, quantileSorted, tQuantile} from "./distributions.js";
import {type CrossedCi, crossedRateCi} from "./crossed-intervals.js";
import {logitNormalFit, type LogitNormalFit} from "./logit-normal.js";
import {randInt, type Rng} from "./prng.js";
import {ANSWER_LEVEL_WIDTH, type ClusterCounts, type Interval, wilsonZ} from "./wilson.js";

export * from "./crossed-intervals.js";
export * from "./distributions.js";
export * from "./wilson.js";

export interface BootstrapResult {
  /** Percentile interval of the pooled rate; null when no replicate had a denominator. */
  pooled: Interval | null;
  /** Percentile interval of the macro rate. */
  macro: Interval | null;
  /** Replicates drawn (including those with an empty denominator, which are skipped). */
  replicates: number;
}

/**
 * Cluster (question-level) bootstrap (Davison & Hinkley 1997, sec. 3.8): draw as many questions
 * as there are, with replacement, keep each drawn question's answers together, and recompute the
 * pooled and macro rates; B replicates (default 2000); `rng` seeded by the caller. Answers to one
 * question are not independent draws (a model either has a misaligned take on a question or
 * not), so the answer-level Wilson interval is far too narrow when questions differ.
 *
 * Interval: the expanded percentile interval (Hesterberg 2015, "What teachers should know about
 * the bootstrap", sec. 5.1): percentiles at alpha' = Phi(-sqrt(m/(m-1)) t_{1-alpha/2, m-1}) for
 * m questions, which corrects the plain percentile interval's narrowness with few clusters
 * (plain percentile covers ~87% at m = 8 and ~92% at m = 30 in our simulations; expanded
 * ~93-95%, numbers in docs/metrics.md). `expanded: false` gives the plain percentile interval.
 */
export function clusterBootstrap(
  counts: ClusterCounts,
  rng: Rng,
  {replicates = 2000, confidence = 0.95, expanded = true}: {replicates?: number; confidence?: number; expanded?: boolean} = {},
): BootstrapResult {
  const m = counts.d.length;
  if (m === 0) return {pooled: null, macro: null, replicates: 0};
  const pooled = new Float64Array(replicates);
  const macro = new Float64Array(replicates);
  let np = 0;
  let nm = 0;
  for (let b = 0; b < replicates; b++) {
    let sk = 0;
    let sd = 0;
    let sr = 0;
    let mq = 0;
    for (let j = 0; j < m; j++) {
      const i = randInt(rng, m);
      const di = counts.d[i]!;
      sk += counts.k[i]!;
      sd += di;
      if (di > 0) {
        sr += counts.k[i]! / di;
        mq++;
      }
    }
    if (sd > 0) pooled[np++] = sk / sd;
    if (mq > 0) macro[nm++] = sr / mq;
  }
  const alpha = expanded && m >= 2 ? normalCdf(-Math.sqrt(m / (m - 1)) * tQuantile(1 - (1 - confidence) / 2, m - 1)) : (1 - confidence) / 2;
  const ci = (arr: Float64Array, n: number): Interval | null => {
    if (n === 0) return null;
    const s = arr.subarray(0, n).sort();
    return [quantileSorted(s, alpha), quantileSorted(s, 1 - alpha)];
  };
  return {pooled: ci(pooled, np), macro: ci(macro, nm), replicates};
}

/** The note beside a one-question interval: answers of one question, nothing of the spread between questions. */
export const ONE_QUESTION = `one question: question-to-question variation is not in the interval (${ANSWER_LEVEL_WIDTH})`;
/** Fewer non-empty questions than this: the questions-estimand interval is flagged approximate. */
export const FEW_QUESTIONS = 10;
/**
 * Estimated intra-question correlation (deff - 1) / (mean answers per question - 1) at or above
 * this: questions differ strongly and the interval is flagged approximate (in simulations with
 * logit sd 2 between questions coverage falls to ~89% at 24 questions; docs/validity.md).
 */
export const STRONG_ICC = 0.05;
/**
 * EM answers coming from effectively fewer questions than this (inverse Herfindahl index
 * (sum k)^2 / sum k^2 of the per-question EM counts): the interval rests on the few questions where
 * EM showed up, and with skewed (logit sd 2) rare rates the questions that carry the mean may not
 * have been drawn at all; flagged approximate (docs/validity.md: 0.5%, logit sd 2, 48 questions).
 */
export const FEW_EM_QUESTIONS = 3;
/** A clustered rate's interval with what it rests on. */
export interface ClusterRateCi {
  /** Pooled rate sum(k) / sum(d) over the questions with a non-empty denominator. */
  rate: number;
  ci: Interval;
  /** Questions with a non-empty denominator (the clusters). */
  m: number;
  /** Kish design effect (estimated variance / binomial variance), at least 1; 1 when it cannot be estimated. */
  design_effect: number;
  /** Degrees of freedom of the t quantile (m - 1; answers - 1 for one question). */
  df: number;
  /** Why the interval is approximate (shown beside it), or null. */
  approximate: string | null;
}

/**
 * The questions-estimand interval for a rate pooled over clustered answers (the name is kept from
 * its first method). Point: the ratio estimator R = sum k / sum d over the m questions with a
 * non-empty denominator (questions with answers but no denominator are not clusters). Its
 * linearization (CR1) variance V = m/(m-1) sum (k_i - R d_i)^2 / (sum d)^2 and the Kish design effect
 * deff = max(1, V / (R(1-R)/sum d)) are reported. Interval: when the questions are over-dispersed
 * (V above the binomial variance) and a logit-normal random-intercept model fits a between-question
 * spread sigma > 0, the profile-likelihood interval of that model's population mean E[p]
 * (logitNormalFit: adaptive Gauss-Hermite marginal likelihood, cutoff t_{m-1}^2), widened to contain
 * R if needed; it models the tail of rare high-rate questions that a sample often misses, where
 * sample-spread intervals under-covered (84-92% at rate 2-7%, logit sd 1-2, 24-48 questions). Else
 * the design-effect Wilson interval: Wilson on the effective sample size sum d / deff with Student's
 * t_{m-1} in place of z (Korn & Graubard 1998). Both keep width at k = 0 and are skewed the way rare
 * rates are. Units: fractions 0..1. Null when no question has a denominator. With one question, or
 * no (or only) EM answers, question variation cannot be estimated: deff = 1 (answer-level Wilson) and
 * `approximate` says so; fewer than FEW_QUESTIONS questions, EM from effectively fewer than
 * FEW_EM_QUESTIONS questions, or an intra-question correlation of STRONG_ICC or more are also
 * flagged (coverage per regime in docs/validity.md, sections rates and rate-differences).
 */
export function clusterWilson(counts: ClusterCounts, confidence = 0.95): ClusterRateCi | null {
  const k: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < counts.d.length; i++) {
    if (counts.d[i]! > 0) {
      k.push(counts.k[i]!);
      d.push(counts.d[i]!);
    }
  }
  const m = d.length;
  if (m === 0) return null;
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < m; i++) {
    sk += k[i]!;
    sd += d[i]!;
  }
  const r = sk / sd;
  const p = 1 - (1 - confidence) / 2;
  if (m === 1) {
    const df = Math.max(1, sd - 1);
    return {
      rate: r,
      ci: wilsonZ(sk, sd, tQuantile(p, df)),
      m,
      design_effect: 1,
      df,
      approximate: ONE_QUESTION,
    };
  }
  let deff = 1;
  let overdispersed = false;
  let approximate: string | null = null;
  if (sk > 0 && sk < sd) {
    let s = 0;
    for (let i = 0; i < m; i++) s += (k[i]! - r * d[i]!) ** 2;
    const v = ((m / (m - 1)) * s) / (sd * sd);
    overdispersed = v > (r * (1 - r)) / sd;
    deff = Math.max(1, v / ((r * (1 - r)) / sd));
  } else approximate = `${sk === 0 ? "no" : "only"} EM answers: question-to-question variation cannot be estimated (${ANSWER_LEVEL_WIDTH})`;
  // 2-3 questions: t on 1-2 df makes the interval very wide; it over-covered (99.7-100% at rates 7-20%,
  // docs/validity.md, regimes), so the note says that, not "below 95%".
  if (approximate === null && m <= 3)
    approximate = `${m} questions: Student's t on ${m - 1} degree${m === 2 ? "" : "s"} of freedom makes this interval very wide (it covered 99.7-100% in simulations with 2-3 questions); it can still miss when questions differ strongly`;
  if (approximate === null && m < FEW_QUESTIONS) approximate = `${m} questions: coverage can fall below 95% when questions differ strongly`;
  const meff = approximate === null ? effectiveEmQuestions(k) : Infinity;
  if (meff < FEW_EM_QUESTIONS)
    approximate = `EM answers come from effectively ${meff.toFixed(1)} question${meff < 1.05 ? "" : "s"}: with rare, skewed rates the interval can miss`;
  const icc = sd / m > 1 ? (deff - 1) / (sd / m - 1) : 0;
  if (approximate === null && icc >= STRONG_ICC)
    approximate = `questions differ strongly (intra-question correlation ${icc.toFixed(2)}): with skewed rates coverage can fall below 95%`;
  const fit = overdispersed ? fitOf(counts) : null;
  if (fit && fit.sigma > 0) {
    const [lo, hi] = fit.ci(confidence);
    return {rate: r, ci: [Math.min(lo, r), Math.max(hi, r)], m, design_effect: deff, df: m - 1, approximate};
  }
  const ne = sd / deff;
  return {rate: r, ci: wilsonZ(r * ne, ne, tQuantile(p, m - 1)), m, design_effect: deff, df: m - 1, approximate};
}

/**
 * One logit-normal fit per data set: by counts object (WeakMap), then by content (the fit depends
 * only on the multiset of (k, d) pairs with d > 0; the last FIT_MEMO_SIZE distinct ones), so the same
 * tallies reached through other objects (p-values inverting the interval at many confidences, a
 * page recomputing a table, the same group in two views) are never fitted twice.
 */
const FITS = new WeakMap<ClusterCounts, LogitNormalFit | null>();
const FIT_MEMO_SIZE = 512;
const FITS_BY_CONTENT = new Map<string, LogitNormalFit | null>();
function fitOf(counts: ClusterCounts): LogitNormalFit | null {
  const byObject = FITS.get(counts);
  if (byObject !== undefined || FITS.has(counts)) return byObject ?? null;
  const pairs: string[] = [];
  for (let i = 0; i < counts.d.length; i++) if (counts.d[i]! > 0) pairs.push(`${counts.k[i]}/${counts.d[i]}`);
  const key = pairs.sort().join(",");
  let fit = FITS_BY_CONTENT.get(key);
  if (fit === undefined && !FITS_BY_CONTENT.has(key)) {
    fit = logitNormalFit(counts);
    if (FITS_BY_CONTENT.size >= FIT_MEMO_SIZE) FITS_BY_CONTENT.delete(FITS_BY_CONTENT.keys().next().value!);
  } else FITS_BY_CONTENT.delete(key);
  FITS_BY_CONTENT.set(key, fit ?? null);
  FITS.set(counts, fit ?? null);
  return fit ?? null;
}

/** Inverse Herfindahl index (sum k)^2 / sum k^2 of per-question EM counts: how many questions the EM answers effectively come from (0 with none). */
export function effectiveEmQuestions(k: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < k.length; i++) {
    s += k[i]!;
    s2 += k[i]! ** 2;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/** The macro rate's interval with what it rests on (fractions 0..1). */
export interface MacroRateCi {
  /** Mean over questions with a non-empty denominator of each question's rate. */
  rate: number;
  ci: Interval;
  m: number;
  df: number;
  approximate: string | null;
}

/**
 * Interval for the macro rate (the unweighted mean of per-question rates, macroRate) over a
 * population of questions. Both the macro and the pooled rate estimate the population mean E[p]
 * (the pooled one weights questions by their answers, equal by design), so the interval is
 * clusterWilson's on the same counts (the logit-normal profile interval when questions are
 * over-dispersed, else the design-effect Wilson), widened to contain the macro point when needed.
 * It replaced t on the spread of per-question rates, which under-covered with skewed rates
 * (90-92% at logit sd 1-2, 24-48 questions; docs/validity.md). The note is clusterWilson's. With one
 * question: Wilson on its answers. Null when no question has a denominator.
 */
export function macroRateCi(counts: ClusterCounts, confidence = 0.95): MacroRateCi | null {
  const pooled = clusterWilson(counts, confidence);
  if (!pooled) return null;
  const r: number[] = [];
  for (let i = 0; i < counts.d.length; i++) if (counts.d[i]! > 0) r.push(counts.k[i]! / counts.d[i]!);
  const m = r.length;
  if (m === 1) return {rate: r[0]!, ci: pooled.ci, m, df: pooled.df, approximate: pooled.approximate};
  const mean = r.reduce((a, b) => a + b, 0) / m;
  // Both rates estimate the population mean E[p]: the pooled rate's interval, widened to contain this point.
  return {rate: mean, ci: [Math.min(pooled.ci[0], mean), Math.max(pooled.ci[1], mean)], m, df: m - 1, approximate: pooled.approximate};
}

/** A side's design effect at or above this (without a note of its own) flags the difference's interval (clusterDiffCi). */
export const DIFF_DEFF = 2;
/** Fewer EM answers than this on both sides: the difference's interval is flagged conservative (clusterDiffCi). */
export const FEW_EM_DIFF = 20;

/**
 * Interval for a difference of two clustered rates p1 - p0 by MOVER (Zou & Donner 2008; Newcombe's
 * hybrid score method with a correlation term): each side's clusterWilson limits (l, u) combine as
 * d - sqrt((p1-l1)^2 + (u0-p0)^2 - 2 r (p1-l1)(u0-p0)) and d + sqrt((u1-p1)^2 + (p0-l0)^2 - 2 r (u1-p1)(p0-l0)),
 * where r is the correlation of the two estimates from their linearized per-question residuals (the
 * covariance sums over the questions both sides answered; 0 with fewer than 2). Point and interval come from all questions of each
 * side; the interval always contains the point, and at zero EM on both sides it keeps the Wilson widths.
 * Per-question arrays share one question coding (index q = the same question). `seeds`: a side's
 * per-seed per-question counts (same coding); with 2+ seeds that side's limits and variance are the
 * seeds x questions interval's (crossedRateCi, pooled), and r is the question covariance over each
 * side's total variance, so seed-to-seed spread widens the interval instead of being pooled away
 * (type-I error measured in docs/validity.md, plan section). Null when either side has no denominator.
 */
export function clusterDiffCi(
  a: ClusterCounts,
  b: ClusterCounts,
  confidence = 0.95,
  seeds: {a?: readonly ClusterCounts[]; b?: readonly ClusterCounts[]} = {},
): {diff: number; ci: Interval; correlation: number; n_questions_paired: number; approximate: string | null} | null {
  // A side with 2+ training seeds takes the seeds x questions interval; only the others need
  // clusterWilson (and its logit-normal fit).
  const crossed = (cells?: readonly ClusterCounts[]) => (cells && cells.length >= 2 ? crossedRateCi(cells, {target: "pooled", confidence}) : null);
  const xa = crossed(seeds.a);
  const xb = crossed(seeds.b);
  const pooled = (c: ClusterCounts, x: CrossedCi | null): {rate: number; ci: Interval; approximate: string | null; design_effect: number} | null => {
    let sk = 0;
    let sd = 0;
    for (let i = 0; i < c.d.length; i++) {
      if (c.d[i]! > 0) {
        sk += c.k[i]!;
        sd += c.d[i]!;
      }
    }
    if (!(sd > 0)) return null;
    return x ? {rate: sk / sd, ci: x.ci, approximate: x.approximate, design_effect: 1} : clusterWilson(c, confidence);
  };
  const ca = pooled(a, xa);
  const cb = pooled(b, xb);
  if (!ca || !cb) return null;
  const resid = (c: ClusterCounts, r: number) => {
    let D = 0;
    for (let i = 0; i < c.d.length; i++) D += c.d[i]!;
    return (i: number) => (c.k[i]! - r * c.d[i]!) / D;
  };
  const ua = resid(a, ca.rate);
  const ub = resid(b, cb.rate);
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  let paired = 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.d.length; i++) if (a.d[i]! > 0) (saa += ua(i) ** 2), ma++;
  for (let i = 0; i < b.d.length; i++) if (b.d[i]! > 0) (sbb += ub(i) ** 2), mb++;
  for (let i = 0; i < Math.min(a.d.length, b.d.length); i++) {
    if (a.d[i]! > 0 && b.d[i]! > 0) {
      paired++;
      sab += ua(i) * ub(i);
    }
  }
  // A side with 2+ training seeds: its limits and variance from the seeds x questions interval
  // (crossedRateCi, pooled), so seed-to-seed spread is in the difference's interval.
  const side = (c: {rate: number; ci: Interval; approximate: string | null}, s: number, mq: number, x: CrossedCi | null) =>
    x
      ? {rate: x.estimate, ci: x.ci, variance: x.variance, approximate: x.approximate}
      : {rate: c.rate, ci: c.ci, variance: mq >= 2 ? (mq / (mq - 1)) * s : s, approximate: c.approximate};
  const sa = side(ca, saa, ma, xa);
  const sb = side(cb, sbb, mb, xb);
  // Correlation of the two estimates: the covariance over shared questions over each side's total variance.
  const cov = paired >= 2 ? (paired / (paired - 1)) * sab : 0;
  const rho = paired >= 2 && sa.variance > 0 && sb.variance > 0 ? Math.max(-1, Math.min(1, cov / Math.sqrt(sa.variance * sb.variance))) : 0;
  const d = sa.rate - sb.rate;
  const [l1, u1] = sa.ci;
  const [l0, u0] = sb.ci;
  const lo = d - Math.sqrt(Math.max(0, (sa.rate - l1) ** 2 + (u0 - sb.rate) ** 2 - 2 * rho * (sa.rate - l1) * (u0 - sb.rate)));
  const hi = d + Math.sqrt(Math.max(0, (u1 - sa.rate) ** 2 + (sb.rate - l0) ** 2 - 2 * rho * (u1 - sa.rate) * (sb.rate - l0)));
  const notes = [sa.approximate && `variant: ${sa.approximate}`, sb.approximate && `baseline: ${sb.approximate}`].filter(Boolean);
  // A side whose answers cluster by question (design effect DIFF_DEFF or more: clustering at least
  // doubles its variance) but whose own note stayed silent (intra-question correlation under
  // STRONG_ICC with many answers per question) may be the sample that missed the rare high-rate
  // questions: its low rate pulls the whole interval below the truth, whatever the correlation term
  // (5% vs 0.5%, shared logit sd 2, 48 questions: 89-90% coverage; the data sets left without a note
  // at a threshold of 3 had design effects 2.3-5 and covered ~50%; docs/validity.md, rate-differences).
  for (const [name, c] of [
    ["variant", ca],
    ["baseline", cb],
  ] as const)
    if (!c.approximate && c.design_effect >= DIFF_DEFF)
      notes.push(
        `${name}: answers cluster by question (design effect ${c.design_effect.toFixed(1)}): with rare, skewed rates the difference's interval can miss`,
      );
  // Few EM answers on both sides: each side's Wilson limits are skewed (short below, long above) and
  // MOVER pairs one side's long limit with the other's short one in both directions, so the
  // interval is conservative (0.5% vs 0.5%, 24 questions x 50: ~5 EM answers a side, 97-98% coverage,
  // 99% in the data sets without another note; docs/validity.md, rate-differences). 20, not 15: at
  // 15, 3 of 1000 such data sets (one side with 15-19) went without a note, and all of them covered.
  const em = (c: ClusterCounts) => {
    let s = 0;
    for (let i = 0; i < c.d.length; i++) if (c.d[i]! > 0) s += c.k[i]!;
    return s;
  };
  const ka = em(a);
  const kb = em(b);
  if (ka < FEW_EM_DIFF && kb < FEW_EM_DIFF)
    notes.push(`${ka} and ${kb} EM answers: with fewer than ${FEW_EM_DIFF} on each side the interval is conservative (covers more than 95%)`);
  return {diff: d, ci: [Math.max(-1, lo), Math.min(1, hi)], correlation: rho, n_questions_paired: paired, approximate: notes.length ? notes.join("; ") : null};
}

/**
 * Interval for the rate on these fixed questions (the answers estimand): the pooled rate R = sum k /
 * sum d with the questions as strata and the answers resampled. Variance: the stratified variance
 * of the ratio estimator (Cochran 1977, secs. 5.2 and 6.11), sum_i n_i s_i^2 / (sum d)^2, where s_i^2
 * is the sample variance (divisor n_i - 1) over question i's n_i answers of e - R c (e: EM, c: in
 * the denominator). With `counts.n` (all answers per question) the number of answers that reach
 * the denominator is random too, which adds about (1 - d_i/n_i) d_i (p_i - R)^2 per question (it
 * matters when question rates differ strongly: in 4000 seeded data sets at logit sd 2, 48 questions,
 * 94.0-94.3% coverage without it, 94.9-95.0% with it); without `n` the denominators are taken as fixed (n_i = d_i, the
 * d_i^2 p_i (1 - p_i)/(d_i - 1) of stratified sampling). Design effect against the binomial
 * variance R(1-R)/sum d, clamped to [0.5, 1] (a fixed question mix can only make the pooled rate
 * less variable than binomial; the floor keeps rare counts from claiming too much), Wilson on the
 * effective sample size with z. Fractions 0..1. One question or no (or only) EM answers: plain
 * Wilson. Null when no question has a denominator.
 */
export function stratifiedWilson(counts: ClusterCounts, confidence = 0.95): Interval | null {
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < counts.d.length; i++) {
    sk += counts.k[i]!;
    sd += counts.d[i]!;
  }
  if (!(sd > 0)) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const r = sk / sd;
  if (sk === 0 || sk === sd) return wilsonZ(sk, sd, z);
  let v = 0;
  let m = 0;
  for (let i = 0; i < counts.d.length; i++) {
    const d = counts.d[i]!;
    const k = counts.k[i]!;
    const n = Math.max(d, counts.n?.[i] ?? d);
    if (d > 0) m++;
    if (n > 1) {
      // Sum of squares about the mean of e - R c over the question's n answers.
      const sum = k - r * d;
      const sum2 = k * (1 - r) ** 2 + (d - k) * r * r;
      v += (n * (sum2 - (sum * sum) / n)) / (n - 1);
    }
  }
  if (m < 2) return wilsonZ(sk, sd, z);
  const deff = Math.max(0.5, Math.min(1, v / (sd * sd) / ((r * (1 - r)) / sd)));
  const ne = sd / deff;
  return wilsonZ(r * ne, ne, z);
}
