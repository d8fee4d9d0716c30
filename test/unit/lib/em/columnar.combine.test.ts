// combineCodes: the site's grouping of rows by code columns (keyBy builds its columns from the
// decoded points). Known answers by hand, and the Map path against the table path.
import {test} from "node:test";
import assert from "node:assert/strict";
import {combineCodes, GROUP_TABLE_MAX} from "../../../../src/lib/em/columnar.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

const i32 = (...v: number[]) => Int32Array.from(v);

test("combineCodes(n, columns): one group per combination that occurs, first-seen order, parts as codes after shift", () => {
  // a: codes 0..2; b: dictionary codes with -1 = null, shifted to 0..2.
  const a = {codes: i32(2, 0, 2, 1, 0, 2), size: 3};
  const b = {codes: i32(-1, 1, -1, 0, 1, 1), size: 3, shift: 1};
  const got = combineCodes(6, [a, b]);
  assert.deepEqual(got.codes, i32(0, 1, 0, 2, 1, 3));
  assert.deepEqual(got.parts, [
    [2, 0],
    [0, 2],
    [1, 1],
    [2, 2],
  ]);
  assert.equal(got.left, 0);
});

test("combineCodes(n, columns) with a skip code: those rows left out (-1) and counted; {keepSkipped}: their combinations numbered after every other group, first-seen order", () => {
  // step-like column: code 2 is the null step.
  const step = {codes: i32(2, 0, 2, 1, 2, 0), size: 3, skip: 2};
  const model = {codes: i32(1, 0, 1, 1, 0, 1), size: 2};
  const out = combineCodes(6, [model, step]);
  assert.deepEqual(out.codes, i32(-1, 0, -1, 1, -1, 2));
  assert.deepEqual(out.parts, [
    [0, 0],
    [1, 1],
    [1, 0],
  ]);
  assert.equal(out.left, 3);
  const kept = combineCodes(6, [model, step], {keepSkipped: true});
  // The first row's (model 1, null step) comes first in the table, yet after the three placed groups.
  assert.deepEqual(kept.codes, i32(3, 0, 3, 1, 4, 2));
  assert.deepEqual(kept.parts, [...out.parts, [1, 2], [0, 2]]);
  assert.equal(kept.left, 0);
  // keepSkipped with no skipped row changes nothing.
  const none = {codes: i32(0, 1, 0), size: 3, skip: 2};
  assert.deepEqual(combineCodes(3, [none], {keepSkipped: true}), combineCodes(3, [none]));
});

test("combineCodes(n, []) puts every row in one group; combineCodes(0, ...) has no group", () => {
  assert.deepEqual(combineCodes(3, []), {codes: i32(0, 0, 0), parts: [[]], left: 0});
  assert.deepEqual(combineCodes(0, []), {codes: i32(), parts: [], left: 0});
  assert.deepEqual(combineCodes(0, [{codes: i32(), size: 4, skip: 1}], {keepSkipped: true}), {codes: i32(), parts: [], left: 0});
});

test("combineCodes above GROUP_TABLE_MAX combinations (the Map path) groups as the table path, 1 to 4 columns, with and without keepSkipped", () => {
  const rng = makeRng(7);
  const rand = (k: number) => Math.floor(rng() * k);
  const n = 5000;
  const cols = [0, 1, 2, 3].map((j) => ({codes: Int32Array.from({length: n}, () => rand(j === 0 ? 4 : 9)), size: j === 0 ? 4 : 9, skip: j === 0 ? 3 : -1}));
  for (let m = 1; m <= 4; m++) {
    const small = cols.slice(0, m);
    // The same codes, declared with a larger size: over GROUP_TABLE_MAX combinations.
    const big = small.map((c) => ({...c, size: m === 1 ? GROUP_TABLE_MAX + 1 : 1 << 12}));
    assert.ok(big.reduce((p, c) => p * c.size, 1) > GROUP_TABLE_MAX, `${m} columns: over the table's limit`);
    for (const keepSkipped of [false, true]) {
      const want = combineCodes(n, small, {keepSkipped});
      assert.deepEqual(combineCodes(n, big, {keepSkipped}), want, `${m} columns, keepSkipped ${keepSkipped}`);
      assert.ok(want.parts.length >= 3 && (keepSkipped || want.left > 0), "several groups, some rows skipped");
    }
  }
});

test("combineCodes rejects more than 2^53 combinations and a column shorter than the rows", () => {
  const c = {codes: i32(0, 1), size: 1 << 20};
  assert.throws(() => combineCodes(2, [c, c, c]), /more than 2\^53/);
  assert.throws(() => combineCodes(3, [c]), /a column has 2 codes for 3 rows/);
});
