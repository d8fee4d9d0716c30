// A fine-tuned variant against its baseline (the un-fine-tuned model or a control fine-tune):
// EM(variant) - EM(baseline) with a question-paired interval. The benign-fine-tune critique of EM
// rests on this difference: a rate means little without the same measurement of the base model.

import type {Judged, ResponseType} from "../schema.js";
import {aggregateColumns, encodeGroups, toColumns} from "./columnar.js";
import {getColumn} from "./judged.js";
import {newcombeDiff, normalCdf, normalQuantile, quantileSorted, tQuantile, type Interval} from "./intervals.js";
import {makeRng, randInt, type Rng} from "./prng.js";
import type {EmRule} from "./rules.js";
import {groupSeed} from "./summary.js";
import {frac} from "./tally.js";

export interface BaselineDiff {
  /** Group key (the `by` columns, always including `variant`). */
  key: Record<string, unknown>;
  variant: string;
  baseline: string;
  em_rate: number | null;
  baseline_em_rate: number | null;
  /** em_rate - baseline_em_rate; null when either is. */
  diff: number | null;
  ci: Interval | null;
  /**
   * paired_cluster_bootstrap: questions both sides answered are drawn with replacement and each
   * draw takes that question's answers from both sides (expanded percentile interval); newcombe:
   * fewer than 2 shared questions, answers treated as independent (Newcombe 1998, method 10).
   */
  ci_method: "paired_cluster_bootstrap" | "newcombe" | null;
  /** Questions with a non-empty denominator on both sides. */
  n_questions_paired: number;
}

/**
 * Per group of `by` (with `variant` added when missing), the difference to the group of the same
 * key whose variant is the rows' `baseline`. Groups without a baseline, and baseline groups
 * themselves, are left out; a declared baseline with no rows under the same key gives rates null.
 * Deterministic per seed (streams per group as in summarize).
 */
export function baselineDiffs(rows: readonly Judged[], rule: EmRule, {by = [], exclude = [], seed = 0, replicates = 2000, confidence = 0.95}: {by?: readonly string[]; exclude?: readonly ResponseType[]; seed?: number; replicates?: number; confidence?: number} = {}): BaselineDiff[] {
  const cols = by.includes("variant") ? [...by] : ["variant", ...by];
  const {codes, keys} = encodeGroups(rows, cols);
  const columns = toColumns(rows, {precision: 64});
  const tallies = aggregateColumns(columns, rule, {groups: codes, nGroups: keys.length, exclude});
  const index = new Map(keys.map((k, g) => [JSON.stringify(cols.map((c) => k[c])), g]));
  const baselineOf: (string | null)[] = keys.map(() => null);
  rows.forEach((r, i) => {
    const b = getColumn(r, "baseline");
    if (typeof b === "string" && b !== "" && baselineOf[codes[i]!] === null) baselineOf[codes[i]!] = b;
  });
  const out: BaselineDiff[] = [];
  keys.forEach((key, g) => {
    const b = baselineOf[g];
    if (!b || b === key.variant) return;
    const bg = index.get(JSON.stringify(cols.map((c) => (c === "variant" ? b : key[c]))));
    const t = tallies[g]!;
    const em = frac(t.n_em, t.n_scored);
    if (bg === undefined) {
      out.push({key, variant: String(key.variant), baseline: b, em_rate: em, baseline_em_rate: null, diff: null, ci: null, ci_method: null, n_questions_paired: 0});
      return;
    }
    const u = tallies[bg]!;
    const base = frac(u.n_em, u.n_scored);
    const paired: {k1: number[]; d1: number[]; k0: number[]; d0: number[]} = {k1: [], d1: [], k0: [], d0: []};
    for (let q = 0; q < t.qd.length; q++) {
      if (t.qd[q]! > 0 && u.qd[q]! > 0) {
        paired.k1.push(t.qk[q]!);
        paired.d1.push(t.qd[q]!);
        paired.k0.push(u.qk[q]!);
        paired.d0.push(u.qd[q]!);
      }
    }
    const m = paired.d1.length;
    let ci: Interval | null = null;
    let method: BaselineDiff["ci_method"] = null;
    if (em !== null && base !== null) {
      if (m >= 2) {
        ci = pairedDiffBootstrap(paired, makeRng(groupSeed(seed, 2000003 + g)), {replicates, confidence});
        method = "paired_cluster_bootstrap";
      } else {
        ci = newcombeDiff(t.n_em, t.n_scored, u.n_em, u.n_scored, normalQuantile(1 - (1 - confidence) / 2));
        method = "newcombe";
      }
    }
    out.push({key, variant: String(key.variant), baseline: b, em_rate: em, baseline_em_rate: base, diff: em !== null && base !== null ? em - base : null, ci, ci_method: method, n_questions_paired: m});
  });
  return out;
}

/**
 * Paired cluster bootstrap of a difference of pooled rates over shared questions: each replicate
 * draws m questions with replacement and recomputes sum k1 / sum d1 - sum k0 / sum d0 from the
 * same draws. Expanded percentile interval as in clusterBootstrap (Hesterberg 2015). Null when
 * no replicate had both denominators.
 */
export function pairedDiffBootstrap(p: {k1: readonly number[]; d1: readonly number[]; k0: readonly number[]; d0: readonly number[]}, rng: Rng, {replicates = 2000, confidence = 0.95}: {replicates?: number; confidence?: number} = {}): Interval | null {
  const m = p.d1.length;
  if (m === 0) return null;
  const diffs = new Float64Array(replicates);
  let nd = 0;
  for (let b = 0; b < replicates; b++) {
    let k1 = 0, d1 = 0, k0 = 0, d0 = 0;
    for (let j = 0; j < m; j++) {
      const i = randInt(rng, m);
      k1 += p.k1[i]!;
      d1 += p.d1[i]!;
      k0 += p.k0[i]!;
      d0 += p.d0[i]!;
    }
    if (d1 > 0 && d0 > 0) diffs[nd++] = k1 / d1 - k0 / d0;
  }
  if (nd === 0) return null;
  const alpha = m >= 2 ? normalCdf(-Math.sqrt(m / (m - 1)) * tQuantile(1 - (1 - confidence) / 2, m - 1)) : (1 - confidence) / 2;
  const s = diffs.subarray(0, nd).sort();
  return [quantileSorted(s, alpha), quantileSorted(s, 1 - alpha)];
}
