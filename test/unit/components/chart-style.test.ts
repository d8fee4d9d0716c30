// legendFlow (src/components/chart-style.ts): where a swatch legend's items go so that they wrap
// inside the chart instead of running past its right edge (the per-question legend of /sensitivity
// placed six to a row at fixed 120 px steps from the labels' margin). The placement in real
// Chromium, with measured text: test/browser/layout.test.ts.
import {test} from "node:test";
import assert from "node:assert/strict";
import {legendFlow, wrapLabel} from "../../../src/components/chart-style.ts";

// An item is 14 px (swatch and gap) + its label; 16 px between items.
const w10 = () => 86; // every item 100 px wide

test("legendFlow(labels, {left, right}): fills a row, wraps before an item would pass right", () => {
  const {at, rows} = legendFlow(["a", "b", "c", "d", "e", "f"], {left: 200, right: 560, width: w10});
  // Row 0: 200..300, 316..416; 432..532 fits (532 <= 560); 548 + 100 > 560 wraps.
  assert.deepEqual(at, [
    {x: 200, row: 0},
    {x: 316, row: 0},
    {x: 432, row: 0},
    {x: 200, row: 1},
    {x: 316, row: 1},
    {x: 432, row: 1},
  ]);
  assert.equal(rows, 2);
  for (const p of at) assert.ok(p.x + 100 <= 560);
});

test("legendFlow: an item wider than the row gets a row of its own; no labels, no rows", () => {
  const width = (l: string) => (l === "long" ? 1000 : 50);
  assert.deepEqual(legendFlow(["a", "long", "b"], {left: 10, right: 300, width}), {
    at: [
      {x: 10, row: 0},
      {x: 10, row: 1},
      {x: 10, row: 2},
    ],
    rows: 3,
  });
  assert.deepEqual(legendFlow([], {left: 10, right: 300}), {at: [], rows: 0});
});

test("legendFlow without a DOM estimates 6.2 px a character (labelMargin's estimate)", () => {
  // "abcdefghij": 14 + 62 = 76 px; two fit in 0..170 (76 + 16 + 76 = 168), a third wraps.
  const {at} = legendFlow(["abcdefghij", "abcdefghij", "abcdefghij"], {left: 0, right: 170});
  assert.deepEqual(
    at.map((p) => p.row),
    [0, 0, 1],
  );
});

test("wrapLabel(label, max, width): breaks after - _ / . or space, greedily, and loses no character", () => {
  const w = (l: string) => l.length * 10; // 10 px a character
  const id = "Qwen2.5-Coder-32B-Instruct_risky-financial-advice_lora-r32-a64_lr1e-5_seed3";
  const lines = wrapLabel(id, 200, w);
  // "Instruct_" would make line 1 27 characters; "lora-r32-a64_lr1e-5_" is exactly 20.
  assert.deepEqual(lines, ["Qwen2.5-Coder-32B-", "Instruct_risky-", "financial-advice_", "lora-r32-a64_lr1e-5_", "seed3"]);
  assert.equal(lines.join(""), id);
  for (const l of lines) assert.ok(w(l) <= 200, l);
  assert.deepEqual(wrapLabel("short", 200, w), ["short"]);
  assert.deepEqual(wrapLabel("", 200, w), []);
});

test("wrapLabel: a part longer than a line is broken between characters", () => {
  const w = (l: string) => l.length * 10;
  // "abcdefghij_" (110 px) goes character by character; "k" then still fits after "ij_".
  assert.deepEqual(wrapLabel("abcdefghij_k", 40, w), ["abcd", "efgh", "ij_k"]);
});
