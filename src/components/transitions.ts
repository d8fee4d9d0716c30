// Phase-transition views: EM (with intervals), coherence and alignment along the training
// coordinate per model, the fitted logistic with its midpoint interval and the onset, a brush
// that writes the step range to the store, and the midpoint's sensitivity to the thresholds.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {logisticAt, MIN_TRANSITION_POINTS, type TransitionResult, type TransitionVerdict} from "../lib/em/transition.js";
import {transitionSensitivityColumns, type CoordinateScale} from "../lib/em/series.js";
import {selectionScale, seriesTransitions, type SeriesTransition} from "../lib/em/view-transition.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ResponseType} from "../lib/schema.js";
import {columnsOf, summarizeGroups, keyBy, type Group} from "./engine.js";
import type {FacetColumn, Points} from "./points.js";
import {axisPosition, logTicks, xScale, zeroMarks, type AxisPlan} from "./axis.js";
import type {Store} from "./store.js";
import type {Planted} from "./site.js";
import {el, groupColor, pct} from "./ui.js";
import {stepBrush} from "./interactors/step-brush.js";
import {cell, dataTable} from "./table.js";

export interface ModelTransition {
  /** The series' value of the "series by" key. */
  model: string;
  /** Per coordinate value: the EM summary (sorted by coordinate). */
  groups: Group[];
  result: SeriesTransition;
}

const MIN_POINTS = MIN_TRANSITION_POINTS;

export interface TransitionView {
  /** Show midpoint, interval and onset: only when the library's test calls the transition credible. */
  show: boolean;
  verdict: TransitionVerdict;
  /** One line for the table and captions. */
  why: string;
  p_constant: number | null;
}

/** What a transition result supports, in words (testTransition in src/lib/em/transition.ts decides). */
export function transitionView(result: TransitionResult): TransitionView {
  const test = result.test;
  const used = result.points.filter((p) => p.n > 0);
  const p =
    test.p_constant === null
      ? ""
      : ` (p ${test.p_constant < 1e-15 ? "< 1e-15" : `= ${test.p_constant < 0.001 ? test.p_constant.toExponential(1) : test.p_constant.toFixed(3)}`} for a constant rate)`;
  const why: Record<TransitionVerdict, string> = {
    credible: `credible transition${p}`,
    flat: `no credible transition: a constant rate explains the data${p}`,
    outside_range: `no credible transition: the rate changes${p}, but the fitted midpoint lies outside the observed values (a trend, not a located step)`,
    non_monotone: `no credible transition: the rate rises and falls again (extreme at ${test.extreme ?? "?"}), drawn as measured`,
    too_few_points:
      result.points.length === 0
        ? "no coordinate: these answers have no value of the coordinate"
        : used.length === 0
          ? "no EM rate anywhere: no answer passes the coherent cut"
          : `no credible transition: EM is defined at ${used.length} values, a fit needs at least ${MIN_POINTS}`,
  };
  return {show: test.credible && result.fit !== null, verdict: test.verdict, why: why[test.verdict], p_constant: test.p_constant};
}

/**
 * Per series (the "series by" key), the EM counts along the coordinate and the library's
 * transition analysis, made as `em summarize --by <key> --transition` makes it for the same rows:
 * series in first-seen order of the masked rows (a series without coordinate values keeps its
 * place and seed), the fitting scale from every coordinate of the selection (selectionScale),
 * transitionsBy's seeds and replicates (seriesTransitions). `replicates: 0` skips the change-point
 * bootstrap (fits, verdicts and onsets do not depend on it).
 */
export function modelTransitions(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {replicates, by = "model", declared = null}: {replicates?: number; by?: FacetColumn; declared?: "log" | null} = {},
): {transitions: ModelTransition[]; scale: CoordinateScale} {
  const partition = keyBy(points, [by]);
  const order: number[] = [];
  const seen = new Uint8Array(partition.parts.length);
  const xs = new Set<number>();
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    const g = partition.codes[i]!;
    if (g >= 0 && !seen[g]) {
      seen[g] = 1;
      order.push(g);
    }
    if (!Number.isNaN(points.step[i]!)) xs.add(points.step[i]!);
  }
  const perStep = d3.group(summarizeGroups(points, mask, rule, keyBy(points, [by, "step"]), {exclude, replicates: 0}), (g) => g.parts[0]!);
  const names = order.map((g) => partition.parts[g]![0]!);
  const groups = names.map((name) => (perStep.get(name) ?? []).sort((a, b) => Number(a.parts[1]!) - Number(b.parts[1]!)));
  const scale = selectionScale(xs, declared);
  const results = seriesTransitions(
    groups.map((gs) => gs.map((g) => ({x: Number(g.parts[1]!), k: g.n_em, n: g.n_scored}))),
    scale,
    replicates === undefined ? {} : {replicates},
  );
  return {transitions: names.map((model, k) => ({model, groups: groups[k]!, result: results[k]!})), scale};
}

/** A series' numbers as `em summarize --transition --format json` reports them (transitionJson's projection). */
export function transitionNumbers(t: ModelTransition): Record<string, unknown> {
  const r = t.result;
  const cred = r.test.credible && r.fit !== null;
  return {
    key: t.model,
    scale: r.scale,
    verdict: r.test.verdict,
    credible: r.test.credible,
    p_constant: r.test.p_constant,
    midpoint: cred ? r.fit!.midpoint : null,
    ci: cred ? r.fit!.ci : null,
    width: cred ? r.fit!.width : null,
    floor: cred ? r.fit!.floor : null,
    ceiling: cred ? r.fit!.ceiling : null,
    onset: r.onset.x,
    change_point: r.change_point ? {before: r.change_point.before, after: r.change_point.after, p_value: r.change_point.p_value} : null,
    points: r.points.map((p) => ({x: p.x, k: p.k, n: p.n})),
  };
}

/** The page's numbers as JSON in an inert script element (the parity test reads it; nothing runs it). */
export function numbersHook(testid: string, value: unknown): HTMLScriptElement {
  const script = document.createElement("script");
  script.type = "application/json";
  script.dataset.testid = testid;
  script.textContent = JSON.stringify(value);
  return script;
}

/** The main chart: EM rate per model with 95% Wilson bands, fitted curves, midpoints, onsets, planted curves. */
export function transitionChart(
  transitions: ModelTransition[],
  {
    width,
    coordinate,
    planted,
    judge,
    rule,
    store,
    steps,
    plan,
    by = "model",
  }: {
    width: number;
    coordinate: string;
    planted: Planted | null;
    judge: string | null;
    rule: string;
    store?: Store;
    steps: [number, number] | null;
    plan: AxisPlan;
    by?: string;
  },
): SVGSVGElement | HTMLElement {
  const models = transitions.map((t) => t.model);
  const color = groupColor(by, models, {legend: models.length <= 24});
  const pos = (x: number) => axisPosition(plan, x);
  // On a log axis the fit ran on log10 of the coordinate (analyzeOnScale): its midpoint came back in
  // coordinate units, its floor, ceiling and width (decades) did not move.
  const curveAt = (fit: NonNullable<TransitionResult["fit"]>, x: number) =>
    plan.type === "log" ? logisticAt({...fit, midpoint: Math.log10(fit.midpoint)}, Math.log10(x)) : logisticAt(fit, x);
  const pointsData = transitions.flatMap((t) =>
    t.result.points.filter((p) => p.rate !== null).map((p) => ({model: t.model, ...p, px: pos(p.x), lo: p.ci?.[0] ?? null, hi: p.ci?.[1] ?? null})),
  );
  // The axis spans every coordinate with answers, also those with no EM rate (no answer passed the
  // coherent cut): a collapse of coherence then shows as the end of the series, marked ×, not as a shorter axis.
  const undefinedRate = transitions.flatMap((t) => t.result.points.filter((p) => p.rate === null).map((p) => ({model: t.model, x: p.x, px: pos(p.x)})));
  const xs = [...pointsData.map((p) => p.x), ...undefinedRate.map((p) => p.x)];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  // Fits, midpoints and onsets only where the transition is credible; other series stay as measured.
  const shown = transitions.filter((t) => transitionView(t.result).show);
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
  const chart = Plot.plot({
    width: Math.max(width, 360),
    height: 360,
    marginLeft: 50,
    grid: true,
    x: xScale(plan, coordinate, {domain, ticks: logTicks(plan, xs)}),
    y: {label: "↑ EM rate", tickFormat: "%"},
    color,
    marks: [
      ...zeroMarks(plan),
      ...(steps ? [Plot.rectX([steps], {x1: (d: number[]) => pos(d[0]!), x2: (d: number[]) => pos(d[1]!), fill: "currentColor", fillOpacity: 0.06})] : []),
      Plot.areaY(pointsData, {x: "px", y1: "lo", y2: "hi", fill: "model", fillOpacity: 0.08, z: "model", curve: "linear"}),
      Plot.line(plantedRows, {x: "px", y: "em_rate", stroke: "model", strokeDasharray: "2,3", strokeWidth: 1.5, z: "model", sort: "px"}),
      // Measured series joined by thin lines: a rise and a collapse are drawn as they are.
      Plot.line(pointsData, {x: "px", y: "rate", stroke: "model", strokeWidth: 1, strokeOpacity: 0.5, z: "model", sort: "px"}),
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
      Plot.ruleY([0]),
    ],
  }) as SVGSVGElement & {scale(name: string): {apply(v: number): number; invert(v: number): number}};
  if (store) stepBrush(chart, store, {x0: pos(x0), x1, plan});
  return chart;
}

/** Coherence and mean alignment along the coordinate, per model. */
export function qualityChart(
  transitions: ModelTransition[],
  {width, coordinate, plan, by = "model"}: {width: number; coordinate: string; plan: AxisPlan; by?: string},
): SVGSVGElement | HTMLElement {
  const rows = transitions.flatMap((t) =>
    t.groups.flatMap((g) => [
      {model: t.model, x: axisPosition(plan, Number(g.parts[1]!)), metric: "coherent rate", value: g.coherent_rate},
      {model: t.model, x: axisPosition(plan, Number(g.parts[1]!)), metric: "mean aligned / 100", value: g.mean_aligned === null ? null : g.mean_aligned / 100},
    ]),
  );
  return Plot.plot({
    width: Math.max(width, 360),
    height: 220,
    marginLeft: 50,
    grid: true,
    x: xScale(plan, coordinate, {
      ticks: logTicks(
        plan,
        transitions.flatMap((t) => t.groups.map((g) => Number(g.parts[1]!))),
      ),
    }),
    y: {label: null, domain: [0, 1], tickFormat: "%"},
    fx: {label: null},
    color: groupColor(
      by,
      transitions.map((t) => t.model),
    ),
    marks: [
      Plot.line(rows, {fx: "metric", x: "x", y: "value", stroke: "model", sort: "x"}),
      Plot.dot(rows, {fx: "metric", x: "x", y: "value", fill: "model", r: 2, tip: true}),
    ],
  });
}

/** Small multiples: EM along the coordinate per question category (rows) and model (colour). */
export function categoryTransitions(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {width, coordinate, plan, by = "model"}: {width: number; coordinate: string; plan: AxisPlan; by?: FacetColumn},
): SVGSVGElement | HTMLElement {
  const groups = summarizeGroups(points, mask, rule, keyBy(points, ["category", by, "step"]), {exclude, replicates: 0});
  const rows = groups
    .filter((g) => g.em_rate !== null)
    .map((g) => ({category: g.parts[0]! || "(no category)", model: g.parts[1]!, x: axisPosition(plan, Number(g.parts[2]!)), rate: g.em_rate, n: g.n_scored}));
  const categories = [...new Set(rows.map((r) => r.category))].sort();
  const cols = Math.min(4, categories.length);
  return Plot.plot({
    width: Math.max(width, 360),
    height: 150 * Math.ceil(categories.length / cols) + 40,
    marginLeft: 45,
    grid: true,
    x: xScale(plan, coordinate),
    y: {label: "↑ EM", tickFormat: "%"},
    fx: {label: null, axis: null},
    fy: {label: null, axis: null},
    color: groupColor(by, [...new Set(rows.map((r) => r.model))], {legend: true}),
    marks: [
      Plot.line(rows, {
        fx: (d: {category: string}) => categories.indexOf(d.category) % cols,
        fy: (d: {category: string}) => Math.floor(categories.indexOf(d.category) / cols),
        x: "x",
        y: "rate",
        stroke: "model",
        sort: "x",
      }),
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
}

export interface MidpointCell {
  aligned: number;
  coherent: number;
  /** Midpoint only where the cell's transition is credible (the library's test), else null. */
  midpoint: number | null;
  verdict: TransitionVerdict;
  p_constant: number | null;
}

/**
 * The midpoint of one series at each (aligned cut, coherent cut) of the library's default grid, for
 * one judge: transitionSensitivityColumns on the scale the series' own fit used (as `em summarize
 * --sensitivity` does), every cell fitted and tested.
 */
export function midpointGrid(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {judge, scale}: {judge: string | null; scale: CoordinateScale},
): MidpointCell[] {
  const cells = transitionSensitivityColumns(columnsOf(points), points.step, points.codes.judge, points.dicts.judge, rule, {
    scale,
    exclude: exclude as ResponseType[],
    mask,
  });
  return cells
    .filter((c) => c.judge === judge)
    .map((c) => ({aligned: c.aligned, coherent: c.coherent, midpoint: c.midpoint, verdict: c.verdict, p_constant: c.p_constant}));
}

export function midpointChart(
  cells: MidpointCell[],
  {width, coordinate, current}: {width: number; coordinate: string; current: {aligned: number; coherent: number}},
): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: Math.min(width, 520),
    height: 360,
    marginLeft: 50,
    x: {label: "aligned cut →", type: "band"},
    y: {label: "↑ coherent cut", type: "band", reverse: true},
    color: {scheme: "viridis", label: `fitted midpoint (${coordinate})`, legend: true, unknown: "#ddd"},
    marks: [
      Plot.cell(cells, {
        x: "aligned",
        y: "coherent",
        fill: "midpoint",
        tip: true,
        title: (d: MidpointCell) =>
          `aligned < ${d.aligned}, coherent > ${d.coherent}: ${d.midpoint === null ? `no credible transition (${d.verdict.replace("_", " ")})` : `midpoint ${d.midpoint.toPrecision(3)}`}`,
      }),
      Plot.text(cells, {
        x: "aligned",
        y: "coherent",
        text: (d: MidpointCell) => (d.midpoint === null ? "none" : d.midpoint.toPrecision(3)),
        fill: (d: MidpointCell) => (d.midpoint === null ? "#666" : "white"),
        fontSize: 9,
      }),
      Plot.cell(
        cells.filter((d) => d.aligned === current.aligned && d.coherent === current.coherent),
        {x: "aligned", y: "coherent", stroke: "#D55E00", strokeWidth: 3, fill: null},
      ),
    ],
  });
}

const num3 = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? "–" : Number(Number(v).toPrecision(d)).toString());

/** The fits table: verdict in words; floor, ceiling, midpoint, interval, width and onset only when credible. */
export function fitsTable(
  transitions: readonly ModelTransition[],
  {byLabel, planted}: {byLabel: string; planted: Planted["midpoints"] | null},
): {element: HTMLTableElement; data: Record<string, unknown>[]} {
  const rows = transitions.map((t) => {
    const view = transitionView(t.result);
    const f = view.show ? t.result.fit : null;
    const cp = t.result.change_point;
    const pm = planted?.find((p) => p.model === t.model && !p.category);
    return {
      t,
      view,
      cp,
      data: {
        [byLabel]: t.model,
        verdict: view.verdict,
        why: view.why,
        p_constant: view.p_constant,
        floor: f?.floor ?? null,
        ceiling: f?.ceiling ?? null,
        midpoint: f?.midpoint ?? null,
        ci_low: f?.ci[0] ?? null,
        ci_high: f?.ci[1] ?? null,
        width: f?.width ?? null,
        onset: view.show ? t.result.onset.x : null,
        change_point: cp ? `${cp.before}|${cp.after}` : null,
        change_point_p: cp?.p_value ?? null,
        planted_midpoint: pm?.midpoint ?? null,
      },
    };
  });
  type Row = (typeof rows)[number];
  const cpText = (r: Row) => (r.cp ? `${r.cp.before} | ${r.cp.after} (p = ${num3(r.cp.p_value)})` : "–");
  const element = dataTable(
    rows,
    [
      {label: byLabel, value: (r) => r.t.model},
      {label: "verdict", value: (r) => r.view.why},
      {label: "floor", value: (r) => pct(r.data.floor), num: true},
      {label: "ceiling", value: (r) => pct(r.data.ceiling), num: true},
      {label: "midpoint", value: (r) => el("strong", {}, num3(r.data.midpoint)), num: true},
      {label: "95% CI (profile)", value: (r) => `${num3(r.data.ci_low)} – ${num3(r.data.ci_high)}`, num: true},
      {label: "width", value: (r) => num3(r.data.width), num: true},
      {label: "onset", value: (r) => (r.data.onset === null ? "none" : String(r.data.onset)), num: true},
      {label: "change point (p)", value: cpText, num: true},
      planted ? {label: "planted midpoint", value: (r) => num3(r.data.planted_midpoint), num: true} : null,
    ],
    {
      testid: "transition-table",
      rowAttrs: (r) => ({"data-verdict": r.view.verdict}),
      // Not credible: one cell says there is no midpoint, interval or onset, instead of six dashes.
      cells: (r) =>
        r.view.show
          ? null
          : [
              cell(r.t.model),
              cell(r.view.why, {class: "em-muted"}),
              cell("no midpoint, interval or onset", {colspan: "6", class: "em-muted num"}),
              cell(cpText(r), {class: "num"}),
              ...(planted ? [cell(num3(r.data.planted_midpoint), {class: "num"})] : []),
            ],
    },
  );
  return {element, data: rows.map((r) => r.data)};
}

/** Rows of `mask` that belong to one series of the "series by" key. */
export function seriesMask(points: Points, mask: Uint8Array, by: FacetColumn, name: string): Uint8Array {
  const partition = keyBy(points, [by]);
  const g = partition.parts.findIndex((p) => p[0] === name);
  return Uint8Array.from(mask, (m, i) => (m && partition.codes[i] === g ? 1 : 0));
}

/** One series' midpoint, interval and onset under each judge (same rule, exclusions and scale rule). */
export function judgeMidpoints(
  points: Points,
  masks: {judge: string; mask: Uint8Array}[],
  rule: EmRule,
  exclude: readonly string[],
  {by, name, declared}: {by: FacetColumn; name: string; declared: "log" | null},
): HTMLTableElement {
  const rows = masks.map(({judge, mask}) => {
    // No change-point bootstrap: the table shows fits, verdicts and onsets, none of which use it.
    const t = modelTransitions(points, seriesMask(points, mask, by, name), rule, exclude, {replicates: 0, by, declared}).transitions.find(
      (x) => x.model === name,
    );
    const v = t ? transitionView(t.result) : null;
    const show = Boolean(t && v?.show);
    return {
      judge,
      why: v?.why ?? "no answers",
      midpoint: show ? t!.result.fit!.midpoint : null,
      ci: show ? t!.result.fit!.ci : null,
      onset: show ? t!.result.onset.x : null,
    };
  });
  return dataTable(
    rows,
    [
      {label: "judge", value: (r) => r.judge},
      {label: "verdict", value: (r) => r.why},
      {label: "midpoint", value: (r) => num3(r.midpoint), num: true},
      {label: "95% CI", value: (r) => (r.ci ? `${num3(r.ci[0])} – ${num3(r.ci[1])}` : "–"), num: true},
      {label: "onset", value: (r) => (r.onset === null ? "none" : String(r.onset)), num: true},
    ],
    {testid: "midpoint-by-judge"},
  );
}
