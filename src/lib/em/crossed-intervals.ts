// The rate interval over training seeds x questions (crossed random effects, Owen 2007).

import {tQuantile} from "./distributions.js";
import {logitNormalFit} from "./logit-normal.js";
import {ANSWER_LEVEL_WIDTH, wilsonFromVariance, type ClusterCounts, type Interval} from "./wilson.js";

/** Fewer training seeds than this: the seeds x questions interval is flagged approximate (~90% coverage at 2-3 seeds in simulations). */
export const FEW_SEEDS = 4;

export interface CrossedCi {
  /** The estimate the interval is built around (pooled rate, or mean of per-seed rates). */
  estimate: number;
  ci: Interval;
  /** The variance estimate of `estimate` the interval is built from (fraction squared). */
  variance: number;
  /** Satterthwaite degrees of freedom (rounded down). */
  df: number;
  /** Seeds and the questions every seed answered (the balanced part the variance comes from). */
  seeds: number;
  questions: number;
  approximate: string | null;
}

/**
 * Interval for a rate over training seeds x questions (crossed random effects; Owen 2007): each
 * cell (seed s, question q) holds k EM answers of d. The estimate is the pooled rate over all cells
 * (`target: "pooled"`) or the mean of per-seed pooled rates (`"seed_mean"`). Method: each cell's
 * linearized value z_sq = (k_sq - r d_sq) / (mean denominator) + r (r the pooled rate, or the seed's
 * rate for seed_mean; mean over cells = the estimate), a two-way ANOVA of z over the questions
 * every seed answered, Var = (MS_seed + MS_question - MS_error) / (S Q) floored at
 * max(MS_seed, MS_question) / (S Q) (each is an unbiased estimate of a part of it), Satterthwaite
 * degrees of freedom, and a Wilson-shaped interval on the effective sample size (wilsonFromVariance).
 * Skew: with FEW_QUESTIONS_SHAPE or more shared questions that are over-dispersed, the limits take
 * their shape from the logit-normal profile interval of the per-question totals over seeds
 * (logitNormalFit, cutoff t_{Q-1}^2; each side's distance from the pooled rate) scaled to this
 * variance and df (half-widths times sqrt(Var / V_Q) t_df / t_{Q-1}, V_Q the totals' linearized
 * variance), and the interval is the union of the two. A sample that misses the rare high-rate
 * questions has a low rate and a low spread at once, so the Wilson-shaped upper limit fell short:
 * 92.5% coverage with 5 seeds x 24 questions at 7% (logit sd 1; 1000 seeded data sets, 4.9% of
 * them above it), 95-96.5% with the shape (docs/validity.md, rate-differences).
 * With fewer than 2 shared questions the seeds are the clusters (variance of per-seed rates / S,
 * df S - 1) and the result says so. Null with fewer than 2 seeds or an empty denominator.
 */
export function crossedRateCi(
  cells: readonly ClusterCounts[],
  {target = "pooled", confidence = 0.95}: {target?: "pooled" | "seed_mean"; confidence?: number} = {},
): CrossedCi | null {
  const seeds = cells.filter((c) => {
    let s = 0;
    for (let i = 0; i < c.d.length; i++) s += c.d[i]!;
    return s > 0;
  });
  const S = seeds.length;
  if (S < 2) return null;
  const sums = seeds.map((c) => {
    let k = 0;
    let d = 0;
    for (let i = 0; i < c.d.length; i++) {
      k += c.k[i]!;
      d += c.d[i]!;
    }
    return {k, d, r: k / d};
  });
  const K = sums.reduce((a, s) => a + s.k, 0);
  const D = sums.reduce((a, s) => a + s.d, 0);
  const estimate = target === "pooled" ? K / D : sums.reduce((a, s) => a + s.r, 0) / S;
  const nq = Math.min(...seeds.map((c) => c.d.length));
  const shared: number[] = [];
  for (let q = 0; q < nq; q++) if (seeds.every((c) => c.d[q]! > 0)) shared.push(q);
  const Q = shared.length;
  if (Q < 2) {
    const rs = sums.map((s) => s.r);
    const mean = rs.reduce((a, b) => a + b, 0) / S;
    const v = rs.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1) / S;
    return {
      estimate,
      ci: wilsonFromVariance(estimate, v, S - 1, D, confidence),
      variance: v,
      df: S - 1,
      seeds: S,
      questions: Q,
      approximate: "seeds share fewer than 2 questions: seeds are the clusters, question variation enters only through them",
    };
  }
  // Linearized cell values over the balanced part.
  const z: number[][] = seeds.map((c, s) => {
    const r = target === "pooled" ? K / D : sums[s]!.r;
    const dbar = target === "pooled" ? D / (S * Q) : sums[s]!.d / Q;
    return shared.map((q) => (c.k[q]! - r * c.d[q]!) / dbar + r);
  });
  const zs = z.map((row) => row.reduce((a, b) => a + b, 0) / Q);
  const zq = shared.map((_, j) => z.reduce((a, row) => a + row[j]!, 0) / S);
  const zz = zs.reduce((a, b) => a + b, 0) / S;
  const msS = (Q * zs.reduce((a, b) => a + (b - zz) ** 2, 0)) / (S - 1);
  const msQ = (S * zq.reduce((a, b) => a + (b - zz) ** 2, 0)) / (Q - 1);
  let sse = 0;
  for (let s = 0; s < S; s++) for (let j = 0; j < Q; j++) sse += (z[s]![j]! - zs[s]! - zq[j]! + zz) ** 2;
  const msE = sse / ((S - 1) * (Q - 1));
  const n = S * Q;
  let v = (msS + msQ - msE) / n;
  let df: number;
  const floor = Math.max(msS, msQ) / n;
  if (v < floor) {
    v = floor;
    df = msS >= msQ ? S - 1 : Q - 1;
  } else {
    const den = (msS / n) ** 2 / (S - 1) + (msQ / n) ** 2 / (Q - 1) + (msE / n) ** 2 / ((S - 1) * (Q - 1));
    df = den > 0 ? (v * v) / den : n - 1;
  }
  df = Math.max(1, Math.floor(df));
  return {
    estimate,
    ci: skewAware(wilsonFromVariance(estimate, v, df, D, confidence), seeds, shared, estimate, v, df, confidence),
    variance: v,
    df,
    seeds: S,
    questions: Q,
    approximate:
      K === 0
        ? `no EM answers: seed and question variation cannot be estimated (${ANSWER_LEVEL_WIDTH})`
        : S < FEW_SEEDS
          ? `${S} seeds: the seed-to-seed spread rests on ${S - 1} degree${S > 2 ? "s" : ""} of freedom; coverage can fall below 95%`
          : null,
  };
}

/**
 * Fewer shared questions than this: the seeds x questions interval keeps its Wilson shape (the
 * logit-normal profile interval over 8 questions is itself wide, 97-99% coverage with it at 5 seeds).
 */
export const FEW_QUESTIONS_SHAPE = 10;

/** crossedRateCi's interval widened by the logit-normal shape of the per-question totals (see there). */
function skewAware(
  ci: Interval,
  seeds: readonly ClusterCounts[],
  shared: readonly number[],
  estimate: number,
  v: number,
  df: number,
  confidence: number,
): Interval {
  const Q = shared.length;
  if (Q < FEW_QUESTIONS_SHAPE || !(v > 0)) return ci;
  const k = shared.map((q) => seeds.reduce((a, c) => a + c.k[q]!, 0));
  const d = shared.map((q) => seeds.reduce((a, c) => a + c.d[q]!, 0));
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < Q; i++) (sk += k[i]!), (sd += d[i]!);
  if (sk === 0 || sk === sd) return ci;
  const r = sk / sd;
  let ss = 0;
  for (let i = 0; i < Q; i++) ss += (k[i]! - r * d[i]!) ** 2;
  const vq = ((Q / (Q - 1)) * ss) / (sd * sd);
  // Only over-dispersed totals carry a between-question shape (as in clusterWilson).
  if (!(vq > (r * (1 - r)) / sd)) return ci;
  const fit = logitNormalFit({k, d});
  if (!fit || !(fit.sigma > 0)) return ci;
  const [lo, hi] = fit.ci(confidence);
  const p = 1 - (1 - confidence) / 2;
  const scale = (Math.sqrt(v / vq) * tQuantile(p, df)) / tQuantile(p, Q - 1);
  return [Math.min(ci[0], Math.max(0, estimate - (r - Math.min(lo, r)) * scale)), Math.max(ci[1], Math.min(1, estimate + (Math.max(hi, r) - r) * scale))];
}
