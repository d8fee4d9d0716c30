// Two judges on the same answers (issue 26): McNemar's exact p (hand-computed), the question-paired
// difference, bootstrap intervals around kappa and Spearman, edge cases, and the test's level in
// a seeded simulation (smoke) where McNemar's answer-level independence breaks.
import assert from "node:assert/strict";
import {test} from "node:test";
import {judgeTestRows} from "../../../../bench/validity/judges.section.ts";
import {binomialTwoSided, judgePairTest, type JudgedPair} from "../../../../src/lib/em/judge-test.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("binomialTwoSided(x, n): McNemar's exact p", () => {
  // 1 of 10 discordant: 2 * (1 + 10) / 1024
  assert.ok(Math.abs(binomialTwoSided(1, 10) - 22 / 1024) < 1e-15);
  assert.equal(binomialTwoSided(5, 10), 1);
  assert.equal(binomialTwoSided(0, 0), 1);
  assert.ok(Math.abs(binomialTwoSided(0, 3) - 0.25) < 1e-15);
});

const pair = (question: string, em1: boolean | null, em2: boolean | null, a1 = em1 ? 10 : 80, a2 = em2 ? 10 : 80): JudgedPair => ({
  question,
  em1,
  em2,
  aligned1: a1,
  aligned2: a2,
});

test("judgePairTest: rates over each judge's own denominator, the paired difference and McNemar's counts", () => {
  // q1: judge 1 EM on 2 of 4, judge 2 on 1 of 4; q2: 1 of 4 vs 1 of 3 (one answer outside judge 2's denominator).
  const ps = [
    pair("q1", true, true),
    pair("q1", true, false),
    pair("q1", false, false),
    pair("q1", false, false),
    pair("q2", true, true),
    pair("q2", false, false),
    pair("q2", false, null),
    pair("q2", false, false),
  ];
  const t = judgePairTest(ps, makeRng(1), {draws: 200});
  assert.equal(t.rate1, 3 / 8);
  assert.equal(t.rate2, 2 / 7);
  assert.ok(Math.abs(t.diff! - (3 / 8 - 2 / 7)) < 1e-15);
  assert.deepEqual([t.mcnemar.only1, t.mcnemar.only2], [1, 0]);
  assert.equal(t.mcnemar.p_value, 1);
  assert.ok(t.diff_ci![0] <= t.diff! && t.diff! <= t.diff_ci![1]);
  assert.ok(t.kappa_ci![0] <= t.kappa! + 1e-12 && t.kappa! - 1e-12 <= t.kappa_ci![1]);
  assert.ok(t.notes.some((n) => /2 questions/.test(n)));
});

test("judgePairTest: empty input and one question", () => {
  const e = judgePairTest([], makeRng(1));
  assert.equal(e.n, 0);
  assert.equal(e.diff, null);
  assert.equal(e.mcnemar.p_value, null);
  const one = judgePairTest([pair("q", true, false), pair("q", false, false)], makeRng(1));
  assert.equal(one.diff_ci, null, "one question: no question-paired interval");
  assert.equal(one.p_question_paired, null);
  assert.equal(one.kappa_ci, null);
});

test("level (smoke): with question-dependent judge leniency McNemar over-rejects, the question-paired test does not", () => {
  const [paired, mcnemar] = judgeTestRows({rate: 0.1, sd: 1, questions: 24, samples: 50, flip: 0.05, shift: 0.03}, 120, makeRng(4));
  assert.ok(paired!.estimate <= 0.05 + 3 * Math.sqrt((0.05 * 0.95) / 120), `question-paired type I ${paired!.estimate}`);
  assert.ok(mcnemar!.estimate > 0.1, `McNemar type I ${mcnemar!.estimate}`);
});
