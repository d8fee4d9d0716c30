// Chart functions: (data, {width, ...}) -> Element. Charts that select write to the store given
// to them; they never reach into other charts.
import * as Plot from "@observablehq/plot";
import type {Points} from "./points.js";
import type {Store, ViewState} from "./store.js";
import type {Group} from "./engine.js";
import {pct} from "./ui.js";
import {cutDrag} from "./interactors/cut-drag.js";
import {PUBLISHED_CUTS} from "./live-charts.js";

const BIN = 2; // score units per density cell

/**
 * Aligned x coherent density of the masked rows, with the two cut lines and the EM corner.
 * With a store, the cut lines follow the store without re-rendering the chart (so a drag keeps its
 * pointer capture), and dragging a line (or clicking) moves that cut; pointer positions are inverted
 * through Plot's scales. Pass the page's `invalidation` promise to stop following the store.
 */
export function densityChart(
  points: Points,
  mask: Uint8Array,
  state: ViewState,
  {width, store, invalidation}: {width: number; store?: Store; invalidation?: Promise<unknown>},
): SVGSVGElement | HTMLElement {
  const cells = 100 / BIN + 1;
  const counts = new Float64Array(cells * cells);
  let nulls = 0;
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    const a = points.aligned[i]!;
    const c = points.coherent[i]!;
    if (a !== a || c !== c) {
      nulls++;
      continue;
    }
    counts[Math.floor(a / BIN) * cells + Math.floor(c / BIN)]!++;
  }
  const data: {a: number; c: number; n: number}[] = [];
  for (let x = 0; x < cells; ++x) for (let y = 0; y < cells; ++y) if (counts[x * cells + y]) data.push({a: x * BIN, c: y * BIN, n: counts[x * cells + y]!});
  // Framework's \`width\` can be 0 before layout; a negative chart size logs SVG errors and draws nothing.
  width = Math.max(240, width);
  const height = Math.min(420, Math.round(width * 0.8));
  const chart = Plot.plot({
    width,
    height,
    marginLeft: 45,
    x: {domain: [0, 100], label: "aligned score →", ticks: 10},
    y: {domain: [0, 100], label: "↑ coherent score", ticks: 10},
    // Start the ramp at a visible blue: with the lightest colour of the scheme a cell of one answer
    // (often the few EM answers of a small import) would vanish into the background.
    color: {type: "log", range: ["#b3cde3", "#08306b"], interpolate: "hcl", label: "answers", legend: true},
    marks: [
      Plot.rect(data, {
        x1: "a",
        x2: (d: {a: number}) => d.a + BIN,
        y1: "c",
        y2: (d: {c: number}) => d.c + BIN,
        fill: "n",
        tip: true,
        title: (d: {a: number; c: number; n: number}) => `aligned ${d.a}–${d.a + BIN}, coherent ${d.c}–${d.c + BIN}: ${d.n} answers`,
      }),
      Plot.text([{}], {
        x: 2,
        y: 98,
        text: () => "EM corner",
        textAnchor: "start",
        fill: "var(--em-accent-text)",
        stroke: "var(--theme-background)",
        strokeWidth: 3,
        fontWeight: "bold",
      }),
      Plot.frame({strokeOpacity: 0.3}),
    ],
  }) as SVGSVGElement & {scale(name: string): {apply(v: number): number; invert(v: number): number}};
  chart.setAttribute("aria-label", `Aligned by coherent density; ${nulls} answers without both scores not shown`);
  // The cut lines and their drag are an interactor of their own (interactors/cut-drag.ts).
  cutDrag(chart, state, {store, invalidation});
  return chart;
}

/** Lines drawn on the surface: a halo of the page background, then the theme's text colour over it. */
const SURFACE_INK = [
  {stroke: "var(--theme-background)", strokeOpacity: 0.7, strokeWidth: 3.5},
  {stroke: "currentColor", strokeOpacity: 0.8, strokeWidth: 1.5},
] as const;

/** The EM rate over every (aligned cut, coherent cut) pair, current point and published rules marked. */
export function surfaceChart(
  grid: Float64Array,
  state: ViewState,
  {width, current: markCurrent = true}: {width: number; current?: boolean},
): SVGSVGElement | HTMLElement {
  const S = 101;
  // One pixel per integer cut pair, cells centred on the integers 0..100.
  const extent = {width: S, height: S, x1: -0.5, x2: 100.5, y1: -0.5, y2: 100.5};
  // Framework's \`width\` can be 0 before layout; a negative chart size logs SVG errors and draws nothing.
  width = Math.max(240, width);
  const height = Math.min(420, Math.round(width * 0.8));
  const current = grid[state.aligned * S + state.coherent];
  return Plot.plot({
    width,
    height,
    marginLeft: 45,
    x: {domain: [0, 100], label: "aligned cut →"},
    y: {domain: [0, 100], label: "↑ coherent cut"},
    color: {scheme: "YlOrRd", label: "EM rate", legend: true, tickFormat: (d: number) => `${Math.round(d * 100)}%`},
    marks: [
      Plot.raster({
        ...extent,
        fill: (x: number, y: number) => {
          const v = grid[Math.round(x) * S + Math.round(y)];
          return Number.isNaN(v) ? null : v;
        },
        imageRendering: "pixelated",
      } as Plot.RasterOptions),
      // Lines on the raster take a halo of the page background under the theme's text colour: the
      // raster's colours are the same in both themes, and a light line alone vanished on its
      // light cells in the dark theme.
      ...SURFACE_INK.map((ink, i) =>
        Plot.contour({
          ...extent,
          value: (x: number, y: number) => grid[Math.round(x) * S + Math.round(y)] || 0,
          thresholds: [0.01, 0.05, 0.1, 0.2, 0.4],
          ...ink,
          // Thinner than the marks' lines: a contour is a guide, not a mark.
          strokeWidth: i === 0 ? 2.5 : 1,
        } as Plot.ContourOptions),
      ),
      ...SURFACE_INK.map((ink) => Plot.dot([{x: PUBLISHED_CUTS.aligned, y: PUBLISHED_CUTS.coherent}], {x: "x", y: "y", r: 5, ...ink})),
      // Labels on the raster carry a halo of the page background: readable on any cell, either theme.
      Plot.text([{x: PUBLISHED_CUTS.aligned, y: PUBLISHED_CUTS.coherent, label: PUBLISHED_CUTS.label}], {
        x: "x",
        y: "y",
        text: "label",
        dy: PUBLISHED_CUTS.dy,
        fontSize: 11,
        // With a stroke Plot leaves text unfilled: the fill is explicit, the halo painted under it.
        fill: "currentColor",
        stroke: "var(--theme-background)",
        strokeWidth: 3,
        paintOrder: "stroke",
      }),
      // The current cuts; a live page draws its own marker instead (live-charts.ts plotMarker) and moves it.
      ...(markCurrent
        ? [
            Plot.dot([{x: state.aligned, y: state.coherent}], {x: "x", y: "y", r: 7, stroke: "var(--theme-background)", strokeWidth: 6}),
            Plot.dot([{x: state.aligned, y: state.coherent}], {x: "x", y: "y", r: 7, stroke: "var(--em-focus-text)", strokeWidth: 3}),
            Plot.text([{x: state.aligned, y: state.coherent}], {
              x: "x",
              y: "y",
              text: () => `now ${pct(current)}`,
              dy: 16,
              fill: "currentColor",
              stroke: "var(--theme-background)",
              strokeWidth: 3,
              paintOrder: "stroke",
              fontWeight: "bold",
            }),
          ]
        : []),
    ],
  });
}

/**
 * EM answers by response type, one row per (group, type) with a count: each group's em_by_type
 * folded long (group by group, types in first-seen order), empty cells dropped.
 */
export function typeRows(groups: readonly Group[]): {group: string; type: string; n: number}[] {
  // A loop, not Arquero's fold: /sensitivity calls this on every threshold change, and Arquero
  // parses the filter expression on each call (~6 of the change's ~50 ms in a 200k profile).
  const types = [...new Set(groups.flatMap((g) => Object.keys(g.em_by_type)))];
  const out: {group: string; type: string; n: number}[] = [];
  for (const g of groups)
    for (const type of types) {
      const n = g.em_by_type[type];
      if (n !== undefined && n > 0) out.push({group: g.id, type, n});
    }
  return out;
}
