// The per-group corrected rate's interval (src/lib/em/correction.ts, groupShareDraw): the /audit
// per-model table and `em summarize --calibrate`. It claims the group's share of human EM among its
// own answers; given Se and Sp its spread is the judge's misclassification noise, not the raw rate's
// whole binomial spread (docs/validity.md, regimes section: the latter covered 98.5-99.6%).
import {test} from "node:test";
import assert from "node:assert/strict";
import {calibrate, groupShareDraw, type AuditStratum} from "../../../../src/lib/em/correction.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

// A pooled population of 1,000,000 answers at 10% EM judged with Se 0.85, Sp 0.95, audited with
// 50,000 labels per judge label: Se and Sp are known to a few tenths of a point.
const strata: AuditStratum[] = [
  {key: "judge_em", judge_em: true, population: 130_000, audited: 50_000, human_em: 32_692},
  {key: "judge_not_em", judge_em: false, population: 870_000, audited: 50_000, human_em: 862},
];

test("per-group interval: width of the misclassification noise given the group's share, (p Se(1-Se) + (1-p) Sp(1-Sp)) / (n J^2)", () => {
  // A model with 72 of 800 answers called EM: corrected 5%.
  const c = calibrate(strata, [{key: {model: "m"}, k: 72, n: 800, n_audited: 0}], {seed: 3, draws: 8000});
  assert.ok(Math.abs(c.sensitivity! - 0.85) < 0.002 && Math.abs(c.specificity! - 0.95) < 0.002, `Se ${c.sensitivity}, Sp ${c.specificity}`);
  const g = c.groups[0]!;
  assert.ok(Math.abs(g.corrected_em_rate! - 0.05) < 0.002, `corrected ${g.corrected_em_rate}`);
  const [se, sp, p, n] = [0.85, 0.95, 0.05, 800];
  const j = se + sp - 1;
  const sd = Math.sqrt((p * se * (1 - se) + (1 - p) * sp * (1 - sp)) / (n * j * j)); // 1.00 pp
  const width = g.corrected_ci![1] - g.corrected_ci![0];
  // The raw rate's binomial spread would give 2 x 1.96 x sqrt(0.09 x 0.91 / (800 J^2)) = 4.9 pp.
  assert.ok(Math.abs(width / (2 * 1.96 * sd) - 1) < 0.1, `width ${(100 * width).toFixed(2)} pp, expected ${(100 * 2 * 1.96 * sd).toFixed(2)} pp`);
  assert.ok(g.corrected_ci![0] <= 0.05 && 0.05 <= g.corrected_ci![1]);
});

test("groupShareDraw: mean at the Rogan-Gladen prevalence, exact counts at a 1% rate (few expected EM answers), NaN for a judge no better than chance", () => {
  const rng = makeRng(11);
  // 800 answers at 1%, Se 0.9, Sp 0.97: the judge calls 0.9% + 2.97% = 3.87% EM, 31 of 800.
  const draws = Array.from({length: 20_000}, () => groupShareDraw(rng, 31, 800, 0.9, 0.97));
  const mean = draws.reduce((a, x) => a + x, 0) / draws.length;
  const rg = (31 / 800 + 0.97 - 1) / 0.87;
  assert.ok(Math.abs(mean - rg) < 0.003, `mean ${mean} vs Rogan-Gladen ${rg}`);
  // Whole answers: every draw is a count over 800.
  assert.ok(draws.every((x) => Math.abs(x * 800 - Math.round(x * 800)) < 1e-9));
  assert.ok(Number.isNaN(groupShareDraw(rng, 31, 800, 0.5, 0.5)));
});
