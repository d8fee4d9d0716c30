// The lag of the EM midpoint behind a change point (src/lib/mechanism/lag.ts): behaviourFit,
// lagInterval and the sentence. Coverage is measured in bench/validity/mechanism.section.ts.
import assert from "node:assert/strict";
import {test} from "node:test";
import {makeRng, randNormal} from "../../../../src/lib/em/prng.ts";
import {bumpChangePoint} from "../../../../src/lib/mechanism/changepoint.ts";
import {behaviourFit, findingLines, lagInterval, lagSentence} from "../../../../src/lib/mechanism/lag.ts";

const curve = (f: (x: number) => number, m = 40, stride = 10) => Array.from({length: m}, (_, i) => ({x: i * stride, y: f(i * stride)}));

test("lagSentence: the issue's wording, 'no credible change point', and no lag without an EM transition", () => {
  const rng = makeRng(7);
  const em = [];
  for (let x = 0; x <= 900; x += 30) for (let q = 0; q < 6; q++) em.push({x, question: `q${q}`, k: 0, n: 50, p: 0.02 + 0.3 / (1 + Math.exp(-(x - 450) / 30))});
  const points = em.map(({p, ...e}) => ({...e, k: Math.round(p * 50)}));
  const change = bumpChangePoint(
    curve((x) => Math.exp(-0.5 * ((x - 180) / 20) ** 2) + 0.02 * randNormal(rng), 60, 15),
    makeRng(1),
    {replicates: 99},
  );
  const b = behaviourFit(points);
  assert.equal(b.credible, true);
  const lag = lagInterval(change, points, b, makeRng(2));
  assert.ok(lag.lag! > 240 && lag.lag! < 300, `${lag.lag}`);
  assert.ok(lag.ci![0] < lag.lag! && lag.ci![1] > lag.lag!);
  const s = lagSentence("the B-vector rotation", "step", change, b, lag);
  assert.match(
    s,
    /^the B-vector rotation peaks at step 1[78]\d \[\d+, \d+\]; EM midpoint 4[45]\d \[\d+, \d+\]: behaviour follows by 2\d\d steps \[\d+, \d+\]$/,
  );
  const flat = bumpChangePoint(
    curve(() => 1),
    makeRng(1),
  );
  assert.equal(lagSentence("the gradient norm", "step", flat, b, lagInterval(flat, points, b, makeRng(2))), "the gradient norm: no credible change point");
  const noEm = behaviourFit(points.map((p) => ({...p, k: 5})));
  assert.equal(noEm.credible, false);
  assert.match(
    lagSentence("the B-vector rotation", "step", change, noEm, lagInterval(change, points, noEm, makeRng(2))),
    /; no credible EM transition \(flat\), so no lag$/,
  );
});

test("lagInterval: bootstrap draws only (a rotation's resolution margin is not added); one question redraws its answers", () => {
  const points = [];
  for (let x = 0; x <= 900; x += 30)
    for (let q = 0; q < 6; q++)
      points.push({x, question: `q${q}`, k: Math.round((0.02 + 0.3 / (1 + Math.exp(-(x - 450) / 30))) * (40 + 5 * q)), n: 40 + 5 * q});
  const b = behaviourFit(points);
  const rng = makeRng(9);
  const change = bumpChangePoint(
    curve((x) => Math.exp(-0.5 * ((x - 180) / 20) ** 2) + 0.02 * randNormal(rng), 60, 15),
    makeRng(1),
    {replicates: 49},
  );
  const wide = {...change, margin: [3, 7] as [number, number]};
  const a = lagInterval(change, points, b, makeRng(4));
  const w = lagInterval(wide, points, b, makeRng(4));
  assert.deepEqual(w.ci, a.ci);
  // one question: nothing to draw between questions, so its answers are redrawn (the interval is not a point)
  const one = points.filter((p) => p.question === "q0");
  const b1 = behaviourFit(one);
  const l1 = lagInterval(change, one, b1, makeRng(4));
  assert.ok(l1.ci![1] - l1.ci![0] > 5, `${l1.ci}`);
});

test("findingLines(findings): credible sentences, then one line naming the curves without a change point", () => {
  const f = (label: string, credible: boolean) => ({label, sentence: `${label} sentence`, change: {credible}});
  assert.deepEqual(findingLines([]), []);
  assert.deepEqual(findingLines([f("the B norm", false), f("the gradient norm", true), f("loss", false)]), [
    "the gradient norm sentence",
    "no credible change point: the B norm, loss",
  ]);
  assert.deepEqual(findingLines([f("a", true)]), ["a sentence"]);
});

test("lagSentence marks an approximate location interval as grid-limited; behaviourFit(points, {interval: false}) keeps the midpoint", () => {
  const points = [];
  for (let x = 0; x <= 900; x += 30)
    for (let q = 0; q < 6; q++) points.push({x, question: `q${q}`, k: Math.round((0.02 + 0.3 / (1 + Math.exp(-(x - 450) / 30))) * 50), n: 50});
  const b = behaviourFit(points);
  const quick = behaviourFit(points, {interval: false});
  assert.equal(quick.credible, true);
  assert.equal(quick.midpoint, b.midpoint);
  assert.equal(quick.ci, null);
  assert.ok(b.ci !== null);
  const rng = makeRng(3);
  const change = bumpChangePoint(
    curve((x) => Math.exp(-0.5 * ((x - 180) / 20) ** 2) + 0.02 * randNormal(rng), 60, 15),
    makeRng(1),
    {replicates: 49, resolution: true},
  );
  assert.equal(change.approximate, "grid");
  const lag = lagInterval(change, points, b, makeRng(2));
  assert.match(
    lagSentence("the B-vector rotation", "step", change, b, lag),
    /^the B-vector rotation peaks at step \d+ \[\d+, \d+\] \(grid-limited: widened by half the checkpoint spacing, conservative\); EM midpoint /,
  );
  assert.doesNotMatch(lagSentence("the B-vector rotation", "step", {...change, approximate: null}, b, lag), /grid-limited/);
  assert.match(
    lagSentence("the gradient norm", "step", {...change, approximate: "narrow"}, b, lag),
    /\(grid-limited: the bump is narrower than the checkpoint spacing, approximate\)/,
  );
});
