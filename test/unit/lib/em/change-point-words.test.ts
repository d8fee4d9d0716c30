// A change-point test that finds nothing says so (/transitions table and `em summarize --transition`
// print changePointReading's words): the split of largest LR is a location only at p below the
// transitions' level; an all-zero series (every rate equal, LR 0) has no split to test and shows no
// p. Before 2026-12-07 the table printed "110 | 220 (p = 1)" for hw0's all-zero series.
import assert from "node:assert/strict";
import test from "node:test";
import {changePointReading} from "../../../../src/lib/em/change-point-words.ts";
import {makeRng, randBinomial, randNormal} from "../../../../src/lib/em/prng.ts";
import {changePoint} from "../../../../src/lib/em/transition-change.ts";
import {TRANSITION_ALPHA} from "../../../../src/lib/em/transition-min.ts";
import {analyzeTransition} from "../../../../src/lib/em/transition.ts";

const expit = (x: number) => 1 / (1 + Math.exp(-x));

test("changePointReading: an all-zero series has every rate equal: 'none (every rate equal)', no p, not found", () => {
  const cp = changePoint(
    [110, 220, 330, 440, 550, 660].map((x) => ({x, k: 0, n: 20})),
    makeRng(1),
  )!;
  // What the test returns there: a split at the first gap with p = 1 (every bootstrap draw is all zero too).
  assert.deepEqual([cp.before, cp.after, cp.lr, cp.p_value], [110, 220, 0, 1]);
  const r = changePointReading(cp);
  assert.deepEqual(r, {found: false, equal: true, text: "none (every rate equal)"});
  assert.doesNotMatch(r.text, /p =|110|220/);
  // All at 100% too.
  assert.equal(
    changePointReading(
      changePoint(
        [0, 1, 2].map((x) => ({x, k: 9, n: 9})),
        makeRng(1),
      ),
    )!.text,
    "none (every rate equal)",
  );
});

test("changePointReading: a flat series with wobble between checkpoints (p > 0.05): 'none (p = ...)', no location", () => {
  // 11 checkpoints, 8 questions x 40, each question's logit rate around 10% drawn afresh per checkpoint.
  const rng = makeRng(20261207);
  const pts = Array.from({length: 11}, (_, x) => {
    let k = 0;
    for (let q = 0; q < 8; q++) k += randBinomial(rng, 40, expit(Math.log(0.1 / 0.9) + randNormal(rng)));
    return {x: 100 * x, k, n: 320};
  });
  const cp = changePoint(pts, makeRng(3))!;
  assert.ok(cp.lr > 0 && cp.p_value >= TRANSITION_ALPHA, `precondition: a flat series the test does not reject (p ${cp.p_value})`);
  const r = changePointReading(cp);
  assert.equal(r.found, false);
  assert.equal(r.equal, false);
  assert.equal(r.text, `none (p = ${cp.p_value.toFixed(3)})`);
  assert.ok(!r.text.includes(`${cp.before} | ${cp.after}`));
});

test("changePointReading: a clear step (p < 0.05) is a location with its p", () => {
  const pts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ({x: 50 * i, k: i < 5 ? 3 : 60, n: 200}));
  const cp = changePoint(pts, makeRng(5))!;
  assert.ok(cp.p_value < TRANSITION_ALPHA);
  assert.deepEqual(changePointReading(cp), {found: true, equal: false, text: "200 | 250 (p = 0.001)"});
});

test("changePointReading: the level is the transitions' alpha (p = alpha is not below it); no test, no words", () => {
  const at = (p_value: number) => changePointReading({before: 1, after: 2, lr: 4, p_value});
  assert.equal(at(TRANSITION_ALPHA).text, "none (p = 0.050)");
  assert.equal(at(0.049).text, "1 | 2 (p = 0.049)");
  assert.equal(at(0.0004).text, "1 | 2 (p < 0.001)");
  assert.deepEqual(changePointReading(null), {found: null, equal: false, text: "–"});
  // The same level as the fit's tests: analyzeTransition's default alpha, which its onset reports.
  assert.equal(
    analyzeTransition(
      [0, 1].map((x) => ({x, k: 0, n: 5})),
      makeRng(1),
      {replicates: 0},
    ).onset.alpha,
    TRANSITION_ALPHA,
  );
});
