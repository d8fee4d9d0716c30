// requestRuns: the samples of one question are asked in blocks of max_n (0..n-1, n..2n-1, ...), so
// a sample's request body (seed + start, n) does not depend on which other samples are cached. A
// rerun after a run stopped mid-way (test/unit/e2e/reliability-money.test.ts, a full disk) then asks
// every sample never asked with the body a run from an empty cache would have used.
import assert from "node:assert/strict";
import {test} from "node:test";
import {requestRuns} from "../../../loaders/generate.ts";

test("requestRuns: contiguous runs within blocks of max_n", () => {
  assert.deepEqual(requestRuns([0, 1, 2, 3, 4, 5], 2), [
    [0, 2],
    [2, 2],
    [4, 2],
  ]);
  // One result of the first request lost: only that block is asked another way; the others as from empty.
  assert.deepEqual(requestRuns([1, 2, 3, 4, 5], 2), [
    [1, 1],
    [2, 2],
    [4, 2],
  ]);
  assert.deepEqual(requestRuns([1, 2, 3, 5, 6, 7, 8], 4), [
    [1, 3],
    [5, 3],
    [8, 1],
  ]);
  assert.deepEqual(requestRuns([0, 1, 2], 1), [
    [0, 1],
    [1, 1],
    [2, 1],
  ]);
  assert.deepEqual(requestRuns([], 2), []);
});
