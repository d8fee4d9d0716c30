// Validity of the seeds x questions interval (group and replicate mean) and of the variant-minus-
// baseline interval (issue 22), split from rates.section.ts (same generators, same model: logit-normal
// question rates, seed and interaction effects) so each section runs in minutes on a shared machine.
import {baselineDiffs} from "../../src/lib/em/baseline.ts";
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {BETLEY} from "../../src/lib/em/rules.ts";
import type {Judged} from "../../src/lib/schema.ts";
import {coverageRow, diffCoverage, type Judge, questionRows, seedCoverage, solveMu} from "./rates.section.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

// `reps`: 1000 data sets (MC s.e. ~0.7 points) for the regimes whose rows the 200 of the
// 2026-12-06 run left undecided (within MC error of the 93-97% band); the rest keep 200 (REPS below).
const SEED_REGIMES = [1, 2, 3, 5].flatMap((seeds) => [
  {rate: 0.07, sdQ: 1, sdS: 0.5, sdI: 0.3, seeds, questions: 24, answers: 50, ...(seeds === 5 ? {reps: 1000} : {})},
  {rate: 0.2, sdQ: 0.5, sdS: 0.3, sdI: 0.2, seeds, questions: 8, answers: 50},
]);

const DIFF_REGIMES = [
  {variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, questions: 8, answers: 50, judge: "float" as Judge},
  // 1000: undecided at 200 in the rerun of 2026-12-06 07:05 (91.5%).
  {variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, questions: 24, answers: 50, judge: "float" as Judge, reps: 1000},
  {variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, questions: 48, answers: 50, judge: "integer" as Judge},
  {variant: 0.3, base: 0.2, sd: 0.8, sdOwn: 0.3, questions: 24, answers: 100, judge: "float" as Judge},
  {variant: 0.005, base: 0.005, sd: 0.5, sdOwn: 0.3, questions: 24, answers: 50, judge: "float" as Judge, reps: 1000},
  {variant: 0.05, base: 0.005, sd: 2, sdOwn: 0.5, questions: 48, answers: 100, judge: "float" as Judge, reps: 1000},
];

const expit = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The variant-minus-baseline interval when each side has S training seeds: logit p = mu + question
 * effect (shared by both sides with logit sd `sd`, plus each side's own `sdOwn`) + seed effect (sd
 * `sdSeed`, per side and seed) + interaction 0.2; truth E[p_variant] - E[p_base]. Rows: coverage,
 * and with equal rates the type-I error (the interval excludes 0).
 */
export function seededDiffCoverage(
  reg: {variant: number; base: number; sd: number; sdOwn: number; sdSeed: number; seeds: number; questions: number; answers: number},
  reps: number,
  rng: Rng,
): ValidityRow[] {
  const total = Math.sqrt(reg.sd ** 2 + reg.sdOwn ** 2 + reg.sdSeed ** 2 + 0.2 ** 2);
  const mus = {ft: solveMu(reg.variant, total), base: solveMu(reg.base, total)};
  const truth = reg.variant - reg.base;
  let hits = 0;
  let flagged = 0;
  let hitsUn = 0;
  let rejects = 0;
  for (let s = 0; s < reps; s++) {
    const rows: Judged[] = [];
    const zq = Array.from({length: reg.questions}, () => randNormal(rng));
    for (const arm of ["ft", "base"] as const) {
      const own = zq.map(() => reg.sdOwn * randNormal(rng));
      for (let seed = 0; seed < reg.seeds; seed++) {
        const zs = reg.sdSeed * randNormal(rng);
        for (let q = 0; q < reg.questions; q++) {
          const p = expit(mus[arm] + reg.sd * zq[q]! + own[q]! + zs + 0.2 * randNormal(rng));
          const extra: Partial<Judged> = {variant: arm, replicate: String(seed + 1), ...(arm === "ft" ? {baseline: "base"} : {})};
          rows.push(...questionRows(rng, `q${q}`, reg.answers, p, "float", extra));
        }
      }
    }
    const [d] = baselineDiffs(rows, BETLEY, {by: ["variant"]});
    const ci = d?.ci ?? null;
    const hit = ci !== null && ci[0] <= truth + 1e-12 && truth <= ci[1] + 1e-12;
    if (hit) hits++;
    if (d?.ci_approximate) flagged++;
    else if (hit) hitsUn++;
    if (ci !== null && (ci[0] > 0 || ci[1] < 0)) rejects++;
  }
  const text = `variant ${+(100 * reg.variant).toFixed(1)}% vs base ${+(100 * reg.base).toFixed(1)}%, ${reg.seeds} seeds a side (logit sd ${reg.sdSeed}), shared logit sd ${reg.sd}, own ${reg.sdOwn}, ${reg.questions} q x ${reg.answers}`;
  const out = [coverageRow("variant - baseline interval with training seeds", text, reps, hits, flagged, hitsUn)];
  if (truth === 0) {
    const p = rejects / reps;
    out.push({
      section: "rate-differences",
      quantity: "type-I error of the variant - baseline interval with training seeds (no difference)",
      regime: text,
      kind: "error_rate",
      nominal: 0.05,
      estimate: p,
      mc_se: Math.sqrt((p * (1 - p)) / reps),
      reps,
      flagged_in_product: false,
      note: `flagged approximate in ${((100 * flagged) / reps).toFixed(0)}% of data sets (type I is judged without the flag)`,
    });
  }
  return out;
}

const SEEDED_DIFF_REGIMES = [
  {variant: 0.08, base: 0.08, sd: 1, sdOwn: 0.5, sdSeed: 0.4, seeds: 3, questions: 16, answers: 25},
  {variant: 0.15, base: 0.08, sd: 1, sdOwn: 0.5, sdSeed: 0.4, seeds: 3, questions: 16, answers: 25},
  {variant: 0.08, base: 0.08, sd: 1, sdOwn: 0.5, sdSeed: 0.4, seeds: 5, questions: 24, answers: 25},
];

const label = (r: ValidityRow): ValidityRow => ({...r, section: "rate-differences"});

export const section: ValiditySection = {
  name: "rate-differences",
  run({smoke, seed}) {
    const rng = makeRng(seed ^ 0x3d1ff);
    const rows: ValidityRow[] = [];
    if (smoke) {
      rows.push(...seedCoverage({rate: 0.2, sdQ: 0.5, sdS: 0.3, sdI: 0.2, seeds: 2, questions: 8, answers: 20}, 30, rng));
      rows.push(diffCoverage({variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, questions: 8, answers: 20, judge: "float"}, 30, rng));
      rows.push(...seededDiffCoverage({...SEEDED_DIFF_REGIMES[0]!, questions: 8, answers: 10}, 20, rng));
      return rows.map(label);
    }
    // 200 data sets per regime (Monte-Carlo s.e. ~1.5 points at 95%), not 400: every regime kept,
    // but the section had never completed, and its first run (2026-12-06) had to finish within an
    // hour on a machine shared by eight sessions. Rerun at 400 when the machine is free.
    const REPS = 200;
    const noted = (r: {reps?: number}) => (x: ValidityRow) => (r.reps ? {...x, note: `${x.note}; ${r.reps} data sets (${REPS} left it undecided)`} : x);
    for (const r of SEED_REGIMES) rows.push(...seedCoverage(r, r.reps ?? REPS, rng).map(noted(r)));
    for (const r of DIFF_REGIMES) rows.push(noted(r)(diffCoverage(r, r.reps ?? REPS, rng)));
    for (const r of SEEDED_DIFF_REGIMES) rows.push(...seededDiffCoverage(r, REPS, rng));
    return rows.map(label);
  },
};
