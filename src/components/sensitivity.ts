// The views of /sensitivity that depend on the cuts, as live components: each is built once, follows
// the store itself (a direct subscription, not a Framework cell, so an input event repaints in the
// same frame), recomputes its numbers through the engine's incremental tallies (a cut move touches
// only the answers between the old and the new cut) and updates its DOM in place. A change of the
// selection (experiment, judge, filters, exclusions, compare-by) rebuilds what depends on it.
import type {Page} from "./page.js";
import {selectionMask} from "./selection.js";
import {followsCuts, keyBy, PER_QUESTION, ruleOf, summarizeAll, summarizeGroups, surfaceGrid, withTrainingSeeds, type Group, type Grouping} from "./engine.js";
import type {Points} from "./points.js";
import {incrementalShape} from "../lib/em/incremental.js";
import {surfaceChart, typeRows} from "./charts.js";
import {liveQuestionRates, liveTypeContribution, plotMarker, publishedCutsBoxes, type LiveChart, type QuestionBar, type TypeCount} from "./live-charts.js";
import {el, pct} from "./ui.js";
import {downloadCsv} from "./downloads.js";
import {ruleNotes, ruleNotesElement} from "./rule-notes.js";
import {formatState, ruleFields, type StateKey, type ViewState} from "./store.js";
import {kpiBox, type KpiBox} from "./sensitivity-kpis.js";
import {questionLabel, type QuestionTexts} from "../lib/site-schema.js";

const FILTERS: StateKey[] = ["experiment", "judge", "model", "category", "question", "steps", "exclude", "by", "questions"];

/**
 * The compare-by grouping (the rows of EM by type). Every view here that follows the cuts passes it
 * with the per-question grouping (engine.ts talliesOf `cross`): the headline, the per-question bars
 * and EM by type then read one set of incremental tallies, moved once per cut change (when their
 * rows are the same: no model filter).
 */
const compareBy = (points: Points, s: ViewState): Grouping => keyBy(points, [s.by as never]);
/** The filters of a state as a string; once per state (each view asks on every change: the state objects are not modified). */
const selectionKeys = new WeakMap<ViewState, string>();
function selectionKey(s: ViewState): string {
  let key = selectionKeys.get(s);
  if (key === undefined) selectionKeys.set(s, (key = JSON.stringify(FILTERS.map((k) => s[k]))));
  return key;
}

/** The last result of `f` for the last state (the URL form is a complete, canonical key): views sharing a number compute it once per change. */
function memoLast<T>(f: (s: ViewState) => T): (s: ViewState) => T {
  let key: string | null = null;
  let value: T;
  return (s) => {
    const k = formatState(s);
    if (k !== key) {
      value = f(s);
      key = k;
    }
    return value;
  };
}

/** One memoised function per page (the views of a page share their numbers). */
function perPage<T>(make: (page: Page) => (s: ViewState) => T): (page: Page) => (s: ViewState) => T {
  const made = new WeakMap<Page, (s: ViewState) => T>();
  return (page) => {
    let f = made.get(page);
    if (!f) made.set(page, (f = memoLast(make(page))));
    return f;
  };
}

/**
 * The overall summary of a page's selection at its cuts, with its intervals: with 2+ training seeds
 * the interval spans seeds x questions (withTrainingSeeds: the function `em summarize` applies).
 * The questions-estimand interval may need a logit-normal fit (src/lib/em/intervals.ts
 * clusterWilson, ~5-20 ms each for the rate and strict EM): a cut change paints `overallCounts` at
 * once and this after (sensitivityKpis), and the page fills `intervalCache` ahead of the cursor.
 */
function overallOf(page: Page, s: ViewState): Group | null {
  const mask = selectionMask(page.points, s);
  const rule = ruleOf(s);
  const all = summarizeAll(page.points, mask, rule, {exclude: s.exclude, follow: true, cross: compareBy(page.points, s)});
  return all ? withTrainingSeeds(page.points, mask, rule, [], [all], {exclude: s.exclude, follow: true})[0]! : null;
}

/**
 * The same counts and points (rate, strict EM range, macro rate, coherent share...) without any
 * interval: no fit, so it follows a cut within the frame. Its interval fields are null, never
 * another method's interval standing in.
 */
const overallCounts = perPage((page) => (s) => {
  const all = summarizeAll(page.points, selectionMask(page.points, s), ruleOf(s), {
    exclude: s.exclude,
    follow: true,
    replicates: 0,
    cross: compareBy(page.points, s),
  });
  return all ? {...all, ci: null, ci_method: null, ci_approximate: null, macro_ci: null, strict_ci: null, strict_ci_approximate: null} : null;
});

/** Full summaries (overallOf) by state (formatState: a complete, canonical key), per page; least recently stored dropped first. */
const INTERVAL_CACHE_SIZE = 600;
const intervalCaches = new WeakMap<Page, Map<string, Group | null>>();
function intervalCache(page: Page): Map<string, Group | null> {
  let c = intervalCaches.get(page);
  if (!c) intervalCaches.set(page, (c = new Map()));
  return c;
}
function overallCached(page: Page, s: ViewState): Group | null {
  const cache = intervalCache(page);
  const key = formatState(s);
  if (cache.has(key)) return cache.get(key)!;
  const all = overallOf(page, s);
  if (cache.size >= INTERVAL_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, all);
  return all;
}

/** The state at other cuts, as a custom rule with every other field of the state's rule (what moving a slider sets). */
function atCuts(s: ViewState, aligned: number, coherent: number): ViewState {
  return {...s, ...ruleFields(ruleOf(s)), rule: "custom", aligned, coherent};
}

/**
 * Fill the page's interval cache along the two lines through the state's cuts (every aligned cut
 * at its coherent cut and every coherent cut at its aligned cut), nearest the cursor first (each
 * step moves the incremental tallies along a cut line: a lookup once its line is built), in idle time,
 * so a later cut change finds its interval computed. Stops when the selection or the rule's shape
 * changes (`current()` differs) or the cell is invalidated; waits while the incremental tallies
 * of the selection are not built (each step would then be a pass over the rows). `lines`: which of
 * the two lines to fill (after a move of one cut, the line along it: the other line moved and its
 * tallies' cut line would first have to be rebuilt, a pass over the answers per move).
 */
function warmIntervals(page: Page, s: ViewState, current: () => boolean, lines: {aligned: boolean; coherent: boolean} = {aligned: true, coherent: true}): void {
  const idle = (globalThis as {requestIdleCallback?: (f: (d: {timeRemaining(): number}) => void, o?: {timeout: number}) => number}).requestIdleCallback;
  if (!idle) return;
  // Nearest first in both directions, one line after the other: consecutive cuts then differ in
  // one cut only, so every move is along a cut line the tallies keep (a lookup, incremental.ts).
  const cuts: [number, number][] = [];
  for (let d = 1; d <= 100 && lines.aligned; d++) {
    if (s.aligned + d <= 100) cuts.push([s.aligned + d, s.coherent]);
    if (s.aligned - d >= 0) cuts.push([s.aligned - d, s.coherent]);
  }
  if (lines.coherent && ruleOf(s).requireCoherent !== false)
    for (let d = 1; d <= 100; d++) {
      if (s.coherent + d <= 100) cuts.push([s.aligned, s.coherent + d]);
      if (s.coherent - d >= 0) cuts.push([s.aligned, s.coherent - d]);
    }
  const cache = intervalCache(page);
  let next = 0;
  const step = (deadline: {timeRemaining(): number}) => {
    if (!current()) return;
    if (!followsCuts(page.points, selectionMask(page.points, s), ruleOf(s), s.exclude, compareBy(page.points, s))) {
      idle(step, {timeout: 1000});
      return;
    }
    let moved = false;
    do {
      const [a, c] = cuts[next++]!;
      const w = atCuts(s, a, c);
      if (!cache.has(formatState(w))) {
        overallCached(page, w);
        moved = true;
      }
    } while (next < cuts.length && deadline.timeRemaining() > 4);
    // Put the shared incremental tallies back at the page's cuts, so the next cut change moves
    // them by its own distance only (its fit is memoised: only the tallies move).
    if (moved) overallOf(page, page.selection.get());
    if (next < cuts.length) idle(step);
  };
  if (cuts.length) idle(step);
}

/** Subscribe until the cell is invalidated. */
function follow(page: Page, invalidation: Promise<unknown> | undefined, update: (s: ViewState) => void): void {
  const stop = page.selection.subscribe(update);
  void invalidation?.then(stop);
}

/**
 * The live headline numbers: follow the store and repaint `box` (a new one unless given) on every
 * change. The counts and rates are painted at once; the intervals come from the page's interval
 * cache when this state's are computed, else they are marked loading (`data-em-loading` on the box,
 * no interval shown) and painted by a task right after, for the state then current. Then the cache
 * is filled along the lines through the new cuts (warmIntervals).
 */
export function sensitivityKpis(page: Page, {invalidation, box = kpiBox()}: {invalidation?: Promise<unknown>; box?: KpiBox} = {}): HTMLElement {
  let stopped = false;
  void invalidation?.then(() => (stopped = true));
  const notes = ruleNotesElement();
  box.notesSlot.replaceChildren(notes.node);
  let pending = false;
  let warmed = "";
  let last: {shape: string; aligned: number; coherent: number} | null = null;
  const show = (s: ViewState, all: Group | null) => {
    box.paint(s, all);
    // Warm along the lines through these cuts (once per line pair and selection shape): after a
    // move of one cut only, the line along that cut (the way a slider drag goes on).
    const shape = `${selectionKey(s)}|${incrementalShape(ruleOf(s))}`;
    const key = `${shape}|${s.aligned}|${s.coherent}`;
    if (key !== warmed) {
      warmed = key;
      const same = last?.shape === shape;
      const lines =
        same && last!.coherent === s.coherent
          ? {aligned: true, coherent: false}
          : same && last!.aligned === s.aligned
            ? {aligned: false, coherent: true}
            : undefined;
      last = {shape, aligned: s.aligned, coherent: s.coherent};
      warmIntervals(page, s, () => !stopped && warmed === key, lines);
    }
  };
  follow(page, invalidation, (s) => {
    const counts = overallCounts(page)(s);
    // Once: a write of the same value is still a DOM mutation (and a style check of the box).
    if (box.node.dataset.emFirst !== "live") box.node.dataset.emFirst = "live";
    notes.update(ruleNotes(page.points, selectionMask(page.points, s), ruleOf(s), s.exclude, counts), ruleOf(s));
    const key = formatState(s);
    const cache = intervalCache(page);
    if (cache.has(key)) return show(s, cache.get(key)!);
    box.paint(s, counts, {intervalsPending: true});
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      if (stopped) return;
      const now = page.selection.get();
      show(now, overallCached(page, now));
    }, 0);
  });
  return box.node;
}

/**
 * A container whose chart is rebuilt when `structure(state)` changes and updated in place
 * otherwise. `data-em-live` tells figure() to download the current chart.
 */
function liveContainer<C>(
  page: Page,
  invalidation: Promise<unknown> | undefined,
  structure: (s: ViewState) => string,
  build: (s: ViewState) => {node: Element; chart: C} | null,
  update: (chart: C, s: ViewState) => void,
  empty: (s: ViewState) => Element,
): HTMLElement {
  const box = el("div", {"data-em-live": ""});
  let key: string | null = null;
  let current: C | null = null;
  follow(page, invalidation, (s) => {
    const k = structure(s);
    if (k !== key) {
      key = k;
      const built = build(s);
      current = built?.chart ?? null;
      box.replaceChildren(built ? built.node : empty(s));
    }
    if (current !== null) update(current, s);
  });
  return box;
}

/** The EM rate over every cut pair (rebuilt when the rows, exclusions or the rule's shape change), with the current cuts marked. */
export function sensitivitySurface(page: Page, {width, invalidation}: {width: number; invalidation?: Promise<unknown>}): HTMLElement {
  const {points} = page;
  let grid: Float64Array = new Float64Array(0);
  return liveContainer(
    page,
    invalidation,
    (s) => {
      const r = ruleOf(s);
      return `${selectionKey(s)}|${r.alignedInclusive}|${r.coherentInclusive}|${r.denominator}|${r.nulls}|${r.requireCoherent !== false}`;
    },
    (s) => {
      grid = surfaceGrid(points, selectionMask(points, s), ruleOf(s), s.exclude);
      const node = surfaceChart(grid, s, {width, current: false});
      // The moving "now" label keeps off the published rules' dot and label.
      return {node, chart: plotMarker(node, {avoid: publishedCutsBoxes})};
    },
    (move, s) => move(s.aligned, s.coherent, `now ${pct(grid[s.aligned * 101 + s.coherent])}`),
    () => el("p", {class: "em-muted"}, "No answers in this selection."),
  );
}

/** EM answers by response type, one bar per compare-by group (all models: the model filter is not applied). */
export function sensitivityTypes(page: Page, {width, invalidation}: {width: number; invalidation?: Promise<unknown>}): HTMLElement {
  const {points} = page;
  const groupsOf = memoLast((s: ViewState): Group[] =>
    summarizeGroups(points, selectionMask(points, s, ["model"]), ruleOf(s), compareBy(points, s), {
      exclude: s.exclude,
      replicates: 0,
      follow: true,
      cross: keyBy(points, PER_QUESTION),
    }),
  );
  return liveContainer<LiveChart<readonly TypeCount[]>>(
    page,
    invalidation,
    (s) => `${selectionKey(s)}|${groupsOf(s).length}`,
    (s) => {
      const groups = groupsOf(s);
      if (!groups.length) return null;
      const chart = liveTypeContribution(
        groups.map((g) => g.id),
        {width, excluded: s.exclude},
      );
      return {node: chart.node, chart};
    },
    (chart, s) => chart.update(typeRows(groupsOf(s))),
    () => el("p", {class: "em-muted"}, "No answer in this selection."),
  );
}

/** Per-question rates with intervals; the CSV button downloads the rows at the current cuts. */
export function sensitivityQuestions(
  page: Page,
  {width, invalidation, questions = null}: {width: number; invalidation?: Promise<unknown>; questions?: QuestionTexts | null},
): HTMLElement {
  const rowsOf = questionRows(page);
  return liveContainer<LiveChart<{rows: readonly QuestionBar[]; macro: number | null}>>(
    page,
    invalidation,
    (s) => selectionKey(s),
    (s) => {
      const rows = rowsOf(s);
      if (!rows.length) return null;
      const c = liveQuestionRates(rows, {width, text: (id) => questionLabel(questions, s.experiment, id, 60)});
      return {node: c.node, chart: c};
    },
    (c, s) => c.update({rows: rowsOf(s), macro: overallCounts(page)(s)?.macro_em_rate ?? null}),
    () => el("p", {class: "em-muted"}, "No answers in this selection."),
  );
}

/** Per-question summaries at the state's cuts (memoised per page and state). */
const questionRows = perPage(
  ({points}) =>
    (s): (QuestionBar & Group)[] =>
      // Each summary is a new object: labelled in place rather than copied.
      summarizeGroups(points, selectionMask(points, s), ruleOf(s), keyBy(points, PER_QUESTION), {
        exclude: s.exclude,
        follow: true,
        cross: compareBy(points, s),
      }).map((r) =>
        Object.assign(r, {
          label: r.parts[0]!,
          // "(no category)", not "none": a fill value that is a CSS colour keyword would be read as the colour.
          category: r.parts[1] || "(no category)",
        }),
      ),
);

/** Download the per-question rates at the current cuts. */
export function questionCsvButton(page: Page, questions: QuestionTexts | null = null): HTMLElement {
  const save = el("button", {type: "button", class: "em-link"}, "Download per-question rates (CSV)");
  save.addEventListener("click", () =>
    downloadCsv(
      questionRows(page)(page.selection.get()).map((r) => ({
        question_id: r.label,
        question: questionLabel(questions, page.selection.get().experiment, r.label, Number.POSITIVE_INFINITY),
        category: r.category,
        n: r.n_scored,
        em: r.n_em,
        em_rate: r.em_rate,
        ci_low: r.ci?.[0],
        ci_high: r.ci?.[1],
      })),
      "em-by-question",
    ),
  );
  return save;
}
