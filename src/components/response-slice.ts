// The answer list's slice of a state, cheap under the step brush (issue 28: brush to list p95 <= 50
// ms at a million answers). Everything but the brushed range (filters, search, rule, exclusions)
// makes a base slice, computed once by responseRows: its EM flags (per row, so they do not depend on
// the range) and its display order (a stable counting sort). A brushed range is then one pass over
// the base order keeping the rows in range: the rows come out in display order (a stable sort of a
// subset is the subset of the sort) with their counts, no mask, flag or sort recomputed. The pass
// writes into a typed buffer kept with the base: no growing array, so no copies and no garbage for
// the collector to pause a later brush on (at a million rows pushes cost tens of ms). The pass reads
// the base's own copies of the rows' steps and flags in display order (made with the base), not the
// points' columns at each row: those reads jump across the whole table (the display order is not
// the table's), a cache miss per row on a large table, which with two judges (a points table twice
// the responses) set the brush's time at a million answers.
import type {Points} from "./points.js";
import {selectionMask} from "./selection.js";
import {ruleOf} from "./engine.js";
import {responseRows, type ResponseSlice} from "./responses.js";
import type {ViewState} from "./store.js";
import {EM, OUT} from "../lib/em/view-flags.js";

interface Base {
  mask: Uint8Array;
  match: Uint8Array | null;
  rule: string;
  slice: ResponseSlice;
  order: Int32Array;
  /** The training coordinate and the EM flag of `order[k]`, at k: what a brush reads, in the order it reads it. */
  steps: Float64Array;
  flags: Uint8Array;
  /** Scratch for a range's rows (the base's length), copied out at the end of each pass. */
  scratch: Int32Array | null;
}

/**
 * A function from (state, search marks) to the list's slice: the same rows, display order, flags
 * and counts as responseRows over selectionMask(points, state) (sorted() is the display order; for
 * a brushed range `rows` is in display order too). It keeps the last base: a brush, which changes
 * only `steps`, costs one pass over the base's rows. `match` marks matching rids (null: no search);
 * a new marks array makes a new base. A range that holds no row gives an empty slice.
 */
export function listSlices(points: Points): (s: ViewState, match: Uint8Array | null) => ResponseSlice {
  let base: Base | null = null;
  return (s, match) => {
    const mask = selectionMask(points, s, ["steps"]);
    const rule = ruleOf(s);
    const key = JSON.stringify([rule, s.exclude]);
    if (!base || base.mask !== mask || base.match !== match || base.rule !== key) {
      const slice = responseRows(points, match, mask, rule, {exclude: s.exclude, limit: 1});
      const order = slice.sorted();
      const steps = new Float64Array(order.length);
      const flags = new Uint8Array(order.length);
      for (let k = 0; k < order.length; k++) {
        const i = order[k]!;
        steps[k] = points.step[i]!;
        flags[k] = slice.flags[i]!;
      }
      base = {mask, match, rule: key, slice, order, steps, flags, scratch: null};
    }
    if (!s.steps) return base.slice;
    return inRange(base, s.steps);
  };
}

/** The base's rows whose training coordinate lies in [lo, hi] (as selectionMask: no coordinate is out), in display order. */
function inRange(base: Base, [lo, hi]: [number, number]): ResponseSlice {
  const {order, slice, steps, flags} = base;
  const scratch = (base.scratch ??= new Int32Array(order.length));
  let m = 0;
  let nEm = 0;
  let nScored = 0;
  for (let k = 0; k < order.length; k++) {
    const x = steps[k]!;
    if (!(x >= lo && x <= hi)) continue;
    scratch[m++] = order[k]!;
    const f = flags[k]!;
    if (f === EM) nEm++;
    if (f !== OUT) nScored++;
  }
  // A copy: the scratch is written again by the next brush, this slice may outlive it (a download).
  const rows = scratch.slice(0, m);
  return {rows, top: m ? [rows[0]!] : [], sorted: () => rows, order: slice.order, flags: slice.flags, nEm, nScored};
}
