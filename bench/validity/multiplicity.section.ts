// Validity of the adjusted p-values on baseline differences (issue 26): a family of variants each
// compared with one shared baseline (as `em summarize --by variant --baseline` prints them), some
// with no true difference. Holm's promise: the family-wise error rate (any true-null variant with
// p_holm <= 0.05) at most 5%; Benjamini-Hochberg's: the false discovery rate E[V / max(R, 1)] at
// most 5%. Studies are simulated as judged answers (rates.section's generator) and go through
// baselineDiffs, which computes the p-values and both adjustments.
import {baselineDiffs} from "../../src/lib/em/baseline.ts";
import {logitLocation} from "../../src/lib/em/components.ts";
import {randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {BETLEY} from "../../src/lib/em/rules.ts";
import type {Judged} from "../../src/lib/schema.ts";
import {questionRows} from "./rates.section.ts";
import {regimeSection, rowMaker} from "./row.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

export interface FamilyRegime {
  /** Variants compared with the baseline; the first `alternatives` of them differ from it. */
  variants: number;
  alternatives: number;
  base: number;
  alt: number;
  questions: number;
  samples: number;
}

const SD_SHARED = 1;
const SD_OWN = 0.3;
const expit = (x: number) => 1 / (1 + Math.exp(-x));

function familyRows(r: FamilyRegime, rng: Rng): Judged[] {
  const total = Math.hypot(SD_SHARED, SD_OWN);
  const zq = Array.from({length: r.questions}, () => randNormal(rng));
  const rows: Judged[] = [];
  for (let v = -1; v < r.variants; v++) {
    const rate = v >= 0 && v < r.alternatives ? r.alt : r.base;
    const mu = logitLocation(rate, total);
    const extra: Partial<Judged> = v < 0 ? {variant: "base"} : {variant: `v${v}`, baseline: "base"};
    for (let q = 0; q < r.questions; q++)
      rows.push(...questionRows(rng, `q${q}`, r.samples, expit(mu + SD_SHARED * zq[q]! + SD_OWN * randNormal(rng)), "float", extra));
  }
  return rows;
}

const row = rowMaker("multiplicity", "error_rate", 0.05);

/** FWER of Holm and FDR of BH over `studies` simulated families (raw p-values' FWER in the note). */
export function familyErrorRows(r: FamilyRegime, studies: number, rng: Rng): ValidityRow[] {
  let fwerHolm = 0;
  let fwerRaw = 0;
  let fdrSum = 0;
  for (let s = 0; s < studies; s++) {
    const diffs = baselineDiffs(familyRows(r, rng), BETLEY, {by: ["variant"]});
    const isNull = (v: string) => Number(v.slice(1)) >= r.alternatives;
    if (diffs.some((d) => isNull(d.variant) && d.p_holm !== null && d.p_holm <= 0.05)) fwerHolm++;
    if (diffs.some((d) => isNull(d.variant) && d.p_value !== null && d.p_value <= 0.05)) fwerRaw++;
    const rejected = diffs.filter((d) => d.p_bh !== null && d.p_bh <= 0.05);
    const falses = rejected.filter((d) => isNull(d.variant)).length;
    fdrSum += falses / Math.max(1, rejected.length);
  }
  const text = `${r.variants} variants vs one baseline (${r.alternatives} at ${100 * r.alt}%, the rest at ${100 * r.base}%), shared logit sd ${SD_SHARED}, own ${SD_OWN}, ${r.questions} q x ${r.samples}`;
  return [
    row(
      "family-wise error of p_holm <= 0.05 (Holm)",
      text,
      fwerHolm / studies,
      studies,
      false,
      `unadjusted p <= 0.05 on some true null: ${((100 * fwerRaw) / studies).toFixed(1)}%`,
    ),
    row(
      "false discovery rate of p_bh <= 0.05 (Benjamini-Hochberg)",
      text,
      fdrSum / studies,
      studies,
      false,
      "mean share of false discoveries among discoveries; MC s.e. shown is the binomial upper bound",
    ),
  ];
}

const REGIMES: FamilyRegime[] = [
  {variants: 8, alternatives: 0, base: 0.05, alt: 0.12, questions: 24, samples: 50},
  {variants: 8, alternatives: 3, base: 0.05, alt: 0.12, questions: 24, samples: 50},
  {variants: 6, alternatives: 2, base: 0.1, alt: 0.2, questions: 8, samples: 50},
];

export const section: ValiditySection = regimeSection("multiplicity", 0x3b1d, familyErrorRows, {
  regimes: REGIMES,
  reps: 400,
  smoke: {variants: 4, alternatives: 1, base: 0.05, alt: 0.12, questions: 8, samples: 20},
  smokeReps: 20,
});
