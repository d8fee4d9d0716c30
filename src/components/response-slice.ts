// The answer list's slice of a state, cheap under the step brush (issue 28: brush to list p95 <= 50
// ms at a million answers). Everything but the brushed range (filters, search, rule, exclusions)
// makes a base slice, computed once by responseRows: its EM flags (per row, so they do not depend on
// the range) and its display order (a stable counting sort). A brushed range is then one pass over
// the base order keeping the rows in range: the rows come out in display order (a stable sort of a
// subset is the subset of the sort) with their counts, no mask, flag or sort recomputed. The pass
// writes into a typed buffer kept with the base: no growing array, so no copies and no garbage for
// the collector to pause a later brush on (at a million rows pushes cost tens of ms).
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
      base = {mask, match, rule: key, slice, order: slice.sorted(), scratch: null};
    }
    if (!s.steps) return base.slice;
    return inRange(points, base, s.steps);
  };
}

/** The base's rows whose training coordinate lies in [lo, hi] (as selectionMask: no coordinate is out), in display order. */
function inRange(points: Points, base: Base, [lo, hi]: [number, number]): ResponseSlice {
  const {order, slice} = base;
  const {flags} = slice;
  const step = points.step;
  const scratch = (base.scratch ??= new Int32Array(order.length));
  let m = 0;
  let nEm = 0;
  let nScored = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const x = step[i]!;
    if (!(x >= lo && x <= hi)) continue;
    scratch[m++] = i;
    const f = flags[i]!;
    if (f === EM) nEm++;
    if (f !== OUT) nScored++;
  }
  // A copy: the scratch is written again by the next brush, this slice may outlive it (a download).
  const rows = scratch.slice(0, m);
  return {rows, top: m ? [rows[0]!] : [], sorted: () => rows, order: slice.order, flags, nEm, nScored};
}
