import {test} from "node:test";
import assert from "node:assert/strict";
import {axisPosition, orderedValues, planAxis} from "../../../../src/lib/em/view-axis.ts";
import {coordinateScale, pointsOnScale} from "../../../../src/lib/em/series.ts";

test("planAxis: ranks 0, 1, 4, 16, 64 are geometric -> log, with 0 drawn as a base mark below 1", () => {
  const plan = planAxis([0, 1, 4, 16, 64]);
  assert.equal(plan.type, "log");
  assert.equal(plan.reason, "geometric");
  assert.equal(planAxis([0.1, 1, 10, 50]).reason, "geometric");
  assert.equal(plan.zero, true);
  assert.equal(plan.zeroAt, 0.5);
  assert.equal(axisPosition(plan, 0), 0.5);
  assert.equal(axisPosition(plan, 16), 16);
});

test("planAxis: training steps 0..300 stay linear; only geometric spacing makes a log axis", () => {
  assert.equal(planAxis([0, 50, 100, 150, 200, 300]).type, "linear");
  assert.equal(planAxis([4, 5, 6, 8, 18]).type, "linear");
  assert.equal(planAxis([1, 99]).type, "linear", "1.996 decades is below two");
  assert.equal(planAxis([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).type, "linear", "a decade of evenly spaced values is not geometric");
  assert.equal(planAxis([1, 2, 4]).type, "log", "geometric values (each >= 1.9x the previous), as coordinateScale decides");
  assert.equal(planAxis([1, 100]).type, "linear", "two values do not show a spacing");
});

// Issue 22: a wide span alone made a log axis, and a log fit drops step 0.
test("planAxis and coordinateScale: one extra checkpoint at step 10 keeps a 0..1000 sweep linear, step 0 kept", () => {
  const steps = [0, 10, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
  assert.equal(planAxis(steps).type, "linear");
  assert.equal(coordinateScale(steps), "linear");
  assert.equal(
    pointsOnScale(
      steps.map((x) => ({x, k: 1, n: 10})),
      coordinateScale(steps),
    ).excluded.length,
    0,
  );
  assert.equal(coordinateScale([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]), "log", "a 1-2-5 sweep is geometric");
  assert.equal(coordinateScale([10, 100, 200, 300]), "linear");
});

test("planAxis: a declared log scale wins over the span, a declared linear one too; negatives force linear", () => {
  assert.deepEqual(planAxis([1, 2, 4, 8], "log"), {type: "log", reason: "declared", zero: false, zeroAt: null, decades: Math.log10(8)});
  assert.equal(planAxis([1, 1000], "linear").type, "linear");
  assert.equal(planAxis([1, 1000], "linear").reason, "declared");
  assert.equal(planAxis([-1, 1, 1000], "log").type, "linear");
  assert.equal(planAxis([0, 5], "log").type, "linear", "a single positive value cannot make a log axis");
  assert.equal(planAxis([]).type, "linear");
});

test("orderedValues reads numbers from labels with one shared prefix / suffix, else null", () => {
  assert.deepEqual(orderedValues(["layer_28", "layer_32", "layer_44"]), {prefix: "layer_", suffix: "", values: [28, 32, 44]});
  assert.deepEqual(orderedValues(["0.5", "2", "10"])?.values, [0.5, 2, 10]);
  assert.deepEqual(orderedValues(["R1", "R16"])?.values, [1, 16]);
  assert.equal(orderedValues(["medical", "financial"]), null);
  assert.equal(orderedValues(["layer_28", "scale_32"]), null, "different prefixes are not one key");
  assert.equal(orderedValues(["a1", "a1"]), null, "one distinct value orders nothing");
  assert.equal(orderedValues(["x"]), null);
  assert.deepEqual(orderedValues(["Qwen2.5-7B", "Qwen2.5-14B"])?.values, [7, 14], "the last number is the key (model size)");
  assert.equal(orderedValues(["Qwen2.5-7B", "Llama-3.1-8B"]), null);
});
