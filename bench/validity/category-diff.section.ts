// Validity of the per-category variant - baseline difference (/categories "Against the baseline, per
// category"; `em summarize --baseline --by variant,category`): the question-paired interval
// (pairedTallyDiff through baselineDiffs, which the page calls through baselineDiff on the same
// per-question counts) on a category of 1-6 questions, where the 48-question set's categories sit.
// Each data set has four categories of 1, 2, 3 and 6 questions, drawn by the rates section's
// variant - baseline model (shared question effect, each side's own noise); one row per category
// size. Truth: E[p_variant] - E[p_base] over the category's population of questions.
import {baselineDiffs} from "../../src/lib/em/baseline.ts";
import {BETLEY} from "../../src/lib/em/rules.ts";
import type {Rng} from "../../src/lib/em/prng.ts";
import {coverageRow, diffMus, diffRows, emptyDiffTally, tallyDiff, type DiffRegime} from "./rates.section.ts";
import {regimeSection, rowFromHits} from "./row.ts";
import type {ValidityRow} from "./types.ts";

const NAME = "category-diff";
/** Questions per category in one data set. */
export const CATEGORY_SIZES = [1, 2, 3, 6];
/**
 * Whether /categories marks an approximate per-category interval beside the cell ("≈" and the reason
 * in the tip, from the same note `em summarize --baseline` prints as ci_approximate). A row is flagged
 * in the product only if this is true (and, as every coverage row, only where the cells without the
 * mark cover 93-97%).
 */
export const PAGE_MARKS_APPROXIMATE = true;

export type CategoryRegime = Omit<DiffRegime, "questions" | "qVariant" | "nVariant">;

const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;

/** One row per category size: coverage of the per-category interval, or with equal rates its type-I error. */
export function categoryRows(reg: CategoryRegime, reps: number, rng: Rng, sizes: readonly number[] = CATEGORY_SIZES): ValidityRow[] {
  const mu = diffMus({...reg, questions: 0});
  const truth = reg.variant - reg.base;
  const tallies = sizes.map(() => emptyDiffTally());
  for (let s = 0; s < reps; s++) {
    const rows = sizes.flatMap((m, c) => diffRows(rng, {...reg, questions: m}, mu, {category: `c${c}`}, `c${c}q`));
    const diffs = baselineDiffs(rows, BETLEY, {by: ["variant", "category"], replicates: 200, seed: 1});
    sizes.forEach((_, c) =>
      tallyDiff(
        tallies[c]!,
        diffs.find((d) => d.key.category === `c${c}`),
        truth,
      ),
    );
  }
  return sizes.map((m, c) => {
    const t = tallies[c]!;
    const regime = `variant ${pct(reg.variant)} vs base ${pct(reg.base)}, shared logit sd ${reg.sd}, own sd ${reg.sdOwn}, ${m} question${m > 1 ? "s" : ""} in the category x ${reg.answers}, ${reg.judge} judge`;
    const cli = `em summarize --baseline flags it approximate in ${((100 * t.flagged) / reps).toFixed(0)}% of data sets`;
    if (truth === 0)
      return rowFromHits(
        NAME,
        "type-I error of the per-category variant - baseline interval (no difference)",
        regime,
        "error_rate",
        0.05,
        t.rejected,
        reps,
        false,
        cli,
      );
    const row = coverageRow("per-category variant - baseline interval (/categories)", regime, reps, t.hits, t.flagged, t.hitsUn, NAME);
    return PAGE_MARKS_APPROXIMATE
      ? row
      : {
          ...row,
          flagged_in_product: false,
          note: `${cli}; /categories marks none${t.flagged && t.flagged < reps ? `; coverage where it does not ${((100 * t.hitsUn) / (reps - t.flagged)).toFixed(1)}% (${reps - t.flagged})` : ""}`,
        };
  });
}

export const section = regimeSection<CategoryRegime>(NAME, 0xca7d1f, (r, reps, rng) => categoryRows(r, reps, rng), {
  regimes: [
    {variant: 0.1, base: 0.03, sd: 1, sdOwn: 0.3, answers: 50, judge: "float"},
    {variant: 0.2, base: 0.1, sd: 0.5, sdOwn: 0.3, answers: 100, judge: "integer"},
    {variant: 0.05, base: 0.05, sd: 1, sdOwn: 0.3, answers: 50, judge: "float"},
  ],
  reps: 400,
  smoke: {variant: 0.1, base: 0.03, sd: 1, sdOwn: 0.3, answers: 20, judge: "float"},
  smokeReps: 10,
});
