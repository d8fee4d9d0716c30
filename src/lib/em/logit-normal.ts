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
  const target = Math.log(theta / (1 - theta));
  if (sigma === 0) return target;
  let lo = target - 3 * sigma * sigma - 30;
  let hi = target + 3 * sigma * sigma + 30;
  // Start from the probit-style approximation E[expit(mu + sigma Z)] ~ expit(mu / sqrt(1 + 0.346 sigma^2)).
  let mu = target * Math.sqrt(1 + 0.346 * sigma * sigma);
  for (let it = 0; it < 60; it++) {
    let f = -theta;
    let df = 0;
    for (let i = 0; i < MEAN_Z.length; i++) {
      const p = expit(mu + sigma * MEAN_Z[i]!);
      f += MEAN_W[i]! * p;
      df += MEAN_W[i]! * p * (1 - p);
    }
    if (f > 0) hi = mu;
    else lo = mu;
    let next = df > 1e-300 ? mu - f / df : (lo + hi) / 2;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - mu) < 1e-8) return next;
    mu = next;
  }
  return mu;
}

/** The distinct (k, d) pairs of the questions with a denominator, with how often each occurs. */
function distinctCounts(counts: ClusterCounts): {k: number[]; d: number[]; n: number[]} {
  const map = new Map<string, number>();
  const out = {k: [] as number[], d: [] as number[], n: [] as number[]};
  for (let i = 0; i < counts.d.length; i++) {
    const d = counts.d[i]!;
    if (!(d > 0)) continue;
    const k = counts.k[i]!;
    const key = `${k}/${d}`;
    const j = map.get(key);
    if (j === undefined) {
      map.set(key, out.k.length);
      out.k.push(k);
      out.d.push(d);
      out.n.push(1);
    } else out.n[j]!++;
  }
  return out;
}

/**
 * Log marginal likelihood (binomial coefficients dropped) of the logit-normal model at (mu, sigma):
 * sum_i log integral phi(z) expit(x)^k_i (1 - expit(x))^(d_i - k_i) dz, x = mu + sigma z, by adaptive
 * Gauss-Hermite quadrature (9 nodes around each question's mode, found by Newton; the integrand
 * is log-concave). sigma = 0: the binomial log-likelihood.
 */
function logLik(c: {k: number[]; d: number[]; n: number[]}, mu: number, sigma: number): number {
  let total = 0;
  for (let i = 0; i < c.k.length; i++) {
    const k = c.k[i]!;
    const m = c.d[i]! - k;
    const g = (z: number) => {
      const x = mu + sigma * z;
      return -0.5 * z * z + k * logExpit(x) + m * logExpit(-x);
    };
    if (sigma === 0) {
      total += c.n[i]! * g(0);
      continue;
    }
    // Mode of g by Newton (g is strictly concave).
    let z = 0;
    let gz = g(z);
    let curv = 1;
    for (let it = 0; it < 50; it++) {
      const p = expit(mu + sigma * z);
      const grad = -z + sigma * (k - (k + m) * p);
      curv = 1 + sigma * sigma * (k + m) * p * (1 - p);
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
      if (done) break;
    }
    const p = expit(mu + sigma * z);
    curv = 1 + sigma * sigma * (k + m) * p * (1 - p);
    const s = Math.SQRT2 / Math.sqrt(curv);
    let acc = 0;
    for (let j = 0; j < AGQ.x.length; j++) {
      const t = AGQ.x[j]!;
      acc += AGQ.w[j]! * Math.exp(t * t + g(z + s * t) - gz);
    }
    total += c.n[i]! * (gz + Math.log(s * acc) - 0.5 * Math.log(2 * Math.PI));
  }
  return total;
}

/** Golden-section maximum of f on [a, b] (`iterations` steps); returns the better inner point. */
function goldenMax(f: (x: number) => number, a: number, b: number, iterations: number): {x: number; f: number} {
  const gr = (Math.sqrt(5) - 1) / 2;
  let x1 = b - gr * (b - a);
  let x2 = a + gr * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let it = 0; it < iterations; it++) {
    if (f1 < f2) {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + gr * (b - a);
      f2 = f(x2);
    } else {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - gr * (b - a);
      f1 = f(x1);
    }
  }
  return f1 >= f2 ? {x: x1, f: f1} : {x: x2, f: f2};
}

/**
 * Maximum over sigma in [0, SIGMA_MAX] of the log-likelihood with the marginal mean held at theta:
 * golden section in a window around `hint` (the maximizing sigma of a nearby theta), widened to the
 * whole range when the maximum lands on the window's edge; sigma = 0 is compared too.
 */
function profile(c: {k: number[]; d: number[]; n: number[]}, theta: number, hint: number | null): {ll: number; sigma: number} {
  const f = (s: number) => logLik(c, logitNormalMu(theta, s), s);
  let best: {x: number; f: number};
  if (hint === null) best = goldenMax(f, 0, SIGMA_MAX, 22);
  else {
    const a = Math.max(0, hint - 0.5);
    const b = Math.min(SIGMA_MAX, hint + 0.5);
    best = goldenMax(f, a, b, 10);
    if ((best.x - a < 0.01 && a > 0) || (b - best.x < 0.01 && b < SIGMA_MAX)) best = goldenMax(f, 0, SIGMA_MAX, 22);
  }
  if (best.x < 0.6) {
    const f0 = f(0);
    if (f0 >= best.f) return {ll: f0, sigma: 0};
  }
  return {ll: best.f, sigma: best.x};
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
 * Method: the marginal likelihood by adaptive Gauss-Hermite quadrature (9 nodes per question),
 * reparametrized by the population mean theta = E[expit(mu + sigma Z)] and sigma in [0, SIGMA_MAX];
 * the profile PL(theta) = max over sigma; the interval {theta : 2 (PL(theta_hat) - PL(theta)) <=
 * t_{m-1, 1-alpha/2}^2} for m questions (the F(1, m-1) quantile in place of chi-square(1), a
 * small-sample calibration chosen by simulation, docs/validity.md). The model extrapolates the tail
 * of rare high-rate questions that a sample of questions often misses, which is where sample-spread
 * intervals under-cover. Units: fractions. Null with fewer than 2 questions with a denominator, or with
 * no (or only) EM answers (the maximum is on the boundary). Deterministic; ~10-50 ms for 48 questions.
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
  const logit = (p: number) => Math.log(p / (1 - p));
  let hint: number | null = null;
  const memo = new Map<number, number>();
  const pl = (u: number) => {
    const hit = memo.get(u);
    if (hit !== undefined) return hit;
    const p = profile(c, expit(u), hint);
    hint = p.sigma;
    memo.set(u, p.ll);
    return p.ll;
  };
  // Maximum of the profile over logit(theta) by golden section around the pooled rate.
  const r = sk / sd;
  const top = goldenMax(pl, logit(r) - 2, logit(r) + 4, 18);
  const uHat = top.x;
  const llHat = top.f;
  // Each end: the logit(theta) where the profile falls to the cut (bracketed, then Illinois regula
  // falsi to 1e-3 on the logit scale), or the edge of [0, 1] when it does not fall within 32 logits.
  const end = (dir: 1 | -1, cut: number): number => {
    let inner = uHat;
    let fi = llHat - cut;
    let step = 1;
    let outer = uHat + dir * step;
    let fo = pl(outer) - cut;
    while (fo > 0) {
      inner = outer;
      fi = fo;
      step *= 2;
      if (step > 32) return dir > 0 ? 1 : 0;
      outer = uHat + dir * step;
      fo = pl(outer) - cut;
    }
    let side = 0;
    for (let it = 0; it < 40 && Math.abs(outer - inner) > 1e-3; it++) {
      const mid = outer - (fo * (outer - inner)) / (fo - fi);
      const fm = pl(mid) - cut;
      if (fm > 0) {
        inner = mid;
        fi = fm;
        if (side === 1) fo /= 2;
        side = 1;
      } else {
        outer = mid;
        fo = fm;
        if (side === -1) fi /= 2;
        side = -1;
      }
      if (Math.abs(fm) < 1e-4) return expit(mid);
    }
    return expit((inner + outer) / 2);
  };
  const sigma = profile(c, expit(uHat), null).sigma;
  const cis = new Map<number, Interval>();
  return {
    estimate: expit(uHat),
    sigma,
    m,
    ci(confidence = 0.95) {
      let out = cis.get(confidence);
      if (!out) {
        const tq = tQuantile(1 - (1 - confidence) / 2, m - 1);
        const cut = llHat - (tq * tq) / 2;
        out = [end(-1, cut), end(1, cut)];
        cis.set(confidence, out);
      }
      return out;
    },
  };
}
