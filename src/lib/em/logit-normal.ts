// A logit-normal random-intercept model for per-question EM counts (a binomial GLMM with one random
// intercept per question): k_i ~ Binomial(d_i, expit(mu + sigma Z_i)), Z_i standard normal. Its
// population mean E[expit(mu + sigma Z)] is the questions estimand (the rate over a population of
// questions); the interval on it is by profile likelihood. Pure; no dependencies beyond this folder.

import {tQuantile} from "./distributions.js";
import type {ClusterCounts, Interval} from "./wilson.js";

/** Largest between-question logit standard deviation the fit considers. */
export const SIGMA_MAX = 6;

/** Gauss-Hermite nodes and weights for the weight e^{-x^2} (Golub-Welsch-free Newton iteration on the orthonormal Hermite recurrence). */
export function gaussHermite(n: number): {x: Float64Array; w: Float64Array} {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const pim4 = Math.PI ** -0.25;
  const m = (n + 1) >> 1;
  let z = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** -0.16667;
    else if (i === 1) z -= (1.14 * n ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * x[1]!;
    else z = 2 * z - x[i - 2]!;
    let pp = 1;
    for (let it = 0; it < 100; it++) {
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-14) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i]!;
  }
  return {x, w};
}

const AGQ = gaussHermite(9);
/** log(expit(x)) and log(1 - expit(x)), stable for large |x|. */
const logExpit = (x: number) => (x > 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const expit = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Midpoint grid on z in [-7, 7] (step 0.1) with standard normal weights (normalized), for E[expit(mu + sigma Z)]. */
const MEAN_Z: number[] = [];
const MEAN_W: number[] = [];
{
  let s = 0;
  for (let z = -7 + 0.05; z < 7; z += 0.1) {
    MEAN_Z.push(z);
    const g = Math.exp((-z * z) / 2);
    MEAN_W.push(g);
    s += g;
  }
  for (let i = 0; i < MEAN_W.length; i++) MEAN_W[i]! /= s;
}

/** E[expit(mu + sigma Z)] for Z standard normal (the marginal mean of the logit-normal model); fraction 0..1. */
export function logitNormalMean(mu: number, sigma: number): number {
  if (sigma === 0) return expit(mu);
  let s = 0;
  for (let i = 0; i < MEAN_Z.length; i++) s += MEAN_W[i]! * expit(mu + sigma * MEAN_Z[i]!);
  return s;
}

/** mu such that logitNormalMean(mu, sigma) = theta (0 < theta < 1); safeguarded Newton. */
export function logitNormalMu(theta: number, sigma: number): number {
  return muAt(theta, sigma, null).mu;
}

/**
 * mu with logitNormalMean(mu, sigma) = theta by safeguarded Newton from `start` (null: the
 * probit-style approximation), with its derivatives along the constraint: dmu/dsigma =
 * -E[p(1-p) Z] / E[p(1-p)] and dmu/dlogit(theta) = theta (1 - theta) / E[p(1-p)].
 */
function muAt(theta: number, sigma: number, start: number | null): {mu: number; dSigma: number; dU: number} {
  const target = Math.log(theta / (1 - theta));
  if (sigma === 0) return {mu: target, dSigma: 0, dU: 1};
  let lo = target - 3 * sigma * sigma - 30;
  let hi = target + 3 * sigma * sigma + 30;
  // Start from the probit-style approximation E[expit(mu + sigma Z)] ~ expit(mu / sqrt(1 + 0.346 sigma^2)).
  let mu = start ?? target * Math.sqrt(1 + 0.346 * sigma * sigma);
  if (!(mu > lo && mu < hi)) mu = target * Math.sqrt(1 + 0.346 * sigma * sigma);
  let df = 0;
  let ez = 0;
  for (let it = 0; it < 60; it++) {
    let f = -theta;
    df = 0;
    ez = 0;
    for (let i = 0; i < MEAN_Z.length; i++) {
      const p = expit(mu + sigma * MEAN_Z[i]!);
      const v = MEAN_W[i]! * p * (1 - p);
      f += MEAN_W[i]! * p;
      df += v;
      ez += v * MEAN_Z[i]!;
    }
    if (f > 0) hi = mu;
    else lo = mu;
    let next = df > 1e-300 ? mu - f / df : (lo + hi) / 2;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - mu) < 1e-8) {
      mu = next;
      break;
    }
    mu = next;
  }
  return df > 1e-300 ? {mu, dSigma: -ez / df, dU: (theta * (1 - theta)) / df} : {mu, dSigma: 0, dU: 1};
}

/** The distinct (k, d) pairs of the questions with a denominator, how often each occurs, and each pair's last posterior mode (a warm start). */
interface Distinct {
  k: number[];
  d: number[];
  n: number[];
  mode: Float64Array;
}

function distinctCounts(counts: ClusterCounts): Distinct {
  const map = new Map<string, number>();
  const k: number[] = [];
  const d: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < counts.d.length; i++) {
    const di = counts.d[i]!;
    if (!(di > 0)) continue;
    const ki = counts.k[i]!;
    const key = `${ki}/${di}`;
    const j = map.get(key);
    if (j === undefined) {
      map.set(key, k.length);
      k.push(ki);
      d.push(di);
      n.push(1);
    } else n[j]!++;
  }
  return {k, d, n, mode: new Float64Array(k.length)};
}

/** Log-likelihood at (mu, sigma) with its two partial derivatives. */
interface LogLik {
  ll: number;
  dMu: number;
  dSigma: number;
}

/**
 * Log marginal likelihood (binomial coefficients dropped) of the logit-normal model at (mu, sigma):
 * sum_i log integral phi(z) expit(x)^k_i (1 - expit(x))^(d_i - k_i) dz, x = mu + sigma z, by adaptive
 * Gauss-Hermite quadrature (9 nodes around each question's mode, found by Newton from the last
 * mode; the integrand is log-concave), with the exact score of that quadrature rule in closed form
 * (below). sigma = 0: the binomial log-likelihood.
 */
function logLik(c: Distinct, mu: number, sigma: number): LogLik {
  let ll = 0;
  let dMu = 0;
  let dSigma = 0;
  for (let i = 0; i < c.k.length; i++) {
    const k = c.k[i]!;
    const d = c.d[i]!;
    const m = d - k;
    const n = c.n[i]!;
    if (sigma === 0) {
      ll += n * (k * logExpit(mu) + m * logExpit(-mu));
      dMu += n * (k - d * expit(mu));
      continue;
    }
    // g(z) = log(phi(z) p^k (1-p)^m) up to a constant, x = mu + sigma z; sets `pz` = expit(x) (one
    // exp and one log1p give both logs and p, with the same formulas as logExpit and expit).
    let pz = 0;
    const g = (z: number) => {
      const x = mu + sigma * z;
      const e = Math.exp(-Math.abs(x));
      const l = Math.log1p(e);
      if (x > 0) {
        pz = 1 / (1 + e);
        return -0.5 * z * z - k * l + m * (-x - l);
      }
      pz = e / (1 + e);
      return -0.5 * z * z + k * (x - l) - m * l;
    };
    // Mode of g by Newton (g is strictly concave), from this pair's last mode.
    let z = c.mode[i]!;
    let gz = g(z);
    let pAt = pz;
    for (let it = 0; it < 50; it++) {
      const p = pAt;
      const grad = -z + sigma * (k - d * p);
      const curv = 1 + sigma * sigma * d * p * (1 - p);
      let step = grad / curv;
      let next = z + step;
      let gn = g(next);
      while (gn < gz && Math.abs(step) > 1e-12) {
        step /= 2;
        next = z + step;
        gn = g(next);
      }
      const done = Math.abs(next - z) < 1e-9;
      z = next;
      gz = gn;
      pAt = pz;
      if (done) break;
    }
    c.mode[i] = z;
    // The score of this quadrature rule itself (not the posterior-mean score, which differs by the
    // rule's error), so the maxima and cut crossings found by it are those of this likelihood: the
    // nodes z* + s t move with (mu, sigma) through the mode z* (dz*/dtheta = g_ztheta / curv) and
    // the scale s = sqrt(2 / curv), curv = 1 + sigma^2 d p (1 - p) at the mode.
    const p = pAt;
    const q = p * (1 - p);
    const curv = 1 + sigma * sigma * d * q;
    const s = Math.SQRT2 / Math.sqrt(curv);
    const zMu = (-sigma * d * q) / curv;
    const zSigma = (k - d * p - sigma * z * d * q) / curv;
    const dq = q * (1 - 2 * p);
    const sMu = ((-s / 2) * (sigma * sigma * d * dq * (1 + sigma * zMu))) / curv;
    const sSigma = ((-s / 2) * (2 * sigma * d * q + sigma * sigma * d * dq * (z + sigma * zSigma))) / curv;
    let acc = 0;
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < AGQ.x.length; j++) {
      const t = AGQ.x[j]!;
      const zj = z + s * t;
      const e = AGQ.w[j]! * Math.exp(t * t + g(zj) - gz);
      const r = k - d * pz;
      const gZ = -zj + sigma * r;
      acc += e;
      s1 += e * (r + gZ * (zMu + t * sMu));
      s2 += e * (zj * r + gZ * (zSigma + t * sSigma));
    }
    ll += n * (gz + Math.log(s * acc) - 0.5 * Math.log(2 * Math.PI));
    dMu += n * (s1 / acc + sMu / s);
    dSigma += n * (s2 / acc + sSigma / s);
  }
  return {ll, dMu, dSigma};
}

/** The profile log-likelihood at one logit(theta): the maximizing sigma and mu, and dPL/dlogit(theta). */
interface ProfilePoint {
  u: number;
  ll: number;
  sigma: number;
  mu: number;
  /** dPL/du (envelope theorem: the partial derivative along the constraint at the maximizing sigma). */
  slope: number;
  /** dmu/du at fixed sigma (to predict the next theta's mu). */
  muU: number;
  /** d2PL/dsigma2 near the maximizing sigma (a secant estimate; NaN when not known): the next theta's first Newton step. */
  curv: number;
}

/** Below this sigma the profile's maximum is taken at sigma = 0. */
const SIGMA_SMALL = 1e-3;
/** The maximizing sigma is located to this (the log-likelihood is then within ~1e-7 of its maximum). */
const SIGMA_TOL = 1e-4;

/**
 * Maximum over sigma in [0, SIGMA_MAX] of the log-likelihood with the marginal mean held at
 * theta = expit(u): a root of dPL/dsigma = dl/dmu dmu/dsigma + dl/dsigma (closed form). Secant steps
 * from `start` (a predicted sigma, e.g. from nearby thetas; else 1); when they leave the range or
 * the profile is not concave there, a bracket outward from the best point, then Illinois regula
 * falsi. When dPL/dsigma <= 0 already at SIGMA_SMALL the maximum is sigma = 0; a small interior
 * maximum is compared with sigma = 0 too. `hint`: a nearby theta's point (warm start for mu).
 */
function profileAt(c: Distinct, u: number, hint: ProfilePoint | null, start: number | null = hint ? hint.sigma : null): ProfilePoint {
  const theta = expit(u);
  let muStart = hint ? hint.mu + hint.muU * (u - hint.u) : null;
  let sLast = Number.NaN;
  let muSlope = 0;
  const at = (sigma: number) => {
    const m = muAt(theta, sigma, muStart === null ? null : muStart + (Number.isNaN(sLast) ? 0 : muSlope * (sigma - sLast)));
    muStart = m.mu;
    sLast = sigma;
    muSlope = m.dSigma;
    const l = logLik(c, m.mu, sigma);
    return {sigma, mu: m.mu, ll: l.ll, dh: l.dMu * m.dSigma + l.dSigma, slope: l.dMu * m.dU, muU: m.dU};
  };
  type At = ReturnType<typeof at>;
  let curv = hint ? hint.curv : Number.NaN;
  const point = (p: At): ProfilePoint => ({u, ll: p.ll, sigma: p.sigma, mu: p.mu, slope: p.slope, muU: p.muU, curv});
  const finish = (best: At): ProfilePoint => {
    if (best.sigma < 0.6) {
      const z = at(0);
      if (z.ll >= best.ll) return point(z);
    }
    return point(best);
  };
  const clamp = (x: number) => Math.min(SIGMA_MAX, Math.max(SIGMA_SMALL, x));
  // Secant steps on dh (fast path: warm starts put the root within a few hundredths).
  let p0 = at(clamp(start ?? 1));
  if (Math.abs(p0.dh) < 1e-9) return finish(p0);
  // First step: Newton with the nearby theta's curvature, else a probe 0.01 away.
  const first = curv < 0 ? p0.sigma - p0.dh / curv : p0.sigma + (p0.dh > 0 ? 0.01 : -0.01);
  if (curv < 0 && Math.abs(first - p0.sigma) < SIGMA_TOL && first > SIGMA_SMALL) return finish(p0);
  let p1 = at(clamp(Math.abs(first - p0.sigma) > 1 ? p0.sigma + Math.sign(first - p0.sigma) : first));
  let best = Math.abs(p1.dh) < Math.abs(p0.dh) ? p1 : p0;
  for (let it = 0; it < 8; it++) {
    const slope = (p1.dh - p0.dh) / (p1.sigma - p0.sigma);
    if (!(slope < 0) || p1.sigma === p0.sigma) break;
    curv = slope;
    const next = p1.sigma - p1.dh / slope;
    if (next < SIGMA_SMALL || next > SIGMA_MAX) break;
    if (Math.abs(next - p1.sigma) < SIGMA_TOL) return finish(p1);
    p0 = p1;
    p1 = at(next);
    if (Math.abs(p1.dh) < Math.abs(best.dh)) best = p1;
  }
  // Bracket outward from the best point, then Illinois regula falsi on dh (lo: dh > 0, hi: dh <= 0).
  let step = 0.05;
  let lo: At;
  let hi: At;
  if (best.dh > 0) {
    lo = best;
    for (;;) {
      if (lo.sigma >= SIGMA_MAX) return point(lo);
      const b = at(Math.min(SIGMA_MAX, lo.sigma + step));
      step *= 2;
      if (b.dh <= 0) {
        hi = b;
        break;
      }
      lo = b;
    }
  } else {
    hi = best;
    for (;;) {
      if (hi.sigma <= SIGMA_SMALL) return point(at(0));
      const b = at(Math.max(SIGMA_SMALL, hi.sigma - step));
      step *= 2;
      if (b.dh > 0) {
        lo = b;
        break;
      }
      hi = b;
    }
  }
  let flo = lo.dh;
  let fhi = hi.dh;
  let side = 0;
  best = Math.abs(lo.dh) < Math.abs(hi.dh) ? lo : hi;
  for (let it = 0; it < 60 && Math.abs(hi.sigma - lo.sigma) > SIGMA_TOL; it++) {
    const s = hi.sigma - (fhi * (hi.sigma - lo.sigma)) / (fhi - flo);
    const p = at(s > Math.min(lo.sigma, hi.sigma) && s < Math.max(lo.sigma, hi.sigma) ? s : (lo.sigma + hi.sigma) / 2);
    if (Math.abs(p.dh) < Math.abs(best.dh)) best = p;
    if (Math.abs(p.dh) < 1e-9) break;
    if (p.dh > 0) {
      lo = p;
      flo = p.dh;
      if (side === 1) fhi /= 2;
      side = 1;
    } else {
      hi = p;
      fhi = p.dh;
      if (side === -1) flo /= 2;
      side = -1;
    }
  }
  return finish(best);
}

export interface LogitNormalFit {
  /** Maximum-likelihood estimate of the population mean E[expit(mu + sigma Z)] (fraction 0..1). */
  estimate: number;
  /** Maximum-likelihood between-question logit standard deviation (0..SIGMA_MAX). */
  sigma: number;
  /** Questions with a non-empty denominator. */
  m: number;
  /** Profile-likelihood interval of the population mean at `confidence` (fractions 0..1); cached per confidence. */
  ci(confidence?: number): Interval;
}

/**
 * Logit-normal random-intercept model (binomial GLMM) fitted to per-question counts, with a
 * profile-likelihood interval for its population mean rate (Agresti 2013 sec. 13.2.3 on the
 * population-averaged proportion; Lin & Chu 2020, Epidemiology 31:713, on GLMMs for proportions).
 * Method: the marginal likelihood by adaptive Gauss-Hermite quadrature (9 nodes per question) with
 * its score in closed form, reparametrized by the population mean theta = E[expit(mu + sigma Z)] and
 * sigma in [0, SIGMA_MAX]; the profile PL(theta) = max over sigma (a root of the profile score,
 * warm-started from the last theta); the maximum of PL and the interval {theta : 2 (PL(theta_hat) -
 * PL(theta)) <= t_{m-1, 1-alpha/2}^2} for m questions (the F(1, m-1) quantile in place of
 * chi-square(1), a small-sample calibration chosen by simulation, docs/validity.md) by safeguarded
 * Newton on logit(theta) with dPL/dlogit(theta) from the envelope theorem. The model extrapolates the
 * tail of rare high-rate questions that a sample of questions often misses, which is where
 * sample-spread intervals under-cover. Units: fractions. Null with fewer than 2 questions with a
 * denominator, or with no (or only) EM answers (the maximum is on the boundary). Deterministic;
 * ~2-5 ms for 24-48 questions (bench/logit-normal-fit.ts).
 */
export function logitNormalFit(counts: ClusterCounts): LogitNormalFit | null {
  const c = distinctCounts(counts);
  let m = 0;
  let sk = 0;
  let sd = 0;
  for (let i = 0; i < c.k.length; i++) {
    m += c.n[i]!;
    sk += c.n[i]! * c.k[i]!;
    sd += c.n[i]! * c.d[i]!;
  }
  if (m < 2 || sk === 0 || sk === sd) return null;
  // Every profile point so far: each new theta starts from the nearest one, with sigma extrapolated
  // linearly in u from the two nearest.
  const seen: ProfilePoint[] = [];
  const pl = (u: number): ProfilePoint => {
    let h: ProfilePoint | null = null;
    let h2: ProfilePoint | null = null;
    for (const p of seen) {
      if (!h || Math.abs(p.u - u) < Math.abs(h.u - u)) (h2 = h), (h = p);
      else if (!h2 || Math.abs(p.u - u) < Math.abs(h2.u - u)) h2 = p;
    }
    let start = h ? h.sigma : null;
    if (h && h2 && h.u !== h2.u && h.sigma > 0 && h2.sigma > 0) start = h.sigma + ((h.sigma - h2.sigma) / (h.u - h2.u)) * (u - h.u);
    if (start !== null) start = Math.min(SIGMA_MAX, Math.max(SIGMA_SMALL, start));
    const p = profileAt(c, u, h, start);
    seen.push(p);
    return p;
  };
  // Maximum of the profile over u = logit(theta): a root of its slope, bracketed outward from the
  // pooled rate, then Illinois regula falsi to 1e-6 in u.
  let a = pl(Math.log(sk / (sd - sk)));
  let b: ProfilePoint | null = null;
  // First step: a little past the Newton step with the curvature of a design-effect binomial
  // likelihood (information sum d r (1 - r) / deff on the logit scale), so the root is usually bracketed at once.
  const r = sk / sd;
  let ss = 0;
  for (let i = 0; i < c.k.length; i++) ss += c.n[i]! * (c.k[i]! - r * c.d[i]!) ** 2;
  const info = (sd * r * (1 - r)) / Math.max(1, ((m / (m - 1)) * ss) / (sd * r * (1 - r)));
  let step = Math.min(2, Math.max(0.02, (1.3 * Math.abs(a.slope)) / info));
  const dir = a.slope > 0 ? 1 : -1;
  for (let it = 0; it < 12; it++) {
    const p = pl(a.u + dir * step);
    if (Math.sign(p.slope) !== dir) {
      b = p;
      break;
    }
    a = p;
    step *= 2;
  }
  let top = a;
  if (b) {
    let fa = a.slope;
    let fb = b.slope;
    let side = 0;
    if (Math.abs(b.slope) < Math.abs(top.slope)) top = b;
    for (let it = 0; it < 60 && Math.abs(b.u - a.u) > 1e-6; it++) {
      const u = b.u - (fb * (b.u - a.u)) / (fb - fa);
      const p = pl(u > Math.min(a.u, b.u) && u < Math.max(a.u, b.u) ? u : (a.u + b.u) / 2);
      if (Math.abs(p.slope) < Math.abs(top.slope)) top = p;
      if (Math.abs(p.slope) < 1e-10) break;
      if (Math.sign(p.slope) === dir) {
        a = p;
        fa = p.slope;
        if (side === 1) fb /= 2;
        side = 1;
      } else {
        b = p;
        fb = p.slope;
        if (side === -1) fa /= 2;
        side = -1;
      }
    }
  }
  // Curvature of the profile at its maximum from the last bracket (for the first guess at each end).
  const curv = b && b.u !== a.u ? Math.min(-1e-6, (b.slope - a.slope) / (b.u - a.u)) : -1;
  // Each end: the u where the profile falls to the cut, by Newton on PL(u) - cut safeguarded by a
  // bracket (inner: above the cut, outer: below), from the quadratic guess; the edge of [0, 1] when
  // the profile does not fall to the cut within 32 logits of the maximum.
  const end = (dir: 1 | -1, cut: number): number => {
    const drop = top.ll - cut;
    let inner = top;
    let outer: ProfilePoint | null = null;
    let u = top.u + dir * Math.min(32, Math.sqrt((2 * drop) / -curv));
    for (let it = 0; it < 100; it++) {
      const p = pl(u);
      const f = p.ll - cut;
      if (Math.abs(f) < 1e-6) return expit(p.u);
      if (f > 0) inner = p;
      else outer = p;
      if (outer && Math.abs(outer.u - inner.u) < 1e-7) return expit((inner.u + outer.u) / 2);
      // Newton step, kept inside the bracket (or, before there is an outer point, at most doubling the distance).
      let next = p.slope !== 0 ? p.u - f / p.slope : Number.NaN;
      if (outer) {
        const a0 = Math.min(inner.u, outer.u);
        const b0 = Math.max(inner.u, outer.u);
        if (!(next > a0 && next < b0)) {
          const fi = inner.ll - cut;
          const fo = outer.ll - cut;
          next = inner.u - (fi * (outer.u - inner.u)) / (fo - fi);
          if (!(next > a0 && next < b0)) next = (a0 + b0) / 2;
        }
      } else {
        const far = top.u + dir * Math.min(32, 2 * Math.abs(p.u - top.u));
        if (!(dir * (next - p.u) > 0) || dir * (next - far) > 0) next = far;
        if (Math.abs(p.u - top.u) >= 32) return dir > 0 ? 1 : 0;
      }
      u = next;
    }
    return expit(outer ? (inner.u + outer.u) / 2 : inner.u);
  };
  const cis = new Map<number, Interval>();
  return {
    estimate: expit(top.u),
    sigma: top.sigma,
    m,
    ci(confidence = 0.95) {
      let out = cis.get(confidence);
      if (!out) {
        const tq = tQuantile(1 - (1 - confidence) / 2, m - 1);
        const cut = top.ll - (tq * tq) / 2;
        out = [end(-1, cut), end(1, cut)];
        cis.set(confidence, out);
      }
      return out;
    },
  };
}
