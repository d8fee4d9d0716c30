// Intervals: known values, determinism, and coverage checked by simulation.
import assert from "node:assert/strict";
import {test} from "node:test";
import {
  clusterBootstrap,
  macroRate,
  makeRng,
  newcombeDiff,
  normalQuantile,
  pooledRate,
  randBinomial,
  randNormal,
  tQuantile,
  wilson,
} from "../../../../src/lib/em/index.ts";

const close = (a: number, b: number, tol: number, msg = "") => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);

test("normalQuantile(p) matches tabulated values", () => {
  close(normalQuantile(0.975), 1.959963985, 1e-8);
  close(normalQuantile(0.5), 0, 1e-12);
  close(normalQuantile(0.001), -3.090232306, 1e-7);
  close(normalQuantile(0.99), 2.326347874, 1e-8);
});

test("tQuantile(p, df) matches tabulated values", () => {
  close(tQuantile(0.975, 1), 12.7062, 1e-3);
  close(tQuantile(0.975, 2), 4.3027, 1e-3);
  close(tQuantile(0.975, 3), 3.1824, 2e-3);
  close(tQuantile(0.975, 7), 2.3646, 1e-3);
  close(tQuantile(0.975, 29), 2.0452, 1e-3);
});

test("wilson(k, n) known values: 5/10 -> [0.2366, 0.7634], 0/10 -> [0, 0.2775], n = 0 -> null", () => {
  const a = wilson(5, 10)!;
  close(a[0], 0.23659, 1e-4);
  close(a[1], 0.76341, 1e-4);
  const b = wilson(0, 10)!;
  assert.equal(b[0], 0);
  close(b[1], 0.27753, 1e-4);
  assert.equal(wilson(0, 0), null);
  assert.deepEqual(
    wilson(10, 10)!.map((x) => x <= 1),
    [true, true],
  );
});

test("newcombeDiff(k1, n1, k0, n0, z): Newcombe 1998 example 56/70 - 48/80 = [0.0524, 0.3339]", () => {
  const d = newcombeDiff(56, 70, 48, 80, normalQuantile(0.975))!;
  close(d[0], 0.0524, 1e-3);
  close(d[1], 0.3339, 1e-3);
});

test("pooledRate and macroRate of per-question counts", () => {
  assert.equal(pooledRate({k: [1, 1, 0], d: [1, 3, 0]}), 0.5);
  assert.equal(macroRate({k: [1, 1, 0], d: [1, 3, 0]}), (1 + 1 / 3) / 2);
  assert.equal(pooledRate({k: [], d: []}), null);
  assert.equal(macroRate({k: [0], d: [0]}), null);
});

test("clusterBootstrap(counts, rng) is deterministic for a seed and differs across seeds", () => {
  const counts = {k: [3, 0, 7, 2, 5], d: [20, 18, 20, 19, 20]};
  const a = clusterBootstrap(counts, makeRng(42));
  const b = clusterBootstrap(counts, makeRng(42));
  const c = clusterBootstrap(counts, makeRng(43));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.pooled, c.pooled);
  assert.ok(a.pooled![0] < 17 / 97 && 17 / 97 < a.pooled![1]);
});

test("wilson(k, n) covers the true rate 93-97% of the time (4000 seeded binomial draws, n = 200, p = 0.15)", () => {
  const rng = makeRng(2024);
  let hit = 0;
  const S = 4000;
  for (let s = 0; s < S; s++) {
    const [lo, hi] = wilson(randBinomial(rng, 200, 0.15), 200)!;
    if (lo <= 0.15 && 0.15 <= hi) hit++;
  }
  const coverage = hit / S;
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});

// Question rates vary (logit-normal around 0.2, sd 0.8 on the logit scale, as the per-question
// spread of real EM results does); the estimand is the expected rate over questions.
function clustered(rng: () => number, questions: number, perQuestion: number): {k: number[]; d: number[]} {
  const k: number[] = [];
  const d: number[] = [];
  for (let q = 0; q < questions; q++) {
    const p = 1 / (1 + Math.exp(-(Math.log(0.25) + 0.8 * randNormal(rng))));
    k.push(randBinomial(rng, perQuestion, p));
    d.push(perQuestion);
  }
  return {k, d};
}

test("clusterBootstrap covers the true rate 93-97% with 30 heterogeneous questions (800 seeded data sets), where answer-level Wilson does not", () => {
  // E[sigmoid(logit(0.2) + 0.8 Z)] computed by quadrature (Gauss-Hermite would do; a fine grid suffices)
  let truth = 0;
  let wsum = 0;
  for (let z = -8; z <= 8; z += 0.001) {
    const w = Math.exp((-z * z) / 2);
    truth += w / (1 + Math.exp(-(Math.log(0.25) + 0.8 * z)));
    wsum += w;
  }
  truth /= wsum;
  const rng = makeRng(7);
  const S = 800;
  let boot = 0;
  let naive = 0;
  for (let s = 0; s < S; s++) {
    const c = clustered(rng, 30, 40);
    const b = clusterBootstrap(c, rng, {replicates: 1000});
    if (b.pooled![0] <= truth && truth <= b.pooled![1]) boot++;
    const k = c.k.reduce((x, y) => x + y, 0);
    const w = wilson(k, 30 * 40)!;
    if (w[0] <= truth && truth <= w[1]) naive++;
  }
  const coverage = boot / S;
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `bootstrap coverage ${coverage}`);
  assert.ok(naive / S < 0.8, `answer-level Wilson coverage ${naive / S} should be far below nominal under clustering`);
});
