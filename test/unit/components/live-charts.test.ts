// markerLabelSpot (src/components/live-charts.ts): where the sensitivity surface's moving "now" label
// goes so that it never covers the published rules' dot and label (publishedCutsBoxes).
import {test} from "node:test";
import assert from "node:assert/strict";
import {markerLabelSpot, publishedCutsBoxes, type Box} from "../../../src/components/live-charts.ts";

const bounds: Box = {x1: 0, y1: 0, x2: 600, y2: 480};
// A 101 x 101 cut grid drawn over 45..580 px (x) and 450..20 px (y), as the surface is at width 600.
const sx = (v: number) => 45 + (535 * v) / 100;
const sy = (v: number) => 450 - (430 * v) / 100;
const clear = (spot: {x: number; y: number; anchor: string}, width: number, boxes: readonly Box[]) => {
  const x1 = spot.anchor === "middle" ? spot.x - width / 2 : spot.anchor === "start" ? spot.x : spot.x - width;
  const box = {x1, x2: x1 + width, y1: spot.y - 9, y2: spot.y + 2};
  return boxes.every((o) => Math.min(box.x2, o.x2) <= Math.max(box.x1, o.x1) || Math.min(box.y2, o.y2) <= Math.max(box.y1, o.y1));
};

test("markerLabelSpot(px, py, width, obstacles, bounds): below the ring when that is clear", () => {
  assert.deepEqual(markerLabelSpot(300, 200, 60, [], bounds), {x: 300, y: 220, anchor: "middle"});
  // The published cuts themselves: their label is above the dot, the marker's goes below.
  const boxes = publishedCutsBoxes(sx, sy);
  assert.equal(markerLabelSpot(sx(30), sy(50), 60, boxes, bounds).y, sy(50) + 20);
});

test("publishedCutsBoxes: at the published cuts (the default) the marker's ring (radius 7, stroke 3) clears the published label", () => {
  const [, label] = publishedCutsBoxes(sx, sy);
  const ring: Box = {x1: sx(30) - 8.5, y1: sy(50) - 8.5, x2: sx(30) + 8.5, y2: sy(50) + 8.5};
  assert.ok(label!.y2 <= ring.y1, `the label's box ends above the ring: ${label!.y2} <= ${ring.y1}`);
});

test("markerLabelSpot: the 'now' label never covers the published rules' dot or label, at any cut pair near them", () => {
  const boxes = publishedCutsBoxes(sx, sy);
  const width = 6.2 * "now 12.3%".length;
  let moved = 0;
  for (let a = 0; a <= 100; a++)
    for (let c = 0; c <= 100; c++) {
      const spot = markerLabelSpot(sx(a), sy(c), width, boxes, bounds);
      assert.ok(clear(spot, width, boxes), `cuts (${a}, ${c}): label at ${JSON.stringify(spot)}`);
      if (spot.y !== sy(c) + 20) moved++;
    }
  // The cut pairs just above the published ones (where a label below the ring fell on theirs) moved it.
  assert.ok(moved > 0);
  assert.notEqual(markerLabelSpot(sx(30), sy(57), width, boxes, bounds).y, sy(57) + 20);
});

test("markerLabelSpot: stays inside the chart (above the ring at the bottom edge, left of it at the right edge)", () => {
  assert.equal(markerLabelSpot(300, 475, 60, [], bounds).y, 462);
  const right = markerLabelSpot(590, 475, 60, [], bounds);
  assert.ok(
    right.x - (right.anchor === "middle" ? 30 : right.anchor === "end" ? 60 : 0) >= 0 &&
      right.x + (right.anchor === "start" ? 60 : right.anchor === "middle" ? 30 : 0) <= 600,
    JSON.stringify(right),
  );
});
