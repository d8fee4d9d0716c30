// anchorDrift (issue 26): hand-computed paired test, edge cases, and its type-I error at the
// tolerance boundary in a seeded simulation (the drift validity section, smoke size).
import assert from "node:assert/strict";
import test from "node:test";
import {driftFlagRate} from "../../../../bench/validity/drift.section.ts";
import {anchorDrift} from "../../../../src/lib/em/drift.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("anchorDrift(pairs): hand-computed shift, interval and one-sided p against the tolerance", () => {
  // d = 4, 6, 5, 7, 3: mean 5, sd sqrt(2.5), se sqrt(0.5); t = (5 - 3) / 0.7071 = 2.828, df 4 -> p = 0.0237.
  const pairs = [4, 6, 5, 7, 3].map((d, i) => ({before: 10 * i, now: 10 * i + d}));
  const r = anchorDrift(pairs, {tolerance: 3});
  assert.equal(r.compared, 5);
  assert.equal(r.mean_shift, 5);
  assert.ok(Math.abs(r.p_value! - 0.0237) < 5e-4, String(r.p_value));
  assert.equal(r.drift, true);
  // t(0.975, 4) = 2.776: 5 +- 2.776 * 0.7071
  assert.ok(Math.abs(r.ci![0] - (5 - 2.7764 * Math.sqrt(0.5))) < 1e-3);
  // The same shift within a tolerance of 5: not drift (p > 0.5).
  assert.equal(anchorDrift(pairs, {tolerance: 5}).drift, false);
  // Negative shifts count the same.
  assert.equal(
    anchorDrift(
      pairs.map((p) => ({before: p.now, now: p.before})),
      {tolerance: 3},
    ).p_value,
    r.p_value,
  );
});

test("anchorDrift: identical scores give p = 1; a constant shift beyond the tolerance gives p = 0; nulls are flips, not pairs", () => {
  const same = anchorDrift([10, 20, 30].map((x) => ({before: x, now: x})));
  assert.equal(same.p_value, 1);
  assert.equal(same.drift, false);
  const constant = anchorDrift(
    [10, 20, 30].map((x) => ({before: x, now: x + 8})),
    {tolerance: 3},
  );
  assert.equal(constant.p_value, 0);
  assert.equal(constant.drift, true);
  const flips = anchorDrift([
    {before: null, now: 40},
    {before: 50, now: null},
    {before: null, now: null},
    {before: 1, now: 2},
  ]);
  assert.equal(flips.null_flips, 2);
  assert.equal(flips.compared, 1);
  assert.equal(flips.p_value, null, "one pair: too few to test");
  assert.equal(flips.drift, false);
  const empty = anchorDrift([]);
  assert.equal(empty.mean_shift, null);
  assert.equal(empty.drift, false);
});

test("anchorDrift keeps its level: at a shift equal to the tolerance it flags about 5% of noisy anchor sets (seeded)", () => {
  const rng = makeRng(26);
  const atTol = driftFlagRate(20, 3, 4, 3, 1500, rng);
  assert.ok(atTol < 0.05 + 3 * Math.sqrt((0.05 * 0.95) / 1500), `flag rate at the tolerance ${atTol}`);
  assert.ok(atTol > 0.02, `not vacuous: ${atTol}`);
  assert.ok(driftFlagRate(20, 0, 4, 3, 500, rng) < 0.01);
  assert.ok(driftFlagRate(20, 8, 4, 3, 500, rng) > 0.9);
});
