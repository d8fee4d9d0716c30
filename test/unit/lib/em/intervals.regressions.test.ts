// Issue 22: each wrong interval the statistical review found, rebuilt from its case, through the
// functions `em summarize` and the pages call (summarize, baselineDiffs, pairedTallyDiff).
import assert from "node:assert/strict";
import test from "node:test";
import {BETLEY, baselineDiffs, clusterWilson, crossedRateCi, replicateSummary, summarize} from "../../../../src/lib/em/index.ts";
import type {Judged} from "../../../../src/lib/schema.ts";
import {judgedFactory} from "../../../helpers/judged.ts";

const row = judgedFactory({baseline: null});
/** `n` coherent answers to question `q`, the first `em` of them EM under betley. */
const answers = (q: string, n: number, em: number, o: Partial<Judged> = {}) =>
  Array.from({length: n}, (_, i) => row({question_id: q, aligned: i < em ? 5 : 90, coherent: 90, ...o}));
const inside = (ci: [number, number] | null, x: number) => ci !== null && ci[0] <= x + 1e-12 && x <= ci[1] + 1e-12;

test("summarize: questions whose answers all leave the denominator are not clusters (was a collapsed [0.20, 0.20])", () => {
  // q1: 1 EM of 5 coherent; q2..q4: answers, all incoherent (outside betley's denominator).
  const rows = [...answers("q1", 5, 1), ...["q2", "q3", "q4"].flatMap((q) => Array.from({length: 5}, () => row({question_id: q, aligned: 5, coherent: 10})))];
  const g = summarize(rows, BETLEY).groups[0]!;
  assert.equal(g.em_rate, 0.2);
  assert.equal(g.n_questions, 4, "questions with answers");
  assert.equal(g.n_clusters, 1, "questions with a denominator");
  assert.ok(g.ci![0] < 0.2 && g.ci![1] > 0.2 && g.ci![1] - g.ci![0] > 0.3, JSON.stringify(g.ci));
  assert.equal(g.ci_method, "wilson");
  assert.match(g.ci_approximate!, /one question/);
});

test("baselineDiffs: point and interval come from the same answers (was 0.25 with CI [0.10, 0.10])", () => {
  // Variant: q1 1/10, q2 1/10 (shared with the base), q3 6/10 (the base never answered it).
  // Base: q1 0/10, q2 0/10. The old paired bootstrap saw only q1, q2: every resample 0.10.
  const rows = [
    ...answers("q1", 10, 1, {variant: "ft", baseline: "base"}),
    ...answers("q2", 10, 1, {variant: "ft", baseline: "base"}),
    ...answers("q3", 10, 6, {variant: "ft", baseline: "base"}),
    ...answers("q1", 10, 0, {variant: "base"}),
    ...answers("q2", 10, 0, {variant: "base"}),
  ];
  const [d] = baselineDiffs(rows, BETLEY, {by: ["variant"]});
  assert.ok(Math.abs(d!.diff! - 8 / 30) < 1e-12);
  assert.ok(Math.abs(d!.diff! - (d!.em_rate! - d!.baseline_em_rate!)) < 1e-12);
  assert.ok(inside(d!.ci, d!.diff!), `${d!.diff} outside ${JSON.stringify(d!.ci)}`);
  assert.ok(d!.ci![1] - d!.ci![0] > 0.1, JSON.stringify(d!.ci));
  assert.equal(d!.n_questions_paired, 2);
});

test("baselineDiffs: zero EM on both sides gives an interval with width around 0 (was [0, 0])", () => {
  const rows = ["q1", "q2", "q3", "q4"].flatMap((q) => [...answers(q, 25, 0, {variant: "ft", baseline: "base"}), ...answers(q, 25, 0, {variant: "base"})]);
  const [d] = baselineDiffs(rows, BETLEY, {by: ["variant"]});
  assert.equal(d!.diff, 0);
  assert.ok(d!.ci![0] < -0.01 && d!.ci![1] > 0.01, JSON.stringify(d!.ci));
  assert.match(d!.ci_approximate!, /no EM answers/);
});

test("clusterWilson: at zero EM the interval keeps the answer-level width and says why", () => {
  const c = clusterWilson({k: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], d: Array(12).fill(50)})!;
  assert.equal(c.ci[0], 0);
  assert.ok(c.ci[1] > 0.005 && c.ci[1] < 0.02, JSON.stringify(c.ci));
  assert.match(c.approximate!, /no EM answers/);
});

test("replicates: two seeds with equal rates no longer give a zero-width t(1) interval; different seeds widen the group interval", () => {
  // Two seeds x 12 questions, each seed 3/20 on every question: the old t interval had sd 0 -> [0.15, 0.15].
  const qs = Array.from({length: 12}, (_, i) => `q${i}`);
  const same = ["1", "2"].flatMap((s) => qs.flatMap((q) => answers(q, 20, 3, {replicate: s})));
  const a = summarize(same, BETLEY).groups[0]!;
  assert.equal(a.replicates!.method, "crossed_seeds_questions");
  assert.ok(a.replicates!.ci![1] - a.replicates!.ci![0] > 0.02, JSON.stringify(a.replicates!.ci));
  // Seeds differ (1/20 vs 8/20 everywhere): the group interval must include the seed spread, so it
  // is wider than the question-only interval of the same answers without seed ids.
  const diff = [...qs.flatMap((q) => answers(q, 20, 1, {replicate: "1"})), ...qs.flatMap((q) => answers(q, 20, 8, {replicate: "2"}))];
  const withSeeds = summarize(diff, BETLEY).groups[0]!;
  const without = summarize(
    diff.map((r) => ({...r, replicate: null})),
    BETLEY,
  ).groups[0]!;
  assert.equal(withSeeds.ci_method, "crossed_seeds_questions");
  assert.equal(without.ci_method, "cluster_wilson");
  const w = (c: [number, number] | null) => c![1] - c![0];
  assert.ok(w(withSeeds.ci) > 2 * w(without.ci), `${JSON.stringify(withSeeds.ci)} vs ${JSON.stringify(without.ci)}`);
  assert.ok(inside(withSeeds.ci, withSeeds.em_rate!));
});

test("crossedRateCi / replicateSummary: null below 2 seeds; without per-question counts the t interval is flagged", () => {
  assert.equal(crossedRateCi([{k: [1, 2], d: [10, 10]}]), null);
  const r = replicateSummary(["a", "b", "c"], [0.1, 0.2, 0.15]);
  assert.equal(r.method, "t_between_replicates");
  assert.match(r.ci_approximate!, /questions held fixed/);
});
