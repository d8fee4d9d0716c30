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
 * Whether a series' per-question cells can matter, read from its coordinates with rows (`xs`,
 * whatever the cut leaves in the denominator: pointsWithCells and the threshold grid pass the same
 * ones): at every size. Below TREND_TEST_BELOW coordinates with answers the constancy test is the
 * clustered one; at any size the monotonicity test takes each point's design effect from them
 * (monotoneDispersion). Until 2026-12-07 they were dropped from 7 positive values on, and the
 * monotonicity test's dispersion from m - 4 residual df ran low (6.3% of flat 20% sweeps over 7
 * scales called non-monotone). The cost: questions x seeds x coordinates cells per series in
 * steps.json, and in the threshold grid one surface per (judge, value, cluster).
 */
export function cellsMatter(xs: readonly number[]): boolean {
  return xs.length > 0;
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
 * threshold grid's rows do: seriesClusterLevel); kept at every size (cellsMatter, read from the
 * coordinates with rows, as the grid decides). Sorted by x. Size: questions x seeds x
 * coordinates, never rows.
 */
export function pointsWithCells(tallies: readonly CoordinateTally[]): TransitionPoint[] {
  const byX = new Map<number, {x: number; k: number; n: number; cells: [number, number, number, number][]}>();
  // Coordinates with rows, whatever the rule: whether cells matter is read from them, as the threshold grid does.
  const withRows = new Set<number>();
  for (const t of tallies) {
    let p = byX.get(t.x);
    if (!p) byX.set(t.x, (p = {x: t.x, k: 0, n: 0, cells: []}));
    p.k += t.k;
    p.n += t.n;
    if (t.rows > 0) withRows.add(t.x);
    const before = p.cells.length;
    for (let q = 0; q < t.qd.length; q++) if (t.qd[q]! > 0) p.cells.push([q, t.seed, t.qk[q]!, t.qd[q]!]);
    if (t.seed >= 0 && t.rows > 0 && p.cells.length === before) p.cells.push([-1, t.seed, 0, 0]);
  }
  const points = [...byX.values()].sort((a, b) => a.x - b.x);
  return cellsMatter([...withRows]) ? points : points.map(({x, k, n}) => ({x, k, n}));
}
