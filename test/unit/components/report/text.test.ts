// A report's interval line names the method `em summarize` used (summarize's ci_method, in the
// words the pages' hovers use): it said "cluster bootstrap over questions (2000 replicates)" while
// the intervals were clusterWilson's, which draws no bootstrap.
import assert from "node:assert/strict";
import test from "node:test";
import {ciMethodLabel} from "../../../../src/lib/em/summary-text.ts";
import {intervalLine} from "../../../../src/components/report/text.ts";
import type {SummarizeJson} from "../../../../src/lib/report-number.ts";

const out = (estimand: "questions" | "answers") => ({confidence: 0.95, estimand, bootstrap: {replicates: 2000, seed: 0}}) as unknown as SummarizeJson;

test("intervalLine: the questions estimand names clusterWilson's method, not a bootstrap", () => {
  const line = intervalLine(out("questions"));
  assert.doesNotMatch(line, /bootstrap|replicates/);
  assert.ok(line.includes(ciMethodLabel("cluster_wilson")), line);
  assert.ok(line.includes(ciMethodLabel("crossed_seeds_questions")), line);
  assert.match(line, /^95% intervals/);
});

test("intervalLine: the answers estimand is Wilson with questions as strata (stratifiedWilson), not answer-level Wilson", () => {
  const line = intervalLine(out("answers"));
  assert.ok(line.includes(ciMethodLabel("stratified_wilson")), line);
  assert.match(line, /these fixed questions/);
});
