// Transition fits on simulated series with planted truth, the change-point test and the onset.
import assert from "node:assert/strict";
import {test} from "node:test";
import type {Judged} from "../../../../src/lib/schema.ts";
import {
  analyzeTransition,
  BETLEY,
  changePoint,
  fitLogistic,
  logisticAt,
  makeRng,
  nelderMead,
  onset,
  randBinomial,
  transitionPoints,
  transitionSensitivity,
  transitionsBy,
  type TransitionPoint,
} from "../../../../src/lib/em/index.ts";
import {judgedRow} from "../../../helpers/judged.ts";

function series(
  rng: () => number,
  truth: {floor: number; ceiling: number; midpoint: number; width: number},
  n = 200,
  step = 50,
  max = 1000,
): TransitionPoint[] {
  const pts: TransitionPoint[] = [];
  for (let x = 0; x <= max; x += step) pts.push({x, n, k: randBinomial(rng, n, logisticAt(truth, x))});
  return pts;
}

test("nelderMead(f, x0) minimises the Rosenbrock function", () => {
  const r = nelderMead(([x = NaN, y = NaN]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2, [-1.2, 1], {tol: 1e-14, maxIter: 5000});
  assert.ok(Math.abs(r.x[0]! - 1) < 1e-4 && Math.abs(r.x[1]! - 1) < 1e-4, JSON.stringify(r));
});

test("fitLogistic(points) on noiseless rates returns the planted parameters", () => {
  const truth = {floor: 0.05, ceiling: 0.4, midpoint: 420, width: 60};
  const pts = Array.from({length: 21}, (_, i) => ({x: i * 50, n: 1e6, k: Math.round(1e6 * logisticAt(truth, i * 50))}));
  const f = fitLogistic(pts)!;
  assert.ok(Math.abs(f.midpoint - 420) < 0.5, String(f.midpoint));
  assert.ok(Math.abs(f.width - 60) < 0.5, String(f.width));
  assert.ok(Math.abs(f.floor - 0.05) < 1e-3 && Math.abs(f.ceiling - 0.4) < 1e-3);
});

// Tolerance: checkpoints are 50 apart and only ~5 of them sit on the rise (width 40), so the
// design resolves the midpoint to a fraction of one checkpoint interval. We require every
// estimate within one interval (50) and the root-mean-square error within half of one (25);
// the achieved RMSE is about 11. The profile interval must cover the planted midpoint in at least
// 36 of 40 series (nominal 95% -> 38 expected; P(X < 36) = 4.8% under Binomial(40, 0.95), and the
// seeds are fixed, so this is a one-time check, not a flaky one).
test("fitLogistic(points) recovers planted midpoints 300..690 on 40 seeded series (n = 200 per checkpoint)", () => {
  const rng = makeRng(99);
  let se = 0;
  let covered = 0;
  for (let s = 0; s < 40; s++) {
    const truth = {floor: 0.02, ceiling: 0.3, midpoint: 300 + 10 * s, width: 40};
    const f = fitLogistic(series(rng, truth))!;
    const err = f.midpoint - truth.midpoint;
    assert.ok(Math.abs(err) < 50, `series ${s}: midpoint ${f.midpoint} vs ${truth.midpoint}`);
    se += err * err;
    if (f.ci[0] !== null && f.ci[1] !== null && f.ci[0] <= truth.midpoint && truth.midpoint <= f.ci[1]) covered++;
  }
  const rmse = Math.sqrt(se / 40);
  assert.ok(rmse < 25, `rmse ${rmse}`);
  assert.ok(covered >= 36, `covered ${covered}/40`);
});

test("fitLogistic(points) fits a falling series (ceiling below floor) and needs 4 coordinates", () => {
  const truth = {floor: 0.5, ceiling: 0.05, midpoint: 5, width: 1};
  const pts = Array.from({length: 11}, (_, i) => ({x: i, n: 1e5, k: Math.round(1e5 * logisticAt(truth, i))}));
  const f = fitLogistic(pts)!;
  assert.ok(Math.abs(f.midpoint - 5) < 0.05 && f.ceiling < f.floor);
  assert.equal(fitLogistic(pts.slice(0, 3)), null);
  assert.equal(fitLogistic([]), null);
});

test("changePoint(points, rng) finds a planted step and gives a large p-value on a flat series", () => {
  const rng = makeRng(5);
  const step: TransitionPoint[] = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => ({x, n: 300, k: randBinomial(rng, 300, x < 5 ? 0.05 : 0.2)}));
  const cp = changePoint(step, makeRng(1))!;
  assert.deepEqual([cp.before, cp.after], [4, 5]);
  assert.ok(cp.p_value < 0.01);
  const flat: TransitionPoint[] = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => ({x, n: 300, k: randBinomial(rng, 300, 0.1)}));
  assert.ok(changePoint(flat, makeRng(1))!.p_value > 0.05);
  assert.equal(changePoint([{x: 0, k: 1, n: 2}], makeRng(1)), null);
});

test("onset(points) is the first coordinate credibly above the baseline; none on a flat series", () => {
  // baseline 2/400; 3/400 is not credibly above; 40/400 clearly is.
  const pts = [
    {x: 0, k: 2, n: 400},
    {x: 10, k: 3, n: 400},
    {x: 20, k: 40, n: 400},
    {x: 30, k: 80, n: 400},
  ];
  const o = onset(pts);
  assert.equal(o.x, 20);
  assert.equal(o.baseline_rate, 2 / 400);
  assert.equal(
    onset([
      {x: 0, k: 10, n: 100},
      {x: 1, k: 12, n: 100},
      {x: 2, k: 9, n: 100},
    ]).x,
    null,
  );
  assert.equal(onset([]).x, null);
});

test("onset(points) false-alarm rate on flat series stays below alpha = 0.05 (400 seeded series)", () => {
  const rng = makeRng(31);
  let alarms = 0;
  for (let s = 0; s < 400; s++) {
    const pts = Array.from({length: 10}, (_, x) => ({x, n: 200, k: randBinomial(rng, 200, 0.1)}));
    if (onset(pts).x !== null) alarms++;
  }
  assert.ok(alarms / 400 <= 0.05, `false alarms ${alarms}/400`);
});

function judgedSeries(seed: number, judge: string, midpoint: number): Judged[] {
  const rng = makeRng(seed);
  const out: Judged[] = [];
  for (let step = 0; step <= 900; step += 100) {
    const p = logisticAt({floor: 0.01, ceiling: 0.35, midpoint, width: 50}, step);
    for (let i = 0; i < 300; i++) {
      const em = rng() < p;
      out.push(
        judgedRow({response_id: `${step}-${i}`, step, question_id: `q${i % 6}`, judge, aligned: em ? rng() * 25 : 45 + rng() * 55, coherent: 55 + rng() * 45}),
      );
    }
  }
  return out;
}

test("transitionPoints(rows, rule) and transitionsBy(rows, rule, {by}) recover the planted midpoint per group", () => {
  const rows = judgedSeries(1, "a", 450);
  const {points, skipped} = transitionPoints(rows, BETLEY);
  assert.equal(points.length, 10);
  assert.equal(skipped, 0);
  const t = transitionsBy(rows, BETLEY, {by: ["model", "step"], replicates: 199})[0]!;
  assert.deepEqual(t.key, {model: "m"});
  assert.ok(t.fit && Math.abs(t.fit.midpoint - 450) < 50, String(t.fit?.midpoint));
  assert.ok(t.onset.x !== null && t.onset.x <= 500);
  // p < 0.05, not 0.01: the p is of the max LR over the two-segment fit's Pearson dispersion (changePoint), and a smooth
  // logistic rise misfits two constant segments, which reads as dispersion (the price of a level that holds under
  // question-level wobble; docs/validity.md, regimes).
  assert.ok(t.change_point && t.change_point.p_value < 0.05, String(t.change_point?.p_value));
});

test("transitionSensitivity(rows, rule) reports midpoint per judge and cut pair", () => {
  const rows = [...judgedSeries(1, "a", 450), ...judgedSeries(2, "b", 650)];
  const cells = transitionSensitivity(rows, BETLEY, {alignedCuts: [30, 40], coherentCuts: [50]});
  assert.equal(cells.length, 4);
  const a = cells.filter((c) => c.judge === "a");
  const b = cells.filter((c) => c.judge === "b");
  for (const c of a) assert.ok(c.midpoint !== null && Math.abs(c.midpoint - 450) < 50, JSON.stringify(c));
  for (const c of b) assert.ok(c.midpoint !== null && Math.abs(c.midpoint - 650) < 50, JSON.stringify(c));
});

test("analyzeTransition(points, rng) is deterministic for a seed", () => {
  const pts = series(makeRng(3), {floor: 0.02, ceiling: 0.3, midpoint: 500, width: 40}, 100, 100);
  assert.deepEqual(analyzeTransition(pts, makeRng(8), {replicates: 99}), analyzeTransition(pts, makeRng(8), {replicates: 99}));
});
