// The mechanism section's lag measurements (bench/validity/mechanism.section.ts): the bootstrap
// alternative scored beside MOVER (lagBootstrap) and the lag rows' own run count (Regime.lagReps),
// which must leave every other row's runs as they were.
import assert from "node:assert/strict";
import {test} from "node:test";
import {lagBootstrap, mechanismRows, REGIMES, rotationCurve} from "../../../../bench/validity/mechanism.section.ts";
import {simulateRun} from "../../../../loaders/mechanism/simulate.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {bumpChangePoint} from "../../../../src/lib/mechanism/changepoint.ts";
import {behaviourFit, lagInterval} from "../../../../src/lib/mechanism/lag.ts";

test("lagBootstrap: pairs the change point's draws with EM midpoints refitted on questions drawn within checkpoints", () => {
  const run = simulateRun({seed: 11, turn: 190});
  const rot = bumpChangePoint(rotationCurve(run, 10), makeRng(12), {replicates: 99, resolution: true});
  assert.equal(rot.credible, true);
  const lag = lagInterval(rot, behaviourFit(run.em));
  const ci = lagBootstrap(rot, run.em, makeRng(3));
  assert.ok(ci && ci[0] !== null && ci[1] !== null, JSON.stringify(ci));
  assert.ok(ci[0] < lag.lag! && lag.lag! < ci[1], `${JSON.stringify(ci)} around ${lag.lag}`);
  // the same seed gives the same interval; the change point's spread widens it by the draws' spread
  assert.deepEqual(lagBootstrap(rot, run.em, makeRng(3)), ci);
  const spread = {...rot, draws: rot.draws.map((d, i) => d + (i % 2 ? 60 : -60))};
  const wide = lagBootstrap(spread, run.em, makeRng(3))!;
  assert.ok(wide[1]! - wide[0]! > ci[1] - ci[0] + 60, `${JSON.stringify(wide)} vs ${JSON.stringify(ci)}`);
  // one question, every draw of the change point at its location: nothing varies, a zero-width interval
  const one = run.em.filter((p) => p.question === run.em[0]!.question);
  const fixed = lagBootstrap({...rot, draws: rot.draws.map(() => rot.location!)}, one, makeRng(3))!;
  assert.ok(Math.abs(fixed[1]! - fixed[0]!) < 1e-6, `no spread left: ${JSON.stringify(fixed)}`);
  // no credible change point: no interval
  assert.equal(lagBootstrap({...rot, credible: false}, run.em, makeRng(3)), null);
});

test("mechanismRows: Regime.lagReps adds runs to the lag row only; the other rows keep their runs", () => {
  const base = {...REGIMES[0]!};
  // B = 39: the change point's test needs p < 0.05, so at least 20 replicates
  const before = mechanismRows(5, 2, 39, [base]);
  const after = mechanismRows(5, 2, 39, [{...base, lagReps: 4}]);
  const isLag = (q: string) => q.startsWith("lag 95% CI");
  assert.deepEqual(
    after.filter((r) => !isLag(r.quantity)),
    before.filter((r) => !isLag(r.quantity)),
  );
  const [lb, la] = [before, after].map((rows) => rows.find((r) => isLag(r.quantity))!);
  assert.equal(lb!.reps, 2);
  assert.equal(la!.reps, 4);
  // the bootstrap alternative is scored on the same runs and reported beside MOVER
  assert.match(la!.note ?? "", /bootstrap over checkpoints and questions .* covered [\d.]+% of 4/);
});
