// "Mechanism meets behaviour" on the transitions page (issue 27): per variant of the selected
// experiment, the lag sentences of every training curve with a credible change point, the pooled
// EM rate on top and each chosen training curve beneath it on the same
// coordinate axis (one x scale, same margins), the change point's location and interval marked
// where credible (the EM midpoint and its interval on every panel), and the lag sentence that
// `em summarize --transition --mechanism` prints. Data: src/data/mechanism.json (loaders/mechanism/site.ts).
// Every panel carries the step brush of the EM chart above it (interactors/step-brush.ts): a drag on
// any panel writes the store's `steps` (the range /responses lists and links carry), and every
// panel and the EM chart show that range.
import * as Plot from "@observablehq/plot";
import {planAxis} from "../lib/em/view-axis.js";
import {findingLines} from "../lib/mechanism/lag.js";
import type {SiteMechanism} from "../lib/mechanism/schema.js";
import {PALETTE} from "./chart-style.js";
import {stepBrush} from "./interactors/step-brush.js";
import type {Store} from "./store.js";
import {el} from "./ui.js";

const PANEL = 130;
const MARGIN_LEFT = 56;

type Variant = SiteMechanism["variants"][number];

function panel(
  marks: Plot.Markish[],
  {width, domain, label, xLabel, last, store}: {width: number; domain: [number, number]; label: string; xLabel: string; last: boolean; store: Store | null},
): Element {
  const chart = Plot.plot({
    width,
    height: PANEL + (last ? 30 : 0),
    marginLeft: MARGIN_LEFT,
    // fixed: Plot sizes the right margin by the axis label, which would shift the last panel's scale
    marginRight: 24,
    marginBottom: last ? 36 : 6,
    x: {domain, label: last ? xLabel : null, axis: last ? "bottom" : null, grid: true},
    y: {label, grid: true, nice: true},
    marks,
  }) as unknown as Element;
  // the panels' x scale is linear on the steps themselves (no log axis here)
  if (store) stepBrush(chart, store, {x0: domain[0], x1: domain[1], plan: planAxis(domain, "linear")});
  return chart;
}

function variantFigure(v: Variant, coordinate: string, width: number, store: Store | null): HTMLElement {
  const xs = [...v.em.map((p) => p.x), ...v.curves.flatMap((c) => c.points.map((p) => p.x))];
  const domain: [number, number] = [Math.min(...xs), Math.max(...xs)];
  const emFit = v.findings.find((f) => f.behaviour.credible);
  const mid = emFit?.behaviour.midpoint ?? null;
  const midCi = emFit?.behaviour.ci ?? null;
  // EM midpoint band and rule, drawn on every panel so the lag reads vertically
  const midMarks = (): Plot.Markish[] =>
    mid === null
      ? []
      : [
          Plot.rectX([{x1: midCi?.[0] ?? domain[0], x2: midCi?.[1] ?? domain[1]}], {x1: "x1", x2: "x2", fill: PALETTE[3], fillOpacity: 0.1}),
          Plot.ruleX([mid], {stroke: PALETTE[3], strokeDasharray: "4,3"}),
        ];
  const em = v.em.filter((p) => p.n > 0).map((p) => ({x: p.x, rate: p.k / p.n}));
  const panels: Element[] = [
    panel([...midMarks(), Plot.line(em, {x: "x", y: "rate", stroke: PALETTE[3]}), Plot.dot(em, {x: "x", y: "rate", fill: PALETTE[3], r: 2.5, tip: true})], {
      width,
      domain,
      label: "EM rate",
      xLabel: coordinate,
      last: v.curves.length === 0,
      store,
    }),
  ];
  v.curves.forEach((c, i) => {
    const f = v.findings.find((g) => g.scalar === c.scalar);
    const cp = f?.change.credible ? f.change : null;
    panels.push(
      panel(
        [
          ...midMarks(),
          ...(cp?.ci ? [Plot.rectX([{x1: cp.ci[0], x2: cp.ci[1]}], {x1: "x1", x2: "x2", fill: PALETTE[0], fillOpacity: 0.18})] : []),
          ...(cp ? [Plot.ruleX([cp.location], {stroke: PALETTE[0], strokeWidth: 1.5})] : []),
          Plot.line(c.points, {x: "x", y: "y", stroke: "currentColor", strokeWidth: 1.2}),
          Plot.dot(c.points, {x: "x", y: "y", r: 1.5, fill: "currentColor", tip: true}),
        ],
        {width, domain, label: c.scalar, xLabel: coordinate, last: i === v.curves.length - 1, store},
      ),
    );
  });
  const sentences = el("ul", {class: "mechanism-sentences"}, ...findingLines(v.findings).map((l) => el("li", {}, l)));
  return el("div", {class: "mechanism-variant"}, el("h4", {}, v.variant), sentences, ...panels);
}

/**
 * The mechanism figure for `experiment` (the page's selected experiment; null: the first with
 * curves). A note instead when no experiment has a mechanism: section. With `store` (the page's
 * selection), every panel has the step brush (file comment).
 */
export function mechanismView(data: readonly SiteMechanism[], experiment: string | null, pageWidth: number, store: Store | null = null): HTMLElement {
  // a page laid out at width 0 (seen under load) would give Plot frames of negative width
  const width = Math.max(pageWidth, 320);
  const m = data.find((d) => d.experiment === experiment) ?? (experiment === null ? data[0] : undefined);
  if (!m?.variants.length)
    return el(
      "p",
      {class: "mechanism note"},
      "No training curves for this experiment. A mechanism: section in the experiment file (training logs, LoRA checkpoint folders; docs/mechanism.md) adds them here.",
    );
  const legend = el(
    "p",
    {class: "note"},
    `Blue line and band: the curve's change point (a bump fitted by least squares, AR-bootstrap test and 95% interval; a rotation's interval also spans half a checkpoint spacing each side) where credible; every curve is fitted, the sentences name those without one. Orange dashed line and band: the EM midpoint and its 95% interval.${store ? " Drag across any panel to select a range of steps: the chart above and every panel show it, and the response list and links follow it." : ""} Rule ${m.rule}, judge ${m.judge ?? "none"}; inputs: ${m.inputs.join(", ")}.`,
  );
  return el("div", {class: "mechanism"}, legend, ...m.variants.map((v) => variantFigure(v, m.coordinate, width, store)));
}
