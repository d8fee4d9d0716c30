// Validity of the mechanism analysis (issue 27): seeded training runs from the mechanism simulator
// (loaders/mechanism/simulate.ts), scored the way the product scores them (bumpChangePoint on the
// rotation of the concatenated B vectors at k = 10 and on the gradient norm, behaviourFit and
// lagInterval), against the planted truth:
// - the rotation-peak and gradient-peak location intervals must cover the planted turn step;
// - the lag interval must cover (midpoint of the expected pooled EM curve of the questions drawn)
//   - (planted turn): the lag of these questions, the estimand of the sentence's EM midpoint and of
//   the lag's MOVER interval (src/lib/mechanism/lag.ts); an unbounded ("?") side counts as covering
//   it, and the row's note says how often a bound was unknown;
// - beside it, on the same runs, the issue's "bootstrap over checkpoints and questions"
//   (lagBootstrap; not in the product): its coverage and its mean width against MOVER's, in the lag
//   row's note;
// - on curves without a change (a flat AR(1) scalar; the rotation of a B path that never turns),
//   "credible" must be rare (nominal 5%).
// The rotation is computed from the simulated tensors in memory with the product's rotation()
// (the file round trip is tested in test/unit/e2e/mechanism-recovery.test.ts).

import {rotation} from "../../loaders/mechanism/checkpoints.ts";
import {DEFAULT_SIM, simulateRun, type MechanismSimSpec, type SimulatedRun} from "../../loaders/mechanism/simulate.ts";
import {makeRng, type Rng} from "../../src/lib/em/prng.ts";
import {bumpChangePoint, type ChangePointResult, type ScalarPoint} from "../../src/lib/mechanism/changepoint.ts";
import {fitLogistic} from "../../src/lib/em/transition.ts";
import {behaviourFit, lagInterval, MIN_RISE_POINTS, type QuestionPoint} from "../../src/lib/mechanism/lag.ts";
import {rowFromHits} from "./row.ts";
import type {ValidityOptions, ValidityRow, ValiditySection} from "./types.ts";

const S = "mechanism";

/** A row of this section from `hits` of `reps` (rowFromHits; estimate 0 when reps is 0). */
const row = (quantity: string, regime: string, kind: ValidityRow["kind"], nominal: number | null, hits: number, reps: number, note?: string, flagged = false) =>
  rowFromHits(S, quantity, regime, kind, nominal, hits, reps, flagged, note);

/** Rotation at k of the concatenation of every B tensor of the run, per checkpoint (nulls dropped). */
export function rotationCurve(run: SimulatedRun, k: number): ScalarPoint[] {
  const Bs = run.tensors.filter((t) => t.name.endsWith("lora_B.weight"));
  const T = run.steps.length;
  const G = Array.from({length: T}, () => new Float64Array(T));
  for (let i = 0; i < T; i++)
    for (let j = i; j < T; j++) {
      let s = 0;
      for (const b of Bs) {
        const x = b.values[i]!;
        const y = b.values[j]!;
        for (let c = 0; c < x.length; c++) s += x[c]! * y[c]!;
      }
      G[i]![j] = s;
      G[j]![i] = s;
    }
  const out: ScalarPoint[] = [];
  for (let i = 0; i < T; i++) {
    const r = rotation((a, b) => G[a]![b]!, i, k, T);
    if (r !== null) out.push({x: run.steps[i]!, y: r});
  }
  return out;
}

/**
 * The issue's "bootstrap over checkpoints and questions" for the lag, measured beside MOVER (not in
 * the product): draw b pairs the change point's b-th sieve-bootstrap location (ChangePointResult.draws,
 * the block/sieve method its own interval uses) with the EM midpoint refitted (binomial logistic,
 * no profile) on the questions drawn with replacement within each checkpoint (each checkpoint's
 * pooled count is the sum of Q cells drawn from its Q questions). Percentile interval of
 * midpoint* - location*, bounds the (B + 1) q-th draws (as the change point's); a refit that fails
 * counts as a draw at +-Infinity on both sides (the interval opens: "?"). Null unless the change
 * point is credible with draws.
 */
export function lagBootstrap(change: ChangePointResult, em: readonly QuestionPoint[], rng: Rng, confidence = 0.95): [number | null, number | null] | null {
  if (!change.credible || change.draws.length === 0) return null;
  const byX = new Map<number, QuestionPoint[]>();
  for (const p of em) byX.get(p.x)?.push(p) ?? byX.set(p.x, [p]);
  const cells = [...byX.entries()].sort((a, b) => a[0] - b[0]);
  const lags: number[] = [];
  let failed = 0;
  for (const c of change.draws) {
    const pts = cells.map(([x, qs]) => {
      let k = 0;
      let n = 0;
      for (let i = 0; i < qs.length; i++) {
        const q = qs[Math.floor(rng() * qs.length)]!;
        k += q.k;
        n += q.n;
      }
      return {x, k, n};
    });
    const f = fitLogistic(pts, {profile: false});
    if (!f || !Number.isFinite(f.midpoint)) failed++;
    else lags.push(f.midpoint - c);
  }
  lags.sort((a, b) => a - b);
  const B = change.draws.length;
  const a = (1 - confidence) / 2;
  // the h-th of B sorted draws (interpolated, Hyndman & Fan type 6), with the failed refits at
  // -Infinity (below = true) or +Infinity: null where that order statistic is infinite
  const order = (h: number, below: boolean): number | null => {
    const hh = Math.min(B, Math.max(1, h)) - (below ? failed : 0);
    if (hh < 1 || hh > lags.length) return null;
    const lo = Math.floor(hh);
    const up = Math.min(lags.length, lo + 1);
    return lags[lo - 1]! + (hh - lo) * (lags[up - 1]! - lags[lo - 1]!);
  };
  return [order((B + 1) * a, true), order((B + 1) * (1 - a), false)];
}

const covers = (ci: readonly (number | null)[] | null, v: number) => ci !== null && (ci[0] ?? -Infinity) <= v && v <= (ci[1] ?? Infinity);

export interface Regime {
  name: string;
  spec: Partial<MechanismSimSpec>;
  /** Planted turn uniform on [turn[0], turn[0] + turn[1]) (integers): on and between checkpoints. */
  turn?: [number, number];
  /** The rotation's k (checkpoints); 10 unless the grid is too short for it. */
  k?: number;
  /**
   * Lag rows only: this many runs in all (at least `reps`); the further runs continue the regime's
   * stream after the gradient-norm ones, so every other row keeps its runs.
   */
  lagReps?: number;
}

/** The section's simulation with explicit sizes (the harness passes its smoke or full plan). */
export function mechanismRows(seed: number, reps: number, B: number, regimes: readonly Regime[], gradReps = reps): ValidityRow[] {
  const rows: ValidityRow[] = [];
  regimes.forEach((rg, ri) => {
    // *Flag: runs whose interval the product marks approximate (ChangePointResult.approximate, the
    // sentence's "grid-limited"); *FlagCov: of those, covered
    const t = {
      rot: 0,
      rotCov: 0,
      rotFlag: 0,
      rotFlagCov: 0,
      grad: 0,
      gradCov: 0,
      gradFlag: 0,
      gradFlagCov: 0,
      lag: 0,
      lagCov: 0,
      lagOpen: 0,
      lagOpenCov: 0,
      lagFlag: 0,
      lagFlagCov: 0,
      // the bootstrap alternative on the same runs (lagBootstrap): intervals, covered, open
      boot: 0,
      bootCov: 0,
      bootOpen: 0,
      // widths where both intervals are two-sided
      both: 0,
      moverWidth: 0,
      bootWidth: 0,
      flat: 0,
      still: 0,
    };
    // one credible interval of `key`: counted, covered, marked approximate, marked and covered
    const tally = (key: "rot" | "grad", cp: ChangePointResult, truth: number) => {
      t[key]++;
      const c = covers(cp.ci, truth);
      if (c) t[`${key}Cov` as const]++;
      if (cp.approximate) {
        t[`${key}Flag` as const]++;
        if (c) t[`${key}FlagCov` as const]++;
      }
    };
    const [t0, tn] = rg.turn ?? [150, 100];
    const k = rg.k ?? 10;
    const rng = makeRng(seed * 7919 + ri);
    const gradRun = (run: SimulatedRun, r: Rng) => {
      const grad = bumpChangePoint(
        run.training.map((p) => ({x: p.step, y: p.grad_norm})),
        r,
        {replicates: B},
      );
      if (grad.credible) tally("grad", grad, run.truth.gradPeak);
    };
    // the lag's interval is built from the midpoint's profile interval and the rotation's; the
    // bootstrap alternative is scored on the same run
    const lagRun = (run: SimulatedRun, rot: ChangePointResult, r: Rng) => {
      const behaviour = behaviourFit(run.em);
      const lag = lagInterval(rot, behaviour);
      if (lag.ci) {
        t.lag++;
        const c = covers(lag.ci, run.truth.lag);
        if (c) t.lagCov++;
        if (lag.ci[0] === null || lag.ci[1] === null) {
          t.lagOpen++;
          if (c) t.lagOpenCov++;
        }
        if (lag.approximate) {
          t.lagFlag++;
          if (c) t.lagFlagCov++;
        }
      }
      // scored where MOVER is (both credible), so the two rows count the same runs
      const boot = lag.ci ? lagBootstrap(rot, run.em, r) : null;
      if (boot) {
        t.boot++;
        if (covers(boot, run.truth.lag)) t.bootCov++;
        if (boot[0] === null || boot[1] === null) t.bootOpen++;
        if (lag.ci && boot[0] !== null && boot[1] !== null && lag.ci[0] !== null && lag.ci[1] !== null) {
          t.both++;
          t.moverWidth += lag.ci[1] - lag.ci[0];
          t.bootWidth += boot[1] - boot[0];
        }
      }
    };
    for (let r = 0; r < reps; r++) {
      const s = Math.floor(rng() * 2 ** 31);
      // the planted turn varies between runs, on and between checkpoints
      const turn = t0 + Math.floor(rng() * tn);
      const run = simulateRun({...rg.spec, turn, seed: s});
      const rot = bumpChangePoint(rotationCurve(run, k), makeRng(s + 1), {replicates: B, resolution: true});
      if (rot.credible) tally("rot", rot, run.truth.turn);
      gradRun(run, makeRng(s + 2));
      lagRun(run, rot, makeRng(s + 7));
      const flat = bumpChangePoint(
        run.training.map((p) => ({x: p.step, y: p.flat})),
        makeRng(s + 4),
        {replicates: B},
      );
      if (flat.credible) t.flat++;
      // a B path that never turns (the turn is far before the first checkpoint)
      const still = simulateRun({...rg.spec, turn: -1e6, seed: s + 5});
      if (bumpChangePoint(rotationCurve(still, k), makeRng(s + 6), {replicates: B, resolution: true}).credible) t.still++;
    }
    // further runs for the gradient-norm rows only (gradReps in all; the same stream continues)
    for (let r = reps; r < gradReps; r++) {
      const s = Math.floor(rng() * 2 ** 31);
      const turn = t0 + Math.floor(rng() * tn);
      const run = simulateRun({...rg.spec, turn, seed: s});
      gradRun(run, makeRng(s + 2));
    }
    // further runs for the lag rows only (lagReps in all; the same stream continues)
    for (let r = reps; r < (rg.lagReps ?? reps); r++) {
      const s = Math.floor(rng() * 2 ** 31);
      const turn = t0 + Math.floor(rng() * tn);
      const run = simulateRun({...rg.spec, turn, seed: s});
      lagRun(run, bumpChangePoint(rotationCurve(run, k), makeRng(s + 1), {replicates: B, resolution: true}), makeRng(s + 7));
    }
    const reg = `${rg.name}; turn uniform ${t0}-${t0 + tn - 1}, lag ${rg.spec.lag ?? DEFAULT_SIM.lag}`;
    rows.push(
      row(
        `rotation peak (k = ${k}) 95% CI (bootstrap + half checkpoint spacing)`,
        reg,
        "coverage",
        0.95,
        t.rotCov,
        t.rot,
        `${flagNote(t.rot, t.rotFlag, t.rotCov, t.rotFlagCov)}; ${ROTATION_NOTE}`,
        flagged(t.rot, t.rotFlag),
      ),
    );
    rows.push(row(`rotation peak (k = ${k}) credible (power)`, reg, "power", null, t.rot, reps));
    rows.push(
      row(
        "gradient-norm peak 95% CI (AR sieve bootstrap, (B + 1) q order statistics)",
        reg,
        "coverage",
        0.95,
        t.gradCov,
        t.grad,
        t.gradFlag ? `${flagNote(t.grad, t.gradFlag, t.gradCov, t.gradFlagCov)}; "narrow": the fitted bump is narrower than the checkpoint spacing` : undefined,
        flagged(t.grad, t.gradFlag),
      ),
    );
    rows.push(row("gradient-norm peak credible (power)", reg, "power", null, t.grad, gradReps));
    rows.push(
      row(
        "lag 95% CI (MOVER: EM midpoint profile interval, change-point interval)",
        reg,
        "coverage",
        0.95,
        t.lagCov,
        t.lag,
        [
          t.lagFlag ? lagFlagNote(t.lag, t.lagFlag, t.lagCov, t.lagFlagCov) : "",
          t.lagOpen ? lagOpenNote(t.lag, t.lagCov, t.lagOpen, t.lagOpenCov) : "",
          bootNote(t),
        ]
          .filter(Boolean)
          .join("; ") || undefined,
        flagged(t.lag, t.lagFlag),
      ),
    );
    rows.push(row("credible on a flat scalar (AR(1), phi 0.5)", reg, "error_rate", 0.05, t.flat, reps));
    rows.push(row(`credible on the rotation (k = ${k}) of a B path that never turns`, reg, "error_rate", 0.05, t.still, reps));
  });
  return rows;
}

/** The product marks the interval in at least 90% of the data sets counted: the row is "flagged in product". */
const flagged = (runs: number, marked: number) => runs > 0 && marked >= 0.9 * runs;

function flagNote(runs: number, marked: number, covered: number, markedCovered: number): string {
  const rest = runs - marked;
  const unmarked = rest ? `; coverage where unmarked ${((100 * (covered - markedCovered)) / rest).toFixed(1)}% (${rest})` : "";
  return `marked grid-limited in the sentence in ${marked} of ${runs}${unmarked}`;
}

function lagFlagNote(runs: number, marked: number, covered: number, markedCovered: number): string {
  const rest = runs - marked;
  const unmarked = rest ? `; coverage where unmarked ${((100 * (covered - markedCovered)) / rest).toFixed(1)}% (${rest})` : "";
  return `marked "approximate: N checkpoints on the EM rise; likely wider than 95%" (fewer than ${MIN_RISE_POINTS} on the fitted 10-90% rise) in ${marked} of ${runs}${unmarked}`;
}

function lagOpenNote(runs: number, covered: number, open: number, openCovered: number): string {
  const two = runs - open;
  const rest = two ? `; coverage of the two-sided ones ${((100 * (covered - openCovered)) / two).toFixed(1)}% (${two})` : "";
  return `one bound unknown ("?": the EM midpoint's profile interval is open on that side, counted as covering it) in ${open} of ${runs}${rest}`;
}

/** The bootstrap alternative (lagBootstrap) beside MOVER on the same runs: coverage and mean widths. */
function bootNote(t: {boot: number; bootCov: number; bootOpen: number; both: number; moverWidth: number; bootWidth: number}): string {
  if (!t.boot) return "";
  const w = t.both
    ? `; mean width where both are two-sided (${t.both}): MOVER ${(t.moverWidth / t.both).toFixed(1)}, bootstrap ${(t.bootWidth / t.both).toFixed(1)} steps`
    : "";
  return `measured on the same runs, not in the product: bootstrap over checkpoints and questions (change-point sieve draws x questions drawn within checkpoints) covered ${((100 * t.bootCov) / t.boot).toFixed(1)}% of ${t.boot}${t.bootOpen ? ` (a bound unknown in ${t.bootOpen})` : ""}${w}`;
}

const ROTATION_NOTE =
  "conservative by design: SGD noise moves the path's bend as a whole, which no bootstrap of the rotation curve sees (bootstrap alone: error sd 0.53 steps vs bootstrap sd 0.14, 33% coverage on 30 runs); bounds widened by half the checkpoint spacing. A wild bootstrap of the B path's increments around their 3-checkpoint moving average (tried 2026-12-06 outside the product, 6-12 runs per regime 1-3) covered 100% too, mean width 3.9, 3.7 and 28 steps against ~3.0, 2.3 and 3.1 from the error sd: the smoother folds the bend into the residuals";

export const REGIMES: Regime[] = [
  {name: "60 checkpoints, rank 1, 2 layers, 8 questions x 40", spec: {}},
  {name: "60 checkpoints, rank 8, jitter x2, gradient bump 0.8", spec: {rank: 8, jitter: 0.006, gradBump: 0.8}},
  // 20 checkpoints leave no room for k = 10 (2k + 1 checkpoints); the turn sits where k = 5 is defined
  {name: "20 checkpoints 30 steps apart, rank 1, EM width 40", spec: {count: 20, stride: 30, lag: 150, emWidth: 40}, turn: [240, 100], k: 5},
  // lag rows 500 runs: at 100 its 98.0% was undecided (Wilson interval reaching the 93-97% band)
  {name: "60 checkpoints, jitter x3, gradient noise x3 (0.24)", spec: {jitter: 0.009, gradNoise: 0.24}, lagReps: 500},
];

export const section: ValiditySection = {
  name: S,
  run({smoke, seed}: ValidityOptions): ValidityRow[] {
    // 100 runs per regime (gradient-norm rows 200; ~0.9 s of CPU a run with the EM midpoint's
    // profile interval, ~0.17 s a gradient-norm curve alone). Run 2026-12-06 14:20 niced at load ~30
    // (a first rerun at 14:00 with 50 / 150 took 928 s and left two lag rows and a flat-scalar row
    // undecided by Monte-Carlo error alone). The jitter x3 regime's lag rows: 500 runs (Regime.lagReps).
    // Each lag is also scored with the bootstrap alternative (lagBootstrap; B draws per run).
    return smoke ? mechanismRows(seed, 2, 39, REGIMES.slice(0, 1)) : mechanismRows(seed, 100, 99, REGIMES, 200);
  },
};
