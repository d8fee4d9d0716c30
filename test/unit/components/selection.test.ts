// The "compare by" / "facet by" options of the pages (facetOptions): one entry per thing to compare.
// An import whose file name carries a `{model}` field keeps it in meta too (meta.model), which used
// to be listed as a second "model" beside the row's own model (hw0's sweep: "model (6)" twice).
import {test} from "node:test";
import assert from "node:assert/strict";
import {facetOptions} from "../../../src/components/selection.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

test("facetOptions: a meta key named model or variant is not listed again beside the row's own model and variant", () => {
  const responses = Array.from({length: 12}, (_, i) => {
    const model = ["1b_medical", "1b_risky", "3b_risky"][i % 3]!;
    return responseRow(i, {model, variant: model, meta: {model, variant: model, dataset: i % 2 ? "medical" : "risky"}});
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
