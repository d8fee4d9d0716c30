// /transitions before its points arrive (issue 28): the fits of the state a link opens with, made
// at build time from the per-step counts (src/data/steps.json, loaders/site-steps.ts) by the
// library function `em summarize --transition` calls, so opening the page costs no row decode and
// no fit. The page's fits view replaces this box with its own table once the points are in: the
// same counts, whose passes find these fits (seedFits), so the worker runs no job for them.
import {selectionScale} from "../lib/em/view-transition.js";
import {experimentInfo, type Summary} from "../lib/site-summary.js";
import {stepsFor, type StepsTable} from "../lib/site-steps.js";
import {parseState} from "./store.js";
import {fitsFromCounts, seedFits, seededTransitions, type SeriesTallies} from "./transitions-controller.js";
import {fitsTable} from "./transitions-table.js";
import {el, loading} from "./ui.js";
import {facetLabelOf} from "./variant-chart.js";

/**
 * A box with the first fits table for the URL's state (`data-em-first="build"`): the build's final
 * fits, which it also hands to the page's passes (seedFits). An empty box (`"none"`) when the build
 * has no counts for the state (a filter, a custom cut, another series key) or no series has two
 * coordinate values.
 */
export function transitionsFirst(table: StepsTable | null, summary: Summary, search: string): HTMLElement {
  const box = el("div", {"data-testid": "transitions-first"});
  const s = parseState(search);
  const hit = table ? stepsFor(table, s) : null;
  if (!table || !hit || !hit.series.some((points) => points.filter((p) => p.n > 0).length >= 2)) {
    box.dataset.emFirst = "none";
    return box;
  }
  box.dataset.emFirst = "build";
  const info = experimentInfo(summary, s.experiment ?? table.experiments[0] ?? null);
  const tallies: SeriesTallies = {
    names: hit.names,
    // The table reads only the fits; the per-step summaries come with the points (the charts).
    groups: hit.names.map(() => []),
    series: hit.series,
    scale: selectionScale(hit.xs, info?.coordinate_scale ?? null),
  };
  const options = {byLabel: facetLabelOf(s.by), planted: info?.planted?.midpoints ?? null};
  if (hit.fits && hit.scale === tallies.scale && hit.fits.length === hit.series.length) {
    // The build's fits are final (intervals and change points in): no loading mark.
    seedFits(tallies, hit.fits);
    const t = fitsTable(seededTransitions(tallies)!, {...options, intervalsPending: false, changePending: false});
    t.element.dataset.fitStage = "complete";
    box.append(t.element);
    return box;
  }
  // Counts only (a preset the build did not fit), or fits on another scale than the page's: pass 1 here.
  box.append(loading(`Fitting ${hit.names.length} series: verdicts, midpoints and onsets follow.`));
  fitsFromCounts(tallies).then(
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
