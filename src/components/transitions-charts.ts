// Phase-transition charts: EM (with intervals) along the training coordinate per series with the
// fitted logistic, midpoint interval and onset and a brush that writes the step range to the store;
// coherence and alignment; EM per category; the midpoint over the threshold grid.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {logisticAt, type TransitionResult} from "../lib/em/transition.js";
import type {EmRule} from "../lib/em/rules.js";
import {summarizeGroups, keyBy} from "./engine.js";
import type {FacetColumn, Points} from "./points.js";
import {axisPosition, logTicks, xAxisMarks, xScale, zeroMarks, type AxisPlan} from "./axis.js";
import type {Store} from "./store.js";
import type {Planted} from "./site.js";
import {el, pct} from "./ui.js";
import {groupColor, labelMargin} from "./chart-style.js";
import {colorOptions, inkOn, labelPositions, type SeriesSystem} from "./series.js";
import {seriesLegend} from "./series-lines.js";
import {stepBrush} from "./interactors/step-brush.js";
import type {MidpointCell} from "./transitions-compute.js";
import type {ModelTransition, PendingTransition} from "./transitions-controller.js";
import {transitionView} from "./transitions-table.js";
import {verdictWords} from "../lib/em/verdict-words.js";

/** Options of the main chart; `series` (series.ts) decides colours, dashes, direct labels and panels. */
export interface TransitionChartOptions {
  width: number;
  coordinate: string;
  planted: Planted | null;
  judge: string | null;
  rule: string;
  /** The store the chart's brush writes its range to and shows the range of (interactors/step-brush.ts). */
  store?: Store;
  plan: AxisPlan;
  by?: string;
  series?: SeriesSystem;
}

/**
 * The main chart: EM rate per model with 95% Wilson bands, fitted curves, midpoints, onsets, planted
 * curves. Pending series (fits not arrived yet) are drawn as measured. Many series (a series system
 * with panels): one panel per group with shared scales, each with its own brush on the same store.
 */
export function transitionChart(transitions: readonly (ModelTransition | PendingTransition)[], options: TransitionChartOptions): SVGSVGElement | HTMLElement {
  const {series} = options;
  const all = transitions.flatMap((t) => t.points);
  const xs = all.map((p) => p.x);
  const yMax = Math.max(0.05, ...all.map((p) => Math.max(p.rate ?? 0, p.ci?.[1] ?? 0))) * 1.05;
  const shared = {xs, yMax, x0: Math.min(...xs), x1: Math.max(...xs)};
  if (!series?.panels) return transitionPanel(transitions, options, shared);
  const box = el("div", {class: "em-panels", "data-panels": String(series.groups!.length)});
  for (const group of series.groups!) {
    const part = transitions.filter((t) => series.styles.get(t.model)?.group === group);
    if (part.length) box.append(el("h4", {class: "em-panel-title"}, group), transitionPanel(part, {...options, width: options.width}, shared, 240));
  }
  return box;
}

function transitionPanel(
  transitions: readonly (ModelTransition | PendingTransition)[],
  {width, coordinate, planted, judge, rule, store, plan, by = "model", series}: TransitionChartOptions,
  shared: {xs: number[]; yMax: number; x0: number; x1: number},
  height = 360,
): SVGSVGElement {
  const models = transitions.map((t) => t.model);
  const direct = series?.direct ?? false;
  const color = direct ? colorOptions(series!, {legend: false}) : groupColor(by, models, {legend: models.length <= 24});
  const dashOf = (m: string) => (direct ? (series!.styles.get(m)?.dash ?? "") : "");
  const pos = (x: number) => axisPosition(plan, x);
  // On a log axis the fit ran on log10 of the coordinate (analyzeOnScale): its midpoint came back in
  // coordinate units, its floor, ceiling and width (decades) did not move.
  const curveAt = (fit: NonNullable<TransitionResult["fit"]>, x: number) =>
    plan.type === "log" ? logisticAt({...fit, midpoint: Math.log10(fit.midpoint)}, Math.log10(x)) : logisticAt(fit, x);
  const pointsData = transitions.flatMap((t) =>
    t.points.filter((p) => p.rate !== null).map((p) => ({model: t.model, ...p, px: pos(p.x), lo: p.ci?.[0] ?? null, hi: p.ci?.[1] ?? null})),
  );
  // The axis spans every coordinate with answers, also those with no EM rate (no answer passed the
  // coherent cut): a collapse of coherence then shows as the end of the series, marked ×, not as a shorter axis.
  const undefinedRate = transitions.flatMap((t) => t.points.filter((p) => p.rate === null).map((p) => ({model: t.model, x: p.x, px: pos(p.x)})));
  // Shared across panels: every panel spans the same coordinates and rates.
  const {xs, x0, x1, yMax} = shared;
  // Fits, midpoints and onsets only where the transition is credible; other series stay as measured.
  const shown = transitions.filter((t): t is ModelTransition => t.result !== null && transitionView(t.result).show);
  const curves = shown.flatMap((t) => {
    const fit = t.result.fit!;
    // Sample evenly on the axis as drawn (a log axis gets log-spaced samples).
    const lo = plan.type === "log" ? Math.log(Math.max(x0, plan.zeroAt ?? x0) || 1e-9) : x0;
    const hi = plan.type === "log" ? Math.log(x1) : x1;
    return d3.range(0, 101).map((i) => {
      const v = lo + ((hi - lo) * i) / 100;
      const x = plan.type === "log" ? Math.exp(v) : v;
      return {model: t.model, x, y: curveAt(fit, x)};
    });
  });
  const mids = shown.map((t) => ({
    model: t.model,
    x: t.result.fit!.midpoint,
    lo: t.result.fit!.ci[0],
    hi: t.result.fit!.ci[1],
    y: curveAt(t.result.fit!, t.result.fit!.midpoint),
  }));
  const onsets = shown.filter((t) => t.result.onset.x !== null).map((t) => ({model: t.model, x: pos(t.result.onset.x!)}));
  const plantedRows = (planted?.em ?? []).filter((p) => p.judge === judge && p.rule === rule && models.includes(p.model)).map((p) => ({...p, px: pos(p.step)}));
  // A little room past the ends on a log axis, so the first and last tick labels are not clipped.
  const domain = plan.type === "log" ? [pos(x0) / 1.3, x1 * 1.3] : [x0, x1];
  // Direct labels: each series named at the right edge, at its last measured rate, spread apart.
  const MARGIN_TOP = 20;
  const MARGIN_BOTTOM = 36;
  const ends = transitions
    .map((t) => pointsData.filter((p) => p.model === t.model).reduce<(typeof pointsData)[number] | null>((a, b) => (a === null || b.px > a.px ? b : a), null))
    .filter((e) => e !== null);
  const labelY = direct
    ? labelPositions(
        ends.map((e) => e.rate as number),
        {domain: [0, yMax], range: [MARGIN_TOP, height - MARGIN_BOTTOM]},
      )
    : [];
  const labels = direct ? ends.map((e, i) => ({model: e.model, y: labelY[i]!, x0: e.px, y0: e.rate})) : [];
  const xEnd = domain[1]!;
  const dashes = [...new Set(models.map(dashOf))];
  const chart = Plot.plot({
    width: Math.max(width, 360),
    height,
    marginLeft: 50,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    // From every series, not the panel's: panels stacked one above the other keep one x range.
    marginRight: direct ? labelMargin(series!.keys, 40, 220) : 20,
    grid: true,
    x: xScale(plan, coordinate, {domain, ticks: logTicks(plan, xs)}),
    y: {label: "↑ EM rate", tickFormat: "%", domain: [0, yMax]},
    color,
    marks: [
      ...zeroMarks(plan),
      ...xAxisMarks(plan, coordinate, logTicks(plan, xs) ?? []),
      Plot.areaY(pointsData, {
        x: "px",
        y1: "lo",
        y2: "hi",
        fill: "model",
        fillOpacity: models.length > 6 ? 0.05 : 0.08,
        z: "model",
        curve: "linear",
        sort: "px",
      }),
      Plot.line(plantedRows, {x: "px", y: "em_rate", stroke: "model", strokeDasharray: "2,3", strokeWidth: 1.5, z: "model", sort: "px"}),
      // Measured series joined by thin lines: a rise and a collapse are drawn as they are.
      // (With many series each has its own dash too; Plot's dash is a constant: one mark per pattern.)
      ...dashes.map((dash) =>
        Plot.line(
          pointsData.filter((p) => dashOf(p.model) === dash),
          {
            x: "px",
            y: "rate",
            stroke: "model",
            strokeWidth: direct ? 1.5 : 1,
            strokeOpacity: direct ? 0.9 : 0.5,
            strokeDasharray: dash || undefined,
            z: "model",
            ariaLabel: "model",
            sort: "px",
          },
        ),
      ),
      Plot.line(curves, {x: "x", y: "y", stroke: "model", strokeWidth: 2, z: "model"}),
      Plot.dot(pointsData, {
        x: "px",
        y: "rate",
        fill: "model",
        r: 3,
        tip: true,
        title: (p: {model: string; x: number; rate: number; k: number; n: number; lo: number; hi: number}) =>
          `${p.model}, ${coordinate} ${p.x}\nEM ${pct(p.rate)} (${p.k}/${p.n}), 95% CI ${pct(p.lo)}–${pct(p.hi)}`,
      }),
      Plot.dot(undefinedRate, {
        x: "px",
        y: 0,
        symbol: "times",
        stroke: "model",
        strokeOpacity: 0.6,
        r: 3,
        tip: true,
        title: (p: {model: string; x: number}) => `${p.model}, ${coordinate} ${p.x}: no EM rate (no answer passes the coherent cut)`,
      }),
      Plot.ruleX(mids, {x: "x", stroke: "model", strokeDasharray: "6,3"}),
      Plot.link(
        mids.filter((m) => m.lo !== null && m.hi !== null),
        {x1: "lo", x2: "hi", y1: "y", y2: "y", stroke: "model", strokeWidth: 5, strokeOpacity: 0.5},
      ),
      Plot.dot(onsets, {
        x: "x",
        y: 0,
        symbol: "triangle",
        fill: "model",
        r: 6,
        tip: true,
        title: (o: {model: string; x: number}) => `${o.model}: onset at ${coordinate} ${o.x} (first coordinate credibly above the baseline)`,
      }),
      ...(direct
        ? [
            Plot.link(labels, {x1: "x0", y1: "y0", x2: () => xEnd, y2: "y", stroke: "model", strokeOpacity: 0.7, strokeWidth: 1}),
            Plot.text(labels, {x: () => xEnd, y: "y", text: "model", textAnchor: "start", dx: 6, fontSize: 10, fill: "currentColor"}),
          ]
        : []),
      Plot.ruleY([0]),
    ],
  }) as SVGSVGElement & {scale(name: string): {apply(v: number): number; invert(v: number): number}};
  if (store) stepBrush(chart, store, {x0: pos(x0), x1, plan});
  return chart;
}

/** Coherence and mean alignment along the coordinate, per model. */
export function qualityChart(
  transitions: readonly (ModelTransition | PendingTransition)[],
  {width, coordinate, plan, by = "model", series}: {width: number; coordinate: string; plan: AxisPlan; by?: string; series?: SeriesSystem},
): SVGSVGElement | HTMLElement {
  const ticks = logTicks(
    plan,
    transitions.flatMap((t) => t.groups.map((g) => Number(g.parts[1]!))),
  );
  const direct = series?.direct ?? false;
  const dashOf = (m: string) => (direct ? (series!.styles.get(m)?.dash ?? "") : "");
  const rows = transitions.flatMap((t) =>
    t.groups.flatMap((g) => [
      {model: t.model, x: axisPosition(plan, Number(g.parts[1]!)), metric: "coherent rate", value: g.coherent_rate},
      {model: t.model, x: axisPosition(plan, Number(g.parts[1]!)), metric: "mean aligned / 100", value: g.mean_aligned === null ? null : g.mean_aligned / 100},
    ]),
  );
  const chart = Plot.plot({
    width: Math.max(width, 360),
    height: 220,
    marginLeft: 50,
    grid: true,
    x: xScale(plan, coordinate, {ticks}),
    y: {label: null, domain: [0, 1], tickFormat: "%"},
    // Top: with the x axis drawn as marks (log plans), Plot would move the facet labels onto it.
    fx: {label: null, axis: "top"},
    color: direct
      ? colorOptions(series!, {legend: false})
      : groupColor(
          by,
          transitions.map((t) => t.model),
        ),
    marks: [
      ...xAxisMarks(plan, coordinate, ticks ?? []),
      ...[...new Set(transitions.map((t) => dashOf(t.model)))].map((dash) =>
        Plot.line(
          rows.filter((r) => dashOf(r.model) === dash),
          {fx: "metric", x: "x", y: "value", stroke: "model", strokeDasharray: dash || undefined, ariaLabel: "model", sort: "x"},
        ),
      ),
      Plot.dot(rows, {fx: "metric", x: "x", y: "value", fill: "model", r: 2, tip: true}),
    ],
  });
  // Many series: the legend shows each one's colour and dash (Plot's swatches show colour only).
  return direct
    ? el(
        "div",
        {},
        seriesLegend(
          series!,
          transitions.map((t) => t.model),
        ),
        chart,
      )
    : chart;
}

/** Small multiples: EM along the coordinate per question category (rows) and model (colour). */
export function categoryTransitions(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {width, coordinate, plan, by = "model", series}: {width: number; coordinate: string; plan: AxisPlan; by?: FacetColumn; series?: SeriesSystem},
): SVGSVGElement | HTMLElement {
  const groups = summarizeGroups(points, mask, rule, keyBy(points, ["category", by, "step"]), {exclude, replicates: 0});
  const ticks = logTicks(
    plan,
    groups.map((g) => Number(g.parts[2]!)).filter((x) => Number.isFinite(x)),
  );
  const direct = series?.direct ?? false;
  const dashOf = (m: string) => (direct ? (series!.styles.get(m)?.dash ?? "") : "");
  const rows = groups
    .filter((g) => g.em_rate !== null)
    .map((g) => ({category: g.parts[0]! || "(no category)", model: g.parts[1]!, x: axisPosition(plan, Number(g.parts[2]!)), rate: g.em_rate, n: g.n_scored}));
  const categories = [...new Set(rows.map((r) => r.category))].sort();
  const cols = Math.min(4, categories.length);
  const models = [...new Set(rows.map((r) => r.model))];
  // Room past both ends (a factor 1.3 on a log axis, as the main chart; 5% of the span on a linear
  // one) and a wider gap between panels, so the last tick label of one panel ("8", "1,000") and the
  // first of the next ("0 (base)", "0") do not meet.
  const xsDrawn = rows.map((r) => r.x).filter((x) => (plan.type === "log" ? x > 0 : Number.isFinite(x)));
  const lo = xsDrawn.length ? Math.min(...xsDrawn) : 0;
  const hi = xsDrawn.length ? Math.max(...xsDrawn) : 1;
  const pad = (hi - lo) * 0.05 || 1;
  const domain = xsDrawn.length ? {domain: plan.type === "log" ? [lo / 1.3, hi * 1.3] : [lo - pad, hi + pad]} : {};
  const chart = Plot.plot({
    width: Math.max(width, 360),
    height: 150 * Math.ceil(categories.length / cols) + 40,
    marginLeft: 45,
    grid: true,
    x: xScale(plan, coordinate, {ticks, ...domain}),
    y: {label: "↑ EM", tickFormat: "%"},
    fx: {label: null, axis: null, padding: 0.16},
    fy: {label: null, axis: null},
    color: direct ? colorOptions(series!, {legend: false}) : groupColor(by, models, {legend: true}),
    marks: [
      ...xAxisMarks(plan, coordinate, ticks ?? []),
      // Many series: each its own colour and dash (one line mark per dash pattern), named in the legend above.
      ...[...new Set(models.map(dashOf))].map((dash) =>
        Plot.line(
          rows.filter((r) => dashOf(r.model) === dash),
          {
            fx: (d: {category: string}) => categories.indexOf(d.category) % cols,
            fy: (d: {category: string}) => Math.floor(categories.indexOf(d.category) / cols),
            x: "x",
            y: "rate",
            stroke: "model",
            strokeDasharray: dash || undefined,
            ariaLabel: "model",
            sort: "x",
          },
        ),
      ),
      Plot.text(categories, {
        fx: (_: string, i: number) => i % cols,
        fy: (_: string, i: number) => Math.floor(i / cols),
        frameAnchor: "top-left",
        text: (d: string) => d,
        dx: 4,
        dy: 4,
        fontWeight: "bold",
      }),
      Plot.frame({strokeOpacity: 0.2}),
    ],
  });
  return direct ? el("div", {}, seriesLegend(series!, models), chart) : chart;
}

export function midpointChart(
  cells: MidpointCell[],
  {width, coordinate, current}: {width: number; coordinate: string; current: {aligned: number; coherent: number}},
): SVGSVGElement | HTMLElement {
  // The colour domain is fixed here so each cell label's ink is chosen against its own cell.
  const mids = cells.map((d) => d.midpoint).filter((m): m is number => m !== null);
  const [lo, hi] = mids.length ? [Math.min(...mids), Math.max(...mids)] : [0, 1];
  const cellColor = (d: MidpointCell) => (d.midpoint === null ? "#dddddd" : d3.interpolateViridis(hi > lo ? (d.midpoint - lo) / (hi - lo) : 0.5));
  return Plot.plot({
    width: Math.min(width, 520),
    height: 360,
    marginLeft: 50,
    x: {label: "aligned cut →", type: "band"},
    y: {label: "↑ coherent cut", type: "band", reverse: true},
    color: {scheme: "viridis", domain: [lo, hi], label: `fitted midpoint (${coordinate})`, legend: true, unknown: "#ddd"},
    marks: [
      Plot.cell(cells, {
        x: "aligned",
        y: "coherent",
        fill: "midpoint",
        tip: true,
        title: (d: MidpointCell) =>
          `aligned < ${d.aligned}, coherent > ${d.coherent}: ${d.midpoint === null ? `no credible transition (${verdictWords(d.verdict)})` : `midpoint ${d.midpoint.toPrecision(3)}`}`,
      }),
      Plot.text(cells, {
        x: "aligned",
        y: "coherent",
        text: (d: MidpointCell) => (d.midpoint === null ? "none" : d.midpoint.toPrecision(3)),
        fill: (d: MidpointCell) => inkOn(cellColor(d)),
        fontSize: 9,
      }),
      Plot.cell(
        cells.filter((d) => d.aligned === current.aligned && d.coherent === current.coherent),
        {x: "aligned", y: "coherent", stroke: "#D55E00", strokeWidth: 3, fill: null},
      ),
    ],
  });
}
