// The per-category difference's validity section (bench/validity/category-diff.section.ts): one row per
// category size through baselineDiffs by (variant, category), flagged only as /categories marks it.
import assert from "node:assert/strict";
import test from "node:test";
import {categoryRows, PAGE_MARKS_APPROXIMATE, section} from "../../../../bench/validity/category-diff.section.ts";
import {rowProblems} from "../../../../bench/validity/run.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("categoryRows: one coverage row per category size, flagged as the page marks it (≈ on /categories)", () => {
  const rows = categoryRows({variant: 0.2, base: 0.05, sd: 0.5, sdOwn: 0.3, answers: 30, judge: "float"}, 30, makeRng(2), [1, 3]);
  assert.deepEqual(
    rows.map((r) => r.regime.match(/(\d+) questions? in the category/)?.[1]),
    ["1", "3"],
  );
  assert.equal(PAGE_MARKS_APPROXIMATE, true);
  for (const r of rows) {
    assert.deepEqual(rowProblems(r), []);
    assert.equal(r.quantity, "per-category variant - baseline interval (/categories)");
    assert.match(r.note ?? "", /^flagged approximate in \d+% of data sets/);
    assert.ok(r.estimate > 0.5, `${r.regime}: ${r.estimate}`);
  }
  // One question: the interval cannot see between-question spread, and says so on every data set.
  assert.match(rows[0]!.note ?? "", /^flagged approximate in 100% of data sets/);
  assert.equal(rows[0]!.flagged_in_product, true);
});

test("categoryRows: equal rates give the type-I error row", () => {
  const [r] = categoryRows({variant: 0.1, base: 0.1, sd: 0.5, sdOwn: 0.3, answers: 30, judge: "float"}, 20, makeRng(4), [2]);
  assert.equal(r!.quantity, "type-I error of the per-category variant - baseline interval (no difference)");
  assert.equal(r!.kind, "error_rate");
});

test("category-diff section (smoke) returns a well-formed row per category size", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.equal(rows.length, 4);
  for (const r of rows) assert.deepEqual(rowProblems(r), []);
});
