// The few-coordinates validity section (bench/validity/transitions-few.section.ts): its sweeps sit
// on the coordinates the product fits (log10 of log-spaced scales, 0 set aside), and its rows are
// well formed and read the product's p_constant.
import assert from "node:assert/strict";
import test from "node:test";
import {FEW_SHAPES, fewRows, section, simulateFew} from "../../../../bench/validity/transitions-few.section.ts";
import {rowProblems} from "../../../../bench/validity/run.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("simulateFew: one point per fitted coordinate (a log scale sets 0 aside), seeds' answers pooled", () => {
  const log = simulateFew(makeRng(1), FEW_SHAPES[0]!, {label: "t", xs: [0, 0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17});
  assert.deepEqual(
    log.map((p) => p.x),
    [0.25, 0.5, 1, 2, 4],
  );
  for (const p of log) assert.equal(p.n, 3 * 8 * 17);
  const uneven = simulateFew(makeRng(1), FEW_SHAPES[0]!, {label: "t", xs: [0, 100, 300, 400, 1000], seeds: 1, questions: 8, answers: 50});
  assert.deepEqual(
    uneven.map((p) => p.x),
    [0, 100, 300, 400, 1000],
  );
});

test("a 2% -> 30% rise over 5 scales: the rows say how often p_constant < 0.05, and the earlier rule's share in the note", () => {
  const rise = FEW_SHAPES.find((s) => s.rise?.[1] === 0.3)!;
  const [row] = fewRows({design: {label: "t", xs: [0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17}, shape: rise}, 20, makeRng(3));
  assert.equal(row!.kind, "power");
  assert.ok(row!.estimate >= 0.8, `power ${row!.estimate}`);
  assert.match(row!.note ?? "", /earlier rule .*: \d+\.\d%/);
});

test("transitions-few section (smoke) returns well-formed rows", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.ok(rows.length > 0);
  for (const r of rows) assert.deepEqual(rowProblems(r), []);
});

test("simulateFew's per-question (x seed) cells sum to each point's counts; a rise and fall gives a non_monotone and a p_constant power row", () => {
  const pts = simulateFew(makeRng(2), FEW_SHAPES[0]!, {label: "t", xs: [0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17});
  for (const p of pts) {
    assert.equal(p.cells?.length, 24);
    assert.equal(
      p.cells!.reduce((a, c) => a + c[2], 0),
      p.k,
    );
    assert.equal(new Set(p.cells!.map((c) => c[1])).size, 3);
  }
  const hump = FEW_SHAPES.find((s) => s.name.startsWith("rise-then-collapse"))!;
  const rows = fewRows({design: {label: "t", xs: [0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50}, shape: hump}, 10, makeRng(4));
  assert.deepEqual(
    rows.map((r) => r.quantity),
    ["non_monotone on rise-then-collapse (power)", "p_constant < 0.05 on rise-then-collapse (power)"],
  );
  assert.ok(rows[1]!.estimate >= 0.8, `p_constant < 0.05 on a rise and fall in ${rows[1]!.estimate}`);
});

test("from 7 values a flat series and a hump also give the pooled counts' non_monotone row (no per-question cells), the normal quantile's share on the same sweeps in its note", () => {
  const design = {label: "t", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50};
  const flat = fewRows({design, shape: FEW_SHAPES[1]!}, 5, makeRng(5));
  const pooled = flat.filter((r) => r.regime.endsWith("pooled counts (no per-question cells: a table without question ids)"));
  assert.deepEqual(
    pooled.map((r) => [r.quantity, r.kind, r.nominal]),
    [["non_monotone on a flat series", "error_rate", 0.05]],
  );
  assert.match(pooled[0]!.note ?? "", /normal quantile .*: \d+\.\d%/);
  const hump = FEW_SHAPES.find((s) => s.name.startsWith("rise-then-collapse"))!;
  const rows = fewRows({design, shape: hump}, 5, makeRng(6));
  assert.deepEqual(
    rows.map((r) => `${r.quantity}${r.regime.includes("pooled counts") ? " (pooled)" : ""}`),
    ["non_monotone on rise-then-collapse (power)", "non_monotone on rise-then-collapse (power) (pooled)", "p_constant < 0.05 on rise-then-collapse (power)"],
  );
  // Below 7 values no pooled row (the earlier rule's share is in the cells row's note there).
  const few = fewRows({design: {...design, xs: [0.25, 0.5, 1, 2, 4]}, shape: FEW_SHAPES[1]!}, 3, makeRng(7));
  assert.ok(few.every((r) => !r.regime.includes("pooled counts")));
});
