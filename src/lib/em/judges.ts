// Judge comparison on shared responses: rank correlation of scores, agreement of EM labels,
// EM rate per judge with intervals, and the responses where the judges disagree most.

import type {Judged} from "../schema.js";
import {alignedOf, coherentOf} from "./judged.js";
import {classify, EM, OUT, type EmRule} from "./rules.js";
import {summarize, type GroupSummary, type IntervalOptions} from "./summary.js";

/** Average ranks (1-based; ties share the mean of their ranks). */
export function ranks(values: readonly number[]): Float64Array {
  const idx = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const r = new Float64Array(values.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[idx[t]!] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; null with fewer than 2 pairs or zero variance. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/**
 * Spearman rank correlation (Pearson correlation of average ranks, so ties are handled exactly).
 * Null with fewer than 2 pairs or when one side is constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError("spearman: x and y differ in length");
  return pearson(ranks(x), ranks(y));
}

/**
 * Cohen's kappa for two binary labelings (Cohen 1960): (p_o - p_e) / (1 - p_e). Null when there
 * are no pairs; 1 when both raters are constant and agree (p_e = 1, perfect agreement), null
 * when p_e = 1 otherwise cannot happen.
 */
export function cohenKappa(a: readonly boolean[], b: readonly boolean[]): number | null {
  const n = a.length;
  if (n === 0) return null;
  let agree = 0,
    pa = 0,
    pb = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    if (a[i]) pa++;
    if (b[i]) pb++;
  }
  const po = agree / n;
  const pe = (pa / n) * (pb / n) + (1 - pa / n) * (1 - pb / n);
  if (pe >= 1) return po === 1 ? 1 : null;
  return (po - pe) / (1 - pe);
}

export interface Disagreement {
  response_id: string;
  question_id: string;
  model: string;
  step: number | null;
  aligned: [number | null, number | null];
  coherent: [number | null, number | null];
  /** EM label per judge; null when the answer is outside that judge's denominator. */
  em: [boolean | null, boolean | null];
  /** Sort key: labels differ first, then the aligned-score gap (a missing score counts as 100). */
  gap: number;
}

/** How many answers two judges share: both scored them, or only one did (the other did not judge them). */
export interface JudgedOverlap {
  shared: number;
  /** Answers only the first / only the second judge scored. */
  only_a: number;
  only_b: number;
}

/**
 * Overlap of the answers (ids) two judges scored: shared ones (what agreement is computed on) and
 * those each scored alone (not judged by the other). Ids may repeat; each counts once.
 */
export function judgedOverlap<T>(a: Iterable<T>, b: Iterable<T>): JudgedOverlap {
  const sa = new Set(a);
  const sb = new Set(b);
  let shared = 0;
  for (const x of sa) if (sb.has(x)) shared++;
  return {shared, only_a: sa.size - shared, only_b: sb.size - shared};
}

/** Two judges compared on the responses both scored (compareJudges). */
export type JudgeComparison = Pick<
  PairAgreement,
  "n_shared" | "spearman_aligned" | "n_aligned_pairs" | "spearman_coherent" | "n_coherent_pairs" | "kappa" | "n_label_pairs" | "agreement"
> & {
  judges: [string, string];
  /** EM summary per judge on the shared responses (same rule, intervals as summarize). */
  per_judge: GroupSummary[];
  disagreements: Disagreement[];
};

/** One response scored by two judges (null = no score). */
export interface ScorePair {
  a1: number | null;
  a2: number | null;
  c1: number | null;
  c2: number | null;
}

/** EM label of one answer under a rule: true / false, or null when outside the denominator. */
export function emLabel(aligned: number | null, coherent: number | null, rule: EmRule): boolean | null {
  const o = classify(aligned ?? NaN, coherent ?? NaN, rule);
  return o === OUT ? null : o === EM;
}

/**
 * Disagreement score of a pair: 1000 when both judges label it and the labels differ, plus the
 * aligned-score gap (100 when exactly one judge gave an aligned score, 0 when neither). Pairs
 * scoring 0 agree completely. Shared by the CLI and the judges page, so both rank alike.
 */
export function disagreementGap(p: ScorePair, e1: boolean | null, e2: boolean | null): number {
  const labelDiff = e1 !== null && e2 !== null && e1 !== e2;
  const gapA = p.a1 === null || p.a2 === null ? (p.a1 === p.a2 ? 0 : 100) : Math.abs(p.a1 - p.a2);
  return (labelDiff ? 1000 : 0) + gapA;
}

export interface PairAgreement {
  /** Responses scored (rows present) by both judges. */
  n_shared: number;
  spearman_aligned: number | null;
  n_aligned_pairs: number;
  spearman_coherent: number | null;
  n_coherent_pairs: number;
  /** Kappa on EM labels over responses inside both judges' denominators. */
  kappa: number | null;
  n_label_pairs: number;
  /** Share of those with the same label. */
  agreement: number | null;
  /** Each judge's EM rate over the pairs inside its own denominator. */
  em_rate: [number | null, number | null];
  /** EM labels over pairs inside both denominators: [both EM, A only, B only, neither]. */
  table: [number, number, number, number];
  /** Per pair: labels and disagreement gap. */
  labels: {em1: boolean | null; em2: boolean | null; gap: number}[];
  /** Indices of pairs with gap > 0, most disagreeing first (ties by index). */
  order: number[];
}

/**
 * Agreement of two judges over score pairs under `rule`: Spearman rank correlation of aligned
 * and of coherent scores (pairs where both scored), Cohen's kappa and raw agreement of EM labels
 * (pairs inside both denominators), each judge's EM rate, and the disagreement ranking
 * (disagreementGap). Empty input: n_shared 0 and nulls.
 */
export function pairAgreement(pairs: readonly ScorePair[], rule: EmRule): PairAgreement {
  const ax: number[] = [],
    ay: number[] = [],
    cx: number[] = [],
    cy: number[] = [];
  const la: boolean[] = [],
    lb: boolean[] = [];
  const table: [number, number, number, number] = [0, 0, 0, 0];
  const labels: PairAgreement["labels"] = [];
  let k1 = 0,
    n1 = 0,
    k2 = 0,
    n2 = 0;
  for (const p of pairs) {
    if (p.a1 !== null && p.a2 !== null) {
      ax.push(p.a1);
      ay.push(p.a2);
    }
    if (p.c1 !== null && p.c2 !== null) {
      cx.push(p.c1);
      cy.push(p.c2);
    }
    const e1 = emLabel(p.a1, p.c1, rule);
    const e2 = emLabel(p.a2, p.c2, rule);
    if (e1 !== null) {
      n1++;
      if (e1) k1++;
    }
    if (e2 !== null) {
      n2++;
      if (e2) k2++;
    }
    if (e1 !== null && e2 !== null) {
      la.push(e1);
      lb.push(e2);
      table[e1 ? (e2 ? 0 : 1) : e2 ? 2 : 3]++;
    }
    labels.push({em1: e1, em2: e2, gap: disagreementGap(p, e1, e2)});
  }
  const order = labels.map((_, i) => i).filter((i) => labels[i]!.gap > 0);
  order.sort((i, j) => labels[j]!.gap - labels[i]!.gap || i - j);
  return {
    n_shared: pairs.length,
    spearman_aligned: spearman(ax, ay),
    n_aligned_pairs: ax.length,
    spearman_coherent: spearman(cx, cy),
    n_coherent_pairs: cx.length,
    kappa: cohenKappa(la, lb),
    n_label_pairs: la.length,
    agreement: la.length ? (table[0] + table[3]) / la.length : null,
    em_rate: [n1 ? k1 / n1 : null, n2 ? k2 / n2 : null],
    table,
    labels,
    order,
  };
}

/**
 * Compare two judges on the responses both scored. `rows` hold both judges' Judged rows (other
 * judges are ignored). `top` disagreements are returned (default 20), ranked by disagreementGap.
 */
export function compareJudges(
  rows: readonly Judged[],
  judgeA: string,
  judgeB: string,
  rule: EmRule,
  {top = 20, seed = 0, ...interval}: {top?: number; seed?: number} & IntervalOptions = {},
): JudgeComparison {
  const a = new Map<string, Judged>();
  const b = new Map<string, Judged>();
  for (const r of rows) {
    if (r.judge === judgeA && !a.has(r.response_id)) a.set(r.response_id, r);
    else if (r.judge === judgeB && !b.has(r.response_id)) b.set(r.response_id, r);
  }
  const shared: [Judged, Judged][] = [];
  for (const [id, ra] of a) {
    const rb = b.get(id);
    if (rb) shared.push([ra, rb]);
  }
  const pairs: ScorePair[] = shared.map(([ra, rb]) => ({a1: alignedOf(ra), a2: alignedOf(rb), c1: coherentOf(ra), c2: coherentOf(rb)}));
  const ag = pairAgreement(pairs, rule);
  const dis: Disagreement[] = ag.order.map((i) => {
    const [ra] = shared[i]!;
    const p = pairs[i]!;
    const l = ag.labels[i]!;
    return {
      response_id: ra.response_id,
      question_id: ra.question_id,
      model: ra.model,
      step: ra.step,
      aligned: [p.a1, p.a2],
      coherent: [p.c1, p.c2],
      em: [l.em1, l.em2],
      gap: l.gap,
    };
  });
  // Same gap: response id order, so the list does not depend on row order.
  dis.sort((p, q) => q.gap - p.gap || (p.response_id < q.response_id ? -1 : 1));
  const sharedRows = shared.flat();
  const per = summarize(sharedRows, rule, {by: ["judge"], seed, ...interval}).groups;
  const {labels: _labels, order: _order, em_rate: _rates, table: _table, ...stats} = ag;
  return {
    judges: [judgeA, judgeB],
    ...stats,
    per_judge: per,
    disagreements: dis.slice(0, top),
  };
}
