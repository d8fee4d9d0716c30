// The views of the /responses page (src/responses.md), so the page is prose and calls: the counts
// line, the download links, the list with its detail panel, and the answers that address their judge.
import {decodePoints, type Points} from "./points.js";
import {sliceRecords, injectionHitRids, injectionList, SLICE_TEXT_COLUMNS, type ResponseSlice} from "./responses.js";
import {pointsSource, responseTable, type ListSource} from "./response-list.js";
import {responseDetail, DETAIL_TEXT_COLUMNS} from "./response-detail.js";
import type {Detail, ExactScores, Texts} from "./texts-store.js";
import {parseState, type ViewState} from "./store.js";
import {downloadCsv} from "./downloads.js";
import {downloadParquet} from "./parquet.js";
import {el, loading} from "./ui.js";
import {EM} from "../lib/em/view-flags.js";
import {questionLabel, type QuestionTexts} from "../lib/site-schema.js";
import {responsesFirstFor, type ResponsesFirst} from "../lib/responses-first.js";

/** A promise made on first call and kept: a file opened only when a view first needs it. */
export function once<T>(open: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= open());
}

/** The exact scores (points-full.arrow, ~10x the compact points), fetched on first use (a download). */
export function exactPoints(fetchBytes: () => Promise<ArrayBuffer>): () => Promise<Points> {
  return once(() => fetchBytes().then(decodePoints));
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
    q && `words “${q}”`,
    state.exclude.length && `excluded from EM: ${state.exclude.join(", ")}`,
  ].filter(Boolean);
  const n = slice.n;
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
  );
}

/**
 * The list before the points: the build's first page for the state in the URL (responses-first.ts),
 * its counts and lines drawn by the live list's own table, the answers read by range from
 * texts.parquet. A state the build did not precompute (a filter, a search, a custom cut) gets a
 * loading note. The live list replaces it once the points are decoded; until then a click does nothing.
 */
export function firstResponses(table: ResponsesFirst | null, search: string, texts: Texts, questions: QuestionTexts): HTMLElement {
  const s = parseState(search);
  const hit = table ? responsesFirstFor(table, s) : null;
  if (!hit) return el("div", {"data-em-first": "none"}, loading("Loading the answers…"));
  const lines = hit.lines;
  const source: ListSource = {
    length: lines.length,
    rid: (k) => lines[k]!.rid,
    model: (k) => lines[k]!.model,
    step: (k) => lines[k]!.step,
    questionId: (k) => lines[k]!.question_id,
    judge: (k) => lines[k]!.judge,
    score: (k, which) => lines[k]![which],
    type: (k) => lines[k]!.type,
    em: (k) => lines[k]!.em,
  };
  const more = hit.total - lines.length;
  return el(
    "div",
    {"data-em-first": "build"},
    responseCounts({n: hit.total, nEm: hit.nEm, nScored: hit.nScored}, s, questions),
    el(
      "p",
      {class: "em-muted"},
      more > 0 ? `The first ${lines.length} shown; the other ${more.toLocaleString()} once the scores have loaded…` : "Loading the scores…",
    ),
    responseTable(texts, source, {onSelect: () => {}}),
  );
}

/** "Download this slice: CSV · Parquet": every answer of the slice, fetched on click, with exact scores. */
export function downloadBar(points: Points, texts: Texts, slice: ResponseSlice, exact: () => Promise<Points>): HTMLElement {
  const button = (label: string, testid: string, save: (rows: Record<string, unknown>[], name: string) => unknown) => {
    const b = el("button", {type: "button", class: "em-link", "data-testid": testid}, label);
    b.addEventListener("click", async () => {
      // Every answer of the slice is fetched for a download (the rows' pages, or whole row groups for big slices).
      await texts.load(
        slice.rows.map((i) => points.rid[i]!),
        SLICE_TEXT_COLUMNS,
      );
      save(sliceRecords(points, texts, slice.sorted(), slice.flags, await exact()), "responses");
    });
    return b;
  };
  return el("p", {}, "Download this slice: ", button("CSV", "download-csv", downloadCsv), " · ", button("Parquet", "download-parquet", downloadParquet));
}

/**
 * The whole slice as the answer list, most misaligned coherent answers first, and below it the
 * detail of the answer clicked (its score rows from `details`, its texts loaded on demand).
 */
export function responseBrowser(
  points: Points,
  texts: Texts,
  slice: ResponseSlice,
  {scores, details, width}: {scores: ExactScores; details: () => Promise<(rid: number) => Promise<Detail[]>>; width: number},
): HTMLElement {
  const detailBox = el("div", {"aria-live": "polite"});
  const rows = slice.sorted();
  const list = responseTable(
    texts,
    pointsSource(points, rows, (i) => slice.flags[i] === EM),
    {
      scores,
      onSelect: async (k) => {
        const i = rows[k]!;
        detailBox.replaceChildren(loading("Loading scores…"));
        detailBox.scrollIntoView({block: "start"});
        const rid = points.rid[i]!;
        const [scoreRows] = await Promise.all([details().then((read) => read(rid)), texts.load([rid], DETAIL_TEXT_COLUMNS)]);
        detailBox.replaceChildren(responseDetail(points, texts, scoreRows, i, width));
      },
    },
  );
  return el("div", {}, detailBox, list);
}

/**
 * The slice's answers that address their judge (injectionList), in list order. Reads the injection
 * column first (mostly null: a few KB of Parquet definition levels), then only the hits' answers.
 */
export async function injectedAnswers(points: Points, texts: Texts, slice: ResponseSlice): Promise<HTMLElement> {
  await texts.column("injection");
  const injected = slice.order(slice.rows.filter((i) => texts.injection(points.rid[i]!) !== null));
  await texts.load(injectionHitRids(points, texts, injected), ["response"]);
  return injectionList(points, texts, injected);
}
