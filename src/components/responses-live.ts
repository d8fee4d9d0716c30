// The /responses list as a live view: it subscribes to the page's store itself (Mosaic's client
// pattern) and redraws its counts, download links and list in place when a filter, the rule, the
// step brush or the search changes, without a Framework cell re-running (the brush-to-list time
// was mostly that round trip and the page's other cells re-running with it). The answers that
// address their judge follow after the list has painted: they read a column and are not urgent.
import type {Page} from "./page.js";
import type {Points} from "./points.js";
import {selectionMask} from "./selection.js";
import {ruleOf} from "./engine.js";
import {RULE_KEYS, type StateKey, type ViewState} from "./store.js";
import {responseRows} from "./responses.js";
import {downloadBar, injectedAnswers, responseBrowser, responseCounts} from "./responses-page.js";
import type {Detail, ExactScores, SearchIndex, Texts} from "./texts-store.js";
import {el, loading} from "./ui.js";
import type {QuestionTexts} from "../lib/site-schema.js";

/** The state the list depends on: filters, brushed steps, search, exclusions and the rule. */
export const LIST_KEYS: readonly StateKey[] = ["experiment", "judge", "model", "category", "question", "steps", "q", "exclude", "rule", ...RULE_KEYS];

export interface LiveResponses {
  /** Counts, download links and the list (with the detail of a clicked answer above it). */
  list: HTMLElement;
  /** The answers of the current slice that address their judge. */
  injected: HTMLElement;
  /** Stop following the store (Framework's `invalidation`). */
  dispose(): void;
}

export interface LiveOptions {
  texts: Texts;
  scores: ExactScores;
  details: () => Promise<(rid: number) => Promise<Detail[]>>;
  /** The word index, opened on the first search (texts-store.ts openSearch). */
  search: () => Promise<SearchIndex>;
  exact: () => Promise<Points>;
  questions: QuestionTexts;
  width: number;
}

/**
 * The answer list of `page`'s selection, kept current by a store subscription. A state without a
 * search redraws synchronously in the store's notification (the brush's mouseup paints the new list
 * in the same frame); a search awaits the word index, and a newer state supersedes an older search
 * still in flight. Errors (an index that cannot be read) show in place of the list.
 */
export function liveResponses(page: Page, {texts, scores, details, search, exact, questions, width}: LiveOptions): LiveResponses {
  const {points, selection} = page;
  const list = el("div", {"data-testid": "responses-live"});
  const injected = el("div");
  let version = 0;
  let injectedTimer: ReturnType<typeof setTimeout> | undefined;

  const draw = (s: ViewState, match: Uint8Array | null) => {
    const slice = responseRows(points, match, selectionMask(points, s), ruleOf(s), {exclude: s.exclude, limit: 1});
    list.replaceChildren(
      responseCounts({n: slice.rows.length, nEm: slice.nEm, nScored: slice.nScored}, s, questions),
      downloadBar(points, texts, slice, exact),
      responseBrowser(points, texts, slice, {scores, details, width}),
    );
    // After the list's frame: the injection column (read once) and the hits' answers.
    const v = version;
    clearTimeout(injectedTimer);
    injectedTimer = setTimeout(async () => {
      const view = await injectedAnswers(points, texts, slice).catch((e: unknown) => el("p", {class: "em-muted"}, `Could not read the answers: ${String(e)}`));
      if (v === version) injected.replaceChildren(view);
    }, 0);
  };

  const update = (s: ViewState) => {
    const v = ++version;
    const q = s.q.trim();
    if (!q) return draw(s, null);
    const note = loading("Searching…");
    list.prepend(note);
    search()
      .then((index) => index.match(q))
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
