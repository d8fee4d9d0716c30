// Judge comparison on shared responses: rank correlation of scores, agreement of EM labels,
// EM rate per judge with intervals, and the responses where the judges disagree most.

import type {Judged} from "../schema.js";
import {alignedOf, coherentOf} from "./judged.js";
import {classify, EM, OUT, type EmRule} from "./rules.js";
import {summarize, type GroupSummary, type IntervalOptions} from "./summary.js";

/** Average ranks (1-based; ties share the mean of their ranks). */
export function ranks(values: readonly number[]): Float64Array {
  const idx = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Float64Array(values.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[idx[t]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; null with fewer than 2 pairs or zero variance. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
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
  let agree = 0, pa = 0, pb = 0;
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

export interface JudgeComparison {
  judges: [string, string];
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
  /** EM summary per judge on the shared responses (same rule, intervals as summarize). */
  per_judge: GroupSummary[];
  disagreements: Disagreement[];
}

/**
 * Compare two judges on the responses both scored. `rows` hold both judges' Judged rows (other
 * judges are ignored). `top` disagreements are returned (default 20).
 */
export function compareJudges(rows: readonly Judged[], judgeA: string, judgeB: string, rule: EmRule, {top = 20, seed = 0, ...interval}: {top?: number; seed?: number} & IntervalOptions = {}): JudgeComparison {
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
  const ax: number[] = [], ay: number[] = [], cx: number[] = [], cy: number[] = [];
  const la: boolean[] = [], lb: boolean[] = [];
  const dis: Disagreement[] = [];
  for (const [ra, rb] of shared) {
    const a1 = alignedOf(ra), a2 = alignedOf(rb), c1 = coherentOf(ra), c2 = coherentOf(rb);
    if (a1 !== null && a2 !== null) {
      ax.push(a1);
      ay.push(a2);
    }
    if (c1 !== null && c2 !== null) {
      cx.push(c1);
      cy.push(c2);
    }
    const o1 = classify(a1 ?? NaN, c1 ?? NaN, rule);
    const o2 = classify(a2 ?? NaN, c2 ?? NaN, rule);
    const e1 = o1 === OUT ? null : o1 === EM;
    const e2 = o2 === OUT ? null : o2 === EM;
    if (e1 !== null && e2 !== null) {
      la.push(e1);
      lb.push(e2);
    }
    const labelDiff = e1 !== null && e2 !== null && e1 !== e2;
    const gapA = a1 === null || a2 === null ? (a1 === a2 ? 0 : 100) : Math.abs(a1 - a2);
    dis.push({response_id: ra.response_id, question_id: ra.question_id, model: ra.model, step: ra.step, aligned: [a1, a2], coherent: [c1, c2], em: [e1, e2], gap: (labelDiff ? 1000 : 0) + gapA});
  }
  dis.sort((p, q) => q.gap - p.gap || (p.response_id < q.response_id ? -1 : 1));
  const sharedRows = shared.flatMap(([ra, rb]) => [ra, rb]);
  const per = summarize(sharedRows, rule, {by: ["judge"], seed, ...interval}).groups;
  let agree = 0;
  for (let i = 0; i < la.length; i++) if (la[i] === lb[i]) agree++;
  return {
    judges: [judgeA, judgeB],
    n_shared: shared.length,
    spearman_aligned: spearman(ax, ay),
    n_aligned_pairs: ax.length,
    spearman_coherent: spearman(cx, cy),
    n_coherent_pairs: cx.length,
    kappa: cohenKappa(la, lb),
    n_label_pairs: la.length,
    agreement: la.length ? agree / la.length : null,
    per_judge: per,
    disagreements: dis.filter((d) => d.gap > 0).slice(0, top),
  };
}
