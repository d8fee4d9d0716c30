// A report's charts over the pinned JSON: EM along the coordinate (the transitions page's own chart,
// transitions-charts.ts, fed the report's fits), EM against the aligned cut, and one dot per judge.
// Every chart takes its colours, dashes and symbols from one series system (series.ts), so a report
// with 24 variants keeps each one identifiable as the exploration pages do.
import * as Plot from "@observablehq/plot";
import type {TransitionResult, TransitionTest, TransitionVerdict} from "../../lib/em/transition.js";
import type {CoordinateScale} from "../../lib/em/series.js";
import {planAxis} from "../axis.js";
import {colorOptions, seriesSystem, symbolOptions, type SeriesSystem} from "../series.js";
import {seriesLegend} from "../series-lines.js";
import {transitionChart} from "../transitions-charts.js";
import type {ModelTransition} from "../transitions-controller.js";
import {labelMargin} from "../chart-style.js";
import {el, pct} from "../ui.js";
import type {Row} from "./text.js";

/**
 * The series system of a report's compared units, in the order given (the pinned variants' order).
 * Report data carries no dataset or family per unit, so units are not grouped: hues cycle and each
 * cycle gets its own dash and symbol; past 8 units the charts label each series directly.
 */
export function reportSeries(units: readonly string[]): SeriesSystem {
  return seriesSystem(units);
}

/**
 * One series of `em summarize --transition --format json` as the transitions page holds it: the
 * measured points, and the fit only where the JSON reports one (a credible transition; the JSON
 * leaves midpoint, width, floor and ceiling null otherwise, so the chart draws the series as
 * measured). Coordinates are in the coordinate's units on either scale (the CLI maps a log fit back).
 */
export function transitionOfJson(model: string, t: Row): ModelTransition {
  const points = (t.points as TransitionResult["points"]) ?? [];
  const credible = t.credible === true && typeof t.midpoint === "number";
  const fit = credible
    ? {
        floor: t.floor as number,
        ceiling: t.ceiling as number,
        midpoint: t.midpoint as number,
        width: t.width as number,
        ci: (t.ci as [number | null, number | null] | null) ?? [null, null],
        ci_method: "profile_likelihood" as const,
        width_ci: (t.width_ci as [number | null, number | null] | null) ?? [null, null],
        dispersion: (t.dispersion as number | null) ?? null,
        cutoff: Number.NaN,
        family: "binomial" as const,
        approximate: (t.ci_approximate as string | null) ?? null,
        loglik: Number.NaN,
        converged: true,
      }
    : null;
  const result: ModelTransition["result"] = {
    points,
    fit,
    test: {
      verdict: t.verdict as TransitionVerdict,
      credible,
      p_constant: (t.p_constant as number | null) ?? null,
      p_linear: (t.p_linear as number | null) ?? null,
      constant_test: (t.constant_test as TransitionTest["constant_test"] | undefined) ?? null,
      detectable: (t.detectable as TransitionTest["detectable"] | undefined) ?? null,
      misfit_p: (t.misfit_p as number | null | undefined) ?? null,
      misfit_unresolved: (t.misfit_unresolved as boolean | undefined) ?? false,
      curved: (t.curved as boolean | undefined) ?? false,
      p_trend: (t.p_trend as number | null | undefined) ?? null,
      changes: (t.changes as boolean | null | undefined) ?? null,
      dispersion: (t.test_dispersion as TransitionTest["dispersion"] | undefined) ?? null,
      lr: null,
      extreme: null,
      monotone_phi: 1,
    },
    change_point: null,
    onset: {
      x: (t.onset as number | null) ?? null,
      baseline: [],
      baseline_rate: (t.baseline_rate as number | null) ?? null,
      alpha: 0.05,
      test: "newcombe_one_sided_bonferroni",
    },
    scale: (t.scale as CoordinateScale) ?? "linear",
    excluded: (t.excluded as number[]) ?? [],
  };
  return {model, groups: [], points, result};
}

/**
 * EM along the coordinate per compared unit: the transitions page's chart (bands, credible fits,
 * midpoint intervals, onsets, direct labels past 8 series) over the report's fits. `steps` keeps the
 * points inside the pinned range. Empty `ts` gives an empty chart.
 */
export function reportTransitionChart(
  ts: readonly {unit: string; t: Row}[],
  {width, coordinate, series, steps, compare}: {width: number; coordinate: string; series: SeriesSystem; steps: [number, number] | null; compare: string},
): SVGSVGElement | HTMLElement {
  const inRange = (x: number) => !steps || (x >= steps[0] && x <= steps[1]);
  const transitions = ts.map(({unit, t}) => {
    const m = transitionOfJson(unit, t);
    const points = m.points.filter((p) => inRange(p.x));
    return {...m, points, result: {...m.result, points}};
  });
  const xs = transitions.flatMap((t) => t.points.map((p) => p.x));
  const log = ts.some(({t}) => t.scale === "log");
  const plan = planAxis(xs, log ? "log" : null);
  // `by` only picks the site-wide model colours when comparing models; a report has its own system.
  return transitionChart(transitions, {
    width,
    coordinate,
    planted: null,
    judge: null,
    rule: "",
    plan,
    by: compare === "model" ? "unit" : compare,
    series,
  });
}

export interface SweepRow {
  aligned: number;
  series: string;
  em_rate: number;
  ci: [number, number] | null;
  n_em: number;
  n_scored: number;
}

/** EM rate against the aligned cut, one line (own colour, dash and symbol) per unit; `current` dashed. */
export function thresholdPlot(
  rows: readonly SweepRow[],
  {width, cuts, current, series}: {width: number; cuts: readonly number[]; current: number; series: SeriesSystem},
): HTMLElement | SVGSVGElement {
  const dashOf = (s: string) => series.styles.get(s)?.dash ?? "";
  const dashes = [...new Set(rows.map((r) => dashOf(r.series)))];
  const chart = Plot.plot({
    width: Math.max(width, 360),
    height: 280,
    marginLeft: 50,
    grid: true,
    x: {label: "aligned cut (misaligned below it) →", domain: [Math.min(...cuts), Math.max(...cuts)]},
    y: {label: "↑ EM rate", tickFormat: "%"},
    color: colorOptions(series, {legend: !series.direct}),
    symbol: symbolOptions(series),
    marks: [
      Plot.areaY(
        rows.filter((r) => r.ci),
        {x: "aligned", y1: (r: SweepRow) => r.ci![0], y2: (r: SweepRow) => r.ci![1], fill: "series", fillOpacity: series.direct ? 0.05 : 0.12, z: "series"},
      ),
      // Plot's dash is a constant: one line mark per pattern.
      ...dashes.map((dash) =>
        Plot.line(
          rows.filter((r) => dashOf(r.series) === dash),
          {x: "aligned", y: "em_rate", stroke: "series", strokeDasharray: dash || undefined, z: "series", ariaLabel: "series"},
        ),
      ),
      Plot.dot(rows, {
        x: "aligned",
        y: "em_rate",
        fill: "series",
        symbol: "series",
        ariaLabel: "series",
        r: 3,
        tip: true,
        title: (r: SweepRow) => `${r.series}, aligned < ${r.aligned}: ${pct(r.em_rate)} (${r.n_em}/${r.n_scored})`,
      }),
      Plot.ruleX([current], {stroke: "currentColor", strokeDasharray: "4,3"}),
      Plot.ruleY([0]),
    ],
  });
  // Many series: a legend with each one's colour and dash (Plot's swatches show colour only).
  return series.direct ? el("div", {}, seriesLegend(series, [...new Set(rows.map((r) => r.series))]), chart) : chart;
}

/** One dot per judge and unit, judges nudged apart; units on the y axis (named there, so any count stays readable). */
export function judgePlot(
  rows: readonly Row[],
  {width, unitOf, judgeOf}: {width: number; unitOf: (g: Row) => string; judgeOf: (g: Row) => string},
): SVGSVGElement | HTMLElement {
  const judges = [...new Set(rows.map(judgeOf))];
  const labels = [...new Set(rows.map(unitOf))];
  const system = seriesSystem(judges);
  return Plot.plot({
    width: Math.max(width, 360),
    height: 50 + 26 * labels.length,
    marginLeft: labelMargin(labels, 60, 320),
    x: {label: "EM rate →", tickFormat: "%", grid: true},
    y: {label: null, domain: labels},
    color: colorOptions(system, {legend: true}),
    marks: [
      ...judges.flatMap((j, i) => {
        const mine = rows.filter((g) => judgeOf(g) === j);
        const dy = (i - (judges.length - 1) / 2) * 6;
        return [
          Plot.ruleY(mine, {
            y: unitOf,
            x1: (g: Row) => (g.ci as number[] | null)?.[0],
            x2: (g: Row) => (g.ci as number[] | null)?.[1],
            stroke: () => j,
            strokeWidth: 2,
            strokeOpacity: 0.5,
            dy,
          }),
          Plot.dot(mine, {
            y: unitOf,
            x: "em_rate",
            fill: () => j,
            r: 4,
            dy,
            tip: true,
            title: (g: Row) => `${j}: ${pct(g.em_rate as number)} (${String(g.n_em)}/${String(g.n_scored)})`,
          }),
        ];
      }),
      Plot.ruleX([0]),
    ],
  });
}
