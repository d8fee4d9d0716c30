// A strip chart of the EM rate per training coordinate for the current selection (every step, so
// the brush can widen the range again), with the step brush: a page that lists answers (/responses)
// narrows to a range of checkpoints without leaving the page. Numbers from the engine (the same
// per-step tallies as the transitions page); the brush writes the store's `steps`, which the list
// follows. Built once per selection; the brush and the shaded range follow `steps` in place.
import * as Plot from "@observablehq/plot";
import type {Page} from "./page.js";
import {selectionMask} from "./selection.js";
import {keyBy, ruleOf, summarizeGroups} from "./engine.js";
import {axisPosition, planAxis, xAxisMarks, xScale, zeroMarks, logTicks} from "./axis.js";
import {stepBrush} from "./interactors/step-brush.js";
import {el, pct} from "./ui.js";
import {RULE_KEYS, type ViewState} from "./store.js";

const KEYS = ["experiment", "judge", "model", "category", "question", "exclude", "rule", ...RULE_KEYS] as const;

export function stepStrip(
  page: Page,
  {width, invalidation, coordinate = "step"}: {width: number; invalidation?: Promise<unknown>; coordinate?: string},
): HTMLElement {
  const box = el("div", {"data-em-live": "", "data-testid": "step-strip"});
  let key = "";
  const build = (s: ViewState) => {
    const {points} = page;
    const rows = summarizeGroups(points, selectionMask(points, s, ["steps"]), ruleOf(s), keyBy(points, ["step"]), {exclude: s.exclude, replicates: 0})
      .map((g) => ({x: Number(g.parts[0]), rate: g.em_rate, lo: g.ci?.[0] ?? null, hi: g.ci?.[1] ?? null, n: g.n_scored, k: g.n_em}))
      .filter((r) => Number.isFinite(r.x));
    if (rows.length < 2) {
      box.replaceChildren(
        el(
          "p",
          {class: "em-muted", "data-testid": "no-step-strip"},
          rows.length ? "One training coordinate only: nothing to brush." : "No training coordinate in this selection.",
        ),
      );
      return;
    }
    const xs = rows.map((r) => r.x);
    const plan = planAxis(xs);
    const pos = (x: number) => axisPosition(plan, x);
    const data = rows.map((r) => ({...r, px: pos(r.x)}));
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    const chart = Plot.plot({
      width: Math.max(width, 360),
      height: 150,
      marginLeft: 50,
      x: xScale(plan, coordinate, {ticks: logTicks(plan, xs), ...(plan.type === "log" ? {domain: [pos(x0) / 1.3, x1 * 1.3]} : {})}),
      y: {label: "↑ EM rate", tickFormat: "%", grid: true},
      marks: [
        ...zeroMarks(plan),
        ...xAxisMarks(plan, coordinate, logTicks(plan, xs) ?? []),
        Plot.areaY(data, {x: "px", y1: "lo", y2: "hi", fill: "currentColor", fillOpacity: 0.08, curve: "linear"}),
        Plot.line(data, {x: "px", y: "rate", stroke: "#D55E00", strokeWidth: 1.5}),
        Plot.dot(data, {
          x: "px",
          y: "rate",
          fill: "#D55E00",
          r: 2.5,
          tip: true,
          title: (d: (typeof data)[number]) => `${coordinate} ${d.x}: EM ${pct(d.rate)} (${d.k}/${d.n})`,
        }),
        Plot.ruleY([0]),
      ],
    });
    // The brush shows the store's range itself (from the URL, the clear button, another page).
    stepBrush(chart, page.selection, {x0: pos(x0), x1, plan});
    box.replaceChildren(chart);
  };
  const stop = page.selection.subscribe((s) => {
    const k = JSON.stringify(KEYS.map((c) => s[c]));
    if (k !== key) {
      key = k;
      build(s);
    }
  }, KEYS);
  void invalidation?.then(stop);
  return box;
}
