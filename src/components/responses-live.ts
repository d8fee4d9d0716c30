// The /responses page once its points are in: the controls (filters, rule, search, step strip), and
// the answer list as a live view that subscribes to the page's store itself (Mosaic's client
// pattern) and redraws its counts, download links and list in place when a filter, the rule, the
// step brush or the search changes, without a Framework cell re-running. The page imports this
// module after its first page has painted (responses-first-view.ts): it brings the points decoder,
// the engine and Plot. The answers that address their judge follow after the list has painted: they
// read a column and are not urgent.
import {controlBar, openPage, ruleBar, type Page} from "./page.js";
import type {Points} from "./points.js";
import type {PointsLoader} from "./points-loader.js";
import {stepStrip} from "./step-strip.js";
import {ridOrdered, searchBox} from "./responses.js";
import {listSlices} from "./response-slice.js";
import type {ViewState} from "./store.js";
import {downloadBar, exactPoints, injectedAnswers, responseBrowser, type ExactSource} from "./responses-page.js";
import {afterPaint, LIST_KEYS, once, responseCounts, type DetailSources} from "./responses-first-view.js";
import {openExactScores, openSearch, type ExactScores, type SearchIndex} from "./texts-store.js";
import {experimentBanner} from "./site.js";
import {el, loading} from "./ui.js";
import type {Summary} from "../lib/site-summary.js";
import type {QuestionTexts} from "../lib/site-schema.js";

export interface LiveResponses {
  /** Counts, download links and the list (with the detail of a clicked answer above it). */
  list: HTMLElement;
  /** The answers of the current slice that address their judge. */
  injected: HTMLElement;
  /** Stop following the store (Framework's `invalidation`). */
  dispose(): void;
}

export interface LiveOptions extends DetailSources {
  scores: ExactScores;
  /** The word index, opened on the first search (texts-store.ts openSearch). */
  search: () => Promise<SearchIndex>;
  exact: () => Promise<Points>;
  questions: QuestionTexts;
  /** The detail box (responses-first-view.ts detailBox): an answer opened on the first page stays open. */
  detail: HTMLElement;
}

/**
 * The answer list of `page`'s selection, kept current by a store subscription. A state without a
 * search redraws synchronously in the store's notification (the brush's mouseup paints the new list
 * in the same frame; a brush costs one pass over the rows, response-slice.ts); a search awaits the
 * word index, and a newer state supersedes an older search still in flight. Errors (an index that
 * cannot be read) show in place of the list.
 */
export function liveResponses(page: Page, {texts, scores, details, search, exact, questions, detail}: LiveOptions): LiveResponses {
  const {points, selection} = page;
  const list = el("div", {"data-testid": "responses-live"});
  const injected = el("div");
  const sliceOf = listSlices(points);
  let version = 0;
  let injectedTimer: ReturnType<typeof setTimeout> | undefined;

  const draw = (s: ViewState, match: Int32Array | null) => {
    const slice = sliceOf(s, match);
    list.replaceChildren(
      responseCounts({n: slice.n, nEm: slice.nEm, nScored: slice.nScored}, s, questions),
      downloadBar(points, texts, slice, exact),
      responseBrowser(points, slice, {texts, details, scores, detail}),
    );
    // After the list has painted its answers: the injection column (read once) and the hits' answers.
    const v = version;
    clearTimeout(injectedTimer);
    void afterPaint(list).then(() => {
      if (v !== version) return;
      injectedTimer = setTimeout(async () => {
        // The base's step codes, so the first brush after this state does not make them.
        sliceOf.warm();
        const view = await injectedAnswers(points, texts, slice).catch((e: unknown) =>
          el("p", {class: "em-muted"}, `Could not read the answers: ${String(e)}`),
        );
        if (v === version) injected.replaceChildren(view);
      }, 0);
    });
  };

  const update = (s: ViewState) => {
    const v = ++version;
    const q = s.q.trim();
    if (!q) return draw(s, null);
    const note = loading("Searching…");
    list.prepend(note);
    search()
      .then((index) => index.hits(q))
      .then(
        (match) => {
          if (v === version) draw(s, match);
        },
        (e: unknown) => {
          if (v === version) list.replaceChildren(el("p", {class: "em-muted", role: "alert"}, `Search failed: ${e instanceof Error ? e.message : String(e)}`));
        },
      )
      .finally(() => note.remove());
  };

  const dispose = selection.subscribe(update, LIST_KEYS);
  return {list, injected, dispose: () => (dispose(), clearTimeout(injectedTimer))};
}

/** The files the page's live part reads, as the page names them (Framework FileAttachment). */
export interface ResponsesFiles extends DetailSources {
  /** The compact points of the judges loaded so far (points-loader.ts), and where more come from. */
  points: readonly Uint8Array[];
  loader: PointsLoader;
  summary: () => Promise<Summary>;
  /** points-exact.arrow and first.json (where each judge's exact scores sit in it), read for a download only. */
  exactPoints: ExactSource;
  /** URLs of details.parquet (exact scores of the rows in view) and search.bin (read on the first search). */
  detailsUrl: string;
  searchUrl: string;
  questions: QuestionTexts;
  detail: HTMLElement;
  /** The search box shown before the points (responses-first-view.ts searchInput): what was typed in it is searched. */
  searchInput?: HTMLInputElement;
}

/**
 * Open the page's live part: the points, the summary and the footer of details.parquet, in
 * parallel; then the store and the live list. `controls` is the control bar with the search box,
 * the rule's controls and the experiment's banner (a simulated-data note follows the experiment
 * chosen); `strip(width)` the step strip (drawn again when the page's width changes).
 */
export async function openResponses(
  files: ResponsesFiles,
): Promise<LiveResponses & {controls: HTMLElement; strip(width: number, invalidation?: Promise<unknown>): HTMLElement; typing: boolean}> {
  const [summary, scores] = await Promise.all([files.summary(), openExactScores(files.detailsUrl)]);
  const page = openPage(files.points, summary, files.loader);
  // Words typed before the points were in: the list opens on them (the box keeps them and its focus).
  const input = files.searchInput;
  if (input && input.value !== page.selection.get().q) page.selection.set({q: input.value});
  const search = once(() => openSearch(files.searchUrl));
  const live = liveResponses(page, {...files, scores, search, exact: exactPoints(files.exactPoints, page.points)});
  // A search being typed (or the box focused): the index's directory and the words' shard headers
  // are read, and the points' rid order checked (responses.ts ridOrdered), during the debounce.
  // A failed read shows at the search itself (`search` keeps its rejection).
  const warm = (text: string) => {
    void search()
      .then((index) => index.warm(text))
      .catch(() => undefined);
    ridOrdered(page.points);
  };
  // The detail's module (a few kB: Plot is loaded by now), so a first click waits for its data only.
  void import("./response-detail.js").catch(() => undefined);
  const bar = controlBar(page, ["experiment", "judge", "model", "category", "clearSteps"]);
  const typing = input !== undefined && document.activeElement === input;
  bar.insertBefore(searchBox(page.selection, input, warm), bar.lastChild);
  const banner = el("div");
  const stop = page.selection.subscribe((s) => banner.replaceChildren(experimentBanner(summary, s.experiment)), ["experiment"]);
  return {
    ...live,
    controls: el("div", {}, bar, ruleBar(page), banner),
    // Drag across the strip to list the answers of a range of checkpoints (the other pages follow).
    strip: (width, invalidation) => stepStrip(page, {width, invalidation}),
    dispose: () => (live.dispose(), stop()),
    typing,
  };
}
