// The report's transition chart is the transitions page's chart fed the JSON `em summarize
// --transition` prints: transitionOfJson must hand it the fit the library made, in the units the
// page's chart expects (on a log scale the midpoint in coordinate units, the width in decades), and
// no fit at all where the JSON reports none. The old report chart drew a log fit's midpoint at
// 10^midpoint.
import {test} from "node:test";
import assert from "node:assert/strict";
import {analyzeOnScale, meanOnScale} from "../../../../src/lib/em/series.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {logisticAt} from "../../../../src/lib/em/transition.ts";
import {transitionJson} from "../../../../loaders/summarize/output.ts";
import {transitionOfJson} from "../../../../src/components/report/charts.ts";
import {transitionView} from "../../../../src/components/transitions-table.ts";
import type {Row} from "../../../../src/components/report/text.ts";

/** A LoRA-rank-like series (0, 1, 2, 4, ..., 256) whose EM steps up between ranks 8 and 32, 200 answers each. */
function rankSeries(step: boolean) {
  const xs = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];
  return xs.map((x) => {
    const p = step ? (x >= 32 ? 0.4 : x >= 16 ? 0.2 : 0.03) : 0.1;
    return {x, k: Math.round(200 * p), n: 200};
  });
}

function jsonOf(step: boolean): Row {
  const points = rankSeries(step);
  const res = analyzeOnScale(points, "log", makeRng(7), {replicates: 50});
  const mean = meanOnScale(
    points.map((p) => ({x: p.x, k: (p.n - p.k) * 0.8, n: p.n})),
    "log",
  );
  return transitionJson({...res, key: {variant: "a"}, coordinate: "rank", skipped: 0, mean_aligned: mean}) as unknown as Row;
}

test("transitionOfJson(name, json) of a credible log-scale step: the library's fit, midpoint in ranks, shown by the page's chart", () => {
  const json = jsonOf(true);
  assert.equal(json.credible, true, `verdict ${String(json.verdict)}`);
  const t = transitionOfJson("a", json);
  assert.equal(t.model, "a");
  assert.equal(t.points.length, 10);
  const fit = t.result.fit!;
  assert.equal(fit.midpoint, json.midpoint);
  // In coordinate units, inside the observed step (8..32), not log10 of it and not 10^ of it.
  assert.ok(fit.midpoint > 8 && fit.midpoint < 32, `midpoint ${fit.midpoint}`);
  assert.deepEqual(fit.ci, json.ci);
  assert.ok(transitionView(t.result).show, "drawn as a credible transition");
  // The page's chart evaluates a log fit at log10 of x with the midpoint moved to log10: halfway there.
  const half = logisticAt({...fit, midpoint: Math.log10(fit.midpoint)}, Math.log10(fit.midpoint));
  assert.ok(Math.abs(half - (fit.floor + fit.ceiling) / 2) < 1e-9);
  assert.equal(t.result.onset.x, json.onset);
});

test("transitionOfJson(name, json) of a flat series: no fit, drawn as measured, verdict kept", () => {
  const json = jsonOf(false);
  assert.equal(json.credible, false);
  const t = transitionOfJson("flat", json);
  assert.equal(t.result.fit, null);
  assert.equal(t.result.test.verdict, json.verdict);
  assert.equal(transitionView(t.result).show, false);
  assert.equal(t.points.length, 10);
});

test("transitionOfJson(name, json) of a series without points: an empty series, no fit", () => {
  const t = transitionOfJson("none", {key: {}, points: [], credible: false, verdict: "too_few_points", midpoint: null} as Row);
  assert.deepEqual(t.points, []);
  assert.equal(t.result.fit, null);
});
