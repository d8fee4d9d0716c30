// The answers themselves: a filtered, searchable, sortable list and a detail view.
// Model output is untrusted: it only ever enters the page as text nodes (textContent), never as
// HTML, so markup, event handlers and javascript: links in an answer stay inert text.
import * as Plot from "@observablehq/plot";
import {binValue, type Points, type StringColumn} from "./points.js";
import type {Store} from "./store.js";
import {columnsOf} from "./engine.js";
import {emFlags, EM, OUT} from "../lib/em/view-flags.js";
import {injectionHits} from "../lib/em/view-injection.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ResponseType} from "../lib/schema.js";
import {el, pct, TYPE_COLORS} from "./ui.js";
import {RESPONSE_TYPES} from "../lib/schema.js";
import {DETAIL_TYPE_METRIC, isCoreMetric, type TextsColumn} from "../lib/site-schema.js";
import {SEARCH_RULE} from "../lib/text-search.js";
import type {Detail, ExactScores, Texts} from "./texts-store.js";

export type {Detail, ExactScores, Texts} from "./texts-store.js";
/**
 * The rows of the selection that match the search (the first `limit` and, on demand, all of them
 * most misaligned coherent answers first), and every row's EM flag under the rule and type exclusions (the library's emFlags: the rows flagged
 * EM are the slice's n_em on every other page). `match` marks the rids the search matched (the
 * word index, texts-store.ts openSearch), null for no search: no answer text is needed here.
 */
export function responseRows(
  points: Points,
  match: Uint8Array | null,
  mask: Uint8Array,
  rule: EmRule,
  {exclude, limit = 60}: {exclude: readonly string[]; limit?: number},
): ResponseSlice {
  const rows: number[] = [];
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    if (match && !match[points.rid[i]!]) continue;
    rows.push(i);
  }
  const coherentFirst = (i: number) => (points.coherent[i]! > rule.coherent ? 0 : 1);
  const alignedKey = (i: number) => (Number.isNaN(points.aligned[i]!) ? 1000 : points.aligned[i]!);
  const before = (a: number, b: number) => coherentFirst(a) - coherentFirst(b) || alignedKey(a) - alignedKey(b) || a - b;
  // The first `limit` in display order by one pass (a million-row sort took most of a second);
  // the full order only when something asks for it (a download).
  const top: number[] = [];
  for (const i of rows) {
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
  const keep = new Uint8Array(points.n);
  for (const i of rows) keep[i] = 1;
  const flags = emFlags(columnsOf(points), rule, {exclude: exclude as ResponseType[], mask: keep});
  let nEm = 0;
  let nScored = 0;
  for (const i of rows) {
    if (flags[i] === EM) nEm++;
    if (flags[i] !== OUT) nScored++;
  }
  let sorted: number[] | null = null;
  return {
    rows,
    top,
    sorted: () => (sorted ??= points.exact ? rows.slice().sort(before) : binOrder(points, rows, rule)),
    order: (subset) => [...subset].sort(before),
    flags,
    nEm,
    nScored,
  };
}

/**
 * `rows` in display order from the compact points, by counting sort on (coherent above the cut,
 * aligned bin) with ties in row order: the order of responseRows' comparator (aligned reads as its
 * bin's value, see binValue; null last) in O(n) time (a million-row comparison sort took most of a
 * second). Empty input gives an empty array.
 */
export function binOrder(points: Points, rows: readonly number[], rule: EmRule): number[] {
  // Key: 0..204 for coherent answers, 205..409 for the others; within each, bins 1..203 by value
  // (binValue is increasing in the bin) and the null bin 0 last (204).
  const KEYS = 410;
  const keyOf = (i: number) => {
    const b = points.alignedBin[i]!;
    return (points.coherent[i]! > rule.coherent ? 0 : 205) + (b === 0 ? 204 : b);
  };
  const starts = new Uint32Array(KEYS + 1);
  for (const i of rows) starts[keyOf(i) + 1]!++;
  for (let k = 1; k <= KEYS; k++) starts[k]! += starts[k - 1]!;
  const out = new Array<number>(rows.length);
  for (const i of rows) out[starts[keyOf(i)]!++] = i;
  return out;
}

export interface ResponseSlice {
  /** Rows (indices into points) of the selection that match the search, in points order. */
  rows: number[];
  /** The first `limit` of them in display order: most misaligned coherent answers first. */
  top: number[];
  /** Every row in display order (sorted on first call). */
  sorted(): number[];
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
export function sliceRecords(points: Points, texts: Texts, rows: readonly number[], flags: Uint8Array, exact: Points = points): Record<string, unknown>[] {
  // Scores come from `exact` (points-full.arrow: the same rows in the same order) when the list
  // itself was drawn from the compact points, whose scores are only exact up to their bin.
  if (!exact.exact && points.exact === false && exact !== points) throw new Error("sliceRecords: `exact` must be decoded from points-full.arrow");
  if (exact.n !== points.n || exact.rid[0] !== points.rid[0] || exact.rid[points.n - 1] !== points.rid[points.n - 1])
    throw new Error(`sliceRecords: the exact scores table has other rows (${exact.n} vs ${points.n})`);
  const str = (c: StringColumn, i: number) => points.dicts[c][points.codes[c][i]!] ?? null;
  const numOrNull = (v: number) => (Number.isNaN(v) ? null : v);
  return rows.map((i) => ({
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

export interface ListOptions {
  /** Rows (indices into points) to list, in display order: the whole selection (ResponseSlice.sorted()). */
  rows: readonly number[];
  /** Whether a row counts as EM under the current rule and exclusions. */
  isEm: (row: number) => boolean;
  /** Open a row's detail (click, Enter or Space on the active row). */
  onSelect: (row: number) => void;
  /** Exact scores by rid (details.parquet, openExactScores); without it the list shows the compact points' scores. */
  scores?: ExactScores;
  /** Visible height of the list in pixels (default 560). */
  height?: number;
}

const fmt = (x: number) => (Number.isNaN(x) ? "null" : Number.isInteger(x) ? String(x) : x.toFixed(1));
/**
 * A score of the list as text: the exact score (one decimal, integers as themselves) when the
 * details file has it; else from the points, exact ones as they are and compact ones (score bins) an
 * integer as itself and a non-integer as the two integers it lies between, a range, not a point.
 */
function scoreText(points: Points, i: number, which: "aligned" | "coherent", exact: number | null | undefined): string {
  if (exact === null) return "null";
  if (typeof exact === "number") return fmt(exact);
  if (points.exact) return fmt(points[which][i]!);
  const v = binValue((which === "aligned" ? points.alignedBin : points.coherentBin)[i]!);
  if (Number.isNaN(v)) return "null";
  if (v < 0) return "< 0";
  if (v > 100) return "> 100";
  return Number.isInteger(v) ? String(v) : `${Math.floor(v)}–${Math.ceil(v)}`;
}

/** The texts columns responseTable reads (it loads them itself, for the rows in view). */
export const TABLE_TEXT_COLUMNS: readonly TextsColumn[] = ["response", "question"];
/** The texts columns responseDetail reads. */
export const DETAIL_TEXT_COLUMNS: readonly TextsColumn[] = ["response_id", "source", "origin", "question", "response", "meta"];

const COLUMNS: {name: string; width: string; num?: boolean}[] = [
  {name: "model", width: "14%"},
  {name: "step", width: "6%", num: true},
  {name: "question", width: "17%"},
  {name: "judge", width: "10%"},
  {name: "aligned", width: "7%", num: true},
  {name: "coherent", width: "7%", num: true},
  {name: "type", width: "10%"},
  {name: "EM", width: "4%"},
  {name: "answer", width: "25%"},
];
/** Rows rendered above and below the visible ones (scrolling shows no blank edge). */
const OVERSCAN = 8;
/** Tallest scroll area drawn (px); past it a scroll position maps to a row proportionally (browsers cap element heights near 33 M px). */
const MAX_SCROLL_PX = 4_000_000;
/** Wait after the last scroll before fetching the rows in view (a fast scroll fetches only where it stops). */
const FETCH_DELAY_MS = 60;

/**
 * The answer list: every row of `rows`, virtualised (only the rows in view and a few around them are
 * in the DOM), fetched on use (the texts and exact scores of the rows in view, by byte range, once
 * scrolling stops). One fixed-height line per answer (question and answer cut with an ellipsis; the
 * detail shows them whole). Keyboard: the list is one tab stop; Up / Down move one row, Page Up /
 * Page Down one screen, Home / End to the ends, Enter or Space opens the active row's detail. Empty
 * `rows` gives the table head and a "no answers" line. Answer and question text enter as text nodes.
 */
export function responseTable(points: Points, texts: Texts, {rows, isEm, onSelect, scores, height = 560}: ListOptions): HTMLElement {
  const total = rows.length;
  const colgroup = el("colgroup", {}, ...COLUMNS.map((c) => el("col", {style: `width:${c.width}`})));
  const head = el("tr", {}, ...COLUMNS.map((c) => el("th", {scope: "col", ...(c.num ? {class: "num"} : {})}, c.name)));
  const body = el("tbody");
  const table = el(
    "table",
    {class: "em-table em-vtable", "data-testid": "response-table", role: "grid", "aria-rowcount": String(total + 1), "aria-label": "Answers"},
    colgroup,
    el("thead", {}, head),
    body,
  );
  const scroller = el("div", {class: "em-vscroll", "data-testid": "response-list", tabindex: "-1", style: `max-height:${height}px`}, table);
  const position = el("span", {"data-testid": "response-position"});
  const status = el("p", {class: "em-muted"}, `${total.toLocaleString()} matching answer${total === 1 ? "" : "s"}`, total ? " · " : "", position);
  const box = el("div", {class: "em-responses"}, status, scroller);
  if (!total) {
    body.append(el("tr", {}, el("td", {colspan: String(COLUMNS.length)}, "No answer matches this selection.")));
    return box;
  }
  let rowHeight = 0;
  let active = 0;
  let first = 0;
  let count = 0;
  let wanted = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const str = (c: StringColumn, i: number) => points.dicts[c][points.codes[c][i]!] ?? "";
  const loaded = (rid: number) => texts.get(rid, "response") !== undefined;

  const rowOf = (k: number): HTMLTableRowElement => {
    const i = rows[k]!;
    const rid = points.rid[i]!;
    const judge = str("judge", i);
    const type = points.codes.type[i]! >= 0 ? points.dicts.type[points.codes.type[i]!] : "";
    const have = loaded(rid);
    const questionId = str("question_id", i);
    const question = have ? texts.question(rid) : "";
    const answer = have ? texts.response(rid) : "…";
    const cell = (text: string, attrs: Record<string, string> = {}) => el("td", attrs, text);
    const score = (which: "aligned" | "coherent") => {
      const exact = scores?.get(rid, judge, which);
      const text = scoreText(points, i, which, exact);
      return cell(text, {class: "num", ...(typeof exact === "number" ? {title: String(exact)} : {})});
    };
    const tr = el(
      "tr",
      {
        tabindex: k === active ? "0" : "-1",
        "data-testid": "response-row",
        "data-rid": String(rid),
        "data-k": String(k),
        "aria-rowindex": String(k + 2),
        "aria-selected": k === active ? "true" : "false",
        ...(have ? {} : {"aria-busy": "true"}),
      },
      cell(str("model", i)),
      cell(Number.isNaN(points.step[i]) ? "" : String(points.step[i]), {class: "num"}),
      // The question's text when the data has it (the id in the tooltip); the id while it loads.
      cell(question || questionId, {title: question ? `${questionId}: ${question}` : questionId}),
      cell(judge),
      score("aligned"),
      score("coherent"),
      el("td", {}, type ? el("span", {class: "em-type", style: `border-color:${TYPE_COLORS[type] ?? "#888"}`}, type) : ""),
      cell(isEm(i) ? "EM" : ""),
      cell(answer.length > 400 ? answer.slice(0, 400) + "…" : answer, {class: "em-answer-cell"}),
    );
    if (isEm(i)) tr.dataset.em = "";
    return tr;
  };

  const maxScroll = () => Math.max(1, scroller.scrollHeight - scroller.clientHeight);
  const scaled = () => total * rowHeight > MAX_SCROLL_PX;
  const inView = () => Math.max(1, Math.floor((scroller.clientHeight - head.offsetHeight) / rowHeight));
  /** The first row in view for the current scroll position. */
  const firstInView = () => {
    if (!scaled()) return Math.min(total - 1, Math.floor(scroller.scrollTop / rowHeight));
    return Math.round((scroller.scrollTop / maxScroll()) * Math.max(0, total - inView()));
  };

  const render = () => {
    if (!rowHeight) {
      // Measure one real row (font and theme decide its height); every row has the same.
      body.replaceChildren(rowOf(0));
      rowHeight = Math.max(1, body.firstElementChild!.getBoundingClientRect().height);
    }
    const top = firstInView();
    first = Math.max(0, top - OVERSCAN);
    const last = Math.min(total, top + inView() + OVERSCAN);
    count = last - first;
    const full = Math.min(total * rowHeight, MAX_SCROLL_PX);
    // Spacers: the rows above and below, so the scrollbar spans the whole list.
    const above = scaled() ? Math.max(0, scroller.scrollTop - (top - first) * rowHeight) : first * rowHeight;
    const below = Math.max(0, full - above - count * rowHeight);
    const pad = (h: number) =>
      el("tr", {"aria-hidden": "true", class: "em-vpad"}, el("td", {colspan: String(COLUMNS.length), style: `height:${h}px;padding:0;border:0`}));
    const focused = scroller.contains(document.activeElement);
    const trs: HTMLElement[] = [];
    for (let k = first; k < last; k++) trs.push(rowOf(k));
    body.replaceChildren(pad(above), ...trs, pad(below));
    // Keep the keyboard in the list when the active row scrolls out of the rows drawn.
    if (focused) ((body.querySelector(`tr[data-k="${active}"]`) as HTMLElement | null) ?? scroller).focus({preventScroll: true});
    position.textContent = `rows ${(top + 1).toLocaleString()}–${Math.min(total, top + inView()).toLocaleString()}`;
    schedule();
  };

  /** Fetch the texts and exact scores of the rows rendered, once scrolling stops; then redraw. */
  const schedule = () => {
    const rids: number[] = [];
    for (let k = first; k < first + count; k++) rids.push(points.rid[rows[k]!]!);
    const key = `${first}:${count}`;
    if (rids.every(loaded) || key === wanted) return;
    wanted = key;
    clearTimeout(timer);
    scroller.dataset.emLoading = "";
    scroller.setAttribute("aria-busy", "true");
    timer = setTimeout(async () => {
      try {
        await Promise.all([texts.load(rids, TABLE_TEXT_COLUMNS), scores?.load(rids)]);
      } catch (e) {
        position.textContent = `could not load the answers in view: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (wanted !== key) return;
      wanted = "";
      delete scroller.dataset.emLoading;
      scroller.removeAttribute("aria-busy");
      render();
    }, FETCH_DELAY_MS);
  };

  /** Make row k active and scroll it into view (the table head stays on top). */
  const moveTo = (k: number) => {
    active = Math.max(0, Math.min(total - 1, k));
    const view = inView();
    const top = firstInView();
    if (active < top || active >= top + view) {
      const want = active < top ? active : active - view + 1;
      scroller.scrollTop = scaled() ? (want / Math.max(1, total - view)) * maxScroll() : want * rowHeight;
    }
    render();
    (body.querySelector(`tr[data-k="${active}"]`) as HTMLElement | null)?.focus({preventScroll: true});
  };

  let frame = 0;
  scroller.addEventListener("scroll", () => {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        render();
      });
  });
  scroller.addEventListener("keydown", (e) => {
    const page = inView();
    const step: Record<string, number> = {ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -total, End: total};
    if (e.key in step) {
      e.preventDefault();
      moveTo(active + step[e.key]!);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onSelect(rows[active]!);
    }
  });
  scroller.addEventListener("click", (e) => {
    const tr = (e.target as HTMLElement).closest("tr[data-k]") as HTMLElement | null;
    if (!tr) return;
    active = Number(tr.dataset.k);
    render();
    onSelect(rows[active]!);
  });
  // First draw once the list is in the document (its height is known then).
  const observer = new ResizeObserver(() => render());
  observer.observe(scroller);
  body.append(rowOf(0));
  return box;
}

/** The judge's probability over integer scores for one score row, as a bar chart. */
export function scoreDistribution(detail: Detail, width: number): SVGElement | HTMLElement | null {
  if (!detail.probs) return null;
  // Integer tokens in score order (the judge's distribution over scores), then the others.
  const data = Object.entries(detail.probs)
    .map(([token, p]) => ({token: token.trim() || JSON.stringify(token), p}))
    .sort((a, b) => {
      const x = /^\d+$/.test(a.token) ? Number(a.token) : Infinity;
      const y = /^\d+$/.test(b.token) ? Number(b.token) : Infinity;
      return x - y || b.p - a.p;
    });
  return Plot.plot({
    width,
    height: 30 + 13 * data.length,
    marginLeft: 70,
    x: {label: "probability", domain: [0, 1]},
    y: {label: null, domain: data.map((d) => d.token)},
    marks: [Plot.barX(data, {y: "token", x: "p", fill: (d: {token: string}) => (/^\d+$/.test(d.token) ? "#0072B2" : "#999")}), Plot.ruleX([0])],
  });
}

/** Full detail of one response: text, every judge's scores with probabilities, type probabilities, metadata. */
export function responseDetail(points: Points, texts: Texts, rows: readonly Detail[], row: number, width: number): HTMLElement {
  const rid = points.rid[row]!;
  const scoreRows = rows.filter((d) => d.metric !== DETAIL_TYPE_METRIC);
  const typeRows = rows.filter((d) => d.metric === DETAIL_TYPE_METRIC && d.probs);
  const meta = texts.get(rid, "meta");
  const box = el(
    "section",
    {class: "em-detail", "data-testid": "response-detail", "aria-label": "Response detail"},
    el(
      "h3",
      {},
      `${points.dicts.model[points.codes.model[row]!]}${Number.isNaN(points.step[row]) ? "" : ` · step ${points.step[row]}`} · ${points.dicts.question_id[points.codes.question_id[row]!]}`,
    ),
    el(
      "p",
      {class: "em-muted"},
      `response_id ${String(texts.get(rid, "response_id"))} · source ${String(texts.get(rid, "source"))} · origin ${String(texts.get(rid, "origin"))}`,
    ),
    el("h4", {}, "Question"),
    el("pre", {class: "em-text"}, texts.question(rid)),
    el("h4", {}, "Answer"),
    el("pre", {class: "em-text", "data-testid": "response-text"}, texts.response(rid)),
  );
  const table = el(
    "table",
    {class: "em-table"},
    el("thead", {}, el("tr", {}, ...["judge", "metric", "score", "mass on numbers", "special", "status"].map((h) => el("th", {}, h)))),
  );
  const tbody = el("tbody");
  for (const d of scoreRows)
    tbody.append(
      el(
        "tr",
        {},
        el("td", {}, d.judge),
        el("td", {}, d.metric),
        el("td", {class: "num"}, d.score === null ? "null" : d.score.toFixed(1)),
        el("td", {class: "num"}, d.mass === null ? "" : pct(d.mass)),
        el("td", {}, d.label ?? ""),
        el("td", {}, d.status),
      ),
    );
  table.append(tbody);
  box.append(el("h4", {}, "Scores"), table);
  const charts = el("div", {class: "em-grid"});
  for (const d of scoreRows.filter((x) => isCoreMetric(x.metric))) {
    const chart = scoreDistribution(d, Math.max(240, Math.min(360, width / 2 - 20)));
    if (chart) charts.append(el("div", {}, el("h5", {}, `${d.judge} · ${d.metric}: first-token probabilities`), chart));
  }
  if (charts.childElementCount) box.append(charts);
  for (const t of typeRows) {
    const data = RESPONSE_TYPES.map((type) => ({type, p: t.probs![type] ?? 0}));
    box.append(
      el("h5", {}, `${t.judge}: response type probabilities (most likely ${t.label ?? "?"})`),
      Plot.plot({
        width: Math.min(width, 640),
        height: 200,
        marginLeft: 80,
        x: {domain: [0, 1], label: "probability"},
        y: {domain: [...RESPONSE_TYPES], label: null},
        marks: [Plot.barX(data, {y: "type", x: "p", fill: (d: {type: string}) => TYPE_COLORS[d.type]}), Plot.ruleX([0])],
      }),
    );
  }
  box.append(el("h4", {}, "Metadata"), el("pre", {class: "em-text"}, JSON.stringify(JSON.parse(String(meta ?? "{}")), null, 2)));
  return box;
}

/** The search box, bound to the store's `q` (debounced: typing does not rebuild the list per key). */
export function searchBox(store: Store): HTMLElement {
  const search = el("input", {
    type: "search",
    placeholder: "Search answers and questions (words)",
    title: SEARCH_RULE,
    "aria-label": "Search answers",
    "data-testid": "response-search",
    value: store.get().q,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => store.set({q: search.value}), 150);
  });
  return el("label", {class: "em-control"}, el("span", {}, "Search"), search);
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
