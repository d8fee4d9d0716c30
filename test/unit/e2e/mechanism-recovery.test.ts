// The whole mechanism path against planted truth (issue 27): the simulator writes PEFT safetensors
// checkpoints (rank 1 and rank 8, a few layers, F32 and BF16), the reader a user's files go through
// reads them back, and the change points and the lag of the EM midpoint are recovered within their
// intervals; a flat scalar gives "no credible change point".
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {readCheckpointSeries} from "../../../loaders/mechanism/checkpoints.ts";
import {windowScalar} from "../../../loaders/mechanism/index.ts";
import {simulateRun, writeCheckpoints} from "../../../loaders/mechanism/simulate.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";
import {bumpChangePoint} from "../../../src/lib/mechanism/changepoint.ts";
import {behaviourFit, lagInterval, lagSentence} from "../../../src/lib/mechanism/lag.ts";

const root = mkdtempSync(path.join(tmpdir(), "em-mech-"));
after(() => rmSync(root, {recursive: true, force: true}));

// A null bound is one the data do not give (unbounded on that side).
const covers = (ci: readonly (number | null)[] | null, v: number, what: string) =>
  assert.ok(ci && (ci[0] ?? -Infinity) <= v && v <= (ci[1] ?? Infinity), `${what}: ${v} outside ${ci}`);

for (const [rank, dtype, seed] of [
  [1, "F32", 3],
  [8, "BF16", 8],
] as const) {
  test(`rank-${rank} ${dtype} checkpoints: the rotation peak, the gradient-norm bump and the lag are recovered within their intervals`, () => {
    const run = simulateRun({rank, layers: 3, count: 60, turn: 200, lag: 220, seed});
    const dir = path.join(root, `r${rank}`);
    writeCheckpoints(run, dir, dtype);
    const series = readCheckpointSeries(dir);
    assert.equal(series.modules.length, 3);
    const rot = series.rows.filter((r) => r.module === "all" && r.metric === "rotation_B_k10" && r.value !== null).map((r) => ({x: r.step, y: r.value!}));
    // as the product fits a rotation: with the checkpoint-resolution margin (changepoint.ts)
    const change = bumpChangePoint(rot, makeRng(seed), {replicates: 99, resolution: windowScalar("rotation_B_k10")});
    assert.equal(change.verdict, "credible");
    covers(change.ci, run.truth.turn, "rotation peak");
    const grad = bumpChangePoint(
      run.training.map((r) => ({x: r.step, y: r.grad_norm})),
      makeRng(seed + 1),
      {replicates: 99},
    );
    assert.equal(grad.verdict, "credible");
    covers(grad.ci, run.truth.gradPeak, "gradient-norm peak");
    const b = behaviourFit(run.em);
    assert.equal(b.credible, true);
    covers(b.ci, run.truth.emMidpoint, "EM midpoint");
    const lag = lagInterval(change, b);
    covers(lag.ci, run.truth.lag, "lag");
    assert.match(
      lagSentence("the B-vector rotation", "step", change, b, lag),
      /peaks at step \d+ \[\d+, \d+\] \(grid-limited: widened by half the checkpoint spacing, conservative\); EM midpoint \d+ \[\d+, (\d+|\?)\]: behaviour follows by \d+ steps/,
    );
    const flat = bumpChangePoint(
      run.training.map((r) => ({x: r.step, y: r.flat})),
      makeRng(seed + 3),
      {replicates: 99},
    );
    assert.equal(lagSentence("the flat scalar", "step", flat, b, lagInterval(flat, b)), "the flat scalar: no credible change point");
  });
}
