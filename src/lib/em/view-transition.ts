// The transitions page's fits, made the way `em summarize --transition [--sensitivity]` makes
// them: the same scale decision, the same per-group seeds, bootstrap replicates and interval
// options as transitionsBy, on per-group points the browser has already counted. The parity test
// (test/browser/parity.test.ts) holds the page to the CLI's numbers.
import {analyzeOnScale, coordinateScale, TRANSITION_DEFAULTS, TRANSITION_SEED_OFFSET, type CoordinateScale} from "./series.js";
import {makeRng} from "./prng.js";
import {groupSeed} from "./summary.js";
import type {TransitionPoint, TransitionResult} from "./transition.js";

export {TRANSITION_DEFAULTS} from "./series.js";

/**
 * The `--coordinate-scale` argument `em summarize` uses for an experiment: "log" when the experiment
 * declares `coordinate_scale: log`, else "auto" (decided from the values).
 */
export function declaredScaleArg(declared: "log" | "linear" | null | undefined): "log" | "auto" {
  return declared === "log" ? "log" : "auto";
}

/**
 * The fitting scale of a selection, as transitionsBy decides it: over every coordinate value of
 * the selection's rows (all groups together), honouring a declared log scale.
 */
export function selectionScale(values: Iterable<number>, declared: "log" | "linear" | null | undefined): CoordinateScale {
  return coordinateScale(values, declaredScaleArg(declared));
}

export type SeriesTransition = TransitionResult & {scale: CoordinateScale; excluded: number[]};

/**
 * analyzeOnScale per group, with transitionsBy's seeding: `series[g]` are group g's points in the
 * grouping's first-seen order (a group without coordinates has an empty series and still takes
 * its index, as in transitionsBy). `points` need not be sorted.
 */
export function seriesTransitions(
  series: readonly (readonly TransitionPoint[])[],
  scale: CoordinateScale,
  {
    seed = TRANSITION_DEFAULTS.seed,
    confidence = TRANSITION_DEFAULTS.confidence,
    replicates = TRANSITION_DEFAULTS.replicates,
    profile = TRANSITION_DEFAULTS.profile,
  }: {seed?: number; confidence?: number; replicates?: number; profile?: boolean} = {},
): SeriesTransition[] {
  return series.map((points, g) => {
    const sorted = points.slice().sort((a, b) => a.x - b.x);
    return analyzeOnScale(sorted, scale, makeRng(groupSeed(seed, TRANSITION_SEED_OFFSET + g)), {confidence, replicates, profile});
  });
}
