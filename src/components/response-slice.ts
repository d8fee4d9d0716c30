// The answer list's slice of a state, cheap under the step brush (issue 28: brush to list p95 <= 50
// ms at a million answers). Everything but the brushed range (filters, search, rule, exclusions)
// makes a base slice, computed once by responseRows: its EM flags (per row, so they do not depend on
// the range) and its display order (a stable counting sort). The base holds each row's training
// coordinate as a code in display order and per code the rows, EM rows and rows in the denominator,
// and the display positions of each code's rows (ascending): a range's counts are sums over its
// codes, and its rows in display order are the merge of its codes' positions (a stable sort of a
// subset is the subset of the sort). A brush makes no pass over the rows: the list reads the
// range's rows by position (RowsView.at), each seek a binary search over display positions with a
// count per code in range, each next row the smallest head among those codes, so a brush costs what
// the list shows, not the selection's size. The rows as an array (a download) are made on first
// use, by one pass over the base's codes; the answers that address their judge (where()) are the
// base's, found once, filtered by the range.
import type {Points} from "./points.js";
import {selectionMask} from "./selection.js";
import {keyBy, ruleOf} from "./engine.js";
import {responseRows, type ResponseSlice, type RowsView} from "./responses.js";
import type {ViewState} from "./store.js";
import {EM, OUT} from "../lib/em/view-flags.js";

/** Up to this many distinct training coordinates, a row's code takes two bytes (Uint16), else four. */
const MAX_STEP_CODES = 65_535;
/**
 * Past this many coordinates in a brushed range, its rows are read by a pass over the base's codes
 * (one per brush) rather than merged on read: a seek costs a binary search per coordinate in range.
 */
const MAX_MERGED_CODES = 512;

interface Codes {
  code: Uint16Array | Uint32Array;
  values: Float64Array;
  n: Int32Array;
  em: Int32Array;
  scored: Int32Array;
  starts: Int32Array;
  pos: Int32Array;
}

interface Base {
  mask: Uint8Array;
  match: Int32Array | null;
  rule: string;
  slice: ResponseSlice;
  order: Int32Array;
  /**
   * The training coordinate of `order[k]`, at k, as a code into `values` (the distinct coordinates;
   * values.length: none), and per code the rows, EM rows and rows in the denominator: a range's
   * counts are sums over its codes and its pass reads two bytes a row (four past 65,535 coordinates).
   * `pos[starts[c] .. starts[c + 1])`: the display positions k of code c's rows, ascending. Made on
   * first use (a brushed range, or ListSlices.warm after the list has painted): a new base (a search,
   * a filter) paints its list without these passes over its rows (half a second at five million).
   */
  readonly codes: Codes;
  /** By ResponseSlice.where's key: the display positions of the rows its test kept (found on first use). */
  kept: Map<string, Int32Array>;
}

/**
 * A function from (state, search marks) to the list's slice: the same rows, display order, flags
 * and counts as responseRows over selectionMask(points, state) (sorted() and display() give the
 * display order; for a brushed range `rows` is in display order too). It keeps the last base: a
 * brush, which changes only `steps`, costs sums over the range's coordinates, and the list reads
 * only the rows it shows. `match`: the matching rids, ascending (null: no search); another array
 * makes a new base. The last base without a search is kept beside the last one with a search, so
 * clearing a search under the same filters and rule costs nothing (its base is a pass over every
 * selected row: two seconds at ten million). A range that holds no row gives an empty slice.
 */
export function listSlices(points: Points): ListSlices {
  let plain: Base | null = null;
  let searched: Base | null = null;
  let last: Base | null = null;
  const sliceOf = (s: ViewState, match: Int32Array | null): ResponseSlice => {
    const mask = selectionMask(points, s, ["steps"]);
    const rule = ruleOf(s);
    const key = JSON.stringify([rule, s.exclude]);
    let base = match ? searched : plain;
    if (!base || base.mask !== mask || base.match !== match || base.rule !== key) {
      base = makeBase(points, mask, match, key, responseRows(points, match, mask, rule, {exclude: s.exclude, limit: 1}));
      if (match) searched = base;
      else plain = base;
    }
    last = base;
    if (!s.steps) return base.slice;
    return inRange(base, s.steps);
  };
  return Object.assign(sliceOf, {warm: () => void last?.codes});
}

/** listSlices' function, and `warm()`: make the last slice's base ready for a brush (its codes) now, in idle time. */
export type ListSlices = ((s: ViewState, match: Int32Array | null) => ResponseSlice) & {warm(): void};

function makeBase(points: Points, mask: Uint8Array, match: Int32Array | null, rule: string, slice: ResponseSlice): Base {
  const order = slice.sorted();
  let codes: Codes | null = null;
  return {
    mask,
    match,
    rule,
    slice,
    order,
    get codes() {
      return (codes ??= codesOf(points, order, slice.flags));
    },
    kept: new Map(),
  };
}

function codesOf(points: Points, order: Int32Array, flags: Uint8Array): Codes {
  // The step grouping of the whole table (engine.ts keyBy: cached per table, -1 for no coordinate).
  const byStep = keyBy(points, ["step"]);
  const nCodes = byStep.parts.length;
  const values = Float64Array.from(byStep.parts, (p) => Number(p[0]));
  const code = nCodes < MAX_STEP_CODES ? new Uint16Array(order.length) : new Uint32Array(order.length);
  const n = new Int32Array(nCodes + 1);
  const em = new Int32Array(nCodes + 1);
  const scored = new Int32Array(nCodes + 1);
  const stepOf = byStep.codes;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const c = stepOf[i]! < 0 ? nCodes : stepOf[i]!;
    code[k] = c;
    n[c]!++;
    const f = flags[i]!;
    if (f === EM) em[c]!++;
    if (f !== OUT) scored[c]!++;
  }
  // Each code's display positions, ascending (a counting sort of the positions by code).
  const starts = new Int32Array(nCodes + 2);
  for (let c = 0; c <= nCodes; c++) starts[c + 1] = starts[c]! + n[c]!;
  const fill = starts.slice(0, nCodes + 1);
  const pos = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) pos[fill[code[k]!]!++] = k;
  return {code, values, n, em, scored, starts, pos};
}

/**
 * The base's rows whose coordinate lies in [lo, hi] (as selectionMask: no coordinate is out), in
 * display order: the counts are sums over the codes in range; the rows are read by position from
 * those codes' positions (mergedRows) and made into an array only when asked for (`rows`,
 * `sorted()`), by one pass writing exactly the rows in range; every row in range gives the base's
 * own order.
 */
function inRange(base: Base, [lo, hi]: [number, number]): ResponseSlice {
  const {order, slice} = base;
  const {code, values, n, em, scored} = base.codes;
  const take = new Uint8Array(values.length + 1);
  const active: number[] = [];
  let m = 0;
  let nEm = 0;
  let nScored = 0;
  for (let c = 0; c < values.length; c++) {
    const x = values[c]!;
    if (!(x >= lo && x <= hi) || n[c] === 0) continue;
    take[c] = 1;
    active.push(c);
    m += n[c]!;
    nEm += em[c]!;
    nScored += scored[c]!;
  }
  let rows: Int32Array | null = m === order.length ? order : null;
  const materialize = (): Int32Array => {
    if (rows) return rows;
    const out = new Int32Array(m);
    for (let k = 0, j = 0; j < m; k++) if (take[code[k]!] === 1) out[j++] = order[k]!;
    return (rows = out);
  };
  let view: RowsView | null = null;
  const display = (): RowsView => (view ??= rows ?? (active.length <= MAX_MERGED_CODES ? mergedRows(base, Int32Array.from(active), m) : materialize()));
  return {
    get rows() {
      return materialize();
    },
    n: m,
    top: m ? [display().at(0)!] : [],
    sorted: materialize,
    display,
    where: (key, keep) => {
      let at = base.kept.get(key);
      if (!at) {
        const found: number[] = [];
        for (let k = 0; k < order.length; k++) if (keep(order[k]!)) found.push(k);
        base.kept.set(key, (at = Int32Array.from(found)));
      }
      const out: number[] = [];
      for (const k of at) if (take[code[k]!] === 1) out.push(order[k]!);
      return out;
    },
    order: slice.order,
    flags: slice.flags,
    nEm,
    nScored,
  };
}

/**
 * The rows of `active` codes (m of them) in display order, read by position without a pass: the
 * j-th is found by a binary search over display positions K counting, per active code, its
 * positions below K (a binary search in its list); the rows after it by a merge of the codes'
 * position lists (the smallest head), so reading the rows in view one after another costs a step
 * per active code each. Out of range: undefined (as a typed array's at()).
 */
function mergedRows(base: Base, active: Int32Array, m: number): RowsView {
  const {order} = base;
  const {starts, pos} = base.codes;
  const a = active.length;
  const first = Int32Array.from(active, (c) => starts[c]!);
  const end = Int32Array.from(active, (c) => starts[c + 1]!);
  /** Per active code, the index in `pos` of its first position not yet read. */
  const head = new Int32Array(a);
  /** The index (0..m) of the next row the heads stand at. */
  let next = -1;
  /** First index in pos[lo, hi) holding a position >= k. */
  const lowerBound = (lo: number, hi: number, k: number) => {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pos[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** How many rows in range lie at display positions below k. */
  const below = (k: number) => {
    let s = 0;
    for (let t = 0; t < a; t++) s += lowerBound(first[t]!, end[t]!, k) - first[t]!;
    return s;
  };
  const seek = (j: number) => {
    // The smallest position p with j + 1 rows in range at or below it: that row is the j-th.
    let lo = 0;
    let hi = order.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (below(mid + 1) >= j + 1) hi = mid;
      else lo = mid + 1;
    }
    for (let t = 0; t < a; t++) head[t] = lowerBound(first[t]!, end[t]!, lo);
    next = j;
  };
  /** The next row in display order (the smallest head), its code's head moved on. */
  const pop = () => {
    let best = -1;
    let at = Number.POSITIVE_INFINITY;
    for (let t = 0; t < a; t++) {
      const h = head[t]!;
      if (h < end[t]! && pos[h]! < at) {
        at = pos[h]!;
        best = t;
      }
    }
    head[best]!++;
    next++;
    return order[at]!;
  };
  // The list asks for the rows in view in turn, each twice (its id, then its line): one cached.
  let lastJ = -1;
  let lastRow = -1;
  return {
    length: m,
    at(j: number) {
      if (!(j >= 0 && j < m) || !Number.isInteger(j)) return undefined;
      if (j === lastJ) return lastRow;
      // A short way ahead: step the merge; anywhere else: seek.
      if (next < 0 || j < next || j - next > 64) seek(j);
      while (next < j) pop();
      lastJ = j;
      lastRow = pop();
      return lastRow;
    },
  };
}
