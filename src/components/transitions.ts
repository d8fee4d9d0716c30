// Phase-transition views: EM (with intervals), coherence and alignment along the training
// coordinate per model, the fitted logistic with its midpoint interval and the onset, a brush
// that writes the step range to the store, and the midpoint's sensitivity to the thresholds.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {analyzeTransition, logisticAt, fitLogistic, type TransitionResult} from "../lib/em/transition.js";
import {buildSurfaces} from "../lib/em/surface.js";
import {makeRng} from "../lib/em/prng.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ResponseType} from "../lib/schema.js";
import {columnsOf, summarizeGroups, keyBy, type Group} from "./engine.js";
import type {Points} from "./points.js";
import type {Store} from "./state.js";
import type {Planted} from "./site.js";
import {modelColor, pct, plotSvg} from "./ui.js";

export interface ModelTransition {
  model: string;
  groups: Group[];
  result: TransitionResult;
}

/** Per-model EM series along the coordinate, with fit, change point and onset. */
export function modelTransitions(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[], {replicates = 199} = {}): ModelTransition[] {
  const groups = summarizeGroups(points, mask, rule, keyBy(points, ["model", "step"]), {exclude, replicates: 0});
  const byModel = d3.group(groups, (g) => g.parts[0]);
  return [...byModel].map(([model, gs]) => {
    const series = gs.map((g) => ({x: Number(g.parts[1]), k: g.n_em, n: g.n_scored})).sort((a, b) => a.x - b.x);
    return {model, groups: gs.sort((a, b) => Number(a.parts[1]) - Number(b.parts[1])), result: analyzeTransition(series, makeRng(0), {replicates})};
  });
}

/** The main chart: EM rate per model with 95% Wilson bands, fitted curves, midpoints, onsets, planted curves. */
export function transitionChart(transitions: ModelTransition[], {width, coordinate, planted, judge, rule, store, steps}: {width: number; coordinate: string; planted: Planted | null; judge: string | null; rule: string; store?: Store; steps: [number, number] | null}): SVGSVGElement | HTMLElement {
  const models = transitions.map((t) => t.model);
  const color = modelColor({legend: true}, models);
  const pointsData = transitions.flatMap((t) => t.result.points.filter((p) => p.rate !== null).map((p) => ({model: t.model, ...p, lo: p.ci?.[0] ?? null, hi: p.ci?.[1] ?? null})));
  const xs = pointsData.map((p) => p.x);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const curves = transitions.flatMap((t) => {
    const fit = t.result.fit;
    if (!fit) return [];
    return d3.range(0, 101).map((i) => {
      const x = x0 + ((x1 - x0) * i) / 100;
      return {model: t.model, x, y: logisticAt(fit, x)};
    });
  });
  const mids = transitions.filter((t) => t.result.fit).map((t) => ({model: t.model, x: t.result.fit!.midpoint, lo: t.result.fit!.ci[0], hi: t.result.fit!.ci[1], y: logisticAt(t.result.fit!, t.result.fit!.midpoint)}));
  const onsets = transitions.filter((t) => t.result.onset.x !== null).map((t) => ({model: t.model, x: t.result.onset.x!}));
  const plantedRows = (planted?.em ?? []).filter((p) => p.judge === judge && p.rule === rule && models.includes(p.model));
  const chart = Plot.plot({
    width,
    height: 360,
    marginLeft: 50,
    grid: true,
    x: {label: `${coordinate} →`, domain: [x0, x1]},
    y: {label: "↑ EM rate", tickFormat: "%"},
    color,
    marks: [
      ...(steps ? [Plot.rectX([steps], {x1: (d: number[]) => d[0], x2: (d: number[]) => d[1], fill: "currentColor", fillOpacity: 0.06})] : []),
      Plot.areaY(pointsData, {x: "x", y1: "lo", y2: "hi", fill: "model", fillOpacity: 0.12, z: "model", curve: "linear"}),
      Plot.line(plantedRows, {x: "step", y: "em_rate", stroke: "model", strokeDasharray: "2,3", strokeWidth: 1.5, z: "model", sort: "step"}),
      Plot.line(curves, {x: "x", y: "y", stroke: "model", strokeWidth: 2, z: "model"}),
      Plot.dot(pointsData, {x: "x", y: "rate", fill: "model", r: 3, tip: true, title: (p: {model: string; x: number; rate: number; k: number; n: number; lo: number; hi: number}) => `${p.model}, ${coordinate} ${p.x}\nEM ${pct(p.rate)} (${p.k}/${p.n}), 95% CI ${pct(p.lo)}–${pct(p.hi)}`}),
      Plot.ruleX(mids, {x: "x", stroke: "model", strokeDasharray: "6,3"}),
      Plot.link(mids.filter((m) => m.lo !== null && m.hi !== null), {x1: "lo", x2: "hi", y1: "y", y2: "y", stroke: "model", strokeWidth: 5, strokeOpacity: 0.5}),
      Plot.dot(onsets, {x: "x", y: 0, symbol: "triangle", fill: "model", r: 6, tip: true, title: (o: {model: string; x: number}) => `${o.model}: onset at ${coordinate} ${o.x} (first coordinate credibly above the baseline)`}),
      Plot.ruleY([0]),
    ],
  }) as SVGSVGElement & {scale(name: string): {apply(v: number): number; invert(v: number): number}};
  if (store) attachBrush(chart, store, x0, x1);
  return chart;
}

/** A horizontal brush over a Plot chart's x scale that writes [from, to] to the store. */
function attachBrush(chart: SVGSVGElement & {scale(name: string): {apply(v: number): number; invert(v: number): number}}, store: Store, x0: number, x1: number): void {
  const svg = d3.select(plotSvg(chart)!);
  const sx = chart.scale("x");
  const height = Number(svg.attr("height") ?? 360);
  const brush = d3
    .brushX()
    .extent([
      [sx.apply(x0) - 5, 20],
      [sx.apply(x1) + 5, height - 30],
    ])
    .on("end", (event: d3.D3BrushEvent<unknown>) => {
      if (!event.sourceEvent) return;
      if (!event.selection) {
        store.set({steps: null});
        return;
      }
      const [a, b] = event.selection as [number, number];
      store.set({steps: [Math.round(sx.invert(a) * 1000) / 1000, Math.round(sx.invert(b) * 1000) / 1000]});
    });
  svg.append("g").attr("class", "em-brush").attr("data-testid", "step-brush").call(brush);
}

/** Coherence and mean alignment along the coordinate, per model. */
export function qualityChart(transitions: ModelTransition[], {width, coordinate}: {width: number; coordinate: string}): SVGSVGElement | HTMLElement {
  const rows = transitions.flatMap((t) =>
    t.groups.flatMap((g) => [
      {model: t.model, x: Number(g.parts[1]), metric: "coherent rate", value: g.coherent_rate},
      {model: t.model, x: Number(g.parts[1]), metric: "mean aligned / 100", value: g.mean_aligned === null ? null : g.mean_aligned / 100},
    ]),
  );
  return Plot.plot({
    width,
    height: 220,
    marginLeft: 50,
    grid: true,
    x: {label: `${coordinate} →`},
    y: {label: null, domain: [0, 1], tickFormat: "%"},
    fx: {label: null},
    color: modelColor({}, transitions.map((t) => t.model)),
    marks: [
      Plot.line(rows, {fx: "metric", x: "x", y: "value", stroke: "model", sort: "x"}),
      Plot.dot(rows, {fx: "metric", x: "x", y: "value", fill: "model", r: 2, tip: true}),
    ],
  });
}

/** Small multiples: EM along the coordinate per question category (rows) and model (colour). */
export function categoryTransitions(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[], {width, coordinate}: {width: number; coordinate: string}): SVGSVGElement | HTMLElement {
  const groups = summarizeGroups(points, mask, rule, keyBy(points, ["category", "model", "step"]), {exclude, replicates: 0});
  const rows = groups.filter((g) => g.em_rate !== null).map((g) => ({category: g.parts[0] || "none", model: g.parts[1], x: Number(g.parts[2]), rate: g.em_rate, n: g.n_scored}));
  const categories = [...new Set(rows.map((r) => r.category))].sort();
  const cols = Math.min(4, categories.length);
  return Plot.plot({
    width,
    height: 150 * Math.ceil(categories.length / cols) + 40,
    marginLeft: 45,
    grid: true,
    x: {label: `${coordinate} →`},
    y: {label: "↑ EM", tickFormat: "%"},
    fx: {label: null, axis: null},
    fy: {label: null, axis: null},
    color: modelColor({legend: true}, [...new Set(rows.map((r) => r.model))]),
    marks: [
      Plot.line(rows, {fx: (d: {category: string}) => categories.indexOf(d.category) % cols, fy: (d: {category: string}) => Math.floor(categories.indexOf(d.category) / cols), x: "x", y: "rate", stroke: "model", sort: "x"}),
      Plot.text(categories, {fx: (_: string, i: number) => i % cols, fy: (_: string, i: number) => Math.floor(i / cols), frameAnchor: "top-left", text: (d: string) => d, dx: 4, dy: 4, fontWeight: "bold"}),
      Plot.frame({strokeOpacity: 0.2}),
    ],
  });
}

export interface MidpointCell {
  aligned: number;
  coherent: number;
  midpoint: number | null;
}

/**
 * The fitted midpoint of one model's series at each (aligned cut, coherent cut) of a grid, from
 * one surface per step (one pass over the rows, then O(1) per cut pair). Midpoints outside the
 * observed coordinate range are reported as null (the data do not locate them).
 */
export function midpointGrid(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[], {alignedCuts = [10, 20, 30, 40, 50, 60, 70], coherentCuts = [10, 20, 30, 40, 50, 60, 70]} = {}): MidpointCell[] {
  const stepCodes = new Int32Array(points.n);
  const steps: number[] = [];
  const index = new Map<number, number>();
  const rowMask = new Uint8Array(points.n);
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i] || Number.isNaN(points.step[i])) continue;
    let c = index.get(points.step[i]);
    if (c === undefined) index.set(points.step[i], (c = steps.push(points.step[i]) - 1));
    stepCodes[i] = c;
    rowMask[i] = 1;
  }
  if (steps.length < 4) return [];
  const surfaces = buildSurfaces(columnsOf(points), {groups: stepCodes, nGroups: steps.length, mask: rowMask, exclude: exclude as ResponseType[]});
  const [lo, hi] = [Math.min(...steps), Math.max(...steps)];
  const cells: MidpointCell[] = [];
  for (const a of alignedCuts)
    for (const c of coherentCuts) {
      const series = surfaces.map((s, i) => {
        const cell = s.cell(a, c, rule);
        return {x: steps[i], k: cell.em, n: cell.denominator};
      });
      const fit = fitLogistic(series, {profile: false});
      const m = fit && fit.converged && fit.midpoint >= lo && fit.midpoint <= hi && Math.abs(fit.ceiling - fit.floor) > 0.02 ? fit.midpoint : null;
      cells.push({aligned: a, coherent: c, midpoint: m});
    }
  return cells;
}

export function midpointChart(cells: MidpointCell[], {width, coordinate, current}: {width: number; coordinate: string; current: {aligned: number; coherent: number}}): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: Math.min(width, 520),
    height: 360,
    marginLeft: 50,
    x: {label: "aligned cut →", type: "band"},
    y: {label: "↑ coherent cut", type: "band", reverse: true},
    color: {scheme: "viridis", label: `fitted midpoint (${coordinate})`, legend: true, unknown: "#ddd"},
    marks: [
      Plot.cell(cells, {x: "aligned", y: "coherent", fill: "midpoint", tip: true, title: (d: MidpointCell) => `aligned < ${d.aligned}, coherent > ${d.coherent}: midpoint ${d.midpoint === null ? "not located" : d.midpoint.toFixed(1)}`}),
      Plot.text(cells, {x: "aligned", y: "coherent", text: (d: MidpointCell) => (d.midpoint === null ? "–" : d.midpoint.toFixed(0)), fill: "white", fontSize: 10}),
      Plot.cell(cells.filter((d) => d.aligned === current.aligned && d.coherent === current.coherent), {x: "aligned", y: "coherent", stroke: "#D55E00", strokeWidth: 3, fill: null}),
    ],
  });
}
