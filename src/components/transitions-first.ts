// /transitions before anything heavy loads (issue 28): the fits of the state a link opens with, made
// at build time from the per-step counts (src/data/steps.json, loaders/site-steps.ts) by the
// library function `em summarize --transition` calls, so opening the page costs no row decode and
// no fit. This module and what it imports are small on purpose (no fit code, d3 or Plot: a trace at
// 1M under load showed the first table waiting ~9 s for the page's ~240 modules), so the page
// imports it in a cell of its own and paints the table before the rest evaluates. The page's fits
// view replaces this box with its own table once the points are in: the same counts, whose passes
// find these fits (the box's `seed`, handed to seedFits), so the worker runs no job for them.
import type {SeriesTransition} from "../lib/em/view-transition.js";
import {experimentInfo, type Summary} from "../lib/site-summary.js";
import {stepsFor, type StepsTable} from "../lib/site-steps.js";
import {facetLabelOf, parseState} from "./store.js";
import type {ModelTransition, SeriesTallies} from "./transitions-controller.js";
import {fitsTable} from "./transitions-table.js";
import {el, loading} from "./ui.js";

// The frame-on-screen promise the page's heavy cells wait for (the first-paint split, first-paint.ts).
export {afterPaint} from "./first-paint.js";
// The page's first cell imports from this module only: its points come through the one range loader.
export {observePoints, pointsLoader} from "./points-loader.js";

/** The first-paint box; `seed`: the build's counts and final fits for the page's passes (null when it has none). */
export type FirstFits = HTMLElement & {seed: {tallies: SeriesTallies; fits: SeriesTransition[]} | null};

/**
 * A box with the first fits table for the URL's state (`data-em-first="build"`): the build's final
 * fits (stage "complete"), or, for a preset the build counted but did not fit, pass 1 of those
 * counts in the worker pool (stage "fits"; the fit code loads then). An empty box (`"none"`) when
 * the build has no counts for the state (a filter, a custom cut, another series key) or no series
 * has two coordinate values. The fits are on the build's scale (selectionScale of the same values
 * and declared scale the page uses: loaders/site-steps.ts).
 */
export function transitionsFirst(table: StepsTable | null, summary: Summary, search: string): FirstFits {
  const box = Object.assign(el("div", {"data-testid": "transitions-first"}), {seed: null}) as FirstFits;
  const s = parseState(search);
  const hit = table ? stepsFor(table, s) : null;
  if (!(table && hit?.series.some((points) => points.filter((p) => p.n > 0).length >= 2))) {
    box.dataset.emFirst = "none";
    return box;
  }
  box.dataset.emFirst = "build";
  const info = experimentInfo(summary, s.experiment ?? table.experiments[0] ?? null);
  // The table reads only the fits; the per-step summaries come with the points (the charts).
  const tallies: SeriesTallies = {names: hit.names, groups: hit.names.map(() => []), series: hit.series, scale: hit.scale};
  const options = {byLabel: facetLabelOf(s.by), planted: info?.planted?.midpoints ?? null};
  if (hit.fits && hit.fits.length === hit.series.length) {
    // The build's fits are final (intervals and change points in): no loading mark.
    const fits = hit.fits;
    box.seed = {tallies, fits};
    const transitions: ModelTransition[] = hit.names.map((model, g) => ({model, groups: [], points: fits[g]!.points, result: fits[g]!}));
    const t = fitsTable(transitions, {...options, intervalsPending: false, changePending: false});
    t.element.dataset.fitStage = "complete";
    box.append(t.element);
    return box;
  }
  // Counts only (a preset the build did not fit): pass 1 here, with the fit code loaded for it.
  box.append(loading(`Fitting ${hit.names.length} series: verdicts, midpoints and onsets follow.`));
  import("./transitions-controller.js")
    .then(({fitsFromCounts}) => fitsFromCounts(tallies))
    .then(
      (transitions) => {
        if (!box.isConnected) return; // the page's own fits came first
        const t = fitsTable(transitions, {...options, intervalsPending: true, changePending: true});
        t.element.dataset.fitStage = "fits";
        box.replaceChildren(t.element);
      },
      () => box.replaceChildren(),
    );
  return box;
}
