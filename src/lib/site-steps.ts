// The contract between the build's per-step table (loaders/site-steps.ts, src/data/steps.json) and
// /transitions, which fits from it before its points arrive (issue 28): per series ("series by"
// key), the EM counts at each coordinate value of the state a link opens with: what the fits need,
// not the per-step summaries the charts draw (those are 50x the size and wait for the points), and
// the fits themselves: the page paints them with no fit at all, and its own passes of the same
// counts find them (components/transitions-controller.ts seedFits), so its worker runs only for a
// selection the build did not fit.
import type {CoordinateScale} from "./em/series.js";
import type {TransitionPoint} from "./em/transition-points.js";
import type {SeriesTransition} from "./em/view-transition.js";
import {firstPaintKey, type FirstPaintState} from "./site-first.js";

/** The state fields the per-step counts depend on: the headline's, less the step range and model (the page's mask ignores both), plus the series key. */
export type StepsState = FirstPaintState & {by: string};

export interface StepsEntry {
  key: string;
  /** Series names in first-seen order of the masked rows (their fit seeds are their indices). */
  names: string[];
  /**
   * Per series, (x, k = EM answers, n = denominator) per coordinate value, with the per-question
   * (x seed) cells the tests read (TransitionPoint.cells: questions x seeds x values; below 7 values the
   * constancy test, at any size the monotonicity test's per-point design effects).
   */
  series: TransitionPoint[][];
  /** Every coordinate value of the selection (the fitting scale is chosen from them). */
  xs: number[];
  /** The fitting scale of `fits`: selectionScale(xs, the experiment's declared scale). */
  scale: CoordinateScale;
  /**
   * Per series, `em summarize --transition`'s analysis of these counts on `scale`: the library's
   * seriesTransitions with the CLI's defaults (maximum-likelihood fit, credibility test, onset,
   * profile-likelihood intervals, change point with its seeded bootstrap), i.e. the numbers the
   * page shows once every pass is in. Null for a state the build did not fit (only the default
   * rule's are: the page fits the others from these counts in its worker).
   */
  fits: SeriesTransition[] | null;
}

export interface StepsTable {
  version: 2;
  /** Experiments in the order the pages default to (the first is the default). */
  experiments: string[];
  /** Judges per experiment in the pages' default order. */
  judges: Record<string, string[]>;
  entries: StepsEntry[];
}

/** The key of a state: the headline key with no step range and no model, and the series key. */
export function stepsKey(s: StepsState): string {
  return JSON.stringify([firstPaintKey({...s, steps: null, model: null}), s.by]);
}

/**
 * The precomputed counts for a state parsed from a URL, or null when the table has none (a filter,
 * a custom cut, another series key, an unknown experiment or judge: the page then waits for its
 * points). An absent experiment or judge is the first one, as the pages choose it.
 */
export function stepsFor(table: StepsTable, s: StepsState): StepsEntry | null {
  if (table.version !== 2) return null; // a table from an older build: no fits in it
  const experiment = s.experiment ?? table.experiments[0] ?? null;
  if (experiment === null || !table.experiments.includes(experiment)) return null;
  const judges = table.judges[experiment] ?? [];
  const judge = s.judge !== null && judges.includes(s.judge) ? s.judge : (judges[0] ?? null);
  const key = stepsKey({...s, experiment, judge});
  return table.entries.find((e) => e.key === key) ?? null;
}
