// The overview's "EM at last step" (lastStepMask): each group's own last coordinate, and for a group
// measured without any coordinate (a base model imported beside its fine-tunes) that one measurement.
import assert from "node:assert/strict";
import {test} from "node:test";
import {keyBy} from "../../../src/components/engine.ts";
import {lastStepMask} from "../../../src/components/last-step.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import type {ResponseRow, ScoreRow} from "../../../src/lib/schema.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

test("lastStepMask(points, mask, grouping) keeps each model's last step, and a model without steps keeps its rows", () => {
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  const add = (model: string, step: number | null) => {
    const i = responses.length;
    responses.push(responseRow(i, {model, step}));
    for (const metric of ["aligned", "coherent"]) scores.push(scoreRow(`r${i}`, "j", metric, 80));
  };
  for (const step of [250, 500, 1000, 1000]) add("tuned", step);
  for (const step of [10, 20]) add("short", step);
  add("tuned-with-base", null);
  add("tuned-with-base", 5);
  for (let k = 0; k < 3; k++) add("base", null);
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const grouping = keyBy(points, ["model"]);
  const all = new Uint8Array(points.n).fill(1);
  const at = lastStepMask(points, all, grouping);
  const kept = (model: string) => {
    const steps: (number | null)[] = [];
    for (let i = 0; i < points.n; i++)
      if (at[i] && points.dicts.model[points.codes.model[i]!] === model) steps.push(Number.isNaN(points.step[i]!) ? null : points.step[i]!);
    return steps;
  };
  assert.deepEqual(kept("tuned"), [1000, 1000]);
  assert.deepEqual(kept("short"), [20]);
  // A model with steps leaves its stepless rows out of "last step"...
  assert.deepEqual(kept("tuned-with-base"), [5]);
  // ...one without any step keeps all of them (was: none, so the overview showed "–" for a base model).
  assert.deepEqual(kept("base"), [null, null, null]);
  // The mask still applies.
  const none = lastStepMask(points, new Uint8Array(points.n), grouping);
  assert.equal(
    none.reduce((a, b) => a + b, 0),
    0,
  );
});
