// The transitions page's off-main-thread path (components/transitions-fits.ts and
// transitions-compute.ts) in Node, where no Worker exists and jobs run inline: the two-pass
// analysis (fits, then the change points' bootstrap), split into per-worker jobs and cached per
// series, gives exactly what one seriesTransitions call gives, and the cache keeps its promises.
// (Chromium's worker path against the CLI: test/browser/parity.test.ts and transitions-worker.test.ts.)
import {test} from "node:test";
import assert from "node:assert/strict";
import {join} from "node:path";
import {loadDataset} from "../../loaders/dataset.ts";
import {pointsTable} from "../../loaders/site-tables.ts";
import {decodePoints} from "../../src/components/points.ts";
import {selectionMask} from "../../src/components/selection.ts";
import {ruleOf} from "../../src/components/engine.ts";
import {DEFAULT_STATE} from "../../src/components/store.ts";
import {fitTransitions, fitTransitionsFull, modelTransitions, seriesJobs, seriesTallies} from "../../src/components/transitions.ts";
import {runFitJob} from "../../src/components/transitions-compute.ts";
import {cachedFit, fitEngine, peekFit, poolSize, runOffThread} from "../../src/components/transitions-fits.ts";
import {seriesTransitions} from "../../src/lib/em/view-transition.ts";
import {ROOT} from "../../loaders/paths.ts";

const dataset = await loadDataset({files: [join(ROOT, "data/experiments/demo.yaml")], quiet: true});
const points = decodePoints(pointsTable(dataset));
const state = {...DEFAULT_STATE, experiment: "demo", judge: points.dicts.judge[0]!};
const mask = selectionMask(points, state, ["steps", "model"]);
const rule = ruleOf(state);
const tallies = seriesTallies(points, mask, rule, [], {by: "variant", declared: null});

test("two passes (fits, then the bootstrap's change points) = one seriesTransitions call, bit for bit", () => {
  assert.ok(tallies.names.length >= 3, "several series");
  const direct = seriesTransitions(tallies.series, tallies.scale);
  for (const parts of [1, 2, tallies.names.length]) {
    const {transitions} = modelTransitions(points, mask, rule, [], {by: "variant", declared: null, parts});
    assert.deepEqual(
      transitions.map((t) => t.result),
      direct,
      `split into ${parts} job(s)`,
    );
  }
  assert.ok(
    direct.some((r) => r.change_point !== null && r.change_point.p_value < 1),
    "a bootstrap p-value is compared",
  );
});

test("the jobs split the series across workers, each series once, seeds by index", () => {
  const jobs = seriesJobs(tallies, 2, {replicates: 0});
  assert.equal(jobs.length, 2);
  const fitted = jobs.flatMap((j) => j.only!).sort();
  assert.deepEqual(
    fitted,
    tallies.names.map((_, g) => g),
  );
  // A job fits only its series; the others are sent but not analysed.
  const one = runFitJob({...jobs[0]!, replicates: 999});
  assert.deepEqual(
    one.map((r) => r.index),
    jobs[0]!.only,
  );
  const all = seriesTransitions(tallies.series, tallies.scale);
  for (const r of one) assert.deepEqual(r.result, all[r.index], `series ${r.index} keeps its seed`);
});

test("without Worker (Node) the jobs run inline, after a task break, with the same numbers", async () => {
  assert.equal(poolSize(), 0);
  const job = seriesJobs(tallies, 1, {replicates: 0})[0]!;
  let ranSync = true;
  const p = runOffThread(job).then((r) => {
    ranSync = false;
    return r;
  });
  assert.ok(ranSync, "not run in the caller's task");
  assert.deepEqual(await p, runFitJob(job));
  assert.equal(fitEngine, "main thread");
});

test("fitTransitions / fitTransitionsFull equal the inline analysis and are cached per selection and per series", async () => {
  const full = await fitTransitionsFull(tallies);
  assert.deepEqual(full, modelTransitions(points, mask, rule, [], {by: "variant", declared: null}).transitions);
  const quick = await fitTransitions(tallies);
  assert.ok(
    quick.every((t) => t.result.change_point === null),
    "the fits pass shows no change point (its p-value would be meaningless)",
  );
  assert.strictEqual(fitTransitions(tallies), fitTransitions(tallies), "one promise per selection");
  // A selection of one series (the per-judge table) reuses that series' cached fit: same object.
  const seriesFit = peekFit<{fit: unknown}>(JSON.stringify(["fit", tallies.scale, tallies.series[1]]));
  assert.ok(seriesFit, "per-series entry cached");
  const single = {...tallies, names: [tallies.names[1]!], groups: [tallies.groups[1]!], series: [tallies.series[1]!]};
  const again = await fitTransitions(single);
  assert.equal(again[0]!.result.fit, seriesFit.fit, "the cached fit is reused, not recomputed");
});

test("cachedFit: one computation per key; a failure is forgotten and retried", async () => {
  let calls = 0;
  const make = () => {
    calls++;
    return Promise.resolve(calls);
  };
  const a = cachedFit("test:a", make);
  assert.strictEqual(cachedFit("test:a", make), a);
  assert.equal(await a, 1);
  assert.equal(peekFit("test:a"), 1);
  let failures = 0;
  const failing = () => {
    failures++;
    return Promise.reject(new Error("no"));
  };
  await assert.rejects(cachedFit("test:b", failing));
  await assert.rejects(cachedFit("test:b", failing));
  assert.equal(failures, 2, "retried after the failure");
  assert.equal(peekFit("test:b"), undefined);
});
