// The per-category difference's validity section (bench/validity/category-diff.section.ts): one row per
// category size through baselineDiffs by (variant, category), flagged only where /categories marks it.
import assert from "node:assert/strict";
import test from "node:test";
import {categoryRows, PAGE_MARKS_APPROXIMATE, section} from "../../../../bench/validity/category-diff.section.ts";
import {rowProblems} from "../../../../bench/validity/run.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("categoryRows: one coverage row per category size, never flagged while /categories marks no approximate interval", () => {
  const rows = categoryRows({variant: 0.2, base: 0.05, sd: 0.5, sdOwn: 0.3, answers: 30, judge: "float"}, 30, makeRng(2), [1, 3]);
  assert.deepEqual(
    rows.map((r) => r.regime.match(/(\d+) questions? in the category/)?.[1]),
    ["1", "3"],
  );
  assert.equal(PAGE_MARKS_APPROXIMATE, false);
  for (const r of rows) {
    assert.deepEqual(rowProblems(r), []);
    assert.equal(r.quantity, "per-category variant - baseline interval (/categories)");
    assert.equal(r.flagged_in_product, false);
    assert.match(r.note ?? "", /em summarize --baseline flags it approximate in \d+% of data sets; \/categories marks none/);
    assert.ok(r.estimate > 0.5, `${r.regime}: ${r.estimate}`);
  }
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
