// /transitions before its points arrive (issue 28): the fits of the state a link opens with, from
// the per-step counts the build computed for it (src/data/steps.json, loaders/site-steps.ts), so
// opening the page costs no row decode. The page's fits view replaces this box with its own table
// (same counts, same fits: the per-series fit cache is shared) once the points are in.
import {selectionScale} from "../lib/em/view-transition.js";
import {experimentInfo, type Summary} from "../lib/site-summary.js";
import {stepsFor, type StepsTable} from "../lib/site-steps.js";
import {parseState} from "./store.js";
import {fitsFromCounts, type SeriesTallies} from "./transitions-controller.js";
import {fitsTable} from "./transitions-table.js";
import {el, loading} from "./ui.js";
import {facetLabelOf} from "./variant-chart.js";

/**
 * A box with the first fits table for the URL's state (`data-em-first="build"`), or an empty box
 * (`"none"`) when the build has no counts for it (a filter, a custom cut, another series key) or
 * no series has two coordinate values.
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
  box.append(loading(`Fitting ${hit.names.length} series: verdicts, midpoints and onsets follow.`));
  fitsFromCounts(tallies).then(
    (transitions) => {
      if (!box.isConnected) return; // the page's own fits came first
      const t = fitsTable(transitions, {byLabel: facetLabelOf(s.by), planted: info?.planted?.midpoints ?? null, intervalsPending: true, changePending: true});
      t.element.dataset.fitStage = "fits";
      box.replaceChildren(t.element);
    },
    () => box.replaceChildren(),
  );
  return box;
}
