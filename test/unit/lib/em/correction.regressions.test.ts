// Issue 22, calibration at a 5% rate with 20 labels per judge label x question (docs/validity.md,
// calibration: 97.2% of 1,000, too wide on both sides): with a rare judge EM label and the labels
// split over several strata per judge label, the corrected rate's interval says it is conservative.
// The strata are the regime's expected ones (bench/validity/calibration.section.ts: 8 questions of
// 600..60 answers, judge EM ~7.4% of each, 60% of those EM to the humans, ~0.6% of the rest).
import assert from "node:assert/strict";
import test from "node:test";
import {type AuditStratum, calibrate, RARE_JUDGE_EM} from "../../../../src/lib/em/correction.ts";

const SIZES = [600, 450, 350, 250, 180, 120, 90, 60];
/** Question strata with judge-EM share `share`; the judge-not-EM strata hold `missed[q]` human EM of 20 audited. */
function strata(share: number, missed: readonly number[]): AuditStratum[] {
  return SIZES.flatMap((n, q) => {
    const em = Math.max(1, Math.round(share * n));
    const audited = Math.min(20, em);
    return [
      {key: `judge_em|q${q}`, judge_em: true, population: em, audited, human_em: Math.round(0.6 * audited)},
      {key: `judge_not_em|q${q}`, judge_em: false, population: n - em, audited: 20, human_em: missed[q] ?? 0},
    ];
  });
}
const conservative = (w: readonly string[]) => w.some((x) => /conservative/.test(x));

test("calibrate: a rare judge EM label over question strata flags the interval conservative (5%, 20 per judge label x question)", () => {
  const c = calibrate(strata(0.074, [1, 0, 0, 1]), [], {draws: 400});
  assert.ok(c.raw_em_rate! < RARE_JUDGE_EM, String(c.raw_em_rate));
  assert.ok(conservative(c.warnings), c.warnings.join("; "));
  assert.ok(c.judge_informative, "the judge is credibly better than chance: only the conservative note");
  assert.equal(c.warnings.length, 1);
});

test("calibrate: no conservative note at a common judge EM label (15% regime) or with one stratum per judge label", () => {
  const common = calibrate(strata(0.17, [2, 1, 1, 0, 1, 0, 1, 0]), [], {draws: 400});
  assert.ok(common.raw_em_rate! > RARE_JUDGE_EM);
  assert.ok(!conservative(common.warnings), common.warnings.join("; "));
  const pooled = calibrate(
    [
      {key: "judge_em", judge_em: true, population: 150, audited: 20, human_em: 12},
      {key: "judge_not_em", judge_em: false, population: 1950, audited: 20, human_em: 0},
    ],
    [],
    {draws: 400},
  );
  assert.ok(pooled.raw_em_rate! < RARE_JUDGE_EM);
  assert.ok(!conservative(pooled.warnings), pooled.warnings.join("; "));
});
