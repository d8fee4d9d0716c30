// Phase-transition views: EM (with intervals), coherence and alignment along the training
// coordinate per model, the fitted logistic with its midpoint interval and the onset, a brush
// that writes the step range to the store, and the midpoint's sensitivity to the thresholds.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import {logisticAt, MIN_TRANSITION_POINTS, type TransitionPoint, type TransitionResult, type TransitionVerdict} from "../lib/em/transition.js";
import {TRANSITION_DEFAULTS, type CoordinateScale} from "../lib/em/series.js";
import {wilson} from "../lib/em/intervals.js";
import {selectionScale, type SeriesTransition} from "../lib/em/view-transition.js";
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
import {runFitJob, type FitResult, type GridJob, type MidpointCell, type SeriesJob} from "./transitions-compute.js";
import {cacheGet, cachePut, cachedFit, peekFit, poolSize, runOffThread} from "./transitions-fits.js";

export type {MidpointCell} from "./transitions-compute.js";

export interface ModelTransition {
  /** The series' value of the "series by" key. */
  model: string;
  /** Per coordinate value: the EM summary (sorted by coordinate). */
  groups: Group[];
  /** Per coordinate value (sorted): EM answers, denominator, rate and 95% Wilson interval, as measured. */
  points: MeasuredPoint[];
  result: SeriesTransition;
}

/** A series drawn before its fit arrives: the measured points only. */
export type PendingTransition = Omit<ModelTransition, "result"> & {result: null};

export type MeasuredPoint = TransitionResult["points"][number];

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
  const pl = test.p_linear === null ? "?" : test.p_linear < 0.001 ? "< 0.001" : `= ${test.p_linear.toFixed(3)}`;
  const approx = result.fit?.approximate ? `; interval approximate: ${result.fit.approximate}` : "";
  const why: Record<TransitionVerdict, string> = {
    credible: `credible transition${p}; a step, not a smooth trend (p ${pl})${approx}`,
    flat: `no credible transition: a constant rate explains the data${p}`,
    smooth_trend: `no credible transition: the rate changes${p}, but a smooth trend explains it as well as a step (p ${pl} against a linear or logit-quadratic trend)`,
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

/** The counts a selection's transition fits need: per series, EM answers and denominator per coordinate value. */
export interface SeriesTallies {
  /** Series names in first-seen order of the masked rows (a series' seed is its index here). */
  names: string[];
  /** Per series, the EM summary per coordinate value (sorted by coordinate). */
  groups: Group[][];
  /** Per series, (x, k = EM answers, n = denominator) per coordinate value. */
  series: TransitionPoint[][];
  /** The fitting scale, from every coordinate value of the selection (selectionScale). */
  scale: CoordinateScale;
}

/**
 * Per series (the "series by" key), the EM counts along the coordinate, made as `em summarize
 * --by <key> --transition` makes them for the same rows: series in first-seen order of the masked
 * rows (a series without coordinate values keeps its place and seed), the fitting scale from every
 * coordinate of the selection. One pass over the rows; the fits need nothing else.
 */
export function seriesTallies(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {by = "model", declared = null}: {by?: FacetColumn; declared?: "log" | null} = {},
): SeriesTallies {
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
  const series = groups.map((gs) => gs.map((g) => ({x: Number(g.parts[1]!), k: g.n_em, n: g.n_scored})));
  return {names, groups, series, scale: selectionScale(xs, declared)};
}

/** The measured points of a series (sorted by x), as the library's analysis reports them. */
function measured(series: readonly TransitionPoint[]): MeasuredPoint[] {
  return series
    .slice()
    .sort((a, b) => a.x - b.x)
    .map((p) => ({x: p.x, k: p.k, n: p.n, rate: p.n > 0 ? p.k / p.n : null, ci: wilson(p.k, p.n, TRANSITION_DEFAULTS.confidence)}));
}

/** The series as drawn before the fits arrive. */
export function pendingTransitions(tallies: SeriesTallies): PendingTransition[] {
  return tallies.names.map((model, k) => ({model, groups: tallies.groups[k]!, points: measured(tallies.series[k]!), result: null}));
}

/**
 * The fit jobs for a selection: the series split into `parts` jobs (each series keeps its seed
 * index), largest series first, so the pool's workers fit in parallel.
 */
export function seriesJobs(tallies: SeriesTallies, parts: number, options: {replicates?: number; profile?: boolean} = {}): SeriesJob[] {
  const order = tallies.series.map((s, g) => ({g, size: s.length})).sort((a, b) => b.size - a.size || a.g - b.g);
  const buckets: number[][] = Array.from({length: Math.max(1, Math.min(parts, order.length))}, () => []);
  order.forEach((o, i) => buckets[i % buckets.length]!.push(o.g));
  return buckets.map((only) => ({kind: "series", series: tallies.series, only, scale: tallies.scale, ...options}));
}

function byIndex(parts: FitResult<SeriesJob>[]): Map<number, SeriesTransition> {
  const results = new Map<number, SeriesTransition>();
  for (const part of parts) for (const r of part) results.set(r.index, r.result);
  return results;
}

/**
 * The analysis in three passes, each the library's seriesTransitions with transitionsBy's seeds:
 *  - "fit": no bootstrap, no profile: the maximum-likelihood fit, the credibility test and the
 *    onset (the verdict, curve and midpoint the page draws first);
 *  - "interval": no bootstrap: the same fit plus its profile-likelihood midpoint interval (the
 *    profile search does not move the maximum, so the fit is the same numbers);
 *  - "change point": the bootstrap with the CLI's replicates, no profile. The bootstrap is the only
 *    user of the seeded generator, so its p-value equals the one-call analysis'; at ~1,000 answers
 *    per point its 999 replicates cost ~1 s per series (randBinomial draws each answer), so it runs
 *    in the background.
 * Fit and interval use no random numbers: they are cached per series (tallies and scale).
 */
const PASSES = {
  fit: {replicates: 0, profile: false},
  interval: {replicates: 0, profile: true},
  change_point: {profile: false},
} as const;
export type Pass = keyof typeof PASSES;

/** A pass's results per series (pass 1 or 2), with the bootstrap pass's change points when given. */
function assemble(
  tallies: SeriesTallies,
  fits: readonly SeriesTransition[],
  {changePoints}: {changePoints?: ReadonlyMap<number, SeriesTransition>} = {},
): ModelTransition[] {
  return tallies.names.map((model, k) => {
    const fit = fits[k];
    const cp = changePoints?.get(k);
    if (!fit || (changePoints && !cp)) throw new Error(`a pass is missing series ${model}`);
    const result: SeriesTransition = {
      ...fit,
      // Only the bootstrap pass has a meaningful change-point p-value.
      change_point: cp ? cp.change_point : null,
    };
    return {model, groups: tallies.groups[k]!, points: result.points, result};
  });
}

/** Cache keys: the tallies themselves (the passes depend on nothing else). */
const selectionKey = (tallies: SeriesTallies, what: string) => JSON.stringify([what, tallies.scale, tallies.names, tallies.series]);
const seriesKey = (tallies: SeriesTallies, pass: Pass, g: number) => JSON.stringify([pass, tallies.scale, tallies.series[g]]);

/** A seed-free pass ("fit" or "interval") of every series, cached per series, the missing ones split across the pool. */
function seriesPass(tallies: SeriesTallies, pass: "fit" | "interval"): Promise<SeriesTransition[]> {
  const keys = tallies.names.map((_, g) => seriesKey(tallies, pass, g));
  // Held here, not looked up again: adding entries may evict old ones.
  const found: (Promise<SeriesTransition> | undefined)[] = keys.map((k) => cacheGet<SeriesTransition>(k));
  const missing = found.flatMap((p, g) => (p ? [] : [g]));
  if (missing.length) {
    const sub = {...tallies, series: tallies.series.map((s, g) => (missing.includes(g) ? s : []))};
    for (const job of seriesJobs(sub, poolSize() || 1, PASSES[pass])) {
      const only = job.only!.filter((g) => missing.includes(g));
      if (!only.length) continue;
      const run = runOffThread({...job, only});
      for (const g of only)
        found[g] = cachePut(
          keys[g]!,
          run.then((r) => r.find((x) => x.index === g)!.result),
        );
    }
  }
  return Promise.all(found as Promise<SeriesTransition>[]);
}

/** Pass 1 for every series: fit, test, onset (no interval yet: `fit.ci` is [null, null]; no change point). */
export function fitTransitions(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return cachedFit(selectionKey(tallies, "fit"), async () => assemble(tallies, await seriesPass(tallies, "fit")));
}

/** Pass 2: the fits with their midpoint intervals (no change point yet). Needs no pass 1 (it refits). */
export function fitIntervals(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return cachedFit(selectionKey(tallies, "interval"), async () => assemble(tallies, await seriesPass(tallies, "interval")));
}

/** All three passes: the page's analysis equal to `em summarize --transition`'s (the bootstrap runs in the background). */
export function fitTransitionsFull(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return cachedFit(selectionKey(tallies, "full"), async () => {
    // One job per series: a job the page needs sooner stops at most one series' bootstrap.
    const cps = Promise.all(seriesJobs(tallies, tallies.names.length, PASSES.change_point).map((job) => runOffThread(job, {priority: "background"})));
    return assemble(tallies, await seriesPass(tallies, "interval"), {changePoints: byIndex(await cps)});
  });
}

/** What the page draws: the fitted series, and which of their numbers are still computing. */
export interface FitState {
  transitions: ModelTransition[];
  intervalsPending: boolean;
  changePending: boolean;
}

/**
 * For Generators.observe: null while the fits run, then the fits, then with their intervals, then
 * with the change points; a selection seen before starts where its cache is.
 */
export function observeFits(tallies: SeriesTallies): (notify: (state: FitState | null) => void) => () => void {
  return (notify) => {
    let live = true;
    const stages = [
      {key: "full", start: fitTransitionsFull, intervalsPending: false, changePending: false},
      {key: "interval", start: fitIntervals, intervalsPending: false, changePending: true},
      {key: "fit", start: fitTransitions, intervalsPending: true, changePending: true},
    ] as const;
    // The furthest stage already computed is shown at once; later ones as they arrive (never an earlier one after a later).
    let shown = stages.findIndex((st) => peekFit(selectionKey(tallies, st.key)) !== undefined);
    if (shown < 0) {
      shown = stages.length;
      notify(null);
    } else {
      const st = stages[shown]!;
      notify({transitions: peekFit<ModelTransition[]>(selectionKey(tallies, st.key))!, intervalsPending: st.intervalsPending, changePending: st.changePending});
    }
    stages.forEach((st, i) => {
      if (i >= shown) return;
      st.start(tallies).then(
        (transitions) => {
          if (!live || i >= shown) return;
          shown = i;
          notify({transitions, intervalsPending: st.intervalsPending, changePending: st.changePending});
        },
        () => {},
      );
    });
    return () => {
      live = false;
    };
  };
}

/** The same analysis on this thread (Node, tests): the jobs the pool would run, pass by pass. */
export function modelTransitions(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {by = "model", declared = null, parts = 1, changePoints = true}: {by?: FacetColumn; declared?: "log" | null; parts?: number; changePoints?: boolean} = {},
): {transitions: ModelTransition[]; scale: CoordinateScale} {
  const tallies = seriesTallies(points, mask, rule, exclude, {by, declared});
  return {
    transitions: assemble(
      tallies,
      passInline(tallies, "interval", parts),
      changePoints ? {changePoints: byIndex(passJobs(tallies, "change_point", parts))} : {},
    ),
    scale: tallies.scale,
  };
}

function passJobs(tallies: SeriesTallies, pass: Pass, parts: number): FitResult<SeriesJob>[] {
  return seriesJobs(tallies, parts, PASSES[pass]).map((job) => runFitJob(job));
}

/** One pass of every series on this thread (tests compare the passes with each other). */
export function passInline(tallies: SeriesTallies, pass: Pass, parts = 1): SeriesTransition[] {
  const m = byIndex(passJobs(tallies, pass, parts));
  return tallies.names.map((_, g) => m.get(g)!);
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
    p_linear: r.test.p_linear,
    midpoint: cred ? r.fit!.midpoint : null,
    ci: cred ? r.fit!.ci : null,
    width: cred ? r.fit!.width : null,
    width_ci: cred ? r.fit!.width_ci : null,
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

/**
 * The main chart: EM rate per model with 95% Wilson bands, fitted curves, midpoints, onsets, planted
 * curves. Pending series (fits not arrived yet) are drawn as measured.
 */
export function transitionChart(
  transitions: readonly (ModelTransition | PendingTransition)[],
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
    t.points.filter((p) => p.rate !== null).map((p) => ({model: t.model, ...p, px: pos(p.x), lo: p.ci?.[0] ?? null, hi: p.ci?.[1] ?? null})),
  );
  // The axis spans every coordinate with answers, also those with no EM rate (no answer passed the
  // coherent cut): a collapse of coherence then shows as the end of the series, marked ×, not as a shorter axis.
  const undefinedRate = transitions.flatMap((t) => t.points.filter((p) => p.rate === null).map((p) => ({model: t.model, x: p.x, px: pos(p.x)})));
  const xs = [...pointsData.map((p) => p.x), ...undefinedRate.map((p) => p.x)];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
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
  transitions: readonly (ModelTransition | PendingTransition)[],
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

/**
 * The grid job of one series for one judge: the series' masked rows as compact columns (the scores
 * the threshold surfaces read, type, coordinate, judge code; ~30 bytes a row, transferred to the
 * worker, not copied), on the scale the series' own fit used (as `em summarize --sensitivity` does).
 */
export function gridJob(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {judge, scale}: {judge: string | null; scale: CoordinateScale},
): {job: GridJob; transfer: Transferable[]} {
  const cols = columnsOf(points);
  let m = 0;
  for (let i = 0; i < points.n; ++i) if (mask[i]) m++;
  const Scores = (a: ArrayLike<number>) => (a instanceof Float32Array ? new Float32Array(m) : new Float64Array(m));
  const aligned = Scores(cols.aligned);
  const coherent = Scores(cols.coherent);
  const type = new Int8Array(m);
  const x = new Float64Array(m);
  const judgeCodes = new Int32Array(m);
  const srcType = cols.type;
  for (let i = 0, j = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    aligned[j] = cols.aligned[i]!;
    coherent[j] = cols.coherent[i]!;
    type[j] = srcType ? srcType[i]! : -1;
    x[j] = points.step[i]!;
    judgeCodes[j] = points.codes.judge[i]!;
    j++;
  }
  return {
    job: {
      kind: "grid",
      aligned,
      coherent,
      type,
      x,
      judge: judgeCodes,
      judges: points.dicts.judge,
      judgeName: judge,
      rule: {...rule},
      scale,
      exclude: [...exclude] as ResponseType[],
    },
    transfer: [aligned.buffer, coherent.buffer, type.buffer, x.buffer, judgeCodes.buffer],
  };
}

/**
 * The midpoint of one series at each (aligned cut, coherent cut) of the library's default grid, for
 * one judge: transitionSensitivityColumns on the series' rows, every cell fitted and tested. On this thread.
 */
export function midpointGrid(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  options: {judge: string | null; scale: CoordinateScale},
): MidpointCell[] {
  return runFitJob(gridJob(points, mask, rule, exclude, options).job);
}

/**
 * midpointGrid off the main thread, cached by `key`, which must name the selection, series, rule,
 * exclusions, judge and scale (the inputs are rows, too many to key on).
 */
export function midpointGridOffThread(
  key: string,
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  options: {judge: string | null; scale: CoordinateScale},
): Promise<MidpointCell[]> {
  return cachedFit(`grid:${key}`, () => {
    const {job, transfer} = gridJob(points, mask, rule, exclude, options);
    return runOffThread(job, {transfer});
  });
}

/** A grid already computed for `key` (undefined: not yet). */
export function cachedGrid(key: string): MidpointCell[] | undefined {
  return peekFit<MidpointCell[]>(`grid:${key}`);
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
  {
    byLabel,
    planted,
    intervalsPending = false,
    changePending = false,
  }: {byLabel: string; planted: Planted["midpoints"] | null; intervalsPending?: boolean; changePending?: boolean},
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
        width_ci_low: f?.width_ci[0] ?? null,
        width_ci_high: f?.width_ci[1] ?? null,
        interval_note: f?.approximate ?? null,
        onset: view.show ? t.result.onset.x : null,
        change_point: cp ? `${cp.before}|${cp.after}` : null,
        change_point_p: cp?.p_value ?? null,
        planted_midpoint: pm?.midpoint ?? null,
      },
    };
  });
  type Row = (typeof rows)[number];
  // While the bootstrap runs, the column says so (marked for tests; not a page-loading placeholder).
  const cpText = (r: Row): string | HTMLElement =>
    changePending
      ? el("span", {class: "em-muted", "data-em-pending": "change-point"}, "bootstrap running…")
      : r.cp
        ? `${r.cp.before} | ${r.cp.after} (p = ${num3(r.cp.p_value)})`
        : "–";
  const element = dataTable(
    rows,
    [
      {label: byLabel, value: (r) => r.t.model},
      {label: "verdict", value: (r) => r.view.why},
      {label: "floor", value: (r) => pct(r.data.floor), num: true},
      {label: "ceiling", value: (r) => pct(r.data.ceiling), num: true},
      {label: "midpoint", value: (r) => el("strong", {}, num3(r.data.midpoint)), num: true},
      {
        label: "95% CI (profile)",
        value: (r) =>
          intervalsPending ? el("span", {class: "em-muted", "data-em-pending": "interval"}, "profiling…") : `${num3(r.data.ci_low)} – ${num3(r.data.ci_high)}`,
        num: true,
      },
      {
        // a null upper bound: a transition as wide as a smooth trend fits too; a null lower one: any sharper step does
        label: "width (95% CI)",
        value: (r) =>
          intervalsPending
            ? num3(r.data.width)
            : `${num3(r.data.width)} [${r.data.width_ci_low === null ? "0" : num3(r.data.width_ci_low)} – ${r.data.width_ci_high === null ? "unbounded" : num3(r.data.width_ci_high)}]`,
        num: true,
      },
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
  // A plain loop: Uint8Array.from with a callback costs ~10x more per row.
  const out = new Uint8Array(points.n);
  const codes = partition.codes;
  for (let i = 0; i < points.n; ++i) out[i] = mask[i] && codes[i] === g ? 1 : 0;
  return out;
}

/**
 * One series' midpoint, interval and onset under each judge (same rule, exclusions and scale rule),
 * fitted off the main thread (no change-point bootstrap: the table shows fits, verdicts and onsets,
 * none of which use it).
 */
export async function judgeMidpoints(
  points: Points,
  masks: {judge: string; mask: Uint8Array}[],
  rule: EmRule,
  exclude: readonly string[],
  {by, name, declared}: {by: FacetColumn; name: string; declared: "log" | null},
): Promise<HTMLTableElement> {
  const rows = await Promise.all(
    masks.map(async ({judge, mask}) => {
      const tallies = seriesTallies(points, seriesMask(points, mask, by, name), rule, exclude, {by, declared});
      const t = (await fitIntervals(tallies)).find((x) => x.model === name);
      const v = t ? transitionView(t.result) : null;
      const show = Boolean(t && v?.show);
      return {
        judge,
        why: v?.why ?? "no answers",
        midpoint: show ? t!.result.fit!.midpoint : null,
        ci: show ? t!.result.fit!.ci : null,
        onset: show ? t!.result.onset.x : null,
      };
    }),
  );
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
