// Whether a rate changes along few coordinates (3 to 6), with the extra-binomial spread measured
// where it can be told apart from change: between the questions (or the training seeds) within
// each coordinate. Pure.
//
// The per-coordinate counts of a series (TransitionPoint.cells) are cells of a two-way layout,
// clusters (questions; training seeds per clusterLevel) by coordinates. Three binomial
// logit models with a free intercept per cluster are fitted by maximum likelihood: no coordinate
// effect (M0), a straight line in the scaled coordinate (M1), a free effect per coordinate (M2).
// The extra-binomial spread is M2's: the cluster-by-coordinate wobble a coordinate's pooled rate
// carries and that neither a line nor a curve can absorb, on its residual df (cells - clusters -
// (m - 1)), by Williams' (1982) method: each cell's variance n mu (1 - mu) (1 + sigma2 n mu
// (1 - mu)), sigma2 chosen so that M2's weighted Pearson X^2 equals its df, the three models then
// fitted with those weights (McCullagh & Nelder 1989 sec. 4.5: quasi-likelihood tests of nested
// models). Two tests: the trend, F = (D0 - D1) / phi on (1, df), and the line's lack of fit (a
// rise and fall, a curve), F = ((D1 - D2) / (m - 2)) / phi on (m - 2, df), D the weighted deviances. "The rate changes" when either
// is below alpha / 2 (Bonferroni over the two; p = min(1, 2 min(p_trend, p_misfit))). A cluster's
// lasting lean (a question that always scores low) is its intercept: it inflates neither test.

import fCdf from "@stdlib/stats-base-dists-f-cdf";
import {cellDesign, scale, sig, usablePoints, type TransitionPoint} from "./transition-points.js";

export {clusterLevel} from "./transition-points.js";

/** The clustered test of a series: see the module comment. */
export interface ClusterTrend {
  /** What the clusters are: questions, or training seeds (clusterLevel). */
  level: "questions" | "seeds";
  /** Clusters with at least one EM answer and one not (the others carry no information on change). */
  clusters: number;
  /** Deviance drop of the line (1 df) and its p-value, F(1, df) after division by phi. */
  lr_trend: number;
  p_trend: number;
  /** Deviance drop of a free effect per coordinate beyond the line (m - 2 df), and its p, F(m - 2, df). */
  lr_misfit: number;
  p_misfit: number;
  /** min(1, 2 min(p_trend, p_misfit)): a p-value of "the rate is constant" (Bonferroni over the two tests). */
  p: number;
  /** max(1, weighted X^2 / df) of M2 with Williams' weights (1 unless the spread is below binomial). */
  phi: number;
  /** Williams' logit-scale spread of a cell about M2 (0: binomial). */
  sigma2: number;
  /**
   * The pooled rates' variance over binomial, M2's cells summed over all coordinates: below 1 when
   * questions differ for good (the pooled binomial variance counts their lasting spread, which the
   * clusters' intercepts remove). The stated power's dispersion.
   */
  design_effect: number;
  /** The largest coordinate's design effect, at least 1 (the monotonicity test's dispersion below 7 values before 2026-12-07). */
  design_effect_max: number;
  /**
   * Each usable point's design effect (sorted by x, as usablePoints): M2's variance of its pooled
   * count over the binomial variance of its pooled rate (1 where that rate is 0 or 1). The
   * monotonicity test's per-point dispersion (nonMonotoneAt).
   */
  design_effects: number[];
  /** Residual degrees of freedom of M2. */
  df: number;
}

interface Cell {
  i: number;
  j: number;
  k: number;
  n: number;
  /** Prior weight (Williams 1982): 1 / (1 + sigma2 n mu (1 - mu)) at M2's fit; 1 for binomial variance. */
  w: number;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (tiny systems); null when singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const p = b.length;
  const M = A.map((row, r) => [...row, b[r]!]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]!;
    if (!(Math.abs(d) > 1e-300)) return null;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      if (f !== 0) for (let k = c; k <= p; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, c) => row[p]! / row[c]!);
}

const ETA_MAX = 30;

function binomialDeviance(k: number, n: number, mu: number): number {
  const e = n * mu;
  return 2 * ((k > 0 ? k * Math.log(k / e) : 0) + (n - k > 0 ? (n - k) * Math.log((n - k) / (n - e)) : 0));
}

/**
 * Binomial logit ML of eta = a_j + x_i . b over the cells (a free intercept per cluster j, `x(i)`
 * the coordinate columns): Fisher scoring with the cluster intercepts eliminated (Schur
 * complement: O(cells x p^2) per step), step halving on the deviance; eta kept in +-30 (a
 * coordinate without any EM answer drives its effect to -infinity: the deviance converges).
 */
function fitClusters(cells: readonly Cell[], J: number, x: (i: number) => readonly number[], p: number): {deviance: number; pearson: number; mu: Float64Array} {
  const K = new Float64Array(J);
  const N = new Float64Array(J);
  for (const c of cells) {
    K[c.j]! += c.k;
    N[c.j]! += c.n;
  }
  let a = Array.from({length: J}, (_, j) => Math.log((K[j]! + 0.5) / (N[j]! - K[j]! + 0.5)));
  let b = new Array<number>(p).fill(0);
  const etaOf = (c: Cell, av: readonly number[], bv: readonly number[]) => {
    const xi = x(c.i);
    let e = av[c.j]!;
    for (let q = 0; q < p; q++) e += xi[q]! * bv[q]!;
    return Math.max(-ETA_MAX, Math.min(ETA_MAX, e));
  };
  const deviance = (av: readonly number[], bv: readonly number[]) => {
    let d = 0;
    for (const c of cells) d += c.w * binomialDeviance(c.k, c.n, sig(etaOf(c, av, bv)));
    return d;
  };
  let dev = deviance(a, b);
  for (let iter = 0; iter < 100; iter++) {
    const D = new Float64Array(J);
    const ga = new Float64Array(J);
    const B = Array.from({length: J}, () => new Array<number>(p).fill(0));
    const C = Array.from({length: p}, () => new Array<number>(p).fill(0));
    const gb = new Array<number>(p).fill(0);
    for (const c of cells) {
      const mu = sig(etaOf(c, a, b));
      const w = c.w * c.n * mu * (1 - mu);
      const r = c.w * (c.k - c.n * mu);
      const xi = x(c.i);
      D[c.j]! += w;
      ga[c.j]! += r;
      for (let q = 0; q < p; q++) {
        B[c.j]![q]! += w * xi[q]!;
        gb[q]! += r * xi[q]!;
        for (let s = 0; s < p; s++) C[q]![s]! += w * xi[q]! * xi[s]!;
      }
    }
    const S = C.map((row) => row.slice());
    const rhs = gb.slice();
    for (let j = 0; j < J; j++) {
      const d = D[j]! + 1e-12;
      for (let q = 0; q < p; q++) {
        rhs[q]! -= (B[j]![q]! * ga[j]!) / d;
        for (let s = 0; s < p; s++) S[q]![s]! -= (B[j]![q]! * B[j]![s]!) / d;
      }
    }
    for (let q = 0; q < p; q++) S[q]![q]! += 1e-9 * (1 + Math.abs(S[q]![q]!));
    const db = p ? (solve(S, rhs) ?? new Array<number>(p).fill(0)) : [];
    const da = Array.from({length: J}, (_, j) => {
      let v = ga[j]!;
      for (let q = 0; q < p; q++) v -= B[j]![q]! * db[q]!;
      return v / (D[j]! + 1e-12);
    });
    let t = 1;
    let next = dev;
    let an = a;
    let bn = b;
    for (; t > 1e-6; t /= 2) {
      an = a.map((v, j) => v + t * da[j]!);
      bn = b.map((v, q) => v + t * db[q]!);
      next = deviance(an, bn);
      if (next <= dev + 1e-12) break;
    }
    if (!(next <= dev + 1e-12)) break;
    const gain = dev - next;
    a = an;
    b = bn;
    dev = next;
    if (gain < 1e-10 * (1 + dev)) break;
  }
  let pearson = 0;
  const mus = new Float64Array(cells.length);
  cells.forEach((c, t) => {
    const mu = (mus[t] = sig(etaOf(c, a, b)));
    const v = c.n * mu * (1 - mu);
    if (v > 0) pearson += (c.w * (c.k - c.n * mu) ** 2) / v;
  });
  return {deviance: dev, pearson, mu: mus};
}

/**
 * The cluster level of a series' points: cellDesign's, over where its cells say the training seeds
 * have rows (every cell of every point, cells of n = 0 included: a seed with rows at a coordinate
 * and no answer in the denominator there, pointsWithCells), every point's coordinate counting as
 * one with rows. clusterTrend calls it on the points it tests: a series' and each threshold-grid
 * cell's, whose cells carry every seed with rows at their coordinates at any cut
 * (transitionSensitivityColumns), so a grid cell never clusters otherwise than the series at the
 * same cut.
 */
export function seriesClusterLevel(points: readonly TransitionPoint[]): "seeds" | "questions" {
  const rowsAt = new Map<number, Set<number>>();
  for (const p of points) {
    let at = rowsAt.get(p.x);
    if (!at) rowsAt.set(p.x, (at = new Set()));
    for (const c of p.cells ?? []) at.add(c[1]);
  }
  return cellDesign(rowsAt).level;
}

/**
 * The clustered test of `points` (see the module comment), or null when it cannot run: a point
 * without cells, fewer than 3 distinct coordinates, fewer than 2 informative clusters (answers at
 * two or more coordinates, some EM and some not), a coordinate left without such a cluster, or no
 * residual df. Clusters per seriesClusterLevel over all `points` (those without answers in the
 * denominator included: the level is the rows', not the cut's). Runs at any m >= 3 (testTransition
 * uses it below TREND_TEST_BELOW).
 */
export function clusterTrend(points: readonly TransitionPoint[]): ClusterTrend | null {
  const pts = usablePoints(points);
  const m = pts.length;
  if (m < 3 || new Set(pts.map((p) => p.x)).size !== m || pts.some((p) => !p.cells)) return null;
  const level = seriesClusterLevel(points);
  // Cells per (coordinate, cluster), then the clusters that carry information (0 < K < N).
  const byKey = new Map<string, Omit<Cell, "w">>();
  const ids = new Map<number, number>();
  pts.forEach((p, i) => {
    for (const [q, s, k, n] of p.cells!) {
      if (!(n > 0)) continue;
      const id = level === "seeds" ? s : q;
      let j = ids.get(id);
      if (j === undefined) ids.set(id, (j = ids.size));
      const key = `${i}:${j}`;
      const c = byKey.get(key);
      if (c) {
        c.k += k;
        c.n += n;
      } else byKey.set(key, {i, j, k, n});
    }
  });
  const K = new Float64Array(ids.size);
  const N = new Float64Array(ids.size);
  for (const c of byKey.values()) {
    K[c.j]! += c.k;
    N[c.j]! += c.n;
  }
  // A cluster seen at one coordinate only carries no information on change (its intercept absorbs
  // its cell), nor does one without both EM and non-EM answers: left out.
  const coords = new Int32Array(ids.size);
  for (const c of byKey.values()) coords[c.j]!++;
  const keep = new Int32Array(ids.size).fill(-1);
  let J = 0;
  for (let j = 0; j < ids.size; j++) if (K[j]! > 0 && K[j]! < N[j]! && coords[j]! >= 2) keep[j] = J++;
  const cells: Cell[] = [...byKey.values()].filter((c) => keep[c.j]! >= 0).map((c) => ({...c, j: keep[c.j]!, w: 1}));
  const df = cells.length - J - (m - 1);
  if (J < 2 || df < 1 || new Set(cells.map((c) => c.i)).size < m) return null;
  const z = scale(pts).z;
  const dummies = Array.from({length: m}, (_, i) => Array.from({length: m - 1}, (_, q) => (q === i - 1 ? 1 : 0)));
  const full = () => fitClusters(cells, J, (i) => dummies[i]!, m - 1);
  // Williams (1982): the logit-scale spread sigma2 of a cell's rate about the model, so that each
  // cell's variance is n mu (1 - mu) (1 + sigma2 n mu (1 - mu)) and M2's weighted Pearson X^2 is its
  // df; 0 (binomial) when the unweighted X^2 is already at most df. A cell with many answers at a
  // middling rate carries more of that spread than a sparse one: one phi for all cells would
  // understate it where the pooled rate's information is (a few high-rate questions).
  let fit2 = full();
  let sigma2 = 0;
  for (let round = 0; round < 3 && fit2.pearson > df * (1 + 1e-9); round++) {
    const v = cells.map((c, t) => c.n * fit2.mu[t]! * (1 - fit2.mu[t]!));
    const r2 = cells.map((c, t) => (c.k - c.n * fit2.mu[t]!) ** 2);
    const x2 = (s2: number) => {
      let x = 0;
      for (let t = 0; t < cells.length; t++) if (v[t]! > 0) x += r2[t]! / (v[t]! * (1 + s2 * v[t]!));
      return x;
    };
    let lo = 0;
    let hi = Math.max(1e-6, sigma2 * 2);
    while (x2(hi) > df && hi < 1e6) hi *= 4;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (x2(mid) > df) lo = mid;
      else hi = mid;
    }
    sigma2 = (lo + hi) / 2;
    cells.forEach((c, t) => (c.w = 1 / (1 + sigma2 * v[t]!)));
    const refit = full();
    const same = Math.abs(refit.pearson - df) < 1e-3 * df;
    fit2 = refit;
    if (same) break;
  }
  const m0 = fitClusters(cells, J, () => [], 0);
  const m1 = fitClusters(cells, J, (i) => [z[i]!], 1);
  const m2 = fit2;
  const phi = Math.max(1, m2.pearson / df);
  const lrTrend = Math.max(0, m0.deviance - m1.deviance);
  const lrMisfit = Math.max(0, m1.deviance - Math.min(m1.deviance, m2.deviance));
  const pTrend = lrTrend > 0 ? 1 - fCdf(lrTrend / phi, 1, df) : 1;
  const pMisfit = lrMisfit > 0 ? 1 - fCdf(lrMisfit / (m - 2) / phi, m - 2, df) : 1;
  // The pooled counts' variance against binomial at each coordinate, from M2's cells: the design
  // effect of a coordinate's pooled rate (the monotonicity test's, and the stated power's).
  const num = new Float64Array(m);
  cells.forEach((c, t) => {
    const v = c.n * m2.mu[t]! * (1 - m2.mu[t]!);
    num[c.i]! += phi * v * (1 + sigma2 * v);
  });
  let deffMax = 1;
  let sumNum = 0;
  let sumDen = 0;
  const deffs = pts.map(() => 1);
  pts.forEach((p, i) => {
    const r = p.k / p.n;
    const den = p.n * r * (1 - r);
    if (!(den > 0)) return;
    deffs[i] = num[i]! / den;
    deffMax = Math.max(deffMax, num[i]! / den);
    sumNum += num[i]!;
    sumDen += den;
  });
  return {
    level,
    clusters: J,
    lr_trend: lrTrend,
    p_trend: pTrend,
    lr_misfit: lrMisfit,
    p_misfit: pMisfit,
    p: Math.min(1, 2 * Math.min(pTrend, pMisfit)),
    phi,
    sigma2,
    design_effect: sumDen > 0 ? sumNum / sumDen : 1,
    design_effect_max: deffMax,
    design_effects: deffs,
    df,
  };
}
