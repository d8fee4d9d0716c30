// From Judged rows to transition series: per-group points along the ordered coordinate, the
// transition analysis per group, and its sensitivity to the thresholds and the judge.

import type {Judged, ResponseType} from "../schema.js";
import {aggregateColumns, partitionRows, encodeValues, toColumns, type EmColumns} from "./columnar.js";
import {getColumn} from "./judged.js";
import {wilson} from "./intervals.js";
import {makeRng} from "./prng.js";
import {isCoherent, type EmRule} from "./rules.js";
import {groupSeed} from "./summary.js";
import {buildSurfaces} from "./surface.js";
import {cellDesign, pointsWithCells, TREND_TEST_BELOW, type CellDesign, type TransitionCell} from "./transition-points.js";

/**
 * Most (value, cluster) surfaces per judge the threshold grid builds for a series of
 * TREND_TEST_BELOW or more values (166 kB each: 200 is 33 MB), where the cells serve only the
 * monotonicity test's per-point design effects; 8 questions x 25 checkpoints fit, 60 x 25 do not.
 */
export const GRID_CELL_SURFACES = 200;
import {
  analyzeTransition,
  fitLogistic,
  meanScoreTransition,
  MIN_TRANSITION_POINTS,
  type MeanScoreTransition,
  onset,
  testTransition,
  type TransitionPoint,
  type TransitionResult,
  type TransitionVerdict,
} from "./transition.js";

/** How coordinate values are spaced on an axis and in a fit. */
export type CoordinateScale = "linear" | "log";

/**
 * Scale of an ordered coordinate: `declared` when given ("linear" | "log"), else "log" only when
 * the positive values are geometric (3+ values, each at least 1.9 x the previous: LoRA ranks 1,
 * 4, 16, 64; scales 0.5, 1, 2, 4; steps 1, 2, 5, 10, 20), else "linear". A wide span alone does not
 * make a log scale: steps 0, 10, 100, 200, ..., 1000 are a linear sweep with one early extra
 * checkpoint, and a log fit would drop step 0. Zero and negative values do not enter the decision
 * (a rank-0 base model sits beside a log axis).
 */
export function coordinateScale(values: Iterable<number>, declared?: CoordinateScale | "auto" | null): CoordinateScale {
  if (declared === "linear" || declared === "log") return declared;
  const pos = [...new Set([...values].filter((v) => Number.isFinite(v) && v > 0))].sort((a, b) => a - b);
  if (pos.length >= 3 && pos.every((v, i) => i === 0 || v / pos[i - 1]! >= 1.9)) return "log";
  return "linear";
}

/**
 * Points on the fitting scale: on "log", x -> log10(x) and points with x <= 0 are set aside
 * (returned in `excluded`); on "linear", unchanged.
 */
export function pointsOnScale(points: readonly TransitionPoint[], scale: CoordinateScale): {points: TransitionPoint[]; excluded: TransitionPoint[]} {
  if (scale === "linear") return {points: points.slice(), excluded: []};
  return {points: points.filter((p) => p.x > 0).map((p) => ({...p, x: Math.log10(p.x)})), excluded: points.filter((p) => !(p.x > 0))};
}

/** Numeric coordinate of a row, or null when the column is missing or not a finite number. */
export function coordinateOf(row: Judged, coordinate: string): number | null {
  const v = getColumn(row, coordinate);
  const x = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(x) ? x : null;
}

/**
 * EM counts per coordinate value (sorted ascending) under `rule`, with their per-question (x
 * training seed: the row's `replicate`) cells (pointsWithCells). Rows without a numeric
 * coordinate are not used; their number is returned as `skipped`.
 */
export function transitionPoints(
  rows: readonly Judged[],
  rule: EmRule,
  {coordinate = "step", exclude = []}: {coordinate?: string; exclude?: readonly ResponseType[]} = {},
): {points: TransitionPoint[]; skipped: number} {
  const keep = rows.filter((r) => coordinateOf(r, coordinate) !== null);
  const xs = keep.map((r) => coordinateOf(r, coordinate) as number);
  const enc = encodeValues(xs);
  // Seeds: the row's replicate id (null: -1, as the page codes a null replicate).
  const seedOf = (r: Judged): string | null => (typeof r.replicate === "string" ? r.replicate : null);
  const seeds = encodeValues(keep.map((r) => seedOf(r) ?? ""));
  const nS = seeds.values.length;
  const groups = Int32Array.from(enc.codes, (c, i) => c * nS + seeds.codes[i]!);
  const tallies = aggregateColumns(toColumns(keep, {precision: 64}), rule, {groups, nGroups: enc.values.length * nS, exclude});
  const points = pointsWithCells(
    tallies.map((t, g) => {
      const s = g % nS;
      return {x: enc.values[Math.floor(g / nS)]!, seed: seeds.values[s] === "" ? -1 : s, k: t.n_em, n: t.n_scored, qk: t.qk, qd: t.qd, rows: t.n};
    }),
  );
  return {points, skipped: rows.length - keep.length};
}

/**
 * Mean aligned score / 100 per coordinate value (sorted ascending), as fractional points for
 * meanScoreTransition: k = the sum of aligned / 100, n = the answers. Over the answers whose
 * alignment the rule thresholds: an aligned score, the coherent cut passed (every answer with an
 * aligned score when the rule has no coherence condition), response types in `exclude` left out.
 */
export function meanAlignedPoints(
  rows: readonly Judged[],
  rule: EmRule,
  {coordinate = "step", exclude = []}: {coordinate?: string; exclude?: readonly ResponseType[]} = {},
): TransitionPoint[] {
  const sums = new Map<number, {k: number; n: number}>();
  for (const r of rows) {
    const x = coordinateOf(r, coordinate);
    if (x === null || r.aligned === null || !Number.isFinite(r.aligned)) continue;
    if (r.type !== null && exclude.includes(r.type)) continue;
    if (rule.requireCoherent !== false && (r.coherent === null || !isCoherent(r.coherent, rule))) continue;
    const t = sums.get(x) ?? {k: 0, n: 0};
    t.k += Math.min(1, Math.max(0, r.aligned / 100));
    t.n++;
    sums.set(x, t);
  }
  return [...sums].map(([x, t]) => ({x, k: t.k, n: t.n})).sort((a, b) => a.x - b.x);
}

/** transitionsBy's defaults, which `em summarize --transition` and the transitions page keep. */
export const TRANSITION_DEFAULTS = {seed: 0, confidence: 0.95, replicates: 999, profile: true} as const;

/**
 * transitionsBy seeds group g (first-seen order of the grouping) with groupSeed(seed, this + g):
 * a stream apart from summarize's per-group interval seeds.
 */
export const TRANSITION_SEED_OFFSET = 1000003;

export interface TransitionGroup extends TransitionResult {
  key: Record<string, unknown>;
  coordinate: string;
  /** Scale the fit ran on; on "log" the fit's midpoint, interval and onset are back in coordinate units. */
  scale: CoordinateScale;
  /** Rows of the group without a numeric coordinate. */
  skipped: number;
  /** Coordinates left out of the fit (x <= 0 on a log scale, e.g. the base model at rank 0); still in `points`. */
  excluded: number[];
  /**
   * The same fit on the mean aligned score (meanScoreTransition, on the same scale; midpoint and
   * interval in coordinate units, means on 0..1): a rate transition without one here may be a
   * smooth shift of the scores made sigmoid by the cut.
   */
  mean_aligned: MeanScoreTransition;
}

/**
 * Transition analysis per group of `by` columns (the coordinate column itself is dropped from
 * `by`). Seeded per group like summarize. Groups with a single coordinate value still get
 * points (fit null, onset null).
 */
export function transitionsBy(
  rows: readonly Judged[],
  rule: EmRule,
  {
    by = [],
    coordinate = "step",
    scale = "auto",
    exclude = [],
    seed = TRANSITION_DEFAULTS.seed,
    confidence = TRANSITION_DEFAULTS.confidence,
    replicates = TRANSITION_DEFAULTS.replicates,
    profile = TRANSITION_DEFAULTS.profile,
  }: {
    by?: readonly string[];
    coordinate?: string;
    scale?: CoordinateScale | "auto";
    exclude?: readonly ResponseType[];
    seed?: number;
    confidence?: number;
    replicates?: number;
    profile?: boolean;
  } = {},
): TransitionGroup[] {
  const {keys, parts} = partitionRows(
    rows,
    by.filter((c) => c !== coordinate),
  );
  const all: number[] = [];
  for (const r of rows) {
    const x = coordinateOf(r, coordinate);
    if (x !== null) all.push(x);
  }
  const sc = coordinateScale(all, scale);
  return keys.map((key, g) => {
    const {points, skipped} = transitionPoints(parts[g]!, rule, {coordinate, exclude});
    const res = analyzeOnScale(points, sc, makeRng(groupSeed(seed, TRANSITION_SEED_OFFSET + g)), {confidence, replicates, profile});
    const mean_aligned = meanOnScale(meanAlignedPoints(parts[g]!, rule, {coordinate, exclude}), sc, {confidence, profile});
    return {key, coordinate, skipped, ...res, mean_aligned};
  });
}

/**
 * analyzeTransition on a coordinate scale: on "log" the analysis runs on log10(x) of the positive
 * coordinates and the midpoint, its interval and the onset are mapped back (the width stays in
 * decades); `points` always lists every coordinate in its own units.
 */
export function analyzeOnScale(
  points: readonly TransitionPoint[],
  scale: CoordinateScale,
  rng: ReturnType<typeof makeRng>,
  options: {confidence?: number; replicates?: number; profile?: boolean} = {},
): TransitionResult & {scale: CoordinateScale; excluded: number[]} {
  const {points: fitPoints, excluded} = pointsOnScale(points, scale);
  const res = analyzeTransition(fitPoints, rng, options);
  // Coordinates come back as the observed values (10 ** log10(64) is 63.99999999999999).
  const observed = (lx: number): number => points.find((p) => p.x > 0 && Math.abs(Math.log10(p.x) - lx) < 1e-9)?.x ?? 10 ** lx;
  const back = (x: number | null): number | null => (x === null ? null : scale === "log" ? observed(x) : x);
  const full =
    scale === "log"
      ? points
          .slice()
          .sort((a, b) => a.x - b.x)
          .map((p) => ({x: p.x, k: p.k, n: p.n, rate: p.n > 0 ? p.k / p.n : null, ci: wilson(p.k, p.n, options.confidence ?? 0.95)}))
      : res.points;
  return {
    ...res,
    points: full,
    fit: res.fit && scale === "log" ? {...res.fit, midpoint: 10 ** res.fit.midpoint, ci: [back(res.fit.ci[0]), back(res.fit.ci[1])]} : res.fit,
    test: {...res.test, extreme: back(res.test.extreme)},
    change_point:
      res.change_point && scale === "log"
        ? {...res.change_point, before: observed(res.change_point.before), after: observed(res.change_point.after)}
        : res.change_point,
    onset: {...res.onset, x: back(res.onset.x), baseline: res.onset.baseline.map((b) => back(b) as number)},
    scale,
    excluded: excluded.map((p) => p.x),
  };
}

/** meanScoreTransition on a coordinate scale (log: on log10 of the positive coordinates, mapped back). */
export function meanOnScale(
  points: readonly TransitionPoint[],
  scale: CoordinateScale,
  options: {confidence?: number; profile?: boolean} = {},
): MeanScoreTransition {
  const {points: fitPoints} = pointsOnScale(points, scale);
  const res = meanScoreTransition(fitPoints, options);
  if (scale === "linear") return res;
  const back = (x: number | null): number | null => (x === null ? null : 10 ** x);
  return {
    points: points.map((p) => ({x: p.x, mean: p.n > 0 ? p.k / p.n : null, n: p.n})),
    fit: res.fit ? {...res.fit, midpoint: 10 ** res.fit.midpoint, ci: [back(res.fit.ci[0]), back(res.fit.ci[1])]} : null,
    test: res.test,
  };
}

export interface SensitivityCell {
  judge: string;
  aligned: number;
  coherent: number;
  /** Fitted midpoint, only when the cell's transition is credible (see testTransition). */
  midpoint: number | null;
  ci: [number | null, number | null] | null;
  /** Onset, only when credible. */
  onset: number | null;
  verdict: TransitionVerdict;
  p_constant: number | null;
  /**
   * True when the grid kept no per-question (or per-seed) counts for the series because it has
   * TREND_TEST_BELOW (7) or more values and values x clusters exceed GRID_CELL_SURFACES: the
   * cell's monotonicity test then uses the pooled counts' one dispersion (Student's t on m - 4
   * df), where the series' own test uses each point's design effect from the cells, so its
   * non_monotone verdict can differ from the series' at the same cuts (either way). False otherwise.
   */
  monotone_pooled: boolean;
}

/** Default grid of `transitionSensitivity`: the cuts the CLI and the transitions page both use. */
export const SENSITIVITY_ALIGNED_CUTS: readonly number[] = [20, 30, 40, 50, 60, 70];
export const SENSITIVITY_COHERENT_CUTS: readonly number[] = [10, 20, 30, 40, 50, 60, 70];

export interface SensitivityOptions {
  scale?: CoordinateScale | "auto";
  alignedCuts?: readonly number[];
  coherentCuts?: readonly number[];
  exclude?: readonly ResponseType[];
  profile?: boolean;
}

/**
 * How the fitted midpoint and the onset move over a grid of integer cuts and across judges
 * (each judge's rows separately; rows carry their judge in `judge`). One threshold surface per
 * (judge, coordinate value) makes each grid cell's counts O(1); each cell is then fitted and
 * tested (testTransition): midpoint and onset only where the cell's transition is credible.
 * The rule's inclusiveness, denominator and null handling are kept; only the cuts vary.
 * `profile` false (default) skips the midpoint intervals, which dominate the cost.
 */
export function transitionSensitivity(
  rows: readonly Judged[],
  rule: EmRule,
  {coordinate = "step", ...options}: {coordinate?: string} & SensitivityOptions = {},
): SensitivityCell[] {
  const keep = rows.filter((r) => coordinateOf(r, coordinate) !== null);
  const judges = encodeValues(keep.map((r) => String(r.judge)));
  // Training seeds as transitionPoints codes them (null: -1).
  const seeds = encodeValues(keep.map((r) => (typeof r.replicate === "string" ? r.replicate : "")));
  return transitionSensitivityColumns(
    toColumns(keep, {precision: 64}),
    Float64Array.from(keep, (r) => coordinateOf(r, coordinate) as number),
    judges.codes,
    judges.values,
    rule,
    {...options, seed: Int32Array.from(seeds.codes, (c) => (seeds.values[c] === "" ? -1 : c))},
  );
}

/**
 * The clusters of transitionSensitivityColumns' cells at cellDesign's `level` (the level clusterTrend
 * then reads from every cell): training seeds, or questions (null without question codes). Codes
 * 0..count-1 per row, whether they are seeds, and per code the seed code its cells carry (-1 stays
 * -1: never counted as a seed). Each grid cell then carries a cell for every seed with rows at a
 * coordinate (`rowsAt`; n = 0 when the cut leaves none of its answers in the denominator).
 */
function gridClusters(
  cols: EmColumns,
  seed: ArrayLike<number> | undefined,
  rowMask: Uint8Array,
  level: CellDesign["level"],
): {codes: Int32Array; count: number; seeds: boolean; seedOf: number[]} | null {
  if (seed && level === "seeds") {
    const seedCodes = new Map<number, number>();
    for (let i = 0; i < cols.length; i++) if (rowMask[i] && !seedCodes.has(seed[i]!)) seedCodes.set(seed[i]!, seedCodes.size);
    return {
      codes: Int32Array.from({length: cols.length}, (_, i) => seedCodes.get(seed[i]!) ?? 0),
      count: seedCodes.size,
      seeds: true,
      seedOf: [...seedCodes.keys()],
    };
  }
  if (!cols.question) return null;
  let count = 0;
  for (let i = 0; i < cols.length; i++) if (rowMask[i] && cols.question[i]! + 1 > count) count = cols.question[i]! + 1;
  return {codes: Int32Array.from(cols.question, (q) => Math.max(0, q)), count: Math.max(1, count), seeds: false, seedOf: []};
}

/**
 * `transitionSensitivity` on columns (the browser's path): `x` the coordinate per row (NaN = none,
 * row skipped), `judge` the judge code per row with names in `judges`, `mask` an optional row
 * filter. Same cells, same order (judge, aligned cut, coherent cut) as the row version.
 */
export function transitionSensitivityColumns(
  cols: EmColumns,
  x: ArrayLike<number>,
  judge: ArrayLike<number>,
  judges: readonly string[],
  rule: EmRule,
  {
    scale = "auto",
    alignedCuts = SENSITIVITY_ALIGNED_CUTS,
    coherentCuts = SENSITIVITY_COHERENT_CUTS,
    exclude = [],
    profile = false,
    mask,
    seed,
  }: SensitivityOptions & {
    mask?: Uint8Array;
    /** Training seed code per row (-1: none): with question codes in `cols`, the cells' clusters below TREND_TEST_BELOW values. */
    seed?: ArrayLike<number>;
  } = {},
): SensitivityCell[] {
  const index = new Map<number, number>();
  const xs: number[] = [];
  const rowMask = new Uint8Array(cols.length);
  const xCode = new Int32Array(cols.length);
  // Where the rows are before any cut (per value, the seeds with rows there): cellDesign reads it.
  const rowsAt = new Map<number, Set<number>>();
  let seen: Set<number> | undefined;
  let lastX = NaN;
  let lastSeed = NaN;
  for (let i = 0; i < cols.length; i++) {
    const v = x[i]!;
    if ((mask && mask[i] === 0) || !Number.isFinite(v)) continue;
    let c = index.get(v);
    if (c === undefined) {
      index.set(v, (c = xs.push(v) - 1));
      rowsAt.set(v, new Set());
    }
    xCode[i] = c;
    rowMask[i] = 1;
    // Rows come in runs of one value and seed: a set insert only where the run changes.
    const s = seed ? seed[i]! : -1;
    if (v !== lastX || s !== lastSeed) {
      if (v !== lastX) seen = rowsAt.get(v);
      seen!.add(s);
      lastX = v;
      lastSeed = s;
    }
  }
  const nX = xs.length;
  const sc = coordinateScale(xs, scale);
  // The tests read per-question (or per-seed) cells (cellDesign, as for the series' own points:
  // pointsWithCells; below 7 values the constancy test, at any size the monotonicity test): one
  // surface per (judge, value, cluster); the size grows with judges x values x clusters (166 kB
  // each), never with the rows. From TREND_TEST_BELOW values on, where only the monotonicity test
  // reads them, at most GRID_CELL_SURFACES per judge (33 MB): beyond, the grid's cells carry pooled
  // counts and their non_monotone verdict the pooled fits' dispersion, which can differ from the
  // series' at that cut: each cell says so (monotone_pooled), and the page beside the grid.
  const design = cellDesign(rowsAt, (v) => sc === "linear" || v > 0);
  let clusters = design.cells ? gridClusters(cols, seed, rowMask, design.level) : null;
  const overBudget = clusters !== null && xs.length >= TREND_TEST_BELOW && xs.length * clusters.count > GRID_CELL_SURFACES;
  if (overBudget) clusters = null;
  const nC = clusters?.count ?? 1;
  const groups = new Int32Array(cols.length);
  for (let i = 0; i < cols.length; i++) groups[i] = rowMask[i] ? (judge[i]! * nX + xCode[i]!) * nC + (clusters ? clusters.codes[i]! : 0) : 0;
  const surfaces = buildSurfaces(cols, {groups, nGroups: judges.length * nX * nC, exclude, mask: rowMask});
  const back = (v: number | null): number | null => (v === null ? null : sc === "log" ? 10 ** v : v);
  const out: SensitivityCell[] = [];
  judges.forEach((name, j) => {
    for (const a of alignedCuts) {
      for (const c of coherentCuts) {
        const points = xs.map((xv, xi): TransitionPoint => {
          if (!clusters) {
            const cell = surfaces[j * nX + xi]!.cell(a, c, rule);
            return {x: xv, k: cell.em, n: cell.denominator};
          }
          let k = 0;
          let n = 0;
          const cells: TransitionCell[] = [];
          for (let ci = 0; ci < nC; ci++) {
            const cell = surfaces[(j * nX + xi) * nC + ci]!.cell(a, c, rule);
            k += cell.em;
            n += cell.denominator;
            // A seed with rows here keeps its cell at any cut (n = 0 when none of its answers is in the denominator), as the series' cells do.
            if (clusters.seeds ? rowsAt.get(xv)!.has(clusters.seedOf[ci]!) : cell.denominator > 0)
              cells.push(clusters.seeds ? [0, clusters.seedOf[ci]!, cell.em, cell.denominator] : [ci, -1, cell.em, cell.denominator]);
          }
          return {x: xv, k, n, cells};
        });
        const {points: fp} = pointsOnScale(points, sc);
        const usable = new Set(fp.filter((p) => p.n > 0).map((p) => p.x)).size;
        const fit = usable >= MIN_TRANSITION_POINTS ? fitLogistic(fp, {profile}) : null;
        const test = testTransition(fp, fit);
        out.push({
          judge: name,
          aligned: a,
          coherent: c,
          midpoint: fit && test.credible ? back(fit.midpoint) : null,
          ci: fit && profile && test.credible ? [back(fit.ci[0]), back(fit.ci[1])] : null,
          onset: test.credible ? back(onset(fp, {dispersion: fit?.dispersion ?? null, df: usable - 4}).x) : null,
          verdict: test.verdict,
          p_constant: test.p_constant,
          monotone_pooled: overBudget,
        });
      }
    }
  });
  return out;
}
