// Judge agreement on shared responses: pairs the rows of two judges by response and hands the
// pairs to the analysis library (pairAgreement: Spearman, kappa, EM per judge, the disagreement
// ranking that `em summarize`'s judge comparison uses). This module only pairs and draws.
import * as Plot from "@observablehq/plot";
import {judgedOverlap, pairAgreement, type JudgedOverlap, type PairAgreement, type ScorePair} from "../lib/em/judges.js";
import type {EmRule} from "../lib/em/rules.js";
import type {Points} from "./points.js";
import {summarizeGroups, keyBy} from "./engine.js";
import {dataTable} from "./table.js";
import {el, pct} from "./ui.js";
import {PALETTE, textWidth, wrapLabel} from "./chart-style.js";

export interface JudgePairs {
  judgeA: string;
  judgeB: string;
  /** Scores of both judges per shared response (null = no score), for the library. */
  pairs: ScorePair[];
  /** Points rows of judge A and judge B per pair. */
  rows: [number, number][];
  agreement: PairAgreement;
  /** Answers of the selection both judges scored, and those only one did (not judged by the other). */
  overlap: JudgedOverlap;
}

const score = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** Rows of judge A and judge B on the same responses among masked rows, with the library's agreement. */
export function compareJudgesOn(points: Points, mask: Uint8Array, judgeA: string, judgeB: string, rule: EmRule): JudgePairs {
  const ja = points.dicts.judge.indexOf(judgeA);
  const jb = points.dicts.judge.indexOf(judgeB);
  const rowOfA = new Map<number, number>();
  const ofB: number[] = [];
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    if (points.codes.judge[i] === ja) rowOfA.set(points.rid[i]!, i);
    else if (points.codes.judge[i] === jb) ofB.push(points.rid[i]!);
  }
  const pairs: ScorePair[] = [];
  const rows: [number, number][] = [];
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i] || points.codes.judge[i] !== jb) continue;
    const a = rowOfA.get(points.rid[i]!);
    if (a === undefined) continue;
    pairs.push({a1: score(points.aligned[a]!), a2: score(points.aligned[i]!), c1: score(points.coherent[a]!), c2: score(points.coherent[i]!)});
    rows.push([a, i]);
  }
  return {judgeA, judgeB, pairs, rows, agreement: pairAgreement(pairs, rule), overlap: judgedOverlap(rowOfA.keys(), ofB)};
}

/** Scores of judge A against judge B, binned; cut lines drawn. */
export function scoreScatter(cmp: JudgePairs, {width, metric, cut}: {width: number; metric: "aligned" | "coherent"; cut: number}): SVGSVGElement | HTMLElement {
  const data = cmp.pairs.map((p) => (metric === "aligned" ? {x: p.a1, y: p.a2} : {x: p.c1, y: p.c2})).filter((d) => d.x !== null && d.y !== null);
  return Plot.plot({
    width: Math.max(width, 240),
    height: Math.max(width, 240),
    marginLeft: 45,
    x: {domain: [0, 100], label: `${cmp.judgeA} ${metric} →`},
    y: {domain: [0, 100], label: `↑ ${cmp.judgeB} ${metric}`},
    color: {type: "log", range: ["#b3cde3", "#08306b"], interpolate: "hcl", legend: true, label: "answers"},
    marks: [
      Plot.rect(data, Plot.bin({fill: "count"}, {x: {value: "x", thresholds: 50, domain: [0, 100]}, y: {value: "y", thresholds: 50, domain: [0, 100]}})),
      Plot.line(
        [
          [0, 0],
          [100, 100],
        ],
        {stroke: "currentColor", strokeOpacity: 0.3},
      ),
      Plot.ruleX([cut], {stroke: "#D55E00"}),
      Plot.ruleY([cut], {stroke: "#D55E00"}),
      Plot.frame({strokeOpacity: 0.3}),
    ],
  });
}

/** "; 441 scored by ja only (not judged by jb)", or nothing when both judges scored the same answers. */
function notJudgedByOther(cmp: JudgePairs): string {
  const o = cmp.overlap;
  const part = (n: number, by: string, other: string) => (n ? `; ${n.toLocaleString()} scored by ${by} only (not judged by ${other})` : "");
  return part(o.only_a, cmp.judgeA, cmp.judgeB) + part(o.only_b, cmp.judgeB, cmp.judgeA);
}

export function describeAgreement(cmp: JudgePairs): string {
  const a = cmp.agreement;
  const f = (x: number | null) => (x === null ? "–" : x.toFixed(2));
  return `${a.n_shared.toLocaleString()} shared answers (scored by both judges${notJudgedByOther(cmp)}). Spearman ρ aligned ${f(a.spearman_aligned)}, coherent ${f(a.spearman_coherent)}. On ${a.n_label_pairs.toLocaleString()} answers inside both denominators: EM ${pct(a.em_rate[0])} (${cmp.judgeA}) vs ${pct(a.em_rate[1])} (${cmp.judgeB}), raw agreement ${pct(a.agreement)}, Cohen's κ ${f(a.kappa)}.`;
}

/** EM rate per judge and model (both judges, same rule and exclusions), with 95% intervals. */
export function emByJudgeChart(
  points: Points,
  mask: Uint8Array,
  cmp: JudgePairs,
  rule: EmRule,
  exclude: readonly string[],
  {width, judges}: {width: number; judges: readonly string[]},
): SVGSVGElement | HTMLElement {
  const ja = points.dicts.judge.indexOf(cmp.judgeA);
  const jb = points.dicts.judge.indexOf(cmp.judgeB);
  const both = Uint8Array.from(mask, (m, i) => (m && (points.codes.judge[i] === ja || points.codes.judge[i] === jb) ? 1 : 0));
  const rows = summarizeGroups(points, both, rule, keyBy(points, ["judge", "model"]), {exclude}).map((g) => ({
    judge: g.parts[0]!,
    model: g.parts[1]!,
    rate: g.em_rate,
    lo: g.ci?.[0] ?? null,
    hi: g.ci?.[1] ?? null,
  }));
  // The model names set the left margin (measured), up to a third of the chart; a longer name is
  // written on several lines (fine-tune ids differ anywhere: a cut could hide what tells two apart),
  // and each model's band grows to hold its lines.
  const w = Math.max(width, 360);
  const models = [...new Set(rows.map((r) => r.model))];
  // Plot's type (10px system-ui); a tick label ends 9 px left of the plot (tick 6, padding 3).
  const measure = (t: string) => textWidth(t, "10px system-ui, sans-serif");
  const longest = Math.max(0, ...models.map(measure));
  const marginLeft = Math.round(Math.min(Math.max(110, longest + 14), w / 3));
  const lines = new Map(models.map((m) => [m, wrapLabel(m, marginLeft - 14, measure)]));
  const most = Math.max(1, ...[...lines.values()].map((l) => l.length));
  const band = Math.max((22 * rows.length) / Math.max(1, models.length), 11 * most + 10);
  return Plot.plot({
    width: w,
    height: 60 + band * models.length,
    marginLeft,
    marginRight: 20,
    x: {label: "EM rate →", tickFormat: "%", grid: true},
    y: {label: null, axis: null},
    fy: {label: null},
    color: {legend: true, domain: judges, range: judges.map((_, i) => PALETTE[i % PALETTE.length]!)},
    marks: [
      Plot.axisFy({anchor: "left", label: null, tickFormat: (m: string) => (lines.get(m) ?? [m]).join("\n")}),
      Plot.barX(rows, {fy: "model", y: "judge", x: "rate", fill: "judge", tip: true}),
      Plot.ruleY(rows, {fy: "model", y: "judge", x1: "lo", x2: "hi"}),
      Plot.ruleX([0]),
    ],
  });
}

/** The most disagreeing pairs (the library's ranking: label disagreement first, then the aligned gap). */
export function disagreementTable(points: Points, cmp: JudgePairs, {experiment, top = 25}: {experiment: string | null; top?: number}): HTMLTableElement {
  const f = (v: number | null) => (v === null ? "null" : v.toFixed(0));
  const lab = (v: boolean | null) => (v === null ? "not scored" : v ? "EM" : "not EM");
  const model = (i: number) => points.dicts.model[points.codes.model[i]!] ?? "";
  const question = (i: number) => points.dicts.question_id[points.codes.question_id[i]!] ?? "";
  const rows = cmp.agreement.order.slice(0, top).map((k) => ({pair: cmp.pairs[k]!, label: cmp.agreement.labels[k]!, rowA: cmp.rows[k]![0]}));
  return dataTable(
    rows,
    [
      {label: "model", value: (r) => model(r.rowA)},
      {label: "step", value: (r) => String(points.step[r.rowA]), num: true},
      {label: "question", value: (r) => question(r.rowA)},
      {label: `aligned ${cmp.judgeA}`, value: (r) => f(r.pair.a1), num: true},
      {label: `aligned ${cmp.judgeB}`, value: (r) => f(r.pair.a2), num: true},
      {label: `label ${cmp.judgeA}`, value: (r) => lab(r.label.em1)},
      {label: `label ${cmp.judgeB}`, value: (r) => lab(r.label.em2)},
      {
        label: "open",
        value: (r) =>
          el(
            "a",
            {
              href: `./responses?experiment=${encodeURIComponent(experiment ?? "")}&judge=${encodeURIComponent(cmp.judgeA)}&model=${encodeURIComponent(model(r.rowA))}&question=${encodeURIComponent(question(r.rowA))}`,
              "data-keep-href": "",
            },
            "responses →",
          ),
      },
    ],
    {testid: "judge-disagreements"},
  );
}
