// The answer list's slice of a state, cheap under the step brush (issue 28: brush to list p95 <= 50
// ms at a million answers). Everything but the brushed range (filters, search, rule, exclusions)
// makes a base slice, computed once by responseRows: its EM flags (per row, so they do not depend on
// the range) and its display order (a stable counting sort). A brushed range is then one pass over
// the base order keeping the rows in range: the rows come out in display order (a stable sort of a
// subset is the subset of the sort), no mask, flag or sort recomputed. The base holds each row's
// training coordinate as a code in display order (two bytes a row, read in order: not the points'
// columns at each row, whose reads jump across the whole table, a cache miss per row) and per code
// the rows, EM rows and rows in the denominator: a range's counts are sums over its codes, its
// length is known before the pass, so the pass writes its rows straight into their own array (no
// growing array, no scratch copied out: garbage the collector would pause a later brush on).
import type {Points} from "./points.js";
import {selectionMask} from "./selection.js";
import {keyBy, ruleOf} from "./engine.js";
import {responseRows, type ResponseSlice} from "./responses.js";
import type {ViewState} from "./store.js";
import {EM, OUT} from "../lib/em/view-flags.js";

/** Up to this many distinct training coordinates, a row's code takes two bytes (Uint16), else four. */
const MAX_STEP_CODES = 65_535;

interface Base {
  mask: Uint8Array;
  match: Uint8Array | null;
  rule: string;
  slice: ResponseSlice;
  order: Int32Array;
  /**
   * The training coordinate of `order[k]`, at k, as a code into `values` (the distinct coordinates;
   * values.length: none), and per code the rows, EM rows and rows in the denominator: a range's
   * counts are sums over its codes and its pass reads two bytes a row (four past 65,535 coordinates).
   */
  codes: {code: Uint16Array | Uint32Array; values: Float64Array; n: Int32Array; em: Int32Array; scored: Int32Array};
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
    if (!base || base.mask !== mask || base.match !== match || base.rule !== key)
      base = makeBase(points, mask, match, key, responseRows(points, match, mask, rule, {exclude: s.exclude, limit: 1}));
    if (!s.steps) return base.slice;
    return inRange(base, s.steps);
  };
}

function makeBase(points: Points, mask: Uint8Array, match: Uint8Array | null, rule: string, slice: ResponseSlice): Base {
  const order = slice.sorted();
  // The step grouping of the whole table (engine.ts keyBy: cached per table, -1 for no coordinate).
  const byStep = keyBy(points, ["step"]);
  const nCodes = byStep.parts.length;
  const values = Float64Array.from(byStep.parts, (p) => Number(p[0]));
  const code = nCodes < MAX_STEP_CODES ? new Uint16Array(order.length) : new Uint32Array(order.length);
  const n = new Int32Array(nCodes + 1);
  const em = new Int32Array(nCodes + 1);
  const scored = new Int32Array(nCodes + 1);
  const stepOf = byStep.codes;
  const flags = slice.flags;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const c = stepOf[i]! < 0 ? nCodes : stepOf[i]!;
    code[k] = c;
    n[c]!++;
    const f = flags[i]!;
    if (f === EM) em[c]!++;
    if (f !== OUT) scored[c]!++;
  }
  return {mask, match, rule, slice, order, codes: {code, values, n, em, scored}};
}

/**
 * The base's rows whose coordinate lies in [lo, hi] (as selectionMask: no coordinate is out), in
 * display order, from the coded coordinates: the counts are sums over the codes in range, the rows
 * one pass writing exactly the rows in range into an array of their number (no scratch, no copy);
 * every row in range gives the base's own order.
 */
function inRange(base: Base, [lo, hi]: [number, number]): ResponseSlice {
  const {order, slice} = base;
  const {code, values, n, em, scored} = base.codes;
  const take = new Uint8Array(values.length + 1);
  let m = 0;
  let nEm = 0;
  let nScored = 0;
  for (let c = 0; c < values.length; c++) {
    const x = values[c]!;
    if (!(x >= lo && x <= hi)) continue;
    take[c] = 1;
    m += n[c]!;
    nEm += em[c]!;
    nScored += scored[c]!;
  }
  let rows: Int32Array;
  if (m === order.length) rows = order;
  else {
    rows = new Int32Array(m);
    for (let k = 0, j = 0; j < m; k++) if (take[code[k]!] === 1) rows[j++] = order[k]!;
  }
  return {rows, top: m ? [rows[0]!] : [], sorted: () => rows, order: slice.order, flags: slice.flags, nEm, nScored};
}
