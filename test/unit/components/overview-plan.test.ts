// The overview's planner needs two variants with a spread. A study of one fine-tune (no baseline,
// no second variant) read "fewer than two with a spread to plan from", as if its variant lacked
// a spread; it now says the study has one variant and how to plan from stated rates instead.
import {test} from "node:test";
import assert from "node:assert/strict";
import {plannerUnavailable, type ComponentsRow} from "../../../src/components/overview-plan.ts";

const withVc = {vc: {} as NonNullable<ComponentsRow["vc"]>};
const noVc = {vc: null};

test("plannerUnavailable(rows): one variant is named as one variant, not as a missing spread", () => {
  const one = plannerUnavailable([withVc]);
  assert.match(one ?? "", /this selection has one\. .*em plan --rates/);
  assert.doesNotMatch(one ?? "", /spread to plan from/);
  assert.match(plannerUnavailable([]) ?? "", /this selection has none\./);
});

test("plannerUnavailable(rows): two variants, one or none with components, say the spread is missing; two with components plan", () => {
  assert.match(plannerUnavailable([withVc, noVc]) ?? "", /has one with a spread to plan from/);
  assert.match(plannerUnavailable([noVc, noVc]) ?? "", /has none with a spread to plan from/);
  assert.equal(plannerUnavailable([withVc, withVc]), null);
});
