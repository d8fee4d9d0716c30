// Validity of the onset (/transitions table and chart, `em summarize --transition`): the first
// checkpoint credibly above the baseline checkpoint (onset in src/lib/em/transition-change.ts, a
// one-sided Newcombe test per later checkpoint, Bonferroni over them), which the product shows only
// where the transition is credible (analyzeTransition). Its promise: on a series that does not rise,
// no onset in more than 5% of sweeps; on a series that stays flat for a while and then rises, no
// onset among the flat checkpoints in more than 5% (Bonferroni holds the family-wise error over the
// checkpoints where the rate has not risen). Sweeps are the transitions section's (questions with a
// lasting lean and a checkpoint-to-checkpoint wobble), through analyzeTransition as `em summarize
// --transition` and the page call it (the onset behind the credibility gate, its counts scaled by the
// logistic fit's dispersion).
import {makeRng, type Rng} from "../../src/lib/em/prng.ts";
import {analyzeTransition} from "../../src/lib/em/transition.ts";
import {regimeSection, rowFromHits} from "./row.ts";
import {SHAPES, simulateSweep, type Design, type Shape} from "./transitions.section.ts";
import type {ValidityRow} from "./types.ts";

const NAME = "onset";

/** Flat at 3% to half the span, then a linear rise to 30% over the next 30% of it, flat after. */
export const FLAT_THEN_RISE: Shape = {
  name: "flat 3% to mid-span, then rising to 30%",
  p: (t) => 0.03 + 0.27 * Math.min(1, Math.max(0, (t - 0.5) / 0.3)),
  monotone: true,
};

export interface OnsetRegime {
  shape: "flat" | "rise";
  design: Design;
}

/** The first coordinate whose planted rate is above the first coordinate's (null: none, a flat series). */
function firstRisen(shape: Shape, m: number): number | null {
  const p0 = shape.p(0);
  for (let i = 1; i < m; i++) if (shape.p(i / (m - 1)) > p0 + 1e-12) return i;
  return null;
}

/**
 * `reps` sweeps of a flat series or FLAT_THEN_RISE: how often the onset the product shows falls on a
 * checkpoint whose planted rate has not risen, and on the rise how often it is shown at all.
 */
export function onsetRows(r: OnsetRegime, reps: number, rng: Rng): ValidityRow[] {
  const shape = r.shape === "flat" ? SHAPES.flat5 : FLAT_THEN_RISE;
  const d = r.design;
  const risen = firstRisen(shape, d.m);
  const early = (x: number | null) => x !== null && (risen === null || x < risen);
  let shown = 0;
  let found = 0;
  for (let s = 0; s < reps; s++) {
    const sweep = simulateSweep(rng, shape, d);
    // As /transitions and `em summarize --transition`: the onset only where the transition is credible.
    const x = analyzeTransition(sweep.rate, makeRng(s), {replicates: 0, profile: false}).onset.x;
    if (early(x)) shown++;
    if (x !== null) found++;
  }
  const regime = `${shape.name}; ${d.m} checkpoints, ${d.questions} questions x ${d.answers}, logit sd ${d.sd} (${Math.round(100 * d.rho)}% lasting), ${d.judge} judge`;
  const where = risen === null ? "on a flat series" : "before the rise";
  const rows = [rowFromHits(NAME, `onset shown ${where} (credible transitions only)`, regime, "error_rate", 0.05, shown, reps, false)];
  if (risen !== null)
    rows.push(
      rowFromHits(NAME, "onset shown on a flat-then-rise series (power)", regime, "power", null, found, reps, false, `the rise starts at checkpoint ${risen}`),
    );
  return rows;
}

const BASE: Design = {m: 11, questions: 8, answers: 50, sd: 1, rho: 0.5, judge: "float"};
const DESIGNS: Design[] = [{...BASE, sd: 0.3}, BASE, {...BASE, sd: 2}, {...BASE, rho: 1}, {...BASE, questions: 24, answers: 20, sd: 2, judge: "integer"}];

export const section = regimeSection<OnsetRegime>(NAME, 0x0e5e7, (r, reps, rng) => onsetRows(r, reps, rng), {
  regimes: DESIGNS.flatMap((design) => (["flat", "rise"] as const).map((shape) => ({shape, design}))),
  reps: 200,
  smoke: {shape: "rise", design: {...BASE, m: 7, questions: 4, answers: 20}},
  smokeReps: 10,
});
