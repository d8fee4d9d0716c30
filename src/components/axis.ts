// The x axis of an ordered coordinate for Plot charts, following the plan of src/lib/em/view-axis.ts:
// log when declared or when the values call for it, with the 0 value (a base model) drawn at a
// separate position left of the smallest positive value and labelled, never dropped.
import * as Plot from "@observablehq/plot";
import {axisPosition, planAxis, type AxisPlan} from "../lib/em/view-axis.js";

export {planAxis, axisPosition, type AxisPlan};

/**
 * Plot options for the x scale of a coordinate on the plan. A log plan draws no scale axis: Plot
 * formats log ticks through d3's log tickFormat, which blanks every label whose mantissa is above
 * a threshold (a rank series 1, 4, 16, 64 lost its 64, and the base its 0); `xAxisMarks` draws the
 * axis instead, one label per tick.
 */
export function xScale(plan: AxisPlan, label: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (plan.type === "linear") return {label: `${label} →`, ...extra};
  // The ticks stay on the scale: the grid is drawn at them.
  return {type: "log", ...extra, axis: null};
}

/** The x axis of a log plan as marks: a label on every tick, "0 (base)" at the base position. None on a linear plan. */
export function xAxisMarks(plan: AxisPlan, label: string, ticks: readonly number[]): Plot.Markish[] {
  if (plan.type !== "log") return [];
  const note = plan.reason === "declared" ? "log scale" : "log scale (geometric spacing)";
  const text = (d: number) => (plan.zeroAt !== null && Math.abs(d - plan.zeroAt) < 1e-12 ? "0 (base)" : String(+d.toPrecision(6)));
  return [Plot.axisX(ticks, {text, label: `${label} (${note}) →`, labelAnchor: "right"})];
}

/** A faint vertical rule marking where 0 sits on a log axis (its tick reads "0 (base)"). */
export function zeroMarks(plan: AxisPlan): Plot.Markish[] {
  if (plan.type !== "log" || plan.zeroAt === null) return [];
  return [Plot.ruleX([plan.zeroAt], {stroke: "currentColor", strokeOpacity: 0.25, strokeDasharray: "1,3"})];
}

/** Explicit tick values on a log axis: the observed coordinates (a rank series 1, 4, 16, 64 reads best that way). */
export function logTicks(plan: AxisPlan, values: readonly number[]): number[] | undefined {
  if (plan.type !== "log") return undefined;
  return [...new Set(values.map((v) => axisPosition(plan, v)))].sort((a, b) => a - b);
}
