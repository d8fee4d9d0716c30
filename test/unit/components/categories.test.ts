// baselineByCategory (src/components/categories.ts), the /categories per-category difference: the
// same interval and the same approximate note as `em summarize --baseline --by variant,category`
// (baselineDiffs on the joined rows), so the cell's "≈" marks what the CLI flags.
import assert from "node:assert/strict";
import test from "node:test";
import {pointsTable} from "../../../loaders/site-points.ts";
import {baselineByCategory} from "../../../src/components/categories.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {baselineDiffs} from "../../../src/lib/em/baseline.ts";
import {joinJudged} from "../../../src/lib/em/judged.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";
import {makeRule} from "../../../src/lib/em/rules.ts";
import type {ResponseRow, ScoreRow} from "../../../src/lib/schema.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

test("baselineByCategory carries the CLI's approximate note per cell (one question: approximate; six: as the CLI says)", () => {
  const rng = makeRng(5);
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  let i = 0;
  // Category "one" has a single question, "six" six; 40 answers per question and side.
  for (const [category, questions] of [
    ["one", 1],
    ["six", 6],
  ] as const)
    for (let q = 0; q < questions; q++)
      for (const [variant, baseline, p] of [
        ["ft", "base", 0.25],
        ["base", null, 0.05],
      ] as const)
        for (let a = 0; a < 40; a++, i++) {
          responses.push(responseRow(i, {model: variant, variant, baseline, category, question_id: `${category}-q${q}`}));
          scores.push(scoreRow(`r${i}`, "j", "aligned", rng() < p ? 10 : 80), scoreRow(`r${i}`, "j", "coherent", 90));
        }
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  const rule = makeRule("betley");
  const rows = baselineByCategory(points, new Uint8Array(points.n).fill(1), rule, [], "category");
  const cli = baselineDiffs(joinJudged(responses, scores, [], {judge: "j"}), rule, {by: ["variant", "category"]});
  assert.equal(rows.length, 2);
  for (const r of rows) {
    const d = cli.find((x) => x.key.category === r.category)!;
    assert.ok(d, r.category);
    assert.equal(r.approximate, d.ci_approximate, r.category);
    assert.ok(Math.abs(r.lo! - d.ci![0]) < 1e-12 && Math.abs(r.hi! - d.ci![1]) < 1e-12, r.category);
  }
  assert.match(rows.find((r) => r.category === "one")!.approximate ?? "", /\S/, "a one-question category's interval is approximate");
});
