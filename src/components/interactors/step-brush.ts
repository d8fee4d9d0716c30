// Interactor: a horizontal brush over a Plot chart's x scale (an ordered coordinate) that writes
// the selected range to the store's `steps`; every page's selection follows it. Only a user's
// gesture writes (a programmatic move has no sourceEvent). On a log axis the base mark stands for
// 0: a brush reaching it starts the range at 0.
import * as d3 from "d3";
import type {AxisPlan} from "../../lib/em/view-axis.js";
import type {Store} from "../store.js";
import {plotSvg} from "../ui.js";

type ScaledChart = Element & {scale(name: string): {apply(v: number): number; invert(v: number): number}};

/** Returns `clear()`: remove the brush's selection without writing to the store. */
export function stepBrush(chart: Element, store: Store, {x0, x1, plan}: {x0: number; x1: number; plan: AxisPlan}): {clear(): void} {
  const svg = d3.select(plotSvg(chart)!);
  const sx = (chart as ScaledChart).scale("x");
  const height = Number(svg.attr("height") ?? 360);
  const at = (px: number) => {
    const v = sx.invert(px);
    return plan.type === "log" && plan.zeroAt !== null && v <= plan.zeroAt * 1.05 ? 0 : Math.round(v * 1000) / 1000;
  };
  const brush = d3
    .brushX()
    .extent([
      [sx.apply(x0) - 5, 20],
      [sx.apply(x1) + 5, height - 30],
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
  return {clear: () => brush.move(g as never, null)};
}
