// Charts that follow the cuts in place. Each is drawn once per selection and then updated with new
// numbers (same elements, new geometry and text: keyedMarks writes only the attributes and texts a
// cut moved, compared with the values it last wrote), so moving a threshold repaints within the
// frame instead of rebuilding a Plot figure and its DOM. They show the same marks the Plot
// versions did (g[aria-label="bar"] rect per bar, axes, titles as tooltips: plain text, inert).
import * as d3 from "d3";
import {pct, plotSvg, setAttr, setText} from "./ui.js";
import {PALETTE, TYPE_COLORS, labelMargin, legendFlow} from "./chart-style.js";

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

/**
 * One mark of a live chart (a bar, an interval, a label), kept across updates with the attribute
 * values and text last written: an update compares with those (numbers with numbers, no DOM read,
 * no string made for an unchanged value) and writes only what a cut moved.
 */
interface Mark {
  el: SVGElement;
  /** Its index among the marks its keyedMarks last showed; -1 when not shown. */
  at: number;
  /** Its <title> (tooltip), when it has one. */
  title: SVGTitleElement | null;
  attrs: Record<string, number | string>;
  text: string | null;
  titleText: string | null;
}

function attr(m: Mark, name: string, value: number | string): void {
  if (m.attrs[name] === value) return;
  m.attrs[name] = value;
  m.el.setAttribute(name, String(value));
}

function text(m: Mark, value: string): void {
  if (m.text === value) return;
  m.text = value;
  setText(m.el, value);
}

function tooltip(m: Mark, value: string): void {
  if (m.titleText === value || !m.title) return;
  m.titleText = value;
  setText(m.title, value);
}

/**
 * Which marks keep their place when marks are shown in a new order: `from[i]` is the old index of
 * the mark now at index i (-1: not shown before, so it must be inserted). Returns 1 at the indices
 * of one longest strictly increasing subsequence of `from` (ignoring -1s): those marks are already
 * in the right order relative to each other, and moving every other mark (n minus its length, the
 * fewest single moves that reorder the list) puts them all in place. Patience sorting with
 * predecessor links, O(n log n); the standard keyed-list reconciliation.
 */
export function keptInPlace(from: readonly number[]): Uint8Array {
  const n = from.length;
  const keep = new Uint8Array(n);
  // tails[k]: the index (into `from`) ending the increasing run of length k + 1 with the smallest last value.
  const tails: number[] = [];
  const before = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = from[i]!;
    if (v < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (from[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) before[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = before[i]!) keep[i] = 1;
  return keep;
}

/**
 * The marks of one kind in `parent`, keyed by their datum: `show(keys, each)` calls `each` on the
 * mark of every key (made by `make` the first time), keeps exactly those marks in `parent`, in the
 * order of `keys`, and detaches the others (kept for later).
 * Reordering moves only the marks off a longest run already in order (keptInPlace): when a cut
 * moves one question past k others, one bar moves, not k (a profile at 200k: the per-question
 * chart was most of a threshold change's script).
 * What d3's keyed join did here, without its selections and per-update closures.
 */
function keyedMarks(parent: Element, make: (key: string) => Mark): (keys: readonly string[], each: (m: Mark, i: number) => void) => void {
  const byKey = new Map<string, Mark>();
  let shown: Mark[] = [];
  return (keys, each) => {
    const next: Mark[] = new Array(keys.length);
    const from: number[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let m = byKey.get(key);
      if (!m) byKey.set(key, (m = make(key)));
      each(m, i);
      next[i] = m;
      from[i] = m.at;
    }
    // Marks shown before and not now: marked by their index in `next` below (-1 then means dropped).
    for (const m of shown) m.at = -1;
    for (let i = 0; i < next.length; i++) next[i]!.at = i;
    for (const m of shown) if (m.at < 0) m.el.remove();
    // From the end, each moved mark goes right before its successor (already in its final place);
    // the kept ones are in order among themselves and never move.
    const keep = keptInPlace(from);
    let after: Node | null = null;
    for (let i = next.length - 1; i >= 0; i--) {
      const el = next[i]!.el;
      if (!keep[i]) parent.insertBefore(el, after);
      after = el;
    }
    shown = next;
  };
}

/** A new mark: an SVG element with fixed attributes (set once), optionally with a <title>. */
function newMark(tag: string, fixed: Record<string, string | number>, withTitle = false): Mark {
  const el = document.createElementNS(NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(fixed)) el.setAttribute(k, String(v));
  let title: SVGTitleElement | null = null;
  if (withTitle) el.append((title = document.createElementNS(NS, "title")));
  return {el, title, at: -1, attrs: {}, text: null, titleText: null};
}

/**
 * The x axis of a live chart: what d3.axisBottom draws (the domain line, then per tick a line and
 * its label; same attributes), with the ticks kept by their label. A domain change moves the ticks
 * that stay and adds or drops the others; d3's axis keyed its ticks by position, so every change
 * of the domain removed and rebuilt every tick (a profile at 200k: a large share of a threshold
 * change). Drawn again only when the domain or range changed.
 */
function liveAxis(g: SVGGElement, x: d3.ScaleLinear<number, number>, count: number, format?: string): () => void {
  for (const [k, v] of Object.entries({fill: "none", "font-size": 10, "font-family": "sans-serif", "text-anchor": "middle"})) g.setAttribute(k, String(v));
  const domain = newMark("path", {class: "domain", stroke: "currentColor"});
  g.append(domain.el);
  const showTicks = keyedMarks(g, (label) => {
    const m = newMark("g", {class: "tick", opacity: 1});
    const line = document.createElementNS(NS, "line");
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("y2", "6");
    const t = document.createElementNS(NS, "text");
    for (const [k, v] of Object.entries({fill: "currentColor", y: "9", dy: "0.71em"})) t.setAttribute(k, v);
    t.textContent = label;
    m.el.append(line, t);
    return m;
  });
  let drawn: string | null = null;
  return () => {
    const key = [...x.domain(), ...x.range()].join(",");
    if (key === drawn) return;
    drawn = key;
    // As d3: half-pixel offset on a 1x display, so one-pixel lines are sharp.
    const offset = typeof window !== "undefined" && window.devicePixelRatio > 1 ? 0 : 0.5;
    const [r0, r1] = x.range() as [number, number];
    attr(domain, "d", `M${r0 + offset},6V${offset}H${r1 + offset}V6`);
    const ticks = x.ticks(count);
    const fmt = x.tickFormat(count, format);
    showTicks(
      ticks.map((v) => fmt(v)),
      (m, i) => attr(m, "transform", `translate(${x(ticks[i]!) + offset},0)`),
    );
  };
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
  {width, text: textOf = (id) => id}: {width: number; text?: (label: string) => string},
): LiveChart<{rows: readonly QuestionBar[]; macro: number | null}> {
  const categories = [...new Set(labels.map((r) => r.category))];
  const single = categories.length <= 1;
  const color = (c: string) => (single ? PALETTE[0]! : PALETTE[categories.indexOf(c) % PALETTE.length]!);
  // Bars are keyed by the question id; they read as the question's text when the data has it.
  const marginLeft = labelMargin(labels.map((r) => textOf(r.label)));
  const marginRight = 50;
  const rowH = 20;
  const w = Math.max(width, marginLeft + 240);
  // The categories' legend wraps within the chart (six long names passed its right edge).
  const flow = legendFlow(single ? [] : categories, {left: marginLeft, right: w - 4});
  const marginTop = single ? 20 : 30 + 14 * flow.rows;
  const h = marginTop + 30 + rowH * labels.length;
  const svg = liveSvg(w, h);
  const x = d3.scaleLinear().range([marginLeft, w - marginRight]);
  const legend = svg.append("g").attr("aria-label", "legend");
  if (!single)
    categories.forEach((c, i) => {
      const g = legend.append("g").attr("transform", `translate(${flow.at[i]!.x},${4 + flow.at[i]!.row * 14})`);
      g.append("rect").attr("width", 10).attr("height", 10).attr("fill", color(c));
      g.append("text").attr("x", 14).attr("y", 9).text(c);
    });
  const drawAxis = liveAxis(bottomAxis(svg, h, w - marginRight, "EM rate →").node()!, x, Math.max(2, Math.floor((w - marginLeft - marginRight) / 80)), "%");
  // One group per question (its label, bar and value), placed by one transform: a cut that moves a
  // question past k others moves one node and rewrites one attribute per row that shifts, where
  // separate groups of bars, values and labels moved three nodes and rewrote three y's (a profile
  // of a threshold change at 1M: the chart's DOM writes and the style and layout they caused were
  // the largest part of the change). Document order is still screen order, and now a row reads (and
  // copies) as label, bar (its tooltip) and value together, which the three groups read apart.
  const bars = svg.append("g").attr("aria-label", "bar").node()!;
  // The intervals: one path of horizontal segments (lines with no text, each on its bar's row), so a
  // cut change writes one attribute instead of up to four per question (a profile at 200k: the
  // per-question lines' attribute writes were a fifth of the chart's update).
  const intervals = newMark("path", {fill: "none"});
  svg.append("g").attr("aria-label", "interval").attr("stroke", "currentColor").node()!.append(intervals.el);
  const macroRule = newMark("line", {stroke: PALETTE[3]!, "stroke-dasharray": "4,3"});
  const macroText = newMark("text", {fill: "var(--em-accent-text)", y: marginTop - 4, "text-anchor": "middle"});
  const zero = newMark("line", {stroke: "currentColor"});
  svg.node()!.append(macroRule.el, macroText.el, zero.el);
  const categoryOf = new Map(labels.map((r) => [r.label, r.category]));
  const labelTexts = new Map<string, string>();
  const labelOf = (id: string) => {
    let t = labelTexts.get(id);
    if (t === undefined) labelTexts.set(id, (t = textOf(id)));
    return t;
  };
  // A row keeps its question: label text, bar colour and height (set when made); a cut moves its
  // place (the row's transform), the bar's length and tooltip and the value's place and text.
  const parts = new Map<string, {bar: Mark; value: Mark}>();
  const showRows = keyedMarks(bars, (id) => {
    const row = newMark("g", {class: "em-question-row"});
    const label = newMark("text", {x: marginLeft - 4, y: rowH / 2 + 3, "text-anchor": "end", class: "em-question-label"});
    text(label, labelOf(id));
    const bar = newMark("rect", {y: 2, height: rowH - 4, fill: color(categoryOf.get(id) ?? ""), "fill-opacity": 0.85}, true);
    const value = newMark("text", {y: rowH / 2 + 3, class: "em-question-value"});
    row.el.append(label.el, bar.el, value.el);
    parts.set(id, {bar, value});
    return row;
  });
  const update = ({rows, macro}: {rows: readonly QuestionBar[]; macro: number | null}) => {
    const shown = rows.filter((r) => r.em_rate !== null).sort((a, b) => (b.em_rate ?? 0) - (a.em_rate ?? 0));
    let max = 0.05;
    for (const r of shown) max = Math.max(max, r.ci?.[1] ?? r.em_rate ?? 0);
    // A nice domain: the axis is drawn again only when a cut moves it past a round number.
    x.domain([0, max]).nice();
    drawAxis();
    const x0 = x(0);
    const y = (i: number) => marginTop + i * rowH;
    showRows(
      shown.map((r) => r.label),
      (m, i) => {
        const r = shown[i]!;
        const id = r.label;
        const {bar, value} = parts.get(id)!;
        attr(m, "transform", `translate(0,${y(i)})`);
        attr(bar, "x", x0);
        attr(bar, "width", Math.max(0, x(r.em_rate ?? 0) - x0));
        tooltip(bar, `${labelOf(id)}${labelOf(id) === id ? "" : ` [${id}]`} (${r.category}): ${pct(r.em_rate)} of ${r.n_scored} answers (${r.n_em} EM)`);
        attr(value, "x", x(r.ci?.[1] ?? r.em_rate ?? 0) + 4);
        text(value, pct(r.em_rate));
      },
    );
    // Tenths of a pixel: shorter numbers to format and parse; an unchanged path is not written again.
    const px = (v: number) => Math.round(v * 10) / 10;
    let d = "";
    shown.forEach((r, i) => {
      if (r.ci) d += `M${px(x(r.ci[0]))},${y(i) + rowH / 2}H${px(x(r.ci[1]))}`;
    });
    attr(intervals, "d", d);
    attr(zero, "x1", x0);
    attr(zero, "x2", x0);
    attr(zero, "y1", marginTop);
    attr(zero, "y2", h - 28);
    const hasMacro = macro !== null && Number.isFinite(macro);
    for (const m of [macroRule, macroText]) attr(m, "display", hasMacro ? "inline" : "none");
    attr(macroRule, "x1", x(macro ?? 0));
    attr(macroRule, "x2", x(macro ?? 0));
    attr(macroRule, "y1", marginTop);
    attr(macroRule, "y2", h - 28);
    attr(macroText, "x", x(macro ?? 0));
    text(macroText, `average ${pct(macro)}`);
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
  const rowH = 28;
  const w = Math.max(width, marginLeft + 240);
  const names = types.map((t) => (excluded.includes(t) ? `${t} (excluded)` : t));
  const flow = legendFlow(names, {left: marginLeft, right: w - 4});
  const marginTop = 20 + 14 * flow.rows;
  const h = marginTop + 30 + rowH * groups.length;
  const svg = liveSvg(w, h);
  const legend = svg.append("g").attr("aria-label", "legend");
  types.forEach((t, i) => {
    const g = legend.append("g").attr("transform", `translate(${flow.at[i]!.x},${4 + flow.at[i]!.row * 14})`);
    g.append("rect")
      .attr("width", 10)
      .attr("height", 10)
      .attr("fill", TYPE_COLORS[t]!)
      .attr("fill-opacity", excluded.includes(t) ? 0.25 : 1);
    g.append("text").attr("x", 14).attr("y", 9).text(names[i]!);
  });
  const x = d3.scaleLinear().range([marginLeft, w - 20]);
  const drawAxis = liveAxis(bottomAxis(svg, h, w - 20, "EM answers (broad rule) →").node()!, x, Math.max(2, Math.floor((w - marginLeft - 20) / 80)));
  const yIndex = new Map(groups.map((g, i) => [g, i]));
  const yLabels = svg.append("g").attr("aria-label", "y-axis").attr("text-anchor", "end");
  yLabels
    .selectAll("text")
    .data(groups)
    .join("text")
    .attr("x", marginLeft - 4)
    .attr("y", (_, i) => marginTop + i * rowH + rowH / 2 + 3)
    .text((g) => g);
  const bars = svg.append("g").attr("aria-label", "bar").node()!;
  const zero = newMark("line", {stroke: "currentColor"});
  svg.node()!.append(zero.el);
  const order = new Map(types.map((t, i) => [t, i]));
  const keyOf = (group: string, type: string) => `${group}\u0001${type}`;
  // Every bar shown so far, in drawing order (legend type, then group: what a stable sort by type
  // of typeRows' group-major rows gave). A bar whose count falls to zero is hidden in place
  // (visibility hidden: not painted, not hit, not read) rather than detached: at low aligned cuts
  // most types have no EM answer, and detaching them and adding them back on the next change moved
  // up to ten nodes per change. Not display none: that drops the bar's layout object, and showing
  // it again builds a new one, as much layout as re-adding the node (a trace's invalidations).
  const known: {key: string; rank: number}[] = [];
  const byKey = new Map<string, TypeCount | null>();
  const showBars = keyedMarks(bars, (key) => {
    const [group, type] = key.split("\u0001") as [string, string];
    return newMark(
      "rect",
      {
        y: marginTop + yIndex.get(group)! * rowH + 3,
        height: rowH - 6,
        fill: TYPE_COLORS[type] ?? "#777777",
        "fill-opacity": excluded.includes(type) ? 0.25 : 1,
      },
      true,
    );
  });
  const update = (rows: readonly TypeCount[]) => {
    // Stack in the legend's type order within each group.
    const sorted = rows.filter((r) => r.n > 0 && yIndex.has(r.group)).sort((a, b) => (order.get(a.type) ?? 99) - (order.get(b.type) ?? 99));
    const start = new Map<string, number>();
    const x0s = new Map<string, number>();
    for (const key of byKey.keys()) byKey.set(key, null);
    let added = false;
    for (const r of sorted) {
      const key = keyOf(r.group, r.type);
      const x0 = start.get(r.group) ?? 0;
      start.set(r.group, x0 + r.n);
      x0s.set(key, x0);
      if (!byKey.has(key)) {
        known.push({key, rank: (order.get(r.type) ?? 99) * (groups.length + 1) + yIndex.get(r.group)!});
        added = true;
      }
      byKey.set(key, r);
    }
    if (added) known.sort((a, b) => a.rank - b.rank);
    x.domain([0, Math.max(1, ...start.values())]).nice();
    drawAxis();
    showBars(
      known.map((k) => k.key),
      (m, i) => {
        const key = known[i]!.key;
        const d = byKey.get(key);
        attr(m, "visibility", d ? "visible" : "hidden");
        if (!d) return;
        const x0 = x0s.get(key)!;
        attr(m, "x", x(x0));
        attr(m, "width", Math.max(0, x(x0 + d.n) - x(x0)));
        tooltip(m, `${d.group}: ${d.n} EM answers of type ${d.type}${excluded.includes(d.type) ? " (excluded)" : ""}`);
      },
    );
    attr(zero, "x1", x(0));
    attr(zero, "x2", x(0));
    attr(zero, "y1", marginTop);
    attr(zero, "y2", h - 28);
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
    // Only what moved is written (a change of one cut leaves the other coordinate, and often the
    // label's side, as they were).
    for (const c of [halo, ring]) {
      setAttr(c, "cx", String(px));
      setAttr(c, "cy", String(py));
    }
    setText(text, label);
    // Bold 10 px sans-serif runs about 6.2 px a character.
    const spot = markerLabelSpot(px, py, 6.2 * label.length, obstacles, bounds);
    setAttr(text, "x", String(spot.x));
    setAttr(text, "y", String(spot.y));
    setAttr(text, "text-anchor", spot.anchor);
  };
}
