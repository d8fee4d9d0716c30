// Derivative-free minimisation for the small likelihood fits in transition.ts.

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

/**
 * Nelder-Mead simplex minimisation (Nelder & Mead 1965) with the adaptive coefficients of Gao &
 * Han (2012), which behave better than the classic ones above 2 dimensions. `step` sets the
 * initial simplex size per coordinate. Stops when the spread of function values and of the
 * simplex are both below `tol`, or after `maxIter` iterations. Non-finite values count as +Inf,
 * so `f` may return Infinity to express bounds.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  {step = 0.5, tol = 1e-9, maxIter = 2000}: {step?: number | number[]; tol?: number; maxIter?: number} = {},
): MinimizeResult {
  const n = x0.length;
  const fv = (x: number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;
  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i]! += Array.isArray(step) ? step[i]! : step;
    pts.push(p);
  }
  const vals = pts.map(fv);
  let it = 0;
  let converged = false;
  const c = new Array<number>(n);
  // point at c + t (worst - c), a fresh array (it may join the simplex)
  const at = (t: number, worst: readonly number[]): number[] => {
    const x = new Array<number>(n);
    for (let j = 0; j < n; j++) x[j] = c[j]! + t * (worst[j]! - c[j]!);
    return x;
  };
  for (; it < maxIter; it++) {
    // Order the simplex by value: a stable insertion sort (n + 1 points), the order a stable
    // sort with comparator vals[a] - vals[b] gives (Infinity ties keep their places).
    for (let i = 1; i <= n; i++) {
      const v = vals[i]!;
      const p = pts[i]!;
      let j = i - 1;
      while (j >= 0 && vals[j]! - v > 0) {
        vals[j + 1] = vals[j]!;
        pts[j + 1] = pts[j]!;
        j--;
      }
      vals[j + 1] = v;
      pts[j + 1] = p;
    }
    let size = 0;
    for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) size = Math.max(size, Math.abs(pts[i]![j]! - pts[0]![j]!));
    if (Math.abs(vals[n]! - vals[0]!) <= tol * (Math.abs(vals[0]!) + tol) && size <= Math.sqrt(tol)) {
      converged = true;
      break;
    }
    c.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j]! += pts[i]![j]! / n;
    const worst = pts[n]!;
    const xr = at(-alpha, worst);
    const fr = fv(xr);
    if (fr < vals[0]!) {
      const xe = at(-alpha * beta, worst);
      const fe = fv(xe);
      if (fe < fr) {
        pts[n] = xe;
        vals[n] = fe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
    } else if (fr < vals[n - 1]!) {
      pts[n] = xr;
      vals[n] = fr;
    } else {
      const outside = fr < vals[n]!;
      const xc = outside ? at(-alpha * gamma, worst) : at(gamma, worst);
      const fc = fv(xc);
      if (fc <= (outside ? fr : vals[n]!)) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        const best = pts[0]!;
        for (let i = 1; i <= n; i++) {
          const q = new Array<number>(n);
          for (let j = 0; j < n; j++) q[j] = best[j]! + delta * (pts[i]![j]! - best[j]!);
          pts[i] = q;
          vals[i] = fv(q);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < vals.length; i++) if (vals[i]! < vals[best]!) best = i;
  return {x: pts[best]!, value: vals[best]!, iterations: it, converged};
}
