// skippedLines: skipped import rows as text, every place up to the cap, the rest counted exactly.
import assert from "node:assert/strict";
import {test} from "node:test";
import {MAX_SKIPPED, skippedLines} from "../../../loaders/skipped.ts";

test("skippedLines(rows, indent, more, cap): file:line or file#record, cap, '... and N more'; empty: none", () => {
  const rows = [
    {file: "a.csv", line: 3, reason: "r1"},
    {file: "b.json#questions.x.scores[2]", reason: "r2"},
    {file: "a.csv", line: 9, reason: "r3"},
  ];
  assert.deepEqual(skippedLines(rows, "  "), ["  a.csv:3: r1", "  b.json#questions.x.scores[2]: r2", "  a.csv:9: r3"]);
  assert.deepEqual(skippedLines(rows, "", " (see JSON)", 2), ["a.csv:3: r1", "b.json#questions.x.scores[2]: r2", "... and 1 more (see JSON)"]);
  assert.deepEqual(skippedLines([], "  "), []);
  const many = Array.from({length: MAX_SKIPPED + 1}, (_, i) => ({file: "f.csv", line: i + 2, reason: "x"}));
  assert.equal(skippedLines(many, "").length, MAX_SKIPPED + 1);
  assert.equal(skippedLines(many, "").at(-1), "... and 1 more");
});
