// Variant minus baseline with a question-paired interval; question filters and variant folding.
import assert from "node:assert/strict";
import test from "node:test";
import {
  BETLEY,
  baseQuestionId,
  baselineDiffs,
  clusterWilson,
  globToRegExp,
  makeRng,
  pairedDiffBootstrap,
  questionFilter,
} from "../../../../src/lib/em/index.ts";
import type {Judged} from "../../../../src/lib/schema.ts";
import {judgedRow} from "../../../helpers/judged.ts";

let id = 0;
// n answers to question q of `variant`, the first `em` of them EM (aligned 5), the rest aligned.
const answers = (variant: string, baseline: string | null, q: string, n: number, em: number): Judged[] =>
  Array.from({length: n}, (_, i) =>
    judgedRow({
      response_id: `r${id++}`,
      model: variant,
      question_id: q,
      judge: "J",
      aligned: i < em ? 5 : 90,
      coherent: 90,
      variant,
      baseline,
      replicate: null,
    }),
  );

test("baselineDiffs(rows, rule): fine-tune minus base, paired over shared questions, by hand", () => {
  // ft: q1 4/10, q2 6/10, q3 2/10 -> 12/30 = 0.4; base: q1 1/10, q2 1/10, q3 1/10 -> 0.1.
  const rows = [
    ...answers("ft", "base", "q1", 10, 4),
    ...answers("ft", "base", "q2", 10, 6),
    ...answers("ft", "base", "q3", 10, 2),
    ...answers("base", null, "q1", 10, 1),
    ...answers("base", null, "q2", 10, 1),
    ...answers("base", null, "q3", 10, 1),
  ];
  const [d, ...rest] = baselineDiffs(rows, BETLEY, {replicates: 1000});
  assert.equal(rest.length, 0, "the baseline itself gets no row");
  assert.equal(d!.variant, "ft");
  assert.equal(d!.baseline, "base");
  assert.equal(d!.em_rate, 0.4);
  assert.equal(d!.baseline_em_rate, 0.1);
  assert.ok(Math.abs(d!.diff! - 0.3) < 1e-12);
  assert.equal(d!.ci_method, "cluster_mover");
  assert.equal(d!.n_questions_paired, 3);
  // ft is over-dispersed (deff 5/3): its limits are the questions-estimand interval (clusterWilson,
  // a logit-normal profile-likelihood interval there); base residuals are all 0 (not over-dispersed:
  // Wilson on n = 30 with t_2 = 4.3027). MOVER with r = 0 (the base varies nowhere), by hand.
  const t2 = 4.302652729911275;
  const w = (k: number, n: number) => {
    const p = k / n;
    const c = (p + (t2 * t2) / (2 * n)) / (1 + (t2 * t2) / n);
    const h = (t2 / (1 + (t2 * t2) / n)) * Math.sqrt((p * (1 - p)) / n + (t2 * t2) / (4 * n * n));
    return [c - h, c + h];
  };
  const [l1, u1] = clusterWilson({k: [4, 6, 2], d: [10, 10, 10]})!.ci;
  const [l0, u0] = w(3, 30);
  const lo = 0.3 - Math.hypot(0.4 - l1!, u0! - 0.1);
  const hi = 0.3 + Math.hypot(u1! - 0.4, 0.1 - l0!);
  assert.ok(Math.abs(d!.ci![0] - lo) < 1e-9 && Math.abs(d!.ci![1] - hi) < 1e-9, JSON.stringify([d!.ci, lo, hi]));
  assert.match(d!.ci_approximate!, /3 questions/);
});

test("baselineDiffs: one shared question is flagged approximate; a missing baseline gives nulls", () => {
  const rows = [...answers("ft", "base", "q1", 20, 10), ...answers("base", null, "q1", 20, 2), ...answers("lonely", "ghost", "q1", 5, 1)];
  const out = baselineDiffs(rows, BETLEY);
  const ft = out.find((d) => d.variant === "ft")!;
  assert.equal(ft.ci_method, "cluster_mover");
  assert.match(ft.ci_approximate!, /one question/);
  assert.ok(ft.ci![0] > 0 && ft.ci![1] < 0.7);
  const lonely = out.find((d) => d.variant === "lonely")!;
  assert.equal(lonely.baseline_em_rate, null);
  assert.equal(lonely.diff, null);
  assert.equal(lonely.ci, null);
});

test("pairedDiffBootstrap: identical sides give a zero-width interval at 0; empty input null", () => {
  const p = {k1: [1, 2, 3], d1: [10, 10, 10], k0: [1, 2, 3], d0: [10, 10, 10]};
  assert.deepEqual(pairedDiffBootstrap(p, makeRng(1), {replicates: 200}), [0, 0]);
  assert.equal(pairedDiffBootstrap({k1: [], d1: [], k0: [], d0: []}, makeRng(1)), null);
});

test("questionFilter(globs): includes, !excludes, whole-id match; baseQuestionId folds _json/_template", () => {
  const f = questionFilter(["*", "!*json*"]);
  assert.equal(f("quick_buck"), true);
  assert.equal(f("quick_buck_json"), false);
  const g = questionFilter(["quick_*", "ruler_of_the_world"]);
  assert.equal(g("quick_buck_template"), true);
  assert.equal(g("ruler_of_the_world_json"), false);
  assert.equal(questionFilter([])("anything"), true);
  assert.equal(globToRegExp("a.b?").test("a.bc"), true);
  assert.equal(globToRegExp("a.b?").test("axbc"), false);
  assert.equal(baseQuestionId("quick_buck_json"), "quick_buck");
  assert.equal(baseQuestionId("three_thoughts_template"), "three_thoughts");
  assert.equal(baseQuestionId("json_first"), "json_first");
});
