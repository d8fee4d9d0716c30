// The transitions page's off-main-thread path (components/transitions-fits.ts and
// transitions-compute.ts) in Node, where no Worker exists and jobs run inline: the three-pass
// analysis (fits, their intervals, the change points' bootstrap), split into per-worker jobs and cached per
// series, gives exactly what one seriesTransitions call gives, and the cache keeps its promises.
// (Chromium's worker path against the CLI: test/browser/parity.test.ts and transitions-worker.test.ts.)
import {test} from "node:test";
import assert from "node:assert/strict";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {selectionMask} from "../../../src/components/selection.ts";
import {ruleOf} from "../../../src/components/engine.ts";
import {DEFAULT_STATE} from "../../../src/components/store.ts";
import {
  fitIntervals,
  fitTransitions,
  fitTransitionsFull,
  modelTransitions,
  passInline,
  seriesJobs,
  seriesTallies,
} from "../../../src/components/transitions-controller.ts";
import {runFitJob} from "../../../src/components/transitions-compute.ts";
import {cachedFit, fitEngine, peekFit, poolSize, runOffThread} from "../../../src/components/transitions-fits.ts";
import {seriesTransitions} from "../../../src/lib/em/view-transition.ts";
import {transitionPoints} from "../../../src/lib/em/series.ts";
import {clusterTrend} from "../../../src/lib/em/transition-cluster.ts";
import {joinJudged} from "../../../src/lib/em/judged.ts";
import {ROOT} from "../../../loaders/paths.ts";

const dataset = await loadDataset({files: [join(ROOT, "data/experiments/demo.yaml")], quiet: true});
const points = decodePoints(pointsTable(dataset));
const state = {...DEFAULT_STATE, experiment: "demo", judge: points.dicts.judge[0]!};
const mask = selectionMask(points, state, ["steps", "model"]);
const rule = ruleOf(state);
const tallies = seriesTallies(points, mask, rule, [], {by: "variant", declared: null});

test("the passes (fit + interval, then the bootstrap's change points) = one seriesTransitions call, bit for bit", () => {
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

test("pass 1 (no profile) is pass 2's fit without the interval: the profile search does not move the maximum", () => {
  const fits = passInline(tallies, "fit");
  const intervals = passInline(tallies, "interval");
  assert.ok(
    intervals.some((r) => r.fit && r.fit.ci[0] !== null),
    "an interval is computed",
  );
  fits.forEach((r, g) => {
    // the profile computes both intervals (midpoint and width)
    assert.deepEqual(r.fit && {...r.fit, ci: null, width_ci: null}, intervals[g]!.fit && {...intervals[g]!.fit, ci: null, width_ci: null}, `series ${g}: fit`);
    assert.deepEqual(r.fit?.ci ?? null, r.fit ? [null, null] : null, `series ${g}: pass 1 has no interval`);
    assert.deepEqual([r.test, r.onset, r.points], [intervals[g]!.test, intervals[g]!.onset, intervals[g]!.points], `series ${g}: test, onset, points`);
  });
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

test("fitTransitions / fitIntervals / fitTransitionsFull equal the inline passes and are cached per selection and per series", async () => {
  const full = await fitTransitionsFull(tallies);
  assert.deepEqual(full, modelTransitions(points, mask, rule, [], {by: "variant", declared: null}).transitions);
  const quick = await fitTransitions(tallies);
  assert.deepEqual(
    quick.map((t) => t.result),
    passInline(tallies, "fit").map((r) => ({...r, change_point: null})),
    "pass 1, no change point shown (its p-value would be meaningless)",
  );
  const withCi = await fitIntervals(tallies);
  assert.deepEqual(
    withCi.map((t) => t.result),
    full.map((t) => ({...t.result, change_point: null})),
  );
  assert.strictEqual(fitTransitions(tallies), fitTransitions(tallies), "one promise per selection");
  // A selection of one series (the per-judge table) reuses that series' cached interval fit: same object.
  const single = {...tallies, names: [tallies.names[1]!], groups: [tallies.groups[1]!], series: [tallies.series[1]!]};
  const again = await fitIntervals(single);
  assert.equal(again[0]!.result.fit, withCi[1]!.result.fit, "the cached fit is reused, not recomputed");
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

test("the page's per-question cells are em summarize's: on 5 of the demo's steps, seriesTallies' points and transitionPoints of the same rows give the same clustered test", () => {
  const steps = [...new Set(tallies.series.flatMap((s) => s.map((p) => p.x)))].sort((a, b) => a - b).slice(0, 5);
  assert.equal(steps.length, 5);
  const keep = new Set(steps);
  const five = mask.map((m, i) => (m && keep.has(points.step[i]!) ? 1 : 0));
  const page = seriesTallies(points, five, rule, [], {by: "variant", declared: null});
  const rows = joinJudged(dataset.responses, dataset.scores, dataset.types, {judge: state.judge}).filter(
    (r) => r.experiment === "demo" && typeof r.step === "number" && keep.has(r.step),
  );
  let compared = 0;
  page.names.forEach((name, g) => {
    const cli = transitionPoints(
      rows.filter((r) => r.variant === name),
      rule,
    ).points;
    const pagePoints = page.series[g]!;
    assert.deepEqual(
      pagePoints.map(({x, k, n}) => ({x, k, n})),
      cli.map(({x, k, n}) => ({x, k, n})),
      `${name}: pooled counts`,
    );
    // Codes differ (the page's dictionary, the CLI's first-seen order); the cells' counts and the test agree.
    const counts = (ps: typeof cli) => ps.map((p) => (p.cells ?? []).map((c) => `${c[2]}/${c[3]}`).sort());
    assert.deepEqual(counts(pagePoints), counts(cli), `${name}: cells`);
    assert.deepEqual(clusterTrend(pagePoints), clusterTrend(cli), `${name}: clustered test`);
    if (clusterTrend(cli)) compared++;
  });
  assert.ok(compared >= 2, `clustered tests compared: ${compared}`);
});
