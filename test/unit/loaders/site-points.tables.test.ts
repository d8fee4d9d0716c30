import {test} from "node:test";
import assert from "node:assert/strict";
import {tableFromIPC} from "apache-arrow";
import {pointsFullTable, pointsTable, facetMetaKeys} from "../../../loaders/site-points.ts";
import {decodePoints, codeOf, facetColumn} from "../../../src/components/points.ts";
import type {ResponseRow, ScoreRow, TypeRow} from "../../../src/lib/schema.ts";

const response = (id: string, model: string, step: number | null, text: string): ResponseRow => ({
  response_id: id,
  experiment: "e",
  model,
  step,
  question_id: "q1",
  category: "c",
  question: "Q?",
  system: null,
  paraphrase: 0,
  sample: 0,
  response: text,
  origin: "simulated",
  source: "sim",
  meta: {domain: "medical"},
});
const score = (id: string, judge: string, metric: string, value: number | null): ScoreRow => ({
  response_id: id,
  judge,
  metric,
  score: value,
  mass: value === null ? 0.1 : 0.9,
  special: value === null ? "REFUSAL" : null,
  status: value === null ? "null" : "ok",
  probs: {"0": 0.5},
});

const input = {
  responses: [response("a", "m1", 0, "hello"), response("b", "m2", 10, "<script>x</script>")],
  scores: [
    score("a", "j1", "aligned", 90),
    score("a", "j1", "coherent", 80),
    score("a", "j1", "medical", 5),
    score("b", "j1", "aligned", null),
    score("b", "j1", "coherent", 70),
    score("b", "j2", "aligned", 20),
  ],
  types: [
    {
      response_id: "b",
      judge: "j1",
      type: "emergent",
      probs: {aligned: 0, refusal: 0, incoherent: 0, artifact: 0, in_domain: 0, drift: 0.2, emergent: 0.8, other: 0},
    } as TypeRow,
  ],
};

test("pointsTable(input) has one row per response x judge that scored aligned or coherent", () => {
  const p = decodePoints(pointsTable(input));
  assert.equal(p.n, 3);
  assert.deepEqual([...p.rid], [0, 1, 1]);
  assert.deepEqual(p.dicts.judge, ["j1", "j2"]);
  assert.equal(p.aligned[0], 90);
  assert.ok(Number.isNaN(p.aligned[1]), "null aligned decodes as NaN");
  assert.ok(Number.isNaN(p.coherent[2]), "missing coherent of j2 decodes as NaN");
  assert.ok(Number.isNaN(p.domain_topic[0]!), "the compact table leaves domain_topic to points-exact.arrow");
  assert.equal(decodePoints(pointsFullTable(input)).domain_topic[0], 5);
  assert.equal(p.dicts.special[p.codes.special[1]!], "REFUSAL");
  assert.equal(p.codes.special[0], -1);
  assert.equal(p.dicts.type[p.codes.type[1]!], "emergent");
  assert.ok(Math.abs(p.p_emergent[1]! - 0.8) < 1e-6);
  assert.equal(codeOf(p, "model", "m2"), p.codes.model[1]);
  assert.equal(codeOf(p, "model", "nope"), -2);
});

test("pointsTable keeps nulls as SQL nulls (validity bitmap), not NaN", () => {
  const t = tableFromIPC(pointsFullTable(input));
  assert.equal(t.getChild("aligned")!.get(1), null);
  assert.equal(t.getChild("step")!.get(0), 0);
});

test("pointsTable uses a wider dictionary index past 127 distinct values and decodes it exactly", () => {
  const responses = Array.from({length: 300}, (_, i) => ({...response(`r${i}`, "m", i, "t"), question_id: `q${i}`}));
  const scores = responses.flatMap((r, i) => [score(r.response_id, "j", "aligned", i % 101), score(r.response_id, "j", "coherent", 50)]);
  const p = decodePoints(pointsTable({responses, scores, types: []}));
  assert.equal(p.n, 300);
  assert.equal(p.dicts.question_id.length, 300);
  for (let i = 0; i < 300; i++) assert.equal(p.dicts.question_id[p.codes.question_id[i]!], `q${i}`);
  const t = tableFromIPC(pointsFullTable({responses, scores, types: []}));
  assert.equal(String(t.schema.fields.find((f) => f.name === "question_id")!.type), "Dictionary<Int16, Utf8>");
  assert.equal(String(t.schema.fields.find((f) => f.name === "model")!.type), "Dictionary<Int8, Utf8>");
});

test("pointsTable carries variant, replicate and baseline; a row without a variant falls back to its model", () => {
  const responses: ResponseRow[] = [
    {...response("a", "qwen", null, "x"), variant: "qwen / medical", replicate: "1", baseline: "qwen / base"},
    {...response("b", "qwen", null, "y"), variant: "qwen / medical", replicate: "2", baseline: "qwen / base"},
    {...response("c", "qwen", null, "z"), variant: "qwen / base", replicate: null, baseline: null},
    response("d", "llama", null, "w"),
  ];
  const scores = responses.flatMap((r) => [score(r.response_id, "j", "aligned", 10), score(r.response_id, "j", "coherent", 90)]);
  const p = decodePoints(pointsTable({responses, scores, types: []}));
  const value = (col: "variant" | "replicate" | "baseline", i: number) => (p.codes[col][i]! < 0 ? null : p.dicts[col][p.codes[col][i]!]);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => value("variant", i)),
    ["qwen / medical", "qwen / medical", "qwen / base", "llama"],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => value("replicate", i)),
    ["1", "2", null, null],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => value("baseline", i)),
    ["qwen / base", "qwen / base", null, null],
  );
});

test("pointsTable adds a meta.<key> column for meta keys that can facet (2..64 scalar values), not for file, line or constants", () => {
  const responses: ResponseRow[] = Array.from({length: 100}, (_, i) => ({
    ...response(`r${i}`, "m", null, "t"),
    meta: {dataset: i % 2 ? "bad-medical" : "risky-financial", rank: [1, 4, 16][i % 3]!, line: i, file: `f${i % 3}.csv`, constant: "same", big: `v${i}`},
  }));
  assert.deepEqual(facetMetaKeys(responses), ["dataset", "rank"]);
  const scores = responses.flatMap((r) => [score(r.response_id, "j", "aligned", 10), score(r.response_id, "j", "coherent", 90)]);
  // points-exact.arrow carries every facet key; points.arrow only those that label groups of answers
  // (groupFacets), and here both vary among one model's answers to one question.
  const p = decodePoints(pointsFullTable({responses, scores, types: []}));
  assert.deepEqual(Object.keys(p.meta).sort(), ["meta.dataset", "meta.rank"]);
  assert.deepEqual(Object.keys(decodePoints(pointsTable({responses, scores, types: []})).meta), []);
  const rank = facetColumn(p, "meta.rank")!;
  assert.equal(rank.values[rank.codes[4]!], "4");
  assert.equal(facetColumn(p, "meta.nope"), null);
});
