// Per-frame aggregation for the pages: EM counts per group over the decoded points, using the
// analysis library's rule (`classify`) and intervals, so the browser counts exactly as
// `em summarize` does. One pass over typed arrays per call.
import {classify, makeRule, EM, OUT, type EmRule} from "../lib/em/rules.js";
import {wilson, clusterBootstrap, macroRate, type Interval} from "../lib/em/intervals.js";
import {makeRng} from "../lib/em/prng.js";
import type {ViewState} from "./state.js";
import type {Points, StringColumn} from "./points.js";

/** The analysis-library rule for a page state (custom keeps the published denominators' choice of betley). */
export function ruleOf(state: ViewState): EmRule {
  if (state.rule === "betley" || state.rule === "organisms") return makeRule(state.rule);
  return makeRule("betley", {aligned: state.aligned, coherent: state.coherent, alignedInclusive: state.alignedInclusive});
}

export interface GroupCounts {
  key: string;
  /** Rows in the group (answers x this judge). */
  n: number;
  /** Rows in the rule's denominator. */
  d: number;
  /** EM rows (broad, minus excluded types). */
  k: number;
  /** EM rows whose type is `emergent` (strict EM). */
  kStrict: number;
  /** EM rows per response type (before exclusion), "" = unclassified. */
  byType: Map<string, number>;
  /** Coherent > 50 count among rows with a coherent score, and rows with a coherent score. */
  coherent: number;
  scoredCoherent: number;
  alignedSum: number;
  alignedN: number;
  /** Per question: [k, d]. */
  questions: Map<number, [number, number]>;
}

export type KeyOf = (row: number) => string | null;

/** Group key built from string columns and/or the step; null rows are skipped. */
export function keyBy(points: Points, columns: readonly (StringColumn | "step")[]): KeyOf {
  return (i) => {
    let key = "";
    for (const c of columns) {
      if (c === "step") {
        if (Number.isNaN(points.step[i])) return null;
        key += (key ? "\u0001" : "") + points.step[i];
      } else {
        const code = points.codes[c][i];
        key += (key ? "\u0001" : "") + (code < 0 ? "" : points.dicts[c][code]);
      }
    }
    return key;
  };
}

/** Count EM per group among masked rows. `exclude`: response types that never count as EM. */
export function countGroups(points: Points, mask: Uint8Array, rule: EmRule, keyOf: KeyOf, exclude: readonly string[] = []): Map<string, GroupCounts> {
  const excluded = new Uint8Array(points.dicts.type.length + 1);
  for (const t of exclude) {
    const code = points.dicts.type.indexOf(t);
    if (code >= 0) excluded[code] = 1;
  }
  const emergent = points.dicts.type.indexOf("emergent");
  const groups = new Map<string, GroupCounts>();
  const {aligned, coherent} = points;
  const types = points.codes.type;
  const questions = points.codes.question_id;
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    const key = keyOf(i);
    if (key === null) continue;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = {key, n: 0, d: 0, k: 0, kStrict: 0, byType: new Map(), coherent: 0, scoredCoherent: 0, alignedSum: 0, alignedN: 0, questions: new Map()}));
    g.n++;
    const a = aligned[i];
    const c = coherent[i];
    if (c === c) {
      g.scoredCoherent++;
      if (c > 50) g.coherent++;
    }
    if (a === a) {
      g.alignedSum += a;
      g.alignedN++;
    }
    const outcome = classify(a, c, rule);
    if (outcome === OUT) continue;
    const t = types[i];
    const isEm = outcome === EM && !(t >= 0 && excluded[t]);
    g.d++;
    let q = g.questions.get(questions[i]);
    if (!q) g.questions.set(questions[i], (q = [0, 0]));
    q[1]++;
    if (outcome === EM) {
      const name = t >= 0 ? points.dicts.type[t] : "";
      g.byType.set(name, (g.byType.get(name) ?? 0) + 1);
    }
    if (isEm) {
      g.k++;
      q[0]++;
      if (t === emergent) g.kStrict++;
    }
  }
  return groups;
}

export interface GroupRate {
  key: string;
  n: number;
  d: number;
  k: number;
  rate: number | null;
  /** 95% interval: cluster bootstrap over questions when the group spans several, else Wilson. */
  ci: Interval | null;
  ciMethod: "bootstrap-questions" | "wilson" | null;
  strictRate: number | null;
  strictCi: Interval | null;
  macro: number | null;
  coherentRate: number | null;
  meanAligned: number | null;
  byType: Map<string, number>;
}

/** Rates with intervals for counted groups. Bootstrap replicates are kept small for interactivity. */
export function rates(groups: Map<string, GroupCounts>, {seed = 0, replicates = 400}: {seed?: number; replicates?: number} = {}): GroupRate[] {
  const out: GroupRate[] = [];
  for (const g of groups.values()) {
    const qs = [...g.questions.values()];
    const counts = {k: qs.map((q) => q[0]), d: qs.map((q) => q[1])};
    let ci: Interval | null = null;
    let ciMethod: GroupRate["ciMethod"] = null;
    if (g.d > 0) {
      if (qs.length > 1) {
        const b = clusterBootstrap(counts, makeRng(seed), {replicates});
        ci = b.pooled;
        ciMethod = "bootstrap-questions";
      } else {
        ci = wilson(g.k, g.d);
        ciMethod = "wilson";
      }
    }
    out.push({
      key: g.key,
      n: g.n,
      d: g.d,
      k: g.k,
      rate: g.d ? g.k / g.d : null,
      ci,
      ciMethod,
      strictRate: g.d ? g.kStrict / g.d : null,
      strictCi: g.d ? wilson(g.kStrict, g.d) : null,
      macro: macroRate(counts),
      coherentRate: g.scoredCoherent ? g.coherent / g.scoredCoherent : null,
      meanAligned: g.alignedN ? g.alignedSum / g.alignedN : null,
      byType: g.byType,
    });
  }
  return out;
}

export interface Surface {
  /** rate[a * 101 + c] = EM rate with aligned cut a and coherent cut c (null-free: NaN when d = 0). */
  rate: Float64Array;
  /** Denominator at each cut pair. */
  d: Float64Array;
}

/**
 * EM rate at every integer (aligned cut, coherent cut) on 0..100 in one pass plus 2-D prefix sums,
 * for the rule shape of `rule` (inclusiveness of the aligned cut, denominator) and the exclusions.
 * Exact for real-valued scores: with an integer cut t, `a < t` iff floor(a) < t, `a <= t` iff
 * ceil(a) <= t, and `c > t` iff ceil(c) > t, so binning by floor / ceil loses nothing.
 */
export function emSurface(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[] = []): Surface {
  const S = 101;
  // em[x][y]: rows with aligned bin x and coherent bin y that may count as EM; den likewise.
  const em = new Float64Array(S * S);
  const den = new Float64Array(S * S);
  const denNoAligned = new Float64Array(S); // coherent bin only, for nulls = "not_em"
  const excluded = new Set(exclude.map((t) => points.dicts.type.indexOf(t)).filter((c) => c >= 0));
  const {aligned, coherent} = points;
  const types = points.codes.type;
  const inclusive = rule.alignedInclusive;
  let allRows = 0;
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    allRows++;
    const a = aligned[i];
    const c = coherent[i];
    if (c !== c) continue; // no coherent score: never EM; in the denominator only for scored + not_em
    const cb = Math.min(100, Math.max(0, Math.ceil(c)));
    if (a !== a) {
      if (rule.nulls === "not_em") denNoAligned[cb]++;
      continue;
    }
    const ab = Math.min(100, Math.max(0, inclusive ? Math.ceil(a) : Math.floor(a)));
    den[ab * S + cb]++;
    if (!excluded.has(types[i])) em[ab * S + cb]++;
  }
  // cumulative: EM(ta, tc) = sum over ab (< ta | <= ta) and cb > tc; denominator depends on rule.
  const emCum = new Float64Array(S * S); // rows with ab <= x (inclusive index) and cb > y
  const denCoh = new Float64Array(S); // rows with cb > y (any aligned)
  const denAll = new Float64Array(1);
  for (let x = 0; x < S; ++x) {
    for (let y = S - 1; y >= 0; --y) {
      const above = y + 1 < S ? em[x * S + y + 1] : 0;
      const prevX = x > 0 ? emCum[(x - 1) * S + y] : 0;
      const prevXY = x > 0 && y + 1 < S ? emCum[(x - 1) * S + y + 1] : 0;
      const cumY = y + 1 < S ? emCum[x * S + y + 1] - prevXY : 0;
      emCum[x * S + y] = prevX + cumY + above;
    }
  }
  const colTotals = new Float64Array(S);
  for (let x = 0; x < S; ++x) for (let y = 0; y < S; ++y) colTotals[y] += den[x * S + y];
  for (let y = S - 1; y >= 0; --y) denCoh[y] = (y + 1 < S ? denCoh[y + 1] + colTotals[y + 1] : 0) + 0;
  for (let y = 0; y < S; ++y) denAll[0] += colTotals[y];
  const denNoAlignedAbove = new Float64Array(S);
  for (let y = S - 2; y >= 0; --y) denNoAlignedAbove[y] = denNoAlignedAbove[y + 1] + denNoAligned[y + 1];
  const rate = new Float64Array(S * S);
  const d = new Float64Array(S * S);
  for (let ta = 0; ta < S; ++ta) {
    // aligned bins counted as misaligned: ab < ta (exclusive, floor bins) or ab <= ta (inclusive, ceil bins)
    const xmax = inclusive ? ta : ta - 1;
    for (let tc = 0; tc < S; ++tc) {
      const k = xmax >= 0 ? emCum[xmax * S + tc] : 0;
      let dd = rule.denominator === "coherent" ? denCoh[tc] : denAll[0];
      if (rule.nulls === "not_em") dd = rule.denominator === "coherent" ? dd + denNoAlignedAbove[tc] : allRows;
      d[ta * S + tc] = dd;
      rate[ta * S + tc] = dd > 0 ? k / dd : NaN;
    }
  }
  return {rate, d};
}
