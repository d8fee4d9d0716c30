// Validity of `em plan` and of the variance components (issue 26).
//
// Power: for a planted difference, the power `em plan` computes (designPower: count-level
// simulation through pairedTallyDiff) against the power observed over simulated studies generated
// as Judged rows (rates.section's answer generator, float judge) and judged by baselineDiffs, the
// function behind `em summarize --baseline`. The promise: within 3 points. The same studies
// without a difference give the product test's type-I error (an error_rate row).
//
// The variance components' intervals are measured in components.section.ts.
import {logitLocation} from "../../src/lib/em/components.ts";
import {baselineDiffs} from "../../src/lib/em/baseline.ts";
import {designPower, type PlanModel} from "../../src/lib/em/plan.ts";
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {BETLEY} from "../../src/lib/em/rules.ts";
import type {Judged} from "../../src/lib/schema.ts";
import {P_COHERENT, questionRows} from "./rates.section.ts";
import {validityRow} from "./row.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

const expit = (x: number) => 1 / (1 + Math.exp(-x));

export interface PowerRegime {
  variant: number;
  base: number;
  /** Logit SD of question effects shared by both arms, and each arm's own. */
  sd: number;
  sdOwn: number;
  sdSeed: number;
  seeds: number;
  questions: number;
  samples: number;
}

export const regimeText = (r: PowerRegime) =>
  `${+(100 * r.variant).toFixed(1)}% vs ${+(100 * r.base).toFixed(1)}%, shared logit sd ${r.sd}, own ${r.sdOwn}, seed sd ${r.sdSeed}; ${r.seeds} seed${r.seeds > 1 ? "s" : ""} x ${r.questions} q x ${r.samples}`;

/** The plan's model of a regime (what `em plan --rates` would be told). */
export function planModelOf(r: PowerRegime): PlanModel {
  const sdQ = Math.sqrt(r.sd ** 2 + r.sdOwn ** 2);
  const arm = (rate: number) => ({rate, sd_question: sdQ, sd_seed: r.sdSeed, sd_interaction: 0, in_denominator: P_COHERENT});
  return {a: arm(r.variant), b: arm(r.base), question_correlation: sdQ > 0 ? r.sd ** 2 / sdQ ** 2 : 0};
}

/** One simulated study as Judged rows: both arms answer the same questions; seeds as replicates. */
export function studyRows(r: PowerRegime, rng: Rng, variantRate: number): Judged[] {
  const total = Math.sqrt(r.sd ** 2 + r.sdOwn ** 2 + r.sdSeed ** 2);
  const muV = logitLocation(variantRate, total);
  const muB = logitLocation(r.base, total);
  const rows: Judged[] = [];
  const zq = Array.from({length: r.questions}, () => randNormal(rng));
  for (const [arm, mu] of [
    ["ft", muV],
    ["base", muB],
  ] as const) {
    const own = zq.map(() => r.sdOwn * randNormal(rng));
    for (let s = 0; s < r.seeds; s++) {
      const a = r.sdSeed * randNormal(rng);
      for (let q = 0; q < r.questions; q++) {
        const p = expit(mu + a + r.sd * zq[q]! + own[q]!);
        rows.push(...questionRows(rng, `q${q}`, r.samples, p, "float", {variant: arm, replicate: String(s), ...(arm === "ft" ? {baseline: "base"} : {})}));
      }
    }
  }
  return rows;
}

/** Rejection rate of the product's variant-minus-baseline interval over `studies` simulated studies. */
export function observedRejections(r: PowerRegime, studies: number, rng: Rng, variantRate = r.variant): number {
  return rejectionsAndFlags(r, studies, rng, variantRate).rate;
}

/** Rejection rate and the share of studies whose interval the product flags as approximate. */
function rejectionsAndFlags(r: PowerRegime, studies: number, rng: Rng, variantRate: number): {rate: number; flagged: number} {
  let hit = 0;
  let flagged = 0;
  for (let i = 0; i < studies; i++) {
    const [d] = baselineDiffs(studyRows(r, rng, variantRate), BETLEY, {by: ["variant"]});
    if (d?.ci && (d.ci[0] > 0 || d.ci[1] < 0)) hit++;
    if (d?.ci_approximate) flagged++;
  }
  return {rate: hit / studies, flagged: flagged / studies};
}

const row = (
  quantity: string,
  regime: string,
  kind: ValidityRow["kind"],
  nominal: number | null,
  p: number,
  reps: number,
  flagged: boolean,
  note: string,
): ValidityRow => validityRow("plan", quantity, regime, kind, nominal, p, reps, flagged, note);

/**
 * Power and type-I rows of one regime: the power observed over `studies` studies against em plan's
 * `planReps`-study simulation, and the type-I error over `nullStudies` studies. The gap is stated
 * with its Monte-Carlo standard error sqrt(se_plan^2 + se_observed^2): the two are independent
 * simulations of the same studies judged by the same interval (test/unit/bench/plan-section.test.ts),
 * so a gap is Monte-Carlo noise unless it exceeds ~2 s.e.
 */
export function powerRows(
  r: PowerRegime,
  studies: number,
  planReps: number,
  rng: Rng,
  seed: number,
  nullStudies = studies,
): {rows: ValidityRow[]; planned: number; observed: number; gap_se: number} {
  const plan = designPower(planModelOf(r), {seeds: r.seeds, questions: r.questions, samples: r.samples}, {reps: planReps, seed});
  const observed = observedRejections(r, studies, rng);
  const nul = rejectionsAndFlags(r, nullStudies, rng, r.base);
  const nullObs = nul.rate;
  const obsSe = Math.sqrt((observed * (1 - observed)) / studies);
  const gapSe = Math.hypot(plan.power_se, obsSe);
  const gap = 100 * (plan.power - observed);
  const pp = (x: number) => (100 * x).toFixed(1);
  return {
    planned: plan.power,
    observed,
    gap_se: gapSe,
    rows: [
      row(
        "em plan power vs power observed (variant - baseline interval excludes 0)",
        regimeText(r),
        "power",
        null,
        observed,
        studies,
        false,
        `em plan ${pp(plan.power)}% (+- ${pp(plan.power_se)}, ${planReps} reps); gap plan - observed ${gap >= 0 ? "+" : ""}${gap.toFixed(1)} +- ${pp(gapSe)} points (MC s.e.): ${Math.abs(gap) <= 3 ? "within" : "OUTSIDE"} 3`,
      ),
      row(
        "type-I error of the variant - baseline interval (no difference)",
        regimeText({...r, variant: r.base}),
        "error_rate",
        0.05,
        nullObs,
        nullStudies,
        nul.flagged >= 0.5,
        `flagged approximate in ${(100 * nul.flagged).toFixed(0)}% of studies; em plan's type I for this design ${pp(plan.type1)}%`,
      ),
    ],
  };
}

const POWER_REGIMES: PowerRegime[] = [
  {variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, sdSeed: 0, seeds: 1, questions: 8, samples: 25},
  {variant: 0.3, base: 0.2, sd: 0.8, sdOwn: 0.3, sdSeed: 0, seeds: 1, questions: 24, samples: 50},
  {variant: 0.05, base: 0.02, sd: 1, sdOwn: 0.5, sdSeed: 0, seeds: 1, questions: 48, samples: 50},
  {variant: 0.15, base: 0.08, sd: 1, sdOwn: 0.5, sdSeed: 0.4, seeds: 3, questions: 16, samples: 25},
];

export const section: ValiditySection = {
  name: "plan",
  run({smoke, seed}) {
    const rng = makeRng(seed ^ 0x91a4);
    const rows: ValidityRow[] = [];
    if (smoke) {
      rows.push(...powerRows(POWER_REGIMES[0]!, 40, 300, rng, seed).rows);
      return rows;
    }
    // The 2026-12-06 03:39 run compared 400 observed studies with em plan at 1000 reps: a gap's
    // Monte-Carlo s.e. was ~3 points, as large as the promise, and two regimes read 5.3 and 4.2
    // points off. At 3000 studies each the 8 q x 25 regime read 49.8% (plan) vs 49.7% (observed):
    // the same quantity (test/unit/bench/validity/plan.section.test.ts), the gap was noise. The
    // design for a decisive check is 1600 observed studies and em plan at 4000 reps (gap s.e. <= 1.5
    // points); the 2026-12-06 07:05 run had ~4% of a core (load ~38 on 2 cores, eight sessions) and
    // could not, so it keeps the 400 observed studies, em plan at 2000 reps and 100 null
    // studies per regime (gap s.e. <= 2.7 points, printed in each note): a gap under 3 points then
    // bounds nothing tighter than ~+-5. The 2026-12-06 08:00 rerun (load falling) runs the decisive
    // design: 1600 observed studies, em plan at 4000 reps, 400 null studies per regime.
    POWER_REGIMES.forEach((r, i) => rows.push(...powerRows(r, 1600, 4000, rng, seed + i, 400).rows));
    return rows;
  },
};
