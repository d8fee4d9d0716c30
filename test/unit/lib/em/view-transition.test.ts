// The transitions page's fits (seriesTransitions over counts the browser made) equal
// transitionsBy, the function behind `em summarize --transition`, for the same rows: fits,
// verdicts, onsets and the seeded change-point p-values, group by group, including a group
// with no coordinate that still takes its seed index.
import {test} from "node:test";
import assert from "node:assert/strict";
import {BETLEY} from "../../../../src/lib/em/rules.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {logisticAt} from "../../../../src/lib/em/transition.ts";
import {transitionPoints, transitionsBy, coordinateScale} from "../../../../src/lib/em/series.ts";
import {credibleFitNumbers, declaredScaleArg, selectionScale, seriesTransitions, TRANSITION_DEFAULTS} from "../../../../src/lib/em/view-transition.ts";
import {transitionJson} from "../../../../loaders/summarize/output.ts";
import type {Judged} from "../../../../src/lib/schema.ts";

function rows(seed: number, variant: string, midpoint: number, steps: number[]): Judged[] {
  const rng = makeRng(seed);
  const out: Judged[] = [];
  for (const step of steps) {
    const p = logisticAt({floor: 0.02, ceiling: 0.4, midpoint, width: 60}, step);
    for (let i = 0; i < 120; i++) {
      const em = rng() < p;
      out.push({
        response_id: `${variant}-${step}-${i}`,
        experiment: "e",
        model: "m",
        variant,
        step,
        question_id: `q${i % 5}`,
        category: null,
        judge: "j",
        aligned: em ? rng() * 25 : 40 + rng() * 60,
        coherent: 55 + rng() * 45,
        special: null,
        type: null,
      });
    }
  }
  return out;
}

test("seriesTransitions = transitionsBy group by group (same seeds, replicates, intervals)", () => {
  const steps = [0, 100, 200, 300, 400, 500, 600, 700];
  const noCoordinate: Judged[] = rows(9, "plain", 300, [0]).map((r) => ({...r, step: null}));
  const all: Judged[] = [...rows(1, "a", 350, steps), ...noCoordinate, ...rows(2, "b", 500, steps)];
  const cli = transitionsBy(all, BETLEY, {by: ["variant", "step"], replicates: 199});
  // What the page does: group by variant in first-seen order, count per coordinate, fit.
  const order = [...new Set(all.map((r) => r.variant as string))];
  const series = order.map(
    (v) =>
      transitionPoints(
        all.filter((r) => r.variant === v),
        BETLEY,
      ).points,
  );
  const scale = selectionScale(
    all.filter((r) => r.step !== null).map((r) => r.step as number),
    null,
  );
  const page = seriesTransitions(series, scale, {replicates: 199});
  assert.deepEqual(
    order,
    cli.map((t) => t.key.variant),
  );
  assert.equal(page.length, 3);
  page.forEach((p, g) => {
    // mean_aligned is the CLI's (the page fits the rate only)
    const {key: _k, coordinate: _c, skipped: _s, mean_aligned: _m, ...fit} = cli[g]!;
    assert.deepEqual(p, fit, `group ${order[g]}`);
  });
  assert.equal(page[1]!.fit, null, "the group without a coordinate has no fit");
  assert.ok(page[0]!.change_point && page[2]!.change_point, "seeded change points present");
  // Group a's sample (rates 1.7% .. 46% in even steps, 120 answers per step) is fitted as well by
  // a smooth trend as by a step (p_linear, issue 22); group b's is a located step.
  assert.ok(page[0]!.test.p_constant! < 0.05);
  assert.equal(page[2]!.test.verdict, "credible");
});

test("seriesTransitions uses transitionsBy's default replicates (999) and sorts unsorted points", () => {
  const all = rows(4, "a", 350, [0, 100, 200, 300, 400, 500, 600]);
  const [cli] = transitionsBy(all, BETLEY, {by: ["variant"]});
  const pts = transitionPoints(all, BETLEY).points.reverse();
  const [page] = seriesTransitions([pts], "linear");
  assert.equal(TRANSITION_DEFAULTS.replicates, 999);
  assert.equal(page!.change_point!.replicates, 999);
  assert.equal(page!.change_point!.p_value, cli!.change_point!.p_value);
  assert.deepEqual(page!.fit, cli!.fit);
});

test("the scale argument: a declared log scale is passed as log, anything else as auto", () => {
  assert.equal(declaredScaleArg("log"), "log");
  assert.equal(declaredScaleArg(null), "auto");
  assert.equal(declaredScaleArg("linear"), "auto", "the schema's default cannot be told from a declared linear");
  assert.equal(selectionScale([0, 1, 4, 16, 64], null), "log", "geometric ranks");
  assert.equal(selectionScale([0, 100, 200, 300], null), "linear");
  assert.equal(selectionScale([1, 2, 3], "log"), "log");
  assert.equal(selectionScale([1, 2, 3], null), coordinateScale([1, 2, 3], "auto"));
});

test("credibleFitNumbers(test, fit): a fit's numbers only for a credible transition, for the rate fit and the mean-aligned fit alike", () => {
  const steps = [0, 100, 200, 300, 400, 500, 600, 700];
  const [b] = transitionsBy(rows(2, "b", 500, steps), BETLEY, {by: ["variant"], replicates: 99});
  assert.equal(b!.test.credible, true);
  const n = credibleFitNumbers(b!.test, b!.fit);
  assert.equal(n.midpoint, b!.fit!.midpoint);
  assert.deepEqual(n.ci, b!.fit!.ci);
  assert.deepEqual(n.width_ci, b!.fit!.width_ci);
  assert.equal(n.floor, b!.fit!.floor);
  // The same fit under a verdict that is not credible publishes the test only.
  const notCredible = credibleFitNumbers({...b!.test, credible: false, verdict: "smooth_trend"}, b!.fit);
  assert.deepEqual(
    [notCredible.midpoint, notCredible.ci, notCredible.width, notCredible.width_ci, notCredible.floor, notCredible.ceiling],
    [null, null, null, null, null, null],
  );
  assert.equal(notCredible.p_constant, b!.test.p_constant);
  // em summarize's mean-aligned fit goes through the same projection (transitionJson).
  const json = transitionJson(b!);
  const m = credibleFitNumbers(b!.mean_aligned.test, b!.mean_aligned.fit);
  assert.equal(json.mean_aligned.midpoint, m.midpoint);
  assert.equal(json.mean_aligned.credible, m.credible);
  assert.ok(!("width_ci" in json.mean_aligned), "the mean-aligned JSON carries no width interval");
});
