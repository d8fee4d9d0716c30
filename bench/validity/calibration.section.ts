// Validity of the human-audit correction (issue 22): coverage of the calibration-corrected 95%
// interval (calibrateAudit, the function /audit and `em summarize --calibrate` call) under the
// three designs the product meets: a simple random sample of the judge's denominator
// (post-stratified by the judge's label), k answers per judge label, and k per judge label x
// question. Seeded simulations: 8 questions of unequal size (60..600 answers), per-question EM
// rates logit-normal around the regime's rate (sd 1), the judge's sensitivity lower where EM is
// common (so question strata matter), specificity fixed. The truth is the population's share of
// true EM answers (finite population; the estimator predicts only the unaudited rest of each
// stratum, so heavily sampled small strata add little width).
import {calibrateAudit, designOfRows, stratumKey, type HumanEm} from "../../src/lib/em/calibration.ts";
import type {Calibration} from "../../src/lib/em/correction.ts";
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import type {ValidityOptions, ValidityRow, ValiditySection} from "./types.ts";

export type Design = "srs" | "judge" | "question";

export interface Regime {
  rate: number;
  se: number;
  sp: number;
  design: Design;
  /** Answers per stratum (judge / question designs) or in total (srs). */
  k: number;
  /** How far sensitivity falls on a question whose EM rate is p: se - seDrop p (default 0.2; 0: a judge that errs alike everywhere). */
  seDrop?: number;
}

const SIZES = [600, 450, 350, 250, 180, 120, 90, 60];

export function population(rng: Rng, r: Regime) {
  const q: number[] = [];
  const truth: boolean[] = [];
  const judge: boolean[] = [];
  const logit = Math.log(r.rate / (1 - r.rate));
  SIZES.forEach((n, k) => {
    const p = 1 / (1 + Math.exp(-(logit + randNormal(rng))));
    // Sensitivity falls by up to 0.2 on questions where EM is common (the judge misses more there).
    const se = Math.max(0.05, r.se - (r.seDrop ?? 0.2) * p);
    for (let j = 0; j < n; j++) {
      const t = rng() < p;
      q.push(k);
      truth.push(t);
      judge.push(t ? rng() < se : rng() >= r.sp);
    }
  });
  return {q, truth, judge};
}

/** Indices sampled: without replacement, k per stratum (or k in all for srs). */
export function sample(rng: Rng, strata: readonly string[], k: number): Set<number> {
  const by = new Map<string, number[]>();
  strata.forEach((s, i) => (by.get(s) ?? by.set(s, []).get(s)!).push(i));
  const picked = new Set<number>();
  for (const idx of by.values()) {
    for (let i = 0; i < Math.min(k, idx.length); i++) {
      const j = i + Math.floor(rng() * (idx.length - i));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      picked.add(idx[i]!);
    }
  }
  return picked;
}

/**
 * The audit a simulated data set gets: k answers per stratum drawn without replacement (design
 * "srs": k in all, post-stratified by the stratum key), labelled with the truth, as designOfRows
 * gives it to calibrateAudit. Shared by the calibration and audit-groups sections.
 */
export function drawAudit(
  rng: Rng,
  n: number,
  key: (i: number) => string,
  judge: (i: number) => boolean,
  truth: (i: number) => boolean,
  design: string,
  k: number,
): {drawn: Set<number>; design: ReturnType<typeof designOfRows>} {
  const drawn = sample(
    rng,
    Array.from({length: n}, (_, i) => (design === "srs" ? "all" : key(i))),
    k,
  );
  return {
    drawn,
    design: designOfRows(
      n,
      key,
      judge,
      (i) => (drawn.has(i) ? {id: String(i), human: (truth(i) ? "yes" : "no") as HumanEm} : undefined),
      "simulation",
      design === "srs" ? "post-stratified" : "design",
    ),
  };
}

/** Data set `rep` of regime `r`: its population and the audit's calibration (calibrateAudit, as /audit and `em summarize --calibrate`). */
export function auditOf(r: Regime, rep: number, seed: number, draws: number): {pop: ReturnType<typeof population>; calibration: Calibration} {
  const rng = makeRng((seed ^ Math.imul(rep + 1, 0x9e3779b1)) >>> 0);
  const pop = population(rng, r);
  const n = pop.q.length;
  const strataKey = (i: number) => (r.design === "question" ? stratumKey(pop.judge[i]!, `q${pop.q[i]}`) : stratumKey(pop.judge[i]!));
  const {design: d} = drawAudit(
    rng,
    n,
    strataKey,
    (i) => pop.judge[i]!,
    (i) => pop.truth[i]!,
    r.design,
    r.k,
  );
  return {pop, calibration: calibrateAudit(d.labels, d.design, [], {seed: rep, draws}).calibration};
}

export function coverageOf(
  r: Regime,
  reps: number,
  draws: number,
  seed: number,
): {covered: number; reps: number; warned: number; coveredUnwarned: number; widths: number} {
  let covered = 0;
  let coveredUnwarned = 0;
  let warned = 0;
  let widths = 0;
  for (let rep = 0; rep < reps; rep++) {
    const {pop, calibration} = auditOf(r, rep, seed, draws);
    const truth = pop.truth.filter(Boolean).length / pop.q.length;
    const ci = calibration.corrected_ci;
    const hit = ci !== null && ci[0] <= truth && truth <= ci[1];
    if (hit) covered++;
    if (ci) widths += ci[1] - ci[0];
    if (calibration.warnings.length) warned++;
    else if (hit) coveredUnwarned++;
  }
  return {covered, reps, warned, coveredUnwarned, widths: widths / reps};
}

export const DESIGN_TEXT: Record<Design, (k: number) => string> = {
  srs: (k) => `simple random sample of ${k}, post-stratified by judge label`,
  judge: (k) => `${k} per judge label`,
  question: (k) => `${k} per judge label x question (16 strata)`,
};

export const section: ValiditySection = {
  name: "calibration",
  run({smoke, seed}: ValidityOptions): ValidityRow[] {
    const settings: [number, number, number][] = smoke
      ? [[0.15, 0.75, 0.93]]
      : [
          [0.01, 0.9, 0.97],
          [0.05, 0.9, 0.97],
          [0.15, 0.75, 0.93],
          [0.32, 0.6, 0.85],
          [0.4, 0.8, 0.9],
        ];
    const designs: [Design, number][] = smoke
      ? [
          ["judge", 40],
          ["question", 10],
        ]
      : [
          ["srs", 80],
          ["srs", 200],
          ["judge", 20],
          ["judge", 60],
          ["question", 10],
          ["question", 20],
        ];
    const reps = smoke ? 25 : 400;
    // 1000 data sets (MC s.e. ~0.5-0.7 points) for the two regimes whose rows 400 left undecided
    // (within MC error of the 93-97% band, 2026-12-06 run); each data set has its own seed, so the
    // first 400 are the same as before.
    const UNDECIDED_AT_400 = new Set(["0.05/question/20", "0.32/judge/60"]);
    const draws = smoke ? 300 : 1000;
    const rows: ValidityRow[] = [];
    settings.forEach(([rate, se, sp], si) =>
      designs.forEach(([design, k], di) => {
        const r: Regime = {rate, se, sp, design, k};
        const more = !smoke && UNDECIDED_AT_400.has(`${rate}/${design}/${k}`);
        const c = coverageOf(r, more ? 1000 : reps, draws, (seed + 7919 * (si * 16 + di + 1)) >>> 0);
        const est = c.covered / c.reps;
        rows.push({
          section: "calibration",
          quantity: "calibration-corrected rate CI (pooled, 95%)",
          regime: `rate ${100 * rate}%, Se ${se}, Sp ${sp}; 8 questions (2,100 answers); ${DESIGN_TEXT[design](k)}`,
          kind: "coverage",
          nominal: 0.95,
          estimate: est,
          mc_se: Math.sqrt((est * (1 - est)) / c.reps),
          reps: c.reps,
          // Flagged only when the warning fires in the data sets that miss: those without it cover 93-97%.
          flagged_in_product: c.warned > 0 && (c.warned === c.reps || Math.abs(c.coveredUnwarned / (c.reps - c.warned) - 0.95) <= 0.02 + 1e-12),
          note: `mean width ${(100 * c.widths).toFixed(1)} pp; ${draws} bootstrap draws${c.warned ? `; product warning (judge vs chance, or conservative interval) in ${c.warned} of ${c.reps}${c.warned < c.reps ? `; coverage without it ${((100 * c.coveredUnwarned) / (c.reps - c.warned)).toFixed(1)}% (${c.reps - c.warned})` : ""}` : ""}${more ? `; ${c.reps} data sets (${reps} left it undecided)` : ""}`,
        });
      }),
    );
    return rows;
  },
};
