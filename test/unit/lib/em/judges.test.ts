// Judge comparison and the responses x scores x types joiner.
import assert from "node:assert/strict";
import {test} from "node:test";
import type {Judged, ResponseRow, ScoreRow, TypeRow} from "../../../../src/lib/schema.ts";
import {BETLEY, cohenKappa, compareJudges, joinJudged, joinJudgedReport, ranks, spearman, summarize, getColumn} from "../../../../src/lib/em/index.ts";

test("ranks(values) averages ties", () => {
  assert.deepEqual([...ranks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
});

test("spearman(x, y) = 8 / sqrt(95) with a tie; null for constant input", () => {
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])! - 8 / Math.sqrt(95)) < 1e-12);
  assert.equal(spearman([1, 2, 3], [4, 4, 4]), null);
  assert.equal(spearman([1], [2]), null);
  assert.equal(spearman([1, 2, 3], [30, 20, 10]), -1);
});

test("cohenKappa(a, b) = 0.58333 on a hand-worked 10-pair table", () => {
  const T = true,
    F = false;
  const k = cohenKappa([T, T, F, F, T, F, F, F, T, F], [T, F, F, F, T, F, T, F, T, F])!;
  assert.ok(Math.abs(k - 0.28 / 0.48) < 1e-12, String(k));
  assert.equal(cohenKappa([], []), null);
  assert.equal(cohenKappa([F, F], [F, F]), 1);
});

function j(id: string, judge: string, aligned: number | null, coherent: number | null, q = "q1"): Judged {
  return {response_id: id, experiment: "e", model: "m", step: null, question_id: q, category: null, judge, aligned, coherent, special: null, type: null};
}

test("compareJudges(rows, a, b, betley) on shared responses: kappa, correlation, disagreements", () => {
  const rows = [
    j("1", "a", 10, 90),
    j("1", "b", 15, 85), // both EM
    j("2", "a", 80, 90),
    j("2", "b", 20, 90), // a not EM, b EM: a label disagreement, gap 60
    j("3", "a", 90, 90),
    j("3", "b", 85, 90), // both not EM, gap 5
    j("4", "a", 50, 90),
    j("4", "b", 60, 90), // both not EM, gap 10
    j("5", "a", 5, 90), // only judge a: not shared
  ];
  const c = compareJudges(rows, "a", "b", BETLEY, {top: 3});
  assert.equal(c.n_shared, 4);
  assert.equal(c.n_label_pairs, 4);
  // labels a = [T, F, F, F], b = [T, T, F, F]: po = 3/4, pe = 1/4 * 2/4 + 3/4 * 2/4 = 1/2 -> kappa 0.5
  assert.equal(c.kappa, 0.5);
  assert.equal(c.agreement, 0.75);
  // aligned a = [10, 80, 90, 50] ranks [1, 3, 4, 2]; b = [15, 20, 85, 60] ranks [1, 2, 4, 3] -> rho = 1 - 6*2/(4*15) = 0.8
  assert.ok(Math.abs(c.spearman_aligned! - 0.8) < 1e-12);
  assert.deepEqual(
    c.disagreements.map((d) => d.response_id),
    ["2", "4", "1"],
  ); // 1 and 3 tie at gap 5: id order
  assert.deepEqual(c.disagreements[0]!.em, [false, true]);
  assert.deepEqual(
    c.per_judge.map((g) => [g.key.judge, g.em_rate]),
    [
      ["a", 0.25],
      ["b", 0.5],
    ],
  );
});

const responses: ResponseRow[] = ["r1", "r2", "r3"].map((id, i) => ({
  response_id: id,
  experiment: "e",
  model: "m",
  step: i * 10,
  question_id: `q${i}`,
  category: "cat",
  question: "?",
  system: null,
  paraphrase: 0,
  sample: i,
  response: "text",
  origin: "simulated",
  source: "sim",
  meta: {family: "qwen", size_b: 0.5},
}));
const s = (
  response_id: string,
  judge: string,
  metric: string,
  score: number | null,
  status: ScoreRow["status"] = "ok",
  special: ScoreRow["special"] = null,
): ScoreRow => ({response_id, judge, metric, score, mass: null, special, status, probs: null});
const scores: ScoreRow[] = [
  s("r1", "A", "aligned", 10),
  s("r1", "A", "coherent", 90),
  s("r1", "A", "medical", 5),
  s("r2", "A", "aligned", null, "null", "REFUSAL"),
  s("r2", "A", "coherent", 80),
  s("r3", "A", "aligned", null, "error"), // coherent missing entirely
  s("r1", "B", "aligned", 70),
  s("r1", "B", "coherent", 90),
  s("r1", "A", "aligned", 99), // duplicate: ignored, counted
  s("zz", "A", "aligned", 1), // orphan: counted
];
const probs = {aligned: 0, refusal: 0, incoherent: 0, artifact: 0, in_domain: 0, drift: 0, emergent: 1, other: 0, undetermined: 0};
const types: TypeRow[] = [
  {response_id: "r1", judge: "A", type: "emergent", probs},
  {response_id: "r2", judge: "signals", type: "refusal", probs: {...probs, emergent: 0, refusal: 1}},
];

test("joinJudged(responses, scores, types) defaults to the first judge and keeps every response", () => {
  const rows = joinJudged(responses, scores, types);
  assert.equal(rows.length, 3);
  assert.deepEqual(
    rows.map((r) => [r.judge, r.aligned, r.coherent, r.special, r.type]),
    [
      ["A", 10, 90, null, "emergent"],
      ["A", null, 80, "REFUSAL", "refusal"],
      ["A", null, null, null, null],
    ],
  );
  assert.deepEqual(
    rows.map((r) => [r.aligned_status, r.coherent_status, r.type_judge]),
    [
      ["ok", "ok", "A"],
      ["null", "ok", "signals"],
      ["error", "missing", null],
    ],
  );
  assert.equal(getColumn(rows[0]!, "family"), "qwen");
  assert.equal(getColumn(rows[0]!, "meta.size_b"), 0.5);
  assert.equal(getColumn(rows[0]!, "source"), "sim");
});

test("joinJudgedReport(..., {judge: [A, B]}) counts orphans, duplicates and missing scores", () => {
  const r = joinJudgedReport(responses, scores, types, {judge: ["A", "B"]});
  assert.equal(r.rows.length, 6);
  assert.equal(r.orphan_scores, 1);
  assert.equal(r.duplicate_scores, 1);
  assert.equal(r.missing_aligned, 2); // B lacks r2, r3
  assert.equal(r.missing_coherent, 3); // A lacks r3; B lacks r2, r3
  const g = summarize(r.rows, BETLEY, {by: ["judge"]}).groups;
  assert.deepEqual(
    g.map((x) => [x.key.judge, x.n, x.n_scored, x.n_em, x.n_error, x.refusal_rate]),
    [
      ["A", 3, 1, 1, 1, 1 / 3],
      ["B", 3, 1, 0, 0, 0],
    ],
  );
});

test("joinJudged of empty tables gives no rows", () => {
  assert.deepEqual(joinJudged([], [], []), []);
  assert.equal(joinJudged(responses, [], []).length, 0); // no judge present: nothing to join against
});

test("pairAgreement(pairs, rule): labels, 2x2 table, per-judge rates and the disagreement ranking by hand", async () => {
  const {pairAgreement, disagreementGap, emLabel, BETLEY: rule} = await import("../../../../src/lib/em/index.ts");
  const pairs = [
    {a1: 10, a2: 80, c1: 90, c2: 90}, // A EM, B not: labels differ, gap 1000 + 70
    {a1: 10, a2: 20, c1: 90, c2: 90}, // both EM, gap 10
    {a1: 90, a2: 90, c1: 90, c2: 90}, // both not EM, gap 0: agrees completely
    {a1: null, a2: 50, c1: 90, c2: 40}, // A outside (null aligned), B outside (incoherent): gap 100
  ];
  const ag = pairAgreement(pairs, rule);
  assert.equal(ag.n_shared, 4);
  assert.deepEqual(ag.table, [1, 1, 0, 1]);
  assert.equal(ag.n_label_pairs, 3);
  assert.equal(ag.agreement, 2 / 3);
  assert.deepEqual(ag.em_rate, [2 / 3, 1 / 3]);
  assert.deepEqual(
    ag.labels.map((l) => l.gap),
    [1070, 10, 0, 100],
  );
  assert.deepEqual(ag.order, [0, 3, 1], "labels differing first, then the aligned gap; complete agreement left out");
  assert.equal(ag.n_aligned_pairs, 3);
  assert.equal(emLabel(null, 90, rule), null);
  assert.equal(disagreementGap({a1: null, a2: null, c1: null, c2: null}, null, null), 0);
  const empty = pairAgreement([], rule);
  assert.equal(empty.kappa, null);
  assert.equal(empty.agreement, null);
  assert.deepEqual(empty.em_rate, [null, null]);
});
