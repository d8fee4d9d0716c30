// The points a transition analysis reads (one rate or mean per coordinate) and the helpers the
// fit (transition-fit.ts) and the tests (transition-test.ts) share: coordinates scaled to [0, 1],
// usable points sorted, the Pearson statistic of fitted rates. Pure.

/** One coordinate value: k EM answers out of n in the denominator. */
export interface TransitionPoint {
  x: number;
  k: number;
  n: number;
}

/**
 * "binomial": k EM answers out of n (counts). "fractional": k = n x mean, a mean of n values in
 * [0, 1] (the mean aligned score / 100), fitted by quasi-likelihood with variance phi mu (1 - mu)
 * (Wedderburn 1974; Papke & Wooldridge 1996); k need not be an integer.
 */
export type TransitionFamily = "binomial" | "fractional";

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
