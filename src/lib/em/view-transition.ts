// The transitions page's fits, made the way `em summarize --transition [--sensitivity]` makes
// them: the same scale decision, the same per-group seeds, bootstrap replicates and interval
// options as transitionsBy, on per-group points the browser has already counted. The parity test
// (test/browser/parity.test.ts) holds the page to the CLI's numbers.
import {analyzeOnScale, coordinateScale, TRANSITION_DEFAULTS, TRANSITION_SEED_OFFSET, type CoordinateScale} from "./series.js";
import {makeRng} from "./prng.js";
import {groupSeed} from "./summary.js";
import type {LogisticFit, TransitionPoint, TransitionResult, TransitionTest, TransitionVerdict} from "./transition.js";

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

/**
 * The numbers of one fitted series that the transitions page publishes (an inert JSON element) and
 * the parity test compares with `em summarize --transition --format json`, whose series carry these
 * fields under the same names. A midpoint and its interval, width and levels only for a credible
 * transition (null otherwise, as the CLI reports them).
 */
export interface TransitionNumbers {
  key: string;
  scale: CoordinateScale;
  verdict: TransitionVerdict;
  credible: boolean;
  p_constant: number | null;
  p_linear: number | null;
  midpoint: number | null;
  ci: [number | null, number | null] | null;
  width: number | null;
  width_ci: [number | null, number | null] | null;
  floor: number | null;
  ceiling: number | null;
  onset: number | null;
  change_point: {before: number; after: number; p_value: number} | null;
  points: {x: number; k: number; n: number}[];
}

/** The verdict of a fit and the fit's numbers that are published only when the transition is credible. */
export type CredibleFitNumbers = Pick<
  TransitionNumbers,
  "verdict" | "credible" | "p_constant" | "p_linear" | "midpoint" | "ci" | "width" | "width_ci" | "floor" | "ceiling"
>;

/**
 * A fit's test and, when the test finds a credible transition and a fit exists, its midpoint (with
 * its interval), width (with its interval), floor and ceiling, in the fit's units (coordinate
 * units; rates or mean scores as fractions); each is null otherwise, as the page and
 * `em summarize --format json` report them. Used for the rate fit and the mean-aligned fit alike.
 */
export function credibleFitNumbers(test: TransitionTest, fit: LogisticFit | null): CredibleFitNumbers {
  const f = test.credible ? fit : null;
  return {
    verdict: test.verdict,
    credible: test.credible,
    p_constant: test.p_constant,
    p_linear: test.p_linear,
    midpoint: f ? f.midpoint : null,
    ci: f ? f.ci : null,
    width: f ? f.width : null,
    width_ci: f ? f.width_ci : null,
    floor: f ? f.floor : null,
    ceiling: f ? f.ceiling : null,
  };
}

/** A series' numbers from its fit (the page's SeriesTransition; the CLI's groups have the same fields). */
export function transitionNumbers(key: string, r: Pick<SeriesTransition, "scale" | "test" | "fit" | "onset" | "change_point" | "points">): TransitionNumbers {
  return {
    key,
    scale: r.scale,
    ...credibleFitNumbers(r.test, r.fit),
    onset: r.onset.x,
    change_point: r.change_point ? {before: r.change_point.before, after: r.change_point.after, p_value: r.change_point.p_value} : null,
    points: r.points.map((p) => ({x: p.x, k: p.k, n: p.n})),
  };
}

/**
 * The same numbers from a series of `em summarize --transition --format json` (which carries more:
 * dispersion, intervals' method, the mean-score fit...), so the two sides compare field by field.
 */
export function transitionNumbersOfJson(
  key: string,
  t: Omit<TransitionNumbers, "key" | "change_point"> & {change_point: {before: number; after: number; p_value: number} | null},
): TransitionNumbers {
  return {
    key,
    scale: t.scale,
    verdict: t.verdict,
    credible: t.credible,
    p_constant: t.p_constant,
    p_linear: t.p_linear,
    midpoint: t.midpoint,
    ci: t.ci,
    width: t.width,
    width_ci: t.width_ci,
    floor: t.floor,
    ceiling: t.ceiling,
    onset: t.onset,
    change_point: t.change_point ? {before: t.change_point.before, after: t.change_point.after, p_value: t.change_point.p_value} : null,
    points: t.points.map((p) => ({x: p.x, k: p.k, n: p.n})),
  };
}

/** One cell of the midpoint-over-thresholds grid as the page publishes it and `--sensitivity` reports it. */
export interface MidpointCellNumbers {
  aligned: number;
  coherent: number;
  /** Midpoint only where the cell's transition is credible, else null. */
  midpoint: number | null;
  verdict: TransitionVerdict;
  p_constant: number | null;
  /** The grid kept no per-question counts (too many values x questions): see SensitivityCell.monotone_pooled. */
  monotone_pooled: boolean;
}

/** A grid cell's numbers from the page's cell or a `--sensitivity` entry (which also names its judge). */
export function midpointCellNumbers(c: MidpointCellNumbers): MidpointCellNumbers {
  return {aligned: c.aligned, coherent: c.coherent, midpoint: c.midpoint, verdict: c.verdict, p_constant: c.p_constant, monotone_pooled: c.monotone_pooled};
}
