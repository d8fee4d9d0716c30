// The "compare by" / "facet by" options of the pages (facetOptions): one entry per thing to compare.
// An import whose file name carries a `{model}` field keeps it in meta too (meta.model), which used
// to be listed as a second "model" beside the row's own model (hw0's sweep: "model (6)" twice).
import {test} from "node:test";
import assert from "node:assert/strict";
import {facetOptions, judgeBOf} from "../../../src/components/selection.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {hyperstitionRows, responseRow, scoreRow} from "../../helpers/judged.ts";

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
  const responses = hyperstitionRows();
  const scores = responses.flatMap((r) => [scoreRow(r.response_id, "j", "aligned", 80), scoreRow(r.response_id, "j", "coherent", 90)]);
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const offered = facetOptions(points, new Uint8Array(points.n).fill(1)).map((o) => o.value);
  // condition labels the variants' answers, kind the questions'; the others are recorded per answer or per
  // file, and points.arrow no longer carries them (points-exact.arrow does).
  assert.deepEqual(Object.keys(points.meta).sort(), ["meta.condition", "meta.kind"]);
  assert.deepEqual(offered, ["variant", "model", "meta.condition", "meta.kind"]);
});

test("facetOptions: offers what the build listed for the masked rows' experiment (Points.facets), narrowed to columns with 2+ values in the mask; nothing from a table without the list", () => {
  const responses = Array.from({length: 16}, (_, i) =>
    responseRow(i, {
      model: `m${i % 2}`,
      variant: `m${i % 2}`,
      question_id: `q${i % 4}`,
      meta: {dataset: i % 2 ? "risky" : "medical", kind: i % 4 < 2 ? "free" : "json"},
    }),
  );
  const scores = responses.flatMap((r) => [scoreRow(r.response_id, "j", "aligned", 80), scoreRow(r.response_id, "j", "coherent", 90)]);
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const all = new Uint8Array(points.n).fill(1);
  // A fresh mask per call: results are memoised per mask (a mask belongs to one decoded table).
  const metaOffered = (p: typeof points, mask: Uint8Array) =>
    facetOptions(p, mask.slice())
      .map((o) => o.value)
      .filter((v) => v.startsWith("meta."));
  assert.deepEqual(points.facets, {e: ["meta.dataset", "meta.kind"]});
  assert.deepEqual(metaOffered(points, all), ["meta.dataset", "meta.kind"]);
  // The browser does not decide again: a column the build left out is not offered, whatever its rows.
  assert.deepEqual(metaOffered({...points, facets: {e: ["meta.kind"]}}, all), ["meta.kind"]);
  assert.deepEqual(metaOffered({...points, facets: undefined}, all), []);
  // Narrowed by the mask: the medical model's rows have one dataset.
  const medical = Uint8Array.from({length: points.n}, (_, i) => (points.dicts.model[points.codes.model[i]!] === "m0" ? 1 : 0));
  assert.deepEqual(metaOffered(points, medical), ["meta.kind"]);
});

test("judgeBOf(judges, A, wanted): the wanted judge, else the first other one; null for an experiment with one judge (no Judge B equal to A)", () => {
  assert.equal(judgeBOf(["a", "b", "c"], "a", "c"), "c");
  assert.equal(judgeBOf(["a", "b", "c"], "a", null), "b");
  assert.equal(judgeBOf(["a", "b"], "a", "a"), "b");
  assert.equal(judgeBOf(["a"], "a", null), null);
  assert.equal(judgeBOf(["a"], "a", "a"), null);
  assert.equal(judgeBOf([], null, null), null);
});

test("selectionMask keeps exactly the rows every filter keeps (experiment, judge, model, category, question, steps, a rule's question list), as a row-by-row check", async () => {
  const {selectionMask} = await import("../../../src/components/selection.ts");
  const {DEFAULT_STATE} = await import("../../../src/components/store.ts");
  const responses = Array.from({length: 240}, (_, i) =>
    responseRow(i, {
      model: ["a", "b", "c"][i % 3]!,
      step: i % 11 === 0 ? null : i % 6,
      question_id: ["q1", "q2", "q2_json", "q3"][i % 4]!,
      category: i % 5 === 0 ? "x" : "y",
    }),
  );
  const scores = responses.flatMap((r, i) =>
    ["j1", "j2"].flatMap((j) => [scoreRow(r.response_id, j, "aligned", i % 100), scoreRow(r.response_id, j, "coherent", 90)]),
  );
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const value = (c: "experiment" | "judge" | "model" | "category" | "question_id", i: number) => {
    const code = points.codes[c][i]!;
    return code < 0 ? null : points.dicts[c][code]!;
  };
  let checked = 0;
  for (const judge of [null, "j2"])
    for (const model of [null, "b", "zz"])
      for (const category of [null, "x"])
        for (const question of [null, "q2"])
          for (const steps of [null, [1, 3] as [number, number]])
            for (const questions of [[], ["q1", "q3"]]) {
              const s = {...DEFAULT_STATE, experiment: "e", judge, model, category, question, steps, questions};
              const mask = selectionMask(points, s);
              for (let i = 0; i < points.n; i++) {
                const q = value("question_id", i)!;
                const step = points.step[i]!;
                const keep =
                  value("experiment", i) === "e" &&
                  (judge === null || value("judge", i) === judge) &&
                  (model === null || value("model", i) === model) &&
                  (category === null || value("category", i) === category) &&
                  (question === null || q === question) &&
                  (steps === null || (step >= steps[0] && step <= steps[1])) &&
                  (questions.length === 0 || questions.includes(q.replace(/_json$/, "")));
                assert.equal(mask[i], keep ? 1 : 0, `row ${i} of ${JSON.stringify({judge, model, category, question, steps, questions})}`);
              }
              checked += mask.reduce((a, b) => a + b, 0);
            }
  assert.ok(checked > 0, "some rows kept");
});
