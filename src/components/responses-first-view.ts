// The /responses page before its points (issue 28): the counts line, the build's first page of the
// list (responses-first.json) and the detail of a clicked answer, from a few kB of JSON and the
// texts and details read by range. Nothing here imports the points, the engine or a chart library:
// the page paints this first, then loads the rest (responses-live.ts), which draws with the same
// functions. Plot (the detail's charts) is imported on the first click.
import {el, loading} from "./ui.js";
import {parseState, type ViewState} from "./store.js";
import {linesSource, responseTable} from "./response-list.js";
import type {Detail, Texts} from "./texts-store.js";
import {questionLabel, type QuestionTexts, type TextsColumn} from "../lib/site-schema.js";
import {responsesFirstFor, type FirstLine, type ResponsesFirst} from "../lib/responses-first.js";
import {MAX_TOKEN, searchNotes} from "../lib/text-search.js";

/** A promise made on first call and kept: a file opened only when a view first needs it. */
export function once<T>(open: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= open());
}

/**
 * Resolves once `shown` is on screen and done loading: after the frame that shows it has painted
 * (two animation frames), then when no list in it is fetching the answers in view (a busy
 * scroller, response-list.ts), at most `maxWait` ms later. The page starts its heavy downloads and decoding
 * then, so they compete neither with that frame nor with the first answers' byte ranges.
 */
export async function afterPaint(shown: Element, maxWait = 3000): Promise<void> {
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const busy = () => shown.querySelector('[data-em-loading][aria-busy="true"]') !== null;
  if (!busy()) return;
  await new Promise<void>((resolve) => {
    const done = () => (observer.disconnect(), clearTimeout(timer), resolve());
    const observer = new MutationObserver(() => {
      if (!busy()) done();
    });
    const timer = setTimeout(done, maxWait);
    observer.observe(shown, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-em-loading", "aria-busy"]});
  });
}

/** The box an answer's detail is shown in, above the list (the first page's, then the live list's). */
export function detailBox(): HTMLElement {
  return el("div", {"aria-live": "polite", "data-testid": "response-detail-box"});
}

/**
 * The slice's counts: how many answers, under which filters (the question by its text), and how
 * many are flagged EM of the rule's denominator (the count every other page shows for this state).
 * `data-q` names the search the count is for (a test and benchmark hook: "search done").
 */
export function responseCounts(slice: {n: number; nEm: number; nScored: number}, state: ViewState, questions: QuestionTexts): HTMLElement {
  const q = state.q.trim();
  const filters = [
    state.model && `model ${state.model}`,
    state.category && `category ${state.category}`,
    state.question && `question “${questionLabel(questions, state.experiment, state.question)}”`,
    state.steps && `steps ${state.steps[0]}–${state.steps[1]}`,
    q && `words “${shortWords(q)}”`,
    state.exclude.length && `excluded from EM: ${state.exclude.join(", ")}`,
  ].filter(Boolean);
  const n = slice.n;
  // What the search could not do as typed (no word in it, a word longer than the index keeps), said beside the count.
  const notes = searchNotes(q);
  return el(
    "div",
    {},
    el(
      "p",
      {"data-testid": "response-count", "data-q": q},
      `${n.toLocaleString()} answer${n === 1 ? "" : "s"}${filters.length ? " · " + filters.join(" · ") : ""}`,
    ),
    el(
      "p",
      {class: "em-muted", "data-testid": "response-em-count", "data-n-em": String(slice.nEm), "data-n-scored": String(slice.nScored)},
      `${slice.nEm.toLocaleString()} flagged EM of ${slice.nScored.toLocaleString()} in the rule's denominator (same count as the other pages).`,
    ),
    ...notes.map((t) => el("p", {class: "em-note", role: "status", "data-testid": "search-note"}, `${t}.`)),
  );
}

/** The query as the count line shows it: a word longer than MAX_TOKEN as its first 20 characters and "…" (the whole query stays in the search box and `data-q`). */
function shortWords(q: string): string {
  return q.replace(/\S+/gu, (w) => {
    const chars = Array.from(w);
    return chars.length > MAX_TOKEN ? `${chars.slice(0, 20).join("")}…` : w;
  });
}

/** The texts columns an answer's detail reads (response-detail.ts). */
const DETAIL_TEXT_COLUMNS: readonly TextsColumn[] = ["response_id", "source", "origin", "question", "response", "meta"];

/** What opening an answer's detail needs: its texts and score rows, by range. */
export interface DetailSources {
  texts: Texts;
  /** details.parquet opened on first use (texts-store.ts openDetails). */
  details: () => Promise<(rid: number) => Promise<Detail[]>>;
}

/**
 * Show the detail of `line` in `box` (a loading note first): its score rows from details.parquet
 * and its texts, by range, and the detail view (response-detail.ts, with Plot, imported on the
 * first click). A later click supersedes one still loading; a read that fails says so in the box.
 */
export async function showDetail(box: HTMLElement, line: FirstLine, {texts, details}: DetailSources): Promise<void> {
  const token = {};
  shown.set(box, token);
  box.replaceChildren(loading("Loading scores…"));
  box.scrollIntoView({block: "start"});
  try {
    const [view, rows] = await Promise.all([
      import("./response-detail.js"),
      details().then((read) => read(line.rid)),
      texts.load([line.rid], DETAIL_TEXT_COLUMNS),
    ]);
    // The charts take the box's width (the page's column).
    if (shown.get(box) === token) box.replaceChildren(view.responseDetail(line, texts, rows, box.clientWidth || 640));
  } catch (e) {
    if (shown.get(box) === token)
      box.replaceChildren(el("p", {class: "em-muted", role: "alert"}, `Could not read this answer: ${e instanceof Error ? e.message : String(e)}`));
  }
}
const shown = new WeakMap<HTMLElement, object>();

/**
 * The list before the points: the build's first page for the state in the URL (responses-first.ts),
 * its counts and lines drawn by the live list's own table, the answers read by range from
 * texts.parquet; a click opens the answer's detail in `detail` (which the live list keeps when it
 * takes over). A state the build did not precompute (a filter, a search, a custom cut) gets a
 * loading note until the points are decoded.
 */
export function firstResponses(
  table: ResponsesFirst | null,
  search: string,
  {questions, detail, ...sources}: DetailSources & {questions: QuestionTexts; detail: HTMLElement},
): HTMLElement {
  const s = parseState(search);
  const hit = table ? responsesFirstFor(table, s) : null;
  if (!hit) return el("div", {"data-em-first": "none"}, loading("Loading the answers…"));
  const lines = hit.lines;
  const more = hit.total - lines.length;
  return el(
    "div",
    {"data-em-first": "build"},
    responseCounts({n: hit.total, nEm: hit.nEm, nScored: hit.nScored}, s, questions),
    // A loading mark (data-em-loading): the page is not done until the live list has replaced this one.
    el(
      "p",
      {class: "em-muted", "data-em-loading": ""},
      more > 0 ? `The first ${lines.length} shown; the other ${more.toLocaleString()} once the scores have loaded…` : "Loading the scores…",
    ),
    detail,
    responseTable(sources.texts, linesSource(lines), {of: hit.total, onSelect: (k) => void showDetail(detail, lines[k]!, sources)}),
  );
}
