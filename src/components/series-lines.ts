// A rate along an ordered coordinate, one line per series, drawn with the series system
// (series.ts): each series' 95% band under its line, its own colour and dash, direct labels at the
// right end from DIRECT_LABELS series, one panel per group (small multiples) from SMALL_MULTIPLES;
// series without a coordinate (a base model, a baseline) as a horizontal reference with its band.
import * as Plot from "@observablehq/plot";
import {colorOptions, labelPositions, type SeriesSystem} from "./series.js";
import {el, pct} from "./ui.js";
import {labelMargin} from "./chart-style.js";

export interface SeriesPoint {
  key: string;
  /** Position on the x scale (already mapped by the axis plan). */
  x: number;
  y: number;
  lo: number | null;
  hi: number | null;
  title: string;
}

/** A series measured without a coordinate: drawn across the whole x range. */
export interface FlatSeries {
  key: string;
  y: number;
  lo: number | null;
  hi: number | null;
  title: string;
}

export interface SeriesLineOptions {
  width: number;
  system: SeriesSystem;
  /** Plot x scale options (label, type, ticks...). */
  x: Record<string, unknown>;
  yLabel?: string;
  height?: number;
  /** Colour options when the system does not decide (few series: the site-wide colours). */
  color?: Record<string, unknown>;
  flat?: readonly FlatSeries[];
  /** Marks drawn first in every panel (a zero mark on a log axis, a selected range...). */
  before?: Plot.Markish[];
}

const MARGIN_TOP = 20;
const MARGIN_BOTTOM = 36;

/**
 * The chart (one SVG) or, past the system's panel count, a <div> of one titled SVG per group with
 * shared scales. Empty input gives an empty chart with its axes.
 */
export function seriesLineChart(points: readonly SeriesPoint[], options: SeriesLineOptions): SVGSVGElement | HTMLElement {
  const {system} = options;
  const flat = options.flat ?? [];
  // Bands are areas: their points must come in x order (summaries come in text order: 0, 1, 16, 4).
  points = [...points].sort((a, b) => a.x - b.x);
  const yMax = Math.max(0.05, ...points.map((p) => Math.max(p.y, p.hi ?? 0)), ...flat.map((f) => Math.max(f.y, f.hi ?? 0)));
  const xs = points.map((p) => p.x);
  const xDomain: [number, number] | undefined = xs.length ? [Math.min(...xs), Math.max(...xs)] : undefined;
  if (!system.panels) return panel(points, flat, system.keys, {...options, yMax, xDomain});
  const box = el("div", {class: "em-panels", "data-panels": String(system.groups!.length)});
  for (const group of system.groups!) {
    const keys = system.keys.filter((k) => system.styles.get(k)!.group === group);
    const set = new Set(keys);
    box.append(
      el("h4", {class: "em-panel-title"}, group),
      panel(
        points.filter((p) => set.has(p.key)),
        flat.filter((f) => set.has(f.key)),
        keys,
        {...options, yMax, xDomain, height: Math.min(options.height ?? 260, 220)},
      ),
    );
  }
  return box;
}

function panel(
  points: readonly SeriesPoint[],
  flat: readonly FlatSeries[],
  keys: readonly string[],
  {width, system, x, yLabel = "↑ EM rate", height = 280, color, before = [], yMax, xDomain}: SeriesLineOptions & {yMax: number; xDomain?: [number, number]},
): SVGSVGElement {
  const direct = system.direct;
  const styleOf = (k: string) => system.styles.get(k)!;
  const byKey = new Map<string, SeriesPoint[]>();
  for (const p of points) {
    if (!byKey.has(p.key)) byKey.set(p.key, []);
    byKey.get(p.key)!.push(p);
  }
  // Direct labels at the right edge, at each series' last value, spread so none overlap.
  const ends = keys.filter((k) => byKey.has(k)).map((k) => byKey.get(k)!.reduce((a, b) => (b.x > a.x ? b : a)));
  const range: [number, number] = [MARGIN_TOP, height - MARGIN_BOTTOM];
  const labelY = direct
    ? labelPositions(
        ends.map((e) => e.y),
        {domain: [0, yMax], range},
      )
    : [];
  const labelled = ends.map((e, i) => ({key: e.key, y: labelY[i]!, x0: e.x, y0: e.y}));
  // From every series, not the panel's: panels stacked one above the other keep one x range.
  const marginRight = direct ? labelMargin(system.keys, 40, 220) : 20;
  const dashes = [...new Set(keys.map((k) => (direct ? styleOf(k).dash : "")))];
  const band = keys.length > 6 ? 0.06 : 0.12;
  return Plot.plot({
    width: Math.max(width, 360),
    height,
    marginLeft: 50,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    marginRight,
    grid: true,
    x: {...x, ...(xDomain && !("domain" in x) ? {domain: xDomain} : {})},
    y: {label: yLabel, tickFormat: "%", domain: [0, yMax]},
    color: direct || !color ? colorOptions(system, {legend: !direct && keys.length > 1}) : {...color, legend: keys.length > 1},
    marks: [
      ...before,
      // Series without a coordinate: a reference line across the range with its band, named.
      Plot.rect(flat, {y1: (f: FlatSeries) => f.lo ?? f.y, y2: (f: FlatSeries) => f.hi ?? f.y, fill: "key", fillOpacity: band}),
      Plot.ruleY(flat, {y: "y", stroke: "key", strokeDasharray: "1,3", strokeWidth: 1.5, title: "title"}),
      Plot.text(flat, {
        y: "y",
        text: (f: FlatSeries) => `${f.key} ${pct(f.y)}`,
        frameAnchor: "left",
        textAnchor: "start",
        dx: 4,
        dy: -7,
        fontSize: 10,
        fill: "currentColor",
      }),
      Plot.areaY(points, {
        x: "x",
        y1: (p: SeriesPoint) => p.lo ?? p.y,
        y2: (p: SeriesPoint) => p.hi ?? p.y,
        fill: "key",
        fillOpacity: band,
        z: "key",
        curve: "linear",
      }),
      // Plot's dash is a constant, not a channel: one line mark per dash pattern.
      ...dashes.map((dash) =>
        Plot.line(
          points.filter((p) => (direct ? styleOf(p.key).dash : "") === dash),
          {x: "x", y: "y", stroke: "key", z: "key", ariaLabel: "key", strokeWidth: 1.5, strokeDasharray: dash || undefined, sort: "x"},
        ),
      ),
      Plot.dot(points, {x: "x", y: "y", fill: "key", r: 2.5, tip: true, title: "title"}),
      ...(direct
        ? [
            // A leader in the series' colour from its last point to its label.
            Plot.link(labelled, {x1: "x0", y1: "y0", x2: () => xDomain?.[1] ?? 0, y2: "y", stroke: "key", strokeOpacity: 0.7, strokeWidth: 1}),
            Plot.text(labelled, {
              x: () => xDomain?.[1] ?? 0,
              y: "y",
              text: "key",
              textAnchor: "start",
              dx: 8,
              fontSize: 10,
              fill: "currentColor",
              clip: false,
            }),
          ]
        : []),
      Plot.ruleY([0]),
    ],
  }) as SVGSVGElement;
}

/**
 * A legend that shows what a chart draws: per series a short line sample in its colour and dash
 * (Plot's swatch legend shows colour only), grouped under the group names. Text in the theme's
 * foreground; `keys` limits it to the series present.
 */
export function seriesLegend(system: SeriesSystem, keys: readonly string[] = system.keys): HTMLElement {
  const present = new Set(keys);
  const box = el("div", {class: "em-series-legend", "data-testid": "series-legend"});
  const item = (k: string) => {
    const s = system.styles.get(k)!;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "10");
    svg.setAttribute("aria-hidden", "true");
    const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
    for (const [a, v] of Object.entries({
      x1: "1",
      x2: "25",
      y1: "5",
      y2: "5",
      stroke: s.color,
      "stroke-width": "2",
      ...(s.dash ? {"stroke-dasharray": s.dash} : {}),
    }))
      line.setAttribute(a, v);
    svg.append(line);
    return el("span", {class: "em-series-legend-item"}, svg, k);
  };
  for (const group of system.groups ?? [null]) {
    const members = system.keys.filter((k) => present.has(k) && (group === null || system.styles.get(k)!.group === group));
    if (!members.length) continue;
    box.append(el("div", {}, ...(group === null ? [] : [el("strong", {}, `${group}: `)]), ...members.map(item)));
  }
  return box;
}
