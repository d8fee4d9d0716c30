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
  let vals = pts.map(fv);
  let it = 0;
  let converged = false;
  for (; it < maxIter; it++) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]!);
    const sp = order.map((i) => pts[i]!);
    const sv = order.map((i) => vals[i]!);
    pts.splice(0, pts.length, ...sp);
    vals = sv;
    let size = 0;
    for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) size = Math.max(size, Math.abs(pts[i]![j]! - pts[0]![j]!));
    if (Math.abs(vals[n]! - vals[0]!) <= tol * (Math.abs(vals[0]!) + tol) && size <= Math.sqrt(tol)) {
      converged = true;
      break;
    }
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j]! += pts[i]![j]! / n;
    const worst = pts[n]!;
    const at = (t: number): number[] => c.map((cj, j) => cj + t * (worst[j]! - cj));
    const xr = at(-alpha);
    const fr = fv(xr);
    if (fr < vals[0]!) {
      const xe = at(-alpha * beta);
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
      const xc = outside ? at(-alpha * gamma) : at(gamma);
      const fc = fv(xc);
      if (fc <= (outside ? fr : vals[n]!)) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = pts[i]!.map((v, j) => pts[0]![j]! + delta * (v - pts[0]![j]!));
          vals[i] = fv(pts[i]!);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < vals.length; i++) if (vals[i]! < vals[best]!) best = i;
  return {x: pts[best]!, value: vals[best]!, iterations: it, converged};
}
