// The change point's p-value on /transitions and in `em summarize --transition` keeps its level when
// the checkpoints' rates vary more than binomially (answers to one question are correlated and a
// question's rate wobbles from checkpoint to checkpoint): the plain max-LR bootstrap under one
// binomial rate rejected such flat series far more often than 5%.
import assert from "node:assert/strict";
import test from "node:test";
import {makeRng, randBinomial, randNormal, type Rng} from "../../../../src/lib/em/prng.ts";
import {changePoint} from "../../../../src/lib/em/transition-change.ts";
import type {TransitionPoint} from "../../../../src/lib/em/transition-points.ts";

const expit = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** 11 checkpoints, 8 questions x 40 answers; each question's logit rate drawn afresh at every checkpoint (sd 1) around `rate(i)`. */
function sweep(rng: Rng, rate: (i: number) => number): TransitionPoint[] {
  return Array.from({length: 11}, (_, x) => {
    let k = 0;
    for (let q = 0; q < 8; q++) k += randBinomial(rng, 40, expit(logit(rate(x)) + randNormal(rng)));
    return {x, k, n: 320};
  });
}

test("changePoint: p < 0.05 on at most ~5% of flat series whose questions wobble between checkpoints", () => {
  const rng = makeRng(20261206);
  let rejected = 0;
  const reps = 150;
  for (let s = 0; s < reps; s++)
    if (
      changePoint(
        sweep(rng, () => 0.1),
        makeRng(s + 1),
        {replicates: 99},
      )!.p_value < 0.05
    )
      rejected++;
  // 5% of 150 is 7.5 (binomial sd 2.7); the unscaled max LR rejected ~40%.
  assert.ok(rejected <= 15, `${rejected} of ${reps} flat series rejected`);
});

test("changePoint: a planted step under the same wobble is still found", () => {
  const rng = makeRng(7);
  let found = 0;
  const reps = 30;
  for (let s = 0; s < reps; s++) {
    const cp = changePoint(
      sweep(rng, (x) => (x < 6 ? 0.04 : 0.25)),
      makeRng(s + 1),
      {replicates: 99},
    )!;
    if (cp.p_value < 0.05 && cp.before === 5 && cp.after === 6) found++;
  }
  assert.ok(found >= 22, `${found} of ${reps} steps found at 5 | 6`);
});

test("changePoint: binomial data (no extra variation) keep a calibrated p; all-zero series give p = 1", () => {
  const rng = makeRng(11);
  let rejected = 0;
  for (let s = 0; s < 100; s++) {
    const pts = Array.from({length: 11}, (_, x) => ({x, k: randBinomial(rng, 320, 0.1), n: 320}));
    if (changePoint(pts, makeRng(s + 1), {replicates: 99})!.p_value < 0.05) rejected++;
  }
  assert.ok(rejected <= 11, `${rejected} of 100 binomial flat series rejected`);
  const zero = Array.from({length: 6}, (_, x) => ({x, k: 0, n: 50}));
  assert.equal(changePoint(zero, makeRng(1), {replicates: 99})!.p_value, 1);
});
