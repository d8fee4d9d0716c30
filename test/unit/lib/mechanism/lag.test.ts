// The lag of the EM midpoint behind a change point (src/lib/mechanism/lag.ts): behaviourFit,
// lagInterval and the sentence. Coverage is measured in bench/validity/mechanism.section.ts.
import assert from "node:assert/strict";
import {test} from "node:test";
import {REGIMES, rotationCurve} from "../../../../bench/validity/mechanism.section.ts";
import {simulateRun} from "../../../../loaders/mechanism/simulate.ts";
import {makeRng, randNormal} from "../../../../src/lib/em/prng.ts";
import {bumpChangePoint} from "../../../../src/lib/mechanism/changepoint.ts";
import {fitLogistic, testTransition} from "../../../../src/lib/em/transition.ts";
import {pointsWithCells} from "../../../../src/lib/em/transition-points.ts";
import {behaviourFit, findingLines, lagInterval, lagSentence, MIN_RISE_POINTS} from "../../../../src/lib/mechanism/lag.ts";

const curve = (f: (x: number) => number, m = 40, stride = 10) => Array.from({length: m}, (_, i) => ({x: i * stride, y: f(i * stride)}));

test("lagSentence: the issue's wording, 'no credible change point', and no lag without an EM transition", () => {
  const rng = makeRng(7);
  const em = [];
  // EM every 15 steps: 9 points on the rise (every 30: 5, and the lag interval is flagged approximate)
  for (let x = 0; x <= 900; x += 15) for (let q = 0; q < 6; q++) em.push({x, question: `q${q}`, k: 0, n: 50, p: 0.02 + 0.3 / (1 + Math.exp(-(x - 450) / 30))});
  const points = em.map(({p, ...e}) => ({...e, k: Math.round(p * 50)}));
  const change = bumpChangePoint(
    curve((x) => Math.exp(-0.5 * ((x - 180) / 20) ** 2) + 0.02 * randNormal(rng), 60, 15),
    makeRng(1),
    {replicates: 99},
  );
  const b = behaviourFit(points);
  assert.equal(b.credible, true);
  const lag = lagInterval(change, b);
  assert.ok(lag.lag! > 240 && lag.lag! < 300, `${lag.lag}`);
  assert.ok(lag.ci![0]! < lag.lag! && lag.ci![1]! > lag.lag!);
  const s = lagSentence("the B-vector rotation", "step", change, b, lag);
  assert.match(
    s,
    /^the B-vector rotation peaks at step 1[78]\d \[\d+, \d+\]; EM midpoint 4[45]\d \[\d+, \d+\]: behaviour follows by 2\d\d steps \[\d+, \d+\]$/,
  );
  const flat = bumpChangePoint(
    curve(() => 1),
    makeRng(1),
  );
  assert.equal(lagSentence("the gradient norm", "step", flat, b, lagInterval(flat, b)), "the gradient norm: no credible change point");
  const noEm = behaviourFit(points.map((p) => ({...p, k: 5})));
  assert.equal(noEm.credible, false);
  // Never the verdict id "flat" (no evidence is not a constant rate): the words, and what this design could have seen.
  const noLag = lagSentence("the B-vector rotation", "step", change, noEm, lagInterval(change, noEm));
  assert.match(noLag, /; no credible EM transition, so no lag \(no evidence against a constant rate; in this design .* finds a rise from 2% to 30% .*\)$/);
  assert.doesNotMatch(noLag, /\bflat\b/);
});

test("lagInterval(change, behaviour): MOVER from the midpoint's profile interval and the change point's bootstrap interval", () => {
  const rng = makeRng(9);
  const change = bumpChangePoint(
    curve((x) => Math.exp(-0.5 * ((x - 180) / 20) ** 2) + 0.02 * randNormal(rng), 60, 15),
    makeRng(1),
    {replicates: 49},
  );
  const c = change.location!;
  const [cLo, cHi] = change.ci!;
  const b = {credible: true, verdict: "transition", midpoint: 450, ci: [430, 480] as [number | null, number | null], rise: 12, fit: null};
  const lag = lagInterval(change, b);
  assert.equal(lag.lag, 450 - c);
  // lower: the midpoint's lower distance with the change point's upper one, in quadrature; and vice versa
  assert.ok(Math.abs(lag.ci![0]! - (450 - c - Math.hypot(20, cHi - c))) < 1e-9);
  assert.ok(Math.abs(lag.ci![1]! - (450 - c + Math.hypot(30, c - cLo))) < 1e-9);
  // a rotation's resolution margin is taken off before combining: the same lag interval
  const wide = {...change, ci: [cLo - 7, cHi + 3] as [number, number], margin: [7, 3] as [number, number]};
  assert.deepEqual(lagInterval(wide, b).ci, lag.ci);
  // an open midpoint bound leaves that lag bound unknown, printed "?" (and swapped when behaviour leads)
  const open = lagInterval(change, {...b, ci: [430, null]});
  assert.equal(open.ci![1], null);
  assert.match(lagSentence("the gradient norm", "step", change, {...b, ci: [430, null]}, open), /behaviour follows by \d+ steps \[\d+, \?\]$/);
  const early = {...b, midpoint: 100, ci: [80, null] as [number | null, number | null]};
  assert.match(lagSentence("the gradient norm", "step", change, early, lagInterval(change, early)), /behaviour leads by \d+ steps \[\?, \d+\]$/);
  // no interval on the midpoint (behaviourFit with interval: false): the lag without an interval
  assert.deepEqual(lagInterval(change, {...b, ci: null}), {lag: 450 - c, ci: null, approximate: null});
  assert.equal(lag.approximate, null);
  // fewer than MIN_RISE_POINTS checkpoints on the EM rise: the interval is called approximate, wider
  const few = lagInterval(change, {...b, rise: MIN_RISE_POINTS - 1});
  assert.deepEqual(few.ci, lag.ci);
  assert.equal(few.approximate, `approximate: ${MIN_RISE_POINTS - 1} checkpoints on the EM rise; likely wider than 95%`);
  assert.match(
    lagSentence("the gradient norm", "step", change, {...b, rise: 5}, lagInterval(change, {...b, rise: 5})),
    /behaviour follows by \d+ steps \[\d+, \d+\] \(approximate: 5 checkpoints on the EM rise; likely wider than 95%\)$/,
  );
  assert.equal(lagInterval(change, {...b, rise: MIN_RISE_POINTS}).approximate, null);
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
  const lag = lagInterval(change, b);
  assert.match(
    lagSentence("the B-vector rotation", "step", change, b, lag),
    /^the B-vector rotation peaks at step \d+ \[\d+, \d+\] \(grid-limited: widened by half the checkpoint spacing, conservative\); EM midpoint /,
  );
  assert.doesNotMatch(lagSentence("the B-vector rotation", "step", {...change, approximate: null}, b, lag), /grid-limited/);
  assert.match(
    lagSentence("the gradient norm", "step", {...change, approximate: "narrow"}, b, lag),
    /\(grid-limited: the bump is narrower than the checkpoint spacing; approximate, likely wider than 95%\)/,
  );
});

test("lagInterval covers the lag of the questions asked where the question bootstrap missed it (validity seed, 20 checkpoints)", () => {
  // Run 2 of the mechanism section's regime "20 checkpoints 30 steps apart" (seed 20261205): the
  // bootstrap over questions gave [158.7, 189.8] for a lag of 195.2 (this question set's).
  const rg = REGIMES[2]!;
  const run = simulateRun({...rg.spec, turn: 278, seed: 1118924880});
  const change = bumpChangePoint(rotationCurve(run, rg.k!), makeRng(1118924880 + 1), {replicates: 99, resolution: true});
  const b = behaviourFit(run.em);
  const lag = lagInterval(change, b);
  const [lo, hi] = lag.ci!;
  assert.ok((lo ?? -Infinity) <= run.truth.lag && run.truth.lag <= (hi ?? Infinity), `${run.truth.lag} outside ${lag.ci}`);
  // the lag interval is the midpoint's, widened by the change point's: never narrower
  assert.ok(lo !== null && lo <= b.midpoint! - change.location! - (b.midpoint! - b.ci![0]!), `${lag.ci} vs midpoint ${b.ci}`);
  // 20 checkpoints 30 steps apart: a few points on the EM rise, the over-covering case, flagged
  assert.ok(b.rise! < MIN_RISE_POINTS, `${b.rise}`);
  assert.match(lag.approximate ?? "", /^approximate: \d checkpoints? on the EM rise; likely wider than 95%$/);
  assert.match(
    lagSentence("the B-vector rotation (k = 5)", "step", change, b, lag),
    /\] \(approximate: \d checkpoints? on the EM rise; likely wider than 95%\)$/,
  );
});

test("lagInterval: not flagged with 60 checkpoints 10 steps apart (validity seed, run 9 of '60 checkpoints, rank 1')", () => {
  const run = simulateRun({turn: 233, seed: 726010939});
  const b = behaviourFit(run.em);
  assert.ok(b.rise! >= MIN_RISE_POINTS, `${b.rise}`);
  const change = bumpChangePoint(rotationCurve(run, 10), makeRng(726010939 + 1), {replicates: 49, resolution: true});
  assert.equal(lagInterval(change, b).approximate, null);
});

test("behaviourFit on 5 checkpoints (a rise and fall, 8 questions): the verdict is testTransition's on the per-question cells (the clustered test /transitions runs), not the pooled trend test's", () => {
  const factor = [0.6, 0.8, 0.9, 1, 1, 1.1, 1.2, 1.4];
  const points = [0, 100, 200, 300, 400].flatMap((x, i) =>
    factor.map((f, q) => ({x, question: `q${q}`, k: Math.round(125 * f * [0.02, 0.3, 0.42, 0.3, 0.02][i]!), n: 125})),
  );
  const cells = pointsWithCells(
    [0, 100, 200, 300, 400].map((x) => {
      const at = points.filter((p) => p.x === x);
      return {
        x,
        seed: -1,
        k: at.reduce((a, p) => a + p.k, 0),
        n: at.reduce((a, p) => a + p.n, 0),
        qk: at.map((p) => p.k),
        qd: at.map((p) => p.n),
        rows: at.reduce((a, p) => a + p.n, 0),
      };
    }),
  );
  const expected = testTransition(cells, fitLogistic(cells, {profile: false}), {detectable: true});
  assert.equal(expected.constant_test, "clustered");
  const pooled = cells.map(({x, k, n}) => ({x, k, n}));
  const before = testTransition(pooled, fitLogistic(pooled, {profile: false}), {detectable: true});
  assert.notEqual(before.verdict, expected.verdict, "the pooled trend test and the clustered test disagree on this series");
  const b = behaviourFit(points);
  assert.equal(b.verdict, expected.verdict);
});
