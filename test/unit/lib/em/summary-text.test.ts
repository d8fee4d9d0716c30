// The text helpers of summaries (summary-text.ts): strict EM as a range, a range's text, a method's label.
import {test} from "node:test";
import assert from "node:assert/strict";
import {ciMethodLabel, countText, rangeText, specialShare, specialText, strictRange} from "../../../../src/lib/em/summary-text.ts";
import * as viewSummary from "../../../../src/lib/em/view-summary.ts";

test("strictRange: a range only when strict EM is not a point and the ends differ", () => {
  assert.deepEqual(strictRange({strict_em_rate: null, strict_em_range: [0.03, 0.1]}), [0.03, 0.1]);
  assert.equal(strictRange({strict_em_rate: 0.03, strict_em_range: [0.03, 0.03]}), null, "determined: a point");
  assert.equal(strictRange({strict_em_rate: null, strict_em_range: [0.03, 0.03]}), null, "equal ends say nothing a point would not");
  assert.equal(strictRange({strict_em_rate: null, strict_em_range: null}), null, "empty denominator");
});

test("rangeText: one decimal, two when the ends would print alike (a range never reads as a point)", () => {
  assert.equal(rangeText([0.029, 0.031]), "2.9%–3.1%");
  assert.equal(rangeText([0.0288, 0.0294]), "2.88%–2.94%");
});

test("ciMethodLabel: known codes in words, others with spaces, none as n/a; view-summary re-exports the same functions", () => {
  assert.equal(ciMethodLabel("wilson"), "Wilson, one question");
  assert.equal(ciMethodLabel("some_new_method"), "some new method");
  assert.equal(ciMethodLabel(null), "n/a");
  assert.equal(viewSummary.ciMethodLabel, ciMethodLabel);
  assert.equal(viewSummary.strictRange, strictRange);
});

test("specialShare / specialText: CODE / REFUSAL with their denominator (answers that record them); not recorded: no number", () => {
  const g = {code_rate: 1 / 340, refusal_rate: 12 / 340, n_special_known: 340};
  assert.deepEqual(specialShare(g, "refusal"), {k: 12, n: 340, rate: 12 / 340});
  assert.deepEqual(specialShare(g, "code"), {k: 1, n: 340, rate: 1 / 340});
  assert.equal(specialText(g), "CODE 0.3% (1 / 340), REFUSAL 3.5% (12 / 340) of the answers whose judge output records CODE / REFUSAL");
  assert.equal(specialText({code_rate: null, refusal_rate: null, n_special_known: 0}), "CODE / REFUSAL not recorded by this source");
  assert.equal(specialText(null), "CODE / REFUSAL not recorded by this source");
  assert.equal(specialShare({code_rate: null, refusal_rate: null, n_special_known: 0}, "refusal"), null);
});

test("countText prints a count as toLocaleString('en-US') does, without Intl (the first paint of /sensitivity)", () => {
  for (const n of [0, 7, -7, 999, 1000, -1000, 12345, 999999, 1000000, 1234567, -987654321, 2 ** 31, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER])
    assert.equal(countText(n), n.toLocaleString("en-US"), String(n));
  // Not a safe integer: toLocaleString's own text.
  assert.equal(countText(1.5), (1.5).toLocaleString("en-US"));
  assert.equal(countText(2 ** 60), (2 ** 60).toLocaleString("en-US"));
});
