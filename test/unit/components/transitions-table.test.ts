// transitions-table.ts stays free of the fit code (the first paint loads it: transitions-first.ts),
// so it mirrors the fit's minimum number of coordinate values; the mirror must equal the library's.
import {test} from "node:test";
import assert from "node:assert/strict";
import {MIN_TRANSITION_POINTS} from "../../../src/lib/em/transition.ts";
import {MIN_FIT_POINTS} from "../../../src/components/transitions-table.ts";

test("MIN_FIT_POINTS = MIN_TRANSITION_POINTS of the fit code", () => {
  assert.equal(MIN_FIT_POINTS, MIN_TRANSITION_POINTS);
});

// The mine-dose study of a new user (2.3% -> 30.8% over 5 adapter scales), read as "flat" by the
// logistic's quasi-F(3, 1) test before 2026-12-07, is in test/unit/lib/em/transition.few.test.ts:
// below 7 values the trend test decides, and a "no evidence" verdict states its power.
