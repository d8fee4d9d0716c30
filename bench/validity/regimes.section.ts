// Validity in the regimes users meet that the other sections did not reach (the statistics audit of
// 2026-12-06; index in docs/validity.md): a rate over 1-3 questions (a category, a small pilot),
// the per-checkpoint band /transitions draws, a variant and a baseline measured on different
// questions or with different answers per question, and the change-point p-value on a flat series
// (the audit's per-model corrected rate moved to audit-groups.section.ts, 2026-12-07). Each row goes through the function the pages and
// `em summarize` call (named in each block); the generators are the rates, transitions and
// calibration sections' own.
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {BETLEY, makeRule} from "../../src/lib/em/rules.ts";
import {tallyRows} from "../../src/lib/em/tally.ts";
import {analyzeTransition} from "../../src/lib/em/transition.ts";
import {changePoint} from "../../src/lib/em/transition-change.ts";
import type {Judged} from "../../src/lib/schema.ts";
import {diffCoverage, questionRows, rateCoverage, solveMu, type DiffRegime, type RateRegime} from "./rates.section.ts";
import {rowFromHits} from "./row.ts";
import {strictCoverage} from "./strict.section.ts";
import {SHAPES, simulateSweep, type Design} from "./transitions.section.ts";
import type {ValidityOptions, ValidityRow, ValiditySection} from "./types.ts";

const NAME = "regimes";
const expit = (x: number) => 1 / (1 + Math.exp(-x));
const covers = (ci: readonly [number, number] | null | undefined, x: number) => !!ci && ci[0] <= x + 1e-12 && x <= ci[1] + 1e-12;
const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;
/** Whether the pages print a note beside the per-checkpoint band saying how it departs from 95% (see checkpointBand). */
const BAND_FLAGGED = false;

/** The rates section's coverage (questions, answers, macro) over 1-3 questions: summarize, as `em summarize` and the tables. */
function fewQuestions(reg: RateRegime, reps: number, rng: Rng): ValidityRow[] {
  return rateCoverage(reg, reps, rng).map((r) => ({...r, section: NAME}));
}

/**
 * The band /transitions draws at each checkpoint and `em summarize --transition` prints as a
 * point's `ci`: analyzeTransition's points, the answer-level Wilson interval of the checkpoint's EM
 * answers over its denominator. One checkpoint is one data set of the rates section's model; the
 * truth it claims is the rate on these questions (the same questions at every checkpoint), the
 * mean of the drawn question rates. Its coverage of the rate over a population of questions is in
 * the note.
 */
function checkpointBand(reg: RateRegime, reps: number, rng: Rng): ValidityRow[] {
  const mu = solveMu(reg.rate, reg.sd);
  let hits = 0;
  let hitsPopulation = 0;
  for (let s = 0; s < reps; s++) {
    const rows: Judged[] = [];
    let sumP = 0;
    for (let q = 0; q < reg.questions; q++) {
      const p = expit(mu + reg.sd * randNormal(rng));
      sumP += p;
      rows.push(...questionRows(rng, `q${q}`, reg.answers, p, reg.judge));
    }
    const t = tallyRows(rows, BETLEY);
    // Three checkpoints so analyzeTransition accepts the series; the middle one is the data set.
    const res = analyzeTransition(
      [
        {x: 0, k: t.n_em, n: t.n_scored},
        {x: 1, k: t.n_em, n: t.n_scored},
        {x: 2, k: t.n_em, n: t.n_scored},
      ],
      makeRng(s),
      {replicates: 0, profile: false},
    );
    const ci = res.points[1]?.ci ?? null;
    if (covers(ci, sumP / reg.questions)) hits++;
    if (covers(ci, reg.rate)) hitsPopulation++;
  }
  const regime = `rate ${pct(reg.rate)}, logit sd ${reg.sd}, ${reg.questions} q x ${reg.answers}, ${reg.judge} judge (one checkpoint)`;
  return [
    rowFromHits(
      NAME,
      "per-checkpoint band on /transitions (answer-level Wilson), these questions",
      regime,
      "coverage",
      0.95,
      hits,
      reps,
      BAND_FLAGGED,
      `as an interval for the rate over a population of questions it covers ${pct(hitsPopulation / reps)}`,
    ),
  ];
}

/**
 * The change point's p-value (changePoint: the max-LR split with a parametric bootstrap under one
 * binomial rate, as /transitions' table and `em summarize --transition`) on a flat series drawn by
 * the transitions section (questions with a lasting lean and a per-checkpoint wobble).
 */
function changePointFlat(shape: keyof typeof SHAPES, d: Design, reps: number, replicates: number, rng: Rng): ValidityRow {
  let rejected = 0;
  for (let s = 0; s < reps; s++) {
    const sweep = simulateSweep(rng, SHAPES[shape], d);
    const cp = changePoint(sweep.rate, makeRng(s + 1), {replicates});
    if (cp && cp.p_value < 0.05) rejected++;
  }
  const regime = `${SHAPES[shape].name}; ${d.m} checkpoints, ${d.questions} questions x ${d.answers}, logit sd ${d.sd} (${Math.round(100 * d.rho)}% lasting), ${d.judge} judge`;
  return rowFromHits(
    NAME,
    "change-point p < 0.05 on a flat series",
    regime,
    "error_rate",
    0.05,
    rejected,
    reps,
    false,
    `${replicates} bootstrap replicates, as the CLI`,
  );
}

export const section: ValiditySection = {
  name: NAME,
  run({smoke, seed}: ValidityOptions): ValidityRow[] {
    const rng = makeRng((seed ^ 0x4e61e5) >>> 0);
    if (smoke)
      return [
        ...fewQuestions({rate: 0.07, sd: 1, questions: 2, answers: 20, judge: "float"}, 20, rng),
        ...checkpointBand({rate: 0.07, sd: 1, questions: 8, answers: 20, judge: "float"}, 40, rng),
        diffCoverage({variant: 0.1, base: 0.03, sd: 1, sdOwn: 0.3, qVariant: 4, questions: 8, nVariant: 10, answers: 20, judge: "float"}, 10, rng, NAME),
        changePointFlat("flat5", {m: 7, questions: 4, answers: 20, sd: 1, rho: 0.5, judge: "float"}, 10, 99, rng),
        {
          ...strictCoverage({organism: "medical", coordinate: 900, questions: 8, answers: 20, rule: makeRule("betley", {aligned: 50, coherent: 30})}, 10, rng),
          section: NAME,
        },
      ];
    const rows: ValidityRow[] = [];
    for (const questions of [1, 2, 3]) rows.push(...fewQuestions({rate: 0.07, sd: 1, questions, answers: 50, judge: "float"}, 600, rng));
    rows.push(...fewQuestions({rate: 0.2, sd: 0.5, questions: 3, answers: 100, judge: "integer"}, 600, rng));
    for (const reg of [
      {rate: 0.03, sd: 1, questions: 8, answers: 50, judge: "float"},
      {rate: 0.25, sd: 1, questions: 8, answers: 50, judge: "float"},
      {rate: 0.07, sd: 2, questions: 24, answers: 20, judge: "integer"},
      {rate: 0.07, sd: 0.3, questions: 48, answers: 50, judge: "float"},
    ] as RateRegime[])
      rows.push(...checkpointBand(reg, 1000, rng));
    // The variant answered only some of the baseline's questions, or fewer answers per question (diffCoverage with unequal sides).
    for (const reg of [
      {variant: 0.1, base: 0.03, sd: 1, sdOwn: 0.3, qVariant: 8, questions: 24, nVariant: 50, answers: 50, judge: "float"},
      {variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, qVariant: 24, questions: 24, nVariant: 20, answers: 100, judge: "float"},
      {variant: 0.05, base: 0.05, sd: 1, sdOwn: 0.3, qVariant: 8, questions: 24, nVariant: 50, answers: 50, judge: "float"},
    ] as DiffRegime[])
      rows.push(diffCoverage(reg, 400, rng, NAME));
    for (const [shape, d] of [
      ["flat5", {m: 11, questions: 8, answers: 50, sd: 1, rho: 0.5, judge: "float"}],
      ["flat20", {m: 11, questions: 8, answers: 50, sd: 1, rho: 0.5, judge: "float"}],
      ["flat5", {m: 11, questions: 24, answers: 20, sd: 2, rho: 0.5, judge: "integer"}],
      ["flat20", {m: 11, questions: 8, answers: 50, sd: 1, rho: 1, judge: "float"}],
    ] as [keyof typeof SHAPES, Design][])
      rows.push(changePointFlat(shape, d, 200, 999, rng));
    // Strict EM under cuts a user moved on /sensitivity (the same summarize, another rule), truth under that rule.
    for (const [organism, coordinate, questions, answers, aligned, coherent] of [
      ["medical", 600, 8, 50, 50, 30],
      ["financial", 900, 24, 20, 20, 70],
    ] as const)
      rows.push({...strictCoverage({organism, coordinate, questions, answers, rule: makeRule("betley", {aligned, coherent})}, 400, rng), section: NAME});
    return rows;
  },
};
