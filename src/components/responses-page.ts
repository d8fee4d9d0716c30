// The views of the responses page (src/responses.md): the selection's answers (search, counts,
// downloads, the list and an answer's detail) and the answers that address the judge. The list
// and the detail themselves are ./responses.ts; this module wires them to the page.
import {EM} from "../lib/em/view-flags.js";
import {ruleOf} from "./engine.js";
import type {Page} from "./page.js";
import {downloadParquet} from "./parquet.js";
import type {Points} from "./points.js";
import {
  DETAIL_TEXT_COLUMNS,
  SLICE_TEXT_COLUMNS,
  TABLE_TEXT_COLUMNS,
  injectionHitRids,
  injectionList,
  responseDetail,
  responseRows,
  responseTable,
  sliceRecords,
  type ResponseSlice,
} from "./responses.js";
import {selectionMask} from "./selection.js";
import type {ViewState} from "./store.js";
import type {Detail, SearchIndex, Texts} from "./texts-store.js";
import {el, loading} from "./ui.js";
import {downloadCsv} from "./downloads.js";

/** Answers listed at once (the rest are counted and downloadable). */
const LIMIT = 60;

/** The page's readers: texts by range, and the details and word index opened on first use. */
export interface ResponseSources {
  texts: Texts;
  details: () => Promise<(rid: number) => Promise<Detail[]>>;
  search: () => Promise<SearchIndex>;
  /** The exact scores (points-full.arrow, ~10x the compact points), for downloads only. */
  exactScores: () => Promise<Points>;
}

/**
 * The selection's answers, the most misaligned coherent ones first, with the texts of the first
 * LIMIT loaded. `show` displays a placeholder while the search and the texts load (removed after).
 */
export async function selectResponses(page: Page, state: ViewState, sources: ResponseSources, show: (node: Node) => Node): Promise<ResponseSlice> {
  const {points} = page;
  const q = state.q.trim();
  const searching = q ? (show(loading("Searching…")) as HTMLElement) : null;
  const match = q ? await (await sources.search()).match(q) : null;
  searching?.remove();
  const slice = responseRows(points, match, selectionMask(points, state), ruleOf(state), {exclude: state.exclude, limit: LIMIT});
  const status = show(loading("Loading the answers shown…")) as HTMLElement;
  await sources.texts.load(
    slice.top.map((i) => points.rid[i]!),
    TABLE_TEXT_COLUMNS,
  );
  status.remove();
  return slice;
}

/** Counts (same as the other pages), the slice's downloads, the list and the detail of the answer clicked. */
export function responsesView(page: Page, state: ViewState, slice: ResponseSlice, sources: ResponseSources, width: number): DocumentFragment {
  const {points} = page;
  const {texts} = sources;
  const q = state.q.trim();
  const filters = [
    state.model && `model ${state.model}`,
    state.category && `category ${state.category}`,
    state.question && `question ${state.question}`,
    state.steps && `steps ${state.steps[0]}–${state.steps[1]}`,
    q && `words “${q}”`,
    state.exclude.length && `excluded from EM: ${state.exclude.join(", ")}`,
  ].filter(Boolean);
  const download = (save: (rows: Record<string, unknown>[], name: string) => unknown) => async () => {
    // Every answer of the slice is fetched for a download (the rows' pages, or whole row groups for big slices).
    await texts.load(
      slice.rows.map((i) => points.rid[i]!),
      SLICE_TEXT_COLUMNS,
    );
    save(sliceRecords(points, texts, slice.sorted(), slice.flags, await sources.exactScores()), "responses");
  };
  const saveCsv = el("button", {type: "button", class: "em-link", "data-testid": "download-csv"}, "CSV");
  saveCsv.addEventListener("click", download(downloadCsv));
  const saveParquet = el("button", {type: "button", class: "em-link", "data-testid": "download-parquet"}, "Parquet");
  saveParquet.addEventListener("click", download(downloadParquet));
  const detailBox = el("div", {"aria-live": "polite"});
  const list = responseTable(points, texts, {
    rows: slice.top,
    total: slice.rows.length,
    isEm: (i) => slice.flags[i] === EM,
    limit: LIMIT,
    onSelect: async (i) => {
      detailBox.replaceChildren(loading("Loading scores…"));
      detailBox.scrollIntoView({block: "start"});
      const rid = points.rid[i]!;
      const [rows] = await Promise.all([sources.details().then((read) => read(rid)), texts.load([rid], DETAIL_TEXT_COLUMNS)]);
      detailBox.replaceChildren(responseDetail(points, texts, rows, i, width));
    },
  });
  // Idle time after the first rows: open the details footer and the word index header, so the first
  // click and the first search do not wait for them.
  setTimeout(() => {
    sources.details().catch(() => {});
    sources.search().catch(() => {});
  }, 50);
  const f = document.createDocumentFragment();
  f.append(
    // data-q: the search this count is for (a test and benchmark hook: "search done").
    el(
      "p",
      {"data-testid": "response-count", "data-q": q},
      `${slice.rows.length.toLocaleString()} answer${slice.rows.length === 1 ? "" : "s"}${filters.length ? " · " + filters.join(" · ") : ""}`,
    ),
    el(
      "p",
      {class: "em-muted", "data-testid": "response-em-count", "data-n-em": String(slice.nEm), "data-n-scored": String(slice.nScored)},
      `${slice.nEm.toLocaleString()} flagged EM of ${slice.nScored.toLocaleString()} in the rule's denominator (same count as the other pages).`,
    ),
    el("p", {}, "Download this slice: ", saveCsv, " · ", saveParquet),
    detailBox,
    list,
  );
  return f;
}

/** The answers of the slice that address the judge (the deterministic injection signal), texts loaded. */
export async function injectedResponses(page: Page, slice: ResponseSlice, texts: Texts): Promise<HTMLElement> {
  const {points} = page;
  // The injection column is mostly null: every row of it is a few KB of Parquet definition levels.
  await texts.column("injection");
  // Only the answers that address the judge are put in display order (not the whole slice).
  const injected = slice.order(slice.rows.filter((i) => texts.injection(points.rid[i]!) !== null));
  await texts.load(injectionHitRids(points, texts, injected), ["response"]);
  return injectionList(points, texts, injected);
}
