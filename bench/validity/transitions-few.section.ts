// Validity of the constancy test (p_constant, testTransition) on the sweeps real dose studies
// have: 4-6 coordinates, log-spaced adapter scales or unevenly spaced checkpoints, one run or
// several seeds pooled per coordinate. Type I error of "p_constant < 0.05" on a constant rate,
// power against rises 2% -> 30% and 5% -> 15%, the same rows for the earlier rule (the
// logistic's quasi-F(3, m - 4) test at every m >= 5) in each row's note (same sweeps, same
// seeds), and the power the product states beside a "no evidence" verdict (constancyPower)
// against the power measured here.
//
// The model is the transitions section's (a question's lasting lean and its coordinate-to-
// coordinate wobble, logit sd 1, 50% lasting, 8 questions, float judge, "EM" = aligned < 30),
// with seeds: each seed (a fine-tune) has a lasting logit lean and a seed x coordinate wobble
// (logit sd 0.5 in all, half lasting), the seeds' answers pooled per coordinate as the product
// pools them. The planted rate is the population rate E[sig(eta)] at each coordinate; a rise is
// logistic in the coordinate on the analysis scale (log10 for log-spaced values, as
// coordinateScale("auto") picks), midpoint at mid-span, width 15% of the span (REFERENCE_RISES).
import {
  clusterTrend,
  constancyPower,
  fitLogistic,
  MIN_TRANSITION_POINTS,
  monotoneDispersion,
  nonMonotoneAt,
  REFERENCE_RISES,
  RISE_MIDPOINT,
  RISE_WIDTH,
  testTransition,
  type TransitionPoint,
} from "../../src/lib/em/transition.ts";
import {coordinateScale, pointsOnScale} from "../../src/lib/em/series.ts";
import {randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {regimeSection, rowFromHits} from "./row.ts";
import {solveMu} from "./transitions.section.ts";
import type {ValidityRow} from "./types.ts";

const NAME = "transitions-few";
const sig = (t: number): number => 1 / (1 + Math.exp(-t));
const logit = (p: number): number => Math.log(p / (1 - p));

export interface FewDesign {
  label: string;
  xs: readonly number[];
  seeds: number;
  questions: number;
  /** Answers per question, per seed, per coordinate. */
  answers: number;
  /** Question spread: logit sd (default Q_SD) and its lasting share (default Q_RHO). */
  qSd?: number;
  qRho?: number;
}

export interface FewShape {
  name: string;
  /** Rate at analysis-scale position t in [0, 1]. */
  p: (t: number) => number;
  /** The reference rise [from, to] this shape is, for the stated power; null for a flat series. */
  rise: readonly [number, number] | null;
}

const rise = (from: number, to: number): FewShape => ({
  name: `rise ${100 * from}%->${100 * to}% (logistic, midpoint mid-span, width 15% of span)`,
  p: (t) => from + (to - from) * sig((t - RISE_MIDPOINT) / RISE_WIDTH),
  rise: [from, to],
});

export const FEW_SHAPES: readonly FewShape[] = [
  {name: "flat 5%", p: () => 0.05, rise: null},
  {name: "flat 20%", p: () => 0.2, rise: null},
  ...REFERENCE_RISES.map(([a, b]) => rise(a, b)),
  {name: "rise-then-collapse 3%->25%->3%", p: (t) => 0.03 + 0.22 * Math.exp(-(((t - 0.5) / 0.2) ** 2)), rise: null},
  {
    name: "rise then late drop 3%->25% (by 30% of the span) ->3% at the last value",
    p: (t) => 0.03 + 0.22 * sig((t - 0.3) / 0.08) * (1 - sig((t - 0.9) / 0.04)),
    rise: null,
  },
];

/** A flat 50% series, measured at 7+ values only (the monotonicity test's type I error at a middling rate). */
const FLAT_50: FewShape = {name: "flat 50%", p: () => 0.5, rise: null};

const Q_SD = 1;
const Q_RHO = 0.5;
const SEED_SD = 0.5;
const SEED_RHO = 0.5;

/** Analysis-scale positions in [0, 1] of the coordinates the product fits (log drops x <= 0). */
function positions(xs: readonly number[]): {x: number; t: number}[] {
  const sc = coordinateScale(xs, "auto");
  const {points} = pointsOnScale(
    xs.map((x) => ({x, k: 0, n: 1})),
    sc,
  );
  const lx = points.map((p) => p.x);
  const lo = Math.min(...lx);
  const span = Math.max(...lx) - lo || 1;
  const back = sc === "log" ? (v: number) => 10 ** v : (v: number) => v;
  return lx.map((v) => ({x: xs.find((x) => Math.abs(back(v) - x) <= 1e-9 * Math.max(1, Math.abs(x))) ?? back(v), t: (v - lo) / span}));
}

/** One seeded sweep: EM counts per coordinate, seeds' and questions' answers pooled. */
export function simulateFew(rng: Rng, shape: FewShape, d: FewDesign): TransitionPoint[] {
  const qSd = d.qSd ?? Q_SD;
  const qRho = d.qRho ?? Q_RHO;
  const total = Math.sqrt(qSd ** 2 + (d.seeds > 1 ? SEED_SD ** 2 : 0));
  const qLean = Array.from({length: d.questions}, () => Math.sqrt(qRho) * qSd * randNormal(rng));
  const sLean = Array.from({length: d.seeds}, () => (d.seeds > 1 ? Math.sqrt(SEED_RHO) * SEED_SD * randNormal(rng) : 0));
  const cut = logit(0.3);
  return positions(d.xs).map(({x, t}) => {
    const mu = solveMu(shape.p(t), total);
    let k = 0;
    // The same answers per question (x seed), as the product's producers give them (TransitionPoint.cells).
    const cells: [number, number, number, number][] = [];
    for (let s = 0; s < d.seeds; s++) {
      const sw = d.seeds > 1 ? Math.sqrt(1 - SEED_RHO) * SEED_SD * randNormal(rng) : 0;
      for (let q = 0; q < d.questions; q++) {
        const eta = mu + qLean[q]! + sLean[s]! + sw + Math.sqrt(1 - qRho) * qSd * randNormal(rng);
        let kq = 0;
        for (let j = 0; j < d.answers; j++) {
          let u = rng();
          while (u <= 0) u = rng();
          if (100 * sig(cut - eta + Math.log(u / (1 - u))) < 30) kq++;
        }
        k += kq;
        cells.push([q, d.seeds > 1 ? s : -1, kq, d.answers]);
      }
    }
    return {x, k, n: d.seeds * d.questions * d.answers, cells};
  });
}

/** One seeded sweep (simulateFew) on the coordinates the product fits: coordinateScale("auto"), log10 on a log scale. */
export function fewSweepOnScale(rng: Rng, shape: FewShape, d: FewDesign): TransitionPoint[] {
  const raw = simulateFew(rng, shape, d);
  return pointsOnScale(
    raw,
    coordinateScale(
      raw.map((p) => p.x),
      "auto",
    ),
  ).points;
}

/**
 * The product's test on a sweep (as analyzeOnScale calls it, with the per-question cells), the
 * earlier rule's (the same points without cells: below 7 values the trend test on pooled counts,
 * its dispersion the line's scatter), and the power the product states for REFERENCE_RISES in
 * this sweep's design (constancyPower with the sweep's own test and dispersion, whatever its verdict).
 */
function tests(points: TransitionPoint[]) {
  const sc = coordinateScale(
    points.map((p) => p.x),
    "auto",
  );
  const {points: fp} = pointsOnScale(points, sc);
  const m = new Set(fp.filter((p) => p.n > 0).map((p) => p.x)).size;
  const fit = m >= MIN_TRANSITION_POINTS ? fitLogistic(fp, {profile: false}) : null;
  const pooled = fp.map(({x, k, n}) => ({x, k, n}));
  const now = testTransition(fp, fit, {detectable: true});
  const test = now.constant_test;
  const phi = now.dispersion ? now.dispersion.phi : (fit?.dispersion ?? 1);
  const df = now.dispersion && test === "clustered" ? now.dispersion.df : null;
  const stated = test === null || test === "homogeneity" ? null : REFERENCE_RISES.map(([a, b]) => constancyPower(fp, test, phi, a, b, 0.05, df));
  // The monotonicity test until 2026-12-07: one dispersion for all points, below 7 values the
  // largest coordinate's clustered design effect, from 7 the pooled fits' (cells were dropped).
  const ct = m < 7 ? clusterTrend(fp) : null;
  const monoUntil = nonMonotoneAt(fp, 0.05, ct ? Math.max(1, ct.design_effect_max) : monotoneDispersion(fp, fit, null)[0]!) !== null;
  return {now, before: testTransition(pooled, fit, {}), stated, monoUntil};
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export interface FewRegime {
  design: FewDesign;
  shape: FewShape;
}

export function fewRows({design: d, shape}: FewRegime, reps: number, rng: Rng): ValidityRow[] {
  let now = 0;
  let before = 0;
  let nonMono = 0;
  let beforeMono = 0;
  let untilMono = 0;
  let curved = 0;
  let unresolved = 0;
  let clustered = 0;
  const said: number[][] = REFERENCE_RISES.map(() => []);
  const stated: number[][] = REFERENCE_RISES.map(() => []);
  for (let r = 0; r < reps; r++) {
    const t = tests(simulateFew(rng, shape, d));
    if (t.now.p_constant !== null && t.now.p_constant < 0.05) now++;
    if (t.before.p_constant !== null && t.before.p_constant < 0.05) before++;
    if (t.now.verdict === "non_monotone") nonMono++;
    if (t.before.verdict === "non_monotone") beforeMono++;
    if (t.monoUntil) untilMono++;
    if (t.now.curved) curved++;
    if (t.before.misfit_unresolved && !(t.before.p_constant !== null && t.before.p_constant < 0.05)) unresolved++;
    if (t.now.constant_test === "clustered") clustered++;
    t.now.detectable?.forEach((x, i) => said[i]!.push(x.power));
    t.stated?.forEach((v, i) => v !== null && stated[i]!.push(v));
  }
  const qSd = d.qSd ?? Q_SD;
  const qRho = d.qRho ?? Q_RHO;
  const regime = `${shape.name}; ${d.label}, ${d.seeds > 1 ? `${d.seeds} seeds (logit sd ${SEED_SD}, ${100 * SEED_RHO}% lasting) x ` : "one run, "}${d.questions} questions x ${d.answers}, logit sd ${qSd} (${100 * qRho}% lasting), float judge`;
  const low = d.xs.length < 7;
  const prev = low
    ? `earlier rule (pooled counts, no per-question cells: trend test, quasi-F(1, m - 2), dispersion from the line's scatter): ${pct(before / reps)}`
    : "test: the logistic's LR (7+ values, unchanged)";
  const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : NaN);
  const ran = low ? `; the clustered test ran on ${clustered} of ${reps} sweeps` : "";
  // The same sweeps under the monotonicity rule until 2026-12-07 (one dispersion for all points).
  const until = `rule until 2026-12-07 (one dispersion: ${low ? "the largest coordinate's design effect" : "the pooled fits' X^2 / (m - 4)"}): ${pct(untilMono / reps)}`;
  // From 7 values, the same sweeps' pooled counts (a table without question ids): the product's
  // verdict there (one pooled dispersion on m - 4 df, Student's t since 2026-12-07 session 19) beside
  // the same dispersion referred to the normal (the rule before; untilMono at 7+ is exactly that).
  const pooledRegime = `${regime}; pooled counts (no per-question cells: a table without question ids)`;
  const pooledNote = `the same dispersion referred to the normal quantile (the rule until 2026-12-07, session 19): ${pct(untilMono / reps)}`;
  if (shape.rise === null && !shape.name.startsWith("flat")) {
    const label = shape.name.startsWith("rise-then-collapse") ? "rise-then-collapse" : "a late drop";
    return [
      rowFromHits(
        NAME,
        `non_monotone on ${label} (power)`,
        regime,
        "power",
        null,
        nonMono,
        reps,
        false,
        `p_constant < 0.05 on it: ${pct(now / reps)}; ${until}${low ? `; earlier rule's non_monotone: ${pct(beforeMono / reps)}` : ""}`,
      ),
      ...(low ? [] : [rowFromHits(NAME, `non_monotone on ${label} (power)`, pooledRegime, "power", null, beforeMono, reps, false, pooledNote)]),
      rowFromHits(
        NAME,
        `p_constant < 0.05 on ${label} (power)`,
        regime,
        "power",
        null,
        now,
        reps,
        false,
        `${prev}; the line's lack of fit found (curved): ${pct(curved / reps)}${low ? `; the earlier rule's 'whether the rate changes is unknown' beside no evidence: ${pct(unresolved / reps)}` : ""}${ran}`,
      ),
    ];
  }
  if (shape.rise === null) {
    const beside = REFERENCE_RISES.map(([a, b], i) => `${100 * a}%->${100 * b}% ${pct(mean(said[i]!))}`).join(", ");
    return [
      rowFromHits(
        NAME,
        "p_constant < 0.05 on a flat series",
        regime,
        "error_rate",
        0.05,
        now,
        reps,
        false,
        `${prev}; power stated beside 'no evidence' (mean over ${said[0]!.length} sweeps): ${beside}; curved: ${pct(curved / reps)}${ran}`,
      ),
      rowFromHits(
        NAME,
        "non_monotone on a flat series",
        regime,
        "error_rate",
        0.05,
        nonMono,
        reps,
        false,
        `${until}${low ? `; earlier rule (pooled counts): ${pct(beforeMono / reps)}` : ""}`,
      ),
      ...(low ? [] : [rowFromHits(NAME, "non_monotone on a flat series", pooledRegime, "error_rate", 0.05, beforeMono, reps, false, pooledNote)]),
    ];
  }
  // The power the product states in these sweeps' designs for this very rise, beside the power measured here.
  const i = REFERENCE_RISES.findIndex(([a, b]) => a === shape.rise![0] && b === shape.rise![1]);
  const st = i >= 0 ? stated[i]! : [];
  const sorted = st.slice().sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
  const statedNote = st.length
    ? `; power the product states in these designs (constancyPower): mean ${pct(mean(st))}, 10-90% of sweeps ${pct(q(0.1))}-${pct(q(0.9))}`
    : "";
  return [rowFromHits(NAME, "p_constant < 0.05 on a rise (power)", regime, "power", null, now, reps, false, `${prev}${statedNote}${ran}`)];
}

const DESIGNS: FewDesign[] = [
  {label: "5 adapter scales 0.25-4 (log-spaced)", xs: [0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50},
  {label: "5 adapter scales 0.25-4 (log-spaced)", xs: [0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "4 adapter scales 0.5-4 (log-spaced)", xs: [0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "6 adapter scales 0.125-4 (log-spaced)", xs: [0.125, 0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "5 uneven steps 0, 100, 300, 400, 1000", xs: [0, 100, 300, 400, 1000], seeds: 1, questions: 8, answers: 50},
  {label: "6 uneven steps 0, 50, 100, 300, 600, 1000", xs: [0, 50, 100, 300, 600, 1000], seeds: 3, questions: 8, answers: 17},
  // Strong question heterogeneity (logit sd 2), mostly lasting or mostly coordinate-to-coordinate.
  {label: "5 adapter scales 0.25-4 (log-spaced)", xs: [0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50, qSd: 2, qRho: 0.8},
  {label: "5 adapter scales 0.25-4 (log-spaced)", xs: [0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50, qSd: 2, qRho: 0.2},
  {label: "4 adapter scales 0.5-4 (log-spaced)", xs: [0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17, qSd: 2, qRho: 0.5},
  // 7+ values: the logistic's test, and the power stated beside its 'no evidence'.
  {label: "7 adapter scales 0.0625-4 (log-spaced)", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50},
  {label: "9 uneven steps 0-1000", xs: [0, 50, 100, 200, 300, 400, 600, 800, 1000], seeds: 3, questions: 8, answers: 17},
  // 7+ values with the monotonicity test's per-point design effects (cells kept at every size, 2026-12-07):
  // seeds, strong coordinate-to-coordinate question wobble, 10 and 25 checkpoints.
  {label: "7 adapter scales 0.0625-4 (log-spaced)", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "7 adapter scales 0.0625-4 (log-spaced)", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50, qSd: 2, qRho: 0.2},
  {label: "10 steps 100-1000", xs: Array.from({length: 10}, (_, i) => 100 * (i + 1)), seeds: 1, questions: 8, answers: 50},
  {label: "25 steps 100-2500", xs: Array.from({length: 25}, (_, i) => 100 * (i + 1)), seeds: 3, questions: 8, answers: 17},
];

export const section = regimeSection<FewRegime>(NAME, 0x7e4d5, (r, reps, rng) => fewRows(r, reps, rng), {
  regimes: DESIGNS.flatMap((design) => [...FEW_SHAPES, ...(design.xs.length >= 7 ? [FLAT_50] : [])].map((shape) => ({design, shape}))),
  reps: 300,
  smoke: {design: DESIGNS[1]!, shape: FEW_SHAPES[0]!},
  smokeReps: 5,
});
