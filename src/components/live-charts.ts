// Charts that follow the cuts in place. Each is drawn once per selection and then updated with new
// numbers by D3 joins (same elements, new geometry and text), so moving a threshold repaints within
// the frame instead of rebuilding a Plot figure and its DOM. They show the same marks the Plot
// versions did (g[aria-label="bar"] rect per bar, axes, titles as tooltips: plain text, inert).
import * as d3 from "d3";
import {pct, plotSvg} from "./ui.js";
import {PALETTE, TYPE_COLORS, labelMargin} from "./chart-style.js";

const NS = "http://www.w3.org/2000/svg";

/** The SVG root of a live chart (sized in pixels, scalable by its viewBox). */
function liveSvg(w: number, h: number) {
  return d3.create("svg").attr("width", w).attr("height", h).attr("viewBox", `0 0 ${w} ${h}`).attr("class", "em-live-chart").style("font", "10px sans-serif");
}

/** The x-axis group at the foot of a live chart `h` pixels tall, then its label ending at x = `right`. */
function bottomAxis(svg: ReturnType<typeof liveSvg>, h: number, right: number, label: string) {
  const axis = svg
    .append("g")
    .attr("aria-label", "x-axis")
    .attr("transform", `translate(0,${h - 28})`);
  svg
    .append("text")
    .attr("x", right)
    .attr("y", h - 2)
    .attr("text-anchor", "end")
    .text(label);
  return axis;
}

/** Set each element's attributes to `values` (of its datum and index), writing only those that differ. */
function put<E extends d3.BaseType, D, P extends d3.BaseType, PD>(
  sel: d3.Selection<E, D, P, PD>,
  values: Record<string, (d: D, i: number) => number | string>,
): void {
  const entries = Object.entries(values);
  sel.each(function (this: E, d: D, i: number) {
    const node = this as Element;
    for (const [name, f] of entries) {
      const v = String(f(d, i));
      if (node.getAttribute(name) !== v) node.setAttribute(name, v);
    }
  });
}

/** Set each element's text to `f` (of its datum), writing only when it differs. */
function putText<E extends d3.BaseType, D, P extends d3.BaseType, PD>(sel: d3.Selection<E, D, P, PD>, f: (d: D) => string): void {
  sel.each(function (this: E, d: D) {
    const node = this as Element;
    const t = f(d);
    if (node.textContent !== t) node.textContent = t;
  });
}

export interface LiveChart<D> {
  node: SVGSVGElement;
  update(data: D): void;
}

/** One horizontal bar per question with its interval and value label, sorted by rate; the average as a dashed rule. */
export interface QuestionBar {
  label: string;
  category: string;
  em_rate: number | null;
  ci: [number, number] | null;
  n_scored: number;
  n_em: number;
}

export function liveQuestionRates(
  labels: readonly {label: string; category: string}[],
  {width, text = (id) => id}: {width: number; text?: (label: string) => string},
): LiveChart<{rows: readonly QuestionBar[]; macro: number | null}> {
  const categories = [...new Set(labels.map((r) => r.category))];
  const single = categories.length <= 1;
  const color = (c: string) => (single ? PALETTE[0]! : PALETTE[categories.indexOf(c) % PALETTE.length]!);
  // Bars are keyed by the question id; they read as the question's text when the data has it.
  const marginLeft = labelMargin(labels.map((r) => text(r.label)));
  const marginTop = single ? 20 : 44;
  const marginRight = 50;
  const rowH = 20;
  const w = Math.max(width, marginLeft + 240);
  const h = marginTop + 30 + rowH * labels.length;
  const svg = liveSvg(w, h);
  const x = d3.scaleLinear().range([marginLeft, w - marginRight]);
  const legend = svg.append("g").attr("aria-label", "legend");
  if (!single)
    categories.forEach((c, i) => {
      const g = legend.append("g").attr("transform", `translate(${marginLeft + (i % 6) * 120},${4 + Math.floor(i / 6) * 14})`);
      g.append("rect").attr("width", 10).attr("height", 10).attr("fill", color(c));
      g.append("text").attr("x", 14).attr("y", 9).text(c);
    });
  const xAxis = bottomAxis(svg, h, w - marginRight, "EM rate →");
  const bars = svg.append("g").attr("aria-label", "bar");
  const intervals = svg.append("g").attr("aria-label", "interval").attr("stroke", "currentColor");
  const values = svg.append("g").attr("aria-label", "text");
  const yLabels = svg.append("g").attr("aria-label", "y-axis").attr("text-anchor", "end");
  const macroRule = svg.append("line").attr("stroke", PALETTE[3]!).attr("stroke-dasharray", "4,3");
  const macroText = svg
    .append("text")
    .attr("fill", "var(--em-accent-text)")
    .attr("y", marginTop - 4)
    .attr("text-anchor", "middle");
  const zero = svg.append("line").attr("stroke", "currentColor");
  const labelTexts = new Map<string, string>();
  const labelOf = (id: string) => {
    let t = labelTexts.get(id);
    if (t === undefined) labelTexts.set(id, (t = text(id)));
    return t;
  };
  const update = ({rows, macro}: {rows: readonly QuestionBar[]; macro: number | null}) => {
    const shown = rows.filter((r) => r.em_rate !== null).sort((a, b) => (b.em_rate ?? 0) - (a.em_rate ?? 0));
    x.domain([0, Math.max(0.05, ...shown.map((r) => r.ci?.[1] ?? r.em_rate ?? 0))]);
    const y = (i: number) => marginTop + i * rowH;
    xAxis.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor((w - marginLeft - marginRight) / 80)), "%") as never);
    const key = (r: QuestionBar) => r.label;
    // Only what a cut moves is written, and only when it differs (a bar keeps its question, colour
    // and label text: set when it enters): fewer DOM writes per threshold change.
    const bar = bars
      .selectAll<SVGRectElement, QuestionBar>("rect")
      .data(shown, key)
      .join((enter) =>
        enter
          .append("rect")
          .attr("x", x(0))
          .attr("height", rowH - 4)
          .attr("fill", (r) => color(r.category))
          .attr("fill-opacity", 0.85)
          .call((r) => r.append("title")),
      );
    put(bar, {y: (_, i) => y(i) + 2, width: (r) => Math.max(0, x(r.em_rate ?? 0) - x(0))});
    putText(
      bar.select("title"),
      (r) =>
        `${labelOf(r.label)}${labelOf(r.label) === r.label ? "" : ` [${r.label}]`} (${r.category}): ${pct(r.em_rate)} of ${r.n_scored} answers (${r.n_em} EM)`,
    );
    put(
      intervals
        .selectAll<SVGLineElement, {r: QuestionBar; i: number}>("line")
        .data(
          shown.map((r, i) => ({r, i})).filter((d) => d.r.ci),
          (d) => d.r.label,
        )
        .join("line"),
      {x1: (d) => x(d.r.ci![0]), x2: (d) => x(d.r.ci![1]), y1: (d) => y(d.i) + rowH / 2, y2: (d) => y(d.i) + rowH / 2},
    );
    const value = values.selectAll<SVGTextElement, QuestionBar>("text").data(shown, key).join("text");
    put(value, {x: (r) => x(r.ci?.[1] ?? r.em_rate ?? 0) + 4, y: (_, i) => y(i) + rowH / 2 + 3});
    putText(value, (r) => pct(r.em_rate));
    put(
      yLabels
        .selectAll<SVGTextElement, QuestionBar>("text")
        .data(shown, key)
        .join((enter) =>
          enter
            .append("text")
            .attr("x", marginLeft - 4)
            .text((r) => labelOf(r.label)),
        ),
      {y: (_, i) => y(i) + rowH / 2 + 3},
    );
    zero
      .attr("x1", x(0))
      .attr("x2", x(0))
      .attr("y1", marginTop)
      .attr("y2", h - 28);
    const hasMacro = macro !== null && Number.isFinite(macro);
    macroRule
      .attr("display", hasMacro ? null : "none")
      .attr("x1", x(macro ?? 0))
      .attr("x2", x(macro ?? 0))
      .attr("y1", marginTop)
      .attr("y2", h - 28);
    macroText
      .attr("display", hasMacro ? null : "none")
      .attr("x", x(macro ?? 0))
      .text(`average ${pct(macro)}`);
  };
  return {node: svg.node()!, update};
}

/** EM answers by response type, one stacked bar per group; excluded types faded. */
export interface TypeCount {
  group: string;
  type: string;
  n: number;
}

export function liveTypeContribution(
  groups: readonly string[],
  {width, excluded}: {width: number; excluded: readonly string[]},
): LiveChart<readonly TypeCount[]> {
  const types = Object.keys(TYPE_COLORS);
  const marginLeft = labelMargin(groups, 120);
  const marginTop = 20 + 14 * Math.ceil(types.length / 6);
  const rowH = 28;
  const w = Math.max(width, marginLeft + 240);
  const h = marginTop + 30 + rowH * groups.length;
  const svg = liveSvg(w, h);
  const legend = svg.append("g").attr("aria-label", "legend");
  types.forEach((t, i) => {
    const g = legend.append("g").attr("transform", `translate(${marginLeft + (i % 6) * 100},${4 + Math.floor(i / 6) * 14})`);
    g.append("rect")
      .attr("width", 10)
      .attr("height", 10)
      .attr("fill", TYPE_COLORS[t]!)
      .attr("fill-opacity", excluded.includes(t) ? 0.25 : 1);
    g.append("text")
      .attr("x", 14)
      .attr("y", 9)
      .text(excluded.includes(t) ? `${t} (excluded)` : t);
  });
  const x = d3.scaleLinear().range([marginLeft, w - 20]);
  const xAxis = bottomAxis(svg, h, w - 20, "EM answers (broad rule) →");
  const yIndex = new Map(groups.map((g, i) => [g, i]));
  const yLabels = svg.append("g").attr("aria-label", "y-axis").attr("text-anchor", "end");
  yLabels
    .selectAll("text")
    .data(groups)
    .join("text")
    .attr("x", marginLeft - 4)
    .attr("y", (_, i) => marginTop + i * rowH + rowH / 2 + 3)
    .text((g) => g);
  const bars = svg.append("g").attr("aria-label", "bar");
  const zero = svg.append("line").attr("stroke", "currentColor");
  const update = (rows: readonly TypeCount[]) => {
    // Stack in the legend's type order within each group.
    const order = new Map(types.map((t, i) => [t, i]));
    const sorted = rows.filter((r) => r.n > 0 && yIndex.has(r.group)).sort((a, b) => (order.get(a.type) ?? 99) - (order.get(b.type) ?? 99));
    const start = new Map<string, number>();
    const stacked = sorted.map((r) => {
      const x0 = start.get(r.group) ?? 0;
      start.set(r.group, x0 + r.n);
      return {...r, x0};
    });
    x.domain([0, Math.max(1, ...start.values())]);
    xAxis.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor((w - marginLeft - 20) / 80))) as never);
    // A bar keeps its group and type (its row and colour: set when it enters); a cut moves its extent and count.
    const bar = bars
      .selectAll<SVGRectElement, (typeof stacked)[number]>("rect")
      .data(stacked, (d) => `${d.group}\u0001${d.type}`)
      .join((enter) =>
        enter
          .append("rect")
          .attr("y", (d) => marginTop + yIndex.get(d.group)! * rowH + 3)
          .attr("height", rowH - 6)
          .attr("fill", (d) => TYPE_COLORS[d.type] ?? "#777777")
          .attr("fill-opacity", (d) => (excluded.includes(d.type) ? 0.25 : 1))
          .call((r) => r.append("title")),
      );
    put(bar, {x: (d) => x(d.x0), width: (d) => Math.max(0, x(d.x0 + d.n) - x(d.x0))});
    putText(bar.select("title"), (d) => `${d.group}: ${d.n} EM answers of type ${d.type}${excluded.includes(d.type) ? " (excluded)" : ""}`);
    zero
      .attr("x1", x(0))
      .attr("x2", x(0))
      .attr("y1", marginTop)
      .attr("y2", h - 28);
  };
  return {node: svg.node()!, update};
}

/** A rectangle in a chart's pixels. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A marker label's places around its ring, in order of preference: below, above, right, left, below left, below right (offsets of the baseline, px). */
const LABEL_SPOTS = [
  {dx: 0, dy: 20, anchor: "middle"},
  {dx: 0, dy: -13, anchor: "middle"},
  {dx: 11, dy: 4, anchor: "start"},
  {dx: -11, dy: 4, anchor: "end"},
  {dx: -11, dy: 20, anchor: "end"},
  {dx: 11, dy: 20, anchor: "start"},
] as const;

const overlap = (a: Box, b: Box) => Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1)) * Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));

/**
 * Where the label (`width` px wide, 10 px type) of a marker at pixel (px, py) goes: the first of
 * below, above, right, left, below left and below right of the ring whose box is inside `bounds` and clear of every
 * obstacle; when none is, the one with the least area (px²) on obstacles or outside the bounds.
 * Returns the baseline point and text-anchor.
 */
export function markerLabelSpot(
  px: number,
  py: number,
  width: number,
  obstacles: readonly Box[],
  bounds: Box,
): {x: number; y: number; anchor: "middle" | "start" | "end"} {
  let best: {x: number; y: number; anchor: "middle" | "start" | "end"} | null = null;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const {dx, dy, anchor} of LABEL_SPOTS) {
    const x = px + dx;
    const y = py + dy;
    const x1 = anchor === "middle" ? x - width / 2 : anchor === "start" ? x : x - width;
    const box = {x1, x2: x1 + width, y1: y - 9, y2: y + 2};
    const area = width * 11;
    const cost = obstacles.reduce((sum, o) => sum + overlap(box, o), 0) + (area - overlap(box, bounds));
    if (cost < bestCost) {
      best = {x, y, anchor};
      bestCost = cost;
    }
    if (cost === 0) break;
  }
  return best!;
}

/**
 * Where the surface labels the published rules' cuts (aligned 30, coherent 50), the label, and its
 * offset above the dot (px): far enough that the moving marker's ring (outer radius 8.5 px), which
 * sits on the dot at the default cuts, does not cover the label's lower edge (at 12 px it did).
 */
export const PUBLISHED_CUTS = {aligned: 30, coherent: 50, label: "published rules (30, 50)", dy: -17} as const;

/**
 * The pixels the published rules' dot and label take on a surface chart with scales `sx`, `sy`
 * (the label 11 px type, centred PUBLISHED_CUTS.dy above the dot; ~6 px a character), for a marker to keep off.
 */
export function publishedCutsBoxes(sx: (v: number) => number, sy: (v: number) => number): Box[] {
  const x = sx(PUBLISHED_CUTS.aligned);
  const y = sy(PUBLISHED_CUTS.coherent);
  const half = (6 * PUBLISHED_CUTS.label.length) / 2;
  return [
    // The dot: radius 5 and half its 1.5 px stroke.
    {x1: x - 6, y1: y - 6, x2: x + 6, y2: y + 6},
    {x1: x - half, y1: y + PUBLISHED_CUTS.dy - 7, x2: x + half, y2: y + PUBLISHED_CUTS.dy + 7},
  ];
}

/**
 * A marker (ring and label) over a Plot chart with x/y scales, moved without re-rendering the chart.
 * `avoid(sx, sy)`: boxes (chart pixels, from the chart's scales) the label must keep off, e.g. the
 * chart's own labels; the label takes the first clear place around the ring (markerLabelSpot).
 */
export function plotMarker(
  chart: Element,
  {color = "var(--em-focus-text)", avoid = () => []}: {color?: string; avoid?: (sx: (v: number) => number, sy: (v: number) => number) => Box[]} = {},
): (x: number, y: number, label: string) => void {
  const svg = plotSvg(chart)!;
  const scaled = chart as unknown as {scale(name: string): {apply(v: number): number}};
  const sx = scaled.scale("x");
  const sy = scaled.scale("y");
  const obstacles = avoid(
    (v) => sx.apply(v),
    (v) => sy.apply(v),
  );
  const bounds = {
    x1: 0,
    y1: 0,
    x2: Number(svg.getAttribute("width")) || Number.POSITIVE_INFINITY,
    y2: Number(svg.getAttribute("height")) || Number.POSITIVE_INFINITY,
  };
  // A halo of the page background under the ring: on the surface's cells (the same colours in both
  // themes) a ring in the theme's focus colour alone was nearly invisible in the dark theme.
  const circle = (stroke: string, width: number) => {
    const c = document.createElementNS(NS, "circle");
    for (const [k, v] of Object.entries({r: "7", fill: "none", stroke, "stroke-width": String(width), "pointer-events": "none"})) c.setAttribute(k, v);
    return c;
  };
  const halo = circle("var(--theme-background)", 6);
  const ring = circle(color, 3);
  const text = document.createElementNS(NS, "text");
  // The label sits on the surface's colours: theme text on a halo of the theme's background reads
  // on every cell in both themes (the ring keeps the marker's colour).
  text.setAttribute("fill", "currentColor");
  text.setAttribute("stroke", "var(--theme-background)");
  text.setAttribute("stroke-width", "3");
  text.setAttribute("paint-order", "stroke");
  text.setAttribute("font-weight", "bold");
  text.setAttribute("font-size", "10");
  text.setAttribute("pointer-events", "none");
  svg.append(halo, ring, text);
  return (x, y, label) => {
    const px = sx.apply(x);
    const py = sy.apply(y);
    for (const c of [halo, ring]) {
      c.setAttribute("cx", String(px));
      c.setAttribute("cy", String(py));
    }
    text.textContent = label;
    // Bold 10 px sans-serif runs about 6.2 px a character.
    const spot = markerLabelSpot(px, py, 6.2 * label.length, obstacles, bounds);
    text.setAttribute("x", String(spot.x));
    text.setAttribute("y", String(spot.y));
    text.setAttribute("text-anchor", spot.anchor);
  };
}
