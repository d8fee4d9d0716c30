// The answers of a selection: which rows match (search, selection mask), their order and EM flags,
// the slice as download records, the search box and the answers that address their judge.
// Model output is untrusted: it only ever enters the page as text nodes (textContent), never as
// HTML, so markup, event handlers and javascript: links in an answer stay inert text.
// The list itself: response-list.ts; one answer's detail: response-detail.ts.
import type {Points, StringColumn} from "./points.js";
import type {Store} from "./store.js";
import {columnsOf} from "./engine.js";
import {emFlagAt, emFlags, EM, OUT} from "../lib/em/view-flags.js";
import {typeMask} from "../lib/em/columnar.js";
import {injectionHits} from "../lib/em/view-injection.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ResponseType} from "../lib/schema.js";
import {el} from "./ui.js";
import type {TextsColumn} from "../lib/site-schema.js";
import {searchInput} from "./responses-first-view.js";
import {gallop} from "../lib/text-search.js";
import type {Texts} from "./texts-store.js";

/**
 * The rows of the selection that match the search (the first `limit` and, on demand, all of them
 * most misaligned coherent answers first), and every row's EM flag under the rule and type exclusions (the library's emFlags: the rows flagged
 * EM are the slice's n_em on every other page). `match`: the rids the search matched, ascending (the
 * word index, texts-store.ts SearchIndex.hits), null for no search: no answer text is needed here.
 */
export function responseRows(
  points: Points,
  match: Int32Array | null,
  mask: Uint8Array,
  rule: EmRule,
  {exclude, limit = 60}: {exclude: readonly string[]; limit?: number},
): ResponseSlice {
  const rows = match ? matchedRows(points, match, mask) : maskedRows(points, mask);
  const m = rows.length;
  const coherentFirst = (i: number) => (points.coherent[i]! > rule.coherent ? 0 : 1);
  const alignedKey = (i: number) => (Number.isNaN(points.aligned[i]!) ? 1000 : points.aligned[i]!);
  const before = (a: number, b: number) => coherentFirst(a) - coherentFirst(b) || alignedKey(a) - alignedKey(b) || a - b;
  // The first `limit` in display order by one pass (a million-row sort took most of a second);
  // the full order only when something asks for it (a download).
  const top: number[] = [];
  for (let k = 0; k < m; k++) {
    const i = rows[k]!;
    if (top.length === limit && before(i, top[limit - 1]!) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(top[mid]!, i) < 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, i);
    if (top.length > limit) top.pop();
  }
  // Without a search the rows are the mask's (0/1 per row): every row's flag by emFlags. With one,
  // only the matching rows are classified (the others stay OUT, as emFlags leaves rows outside its
  // mask): a search for a rare word then costs a pass over its hits, not over every answer.
  const cols = columnsOf(points);
  const flags = match ? new Uint8Array(points.n).fill(OUT) : emFlags(cols, rule, {exclude: exclude as ResponseType[], mask});
  if (match) {
    const exMask = typeMask(exclude as ResponseType[]);
    for (let k = 0; k < m; k++) flags[rows[k]!] = emFlagAt(cols, rows[k]!, rule, exMask);
  }
  let nEm = 0;
  let nScored = 0;
  for (let k = 0; k < m; k++) {
    const f = flags[rows[k]!];
    if (f === EM) nEm++;
    if (f !== OUT) nScored++;
  }
  let sorted: Int32Array | null = null;
  const sortedRows = () => (sorted ??= points.exact ? rows.slice().sort(before) : binOrder(points, rows, rule));
  return {
    rows,
    n: m,
    top,
    sorted: sortedRows,
    display: sortedRows,
    order: (subset) => [...subset].sort(before),
    where: (_key, keep) => [...rows.filter(keep)].sort(before),
    flags,
    nEm,
    nScored,
  };
}

/** The rows of `mask`, ascending, in a typed buffer (a growing array of a million numbers cost tens of ms in copies and garbage). */
function maskedRows(points: Points, mask: Uint8Array): Int32Array {
  const buffer = new Int32Array(points.n);
  let m = 0;
  for (let i = 0; i < points.n; ++i) if (mask[i]) buffer[m++] = i;
  return buffer.subarray(0, m);
}

/**
 * The rows of `mask` whose rid is in `hits` (ascending rids), ascending. The points are in rid order
 * (points.ts mergePoints), so each hit's rows are one run found by gallop from the last: a search
 * costs its hits, not a pass over every row (40 ms at ten million). Hits of more than an eighth of
 * the rows, or points out of rid order (checked once per table), take the pass over every row
 * against a mark per rid (cheaper than millions of gallops).
 */
function matchedRows(points: Points, hits: Int32Array, mask: Uint8Array): Int32Array {
  const {rid, n} = points;
  if (hits.length * 8 > n || !ridOrdered(points)) {
    const marks = new Uint8Array(hits.length ? hits[hits.length - 1]! + 1 : 0);
    for (const r of hits) marks[r] = 1;
    const buffer = new Int32Array(points.n);
    let m = 0;
    for (let i = 0; i < n; ++i) if (mask[i] && marks[rid[i]!]) buffer[m++] = i;
    return buffer.subarray(0, m);
  }
  const at = new Int32Array(hits.length);
  let total = 0;
  for (let k = 0, i = 0; k < hits.length; k++) {
    i = at[k] = gallop(rid, hits[k]!, i);
    while (i < n && rid[i] === hits[k]) {
      i++;
      total++;
    }
  }
  const out = new Int32Array(total);
  let m = 0;
  for (let k = 0; k < hits.length; k++) for (let i = at[k]!; i < n && rid[i] === hits[k]; i++) if (mask[i]) out[m++] = i;
  return out.subarray(0, m);
}

/** Whether the table's rows are in rid order (non-decreasing), as decoded points are: one pass per table, remembered. */
export function ridOrdered(points: Points): boolean {
  let known = ordered.get(points);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < points.n && known; ++i) if (points.rid[i]! < points.rid[i - 1]!) known = false;
    ordered.set(points, known);
  }
  return known;
}
const ordered = new WeakMap<Points, boolean>();

/**
 * `rows` in display order from the compact points, by counting sort on (coherent above the cut,
 * aligned bin) with ties in row order: the order of responseRows' comparator (aligned reads as its
 * bin's value, see binValue; null last) in O(n) time (a million-row comparison sort took most of a
 * second). Empty input gives an empty array.
 */
export function binOrder(points: Points, rows: ArrayLike<number>, rule: EmRule): Int32Array {
  // Key: 0..204 for coherent answers, 205..409 for the others; within each, bins 1..203 by value
  // (binValue is increasing in the bin) and the null bin 0 last (204).
  const KEYS = 410;
  const keyOf = (i: number) => {
    const b = points.alignedBin[i]!;
    return (points.coherent[i]! > rule.coherent ? 0 : 205) + (b === 0 ? 204 : b);
  };
  const starts = new Uint32Array(KEYS + 1);
  for (let k = 0; k < rows.length; k++) starts[keyOf(rows[k]!) + 1]!++;
  for (let k = 1; k <= KEYS; k++) starts[k]! += starts[k - 1]!;
  // A typed array: `new Array(n)` above 100,000 elements is a slow dictionary-mode array in V8.
  const out = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    out[starts[keyOf(i)]!++] = i;
  }
  return out;
}

/** Rows (indices into points) read by position k = 0..length - 1 (a typed array, or rows read on demand: response-slice.ts); past the end: undefined. */
export interface RowsView {
  readonly length: number;
  at(k: number): number | undefined;
}

export interface ResponseSlice {
  /** Rows (indices into points) of the selection that match the search, in points order (a brushed range: display order; made on first use). */
  rows: Int32Array;
  /** How many rows (rows.length, without making them). */
  n: number;
  /** The first `limit` of them in display order: most misaligned coherent answers first. */
  top: number[];
  /** Every row in display order (sorted on first call). */
  sorted(): Int32Array;
  /** Every row in display order, read by position: what the list reads (a brushed range's rows are not made into an array). */
  display(): RowsView;
  /**
   * The rows for which `keep` holds, in display order. `key` names `keep` (a brushed range's slice
   * filters the rows its base kept under that key, found once per base: the same key must always
   * mean the same test).
   */
  where(key: string, keep: (row: number) => boolean): number[];
  /** Some of the rows in display order. */
  order(subset: Iterable<number>): number[];
  /** EM flag per points row (emFlags). */
  flags: Uint8Array;
  nEm: number;
  nScored: number;
}

/** The texts columns sliceRecords reads (load them first). */
export const SLICE_TEXT_COLUMNS: readonly TextsColumn[] = ["response_id", "question", "response"];

/** The slice as plain records (CSV / Parquet download); `em` is the row's flag. Texts: SLICE_TEXT_COLUMNS loaded. */
export function sliceRecords(points: Points, texts: Texts, rows: ArrayLike<number>, flags: Uint8Array, exact: Points = points): Record<string, unknown>[] {
  // Scores come from `exact` (points-exact.arrow of the same judges: the same rows in the same order) when the list
  // itself was drawn from the compact points, whose scores are only exact up to their bin.
  if (!exact.exact && points.exact === false && exact !== points) throw new Error("sliceRecords: `exact` must be decoded from points-exact.arrow");
  if (exact.n !== points.n || exact.rid[0] !== points.rid[0] || exact.rid[points.n - 1] !== points.rid[points.n - 1])
    throw new Error(`sliceRecords: the exact scores table has other rows (${exact.n} vs ${points.n})`);
  const str = (c: StringColumn, i: number) => points.dicts[c][points.codes[c][i]!] ?? null;
  const numOrNull = (v: number) => (Number.isNaN(v) ? null : v);
  return Array.from(rows, (i) => ({
    // The first columns keep their order from before variants (scripts read them by position).
    response_id: texts.get(points.rid[i]!, "response_id"),
    experiment: str("experiment", i),
    model: str("model", i),
    step: numOrNull(points.step[i]!),
    question_id: str("question_id", i),
    category: str("category", i),
    judge: str("judge", i),
    variant: str("variant", i),
    aligned: numOrNull(exact.aligned[i]!),
    coherent: numOrNull(exact.coherent[i]!),
    type: str("type", i),
    em: flags[i] === EM,
    in_denominator: flags[i] !== OUT,
    question: texts.question(points.rid[i]!),
    response: texts.response(points.rid[i]!),
  }));
}

/**
 * How long the search box waits after a keystroke before searching (typing does not rebuild the
 * list per key). Part of every search's latency (issue 28: search p95 <= 300 ms at a million
 * answers, debounce included): 100 ms, shorter than the 150 ms it was; keys typed closer than
 * this still make one search.
 */
const SEARCH_DEBOUNCE_MS = 100;

/**
 * The search box, bound to the store's `q` (debounced: typing does not rebuild the list per key).
 * `input`: the box the page showed before its points (responses-first-view.ts searchInput), which
 * keeps what was typed and the focus; the store should hold its value already. `warm(text)` is called
 * when the box gets the focus and at every keystroke, before the debounce: the search's reads start
 * while it waits (the first search reads the index's directory and its words' shard headers).
 */
export function searchBox(store: Store, input: HTMLInputElement = searchInput(store.get().q), warm?: (text: string) => void): HTMLElement {
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (warm) input.addEventListener("focus", () => warm(input.value));
  input.addEventListener("input", () => {
    warm?.(input.value);
    clearTimeout(timer);
    timer = setTimeout(() => store.set({q: input.value}), SEARCH_DEBOUNCE_MS);
  });
  return el("label", {class: "em-control"}, el("span", {}, "Search"), input);
}

/** The rids of the slice's answers that address their judge (injection column loaded), in list order. */
export function injectionHitRids(points: Points, texts: Texts, rows: ArrayLike<number>, limit = 20): number[] {
  return injectionHits(
    rows,
    (row) => points.rid[row]!,
    (rid) => texts.injection(rid),
  )
    .slice(0, limit)
    .map((h) => h.rid);
}

/**
 * The slice's answers that address their judge (judgeInjection), as a table of plain text:
 * model, question, the phrase, and the answer's opening. A note instead when there are none.
 * Texts: the injection column (Texts.column) and the responses of the hits (injectionHitRids) loaded.
 */
export function injectionList(points: Points, texts: Texts, rows: ArrayLike<number>, {limit = 20}: {limit?: number} = {}): HTMLElement {
  const hits = injectionHits(
    rows,
    (row) => points.rid[row]!,
    (rid) => texts.injection(rid),
  );
  if (!hits.length) return el("p", {class: "em-muted", "data-testid": "injection-none"}, "No answer in this slice addresses its judge.");
  const cell = (column: StringColumn, row: number) => el("td", {}, points.dicts[column][points.codes[column][row]!] ?? "");
  const body = hits.slice(0, limit).map((h) => {
    const text = texts.response(h.rid);
    return el(
      "tr",
      {"data-testid": "injection-row"},
      cell("model", h.row),
      cell("question_id", h.row),
      el("td", {}, h.phrase),
      el("td", {}, text.length > 240 ? text.slice(0, 240) + "…" : text),
    );
  });
  return el(
    "div",
    {},
    el(
      "p",
      {"data-testid": "injection-count"},
      `${hits.length.toLocaleString()} answer${hits.length === 1 ? "" : "s"} in this slice address${hits.length === 1 ? "es" : ""} the judge${hits.length > limit ? ` (first ${limit} shown)` : ""}.`,
    ),
    el(
      "table",
      {class: "em-table"},
      el("thead", {}, el("tr", {}, ...["model", "question", "addresses the judge with", "answer"].map((h) => el("th", {scope: "col"}, h)))),
      el("tbody", {}, ...body),
    ),
  );
}
