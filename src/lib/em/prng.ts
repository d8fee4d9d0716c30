// Seeded pseudo-random numbers. Every randomised method in the analysis library takes an `Rng`
// argument instead of calling Math.random, so results are reproducible and the seed can be
// recorded next to them.

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * Deterministic generator (sfc32, Chris Doty-Humphrey's "Small Fast Counting" generator; passes
 * PractRand to large sizes) seeded from one integer through splitmix32 so nearby seeds give
 * unrelated streams. Same seed, same sequence, in Node and in every browser.
 */
export function makeRng(seed: number): Rng {
  let s = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // Discard the first outputs: sfc32's state needs a few rounds to mix.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Uniform integer in 0..n-1. */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Standard normal draw (Box-Muller). */
export function randNormal(rng: Rng): number {
  let u = rng();
  while (u <= 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Binomial(n, p) draw. Exact (sum of Bernoulli draws) up to n = 2000; above that a normal
 * approximation rounded and clamped to 0..n, which is within sampling noise for the
 * simulation and null-distribution uses it serves.
 */
export function randBinomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n <= 2000) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng() < p) k++;
    return k;
  }
  const k = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * randNormal(rng));
  return Math.min(n, Math.max(0, k));
}
