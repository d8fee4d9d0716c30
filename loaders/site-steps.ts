// The per-step EM counts /transitions fits from before its points arrive (issue 28): for every
// experiment, each of its judges and each preset rule, with the default "series by" key, the
// tallies the page computes for the state a link `?experiment=E&judge=J&rule=R` opens with, by the
// page's own functions (resolveDefaults, selectionMask, ruleOf, seriesTallies); and, for the default
// rule, the fits of those counts, made at build time by the library function `em summarize
// --transition` calls (seriesTransitions with the CLI's defaults), so opening the page runs no fit. The file's size and the fits' cost grow with
// experiments x judges x presets x series x coordinate values, never with the responses.
import {decodePoints, type FacetColumn, type Points} from "../src/components/points.ts";
import {selectionMask} from "../src/components/selection.ts";
import {ruleOf} from "../src/components/engine.ts";
import {seriesTallies} from "../src/components/transitions-controller.ts";
import {presetStates} from "./site-presets.ts";
import {DEFAULT_STATE} from "../src/components/store.ts";
import {stepsKey, type StepsEntry, type StepsTable} from "../src/lib/site-steps.ts";
import {seriesTransitions, TRANSITION_DEFAULTS, type SeriesTransition} from "../src/lib/em/view-transition.ts";
import type {FitMemo} from "./site-steps-memo.ts";

/** The content key of an entry's fits: its per-step counts in series order (the seeds follow it), scale and fit options. */
function fitsKey(series: StepsEntry["series"], scale: StepsEntry["scale"]): string {
  return JSON.stringify({v: 1, options: TRANSITION_DEFAULTS, scale, series});
}

/** seriesTransitions with the CLI's defaults, read from `memo` when it has these counts (and written to it when not). */
function memoFits(series: StepsEntry["series"], scale: StepsEntry["scale"], memo: FitMemo | undefined): SeriesTransition[] {
  const key = fitsKey(series, scale);
  const known = memo?.get(key);
  if (known && known.length === series.length) return known;
  const fits = seriesTransitions(series, scale);
  memo?.set(key, fits);
  return fits;
}

/**
 * The per-step table of a points table (the bytes of points.arrow). Empty points: no entries.
 * Counts are answers (EM answers k and the rule's denominator n per coordinate value); the fits are
 * on the page's scale, selectionScale(xs, declared[experiment]) (`declared`: each experiment's
 * declared `coordinate_scale` as summary.json passes it to the page; absent = not declared). `memo`:
 * where fits of the same counts are kept between builds (loaders/site-steps-memo.ts; none: fit all).
 */
export function stepTallies(
  pointsBytes: Uint8Array | Points,
  {declared = {}, memo}: {declared?: Record<string, "log" | null>; memo?: FitMemo} = {},
): StepsTable {
  const points = pointsBytes instanceof Uint8Array ? decodePoints(pointsBytes) : pointsBytes;
  const {experiments, judges, states} = presetStates(points);
  const entries: StepsEntry[] = [];
  for (const s of states) {
    const mask = selectionMask(points, s, ["steps", "model"]);
    // The page's tallies with its scale decision (every coordinate of the selection, the declared scale).
    const t = seriesTallies(points, mask, ruleOf(s), s.exclude, {by: s.by as FacetColumn, declared: declared[s.experiment!] ?? null});
    const xs = new Set<number>();
    for (let i = 0; i < points.n; ++i) if (mask[i] && !Number.isNaN(points.step[i]!)) xs.add(points.step[i]!);
    // Fits for the default rule only: the full analysis costs ~0.3-1 s a series (profile intervals
    // and the 999-replicate bootstrap), and a link opens the default rule unless it names another;
    // the other presets' counts still spare the page its row decode (it fits them in its worker).
    const fits = s.rule === DEFAULT_STATE.rule ? memoFits(t.series, t.scale, memo) : null;
    entries.push({key: stepsKey(s), names: t.names, series: t.series, xs: [...xs].sort((a, b) => a - b), scale: t.scale, fits});
  }
  return {version: 2, experiments, judges, entries};
}
