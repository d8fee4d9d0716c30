// The four-parameter logistic of a transition (floor, ceiling, midpoint, width) fitted by binomial
// (quasi-)likelihood, with profile-likelihood intervals on the midpoint and the width. Pure.

import {normalQuantile, tQuantile} from "./intervals.js";
import {nelderMead} from "./optimize.js";
import {logit, pearson, scale, sig, usablePoints, EPS, type Scaled, type TransitionFamily, type TransitionPoint} from "./transition-points.js";

export interface LogisticFit {
  /** Rate far before the transition (fraction). */
  floor: number;
  /** Rate far after it. A falling series has ceiling < floor. */
  ceiling: number;
  /** Coordinate where the rate is halfway between floor and ceiling (coordinate units). */
  midpoint: number;
  /** Logistic scale in coordinate units: the rate goes from 27% to 73% of the way in 2 widths. */
  width: number;
  /** Profile-likelihood interval of the midpoint; a bound is null when the profile stays below
   * the cutoff up to the edge of the observed coordinates (the data do not bound it). */
  ci: [number | null, number | null];
  ci_method: "profile_likelihood";
  /** Profile-likelihood interval of the width (same cutoff); an upper bound of null means the
   * data are also explained by a transition as wide as 10 spans (a smooth trend). */
  width_ci: [number | null, number | null];
  /** Pearson chi-square / (points - 4), >= 0; null with 4 points. */
  dispersion: number | null;
  /**
   * The deviance cutoff of both intervals (quasi-likelihood profile, McCullagh & Nelder 1989 sec.
   * 9.3). Counts: F(1, min(m - 4, df_mid)) x phi_mid, with phi_mid (>= 1) and its Satterthwaite
   * df_mid from midpointDispersion (the dispersion of the points that inform the midpoint); the
   * chi-square(1) quantile when the points show no over-dispersion (c = 0) and
   * m - 4 >= 4; F(1, m - 4) x max(1, dispersion) when the information matrix is singular.
   * Fractional data: F(1, m - 4) x the dispersion. The chi-square(1) quantile when m = 4.
   */
  cutoff: number;
  family: TransitionFamily;
  /**
   * Why the interval is approximate, or null: "few checkpoints" when m - 4 < 4 (phi rests on
   * fewer than 4 degrees of freedom), "heavy question clustering" when the dispersion exceeds
   * HEAVY_DISPERSION, both joined by "; ", each saying "likely wider than 95%": the direction
   * measured (99-99.5% at 7 checkpoints, ~98% of the heavily clustered fits at 11). Measured
   * coverage per regime: docs/validity.md, transitions.
   */
  approximate: string | null;
  loglik: number;
  converged: boolean;
}

// Parameters on the optimiser's scale: [logit floor, logit ceiling, midpoint (scaled), log width (scaled)].
const MID_LO = -0.5;
const MID_HI = 1.5;
const LW_LO = Math.log(1e-4);
const LW_HI = Math.log(10);

/** Logistic parameters on the optimiser's scale: [logit floor, logit ceiling, midpoint, log width]. */
type Theta = readonly [number, number, number, number];

// The hot loop of every fit (~85,000 calls per fit with both intervals): sig and EPS are written
// out and the arrays read into locals, the same arithmetic as sig() and EPS, so results are
// unchanged (a module binding read through a loader's getter cost ~20% of a fit under tsx).
const P_LO = EPS;
const P_HI = 1 - EPS;

function negLogLik(th: Theta, s: Scaled): number {
  const lf = th[0];
  const lc = th[1];
  const m = th[2];
  const lw = th[3];
  if (m < MID_LO || m > MID_HI || lw < LW_LO || lw > LW_HI || Math.abs(lf) > 30 || Math.abs(lc) > 30) return Infinity;
  const f = 1 / (1 + Math.exp(-lf));
  const c = 1 / (1 + Math.exp(-lc));
  const w = Math.exp(lw);
  const z = s.z;
  const k = s.k;
  const n = s.n;
  let nll = 0;
  for (let i = 0; i < z.length; i++) {
    let p = f + (c - f) * (1 / (1 + Math.exp(-((z[i]! - m) / w))));
    p = Math.min(P_HI, Math.max(P_LO, p));
    nll -= k[i]! * Math.log(p) + (n[i]! - k[i]!) * Math.log(1 - p);
  }
  return nll;
}

/** Fixed optimiser parameter for a profile: 2 = midpoint (scaled), 3 = log width (scaled). */
type Fixed = {index: 2 | 3; value: number};

/** Best of several Nelder-Mead runs; with `fixed` one parameter is held (profile likelihood). */
function fitFrom(starts: readonly Theta[], s: Scaled, fixed?: Fixed): {th: Theta; nll: number; converged: boolean} {
  let best: {th: Theta; nll: number; converged: boolean} = {th: starts[0]!, nll: Infinity, converged: false};
  const full = (t: number[]): Theta => {
    if (!fixed) return t as unknown as Theta;
    return fixed.index === 2 ? [t[0]!, t[1]!, fixed.value, t[2]!] : [t[0]!, t[1]!, t[2]!, fixed.value];
  };
  const free = (st: Theta): number[] => (!fixed ? [...st] : [st[0], st[1], st[fixed.index === 2 ? 3 : 2]]);
  // one scratch parameter vector for every evaluation (no allocation in the optimiser's loop)
  const buf: [number, number, number, number] = [0, 0, 0, 0];
  const at = !fixed ? [0, 1, 2, 3] : fixed.index === 2 ? [0, 1, 3] : [0, 1, 2];
  if (fixed) buf[fixed.index] = fixed.value;
  const f = (t: number[]) => {
    for (let j = 0; j < t.length; j++) buf[at[j]!] = t[j]!;
    return negLogLik(buf, s);
  };
  const step1 = !fixed ? [1, 1, 0.2, 1] : fixed.index === 2 ? [1, 1, 1] : [1, 1, 0.2];
  const step2 = step1.map((v) => v * 0.3);
  for (const st of starts) {
    let r = nelderMead(f, free(st), {step: step1, tol: 1e-10, maxIter: 3000});
    // restart once from the optimum: Nelder-Mead can stall on a degenerate simplex
    r = nelderMead(f, r.x, {step: step2, tol: 1e-10, maxIter: 3000});
    if (r.value < best.nll) best = {th: full(r.x), nll: r.value, converged: r.converged};
  }
  return best;
}

/** Lack-of-fit df (m - 4) below which the interval is called approximate ("few checkpoints"). */
const MIN_DISPERSION_DF = 4;

/** Dispersion above which the midpoint interval is called approximate (see LogisticFit.approximate). */
export const HEAVY_DISPERSION = 4;

/** Inverse of a small symmetric positive matrix (Gauss-Jordan, partial pivoting); null when singular. */
function invert(a: readonly (readonly number[])[]): number[][] | null {
  const n = a.length;
  const M = a.map((r, i) => [...r, ...Array.from({length: n}, (_, j) => (i === j ? 1 : 0))]);
  const scaleM = Math.max(...a.map((r, i) => Math.abs(r[i]!)));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    if (!(Math.abs(M[p]![c]!) > 1e-10 * scaleM)) return null;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const d = M[c]![c]!;
    for (let j = 0; j < 2 * n; j++) M[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]!;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  return M.map((r) => r.slice(n));
}

/** The midpoint's own dispersion (see midpointDispersion). */
export interface MidpointDispersion {
  /** phi_mid: the variance of the midpoint estimate over its binomial variance (>= 1). */
  phi: number;
  /** Satterthwaite degrees of freedom of phi_mid (may exceed m - 4; Infinity when c = 0). */
  df: number;
  /** c of the variance function phi_i = 1 + c p_i (1 - p_i) (>= 0; 0 when X^2 is at most its binomial expectation). */
  c: number;
}

/**
 * The dispersion that the midpoint's profile deviance carries under question clustering, from
 * pooled counts. A question's rate wobbles from checkpoint to checkpoint on the logit scale, so a
 * point's variance over the binomial one grows with p (1 - p): phi_i = 1 + c p_i (1 - p_i) (the
 * delta method for a logit random effect; about 1.5 at a 2% floor and 6 at a 30% ceiling under
 * logit sd 1, 8 questions x 50). c comes from the Pearson residuals by moments with leverage:
 * X^2 = sum (1 - h_i) phi_i. The midpoint is informed mostly by the points on the rise, where
 * phi_i is above the pooled X^2 / (m - 4), so its dispersion is the sandwich ratio
 * phi_mid = [A^-1 B A^-1]_mid / [A^-1]_mid (A the binomial information, B the same with every
 * point scaled by phi_i), and its Satterthwaite df is 2 phi_mid^2 / Var(phi_mid_hat) with
 * Var(X^2) = 2 tr(M Phi M Phi), M = I - H the projection of the standardized residuals and
 * Phi = diag(phi_i) (Satterthwaite 1946). (Its diagonal alone, 2 sum phi_i^2 (1 - h_i)^2,
 * understates Var(X^2): the df then sat at m - 4 and a lucky low dispersion passed for a known
 * one, covering 92.3% of smooth rises at logit sd 1; docs/metrics.md.) `th` on the optimiser's scale.
 * Null when the information matrix is singular (a step narrower than the checkpoint spacing).
 */
export function midpointDispersion(s: Scaled, th: Theta): MidpointDispersion | null {
  const [lf, lc, mz, lw] = th;
  const f = sig(lf);
  const c = sig(lc);
  const w = Math.exp(lw);
  const m = s.z.length;
  const G: number[][] = [];
  const v: number[] = [];
  let x2 = 0;
  for (let i = 0; i < m; i++) {
    const e = sig((s.z[i]! - mz) / w);
    const p = Math.min(1 - 1e-9, Math.max(1e-9, f + (c - f) * e));
    const d = (c - f) * e * (1 - e);
    // gradient of p in (floor, ceiling, midpoint, width)
    G.push([1 - e, e, -d / w, (-d * (s.z[i]! - mz)) / (w * w)]);
    v.push(p * (1 - p));
    x2 += (s.k[i]! - s.n[i]! * p) ** 2 / (s.n[i]! * p * (1 - p));
  }
  const A = [0, 1, 2, 3].map((a) =>
    [0, 1, 2, 3].map((b) => {
      let t = 0;
      for (let i = 0; i < m; i++) t += (s.n[i]! / v[i]!) * G[i]![a]! * G[i]![b]!;
      return t;
    }),
  );
  const Ai = invert(A);
  if (!Ai) return null;
  const h: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < m; i++) {
    let q = 0;
    let r = 0;
    for (let j = 0; j < 4; j++) {
      let u = 0;
      for (let k = 0; k < 4; k++) u += Ai[j]![k]! * G[i]![k]!;
      q += G[i]![j]! * u;
      if (j === 2) r = u;
    }
    h.push(Math.min(1, (s.n[i]! / v[i]!) * q));
    // the midpoint estimate's sensitivity to point i (its share of the midpoint's variance)
    a.push((r * r * s.n[i]!) / v[i]!);
  }
  let base = 0;
  let D = 0;
  for (let i = 0; i < m; i++) {
    base += 1 - h[i]!;
    D += (1 - h[i]!) * v[i]!;
  }
  const cc = D > 0 ? Math.max(0, (x2 - base) / D) : 0;
  let am = 0;
  let av = 0;
  for (let i = 0; i < m; i++) {
    am += a[i]!;
    av += a[i]! * v[i]!;
  }
  if (!(am > 0) || !(D > 0)) return null;
  const phi = 1 + (cc * av) / am;
  if (cc === 0) return {phi: 1, df: Infinity, c: 0};
  // Var(X^2) = 2 tr(M Phi M Phi) for the residual projection M = I - H (H_ij = sqrt(w_i w_j)
  // G_i A^-1 G_j, w = n / v): the off-diagonal terms count, so with equal phi_i the df is m - 4.
  const phiI = v.map((vi) => 1 + cc * vi);
  const Gw = G.map((g, i) => {
    const sw = Math.sqrt(s.n[i]! / v[i]!);
    return g.map((x) => x * sw);
  });
  const GA = Gw.map((g) => [0, 1, 2, 3].map((j) => Ai[j]![0]! * g[0]! + Ai[j]![1]! * g[1]! + Ai[j]![2]! * g[2]! + Ai[j]![3]! * g[3]!));
  let vx = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const hij = GA[i]![0]! * Gw[j]![0]! + GA[i]![1]! * Gw[j]![1]! + GA[i]![2]! * Gw[j]![2]! + GA[i]![3]! * Gw[j]![3]!;
      const mij = (i === j ? 1 : 0) - hij;
      vx += 2 * mij * mij * phiI[i]! * phiI[j]!;
    }
  }
  const varPhi = (av / am / D) ** 2 * vx;
  return {phi, df: (2 * phi * phi) / varPhi, c: cc};
}

/** Quantile of F(1, df) at `confidence`: the square of Student's t quantile at (1 + confidence) / 2. */
export function f1Quantile(confidence: number, df: number): number {
  return tQuantile(1 - (1 - confidence) / 2, df) ** 2;
}

/**
 * Fit p(x) = floor + (ceiling - floor) / (1 + exp(-(x - midpoint) / width)) by binomial maximum
 * likelihood over the points (Nelder-Mead on logit floor, logit ceiling, midpoint, log width;
 * multi-start: midpoints between every pair of neighbouring coordinates x 3 widths). The midpoint
 * is confined to [min x - span/2, max x + span/2] and the width to [1e-4, 10] spans. With
 * `family: "fractional"` the points are means in [0, 1] (k = n x mean) and the same likelihood is
 * a quasi-likelihood.
 *
 * Intervals: profile likelihood (Venzon & Moolgavkar 1988) in its quasi-likelihood form: the
 * midpoints (widths) whose profile deviance 2(l_max - l_profile) is below `cutoff`, F(1, df) x phi.
 * Answers to one question are correlated, which inflates between-point variance beyond the
 * binomial, most where p (1 - p) is largest: for counts phi is the midpoint's own dispersion
 * (midpointDispersion), df the smaller of m - 4 and its Satterthwaite df; chi-square(1) when X^2
 * shows no over-dispersion (m >= 8). The pooled F(1, m - 4) x max(1, phi) covered 89.6% of smooth
 * rises at logit sd 1 and over-covered (97-99%) near-binomial data (docs/metrics.md, section 5). Points with n = 0 are ignored. Returns null
 * with fewer than 4 usable coordinates (4 parameters). `profileWidth: false` skips the width
 * interval (width_ci [null, null]; the midpoint interval is unchanged), for simulations that
 * score only the midpoint. `cutoff` replaces the rule above by a deviance cutoff of the caller's
 * (reported as `cutoff`; `approximate` still describes the data), e.g. to compare cutoff rules on
 * one profile.
 */
export function fitLogistic(
  points: readonly TransitionPoint[],
  {
    confidence = 0.95,
    profile = true,
    profileWidth = true,
    family = "binomial",
    cutoff: cutoffOverride,
  }: {confidence?: number; profile?: boolean; profileWidth?: boolean; family?: TransitionFamily; cutoff?: number} = {},
): LogisticFit | null {
  const pts = usablePoints(points);
  if (new Set(pts.map((p) => p.x)).size < 4) return null;
  const s = scale(pts);
  const m = pts.length;
  const sm = (i: number) => (s.k[i]! + 0.5) / (s.n[i]! + 1);
  const head = Math.max(1, Math.floor(m / 4));
  let fk = 0,
    fn = 0,
    ck = 0,
    cn = 0;
  for (let i = 0; i < head; i++) {
    fk += s.k[i]!;
    fn += s.n[i]!;
    ck += s.k[m - 1 - i]!;
    cn += s.n[m - 1 - i]!;
  }
  const f0 = logit((fk + 0.5) / (fn + 1));
  const c0 = logit((ck + 0.5) / (cn + 1));
  const starts: Theta[] = [];
  const mids = new Set<number>();
  for (let i = 0; i + 1 < m; i++) mids.add((s.z[i]! + s.z[i + 1]!) / 2);
  mids.add(0.5);
  for (const mid of mids) for (const w of [0.01, 0.05, 0.2]) starts.push([f0, c0, mid, Math.log(w)]);
  // a start where the ends are swapped protects against a bad floor/ceiling guess on noisy ends
  starts.push([logit(sm(m - 1)), logit(sm(0)), 0.5, Math.log(0.1)]);
  // a wide start near a straight line, so a ramp finds its best (wide) logistic
  starts.push([f0 - 1, c0 + 1, 0.5, Math.log(1)]);
  // Optimise from the few most promising starts only (ranked by their likelihood): the grid
  // brackets the optimum, and a full Nelder-Mead run from each start costs ~10x more.
  const ranked = starts
    .map((th) => ({th, v: negLogLik(th, s)}))
    .sort((a, b) => a.v - b.v)
    .slice(0, 4)
    .map((r) => r.th);
  const best = fitFrom([...ranked, starts[starts.length - 2]!, starts[starts.length - 1]!], s);
  const [lf, lc, mz, lw] = best.th;
  const dispersion = m > 4 ? pearson(s, (i) => sig(lf) + (sig(lc) - sig(lf)) * sig((s.z[i]! - mz) / Math.exp(lw))) / (m - 4) : null;
  const chi1 = normalQuantile(1 - (1 - confidence) / 2) ** 2;
  let cutoff: number;
  let midDisp: MidpointDispersion | null = null;
  if (dispersion === null) cutoff = chi1;
  else if (family === "fractional") cutoff = f1Quantile(confidence, m - 4) * dispersion;
  else {
    midDisp = midpointDispersion(s, best.th);
    if (midDisp === null) cutoff = f1Quantile(confidence, m - 4) * Math.max(1, dispersion);
    // no over-dispersion seen (X^2 at most its binomial expectation) and enough df to say so
    else if (midDisp.c === 0 && m - 4 >= MIN_DISPERSION_DF) cutoff = chi1;
    // phi_mid alone: with its df from the full Var(X^2) the pooled floor max(1, X^2 / (m - 4))
    // is no longer needed (docs/metrics.md)
    else cutoff = f1Quantile(confidence, Math.max(1, Math.floor(Math.min(m - 4, midDisp.df)))) * midDisp.phi;
  }
  if (cutoffOverride !== undefined) {
    if (!(cutoffOverride > 0)) throw new RangeError(`fitLogistic: cutoff must be a positive deviance, got ${cutoffOverride}`);
    cutoff = cutoffOverride;
  }
  let ci: [number | null, number | null] = [null, null];
  let widthCi: [number | null, number | null] = [null, null];
  if (profile) {
    // Profile deviance; `warm` continues from the last profiled optimum along the walk.
    let warm: Theta = best.th;
    const dev = (fixed: Fixed): number => {
      const alt: Theta = fixed.index === 2 ? [lf, lc, fixed.value, lw] : [lf, lc, mz, fixed.value];
      const wide: Theta = fixed.index === 2 ? [f0, c0, fixed.value, Math.log(0.05)] : [f0, c0, 0.5, fixed.value];
      const r = fitFrom([warm, alt, wide], s, fixed);
      warm = r.th;
      return 2 * (r.nll - best.nll);
    };
    // Walk from the optimum towards `edge` on a grid; bisect the first crossing of the cutoff.
    const bound = (index: 2 | 3, from: number, edge: number, grid: number): number | null => {
      warm = best.th;
      let prev = from;
      for (let g = 1; g <= grid; g++) {
        const cur = from + ((edge - from) * g) / grid;
        if (dev({index, value: cur}) > cutoff) {
          let lo = prev;
          let hi = cur;
          for (let it = 0; it < 10; it++) {
            const mid = (lo + hi) / 2;
            if (dev({index, value: mid}) > cutoff) hi = mid;
            else lo = mid;
          }
          return (lo + hi) / 2;
        }
        prev = cur;
      }
      return null;
    };
    const lo = mz > 0 ? bound(2, mz, 0, 40) : null;
    const hi = mz < 1 ? bound(2, mz, 1, 40) : null;
    ci = [lo === null ? null : s.x0 + lo * s.span, hi === null ? null : s.x0 + hi * s.span];
    const wlo = profileWidth && lw > LW_LO + 1e-9 ? bound(3, lw, LW_LO, 16) : null;
    const whi = profileWidth && lw < LW_HI - 1e-9 ? bound(3, lw, LW_HI, 16) : null;
    widthCi = [wlo === null ? null : Math.exp(wlo) * s.span, whi === null ? null : Math.exp(whi) * s.span];
  }
  return {
    floor: sig(lf),
    ceiling: sig(lc),
    midpoint: s.x0 + mz * s.span,
    width: Math.exp(lw) * s.span,
    ci,
    ci_method: "profile_likelihood",
    width_ci: widthCi,
    dispersion,
    cutoff,
    family,
    approximate:
      [
        m - 4 < MIN_DISPERSION_DF ? `few checkpoints (${m}; the dispersion rests on ${m - 4} df; likely wider than 95%)` : null,
        family === "binomial" && (dispersion ?? 0) > HEAVY_DISPERSION
          ? `heavy question clustering (dispersion ${(dispersion ?? 0).toFixed(1)}; likely wider than 95%)`
          : null,
      ]
        .filter((x) => x !== null)
        .join("; ") || null,
    loglik: -best.nll,
    converged: best.converged,
  };
}

/** Fitted logistic rate at coordinate x. */
export function logisticAt(fit: Pick<LogisticFit, "floor" | "ceiling" | "midpoint" | "width">, x: number): number {
  return fit.floor + (fit.ceiling - fit.floor) * sig((x - fit.midpoint) / fit.width);
}
