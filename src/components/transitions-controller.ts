// Phase-transition fits controller: per series (the "series by" key) the EM counts along the
// training coordinate, the three fit passes (fit, interval, change point) run on the worker pool
// and cached, the page's fit states in order, the same passes on this thread for Node, and the
// threshold-grid jobs. Charts: ./transitions-charts.ts; tables: ./transitions-table.ts.
import * as d3 from "d3";
import type {TransitionPoint, TransitionResult} from "../lib/em/transition.js";
import {pointsWithCells} from "../lib/em/transition-points.js";
import {TRANSITION_DEFAULTS, type CoordinateScale} from "../lib/em/series.js";
import {wilson} from "../lib/em/intervals.js";
import {selectionScale, transitionNumbers as transitionNumbersOf, type SeriesTransition, type TransitionNumbers} from "../lib/em/view-transition.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ResponseType} from "../lib/schema.js";
import {columnsOf, summarizeGroups, keyBy, type Group} from "./engine.js";
import type {FacetColumn, Points} from "./points.js";
import {runFitJob, type FitResult, type GridJob, type MidpointCell, type SeriesJob} from "./transitions-compute.js";
import {cacheGet, cachePut, cachedFit, peekFit, poolSize, runOffThread} from "./transitions-fits.js";

export interface ModelTransition {
  /** The series' value of the "series by" key. */
  model: string;
  /** Per coordinate value: the EM summary (sorted by coordinate). */
  groups: Group[];
  /** Per coordinate value (sorted): EM answers, denominator, rate and 95% Wilson interval, as measured. */
  points: MeasuredPoint[];
  result: SeriesTransition;
}

/** A series' numbers as `em summarize --transition --format json` reports them (the field list: src/lib/em/view-transition.ts). */
export function transitionNumbers(t: ModelTransition): TransitionNumbers {
  return transitionNumbersOf(t.model, t.result);
}

/** A series drawn before its fit arrives: the measured points only. */
export type PendingTransition = Omit<ModelTransition, "result"> & {result: null};

export type MeasuredPoint = TransitionResult["points"][number];

/** The counts a selection's transition fits need: per series, EM answers and denominator per coordinate value. */
export interface SeriesTallies {
  /** Series names in first-seen order of the masked rows (a series' seed is its index here). */
  names: string[];
  /** Per series, the EM summary per coordinate value (sorted by coordinate). */
  groups: Group[][];
  /** Per series, (x, k = EM answers, n = denominator) per coordinate value. */
  series: TransitionPoint[][];
  /** The fitting scale, from every coordinate value of the selection (selectionScale). */
  scale: CoordinateScale;
}

/**
 * Per series (the "series by" key), the EM counts along the coordinate, made as `em summarize
 * --by <key> --transition` makes them for the same rows: series in first-seen order of the masked
 * rows (a series without coordinate values keeps its place and seed), the fitting scale from every
 * coordinate of the selection. One pass over the rows; the fits need nothing else.
 */
export function seriesTallies(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {by = "model", declared = null}: {by?: FacetColumn; declared?: "log" | null} = {},
): SeriesTallies {
  const partition = keyBy(points, [by]);
  const order: number[] = [];
  const seen = new Uint8Array(partition.parts.length);
  const xs = new Set<number>();
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    const g = partition.codes[i]!;
    if (g >= 0 && !seen[g]) {
      seen[g] = 1;
      order.push(g);
    }
    if (!Number.isNaN(points.step[i]!)) xs.add(points.step[i]!);
  }
  const perStep = d3.group(summarizeGroups(points, mask, rule, keyBy(points, [by, "step"]), {exclude, replicates: 0}), (g) => g.parts[0]!);
  const names = order.map((g) => partition.parts[g]![0]!);
  const groups = names.map((name) => (perStep.get(name) ?? []).sort((a, b) => Number(a.parts[1]!) - Number(b.parts[1]!)));
  // The points with their per-question (x training seed) cells, as transitionPoints makes them for
  // `em summarize` (pointsWithCells); per seed only when the table has replicate ids (null: -1).
  const seeded = points.dicts.replicate.length > 0;
  const cellsOf = seeded
    ? d3.group(summarizeGroups(points, mask, rule, keyBy(points, [by, "step", "replicate"]), {exclude, replicates: 0}), (g) => g.parts[0]!)
    : perStep;
  const seedCode = new Map<string, number>();
  const seedOf = (label: string | undefined): number => {
    if (!seeded || label === undefined || label === "") return -1;
    let c = seedCode.get(label);
    if (c === undefined) seedCode.set(label, (c = seedCode.size));
    return c;
  };
  const series = names.map((name) =>
    pointsWithCells(
      (cellsOf.get(name) ?? []).map((g) => ({x: Number(g.parts[1]!), seed: seedOf(g.parts[2]), k: g.n_em, n: g.n_scored, qk: g.qk, qd: g.qd, rows: g.n})),
    ),
  );
  return {names, groups, series, scale: selectionScale(xs, declared)};
}

/** The measured points of a series (sorted by x), as the library's analysis reports them. */
function measured(series: readonly TransitionPoint[]): MeasuredPoint[] {
  return series
    .slice()
    .sort((a, b) => a.x - b.x)
    .map((p) => ({x: p.x, k: p.k, n: p.n, rate: p.n > 0 ? p.k / p.n : null, ci: wilson(p.k, p.n, TRANSITION_DEFAULTS.confidence)}));
}

/** The series as drawn before the fits arrive. */
export function pendingTransitions(tallies: SeriesTallies): PendingTransition[] {
  return tallies.names.map((model, k) => ({model, groups: tallies.groups[k]!, points: measured(tallies.series[k]!), result: null}));
}

/**
 * The fit jobs for a selection: the series split into `parts` jobs (each series keeps its seed
 * index), largest series first, so the pool's workers fit in parallel.
 */
export function seriesJobs(tallies: SeriesTallies, parts: number, options: {replicates?: number; profile?: boolean} = {}): SeriesJob[] {
  const order = tallies.series.map((s, g) => ({g, size: s.length})).sort((a, b) => b.size - a.size || a.g - b.g);
  const buckets: number[][] = Array.from({length: Math.max(1, Math.min(parts, order.length))}, () => []);
  order.forEach((o, i) => buckets[i % buckets.length]!.push(o.g));
  return buckets.map((only) => ({kind: "series", series: tallies.series, only, scale: tallies.scale, ...options}));
}

function byIndex(parts: FitResult<SeriesJob>[]): Map<number, SeriesTransition> {
  const results = new Map<number, SeriesTransition>();
  for (const part of parts) for (const r of part) results.set(r.index, r.result);
  return results;
}

/**
 * The analysis in three passes, each the library's seriesTransitions with transitionsBy's seeds:
 *  - "fit": no bootstrap, no profile: the maximum-likelihood fit, the credibility test and the
 *    onset (the verdict, curve and midpoint the page draws first);
 *  - "interval": no bootstrap: the same fit plus its profile-likelihood midpoint interval (the
 *    profile search does not move the maximum, so the fit is the same numbers);
 *  - "change point": the bootstrap with the CLI's replicates, no profile. The bootstrap is the only
 *    user of the seeded generator, so its p-value equals the one-call analysis'; at ~1,000 answers
 *    per point its 999 replicates cost ~1 s per series (randBinomial draws each answer), so it runs
 *    in the background.
 * Fit and interval use no random numbers: they are cached per series (tallies and scale).
 */
const PASSES = {
  fit: {replicates: 0, profile: false},
  interval: {replicates: 0, profile: true},
  change_point: {profile: false},
} as const;
export type Pass = keyof typeof PASSES;

/** A pass's results per series (pass 1 or 2), with the bootstrap pass's change points when given. */
function assemble(
  tallies: SeriesTallies,
  fits: readonly SeriesTransition[],
  {changePoints}: {changePoints?: ReadonlyMap<number, SeriesTransition>} = {},
): ModelTransition[] {
  return tallies.names.map((model, k) => {
    const fit = fits[k];
    const cp = changePoints?.get(k);
    if (!fit || (changePoints && !cp)) throw new Error(`a pass is missing series ${model}`);
    const result: SeriesTransition = {
      ...fit,
      // Only the bootstrap pass has a meaningful change-point p-value.
      change_point: cp ? cp.change_point : null,
    };
    return {model, groups: tallies.groups[k]!, points: result.points, result};
  });
}

/** Cache keys: the tallies themselves (the passes depend on nothing else). */
const selectionKey = (tallies: SeriesTallies, what: string) => JSON.stringify([what, tallies.scale, tallies.names, tallies.series]);
const seriesKey = (tallies: SeriesTallies, pass: Pass, g: number) => JSON.stringify([pass, tallies.scale, tallies.series[g]]);

/**
 * Final analyses made at build time (src/data/steps.json), by series: its counts, scale and index
 * (the bootstrap's seed is the index). Never evicted: a handful of series per page.
 */
const finals = new Map<string, SeriesTransition>();
const finalKey = (tallies: SeriesTallies, g: number) => JSON.stringify([tallies.scale, g, tallies.series[g]]);

/**
 * Hand the passes the build's final analyses of these tallies (`fits[g]`: seriesTransitions with
 * the CLI's defaults on `tallies.series` and `tallies.scale`, as loaders/site-steps.ts makes them):
 * every pass of a selection with the same counts then resolves from them, with no worker job.
 */
export function seedFits(tallies: SeriesTallies, fits: readonly SeriesTransition[]): void {
  if (fits.length !== tallies.series.length) throw new Error(`seedFits: ${fits.length} fits for ${tallies.series.length} series`);
  fits.forEach((f, g) => finals.set(finalKey(tallies, g), f));
}

/** The build's final analysis of series g, if seeded. */
const finalOf = (tallies: SeriesTallies, g: number) => finals.get(finalKey(tallies, g));

/**
 * What a seed-free pass computes, from a series' final analysis: "interval" is the same fit, test
 * and onset with the profile intervals (the bootstrap uses its own generator and moves nothing
 * else); "fit" the same without them (no profile search: both intervals null). The change point is
 * taken from the bootstrap pass only (assemble), whatever these carry.
 */
export function passOf(final: SeriesTransition, pass: "fit" | "interval"): SeriesTransition {
  if (pass === "interval" || !final.fit) return final;
  return {...final, fit: {...final.fit, ci: [null, null], width_ci: [null, null]}};
}

/** Every series' final analysis when the build seeded them all (the page's last state, at once), else null. */
export function seededTransitions(tallies: SeriesTallies): ModelTransition[] | null {
  const fits = tallies.names.map((_, g) => finalOf(tallies, g));
  if (!fits.every((f) => f !== undefined)) return null;
  return assemble(tallies, fits as SeriesTransition[], {changePoints: new Map(fits.map((f, g) => [g, f!]))});
}

/** A seed-free pass ("fit" or "interval") of every series, cached per series, the missing ones split across the pool. */
function seriesPass(tallies: SeriesTallies, pass: "fit" | "interval"): Promise<SeriesTransition[]> {
  const keys = tallies.names.map((_, g) => seriesKey(tallies, pass, g));
  // Held here, not looked up again: adding entries may evict old ones.
  const found: (Promise<SeriesTransition> | undefined)[] = keys.map((k, g) => {
    const seeded = finalOf(tallies, g);
    return cacheGet<SeriesTransition>(k) ?? (seeded ? cachePut(k, Promise.resolve(passOf(seeded, pass))) : undefined);
  });
  const missing = found.flatMap((p, g) => (p ? [] : [g]));
  if (missing.length) {
    const sub = {...tallies, series: tallies.series.map((s, g) => (missing.includes(g) ? s : []))};
    for (const job of seriesJobs(sub, poolSize() || 1, PASSES[pass])) {
      const only = job.only!.filter((g) => missing.includes(g));
      if (!only.length) continue;
      const run = runOffThread({...job, only});
      for (const g of only)
        found[g] = cachePut(
          keys[g]!,
          run.then((r) => r.find((x) => x.index === g)!.result),
        );
    }
  }
  return Promise.all(found as Promise<SeriesTransition>[]);
}

/** Pass 1 for every series: fit, test, onset (no interval yet: `fit.ci` is [null, null]; no change point). */
export function fitTransitions(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return cachedFit(selectionKey(tallies, "fit"), async () => assemble(tallies, await seriesPass(tallies, "fit")));
}

/**
 * Pass 1 from counts made at build time (the first paint, components/transitions-first.ts): the
 * per-series results are cached, so the page's own pass 1 on the same counts finds them; the
 * selection's assembled result is not (these groups carry no per-question arrays).
 */
export async function fitsFromCounts(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return assemble(tallies, await seriesPass(tallies, "fit"));
}

/** Pass 2: the fits with their midpoint intervals (no change point yet). Needs no pass 1 (it refits). */
export function fitIntervals(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return cachedFit(selectionKey(tallies, "interval"), async () => assemble(tallies, await seriesPass(tallies, "interval")));
}

/** All three passes: the page's analysis equal to `em summarize --transition`'s (the bootstrap runs in the background). */
export function fitTransitionsFull(tallies: SeriesTallies): Promise<ModelTransition[]> {
  return cachedFit(selectionKey(tallies, "full"), async () => {
    // One job per series: a job the page needs sooner stops at most one series' bootstrap. A series
    // the build analysed (seedFits) has its change point already.
    const seeded: FitResult<SeriesJob> = tallies.names.flatMap((_, g) => {
      const f = finalOf(tallies, g);
      return f ? [{index: g, result: f}] : [];
    });
    const jobs = seriesJobs(tallies, tallies.names.length, PASSES.change_point).filter((job) => job.only!.some((g) => !finalOf(tallies, g)));
    const cps = Promise.all(jobs.map((job) => runOffThread(job, {priority: "background"})));
    return assemble(tallies, await seriesPass(tallies, "interval"), {changePoints: byIndex([seeded, ...(await cps)])});
  });
}

/** What the page draws: the fitted series, and which of their numbers are still computing. */
export interface FitState {
  transitions: ModelTransition[];
  intervalsPending: boolean;
  changePending: boolean;
}

/**
 * For Generators.observe: null while the fits run, then the fits, then with their intervals, then
 * with the change points; a selection seen before starts where its cache is, and one the build
 * analysed (seedFits) with its final numbers at once.
 */
export function observeFits(tallies: SeriesTallies): (notify: (state: FitState | null) => void) => () => void {
  return (notify) => {
    const seeded = seededTransitions(tallies);
    if (seeded) {
      notify({transitions: seeded, intervalsPending: false, changePending: false});
      return () => {};
    }
    let live = true;
    const stages = [
      {key: "full", start: fitTransitionsFull, intervalsPending: false, changePending: false},
      {key: "interval", start: fitIntervals, intervalsPending: false, changePending: true},
      {key: "fit", start: fitTransitions, intervalsPending: true, changePending: true},
    ] as const;
    // The furthest stage already computed is shown at once; later ones as they arrive (never an earlier one after a later).
    let shown = stages.findIndex((st) => peekFit(selectionKey(tallies, st.key)) !== undefined);
    if (shown < 0) {
      shown = stages.length;
      notify(null);
    } else {
      const st = stages[shown]!;
      notify({transitions: peekFit<ModelTransition[]>(selectionKey(tallies, st.key))!, intervalsPending: st.intervalsPending, changePending: st.changePending});
    }
    stages.forEach((st, i) => {
      if (i >= shown) return;
      st.start(tallies).then(
        (transitions) => {
          if (!live || i >= shown) return;
          shown = i;
          notify({transitions, intervalsPending: st.intervalsPending, changePending: st.changePending});
        },
        () => {},
      );
    });
    return () => {
      live = false;
    };
  };
}

/** The same analysis on this thread (Node, tests): the jobs the pool would run, pass by pass. */
export function modelTransitions(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {by = "model", declared = null, parts = 1, changePoints = true}: {by?: FacetColumn; declared?: "log" | null; parts?: number; changePoints?: boolean} = {},
): {transitions: ModelTransition[]; scale: CoordinateScale} {
  const tallies = seriesTallies(points, mask, rule, exclude, {by, declared});
  return {
    transitions: assemble(
      tallies,
      passInline(tallies, "interval", parts),
      changePoints ? {changePoints: byIndex(passJobs(tallies, "change_point", parts))} : {},
    ),
    scale: tallies.scale,
  };
}

function passJobs(tallies: SeriesTallies, pass: Pass, parts: number): FitResult<SeriesJob>[] {
  return seriesJobs(tallies, parts, PASSES[pass]).map((job) => runFitJob(job));
}

/** One pass of every series on this thread (tests compare the passes with each other). */
export function passInline(tallies: SeriesTallies, pass: Pass, parts = 1): SeriesTransition[] {
  const m = byIndex(passJobs(tallies, pass, parts));
  return tallies.names.map((_, g) => m.get(g)!);
}

/**
 * The grid job of one series for one judge: the series' masked rows as compact columns (the scores
 * the threshold surfaces read, type, coordinate, judge code; ~30 bytes a row, transferred to the
 * worker, not copied), on the scale the series' own fit used (as `em summarize --sensitivity` does).
 */
export function gridJob(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {judge, scale}: {judge: string | null; scale: CoordinateScale},
): {job: GridJob; transfer: Transferable[]} {
  const cols = columnsOf(points);
  let m = 0;
  for (let i = 0; i < points.n; ++i) if (mask[i]) m++;
  const Scores = (a: ArrayLike<number>) => (a instanceof Float32Array ? new Float32Array(m) : new Float64Array(m));
  const aligned = Scores(cols.aligned);
  const coherent = Scores(cols.coherent);
  const type = new Int8Array(m);
  const x = new Float64Array(m);
  const judgeCodes = new Int32Array(m);
  // Question and training-seed codes: the per-question (or per-seed) cells pointsWithCells' clusters give the tests, at any
  // number of values (below 7 the constancy test; at every size the monotonicity test's per-point design effects).
  const question = new Int32Array(m);
  const seed = new Int32Array(m);
  const srcType = cols.type;
  for (let i = 0, j = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    aligned[j] = cols.aligned[i]!;
    coherent[j] = cols.coherent[i]!;
    type[j] = srcType ? srcType[i]! : -1;
    x[j] = points.step[i]!;
    judgeCodes[j] = points.codes.judge[i]!;
    question[j] = points.codes.question_id[i]!;
    seed[j] = points.codes.replicate[i]!;
    j++;
  }
  return {
    job: {
      kind: "grid",
      aligned,
      coherent,
      type,
      x,
      judge: judgeCodes,
      question,
      seed,
      judges: points.dicts.judge,
      judgeName: judge,
      rule: {...rule},
      scale,
      exclude: [...exclude] as ResponseType[],
    },
    transfer: [aligned.buffer, coherent.buffer, type.buffer, x.buffer, judgeCodes.buffer, question.buffer, seed.buffer],
  };
}

/**
 * The midpoint of one series at each (aligned cut, coherent cut) of the library's default grid, for
 * one judge: transitionSensitivityColumns on the series' rows, every cell fitted and tested. On this thread.
 */
export function midpointGrid(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  options: {judge: string | null; scale: CoordinateScale},
): MidpointCell[] {
  return runFitJob(gridJob(points, mask, rule, exclude, options).job);
}

/**
 * midpointGrid off the main thread, cached by `key`, which must name the selection, series, rule,
 * exclusions, judge and scale (the inputs are rows, too many to key on).
 */
export function midpointGridOffThread(
  key: string,
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  options: {judge: string | null; scale: CoordinateScale},
): Promise<MidpointCell[]> {
  return cachedFit(`grid:${key}`, () => {
    const {job, transfer} = gridJob(points, mask, rule, exclude, options);
    return runOffThread(job, {transfer});
  });
}

/** A grid already computed for `key` (undefined: not yet). */
export function cachedGrid(key: string): MidpointCell[] | undefined {
  return peekFit<MidpointCell[]>(`grid:${key}`);
}

/** Rows of `mask` that belong to one series of the "series by" key. */
export function seriesMask(points: Points, mask: Uint8Array, by: FacetColumn, name: string): Uint8Array {
  const partition = keyBy(points, [by]);
  const g = partition.parts.findIndex((p) => p[0] === name);
  // A plain loop: Uint8Array.from with a callback costs ~10x more per row.
  const out = new Uint8Array(points.n);
  const codes = partition.codes;
  for (let i = 0; i < points.n; ++i) out[i] = mask[i] && codes[i] === g ? 1 : 0;
  return out;
}
