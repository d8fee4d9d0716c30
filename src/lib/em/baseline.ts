// A fine-tuned variant against its baseline (the un-fine-tuned model or a control fine-tune):
// EM(variant) - EM(baseline) with a question-paired interval. The benign-fine-tune critique of EM
// rests on this difference: a rate means little without the same measurement of the base model.

import type {Judged, ResponseType} from "../schema.js";
import {aggregateColumns, encodeGroups, toColumns, typeCode} from "./columnar.js";
import {getColumn} from "./judged.js";
import {type ClusterCounts, clusterDiffCi, newcombeDiff, normalCdf, normalQuantile, quantileSorted, tQuantile, type Interval} from "./intervals.js";
import {benjaminiHochberg, holm, invertInterval} from "./multiplicity.js";
import {makeRng, randInt, type Rng} from "./prng.js";
import type {EmRule} from "./rules.js";
import {groupSeed} from "./summary.js";
import {frac} from "./tally.js";

export type DiffMethod = "cluster_mover" | "paired_cluster_bootstrap" | "newcombe";

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
   * cluster_mover: each side's design-effect Wilson interval over its questions, combined by MOVER
   * with the correlation of the two sides over the questions both answered (clusterDiffCi; point
   * and interval from the same answers); newcombe: no per-question counts, answers treated as
   * independent (Newcombe 1998, method 10). paired_cluster_bootstrap: older outputs.
   */
  ci_method: DiffMethod | null;
  /** Questions with a non-empty denominator on both sides. */
  n_questions_paired: number;
  /** Why the interval is approximate (few questions, no EM on a side...), or null. */
  ci_approximate: string | null;
  /** Two-sided p-value of "no difference", by inverting the interval (the smallest alpha whose interval excludes 0); null without an interval. */
  p_value: number | null;
  /** Holm (family-wise error) and Benjamini-Hochberg (false discovery rate) adjusted p-values over every difference of this call (multiplicity.ts). */
  p_holm: number | null;
  p_bh: number | null;
  /**
   * Strict EM of both sides (emergent answers among the questions outside the training domain),
   * each under its OWN training domain (a plain base model: none, so its strict EM is its broad EM
   * less refusals and artifacts), as the summary's groups give them. Null when a side's strict EM is
   * not a point (undetermined or untyped EM answers) or its denominator is empty.
   */
  strict_em_rate: number | null;
  baseline_strict_em_rate: number | null;
  /**
   * Strict EM of the variant minus the baseline's answers typed against the VARIANT's training
   * domain (`compared_type` / `compared_in_domain`, the pipeline's second signals typing of a
   * baseline), so both sides use one classifier and one question set; the same interval method.
   * This is not `strict_em_rate - baseline_strict_em_rate` when the domains differ. Null when a
   * side is not a point (e.g. the base answers have no score of the variant's topic metric, or a
   * type judge typed them, which types a baseline under its own domain only).
   */
  strict_diff: number | null;
  strict_ci: Interval | null;
  /** The baseline's strict EM as typed against the variant's domain (the subtrahend of `strict_diff`); null when not a point. */
  baseline_strict_em_rate_vs_variant: number | null;
}

/**
 * Per group of `by` (with `variant` added when missing), the difference to the group of the same
 * key whose variant is the rows' `baseline`. Groups without a baseline, and baseline groups
 * themselves, are left out; a declared baseline with no rows under the same key gives rates null.
 * Deterministic per seed (streams per group as in summarize).
 */
export function baselineDiffs(
  rows: readonly Judged[],
  rule: EmRule,
  {
    by = [],
    exclude = [],
    seed = 0,
    replicates = 2000,
    confidence = 0.95,
  }: {by?: readonly string[]; exclude?: readonly ResponseType[]; seed?: number; replicates?: number; confidence?: number} = {},
): BaselineDiff[] {
  const cols = by.includes("variant") ? [...by] : ["variant", ...by];
  const {codes, keys} = encodeGroups(rows, cols);
  const columns = toColumns(rows, {precision: 64});
  const tallies = aggregateColumns(columns, rule, {groups: codes, nGroups: keys.length, exclude});
  const index = new Map(keys.map((k, g) => [JSON.stringify(cols.map((c) => k[c])), g]));
  const baselineOf: (string | null)[] = keys.map(() => null);
  // Training seeds per group (replicate ids).
  const seedsOf: Set<string>[] = keys.map(() => new Set());
  rows.forEach((r, i) => {
    const b = getColumn(r, "baseline");
    if (typeof b === "string" && b !== "" && baselineOf[codes[i]!] === null) baselineOf[codes[i]!] = b;
    const s = getColumn(r, "replicate");
    if (s !== null && s !== undefined && s !== "") seedsOf[codes[i]!]!.add(String(s));
  });
  // Per (group, training seed) per-question counts: a side with 2+ seeds gets a seed-aware interval.
  const seedCells: ClusterCounts[][] = keys.map(() => []);
  if (
    rows.some((r) => {
      const s = getColumn(r, "replicate");
      return s !== null && s !== undefined && s !== "";
    })
  ) {
    const sub = encodeGroups(rows, [...cols, "replicate"]);
    const subT = aggregateColumns(columns, rule, {groups: sub.codes, nGroups: sub.keys.length, exclude});
    sub.keys.forEach((k, j) => {
      const g = index.get(JSON.stringify(cols.map((c) => k[c])));
      if (g !== undefined) seedCells[g]!.push({k: subT[j]!.qk, d: subT[j]!.qd});
    });
  }
  const seedsFor = (g: number) => (seedsOf[g]!.size >= 2 ? seedCells[g] : undefined);
  // The baselines' answers typed against their compared variants' domain (strict difference only):
  // the same columns with those rows' type and in-domain flag swapped; computed once, when needed.
  let compared: typeof tallies | null = null;
  const comparedTallies = (): typeof tallies => {
    if (compared) return compared;
    const type = Int8Array.from(columns.type ?? new Int8Array(columns.length));
    const inDomain = columns.inDomain ? Uint8Array.from(columns.inDomain) : new Uint8Array(columns.length);
    let any = false;
    rows.forEach((r, i) => {
      const ct = r.compared_type;
      if (ct === undefined) return;
      any = true;
      type[i] = typeCode(ct as ResponseType | null);
      inDomain[i] = r.compared_in_domain === true ? 1 : 0;
    });
    compared = any ? aggregateColumns({...columns, type, inDomain}, rule, {groups: codes, nGroups: keys.length, exclude}) : tallies;
    return compared;
  };
  const out: BaselineDiff[] = [];
  keys.forEach((key, g) => {
    const b = baselineOf[g];
    if (!b || b === key.variant) return;
    const bg = index.get(JSON.stringify(cols.map((c) => (c === "variant" ? b : key[c]))));
    const t = tallies[g]!;
    const em = frac(t.n_em, t.n_scored);
    if (bg === undefined) {
      out.push({
        key,
        variant: String(key.variant),
        baseline: b,
        em_rate: em,
        baseline_em_rate: null,
        diff: null,
        ci: null,
        ci_method: null,
        n_questions_paired: 0,
        ci_approximate: null,
        p_value: null,
        p_holm: null,
        p_bh: null,
        strict_em_rate: strictPoint(t),
        baseline_strict_em_rate: null,
        strict_diff: null,
        strict_ci: null,
        baseline_strict_em_rate_vs_variant: null,
      });
      return;
    }
    const u = tallies[bg]!;
    const uc = comparedTallies()[bg]!;
    const d = pairedTallyDiff({...t, seeds: seedsFor(g)}, {...u, seeds: seedsFor(bg)}, makeRng(groupSeed(seed, 2000003 + g)), {replicates, confidence});
    const strictSide = (x: typeof t): SideCounts => ({n_em: x.n_strict, n_scored: x.n_scored_strict, qk: x.qks, qd: x.qds});
    const sd = strictPoint(t) !== null && strictPoint(uc) !== null ? pairedTallyDiff(strictSide(t), strictSide(uc), makeRng(0), {confidence}) : null;
    out.push({
      key,
      variant: String(key.variant),
      baseline: b,
      em_rate: em,
      baseline_em_rate: frac(u.n_em, u.n_scored),
      diff: d?.diff ?? null,
      ci: d?.ci ?? null,
      ci_method: d?.method ?? null,
      n_questions_paired: d?.n_questions_paired ?? 0,
      ci_approximate: d?.approximate ?? null,
      p_value: d?.p_value ?? null,
      p_holm: null,
      p_bh: null,
      strict_em_rate: strictPoint(t),
      baseline_strict_em_rate: strictPoint(u),
      strict_diff: sd?.diff ?? null,
      strict_ci: sd?.ci ?? null,
      baseline_strict_em_rate_vs_variant: strictPoint(uc),
    });
  });
  const ph = holm(out.map((d) => d.p_value));
  const pb = benjaminiHochberg(out.map((d) => d.p_value));
  out.forEach((d, i) => {
    d.p_holm = ph[i]!;
    d.p_bh = pb[i]!;
  });
  return out;
}

/** Strict EM of a tally as a point: null when its denominator is empty or an EM answer outside the domain has no determined type. */
function strictPoint(t: {n_strict: number; n_scored_strict: number; n_strict_unknown: number; n_typed: number}): number | null {
  return t.n_typed > 0 && t.n_strict_unknown === 0 ? frac(t.n_strict, t.n_scored_strict) : null;
}

/** Counts of one side of a comparison: pooled EM and denominator, optionally per question code. */
export interface SideCounts {
  n_em: number;
  n_scored: number;
  /** Per question code (same coding on both sides): EM answers and denominator. */
  qk?: ArrayLike<number>;
  qd?: ArrayLike<number>;
  /** Per training seed, per question code: EM answers and denominator (2+ seeds make the interval seed-aware). */
  seeds?: readonly ClusterCounts[];
}

/**
 * EM(a) - EM(b) from two groups' counts. With per-question counts on both sides: clusterDiffCi
 * (each side's design-effect Wilson interval over all its questions, MOVER with the correlation
 * over the questions both answered), so point and interval come from the same answers and the
 * interval contains the point, with width even at zero EM on both sides. Without them: Newcombe's
 * interval for independent proportions. `p_value`: the interval inverted (invertInterval); `withP:
 * false` skips it (simulations that only need the interval). Null when either denominator is empty. The one
 * implementation behind `em summarize --baseline` and the overview's baseline marks. `rng` and
 * `replicates` are kept for callers and unused by the default method.
 */
export function pairedTallyDiff(
  a: SideCounts,
  b: SideCounts,
  _rng: Rng,
  {confidence = 0.95, withP = true}: {replicates?: number; confidence?: number; withP?: boolean} = {},
): {diff: number; ci: Interval | null; method: DiffMethod; n_questions_paired: number; approximate: string | null; p_value: number | null} | null {
  if (!(a.n_scored > 0 && b.n_scored > 0)) return null;
  const diff = a.n_em / a.n_scored - b.n_em / b.n_scored;
  if (a.qd && b.qd && a.qk && b.qk) {
    const qa = {k: a.qk, d: a.qd};
    const qb = {k: b.qk, d: b.qd};
    const seeds = {a: a.seeds, b: b.seeds};
    const c = clusterDiffCi(qa, qb, confidence, seeds);
    if (c)
      return {
        diff: c.diff,
        ci: c.ci,
        method: "cluster_mover",
        n_questions_paired: c.n_questions_paired,
        approximate: c.approximate,
        p_value: withP ? invertInterval((x) => clusterDiffCi(qa, qb, x, seeds)?.ci ?? null) : null,
      };
  }
  return {
    diff,
    ci: newcombeDiff(a.n_em, a.n_scored, b.n_em, b.n_scored, normalQuantile(1 - (1 - confidence) / 2)),
    method: "newcombe",
    n_questions_paired: 0,
    approximate: "no per-question counts: answers treated as independent",
    p_value: withP ? invertInterval((x) => newcombeDiff(a.n_em, a.n_scored, b.n_em, b.n_scored, normalQuantile(1 - (1 - x) / 2))) : null,
  };
}

/**
 * Paired cluster bootstrap of a difference of pooled rates over shared questions: each replicate
 * draws m questions with replacement and recomputes sum k1 / sum d1 - sum k0 / sum d0 from the
 * same draws. Expanded percentile interval as in clusterBootstrap (Hesterberg 2015). Null when
 * no replicate had both denominators.
 */
export function pairedDiffBootstrap(
  p: {k1: readonly number[]; d1: readonly number[]; k0: readonly number[]; d0: readonly number[]},
  rng: Rng,
  {replicates = 2000, confidence = 0.95}: {replicates?: number; confidence?: number} = {},
): Interval | null {
  const m = p.d1.length;
  if (m === 0) return null;
  const diffs = new Float64Array(replicates);
  let nd = 0;
  for (let b = 0; b < replicates; b++) {
    let k1 = 0,
      d1 = 0,
      k0 = 0,
      d0 = 0;
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
