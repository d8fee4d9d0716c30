// The /responses page before its points (issue 28): the counts line, the build's first page of the
// list (responses-first.json) and the detail of a clicked answer, from a few kB of JSON and the
// texts and details read by range. Nothing here imports the points, the engine or a chart library:
// the page paints this first, then loads the rest (responses-live.ts), which draws with the same
// functions. Plot (the detail's charts) is imported on the first click. The points (points.arrow,
// ~4 bytes per answer) are fetched on the first use that needs them (onDemand): a scroll to the
// end of the build's first page, a search, a filter or rule control, the step strip or downloads
// (the controls before the points: responses-pending.ts); at once when the build has no first page
// for the state, or when they are small (wantIfSmall).
import {el, loading} from "./ui.js";
import {RULE_KEYS, type StateKey, type Store, type ViewState} from "./store.js";
import {linesSource, responseTable} from "./response-list.js";
import type {Detail, Texts} from "./texts-store.js";
import {questionLabel, type QuestionTexts, type TextsColumn} from "../lib/site-schema.js";
import type {FirstPaint} from "../lib/site-first.js";
import {smallStart} from "./points-loader.js";
import {responsesFirstFor, type FirstLine, type ResponsesFirst, type ResponsesFirstEntry} from "../lib/responses-first.js";
import {MAX_TOKEN, SEARCH_RULE, searchNotes} from "../lib/text-search.js";

/** The state the answer list depends on: filters, brushed steps, search, exclusions and the rule. */
export const LIST_KEYS: readonly StateKey[] = ["experiment", "judge", "model", "category", "question", "steps", "q", "exclude", "rule", ...RULE_KEYS];

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
 * Ask for the points at once when the ones the page's loader would fetch for `search` are small
 * (points-loader.ts smallStart: the URL's judges, not every judge in the file); else leave them to
 * first use.
 */
export function wantIfSmall(demand: Demand, first: Promise<FirstPaint | null>, search: string): void {
  void first.then(
    (table) => {
      if (smallStart(table, search)) demand.want();
    },
    () => undefined,
  );
}

/** A demand not asked for yet. */
export function onDemand(): Demand {
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
 * The list before the points: the build's first page for the store's state (responses-first.ts),
 * its counts and lines drawn by the live list's own table, the answers read by range from
 * texts.parquet; a click opens the answer's detail in `detail` (which the live list keeps when it
 * takes over). Scrolling to the end of the first page asks for the points (`demand`); a state the
 * build did not precompute (a filter, a brushed range, a custom cut) asks at once and gets a
 * loading note until the points are decoded. It follows the store until the page removes it: a
 * judge or preset rule chosen before the points redraws it from the build, a filter shows the
 * loading note (a search is listed by the live list: what was typed reaches the store with it).
 */
export function firstResponses(
  table: ResponsesFirst | null,
  selection: Store,
  {questions, detail, demand, ...sources}: DetailSources & {questions: QuestionTexts; detail: HTMLElement; demand: Demand},
): HTMLElement {
  const box = el("div", {"data-em-first": "none"});
  let drawn: ResponsesFirstEntry | null | undefined;
  const draw = (s: ViewState) => {
    const hit = table ? responsesFirstFor(table, s) : null;
    if (hit === drawn) return;
    drawn = hit;
    if (!hit) {
      demand.want();
      box.dataset.emFirst = "none";
      box.replaceChildren(loading("Loading the answers…"));
    } else {
      box.dataset.emFirst = "build";
      box.replaceChildren(...firstPage(hit, s, {questions, detail, demand, ...sources}));
    }
  };
  // Removed by the page once the live list is in: later changes are the live list's.
  const stop = selection.subscribe(
    (s) => {
      if (drawn !== undefined && !box.isConnected) stop();
      else draw(s);
    },
    LIST_KEYS.filter((k) => k !== "q"),
  );
  return box;
}

/** The counts line, a note, the detail box and the list of a precomputed first page. */
function firstPage(
  hit: ResponsesFirstEntry,
  s: ViewState,
  {questions, detail, demand, ...sources}: DetailSources & {questions: QuestionTexts; detail: HTMLElement; demand: Demand},
): HTMLElement[] {
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
  return [responseCounts({n: hit.total, nEm: hit.nEm, nScored: hit.nScored}, s, questions), note, detail, listBox];
}
