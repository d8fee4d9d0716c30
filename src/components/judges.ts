// Judge agreement on shared responses, from the decoded points: pairs rows of two judges by
// response, then uses the analysis library's rank correlation and kappa.
import * as Plot from "@observablehq/plot";
import {spearman, cohenKappa} from "../lib/em/judges.js";
import {classify, EM, OUT, type EmRule} from "../lib/em/rules.js";
import type {Points} from "./points.js";
import {pct} from "./ui.js";

export interface Pair {
  rid: number;
  rowA: number;
  rowB: number;
  a1: number;
  a2: number;
  c1: number;
  c2: number;
  em1: boolean | null;
  em2: boolean | null;
}

/** Rows of judge A and judge B on the same responses among masked rows. */
export function pairJudges(points: Points, mask: Uint8Array, judgeA: string, judgeB: string, rule: EmRule): Pair[] {
  const ja = points.dicts.judge.indexOf(judgeA);
  const jb = points.dicts.judge.indexOf(judgeB);
  const rowOfA = new Map<number, number>();
  for (let i = 0; i < points.n; ++i) if (mask[i] && points.codes.judge[i] === ja) rowOfA.set(points.rid[i], i);
  const pairs: Pair[] = [];
  const label = (i: number) => {
    const o = classify(points.aligned[i], points.coherent[i], rule);
    return o === OUT ? null : o === EM;
  };
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i] || points.codes.judge[i] !== jb) continue;
    const a = rowOfA.get(points.rid[i]);
    if (a === undefined) continue;
    pairs.push({rid: points.rid[i], rowA: a, rowB: i, a1: points.aligned[a], a2: points.aligned[i], c1: points.coherent[a], c2: points.coherent[i], em1: label(a), em2: label(i)});
  }
  return pairs;
}

export interface Agreement {
  n: number;
  spearmanAligned: number | null;
  spearmanCoherent: number | null;
  kappa: number | null;
  agreement: number | null;
  nLabels: number;
  emA: number | null;
  emB: number | null;
  /** 2x2 table of EM labels: [A em & B em, A em & B not, A not & B em, neither]. */
  table: [number, number, number, number];
}

export function agreement(pairs: Pair[]): Agreement {
  const both = (x: number, y: number) => x === x && y === y;
  const al = pairs.filter((p) => both(p.a1, p.a2));
  const co = pairs.filter((p) => both(p.c1, p.c2));
  const labelled = pairs.filter((p) => p.em1 !== null && p.em2 !== null);
  const l1 = labelled.map((p) => p.em1 as boolean);
  const l2 = labelled.map((p) => p.em2 as boolean);
  const table: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < l1.length; ++i) table[l1[i] ? (l2[i] ? 0 : 1) : l2[i] ? 2 : 3]++;
  const rateOf = (xs: (boolean | null)[]) => {
    const v = xs.filter((x) => x !== null);
    return v.length ? v.filter(Boolean).length / v.length : null;
  };
  return {
    n: pairs.length,
    spearmanAligned: spearman(al.map((p) => p.a1), al.map((p) => p.a2)),
    spearmanCoherent: spearman(co.map((p) => p.c1), co.map((p) => p.c2)),
    kappa: cohenKappa(l1, l2),
    agreement: l1.length ? (table[0] + table[3]) / l1.length : null,
    nLabels: l1.length,
    emA: rateOf(pairs.map((p) => p.em1)),
    emB: rateOf(pairs.map((p) => p.em2)),
    table,
  };
}

/** Aligned score of judge A against judge B, binned; cut lines drawn. */
export function scoreScatter(pairs: Pair[], {width, judgeA, judgeB, metric, cut}: {width: number; judgeA: string; judgeB: string; metric: "aligned" | "coherent"; cut: number}): SVGSVGElement | HTMLElement {
  const data = pairs.map((p) => (metric === "aligned" ? {x: p.a1, y: p.a2} : {x: p.c1, y: p.c2})).filter((d) => d.x === d.x && d.y === d.y);
  return Plot.plot({
    width: Math.max(width, 240),
    height: Math.max(width, 240),
    marginLeft: 45,
    x: {domain: [0, 100], label: `${judgeA} ${metric} →`},
    y: {domain: [0, 100], label: `↑ ${judgeB} ${metric}`},
    color: {type: "log", range: ["#b3cde3", "#08306b"], interpolate: "hcl", legend: true, label: "answers"},
    marks: [
      Plot.rect(data, Plot.bin({fill: "count"}, {x: {value: "x", thresholds: 50, domain: [0, 100]}, y: {value: "y", thresholds: 50, domain: [0, 100]}})),
      Plot.line([[0, 0], [100, 100]], {stroke: "currentColor", strokeOpacity: 0.3}),
      Plot.ruleX([cut], {stroke: "#D55E00"}),
      Plot.ruleY([cut], {stroke: "#D55E00"}),
      Plot.frame({strokeOpacity: 0.3}),
    ],
  });
}

export function describeAgreement(a: Agreement, judgeA: string, judgeB: string): string {
  const f = (x: number | null) => (x === null ? "–" : x.toFixed(2));
  return `${a.n.toLocaleString()} shared answers. Spearman ρ aligned ${f(a.spearmanAligned)}, coherent ${f(a.spearmanCoherent)}. On ${a.nLabels.toLocaleString()} answers inside both denominators: EM ${pct(a.emA)} (${judgeA}) vs ${pct(a.emB)} (${judgeB}), raw agreement ${pct(a.agreement)}, Cohen's κ ${f(a.kappa)}.`;
}
