// How to lay out an ordered coordinate on a chart axis, and how to read an ordered key out of labels.
import {coordinateScale} from "./series.js";

// Pure helpers for the site's views (no DOM): a LoRA rank series 0, 1, 4, 16, 64 on a linear axis
// squeezes everything but the last point against the origin, so geometrically spaced values (each
// at least ~double the previous) or a declared `coordinate_scale: log` get a log axis. A wide span
// alone does not (steps 0, 10, 100, ..., 1000 stay linear). A log axis cannot show 0 (the base
// model of a rank or alpha series); the zero point is then drawn apart, as a "base" mark left of the
// smallest positive value, instead of being dropped or silently moved.

export interface AxisPlan {
  /** Scale type for the positive values. */
  type: "linear" | "log";
  /** Why: "declared" (experiment file), "geometric" (each value >= 1.9 x the previous), "default". */
  reason: "declared" | "geometric" | "default";
  /** On a log axis: whether a 0 value is present (drawn as a separate base mark). */
  zero: boolean;
  /** On a log axis: where the 0 value is drawn (a factor below the smallest positive value); null otherwise. */
  zeroAt: number | null;
  /** Ratio max / min of the positive values (1 when fewer than two). */
  decades: number;
}

/**
 * Choose the axis for coordinate values. `declared` is the experiment's `coordinate_scale`.
 * Log needs at least two positive values and no negative one; otherwise the axis is linear whatever
 * was declared (a declared log scale over negative values would hide them).
 */
export function planAxis(values: readonly number[], declared: "linear" | "log" | null | undefined = null): AxisPlan {
  const finite = values.filter((v) => Number.isFinite(v));
  const positive = finite.filter((v) => v > 0);
  const negative = finite.some((v) => v < 0);
  const zero = finite.some((v) => v === 0);
  const lo = positive.length ? Math.min(...positive) : NaN;
  const hi = positive.length ? Math.max(...positive) : NaN;
  const decades = positive.length >= 2 ? Math.log10(hi / lo) : 0;
  const linear: AxisPlan = {type: "linear", reason: declared === "linear" ? "declared" : "default", zero, zeroAt: null, decades};
  // The decision is the analysis library's (the fits run on the same scale); the axis only adds
  // that negative values or a single positive one cannot go on a log axis.
  if (negative || positive.length < 2 || coordinateScale(finite, declared) !== "log") return linear;
  const reason: AxisPlan["reason"] = declared === "log" ? "declared" : "geometric";
  return {type: "log", reason, zero, zeroAt: zero ? lo / 2 : null, decades};
}

/** Position of a coordinate value on the planned axis (0 goes to the base mark on a log axis). */
export function axisPosition(plan: AxisPlan, x: number): number {
  return plan.type === "log" && x === 0 && plan.zeroAt !== null ? plan.zeroAt : x;
}

/**
 * Read numbers out of labels that share a text prefix and suffix ("layer_28", "layer_32" -> 28, 32;
 * "R16" -> 16; "0.5" -> 0.5). Returns null unless every label parses and at least two distinct
 * numbers result: then the labels form an ordered key (a second sweep dimension).
 */
export function orderedValues(labels: readonly string[]): {prefix: string; suffix: string; values: number[]} | null {
  if (labels.length < 2) return null;
  const re = /^(.*?)(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(\D*)$/i;
  // A "-" after text is a separator ("Qwen2.5-7B"), a sign only at the start of the label.
  const parts = labels.map((l) => {
    const m = re.exec(l.trim());
    if (m && m[1] !== "" && m[2]!.startsWith("-")) return [m[0], m[1] + "-", m[2]!.slice(1), m[3]];
    return m;
  });
  if (parts.some((p) => p === null)) return null;
  const prefix = parts[0]![1]!;
  const suffix = parts[0]![3]!;
  if (parts.some((p) => p![1] !== prefix || p![3] !== suffix)) return null;
  const values = parts.map((p) => Number(p![2]));
  if (values.some((v) => !Number.isFinite(v)) || new Set(values).size < 2) return null;
  return {prefix, suffix, values};
}
