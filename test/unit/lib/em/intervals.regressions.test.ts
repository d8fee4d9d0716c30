// Issue 22: each wrong interval the statistical review found, rebuilt from its case, through the
// functions `em summarize` and the pages call (summarize, baselineDiffs, pairedTallyDiff).
import assert from "node:assert/strict";
import test from "node:test";
import {
  BETLEY,
  baselineDiffs,
  clusterDiffCi,
  clusterWilson,
  crossedRateCi,
  replicateSummary,
  summarize,
  wilsonFromVariance,
} from "../../../../src/lib/em/index.ts";
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

test("answer-level widths say their direction (likely too narrow): no or only EM answers, one question, seeds with no EM", () => {
  const narrow = /answer-level width: likely too narrow, coverage can fall below 95%/;
  const none = clusterWilson({k: Array(12).fill(0), d: Array(12).fill(50)})!;
  const all = clusterWilson({k: Array(12).fill(50), d: Array(12).fill(50)})!;
  const one = clusterWilson({k: [3], d: [50]})!;
  for (const c of [none, all, one]) assert.match(c.approximate!, narrow);
  // The same note through summarize (one question in the group).
  const g = summarize(answers("q1", 40, 4), BETLEY).groups[0]!;
  assert.match(g.ci_approximate!, narrow);
  const seeds = crossedRateCi([1, 2, 3].map(() => ({k: Array(6).fill(0), d: Array(6).fill(30)})))!;
  assert.match(seeds.approximate!, narrow);
  // One training seed: its questions' interval lacks the seed-to-seed spread.
  const oneSeed = summarize(Array.from({length: 12}, (_, i) => answers(`q${i}`, 20, 3, {replicate: "1"})).flat(), BETLEY).groups[0]!;
  assert.match(oneSeed.ci_approximate!, /one training seed: seed-to-seed variation is not in the interval \(likely too narrow\)/);
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

test("crossedRateCi: a sample that missed the rare high-rate questions no longer excludes the truth above (5 seeds x 24 questions at 7%)", () => {
  // Data set 56 of a seeded simulation (makeRng(22); 5 seeds, logit sd 0.5, x 24 questions, sd 1,
  // interaction 0.3, 50 answers each, coherent with probability 0.85; true E[p] 7%): pooled rate
  // 3.4%. The Wilson-shaped interval on the ANOVA variance was [2.1%, 5.5%]; in 1000 such data
  // sets 4.9% fell below the truth (92.5% coverage, docs/validity.md before this fix).
  const cells = [
    {
      k: [0, 1, 0, 0, 6, 2, 1, 1, 1, 6, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 6, 1, 0, 1],
      d: [41, 44, 42, 40, 41, 36, 46, 42, 39, 43, 44, 44, 40, 46, 43, 45, 44, 44, 44, 39, 45, 43, 44, 41],
    },
    {
      k: [1, 1, 0, 0, 2, 3, 3, 0, 1, 6, 0, 0, 0, 1, 3, 0, 1, 2, 0, 1, 1, 3, 0, 3],
      d: [44, 38, 40, 42, 43, 43, 37, 44, 43, 46, 41, 46, 44, 39, 40, 47, 43, 42, 43, 42, 43, 42, 42, 41],
    },
    {
      k: [1, 1, 1, 0, 1, 4, 0, 0, 0, 3, 0, 1, 0, 0, 1, 1, 0, 0, 2, 0, 3, 8, 0, 0],
      d: [43, 41, 45, 45, 41, 47, 41, 41, 38, 44, 40, 43, 37, 42, 35, 44, 48, 46, 43, 46, 36, 46, 42, 41],
    },
    {
      k: [2, 2, 1, 0, 3, 3, 2, 0, 3, 5, 0, 1, 0, 2, 6, 2, 0, 1, 0, 2, 3, 10, 2, 3],
      d: [43, 45, 44, 42, 43, 46, 45, 43, 43, 43, 42, 45, 45, 40, 42, 38, 47, 44, 41, 46, 47, 45, 39, 42],
    },
    {
      k: [2, 1, 0, 0, 4, 1, 3, 0, 5, 2, 0, 1, 0, 1, 2, 0, 1, 0, 0, 1, 1, 7, 0, 0],
      d: [41, 43, 43, 45, 41, 42, 41, 45, 42, 39, 44, 43, 40, 37, 36, 42, 45, 42, 44, 43, 43, 39, 39, 41],
    },
  ];
  const c = crossedRateCi(cells)!;
  const D = cells.reduce((a, x) => a + x.d.reduce((s, d) => s + d, 0), 0);
  const wilson = wilsonFromVariance(c.estimate, c.variance, c.df, D);
  assert.ok(wilson[1] < 0.07, `the old upper limit ${wilson[1]} (this data set's reason to be here)`);
  assert.ok(inside(c.ci, 0.07), JSON.stringify(c.ci));
  assert.ok(c.ci[0] <= wilson[0] + 1e-12 && c.ci[1] > wilson[1] + 0.01, "the logit-normal shape widens above, never narrows");
  assert.equal(c.approximate, null);
  // The replicate (mean over seeds) interval takes the same shape.
  const rates = cells.map((x) => x.k.reduce((a, b) => a + b, 0) / x.d.reduce((a, b) => a + b, 0));
  const rep = replicateSummary(["1", "2", "3", "4", "5"], rates, 0.95, cells);
  assert.ok(inside(rep.ci, 0.07), JSON.stringify(rep.ci));
});

test("crossedRateCi: fewer than 10 shared questions keep the Wilson shape", () => {
  const cells = [0, 1, 2].map((s) => ({k: [0, 1, 6, 2, 0, 9, 1, s], d: Array(8).fill(40)}));
  const c = crossedRateCi(cells)!;
  const D = 3 * 8 * 40;
  assert.deepEqual(c.ci, wilsonFromVariance(c.estimate, c.variance, c.df, D));
});

test("clusterDiffCi: a clustered side without its own note flags the difference (5% vs 0.5%, shared logit sd 2)", () => {
  // Design effect >= 2 with 85 answers a question (intra-question correlation under clusterWilson's
  // 0.05): the variant's sample missed its rare high-rate questions; such data sets covered ~50%
  // when unflagged.
  const d = Array(48).fill(85);
  const ka = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 6, 7, 8, 9, 10, 12, 14,
  ];
  const kb = ka.map((k) => (k >= 8 ? 2 : 0));
  const a = clusterWilson({k: ka, d})!;
  assert.equal(a.approximate, null, "the side's own note is silent");
  assert.ok(a.design_effect >= 2, String(a.design_effect));
  const x = clusterDiffCi({k: ka, d}, {k: kb, d})!;
  assert.match(x.approximate!, /variant: answers cluster by question \(design effect/);
});

test("clusterDiffCi: few EM answers on both sides say the interval is conservative (0.5% vs 0.5%)", () => {
  const d = Array(24).fill(42);
  const x = clusterDiffCi(
    {k: [1, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], d},
    {k: [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0], d},
  )!;
  assert.match(x.approximate!, /6 and 6 EM answers: with fewer than 20 on each side the interval is conservative/);
  const y = clusterDiffCi({k: Array(24).fill(3), d}, {k: [1, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], d})!;
  assert.ok(!/conservative/.test(y.approximate ?? ""), "72 EM answers on one side: no such note");
});

test("strict EM with training seeds: the seeds x questions interval, as broad EM's (was the questions-only interval)", () => {
  // Two seeds x 12 questions; every EM answer is typed emergent (strict = broad here), one
  // non-EM answer per question typed otherwise so types are known; seeds differ (1/20 vs 8/20).
  const qs = Array.from({length: 12}, (_, i) => `q${i}`);
  const typed = (rs: Judged[]) => rs.map((r) => ({...r, type: (r.aligned! < 30 ? "emergent" : "aligned") as Judged["type"]}));
  const rows = typed([...qs.flatMap((q) => answers(q, 20, 1, {replicate: "1"})), ...qs.flatMap((q) => answers(q, 20, 8, {replicate: "2"}))]);
  const g = summarize(rows, BETLEY).groups[0]!;
  assert.equal(g.ci_method, "crossed_seeds_questions");
  assert.equal(g.strict_em_rate, g.em_rate);
  assert.deepEqual(g.strict_ci, g.ci, "strict EM's interval over the same seeds x questions");
  assert.equal(g.strict_ci_approximate, g.ci_approximate);
  const without = summarize(
    rows.map((r) => ({...r, replicate: null})),
    BETLEY,
  ).groups[0]!;
  const w = (c: [number, number] | null) => c![1] - c![0];
  assert.ok(w(g.strict_ci) > 2 * w(without.strict_ci), `${JSON.stringify(g.strict_ci)} vs ${JSON.stringify(without.strict_ci)}`);
  // Strict below broad (half the EM answers of seed 2 typed otherwise): its own counts, still crossed.
  let flip = 0;
  const part = rows.map((r) =>
    (r as Judged).replicate === "2" && r.type === "emergent" && flip++ % 2 === 0 ? {...r, type: "in_domain" as Judged["type"]} : r,
  );
  const h = summarize(part, BETLEY).groups[0]!;
  const strictCells = ["1", "2"].map((s) => {
    const k = qs.map((q) => part.filter((r) => (r as Judged).replicate === s && r.question_id === q && r.type === "emergent").length);
    return {k, d: qs.map(() => 20)};
  });
  assert.deepEqual(h.strict_ci, crossedRateCi(strictCells, {target: "pooled"})!.ci);
  assert.ok(h.strict_em_rate! < h.em_rate!);
});
