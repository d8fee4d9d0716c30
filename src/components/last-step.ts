// The rows of each group at its own last coordinate (the overview's "EM at last step").
import type {Grouping} from "./engine.js";
import type {Points} from "./points.js";

/**
 * Rows at each group's own last coordinate: series of different variants may end at different
 * values (a steering sweep tunes its scales per layer), so "final" is per group, not global. A
 * group with no coordinate at all (a base model measured once, beside fine-tunes with steps) keeps
 * its rows without one: that measurement is its last, not a missing one.
 */
export function lastStepMask(points: Points, mask: Uint8Array, grouping: Grouping): Uint8Array {
  // NaN: the group has no row with a coordinate (a base model measured once): its rows without one are its last measurement.
  const last = new Float64Array(grouping.parts.length).fill(Number.NaN);
  for (let i = 0; i < points.n; ++i) {
    const g = grouping.codes[i]!;
    const s = points.step[i]!;
    if (mask[i] && g >= 0 && !Number.isNaN(s) && !(s <= last[g]!)) last[g] = s;
  }
  return Uint8Array.from(mask, (m, i) => {
    const g = grouping.codes[i]!;
    return m && g >= 0 && (points.step[i] === last[g] || (Number.isNaN(last[g]!) && Number.isNaN(points.step[i]!))) ? 1 : 0;
  });
}
