// The audit-accuracy validity section (bench/validity/audit-accuracy.section.ts): Se, Sp and J
// intervals of calibrate read against the finite population's truth, and the judge-vs-chance decision.
import assert from "node:assert/strict";
import test from "node:test";
import {accuracyRows, CHANCE_QUANTITY, chanceRow, section} from "../../../../bench/validity/audit-accuracy.section.ts";
import {rowProblems} from "../../../../bench/validity/run.ts";
import {JUDGE_INFORMATIVE_FLOOR} from "../../../../src/lib/em/correction.ts";

test("accuracyRows: the Se, Sp and J intervals cover the population's own values (60 per judge label, 20 audits)", () => {
  const rows = accuracyRows({rate: 0.15, se: 0.75, sp: 0.93, design: "judge", k: 60}, 20, 300, 11);
  assert.deepEqual(
    rows.map((r) => r.quantity),
    ["judge sensitivity 95% CI (human audit)", "judge specificity 95% CI (human audit)", "Se + Sp - 1 (Youden's J) 95% CI (human audit)"],
  );
  for (const r of rows) {
    assert.deepEqual(rowProblems(r), []);
    assert.ok(r.estimate >= 0.8, `${r.quantity}: ${r.estimate}`);
  }
  // Every audit of a judge this good is called better than chance.
  assert.match(rows[0]!.note ?? "", /better than chance in 20 of 20/);
});

test("chanceRow: a judge at chance (Se + Sp - 1 = 0) is not called better than chance", () => {
  const r = chanceRow({rate: 0.1, se: 0.1, sp: 0.9, design: "judge", k: 60, seDrop: 0}, 20, 300, 5);
  assert.equal(r.quantity, CHANCE_QUANTITY);
  assert.match(r.quantity, new RegExp(`above ${JUDGE_INFORMATIVE_FLOOR}\\)`));
  assert.match(r.regime, /\(J = 0\)/);
  assert.equal(r.kind, "error_rate");
  assert.ok(r.estimate <= 0.1, `called better than chance in ${r.estimate}`);
});

test("audit-accuracy section (smoke) returns well-formed rows", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.equal(rows.length, 4);
  for (const r of rows) assert.deepEqual(rowProblems(r), []);
});
