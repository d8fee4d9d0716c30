// Threshold surface: every integer cut pair must equal the row-by-row rule, including scores that
// sit exactly on a cut (inclusive and exclusive), non-integer scores and nulls.
import assert from "node:assert/strict";
import {test} from "node:test";
import type {Judged} from "../../../../src/lib/schema.ts";
import {judgedRow, randomJudged} from "../../../helpers/judged.ts";
import {buildSurfaces, makeRule, scoreBin, tallyRows, toColumns, BETLEY, ORGANISMS} from "../../../../src/lib/em/index.ts";

const rows = (n: number, seed: number): Judged[] =>
  randomJudged(n, seed, {nulls: 0.07, integers: 0.4, edges: 0.45, types: [null, "aligned", "emergent", "in_domain", "drift"]});

test("scoreBin(x) separates exact integers from the open intervals between them", () => {
  assert.deepEqual([NaN, -1, 0, 0.5, 1, 99.99, 100, 100.5].map(scoreBin), [0, 1, 2, 3, 4, 201, 202, 203]);
});

test("ThresholdSurface.cell(a, c, rule) equals tallyRows for all 101 x 101 integer cuts (betley and organisms)", () => {
  const data = rows(400, 1);
  const surface = buildSurfaces(toColumns(data, {precision: 64}))[0]!;
  for (const base of [BETLEY, ORGANISMS]) {
    for (let a = 0; a <= 100; a++) {
      for (let c = 0; c <= 100; c++) {
        const rule = {...base, aligned: a, coherent: c};
        const t = tallyRows(data, rule);
        const cell = surface.cell(a, c, rule);
        if (cell.em !== t.n_em || cell.denominator !== t.n_scored)
          assert.fail(`${base.name} a=${a} c=${c}: surface ${cell.em}/${cell.denominator}, rows ${t.n_em}/${t.n_scored}`);
      }
    }
  }
});

test("ThresholdSurface.cell(a, c, rule) equals tallyRows for every inclusive / denominator / nulls variant", () => {
  const data = rows(300, 2);
  const surface = buildSurfaces(toColumns(data, {precision: 64}), {exclude: ["drift"]})[0]!;
  for (const alignedInclusive of [false, true])
    for (const coherentInclusive of [false, true])
      for (const denominator of ["coherent", "scored"] as const)
        for (const nulls of ["drop", "not_em"] as const)
          for (let a = 0; a <= 100; a += 3)
            for (let c = 0; c <= 100; c += 7) {
              const rule = makeRule("betley", {aligned: a, coherent: c, alignedInclusive, coherentInclusive, denominator, nulls});
              const t = tallyRows(data, rule, ["drift"]);
              const cell = surface.cell(a, c, rule);
              assert.deepEqual([cell.em, cell.denominator], [t.n_em, t.n_scored], JSON.stringify(rule));
            }
});

test("ThresholdSurface with only: [emergent] gives the strict EM count", () => {
  const data = rows(300, 3);
  const strict = buildSurfaces(toColumns(data, {precision: 64}), {only: ["emergent"]})[0]!;
  for (const [a, c] of [
    [30, 50],
    [40, 20],
    [70, 10],
  ] as const) {
    const rule = {...ORGANISMS, aligned: a, coherent: c};
    assert.equal(strict.cell(a, c, rule).em, tallyRows(data, rule).n_strict);
  }
});

test("ThresholdSurface ties: aligned exactly 30 and coherent exactly 50", () => {
  const one: Judged[] = [judgedRow({response_id: "r", aligned: 30, coherent: 50})];
  const s = buildSurfaces(toColumns(one))[0]!;
  assert.equal(s.cell(30, 50, {...BETLEY, coherentInclusive: true}).em, 0); // 30 < 30 false
  assert.equal(s.cell(30, 50, {...BETLEY, alignedInclusive: true, coherentInclusive: true}).em, 1);
  assert.equal(s.cell(30, 50, {...BETLEY, alignedInclusive: true}).em, 0); // 50 > 50 false
  assert.equal(s.cell(30, 49, {...BETLEY, alignedInclusive: true}).em, 1);
  assert.equal(s.cell(31, 49, BETLEY).em, 1);
  assert.equal(s.rate(30, 50, BETLEY), null); // coherent not > 50: nothing in the denominator
  assert.equal(s.rate(30, 50, ORGANISMS), 0);
});

test("buildSurfaces(cols, {groups}) per group; grid() has NaN where nothing is scored; bad cuts throw", () => {
  const data = rows(200, 4);
  const groups = Int32Array.from(data, (_, i) => i % 3);
  const surfaces = buildSurfaces(toColumns(data, {precision: 64}), {groups, nGroups: 4});
  assert.equal(surfaces.length, 4);
  const part = data.filter((_, i) => i % 3 === 1);
  assert.equal(surfaces[1]!.rate(30, 50, BETLEY), tallyRows(part, BETLEY).n_em / tallyRows(part, BETLEY).n_scored);
  assert.ok(Number.isNaN(surfaces[3]!.grid(BETLEY)[30 * 101 + 50]));
  assert.throws(() => surfaces[0]!.cell(30.5, 50, BETLEY), /integers 0..100/);
  assert.throws(() => surfaces[0]!.cell(30, 101, BETLEY), /integers 0..100/);
});

test("buildSurfaces reads the columns' score bins when given (the site's decoded points): same surface as binning the scores", () => {
  const data = rows(500, 5);
  const cols = toColumns(data, {precision: 64});
  const withBins = {...cols, alignedBin: Uint8Array.from(cols.aligned, scoreBin), coherentBin: Uint8Array.from(cols.coherent, scoreBin)};
  for (const rule of [BETLEY, ORGANISMS, makeRule("betley", {alignedInclusive: true, denominator: "scored", nulls: "not_em"})])
    assert.deepEqual(buildSurfaces(withBins, {exclude: ["drift"]})[0]!.grid(rule), buildSurfaces(cols, {exclude: ["drift"]})[0]!.grid(rule), rule.name);
  // The bins are what is read: scores that disagree with them (never the case on the site) do not count.
  const binsOnly = {...withBins, aligned: new Float64Array(cols.length).fill(NaN), coherent: new Float64Array(cols.length).fill(NaN)};
  assert.deepEqual(buildSurfaces(binsOnly)[0]!.grid(BETLEY), buildSurfaces(cols)[0]!.grid(BETLEY));
});
