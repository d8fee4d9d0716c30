// Interactor: a horizontal brush over a Plot chart's x scale (an ordered coordinate) that writes
// the selected range to the store's `steps`; every page's selection follows it. Only a user's
// gesture writes (a programmatic move has no sourceEvent). On a log axis the base mark stands for
// 0: a brush reaching it starts the range at 0. The brush also shows the store's range (from the
// URL, another panel, the clear button) by moving itself, so a page need not redraw its chart when
// the range changes.
import * as d3 from "d3";
import {axisPosition, type AxisPlan} from "../../lib/em/view-axis.js";
import type {Store} from "../store.js";
import {plotSvg} from "../ui.js";

type ScaledChart = Element & {scale(name: string): {apply(v: number): number; invert(v: number): number}};

/**
 * Brush `chart` (x0 and x1 are its first and last coordinate positions) and keep the brush on the
 * store's `steps`. The store subscription ends at the first change of `steps` after the chart has
 * left the document (a redrawn chart drops its old brush's listener then).
 */
export function stepBrush(chart: Element, store: Store, {x0, x1, plan}: {x0: number; x1: number; plan: AxisPlan}): void {
  const node = plotSvg(chart)!;
  const svg = d3.select(node);
  const sx = (chart as ScaledChart).scale("x");
  const height = Number(svg.attr("height") ?? 360);
  const at = (px: number) => {
    const v = sx.invert(px);
    return plan.type === "log" && plan.zeroAt !== null && v <= plan.zeroAt * 1.05 ? 0 : Math.round(v * 1000) / 1000;
  };
  const left = sx.apply(x0) - 5;
  const right = sx.apply(x1) + 5;
  const brush = d3
    .brushX()
    .extent([
      [left, 20],
      [right, height - 30],
    ])
    .on("end", (event: d3.D3BrushEvent<unknown>) => {
      if (!event.sourceEvent) return;
      if (!event.selection) {
        store.set({steps: null});
        return;
      }
      const [a, b] = event.selection as [number, number];
      store.set({steps: [at(a), at(b)]});
    });
  const g = svg.append("g").attr("class", "em-brush").attr("data-testid", "step-brush").call(brush);
  // The store's range in pixels (clipped to the brush's extent; null when none or outside it).
  const pixels = (steps: [number, number] | null): [number, number] | null => {
    if (!steps) return null;
    const a = Math.max(left, sx.apply(axisPosition(plan, steps[0])));
    const b = Math.min(right, sx.apply(axisPosition(plan, steps[1])));
    return Number.isFinite(a) && Number.isFinite(b) && a < b ? [a, b] : null;
  };
  let attached = false;
  let stop: (() => void) | null = null;
  const follow = (s: {steps: [number, number] | null}) => {
    if (node.isConnected) attached = true;
    else if (attached) return stop?.();
    const want = pixels(s.steps);
    const now = d3.brushSelection(g.node()!) as [number, number] | null;
    // The brush that wrote the range already shows it (to a pixel): no move, no redraw.
    if (!want ? !now : now && Math.abs(want[0] - now[0]) < 1 && Math.abs(want[1] - now[1]) < 1) return;
    brush.move(g, want);
  };
  stop = store.subscribe(follow, ["steps"]);
}
