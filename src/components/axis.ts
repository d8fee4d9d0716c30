// The x axis of an ordered coordinate for Plot charts, following the plan of src/lib/em/view-axis.ts:
// log when declared or when the values call for it, with the 0 value (a base model) drawn at a
// separate position left of the smallest positive value and labelled, never dropped.
import * as Plot from "@observablehq/plot";
import {axisPosition, planAxis, type AxisPlan} from "../lib/em/view-axis.js";

export {planAxis, axisPosition, type AxisPlan};

/** Plot options for the x scale of a coordinate on the plan. */
export function xScale(plan: AxisPlan, label: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (plan.type === "linear") return {label: `${label} →`, ...extra};
  const note = plan.reason === "declared" ? "log scale" : "log scale (geometric spacing)";
  return {
    type: "log",
    label: `${label} (${note}) →`,
    tickFormat: (d: number) => (plan.zeroAt !== null && Math.abs(d - plan.zeroAt) < 1e-12 ? "0" : String(+d.toPrecision(6))),
    ...extra,
  };
}

/** A faint vertical band marking where 0 sits on a log axis (the base mark). */
export function zeroMarks(plan: AxisPlan): Plot.Markish[] {
  if (plan.type !== "log" || plan.zeroAt === null) return [];
  return [
    Plot.ruleX([plan.zeroAt], {stroke: "currentColor", strokeOpacity: 0.25, strokeDasharray: "1,3"}),
    Plot.text([plan.zeroAt], {x: (d: number) => d, frameAnchor: "top", text: () => "0 (base)", dy: -2, fontSize: 10, fill: "currentColor", fillOpacity: 0.7}),
  ];
}

/** Explicit tick values on a log axis: the observed coordinates (a rank series 1, 4, 16, 64 reads best that way). */
export function logTicks(plan: AxisPlan, values: readonly number[]): number[] | undefined {
  if (plan.type !== "log") return undefined;
  return [...new Set(values.map((v) => axisPosition(plan, v)))].sort((a, b) => a - b);
}
