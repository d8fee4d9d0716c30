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
  fitLogistic,
  MIN_TRANSITION_POINTS,
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
];

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
  const total = Math.sqrt(Q_SD ** 2 + (d.seeds > 1 ? SEED_SD ** 2 : 0));
  const qLean = Array.from({length: d.questions}, () => Math.sqrt(Q_RHO) * Q_SD * randNormal(rng));
  const sLean = Array.from({length: d.seeds}, () => (d.seeds > 1 ? Math.sqrt(SEED_RHO) * SEED_SD * randNormal(rng) : 0));
  const cut = logit(0.3);
  return positions(d.xs).map(({x, t}) => {
    const mu = solveMu(shape.p(t), total);
    let k = 0;
    for (let s = 0; s < d.seeds; s++) {
      const sw = d.seeds > 1 ? Math.sqrt(1 - SEED_RHO) * SEED_SD * randNormal(rng) : 0;
      for (let q = 0; q < d.questions; q++) {
        const eta = mu + qLean[q]! + sLean[s]! + sw + Math.sqrt(1 - Q_RHO) * Q_SD * randNormal(rng);
        for (let j = 0; j < d.answers; j++) {
          let u = rng();
          while (u <= 0) u = rng();
          if (100 * sig(cut - eta + Math.log(u / (1 - u))) < 30) k++;
        }
      }
    }
    return {x, k, n: d.seeds * d.questions * d.answers};
  });
}

/** The product's test on a sweep (as transitionSensitivityColumns and analyzeOnScale call it), and the earlier rule's. */
function tests(points: TransitionPoint[]) {
  const sc = coordinateScale(
    points.map((p) => p.x),
    "auto",
  );
  const {points: fp} = pointsOnScale(points, sc);
  const m = new Set(fp.filter((p) => p.n > 0).map((p) => p.x)).size;
  const fit = m >= MIN_TRANSITION_POINTS ? fitLogistic(fp, {profile: false}) : null;
  return {now: testTransition(fp, fit, {detectable: true}), before: testTransition(fp, fit, {trendBelow: 0})};
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
  const stated: number[][] = REFERENCE_RISES.map(() => []);
  for (let r = 0; r < reps; r++) {
    const t = tests(simulateFew(rng, shape, d));
    if (t.now.p_constant !== null && t.now.p_constant < 0.05) now++;
    if (t.before.p_constant !== null && t.before.p_constant < 0.05) before++;
    if (t.now.verdict === "non_monotone") nonMono++;
    t.now.detectable?.forEach((x, i) => stated[i]!.push(x.power));
  }
  const regime = `${shape.name}; ${d.label}, ${d.seeds > 1 ? `${d.seeds} seeds (logit sd ${SEED_SD}, ${100 * SEED_RHO}% lasting) x ` : "one run, "}${d.questions} questions x ${d.answers}, logit sd ${Q_SD} (${100 * Q_RHO}% lasting), float judge`;
  const prev = `earlier rule (logistic LR, quasi-F(3, m - 4); m < 5: homogeneity chi-square): ${pct(before / reps)}`;
  if (shape.name.startsWith("rise-then-collapse"))
    return [
      rowFromHits(
        NAME,
        "non_monotone on rise-then-collapse (power)",
        regime,
        "power",
        null,
        nonMono,
        reps,
        false,
        `p_constant < 0.05 on it: ${pct(now / reps)}`,
      ),
    ];
  if (shape.rise === null) {
    const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : NaN);
    const said = REFERENCE_RISES.map(([a, b], i) => `${100 * a}%->${100 * b}% ${pct(mean(stated[i]!))}`).join(", ");
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
        `${prev}; power stated beside 'no evidence' (mean over ${stated[0]!.length} sweeps): ${said}`,
      ),
      rowFromHits(NAME, "non_monotone on a flat series", regime, "error_rate", 0.05, nonMono, reps, false),
    ];
  }
  return [rowFromHits(NAME, "p_constant < 0.05 on a rise (power)", regime, "power", null, now, reps, false, prev)];
}

const DESIGNS: FewDesign[] = [
  {label: "5 adapter scales 0.25-4 (log-spaced)", xs: [0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50},
  {label: "5 adapter scales 0.25-4 (log-spaced)", xs: [0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "4 adapter scales 0.5-4 (log-spaced)", xs: [0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "6 adapter scales 0.125-4 (log-spaced)", xs: [0.125, 0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17},
  {label: "5 uneven steps 0, 100, 300, 400, 1000", xs: [0, 100, 300, 400, 1000], seeds: 1, questions: 8, answers: 50},
  {label: "6 uneven steps 0, 50, 100, 300, 600, 1000", xs: [0, 50, 100, 300, 600, 1000], seeds: 3, questions: 8, answers: 17},
];

export const section = regimeSection<FewRegime>(NAME, 0x7e4d5, (r, reps, rng) => fewRows(r, reps, rng), {
  regimes: DESIGNS.flatMap((design) => FEW_SHAPES.map((shape) => ({design, shape}))),
  reps: 300,
  smoke: {design: DESIGNS[1]!, shape: FEW_SHAPES[0]!},
  smokeReps: 5,
});
