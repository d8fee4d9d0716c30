// The points a transition analysis reads (one rate or mean per coordinate) and the helpers the
// fit (transition-fit.ts) and the tests (transition-test.ts) share: coordinates scaled to [0, 1],
// usable points sorted, the Pearson statistic of fitted rates. Pure.

/**
 * One cell of a coordinate's answers: [question code, seed code (-1: no training seed), k EM
 * answers, n in the denominator]. Codes are any integers consistent across a series' coordinates
 * (a question or seed keeps its code at every coordinate); only the grouping matters. A cell with
 * n = 0 says that the seed has rows at that coordinate, none in the rule's denominator (question
 * code -1 when no question is meant): the cluster level (seriesClusterLevel in
 * transition-cluster.ts) is read from the rows, never from the cut.
 */
export type TransitionCell = readonly [q: number, seed: number, k: number, n: number];

/**
 * One coordinate value: k EM answers out of n in the denominator; `cells`, when the producer has
 * them, the same answers per question (x training seed), summing to k and n (cells with n = 0 may
 * be left out). With cells the tests below 7 coordinates take their dispersion from the spread
 * between questions (or seeds) within coordinates (clusterTrend in transition-cluster.ts), and the
 * monotonicity test its per-point design effects at any size.
 */
export interface TransitionPoint {
  x: number;
  k: number;
  n: number;
  cells?: readonly TransitionCell[];
}

/**
 * "binomial": k EM answers out of n (counts). "fractional": k = n x mean, a mean of n values in
 * [0, 1] (the mean aligned score / 100), fitted by quasi-likelihood with variance phi mu (1 - mu)
 * (Wedderburn 1974; Papke & Wooldridge 1996); k need not be an integer.
 */
export type TransitionFamily = "binomial" | "fractional";

/** Below this many usable coordinates the tests read per-question cells (see TREND_TEST_BELOW in transition-test.ts, which documents it). */
export const TREND_TEST_BELOW = 7;

/**
 * Where a series has rows, whatever a rule or cut leaves in the denominator: per coordinate value
 * with rows, the training seed codes with rows there (-1: rows without a training seed).
 */
export type RowsAt = ReadonlyMap<number, ReadonlySet<number>>;

/** The two decisions a series' tests take from its rows (cellDesign). */
export interface CellDesign {
  /**
   * Whether per-question (x seed) cells are kept: whenever the series has rows, at every size. Below
   * TREND_TEST_BELOW coordinates with answers the constancy test is the clustered one; at any size
   * the monotonicity test takes each point's design effect from them (monotoneDispersion). Until
   * 2026-12-07 they were dropped from 7 positive values on, and the monotonicity test's dispersion
   * from m - 4 residual df ran low (6.3% of flat 20% sweeps over 7 scales called non-monotone). The
   * cost: questions x seeds x coordinates cells per series in steps.json, and in the threshold grid
   * one surface per (judge, value, cluster), bounded there by GRID_CELL_SURFACES (series.ts).
   */
  cells: boolean;
  /** The clusters of the clustered test (clusterLevel over the coordinates `onScale` keeps). */
  level: "seeds" | "questions";
}

/**
 * Cells and clusters of a series, read from where it has rows (`rowsAt`), never from the answers a
 * cut leaves in the denominator: so the series and every cell of its threshold grid decide alike
 * (a coordinate whose answers are all incoherent under one cut still counts). The one place both
 * rules live: pointsWithCells keeps cells by it, clusterTrend (the test of the series and of every
 * grid cell, through seriesClusterLevel) clusters by it, and the threshold grid
 * (transitionSensitivityColumns) builds its cells by it. `onScale`: the coordinates the fit keeps
 * (a log scale drops x <= 0); the level is read over those.
 */
export function cellDesign(rowsAt: RowsAt, onScale: (x: number) => boolean = () => true): CellDesign {
  let m = 0;
  const seedAt = new Map<number, Set<number>>();
  for (const [x, seeds] of rowsAt) {
    if (!onScale(x)) continue;
    m++;
    for (const s of seeds) {
      let at = seedAt.get(s);
      if (!at) seedAt.set(s, (at = new Set()));
      at.add(x);
    }
  }
  return {cells: rowsAt.size > 0, level: clusterLevel(seedAt, m)};
}

/**
 * Which clusters clusterTrend reads, from where the training seeds were seen: `seedAt` maps a seed
 * code to the coordinates (any consistent keys) with rows of that seed, `m` the series'
 * coordinates. "seeds" when at least two seeds (codes >= 0; -1 is no seed, never a seed) each
 * appear at two or more coordinates and those seeds together reach every coordinate; else
 * "questions". A seed seen at one coordinate only (seeds nested in coordinates), or unseeded base
 * rows at step 0 beside seeded checkpoints, would leave a coordinate whose rate only a cluster's
 * own intercept explains: the trend would lose it. Called only by cellDesign.
 */
export function clusterLevel(seedAt: ReadonlyMap<number, ReadonlySet<number>>, m: number): "seeds" | "questions" {
  const reach = new Set<number>();
  let seeds = 0;
  for (const [s, at] of seedAt) {
    if (s < 0 || at.size < 2) continue;
    seeds++;
    for (const x of at) reach.add(x);
  }
  return seeds >= 2 && reach.size >= m ? "seeds" : "questions";
}

export const sig = (t: number): number => 1 / (1 + Math.exp(-t));
export const logit = (p: number): number => Math.log(p / (1 - p));
export const EPS = 1e-12;

export interface Scaled {
  z: Float64Array;
  k: Float64Array;
  n: Float64Array;
  x0: number;
  span: number;
}

export function scale(points: readonly TransitionPoint[]): Scaled {
  const xs = points.map((p) => p.x);
  const x0 = Math.min(...xs);
  const span = Math.max(...xs) - x0 || 1;
  return {
    z: Float64Array.from(xs, (x) => (x - x0) / span),
    k: Float64Array.from(points, (p) => p.k),
    n: Float64Array.from(points, (p) => p.n),
    x0,
    span,
  };
}

export function usablePoints(points: readonly TransitionPoint[]): TransitionPoint[] {
  return points
    .filter((p) => p.n > 0)
    .slice()
    .sort((a, b) => a.x - b.x);
}

/** Pearson chi-square of fitted rates `p` against the points, with variance n p (1 - p). */
export function pearson(s: Scaled, p: (i: number) => number): number {
  let x2 = 0;
  for (let i = 0; i < s.z.length; i++) {
    const q = Math.min(1 - EPS, Math.max(EPS, p(i)));
    x2 += (s.k[i]! - s.n[i]! * q) ** 2 / (s.n[i]! * q * (1 - q));
  }
  return x2;
}

/** One tally of a coordinate's answers (all of them, or one training seed's): pooled and per question. */
export interface CoordinateTally {
  x: number;
  /** Seed code (-1: none); any integers consistent across the series. */
  seed: number;
  k: number;
  n: number;
  /** EM answers and denominator per question code (same length; the codes consistent across the series). */
  qk: ArrayLike<number>;
  qd: ArrayLike<number>;
  /** Rows of this tally, whatever the rule (Tally.n): a seed with rows but no answer in the denominator keeps a cell of n = 0. */
  rows: number;
}

/**
 * A series' points with their per-question (x seed) cells, from tallies per coordinate (and seed):
 * the one way every producer (`em summarize --transition`'s transitionPoints, the page's and the
 * build's seriesTallies) builds them. Tallies of one x are summed; cells with a zero denominator
 * are left out, except that a training seed (code >= 0) with rows at x and no answer in the
 * denominator keeps one cell [-1, seed, 0, 0] (its presence decides the cluster level, as the
 * threshold grid's rows do: cellDesign); kept whenever the series has rows, at every size
 * (cellDesign, read from the coordinates with rows, as the grid decides). Sorted by x. Size:
 * questions x seeds x coordinates, never rows.
 */
export function pointsWithCells(tallies: readonly CoordinateTally[]): TransitionPoint[] {
  const byX = new Map<number, {x: number; k: number; n: number; cells: [number, number, number, number][]}>();
  // Where the rows are, whatever the rule: cellDesign reads it, as the threshold grid's does.
  const rowsAt = new Map<number, Set<number>>();
  for (const t of tallies) {
    let p = byX.get(t.x);
    if (!p) byX.set(t.x, (p = {x: t.x, k: 0, n: 0, cells: []}));
    p.k += t.k;
    p.n += t.n;
    if (t.rows > 0) {
      let at = rowsAt.get(t.x);
      if (!at) rowsAt.set(t.x, (at = new Set()));
      at.add(t.seed);
    }
    const before = p.cells.length;
    for (let q = 0; q < t.qd.length; q++) if (t.qd[q]! > 0) p.cells.push([q, t.seed, t.qk[q]!, t.qd[q]!]);
    if (t.seed >= 0 && t.rows > 0 && p.cells.length === before) p.cells.push([-1, t.seed, 0, 0]);
  }
  const points = [...byX.values()].sort((a, b) => a.x - b.x);
  return cellDesign(rowsAt).cells ? points : points.map(({x, k, n}) => ({x, k, n}));
}
