// verdictWords(verdict): every verdict that is not "credible" has words, and none is the id or says "flat".
import assert from "node:assert/strict";
import {test} from "node:test";
import type {TransitionVerdict} from "../../../../src/lib/em/transition-test.ts";
import {VERDICT_WORDS, verdictWords} from "../../../../src/lib/em/verdict-words.ts";

// Every verdict id of the analysis library but "credible" (a new id fails to compile here until it has words).
const IDS: Record<Exclude<TransitionVerdict, "credible">, true> = {
  flat: true,
  smooth_trend: true,
  outside_range: true,
  non_monotone: true,
  too_few_points: true,
};

test("verdictWords(verdict): words for every non-credible verdict, never the id, never 'flat'", () => {
  assert.deepEqual(Object.keys(VERDICT_WORDS).sort(), Object.keys(IDS).sort());
  for (const id of Object.keys(IDS)) {
    const words = verdictWords(id);
    assert.notEqual(words, id);
    assert.doesNotMatch(words, /\bflat\b|_/, id);
  }
  assert.equal(verdictWords("flat"), "no evidence against a constant rate");
  assert.equal(verdictWords("some_new_id"), "some new id");
});
