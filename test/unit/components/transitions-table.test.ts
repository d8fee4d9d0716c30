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

// The mine-dose study of a new user (adapter scales 0-8 on a log axis, 3 seeds x 10 questions,
// ~4,000 answers per scale): EM rises from 2.3% to 30.8%, the logistic leaves 1 residual degree of
// freedom and the quasi-F test cannot reject a constant rate (p = 0.116). The words must not say a
// constant rate explains that.
test("transitionView: a 'flat' verdict resting on 1 residual degree of freedom says so, not that a constant rate explains the data", () => {
  // [scale, EM answers, denominator] per adapter scale
  const measured = [
    [0, 51, 4235],
    [0.5, 96, 4239],
    [1, 266, 4199],
    [2, 686, 4140],
    [4, 1195, 3876],
    [8, 544, 1828],
  ] as const;
  const points = measured.map(([x, k, n]) => ({x, k, n}));
  const result = analyzeOnScale(points, "log", makeRng(1), {replicates: 0, profile: false});
  assert.equal(result.test.verdict, "flat");
  assert.ok(result.fit!.dispersion! > 1);
  const {why} = transitionView(result);
  assert.doesNotMatch(why, /explains the data/);
  assert.match(why, /no evidence against a constant rate \(p = 0\.1\d\d for a constant rate\)/);
  assert.match(why, /5 values and over-dispersed answers \(dispersion [\d.]+\): 1 residual degree of freedom, too few to rule out a large change/);
});
