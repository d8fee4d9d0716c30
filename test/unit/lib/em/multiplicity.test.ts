// Many comparisons (issue 26): Holm and Benjamini-Hochberg adjusted p-values (hand-computed),
// the interval inverted into a p-value, and the adjusted values on `baselineDiffs`.
import assert from "node:assert/strict";
import {test} from "node:test";
import {clusterDiffCi} from "../../../../src/lib/em/intervals.ts";
import {benjaminiHochberg, holm, invertInterval} from "../../../../src/lib/em/multiplicity.ts";
import {familyErrorRows} from "../../../../bench/validity/multiplicity.section.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("holm(p): step-down, monotone, nulls kept out of m", () => {
  // sorted .005 (x4 = .02), .01 (x3 = .03), .03 (x2 = .06), .04 (x1 = .04 -> running max .06)
  assert.deepEqual(
    holm([0.01, 0.04, 0.03, 0.005]).map((x) => +x!.toFixed(12)),
    [0.03, 0.06, 0.06, 0.02],
  );
  assert.deepEqual(holm([0.01, null, 0.5]), [0.02, null, 0.5]);
  assert.deepEqual(holm([0.6, 0.7]), [1, 1]);
  assert.deepEqual(holm([]), []);
});

test("benjaminiHochberg(p): step-up, monotone, nulls kept out of m", () => {
  // .005*4/1 = .02, .01*4/2 = .02, .03*4/3 = .04, .04*4/4 = .04
  assert.deepEqual(
    benjaminiHochberg([0.01, 0.04, 0.03, 0.005]).map((x) => +x!.toFixed(12)),
    [0.02, 0.04, 0.04, 0.02],
  );
  assert.deepEqual(benjaminiHochberg([0.01, null, 0.04]), [0.02, null, 0.04]);
  assert.deepEqual(benjaminiHochberg([]), []);
  for (const p of [[0.2, 0.01, 0.03, 0.5, 0.001]]) {
    const b = benjaminiHochberg(p);
    const h = holm(p);
    p.forEach((x, i) => assert.ok(x <= b[i]! && b[i]! <= h[i]! + 1e-15, `p ${x} <= bh ${b[i]} <= holm ${h[i]}`));
  }
});

test("invertInterval: p < 0.05 exactly when the 95% interval excludes 0", () => {
  const a = {k: [3, 5, 1, 8, 0, 4, 2, 6], d: [50, 50, 50, 50, 50, 50, 50, 50]};
  const b = {k: [1, 2, 0, 3, 0, 1, 1, 2], d: [50, 50, 50, 50, 50, 50, 50, 50]};
  const p = invertInterval((c) => clusterDiffCi(a, b, c)?.ci ?? null)!;
  assert.ok(p > 0 && p < 1);
  const at = (c: number) => clusterDiffCi(a, b, c)!.ci;
  assert.ok(at(1 - p * 1.01)[0] > 0, "just above p the interval excludes 0");
  assert.ok(at(1 - p * 0.99)[0] <= 0, "just below p it holds 0");
  assert.equal(
    invertInterval(() => [-0.1, 0.1]),
    1,
  );
  assert.equal(
    invertInterval(() => null),
    null,
  );
});

test("family error rates through baselineDiffs (smoke): Holm's FWER and BH's FDR rows are well formed", () => {
  const rows = familyErrorRows({variants: 4, alternatives: 0, base: 0.05, alt: 0.12, questions: 8, samples: 20}, 20, makeRng(1));
  const fwer = rows.find((r) => r.quantity.startsWith("family-wise"))!;
  assert.equal(fwer.kind, "error_rate");
  assert.equal(fwer.nominal, 0.05);
  assert.match(fwer.note!, /unadjusted/);
});
