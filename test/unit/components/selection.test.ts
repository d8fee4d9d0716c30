// The "compare by" / "facet by" options of the pages (facetOptions): one entry per thing to compare.
// An import whose file name carries a `{model}` field keeps it in meta too (meta.model), which used
// to be listed as a second "model" beside the row's own model (hw0's sweep: "model (6)" twice).
import {test} from "node:test";
import assert from "node:assert/strict";
import {facetOptions, judgeBOf} from "../../../src/components/selection.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

test("facetOptions: a meta key named model or variant is not listed again beside the row's own model and variant", () => {
  const responses = Array.from({length: 12}, (_, i) => {
    const model = ["1b_medical", "1b_risky", "3b_risky"][i % 3]!;
    return responseRow(i, {model, variant: model, meta: {model, variant: model, dataset: model.endsWith("medical") ? "medical" : "risky"}});
  });
  const scores = responses.flatMap((r) => [scoreRow(r.response_id, "j", "aligned", 80), scoreRow(r.response_id, "j", "coherent", 90)]);
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const options = facetOptions(points, new Uint8Array(points.n).fill(1));
  assert.deepEqual(
    options.map((o) => [o.value, o.label, o.values.length]),
    [
      ["variant", "variant", 3],
      ["model", "model", 3],
      ["meta.dataset", "dataset", 2],
    ],
  );
});

test("facetOptions: compare by offers fields that label groups of answers, not per-answer fields (hyperstition's is_em, em_count, timestamp)", () => {
  // Two models x two conditions (one file each, written at its own time), 4 questions, 3 answers per
  // question and file: is_em is per answer, em_count per file and question (the authors' summary).
  const responses = [];
  let i = 0;
  for (const model of ["filtered", "unfiltered"])
    for (const condition of ["with_ai_prompt", "without_prompt"])
      for (let q = 0; q < 4; ++q)
        for (let k = 0; k < 3; ++k)
          responses.push(
            responseRow(i++, {
              model,
              variant: `${model}/${condition}`,
              question_id: `q${q}`,
              meta: {
                condition,
                timestamp: `2026-01-14T1${model.length % 3}:${condition.length}0:00.000`,
                em_count: (q + model.length + condition.length) % 4,
                is_em: k === 0,
                kind: q < 2 ? "free" : "json",
              },
            }),
          );
  const scores = responses.flatMap((r) => [scoreRow(r.response_id, "j", "aligned", 80), scoreRow(r.response_id, "j", "coherent", 90)]);
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const offered = facetOptions(points, new Uint8Array(points.n).fill(1)).map((o) => o.value);
  assert.deepEqual(Object.keys(points.meta).sort(), ["meta.condition", "meta.em_count", "meta.is_em", "meta.kind", "meta.timestamp"]);
  // condition labels the variants' answers, kind the questions'; the others are recorded per answer or per file.
  assert.deepEqual(offered, ["variant", "model", "meta.condition", "meta.kind"]);
});

test("judgeBOf(judges, A, wanted): the wanted judge, else the first other one; null for an experiment with one judge (no Judge B equal to A)", () => {
  assert.equal(judgeBOf(["a", "b", "c"], "a", "c"), "c");
  assert.equal(judgeBOf(["a", "b", "c"], "a", null), "b");
  assert.equal(judgeBOf(["a", "b"], "a", "a"), "b");
  assert.equal(judgeBOf(["a"], "a", null), null);
  assert.equal(judgeBOf(["a"], "a", "a"), null);
  assert.equal(judgeBOf([], null, null), null);
});
