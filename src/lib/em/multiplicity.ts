// Many comparisons (issue 26): Holm and Benjamini-Hochberg adjusted p-values over a family of
// tests (variants x categories x cuts), and the p-value of an interval by test inversion.

/**
 * Holm's step-down adjusted p-values (Holm 1979): sort the m non-null p-values ascending,
 * p~_(i) = max over j <= i of min(1, (m - j + 1) p_(j)). Rejecting where p~ <= alpha controls the
 * family-wise error rate at alpha under any dependence. Nulls (no test) stay null and do not count
 * in m; same order as the input. Empty input: [].
 */
export function holm(p: readonly (number | null)[]): (number | null)[] {
  const idx = p.flatMap((x, i) => (x === null || !Number.isFinite(x) ? [] : [i])).sort((a, b) => p[a]! - p[b]! || a - b);
  const m = idx.length;
  const out: (number | null)[] = p.map(() => null);
  let run = 0;
  idx.forEach((i, j) => {
    run = Math.max(run, Math.min(1, (m - j) * p[i]!));
    out[i] = run;
  });
  return out;
}

/**
 * Benjamini-Hochberg step-up adjusted p-values (Benjamini & Hochberg 1995): over the m non-null
 * p-values sorted ascending, q_(i) = min over j >= i of min(1, m p_(j) / j). Rejecting where
 * q <= alpha controls the false discovery rate at alpha for independent or positively dependent
 * tests (Benjamini & Yekutieli 2001). Nulls stay null and do not count in m. Empty input: [].
 */
export function benjaminiHochberg(p: readonly (number | null)[]): (number | null)[] {
  const idx = p.flatMap((x, i) => (x === null || !Number.isFinite(x) ? [] : [i])).sort((a, b) => p[a]! - p[b]! || a - b);
  const m = idx.length;
  const out: (number | null)[] = p.map(() => null);
  let run = 1;
  for (let j = m - 1; j >= 0; j--) {
    const i = idx[j]!;
    run = Math.min(run, Math.min(1, (m * p[i]!) / (j + 1)));
    out[i] = run;
  }
  return out;
}

/**
 * Two-sided p-value of "the difference is 0" by inverting a family of nested intervals: the
 * smallest alpha whose (1 - alpha) interval excludes 0, by bisection on alpha to 1e-6 (relative
 * below 1e-4). `intervalAt(confidence)` must widen with the confidence. 1 when even a 0% interval
 * holds 0 (the estimate is 0); null when the interval is null.
 */
export function invertInterval(intervalAt: (confidence: number) => readonly [number, number] | null): number | null {
  const excludes = (alpha: number) => {
    const ci = intervalAt(1 - alpha);
    return ci === null ? null : ci[0] > 0 || ci[1] < 0;
  };
  const top = excludes(1 - 1e-9);
  if (top === null) return null;
  if (!top) return 1;
  let lo = 1e-12;
  if (excludes(lo)) return lo;
  let hi = 1 - 1e-9;
  for (let i = 0; i < 100 && hi - lo > Math.max(1e-6 * hi, 1e-12); i++) {
    const m = Math.sqrt(lo * hi) < 1e-4 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    if (excludes(m)) hi = m;
    else lo = m;
  }
  return hi;
}
