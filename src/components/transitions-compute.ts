// The transitions page's heavy work as plain messages: logistic fits of the series (with the
// seeded change-point bootstrap) and the midpoint-over-thresholds grid. runFitJob runs in the
// transitions worker (transitions-worker.ts) and, where no worker can start, on the main thread;
// both call the analysis library's own functions (seriesTransitions, transitionSensitivityColumns)
// with the inputs the CLI's code path would give them, so the numbers are em summarize's.
import {transitionSensitivityColumns, type CoordinateScale} from "../lib/em/series.js";
import type {TransitionPoint} from "../lib/em/transition.js";
import {midpointCellNumbers, seriesTransitions, type MidpointCellNumbers, type SeriesTransition} from "../lib/em/view-transition.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ResponseType} from "../lib/schema.js";

/**
 * Fit some series of a selection. `series` holds every series' tallies (x, k = EM answers, n =
 * denominator) in the selection's first-seen order: a series' seed is its index there (as in
 * transitionsBy), so the series not in `only` are sent empty and cost nothing to analyse.
 */
export interface SeriesJob {
  kind: "series";
  series: TransitionPoint[][];
  /** Indices to fit (null: all). */
  only: number[] | null;
  scale: CoordinateScale;
  /** Change-point bootstrap replicates (undefined: the CLI's default). */
  replicates?: number;
  /** Profile-likelihood midpoint intervals (undefined: the CLI's default, on). */
  profile?: boolean;
}

/**
 * The midpoint grid of one series for one judge. The columns are the series' masked rows only
 * (in row order, so the coordinate values keep their first-seen order): the scores the threshold
 * surfaces read, the response type (for exclusions), the coordinate and the judge code.
 */
export interface GridJob {
  kind: "grid";
  aligned: Float32Array | Float64Array;
  coherent: Float32Array | Float64Array;
  type: Int8Array;
  x: Float64Array;
  judge: Int32Array;
  /** Question code per row (-1: none) and training seed code per row (-1: none): the cells' clusters (read at any number of values; see transitionSensitivityColumns). */
  question: Int32Array;
  seed: Int32Array;
  judges: string[];
  /** Which judge's cells to return. */
  judgeName: string | null;
  rule: EmRule;
  scale: CoordinateScale;
  exclude: ResponseType[];
}

export type FitJob = SeriesJob | GridJob;

/** One cell of the midpoint grid: the numbers the page publishes (src/lib/em/view-transition.ts). */
export type MidpointCell = MidpointCellNumbers;

export type FitResult<J extends FitJob> = J extends SeriesJob ? {index: number; result: SeriesTransition}[] : MidpointCell[];

export function runFitJob<J extends FitJob>(job: J): FitResult<J>;
export function runFitJob(job: FitJob): FitResult<SeriesJob> | MidpointCell[] {
  if (job.kind === "series") {
    const only = job.only ? new Set(job.only) : null;
    const series = job.series.map((s, g) => (only && !only.has(g) ? [] : s));
    const results = seriesTransitions(series, job.scale, {
      ...(job.replicates === undefined ? {} : {replicates: job.replicates}),
      ...(job.profile === undefined ? {} : {profile: job.profile}),
    });
    return results.map((result, index) => ({index, result})).filter((r) => !only || only.has(r.index));
  }
  const cols = {length: job.x.length, aligned: job.aligned, coherent: job.coherent, type: job.type, question: job.question};
  return transitionSensitivityColumns(cols, job.x, job.judge, job.judges, job.rule, {scale: job.scale, exclude: job.exclude, seed: job.seed})
    .filter((c) => c.judge === job.judgeName)
    .map(midpointCellNumbers);
}
