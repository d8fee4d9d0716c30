// Transitions that can say "none": the credibility test of a logistic against a constant rate,
// non-monotone series, too few points, and the coordinate scale (known answers by hand).
import assert from "node:assert/strict";
import test from "node:test";
import {
  analyzeOnScale,
  analyzeTransition,
  coordinateScale,
  homogeneityP,
  makeRng,
  nonMonotoneAt,
  pointsOnScale,
  testTransition,
  fitLogistic,
  type TransitionPoint,
} from "../../../../src/lib/em/index.ts";
import {judgedRow} from "../../../helpers/judged.ts";

const pts = (xs: number[], rates: number[], n = 200): TransitionPoint[] => xs.map((x, i) => ({x, k: Math.round(rates[i]! * n), n}));
const rng = () => makeRng(7);

test("analyzeTransition: an all-zero series is flat, p_constant 1, no midpoint, no onset", () => {
  const r = analyzeTransition(pts([0, 1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0, 0]), rng(), {replicates: 99});
  assert.equal(r.test.verdict, "flat");
  assert.equal(r.test.credible, false);
  assert.equal(r.test.p_constant, 1);
  assert.equal(r.onset.x, null);
});

test("analyzeTransition: a flat noisy 0-5% series over 6 checkpoints is not credible", () => {
  // k out of 200: 6, 9, 4, 10, 7, 8 (3.0%..5.0%): binomial noise around 3.7%.
  const p: TransitionPoint[] = [6, 9, 4, 10, 7, 8].map((k, i) => ({x: 100 * (i + 1), k, n: 200}));
  const r = analyzeTransition(p, rng(), {replicates: 99});
  assert.equal(r.test.credible, false);
  assert.ok(r.test.p_constant !== null && r.test.p_constant > 0.05, `p_constant ${r.test.p_constant}`);
  assert.ok(r.test.verdict === "flat", r.test.verdict);
});

test("analyzeTransition: a clear logistic rise is credible with its midpoint inside the data", () => {
  const xs = [0, 100, 200, 300, 400, 500, 600, 700];
  const rates = xs.map((x) => 0.01 + 0.4 / (1 + Math.exp(-(x - 350) / 40)));
  const r = analyzeTransition(pts(xs, rates), rng(), {replicates: 99});
  assert.equal(r.test.verdict, "credible");
  assert.ok(r.test.p_constant! < 1e-3);
  assert.ok(Math.abs(r.fit!.midpoint - 350) < 20, `midpoint ${r.fit!.midpoint}`);
  assert.notEqual(r.onset.x, null);
});

test("testTransition: a rise with its midpoint beyond the last coordinate is a trend, not a transition", () => {
  const xs = [0, 1, 2, 3, 4, 5];
  const rates = xs.map((x) => 0.02 + 0.9 / (1 + Math.exp(-(x - 6.5) / 0.8)));
  const p = pts(xs, rates, 400);
  const fit = fitLogistic(p, {profile: false});
  const t = testTransition(p, fit);
  assert.ok(t.p_constant! < 0.05);
  assert.equal(t.verdict, "outside_range", `midpoint ${fit?.midpoint}`);
  assert.equal(t.credible, false);
});

test("nonMonotoneAt / verdict: rise then collapse is non_monotone at the peak", () => {
  const p = pts([1, 2, 3, 4, 5, 6, 7], [0.0, 0.05, 0.2, 0.35, 0.2, 0.05, 0.0]);
  assert.equal(nonMonotoneAt(p), 4);
  const r = analyzeTransition(p, rng(), {replicates: 99});
  assert.equal(r.test.verdict, "non_monotone");
  assert.equal(r.test.credible, false);
  // A monotone step is not flagged.
  assert.equal(nonMonotoneAt(pts([1, 2, 3, 4, 5], [0, 0, 0.3, 0.3, 0.3])), null);
});

test("nonMonotoneAt(points, alpha, phis): each point's design effect scales its own counts", () => {
  // 10% -> 20% -> 10% at 400 answers each. Bonferroni over 1 interior point, one-sided alpha / 2.
  const p = [
    {x: 0, k: 40, n: 400},
    {x: 1, k: 80, n: 400},
    {x: 2, k: 40, n: 400},
  ];
  assert.equal(nonMonotoneAt(p, 0.05, [1, 1, 1]), 1);
  assert.equal(nonMonotoneAt(p, 0.05, 1), 1);
  // The peak's counts as 80 / 20 out of 400 / 20 (4 of 20): its Wilson interval reaches 10%.
  assert.equal(nonMonotoneAt(p, 0.05, [1, 20, 1]), null);
  // The same design effect everywhere as one number or per point gives the same answer.
  assert.equal(nonMonotoneAt(p, 0.05, [6, 6, 6]), nonMonotoneAt(p, 0.05, 6));
});

test("nonMonotoneAt(points, alpha, phi, df): an estimated phi is referred to Student's t on df, binomial variance to the normal", () => {
  // 10% -> 25% -> 10% at 200 answers each, 7 points: one-sided level 0.05 / (2 x 5) = 0.005. With
  // phi 2 (100 answers each) the normal quantile 2.576 finds the peak; Student's t on 3 df,
  // sqrt(F(0.99; 1, 3)) = sqrt(34.12) = 5.841, does not.
  const p = pts([1, 2, 3, 4, 5, 6, 7], [0.1, 0.1, 0.1, 0.25, 0.1, 0.1, 0.1]);
  assert.equal(nonMonotoneAt(p, 0.05, 2), 4);
  assert.equal(nonMonotoneAt(p, 0.05, 2, 3), null);
  // At phi 1 nothing was estimated beyond binomial: the normal quantile, df or not.
  assert.equal(nonMonotoneAt(p, 0.05, 1, 3), 4);
});

test("testTransition without per-question cells from 7 points: the pooled fits' phi on m - 4 df takes Student's t", () => {
  // 10% with a wobble of +-2 points and a 20% peak, 400 answers each, no cells: the pooled fits'
  // phi is 1.72 on 3 df. Referred to the normal (the earlier rule) the peak was non_monotone;
  // to t(3) it is not (the earlier rule called 6-9% of flat 7-value series with question spread
  // non-monotone at nominal 5%: docs/metrics.md).
  const p: TransitionPoint[] = [40, 48, 32, 80, 48, 32, 40].map((k, i) => ({x: i + 1, k, n: 400}));
  const t = testTransition(p, fitLogistic(p, {profile: false}));
  assert.ok(Math.abs(t.monotone_phi - 1.721) < 0.01, `phi ${t.monotone_phi}`);
  assert.equal(nonMonotoneAt(p, 0.05, t.monotone_phi), 4);
  assert.equal(t.verdict, "flat");
  assert.equal(t.extreme, null);
  // A clear hump stays non_monotone (phi 1 there: binomial variance, the normal quantile).
  const hump: TransitionPoint[] = [40, 44, 36, 80, 44, 36, 40].map((k, i) => ({x: i + 1, k, n: 400}));
  assert.equal(testTransition(hump, fitLogistic(hump, {profile: false})).verdict, "non_monotone");
});

test("analyzeTransition: fewer than 5 coordinates -> too_few_points, no logistic forced", () => {
  // A steady rise: the trend test (1 df, phi from the line's 2 residual df) still says the rate changes.
  const r = analyzeTransition(pts([0, 1, 2, 3], [0.02, 0.08, 0.16, 0.3]), rng(), {replicates: 99});
  assert.equal(r.fit, null);
  assert.equal(r.test.verdict, "too_few_points");
  assert.equal(r.test.constant_test, "trend");
  assert.ok(r.test.p_constant! < 0.05, `p_constant ${r.test.p_constant}`);
  // A jump after the first point on 4 values: no test of 2 residual df can tell it from spread
  // between values (the homogeneity test, binomial variance only, said p < 1e-3, and called 29-60%
  // of flat clustered 4-value sweeps changing: docs/validity.md, transitions-few); it says what it
  // could see instead.
  const jump = analyzeTransition(pts([0, 1, 4, 16], [0, 0.1, 0.12, 0.11]), rng(), {replicates: 99});
  assert.ok(jump.test.p_constant! > 0.05);
  assert.equal(jump.test.detectable?.length, 2);
});

test("homogeneityP: by hand, 2 points 10/100 vs 30/100: X2 = 12.5, p = 4.07e-4; equal rates p = 1", () => {
  // pooled 0.2; expected 20 each; X2 = (10-20)^2/(100*.2*.8) * 2 = 100/16 * 2 = 12.5
  const p = homogeneityP([
    {x: 0, k: 10, n: 100},
    {x: 1, k: 30, n: 100},
  ])!;
  assert.ok(Math.abs(p - 4.0695e-4) < 2e-6, String(p));
  assert.equal(
    homogeneityP([
      {x: 0, k: 0, n: 10},
      {x: 1, k: 0, n: 10},
    ]),
    1,
  );
  assert.equal(homogeneityP([{x: 0, k: 1, n: 10}]), null);
});

test("coordinateScale: declared wins; geometric or two-decade positives -> log; steps -> linear", () => {
  assert.equal(coordinateScale([0, 1, 4, 16, 64]), "log");
  assert.equal(coordinateScale([0.5, 1, 2, 4, 8]), "log");
  assert.equal(coordinateScale([1, 10, 1000]), "log");
  assert.equal(coordinateScale([0, 25, 50, 75, 100, 1000]), "linear");
  assert.equal(coordinateScale([1, 2, 3, 4, 5, 6]), "linear");
  assert.equal(coordinateScale([1, 4, 16], "linear"), "linear");
  assert.equal(coordinateScale([1, 2, 3], "log"), "log");
  assert.equal(coordinateScale([]), "linear");
});

test("pointsOnScale / analyzeOnScale: log10 fit, x <= 0 set aside, midpoint back in coordinate units", () => {
  const xs = [0, 1, 2, 4, 8, 16, 32, 64, 128];
  const rates = xs.map((x) => (x <= 0 ? 0 : 0.02 + 0.5 / (1 + Math.exp(-(Math.log10(x) - Math.log10(10)) / 0.15))));
  const p = pts(xs, rates, 300);
  const {points, excluded} = pointsOnScale(p, "log");
  assert.equal(excluded.length, 1);
  assert.equal(points[1]!.x, Math.log10(2));
  const r = analyzeOnScale(p, "log", rng(), {replicates: 99});
  assert.deepEqual(r.excluded, [0]);
  assert.equal(r.points.length, 9, "points keep every coordinate in its own units");
  assert.equal(r.points[8]!.x, 128);
  assert.equal(r.test.verdict, "credible");
  assert.ok(Math.abs(r.fit!.midpoint - 10) < 1.5, `midpoint ${r.fit!.midpoint}`);
});

test("transitionSensitivity(rows) equals transitionSensitivityColumns(columns) cell for cell (the browser's path)", async () => {
  const {transitionSensitivity, transitionSensitivityColumns, toColumns, encodeValues, BETLEY} = await import("../../../../src/lib/em/index.ts");
  const r = makeRng(3);
  const rows: import("../../../../src/lib/schema.ts").Judged[] = [];
  let id = 0;
  for (const judge of ["A", "B"])
    for (let step = 0; step <= 700; step += 100)
      for (let i = 0; i < 60; i++) {
        const p = 0.02 + 0.4 / (1 + Math.exp(-(step - 350) / 60));
        const em = r() < p;
        rows.push(judgedRow({response_id: `r${id++}`, step, question_id: `q${i % 6}`, judge, aligned: em ? 10 * r() : 40 + 60 * r(), coherent: 30 + 70 * r()}));
      }
  const a = transitionSensitivity(rows, BETLEY);
  const j = encodeValues(rows.map((x) => x.judge));
  const b = transitionSensitivityColumns(
    toColumns(rows, {precision: 64}),
    Float64Array.from(rows, (x) => x.step as number),
    j.codes,
    j.values,
    BETLEY,
  );
  assert.equal(a.length, 2 * 6 * 7);
  assert.deepEqual(b, a);
  assert.ok(
    a.some((c) => c.midpoint !== null),
    "some cells locate the planted rise",
  );
  for (const c of a) if (c.verdict !== "credible") assert.equal(c.midpoint, null);
});
