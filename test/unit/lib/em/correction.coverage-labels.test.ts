// The product's coverage labels state what the validity harness measured: GROUP_CI_COVERAGE (the
// per-group corrected interval's note, GROUP_CI_NOTE) against the per-model rows of
// bench/results/validity.json, so a rerun that moves the coverage makes the label wrong here first.
import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {ROOT} from "../../../../loaders/paths.ts";
import {GROUP_CI_COVERAGE, GROUP_CI_NOTE} from "../../../../src/lib/em/correction.ts";
import type {ValidityRow} from "../../../../bench/validity/types.ts";

const results = JSON.parse(readFileSync(join(ROOT, "bench/results/validity.json"), "utf8")) as {
  sections: {name: string; rows: (ValidityRow & {verdict: string})[]}[];
};
// The audit-groups section measures the per-group interval the product now computes (groupShareDraw); rows of
// the same quantity in an older regimes run measured the interval before it and are not this label's evidence.
const rows = results.sections.find((s) => s.name === "audit-groups")?.rows ?? [];

test("GROUP_CI_COVERAGE is the lowest and highest measured coverage of the per-model rows, and GROUP_CI_NOTE prints it", () => {
  const perModel = rows.filter((r) => r.quantity === "calibration-corrected rate CI per model (pooled Se and Sp, 95%)");
  assert.equal(perModel.length, GROUP_CI_COVERAGE.regimes);
  const est = perModel.map((r) => r.estimate);
  assert.equal(Math.min(...est).toFixed(3), GROUP_CI_COVERAGE.low.toFixed(3));
  assert.equal(Math.max(...est).toFixed(3), GROUP_CI_COVERAGE.high.toFixed(3));
  for (const r of perModel) {
    assert.equal(r.reps, GROUP_CI_COVERAGE.reps);
    // The rows were run with the label in the product: every audit showed it.
    assert.equal(r.labelled_conservative, true, r.regime);
    assert.ok(r.estimate >= 0.93, `${r.regime}: ${r.estimate} is under the band: a conservative label would be false`);
  }
  assert.ok(GROUP_CI_NOTE.includes(`${(100 * GROUP_CI_COVERAGE.low).toFixed(1)}-${(100 * GROUP_CI_COVERAGE.high).toFixed(1)}%`), GROUP_CI_NOTE);
});
