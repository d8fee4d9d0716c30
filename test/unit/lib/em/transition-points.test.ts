// cellDesign: the one place a series' cells and cluster level are decided from its rows, and the
// producers that read it (pointsWithCells, clusterTrend via seriesClusterLevel, the threshold grid).
import assert from "node:assert/strict";
import test from "node:test";
import {cellDesign, pointsWithCells, type CoordinateTally} from "../../../../src/lib/em/transition-points.ts";
import {seriesClusterLevel} from "../../../../src/lib/em/transition-cluster.ts";
import {transitionSensitivity, transitionsBy} from "../../../../src/lib/em/series.ts";
import {BETLEY} from "../../../../src/lib/em/rules.ts";
import type {Judged} from "../../../../src/lib/schema.ts";
import {judgedRow} from "../../../helpers/judged.ts";

const rowsAt = (entries: [number, number[]][]) => new Map(entries.map(([x, seeds]) => [x, new Set(seeds)]));

test("cellDesign(rowsAt).cells: kept whenever the series has rows, at every size (the monotonicity test's per-point design effects read them from 7 on)", () => {
  const xs = (...v: number[]) => rowsAt(v.map((x) => [x, [-1]]));
  assert.equal(cellDesign(xs(1, 2, 3, 4, 5, 6)).cells, true);
  assert.equal(cellDesign(xs(1, 2, 3, 4, 5, 6, 7)).cells, true);
  assert.equal(cellDesign(xs(...Array.from({length: 25}, (_, i) => i + 1))).cells, true);
  assert.equal(cellDesign(xs(0, -1, 1, 2, 3, 4, 5, 6)).cells, true);
  assert.equal(cellDesign(xs()).cells, false, "no rows, no cells");
  // onScale changes the level's coordinates, never whether there are cells.
  assert.equal(cellDesign(xs(1, 2, 3, 4, 5, 6, 7), (x) => x < 3).cells, true);
});

test("cellDesign(rowsAt, onScale).level: seeds when 2+ seeds each at 2+ coordinates reach every coordinate the scale keeps", () => {
  const seeded = rowsAt([
    [0, [-1]],
    [1, [0, 1]],
    [2, [0, 1]],
    [4, [0, 1]],
  ]);
  assert.equal(cellDesign(seeded).level, "questions", "unseeded base rows at 0 leave a coordinate no seed reaches");
  assert.equal(cellDesign(seeded, (x) => x > 0).level, "seeds", "a log scale drops x = 0");
  assert.equal(
    cellDesign(
      rowsAt([
        [1, [0]],
        [2, [1]],
        [3, [2]],
      ]),
    ).level,
    "questions",
    "seeds nested in coordinates",
  );
  assert.equal(
    cellDesign(
      rowsAt([
        [1, [0, 1]],
        [2, [0]],
        [3, [0, 1]],
      ]),
    ).level,
    "seeds",
    "seed 1 at 2 of 3 coordinates, seed 0 reaches all",
  );
  assert.equal(
    cellDesign(
      rowsAt([
        [1, [0]],
        [2, [0]],
      ]),
    ).level,
    "questions",
    "one seed",
  );
  assert.equal(cellDesign(rowsAt([])).level, "questions");
});

test("pointsWithCells decides by the rows: a coordinate with rows and no answer in the denominator keeps its seed cell; cells at 6 and 7 coordinates; seriesClusterLevel reads its cells", () => {
  const tally = (x: number, seed: number, n: number, rows = n): CoordinateTally => ({
    x,
    seed,
    k: n ? 1 : 0,
    n,
    qk: [n ? 1 : 0, 0],
    qd: [n ? n - 2 : 0, n ? 2 : 0],
    rows,
  });
  const seven = [1, 2, 3, 4, 5, 6, 7].map((x) => tally(x, -1, x === 1 ? 0 : 10, 10));
  assert.ok(
    pointsWithCells(seven).every((p) => p.cells !== undefined),
    "7 coordinates with rows: cells (the monotonicity test's design effects)",
  );
  assert.ok(
    pointsWithCells(seven.slice(1)).every((p) => p.cells !== undefined),
    "6: cells",
  );
  // Seed 1 has rows at x = 1 but no answer in the denominator: it keeps a cell [-1, 1, 0, 0], so the level is seeds.
  const points = pointsWithCells([tally(1, 0, 10), tally(1, 1, 0, 10), tally(2, 0, 10), tally(2, 1, 10)]);
  assert.deepEqual(points[0]!.cells!.at(-1), [-1, 1, 0, 0]);
  assert.equal(seriesClusterLevel(points), "seeds");
  assert.equal(
    seriesClusterLevel(pointsWithCells([tally(1, 0, 10), tally(1, 1, 0, 0), tally(2, 0, 10), tally(2, 1, 10)])),
    "questions",
    "no rows of seed 1 at x = 1",
  );
});

test("a log scale with unseeded base rows at 0 beside 2 seeds x 4 scales: series and grid cell at its cuts both cluster by seeds (the scale's coordinates), same p_constant", () => {
  const rows: Judged[] = [];
  const add = (step: number, seed: string | null, rate: number) => {
    for (let q = 0; q < 6; q++) {
      const k = Math.round(50 * rate * (0.6 + 0.16 * q));
      for (let a = 0; a < 50; a++)
        rows.push(judgedRow({response_id: `${step}-${seed}-${q}-${a}`, step, question_id: `q${q}`, aligned: a < k ? 10 : 90, coherent: 90, replicate: seed}));
    }
  };
  add(0, null, 0.02);
  [1, 2, 4, 8].forEach((x, i) => {
    add(x, "s1", [0.04, 0.08, 0.2, 0.3][i]! * 1.1);
    add(x, "s2", [0.04, 0.08, 0.2, 0.3][i]! * 0.9);
  });
  const [series] = transitionsBy(rows, BETLEY, {scale: "log", replicates: 0, profile: false});
  assert.equal(series!.scale, "log");
  assert.deepEqual(series!.excluded, [0]);
  assert.equal(series!.test.constant_test, "clustered");
  assert.equal(series!.test.dispersion?.from, "seeds");
  const [cell] = transitionSensitivity(rows, BETLEY, {scale: "log", alignedCuts: [30], coherentCuts: [50]});
  assert.equal(cell!.p_constant, series!.test.p_constant);
  assert.equal(cell!.verdict, series!.test.verdict);
});
