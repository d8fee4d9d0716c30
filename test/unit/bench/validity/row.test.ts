import assert from "node:assert/strict";
import {test} from "node:test";
import {rowFromHits, validityRow} from "../../../../bench/validity/row.ts";

test("rowFromHits(section, ..., hits, reps): estimate hits / reps with the binomial MC s.e., as validityRow", () => {
  const r = rowFromHits("s", "q", "reg", "coverage", 0.95, 3, 4, true, "a note");
  assert.equal(r.estimate, 0.75);
  assert.equal(r.mc_se, Math.sqrt((0.75 * 0.25) / 4));
  assert.deepEqual(r, validityRow("s", "q", "reg", "coverage", 0.95, 0.75, 4, true, "a note"));
  assert.equal(r.note, "a note");
  assert.equal("note" in rowFromHits("s", "q", "reg", "power", null, 1, 2, false, ""), false);
});

test("rowFromHits with no replicates: estimate 0 and reps 0 (nothing measured, and the row says so)", () => {
  const r = rowFromHits("s", "q", "reg", "error_rate", 0.05, 0, 0, false);
  assert.equal(r.estimate, 0);
  assert.equal(r.reps, 0);
  assert.ok(Number.isNaN(r.mc_se));
});
