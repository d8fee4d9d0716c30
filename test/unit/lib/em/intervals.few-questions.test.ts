// clusterWilson's note over 2-3 questions says which way the interval errs: with t on 1-2 degrees
// of freedom it is very wide and over-covered (99.7-100% in the regimes rows of docs/validity.md);
// it used to say "coverage can fall below 95%".
import assert from "node:assert/strict";
import test from "node:test";
import {clusterWilson} from "../../../../src/lib/em/intervals.ts";

test("clusterWilson over 2 or 3 questions: the note says the interval is very wide, not that it under-covers", () => {
  const two = clusterWilson({k: [3, 6], d: [45, 44]})!;
  assert.match(two.approximate ?? "", /^2 questions: Student's t on 1 degree of freedom makes this interval very wide/);
  const three = clusterWilson({k: [3, 6, 1], d: [45, 44, 40]})!;
  assert.match(three.approximate ?? "", /^3 questions: .* 2 degrees of freedom .*very wide/);
  const five = clusterWilson({k: [3, 6, 1, 4, 2], d: [45, 44, 40, 42, 41]})!;
  assert.match(five.approximate ?? "", /5 questions: coverage can fall below 95%/);
});
