// The /responses page before its points (issue 28): the counts line, the build's first page of the
// list (responses-first.json) and the detail of a clicked answer, from a few kB of JSON and the
// texts and details read by range. Nothing here imports the points, the engine or a chart library:
// the page paints this first, then loads the rest (responses-live.ts), which draws with the same
// functions. Plot (the detail's charts) is imported on the first click. The points (points.arrow,
// ~4 bytes per answer) are fetched on the first use that needs them (onDemand): a scroll to the
// end of the build's first page, a search, the filters, rule, step strip or downloads (the
// pending bar's button); at once when the build has no first page for the URL's state.
import {el, loading} from "./ui.js";
import {parseState, type ViewState} from "./store.js";
import {linesSource, responseTable} from "./response-list.js";
import type {Detail, Texts} from "./texts-store.js";
import {questionLabel, type QuestionTexts, type TextsColumn} from "../lib/site-schema.js";
import type {FirstPaint} from "../lib/site-first.js";
import {responsesFirstFor, type FirstLine, type ResponsesFirst} from "../lib/responses-first.js";
import {MAX_TOKEN, SEARCH_RULE, searchNotes} from "../lib/text-search.js";

/** A promise made on first call and kept: a file opened only when a view first needs it. */
export function once<T>(open: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= open());
}

/** A load asked for on first use: `wanted` resolves at the first `want()` (later calls do nothing). */
export interface Demand {
  wanted: Promise<void>;
  want(): void;
  /** Whether want() has been called. */
  readonly asked: boolean;
}

/**
 * Points of at most this many bytes (every judge's segment together) are fetched right after the
 * first page, so a study of up to about a million answers shows its filters, rule and step strip at
 * once; larger ones on first use (issue 28: /responses loads nothing it does not show, <= 10 MB until
 * the network is idle). A test sets `globalThis.__emEagerPointsBytes` to try either path on the demo.
 */
export const EAGER_POINTS_BYTES = 6_000_000;

/** Ask for the points at once when first.json lists their segments and they are small (EAGER_POINTS_BYTES); else leave them to first use. */
export function wantIfSmall(demand: Demand, first: Promise<FirstPaint | null>): void {
  const limit = (globalThis as {__emEagerPointsBytes?: number}).__emEagerPointsBytes ?? EAGER_POINTS_BYTES;
  void first.then(
    (table) => {
      const segments = table?.points;
      // No segment list (an older build, or the whole file): its size is unknown here, so on first use.
      if (!segments?.length) return;
      if (segments.reduce((a, s) => a + (s.end - s.start), 0) <= limit) demand.want();
    },
    () => undefined,
  );
}

function onDemand(): Demand {
  let resolve!: () => void;
  const wanted = new Promise<void>((r) => (resolve = r));
  const demand = {
    wanted,
    asked: false,
    want() {
      if (demand.asked) return;
      demand.asked = true;
      resolve();
    },
  };
  return demand;
}

/** The search input (the live search box binds it, responses.ts searchBox). */
export function searchInput(value: string): HTMLInputElement {
  return el("input", {
    type: "search",
    placeholder: "Search answers and questions (words)",
    title: SEARCH_RULE,
    "aria-label": "Search answers",
    "data-testid": "response-search",
    value,
  }) as HTMLInputElement;
}

/**
 * The controls before the points: the search box (typing in it loads the points; what was typed is
 * searched once they are in) and a button that loads them for the filters, the rule, the step strip
 * and the downloads, which need every answer's scores. A status says what is loading once asked.
 * The live controls replace it (the page removes it and the live bar takes `input`).
 */
function pendingControls(input: HTMLInputElement, demand: Demand): HTMLElement {
  const button = el("button", {type: "button", "data-testid": "responses-load"}, "Filters, rule, step strip, downloads");
  const note = el(
    "span",
    {class: "em-muted", "data-testid": "responses-pending-note"},
    "These need every answer's scores: they load when you use one (or search, or scroll past the first page).",
  );
  const asked = () => {
    button.disabled = true;
    note.replaceWith(loading("Loading the scores…"));
  };
  if (demand.asked) asked();
  else void demand.wanted.then(asked);
  button.addEventListener("click", () => demand.want());
  input.addEventListener("input", () => demand.want(), {once: true});
  return el(
    "div",
    {class: "em-controls", "data-testid": "responses-pending"},
    el("label", {class: "em-control"}, el("span", {}, "Search"), input),
    button,
    note,
  );
}

/** A muted line in place of a view that needs the points, until they are in. */
function pendingNote(testid: string, text: string): HTMLElement {
  return el("p", {class: "em-muted", "data-testid": testid}, text);
}

/** What /responses shows until its points are in: the demand for them, the search box, the pending bar and a note for the answers that address their judge. */
export function pendingPage(search: string): {demand: Demand; input: HTMLInputElement; bar: HTMLElement; injected: HTMLElement} {
  const demand = onDemand();
  const input = searchInput(parseState(search).q);
  const injected = pendingNote("injected-pending", "Listed once the scores are loaded (search, a control above, or scroll past the first page).");
  return {demand, input, bar: pendingControls(input, demand), injected};
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
 * takes over). Scrolling to the end of the first page asks for the points (`demand`); a state the
 * build did not precompute (a filter, a search, a custom cut) asks at once and gets a loading note
 * until the points are decoded.
 */
export function firstResponses(
  table: ResponsesFirst | null,
  search: string,
  {questions, detail, demand, ...sources}: DetailSources & {questions: QuestionTexts; detail: HTMLElement; demand: Demand},
): HTMLElement {
  const s = parseState(search);
  const hit = table ? responsesFirstFor(table, s) : null;
  if (!hit) {
    demand.want();
    return el("div", {"data-em-first": "none"}, loading("Loading the answers…"));
  }
  const lines = hit.lines;
  const more = hit.total - lines.length;
  // Not a loading mark until the points are asked for: the page is done with its first page.
  const note = el(
    "p",
    {class: "em-muted", "data-testid": "responses-first-note"},
    more > 0
      ? `The first ${lines.length} shown; the other ${more.toLocaleString()} load with the scores when you scroll to the end, search or filter.`
      : "Every answer of this selection is shown.",
  );
  const listBox = responseTable(sources.texts, linesSource(lines), {of: hit.total, onSelect: (k) => void showDetail(detail, lines[k]!, sources)});
  const loadingNote = () =>
    // A loading mark (data-em-loading): the page is not done until the live list has replaced this one.
    note.replaceWith(
      el(
        "p",
        {class: "em-muted", "data-em-loading": "", role: "status"},
        more > 0 ? `Loading the other ${more.toLocaleString()} answers…` : "Loading the scores…",
      ),
    );
  if (demand.asked) loadingNote();
  else void demand.wanted.then(loadingNote);
  if (more > 0) {
    // Scrolled (wheel, keys or scrollbar) to within two rows of the first page's end: the rest is wanted.
    const scroller = listBox.querySelector<HTMLElement>('[data-testid="response-list"]');
    scroller?.addEventListener("scroll", () => {
      const row = scroller.querySelector<HTMLElement>('[data-testid="response-row"]')?.offsetHeight ?? 30;
      if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2 * row) demand.want();
    });
  }
  return el("div", {"data-em-first": "build"}, responseCounts({n: hit.total, nEm: hit.nEm, nScored: hit.nScored}, s, questions), note, detail, listBox);
}
