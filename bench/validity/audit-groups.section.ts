// Validity of the human-audit correction per group (the /audit per-model table, the overview audit
// table, `em summarize --calibrate` per --by group): calibrateAudit's groups, each model's raw rate
// corrected with the pooled Se and Sp (src/lib/em/correction.ts, groupShareDraw). Moved here from
// regimes.section.ts (2026-12-07) so these rows can be rerun alone (`npm run validate -- --only
// audit-groups`, seconds) after a change to the per-group interval; same generator and regimes.
import {calibrateAudit, stratumKey} from "../../src/lib/em/calibration.ts";
import {GROUP_CI_NOTE} from "../../src/lib/em/correction.ts";
import {makeRng, randNormal} from "../../src/lib/em/prng.ts";
import {drawAudit} from "./calibration.section.ts";
import {solveMu} from "./rates.section.ts";
import {rowFromHits} from "./row.ts";
import type {ValidityOptions, ValidityRow, ValiditySection} from "./types.ts";

const NAME = "audit-groups";
const expit = (x: number) => 1 / (1 + Math.exp(-x));
const covers = (ci: readonly [number, number] | null | undefined, x: number) => !!ci && ci[0] <= x + 1e-12 && x <= ci[1] + 1e-12;
const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;

export interface TwoModels {
  /** Each model's EM rate (questions logit sd 1). */
  rates: [number, number];
  se: number;
  sp: number;
  design: "judge" | "srs";
  /** Labels per judge label (judge design) or in all (srs). */
  k: number;
}

/** Answers per question of each model (8 questions). */
const MODEL_SIZES = [200, 160, 120, 100, 80, 60, 50, 30];

/**
 * The per-model corrected rate (calibrateAudit's groups: the model's raw rate corrected with the
 * pooled Se and Sp, as /audit's table and `em summarize --calibrate` print it). Two models whose
 * answers share one judge that errs alike for both (constant Se and Sp: the product's stated
 * assumption); the audit sample is drawn from both models' answers pooled. Truth: the share of
 * human EM among the model's answers (the finite population the pooled row's truth is too).
 */
export function perModelCalibration(r: TwoModels, reps: number, draws: number, seed: number): ValidityRow {
  let covered = 0;
  let cells = 0;
  let warned = 0;
  let coveredUnwarned = 0;
  let labelled = 0;
  let width = 0;
  for (let rep = 0; rep < reps; rep++) {
    const rng = makeRng((seed ^ Math.imul(rep + 1, 0x9e3779b1)) >>> 0);
    const model: number[] = [];
    const truth: boolean[] = [];
    const judge: boolean[] = [];
    r.rates.forEach((rate, m) => {
      const mu = solveMu(rate, 1);
      for (const n of MODEL_SIZES) {
        const p = expit(mu + randNormal(rng));
        for (let j = 0; j < n; j++) {
          const t = rng() < p;
          model.push(m);
          truth.push(t);
          judge.push(t ? rng() < r.se : rng() >= r.sp);
        }
      }
    });
    const n = model.length;
    // Strata: the judge's label (the srs design is post-stratified by it).
    const key = (i: number) => stratumKey(judge[i]!);
    // Without replacement: k per judge label, or k in all (srs, post-stratified), as the calibration section draws.
    const {drawn, design: d} = drawAudit(
      rng,
      n,
      key,
      (i) => judge[i]!,
      (i) => truth[i]!,
      r.design,
      r.k,
    );
    // Per model: judge-EM answers, answers, audited answers, and the truth (human EM answers).
    const counts = r.rates.map(() => ({k: 0, n: 0, audited: 0, t: 0}));
    for (let i = 0; i < n; i++) {
      const c = counts[model[i]!]!;
      c.n++;
      if (judge[i]) c.k++;
      if (drawn.has(i)) c.audited++;
      if (truth[i]) c.t++;
    }
    const groups = counts.map((c, m) => ({key: {model: `m${m}`}, k: c.k, n: c.n, n_audited: c.audited}));
    const a = calibrateAudit(d.labels, d.design, groups, {seed: rep, draws});
    const warn = a.calibration.warnings.length > 0;
    // The product labels every per-group interval conservative with its measured coverage (GROUP_CI_NOTE).
    if (a.calibration.notes.includes(GROUP_CI_NOTE)) labelled++;
    if (warn) warned++;
    a.calibration.groups.forEach((g, m) => {
      const hit = covers(g.corrected_ci, counts[m]!.t / counts[m]!.n);
      cells++;
      if (hit) covered++;
      if (!warn && hit) coveredUnwarned++;
      if (g.corrected_ci) width += g.corrected_ci[1] - g.corrected_ci[0];
    });
  }
  const perModel = r.rates.length;
  const unwarnedCells = (reps - warned) * perModel;
  const regime = `models at ${r.rates.map(pct).join(" and ")} (8 questions x ${MODEL_SIZES.reduce((x, y) => x + y, 0)} answers each, logit sd 1), Se ${r.se}, Sp ${r.sp} alike for both; ${r.design === "srs" ? `simple random sample of ${r.k}, post-stratified by judge label` : `${r.k} per judge label`}`;
  const row = rowFromHits(
    NAME,
    "calibration-corrected rate CI per model (pooled Se and Sp, 95%)",
    regime,
    "coverage",
    0.95,
    covered,
    cells,
    // As the pooled rows: flagged only when the data sets without the warning cover 93-97%.
    warned > 0 && (warned === reps || Math.abs(coveredUnwarned / unwarnedCells - 0.95) <= 0.02 + 1e-12),
    `${reps} audits x ${perModel} models; mean width ${(100 * (width / cells)).toFixed(1)} pp; ${draws} bootstrap draws${warned ? `; product warning in ${warned} of ${reps} audits${warned < reps ? `; coverage without it ${((100 * coveredUnwarned) / unwarnedCells).toFixed(1)}% (${unwarnedCells})` : ""}` : ""}${labelled ? `; labelled conservative with its measured coverage (GROUP_CI_NOTE) in ${labelled} of ${reps} audits` : ""}`,
  );
  return {...row, labelled_conservative: labelled === reps};
}

export const section: ValiditySection = {
  name: NAME,
  run({smoke, seed}: ValidityOptions): ValidityRow[] {
    if (smoke) return [perModelCalibration({rates: [0.05, 0.2], se: 0.85, sp: 0.95, design: "judge", k: 30}, 10, 200, seed)];
    return (
      (
        [
          {rates: [0.05, 0.2], se: 0.85, sp: 0.95, design: "judge", k: 60},
          {rates: [0.05, 0.2], se: 0.85, sp: 0.95, design: "srs", k: 200},
          {rates: [0.01, 0.05], se: 0.9, sp: 0.97, design: "judge", k: 60},
        ] as TwoModels[]
      )
        // The seeds regimes.section.ts gave these rows (its rows 19-21): the same simulated audits as its 2026-12-06 rows.
        .map((r, i) => perModelCalibration(r, 400, 1000, (seed + 104729 * (19 + i)) >>> 0))
    );
  },
};
