// A report's numbers mark an approximate interval as the other pages do (src/components/rate-cell.ts):
// "≈" after it and why in the hover text (readNumber's detail), for every interval field that has a note.
import {test} from "node:test";
import assert from "node:assert/strict";
import {APPROXIMATE_MARK, readNumber, type SummarizeJson} from "../../../src/lib/report-number.ts";

const out = (groups: Record<string, unknown>[], transitions: Record<string, unknown>[] = []): SummarizeJson => ({
  judges: ["j"],
  rule: {name: "betley", aligned: 30, coherent: 50, aligned_inclusive: false} as unknown as SummarizeJson["rule"],
  rule_text: "betley",
  by: ["model"],
  exclude_types: [],
  confidence: 0.95,
  estimand: "questions",
  bootstrap: {replicates: 1000, seed: 0},
  questions: {filter: [], kept: 3, dropped: []},
  counts: {responses: 300, rows: 300},
  groups,
  transitions,
});

const group = (extra: Record<string, unknown>) => ({
  key: {model: "m"},
  em_rate: 0.1,
  ci: [0.05, 0.18],
  macro_em_rate: 0.11,
  macro_ci: [0.04, 0.2],
  strict_em_rate: 0.05,
  strict_ci: [0.02, 0.1],
  n_em: 30,
  n_strict_em: 15,
  n_scored: 300,
  n_questions: 3,
  ci_method: "cluster_wilson",
  ci_approximate: null,
  strict_ci_approximate: null,
  ...extra,
});

test("report number: an approximate interval reads with ≈ and says why on hover; a calibrated one has neither", () => {
  const why = "3 questions: the interval can cover less than 95%";
  const approx = out([group({ci_approximate: why, strict_ci_approximate: "no strict EM answer"})]);
  for (const field of ["em_rate", "macro_em_rate"]) {
    const n = readNumber(approx, {section: "groups", key: {model: "m"}, field});
    assert.ok(n.text.endsWith(`\u00a0${APPROXIMATE_MARK}`), `${field}: ${n.text}`);
    assert.equal(n.approximate, why);
    assert.ok(n.detail.includes(why), n.detail);
  }
  const s = readNumber(approx, {section: "groups", key: {model: "m"}, field: "strict_em_rate"});
  assert.ok(s.text.endsWith(APPROXIMATE_MARK) && s.detail.includes("no strict EM answer"), `${s.text} / ${s.detail}`);
  const plain = readNumber(out([group({})]), {section: "groups", key: {model: "m"}, field: "em_rate"});
  assert.equal(plain.text, "10.0% (95% CI 5.0–18.0%)");
  assert.equal(plain.approximate, null);
  assert.ok(!plain.detail.includes("approximate"), plain.detail);
  // A transition midpoint whose profile interval is approximate.
  const t = readNumber(out([], [{key: {model: "m"}, midpoint: 450, ci: [400, 520], ci_approximate: "7 checkpoints", verdict: "credible", credible: true}]), {
    section: "transitions",
    key: {model: "m"},
    field: "midpoint",
  });
  assert.ok(t.text.endsWith(APPROXIMATE_MARK) && t.detail.includes("7 checkpoints"), `${t.text} / ${t.detail}`);
});
