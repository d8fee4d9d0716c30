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
import {el, pct} from "./ui.js";
import {TYPE_COLORS} from "./chart-style.js";
import {RESPONSE_TYPES} from "../lib/schema.js";
import {DETAIL_TYPE_METRIC, isCoreMetric, type TextsColumn} from "../lib/site-schema.js";
import {SEARCH_RULE} from "../lib/text-search.js";
import type {Detail, Texts} from "./texts-store.js";

export type {Detail, Texts} from "./texts-store.js";
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
    sorted: () => (sorted ??= rows.slice().sort(before)),
    order: (subset) => [...subset].sort(before),
    flags,
    nEm,
    nScored,
  };
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
  /** Rows (indices into points) to list, in display order (at least the first `limit`). */
  rows: readonly number[];
  /** Number of matching rows (default rows.length). */
  total?: number;
  /** Whether a row counts as EM under the current rule and exclusions. */
  isEm: (row: number) => boolean;
  onSelect: (row: number) => void;
  limit?: number;
}

const fmt = (x: number) => (Number.isNaN(x) ? "null" : x.toFixed(0));
/**
 * A score of the list: exact scores rounded; from the compact points (score bins), an integer as
 * itself and a non-integer as the two integers it lies between (the detail view shows it exactly).
 */
const fmtScore = (points: Points, i: number, which: "aligned" | "coherent") => {
  if (points.exact) return fmt(points[which][i]!);
  const v = binValue((which === "aligned" ? points.alignedBin : points.coherentBin)[i]!);
  if (Number.isNaN(v)) return "null";
  if (v < 0) return "< 0";
  if (v > 100) return "> 100";
  return Number.isInteger(v) ? String(v) : `${Math.floor(v)}–${Math.ceil(v)}`;
};

/** The texts columns responseTable reads (load them for the rows shown first). */
export const TABLE_TEXT_COLUMNS: readonly TextsColumn[] = ["response"];
/** The texts columns responseDetail reads. */
export const DETAIL_TEXT_COLUMNS: readonly TextsColumn[] = ["response_id", "source", "origin", "question", "response", "meta"];

/** The response table (first `limit` rows) with keyboard-selectable rows; texts: TABLE_TEXT_COLUMNS of those rows loaded. */
export function responseTable(points: Points, texts: Texts, {rows, total = rows.length, isEm, onSelect, limit = 100}: ListOptions): HTMLElement {
  const head = el("tr", {}, ...["model", "step", "question", "judge", "aligned", "coherent", "type", "EM", "answer"].map((h) => el("th", {scope: "col"}, h)));
  const body = el("tbody");
  for (const i of rows.slice(0, limit)) {
    const rid = points.rid[i]!;
    const type = points.codes.type[i]! >= 0 ? points.dicts.type[points.codes.type[i]!] : "";
    const answer = texts.response(rid);
    const tr = el(
      "tr",
      {tabindex: "0", "data-testid": "response-row", "data-rid": String(rid)},
      el("td", {}, points.dicts.model[points.codes.model[i]!] ?? ""),
      el("td", {class: "num"}, Number.isNaN(points.step[i]) ? "" : String(points.step[i])),
      el("td", {}, points.dicts.question_id[points.codes.question_id[i]!] ?? ""),
      el("td", {}, points.dicts.judge[points.codes.judge[i]!] ?? ""),
      el("td", {class: "num"}, fmtScore(points, i, "aligned")),
      el("td", {class: "num"}, fmtScore(points, i, "coherent")),
      el("td", {}, type ? el("span", {class: "em-type", style: `border-color:${TYPE_COLORS[type] ?? "#888"}`}, type) : ""),
      el("td", {}, isEm(i) ? "EM" : ""),
      el("td", {class: "em-answer-cell"}, answer.length > 180 ? answer.slice(0, 180) + "…" : answer),
    );
    if (isEm(i)) tr.dataset.em = "";
    tr.addEventListener("click", () => onSelect(i));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        onSelect(i);
      }
    });
    body.append(tr);
  }
  const more =
    total > limit
      ? el("p", {class: "em-muted"}, `Showing ${limit} of ${total.toLocaleString()} matching answers. Narrow the selection or search to see others.`)
      : el("p", {class: "em-muted"}, `${total.toLocaleString()} matching answers.`);
  return el("div", {class: "em-responses"}, more, el("table", {class: "em-table", "data-testid": "response-table"}, el("thead", {}, head), body));
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
