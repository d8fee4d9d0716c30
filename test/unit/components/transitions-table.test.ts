// transitions-table.ts stays free of the fit code (the first paint loads it: transitions-first.ts),
// so it mirrors the fit's minimum number of coordinate values; the mirror must equal the library's.
import {test} from "node:test";
import assert from "node:assert/strict";
import {MIN_TRANSITION_POINTS} from "../../../src/lib/em/transition.ts";
import {MIN_FIT_POINTS, transitionView} from "../../../src/components/transitions-table.ts";
import {analyzeOnScale} from "../../../src/lib/em/series.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";

test("MIN_FIT_POINTS = MIN_TRANSITION_POINTS of the fit code", () => {
  assert.equal(MIN_FIT_POINTS, MIN_TRANSITION_POINTS);
});

// The mine-dose study of a new user (2.3% -> 30.8% over 5 adapter scales), read as "flat" by the
// logistic's quasi-F(3, 1) test before 2026-12-07, is in test/unit/lib/em/transition.few.test.ts:
// below 7 values the trend test decides, and a "no evidence" verdict states its power.

// A fine-tune measured at steps 0, 50, 100, 200 and 400 (a made-up legal-advice study): the spacing
// makes the axis logarithmic, where step 0 cannot sit, so the fit has 4 values, not 5. The page said
// "EM is defined at 5 values, a fit needs at least 5", which contradicts itself; em summarize says
// "5 (1 off the log fit)".
test("transitionView(result) at too few points counts the values on the log axis, not those off it", () => {
  const points = [0, 50, 100, 200, 400].map((x, i) => ({x, k: [1, 6, 9, 25, 38][i]!, n: 100}));
  const result = analyzeOnScale(points, "log", makeRng(1), {replicates: 0, profile: false});
  assert.equal(result.test.verdict, "too_few_points");
  assert.deepEqual(result.excluded, [0]);
  const {why} = transitionView(result);
  assert.match(why, /EM is defined at 4 values on the log axis \(1 more value is not above 0, off a log axis\), a fit needs at least 5/);
  // On a linear axis all five are fitted: no words about a log axis.
  const linear = transitionView(analyzeOnScale(points, "linear", makeRng(1), {replicates: 0, profile: false}));
  assert.doesNotMatch(linear.why, /log axis/);
  // A base model measured at one step: "1 value", not "1 values".
  const one = transitionView(analyzeOnScale([{x: 0, k: 0, n: 20}], "linear", makeRng(1), {replicates: 0, profile: false}));
  assert.match(one.why, /EM is defined at 1 value, a fit needs at least 5/);
});
