// 2-D sweeps: when rows vary along the coordinate and along a second ordered key (steering layer x
// scale, LoRA rank x epochs), EM and coherence as two heatmaps over the grid. The second key is a
// meta facet whose values are all numbers, or else the compared labels when they carry one number
// each ("layer_28", "layer_32"...).
import * as Plot from "@observablehq/plot";
import {interpolateBlues, interpolateYlOrRd} from "d3";
import type {EmRule} from "../lib/em/rules.js";
import {orderedValues} from "../lib/em/view-axis.js";
import {keyBy, summarizeGroups} from "./engine.js";
import {facetColumn, type FacetColumn, type Points} from "./points.js";
import {el, pct} from "./ui.js";
import {inkOn} from "./series.js";

function d3group<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(x);
  }
  return m;
}

export interface SweepKey {
  column: FacetColumn;
  /** Axis label: the meta key, or the labels' common prefix ("layer_"). */
  label: string;
  /** Number of each label present. */
  valueOf: Map<string, number>;
}

function valuesIn(points: Points, column: FacetColumn, mask: Uint8Array): string[] {
  const col = facetColumn(points, column);
  if (!col) return [];
  const seen = new Uint8Array(col.values.length);
  for (let i = 0; i < points.n; ++i) if (mask[i] && col.codes[i]! >= 0) seen[col.codes[i]!] = 1;
  return col.values.filter((_, i) => seen[i]);
}

/**
 * Whether a column crosses the coordinate: at least two of its values each have two or more
 * coordinate values. A key that merely renames the coordinate (a file-name field `rank` used as the
 * coordinate `lora_rank`: one coordinate per value) does not.
 */
function crosses(points: Points, mask: Uint8Array, column: FacetColumn): boolean {
  const col = facetColumn(points, column);
  if (!col) return false;
  const perKey = new Map<number, Set<number>>();
  for (let i = 0; i < points.n; ++i) {
    const c = col.codes[i]!;
    const x = points.step[i]!;
    if (!mask[i] || c < 0 || Number.isNaN(x)) continue;
    if (!perKey.has(c)) perKey.set(c, new Set());
    perKey.get(c)!.add(x);
  }
  // Two or more values of the key that each span two or more coordinates: every series runs along
  // the coordinate (a steering sweep may tune its scales per layer, so the grid need not be shared).
  return [...perKey.values()].filter((s) => s.size >= 2).length >= 2;
}

/** The second ordered key of the masked rows, or null (then there is no 2-D sweep to draw). */
export function sweepKey(points: Points, mask: Uint8Array, by: FacetColumn, coordinate: string): SweepKey | null {
  const candidates: FacetColumn[] = [
    ...(Object.keys(points.meta) as FacetColumn[]).filter((c) => c !== `meta.${coordinate}` && c !== "meta.seed" && c !== "meta.line"),
    by,
  ];
  for (const column of candidates) {
    const labels = valuesIn(points, column, mask);
    const parsed = orderedValues(labels);
    // A meta key must be plain numbers; the compared labels may carry a shared prefix.
    if (!parsed || (column.startsWith("meta.") && (parsed.prefix !== "" || parsed.suffix !== "")) || labels.length < 2) continue;
    if (!crosses(points, mask, column)) continue;
    const label = column.startsWith("meta.") ? column.slice(5) : parsed.prefix.replace(/[_\-\s]+$/, "") || column;
    return {column, label, valueOf: new Map(labels.map((l, i) => [l, parsed.values[i]!]))};
  }
  return null;
}

/** EM and coherence heatmaps over (coordinate, second key); null when fewer than 2 x 2 cells. */
export function sweepHeatmaps(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  key: SweepKey,
  {width, coordinate}: {width: number; coordinate: string},
): HTMLElement | null {
  const groups = summarizeGroups(points, mask, rule, keyBy(points, [key.column, "step"]), {exclude, replicates: 0});
  const cells = groups
    .filter((g) => key.valueOf.has(g.parts[0]!))
    .map((g) => ({y: key.valueOf.get(g.parts[0]!)!, x: Number(g.parts[1]!), em: g.em_rate, coherent: g.coherent_rate, k: g.n_em, n: g.n_scored, all: g.n}));
  const xs = [...new Set(cells.map((c) => c.x))].sort((a, b) => a - b);
  const ys = [...new Set(cells.map((c) => c.y))].sort((a, b) => a - b);
  if (xs.length < 2 || ys.length < 2) return null;
  const half = Math.max(280, Math.min(560, width / 2 - 16));
  type Cell = (typeof cells)[number];
  // A shared, short grid of coordinates reads as cells; coordinates that differ per row (a steering
  // sweep whose scales were tuned per layer) go on a continuous axis as square dots instead.
  const perY = d3group(cells, (c) => c.y);
  const shared = xs.length <= 16 && [...perY.values()].every((list) => list.length === xs.length);
  const height = 70 + 28 * ys.length;
  const y = {domain: ys, label: `↑ ${key.label}`, type: "band" as const, reverse: true};
  const heat = (
    value: (c: Cell) => number | null,
    color: Record<string, unknown>,
    title: (c: Cell) => string,
    text: (c: Cell) => string,
    cellColor: (c: Cell) => string,
  ) =>
    shared
      ? Plot.plot({
          width: half,
          height,
          marginLeft: 60,
          marginBottom: 40,
          x: {domain: xs, label: `${coordinate} →`, type: "band"},
          y,
          color,
          marks: [
            Plot.cell(cells, {x: "x", y: "y", fill: value, inset: 0.5, tip: true, title}),
            Plot.text(cells, {x: "x", y: "y", text, fontSize: 9, fill: (c: Cell) => inkOn(cellColor(c))}),
          ],
        })
      : Plot.plot({
          width: half,
          height,
          marginLeft: 60,
          marginBottom: 40,
          x: {label: `${coordinate} →`, grid: true},
          y,
          color,
          marks: [Plot.dot(cells, {x: "x", y: "y", fill: value, symbol: "square", r: 6, stroke: "#999", strokeWidth: 0.5, tip: true, title})],
        });
  // Colour domains fixed here so each cell label's ink is chosen against its own cell (inkOn).
  const maxEm = Math.max(1e-9, ...cells.map((c) => c.em ?? 0));
  const em = heat(
    (c) => c.em,
    {scheme: "YlOrRd", domain: [0, maxEm], label: "EM rate", legend: true, tickFormat: "%", unknown: "#e8e8e8"},
    (c) => `${key.label} ${c.y}, ${coordinate} ${c.x}: EM ${c.em === null ? "undefined (no answer passes the coherent cut)" : `${pct(c.em)} (${c.k}/${c.n})`}`,
    (c) => (c.em === null ? "n/a" : (100 * c.em).toFixed(0)),
    (c) => (c.em === null ? "#e8e8e8" : interpolateYlOrRd(c.em / maxEm)),
  );
  const coh = heat(
    (c) => c.coherent,
    {scheme: "Blues", label: "coherent rate", legend: true, tickFormat: "%", domain: [0, 1]},
    (c) => `${key.label} ${c.y}, ${coordinate} ${c.x}: coherent ${pct(c.coherent)} of ${c.all} answers`,
    (c) => (c.coherent === null ? "" : (100 * c.coherent).toFixed(0)),
    (c) => interpolateBlues(c.coherent ?? 0),
  );
  return el("div", {class: "em-grid"}, el("div", {}, el("h4", {}, "EM rate (%)"), em), el("div", {}, el("h4", {}, "Coherent (%)"), coh));
}
