// The answer list: every answer of a selection in one virtualised, keyboard-driven table whose rows
// fetch their texts and exact scores by byte range once scrolling stops. Answer and question text
// enter as text nodes only (model output is untrusted).
// No points here (no apache-arrow): the first page is drawn before the points are downloaded.
import {el} from "./ui.js";
import {TYPE_COLORS} from "./chart-style.js";
import type {TextsColumn} from "../lib/site-schema.js";
import type {FirstLine} from "../lib/responses-first.js";
import type {ExactScores, Texts} from "./texts-store.js";

export interface ListOptions {
  /** Open the detail of the line at position k (click, Enter or Space on the active row). */
  onSelect: (k: number) => void;
  /** Exact scores by rid (details.parquet, openExactScores); without it the list shows the source's score texts. */
  scores?: ExactScores;
  /** Visible height of the list in pixels (default 560). */
  height?: number;
  /** The selection's size when `source` holds only its first lines (the build's first page). */
  of?: number;
}

/**
 * What the list shows, line by line in display order (position k = 0..length-1): the decoded points
 * (response-lines.ts pointsSource) or the first page precomputed at build time (responses-first.ts),
 * so the same table draws both. `line(k)` is the one projection of a list line: the build writes
 * exactly these objects into responses-first.json.
 */
export interface ListSource {
  length: number;
  /** The response id of line k (the texts' row), without building the line. */
  rid(k: number): number;
  line(k: number): FirstLine;
}

/** A list of lines as a source (the build's first page). */
export function linesSource(lines: readonly FirstLine[]): ListSource {
  return {length: lines.length, rid: (k) => lines[k]!.rid, line: (k) => lines[k]!};
}

const fmt = (x: number) => (Number.isNaN(x) ? "null" : Number.isInteger(x) ? String(x) : x.toFixed(1));
/** An exact score as the list shows it (one decimal, integers as themselves). */
const exactText = (exact: number | null) => (exact === null ? "null" : fmt(exact));

/** The texts columns responseTable reads (it loads them itself, for the rows in view). */
export const TABLE_TEXT_COLUMNS: readonly TextsColumn[] = ["response", "question"];

// The short columns get the width of their longest head or value ("coherent", "undetermined") in
// em of the table's font, whatever the page's width; the text columns share the rest, the answer
// taking what is left (percentages alone cut "coherent", the type and "EM" at 800 px).
const COLUMNS: {name: string; width: string; num?: boolean}[] = [
  {name: "model", width: "13%"},
  {name: "step", width: "4.5em", num: true},
  {name: "question", width: "18%"},
  {name: "judge", width: "9%"},
  {name: "aligned", width: "5em", num: true},
  {name: "coherent", width: "5.5em", num: true},
  {name: "type", width: "8em"},
  {name: "EM", width: "3em"},
  {name: "answer", width: "auto"},
];
const JUDGE = COLUMNS.findIndex((c) => c.name === "judge");
const QUESTION = COLUMNS.findIndex((c) => c.name === "question");
/** The narrowest the question preview gets when the judge column takes width from it. */
const QUESTION_MIN = "6em";
/** Rows rendered above and below the visible ones (scrolling shows no blank edge). */
const OVERSCAN = 8;
/** Tallest scroll area drawn (px); past it a scroll position maps to a row proportionally (browsers cap element heights near 33 M px). */
const MAX_SCROLL_PX = 4_000_000;
/** Wait after the last scroll before fetching the rows in view (a fast scroll fetches only where it stops). */
const FETCH_DELAY_MS = 60;

/**
 * The answer list: every line of `source`, virtualised (only the rows in view and a few around them are
 * in the DOM), fetched on use (the texts and exact scores of the rows in view, by byte range, once
 * scrolling stops). One fixed-height line per answer (question and answer cut with an ellipsis; the
 * detail shows them whole). Keyboard: the list is one tab stop; Up / Down move one row, Page Up /
 * Page Down one screen, Home / End to the ends, Enter or Space opens the active row's detail. Empty
 * `rows` gives the table head and a "no answers" line. Answer and question text enter as text nodes.
 */
export function responseTable(texts: Texts, source: ListSource, {onSelect, scores, height = 560, of}: ListOptions): HTMLElement {
  const total = source.length;
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
  const matching =
    of !== undefined && of > total
      ? `the first ${total.toLocaleString()} of ${of.toLocaleString()} matching answers`
      : `${total.toLocaleString()} matching answer${total === 1 ? "" : "s"}`;
  const status = el("p", {class: "em-muted"}, matching, total ? " · " : "", position);
  const box = el("div", {class: "em-responses"}, status, scroller);
  if (!total) {
    body.append(el("tr", {}, el("td", {colspan: String(COLUMNS.length)}, "No answer matches this selection.")));
    return box;
  }
  const fitJudges = judgeFitter(table, colgroup);
  let rowHeight = 0;
  let active = 0;
  let first = 0;
  let count = 0;
  let wanted = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const loaded = (rid: number) => texts.get(rid, "response") !== undefined;
  // A row is fetched when its texts and (with `scores`) its exact scores are: the first page may
  // have read the texts of rows whose exact scores the live list has not.
  const fetched = (rid: number) => loaded(rid) && (scores?.has(rid) ?? true);

  const rowOf = (k: number): HTMLTableRowElement => {
    const line = source.line(k);
    const {rid, judge, type} = line;
    const have = loaded(rid);
    const questionId = line.question_id;
    const question = have ? texts.question(rid) : "";
    const answer = have ? texts.response(rid) : "…";
    const cell = (text: string, attrs: Record<string, string> = {}) => el("td", attrs, text);
    const score = (which: "aligned" | "coherent") => {
      const exact = scores?.get(rid, judge, which);
      const text = exact === undefined ? line[which] : exactText(exact);
      return cell(text, {class: "num", ...(typeof exact === "number" ? {title: String(exact)} : {})});
    };
    const em = line.em;
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
      cell(line.model, {title: line.model}),
      cell(line.step, {class: "num"}),
      // The question's text when the data has it (the id in the tooltip); the id while it loads.
      cell(question || questionId, {title: question ? `${questionId}: ${question}` : questionId}),
      cell(judge, {title: judge}),
      score("aligned"),
      score("coherent"),
      el("td", {}, type ? el("span", {class: "em-type", style: `border-color:${TYPE_COLORS[type] ?? "#888"}`}, type) : ""),
      cell(em ? "EM" : ""),
      cell(answer.length > 400 ? answer.slice(0, 400) + "…" : answer, {class: "em-answer-cell"}),
    );
    if (em) tr.dataset.em = "";
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
      fitJudges.font(body.firstElementChild!.children[JUDGE] as HTMLElement);
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
    fitJudges(trs);
    body.replaceChildren(pad(above), ...trs, pad(below));
    // Keep the keyboard in the list when the active row scrolls out of the rows drawn.
    if (focused) ((body.querySelector(`tr[data-k="${active}"]`) as HTMLElement | null) ?? scroller).focus({preventScroll: true});
    position.textContent = `rows ${(top + 1).toLocaleString()}–${Math.min(total, top + inView()).toLocaleString()}`;
    schedule();
  };

  /** Fetch the texts and exact scores of the rows rendered, once scrolling stops; then redraw. */
  const schedule = () => {
    const rids: number[] = [];
    for (let k = first; k < first + count; k++) rids.push(source.rid(k));
    const key = `${first}:${count}`;
    if (rids.every(fetched) || key === wanted) return;
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
      onSelect(active);
    }
  });
  scroller.addEventListener("click", (e) => {
    const tr = (e.target as HTMLElement).closest("tr[data-k]") as HTMLElement | null;
    if (!tr) return;
    active = Number(tr.dataset.k);
    render();
    onSelect(active);
  });
  // First draw once the list is in the document (its height is known then).
  const observer = new ResizeObserver(() => render());
  observer.observe(scroller);
  body.append(rowOf(0));
  return box;
}

/**
 * The judge column's width, fitted to the judge ids it shows: judge ids are few and as long as real
 * model versions ("gpt-4o-2024-08-06", 112 px in the list's 12 px font, was cut to "gpt-4o-2…" in
 * the 66 px of 9% at 800 px). Each id's text is measured once in the cells' font (canvas
 * measureText, fractional, plus the cell's padding and border, rounded up), and the column gets the
 * widest one seen (never narrower than its share, never narrowing again: scrolling does not move the
 * columns), taken from the question preview (never below QUESTION_MIN), so the other columns keep
 * their widths. Both are set as percentages of the table's width, computed again when it changes
 * (the list renders on resize): Chrome lays out a fixed table's column whose width mixes % and px
 * (calc, max) as auto, sharing the answer column's rest (the reverted attempt's 109 of 111 px).
 * `font(td)` reads a judge cell's font and box once the first row is in the DOM.
 */
function judgeFitter(table: HTMLElement, colgroup: HTMLElement): ((trs: readonly HTMLElement[]) => void) & {font(td: HTMLElement): void} {
  let ctx: CanvasRenderingContext2D | null = null;
  let box = 0;
  let em = 12;
  let px = 0;
  let applied = "";
  const widths = new Map<string, number>();
  const share = Number.parseFloat(COLUMNS[JUDGE]!.width);
  const questionShare = Number.parseFloat(COLUMNS[QUESTION]!.width);
  const fit = (trs: readonly HTMLElement[]) => {
    if (!ctx) return;
    for (const tr of trs) {
      const text = tr.children[JUDGE]?.textContent ?? "";
      let w = widths.get(text);
      if (w === undefined) widths.set(text, (w = Math.ceil(ctx.measureText(text).width + box)));
      px = Math.max(px, w);
    }
    const width = table.clientWidth;
    if (!width) return;
    const judge = Math.max(share, (100 * px) / width);
    const question = Math.max((100 * Number.parseFloat(QUESTION_MIN) * em) / width, questionShare + share - judge);
    const key = `${judge}|${question}`;
    if (key === applied) return;
    applied = key;
    (colgroup.children[JUDGE] as HTMLElement).style.width = `${judge.toFixed(3)}%`;
    (colgroup.children[QUESTION] as HTMLElement).style.width = `${question.toFixed(3)}%`;
  };
  return Object.assign(fit, {
    font(td: HTMLElement) {
      const cs = getComputedStyle(td);
      ctx = document.createElement("canvas").getContext("2d");
      if (!ctx) return;
      ctx.font = cs.font;
      em = Number.parseFloat(cs.fontSize) || em;
      // One pixel for the sub-pixel rounding of the columns' widths.
      box = [cs.paddingLeft, cs.paddingRight, cs.borderLeftWidth, cs.borderRightWidth].reduce((sum, v) => sum + (Number.parseFloat(v) || 0), 0) + 1;
    },
  });
}
