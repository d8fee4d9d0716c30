// Validity of the judge's accuracy against the human audit (/audit facts line, `em summarize
// --calibrate`): the 95% intervals of sensitivity, specificity and Se + Sp - 1 (Youden's J) that
// calibrate (src/lib/em/correction.ts) reads from the same bootstrap draws as the corrected rate,
// and its judge-vs-chance decision (judge_informative: J's lower limit above
// JUDGE_INFORMATIVE_FLOOR; otherwise per-group corrections are shown as unknown). Data sets are the
// calibration section's (8 questions of unequal size, logit-normal EM rates, a judge whose
// sensitivity falls where EM is common; its three audit designs). The intervals' truth is the
// finite population's: Se = judge EM among the human-EM answers of the judge's denominator, Sp =
// judge not-EM among the rest (the bootstrap predicts the unaudited answers of that population, as
// for the corrected rate). The decision's truth is the planted judge: one at the floor (Se + Sp - 1
// = 0.05, erring alike on every question) must be called better than chance in at most 2.5% of
// audits (the lower limit of a two-sided 95% interval), and one at chance (J = 0) less often still.
import {JUDGE_INFORMATIVE_FLOOR} from "../../src/lib/em/correction.ts";
import {auditOf, DESIGN_TEXT, type Regime} from "./calibration.section.ts";
import {rowFromHits} from "./row.ts";
import type {ValidityOptions, ValidityRow, ValiditySection} from "./types.ts";

const NAME = "audit-accuracy";
const covers = (ci: readonly [number, number] | null, x: number) => ci !== null && ci[0] <= x + 1e-12 && x <= ci[1] + 1e-12;
const regimeText = (r: Regime) =>
  `rate ${100 * r.rate}%, Se ${r.se}, Sp ${r.sp}${r.seDrop === 0 ? " on every question" : ""}; 8 questions (2,100 answers); ${DESIGN_TEXT[r.design](r.k)}`;

/** Finite-population Se, Sp and J of a data set's judge against the planted truth. */
function accuracy(pop: {truth: boolean[]; judge: boolean[]}): {se: number; sp: number; j: number} {
  let tp = 0;
  let pos = 0;
  let tn = 0;
  let neg = 0;
  pop.truth.forEach((t, i) => {
    const j = pop.judge[i]!;
    if (t) {
      pos++;
      if (j) tp++;
    } else {
      neg++;
      if (!j) tn++;
    }
  });
  const se = tp / pos;
  const sp = tn / neg;
  return {se, sp, j: se + sp - 1};
}

/** Coverage rows of the Se, Sp and J intervals in one regime over `reps` audits. */
export function accuracyRows(r: Regime, reps: number, draws: number, seed: number): ValidityRow[] {
  const hits = {se: 0, sp: 0, j: 0};
  const width = {se: 0, sp: 0, j: 0};
  let informative = 0;
  for (let rep = 0; rep < reps; rep++) {
    const {pop, calibration: c} = auditOf(r, rep, seed, draws);
    const t = accuracy(pop);
    if (covers(c.sensitivity_ci, t.se)) hits.se++;
    if (covers(c.specificity_ci, t.sp)) hits.sp++;
    if (covers(c.youden_ci, t.j)) hits.j++;
    width.se += c.sensitivity_ci ? c.sensitivity_ci[1] - c.sensitivity_ci[0] : 0;
    width.sp += c.specificity_ci ? c.specificity_ci[1] - c.specificity_ci[0] : 0;
    width.j += c.youden_ci ? c.youden_ci[1] - c.youden_ci[0] : 0;
    if (c.judge_informative) informative++;
  }
  const note = (k: "se" | "sp" | "j") =>
    `mean width ${(width[k] / reps).toFixed(3)}; ${draws} bootstrap draws; judge called better than chance in ${informative} of ${reps}`;
  return (
    [
      ["se", "judge sensitivity 95% CI (human audit)"],
      ["sp", "judge specificity 95% CI (human audit)"],
      ["j", "Se + Sp - 1 (Youden's J) 95% CI (human audit)"],
    ] as const
  ).map(([k, q]) => rowFromHits(NAME, q, regimeText(r), "coverage", 0.95, hits[k], reps, false, note(k)));
}

/** The judge-vs-chance decision's row (its regimes name the planted J). */
export const CHANCE_QUANTITY = `judge called better than chance (J's lower limit above ${JUDGE_INFORMATIVE_FLOOR}) with Se + Sp - 1 at or below ${JUDGE_INFORMATIVE_FLOOR}`;

/** How often the product calls a judge with planted Se + Sp - 1 = se + sp - 1 (at most the floor) better than chance. */
export function chanceRow(r: Regime, reps: number, draws: number, seed: number): ValidityRow {
  let informative = 0;
  for (let rep = 0; rep < reps; rep++) if (auditOf(r, rep, seed, draws).calibration.judge_informative) informative++;
  return rowFromHits(
    NAME,
    CHANCE_QUANTITY,
    `${regimeText(r)} (J = ${+(r.se + r.sp - 1).toFixed(4)})`,
    "error_rate",
    0.025,
    informative,
    reps,
    false,
    `one-sided: the lower limit of J's two-sided 95% interval; ${draws} bootstrap draws`,
  );
}

const SETTINGS: [number, number, number][] = [
  [0.05, 0.9, 0.97],
  [0.15, 0.75, 0.93],
  [0.32, 0.6, 0.85],
];
const DESIGNS: [Regime["design"], number][] = [
  ["srs", 200],
  ["judge", 20],
  ["judge", 60],
];
/** A judge at the floor (J = 0.05) and one at chance (J = 0), erring alike on every question, at a 10% EM rate. */
const CHANCE: [number, number][] = [
  [0.15, 0.9],
  [0.1, 0.9],
];

export const section: ValiditySection = {
  name: NAME,
  run({smoke, seed}: ValidityOptions): ValidityRow[] {
    const s = (i: number) => ((seed ^ 0xacc) + 7919 * (i + 1)) >>> 0;
    if (smoke)
      return [
        ...accuracyRows({rate: 0.15, se: 0.75, sp: 0.93, design: "judge", k: 40}, 10, 200, s(0)),
        chanceRow({rate: 0.1, se: 0.15, sp: 0.9, design: "judge", k: 40, seDrop: 0}, 10, 200, s(1)),
      ];
    const rows: ValidityRow[] = [];
    let i = 0;
    // 1000 audits (MC s.e. ~0.7 points) where 400 left a row undecided (2026-12-07 00:17 run); each
    // audit has its own seed, so the first 400 are the same as before.
    const more = new Set(["0.15/srs/200", "0.15/judge/60"]);
    for (const [rate, se, sp] of SETTINGS)
      for (const [design, k] of DESIGNS) {
        const reps = more.has(`${rate}/${design}/${k}`) ? 1000 : 400;
        const out = accuracyRows({rate, se, sp, design, k}, reps, 1000, s(i++));
        rows.push(...(reps > 400 ? out.map((r) => ({...r, note: `${r.note}; ${reps} audits (400 left a row undecided)`})) : out));
      }
    for (const [se, sp] of CHANCE) rows.push(chanceRow({rate: 0.1, se, sp, design: "judge", k: 60, seDrop: 0}, 400, 1000, s(i++)));
    return rows;
  },
};
