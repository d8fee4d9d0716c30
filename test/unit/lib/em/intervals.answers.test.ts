// The answers-estimand interval (stratifiedWilson): the ratio estimator's stratified variance with
// the answers that reach the denominator random, checked by hand and by seeded simulation.
import assert from "node:assert/strict";
import {test} from "node:test";
import {makeRng, normalQuantile, randNormal, stratifiedWilson, wilsonZ} from "../../../../src/lib/em/index.ts";

const close = (a: number, b: number, tol: number, msg = "") => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);

test("stratifiedWilson(counts) without n takes the denominators as fixed: same interval as n = d", () => {
  const k = [3, 0, 7, 2, 5];
  const d = [20, 18, 20, 19, 20];
  assert.deepEqual(stratifiedWilson({k, d}), stratifiedWilson({k, d, n: d}));
  // n below d is read as d (every denominator answer is an answer).
  assert.deepEqual(stratifiedWilson({k, d}), stratifiedWilson({k, d, n: [1, 1, 1, 1, 1]}));
});

test("stratifiedWilson({k: [0, 10], d: [10, 10], n: [20, 20]}): the random denominator adds (1 - d/n) d (p - R)^2, by hand", () => {
  // R = 0.5. Per question, e - R c over 20 answers: ten values -0.5 (or +0.5) and ten zeros:
  // sum of squares about the mean 2.5 - 25/20 = 1.25, times 20/19; two questions; over (sum d)^2 = 400.
  const v = (2 * (20 * 1.25)) / 19 / 400;
  const deff = v / (0.25 / 20);
  close(deff, 0.5263, 1e-4, "deff");
  const ne = 20 / deff;
  const z = normalQuantile(0.975);
  const expected = wilsonZ(0.5 * ne, ne, z);
  const got = stratifiedWilson({k: [0, 10], d: [10, 10], n: [20, 20]})!;
  close(got[0], expected[0], 1e-12, "lower");
  close(got[1], expected[1], 1e-12, "upper");
  // With fixed denominators both questions have p(1-p) = 0: deff clamps at 0.5, a narrower interval.
  const fixed = stratifiedWilson({k: [0, 10], d: [10, 10]})!;
  assert.ok(fixed[1] - fixed[0] < got[1] - got[0], `${fixed} vs ${got}`);
});

test("stratifiedWilson covers the rate on the drawn questions 93-97% with strongly different questions and random denominators (1500 seeded data sets)", () => {
  // 48 questions x 50 answers, logit-normal question rates (mean logit -4, sd 2: a ~7% rate, skewed),
  // each answer in the denominator with probability 0.85; truth: the mean of the drawn rates.
  const rng = makeRng(22);
  const S = 1500;
  let hits = 0;
  for (let s = 0; s < S; s++) {
    const k: number[] = [];
    const d: number[] = [];
    const n: number[] = [];
    let truth = 0;
    for (let q = 0; q < 48; q++) {
      const p = 1 / (1 + Math.exp(-(-4 + 2 * randNormal(rng))));
      truth += p / 48;
      let kk = 0;
      let dd = 0;
      for (let i = 0; i < 50; i++) {
        if (rng() < 0.85) {
          dd++;
          if (rng() < p) kk++;
        }
      }
      k.push(kk);
      d.push(dd);
      n.push(50);
    }
    const ci = stratifiedWilson({k, d, n})!;
    if (ci[0] <= truth && truth <= ci[1]) hits++;
  }
  const coverage = hits / S;
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});
