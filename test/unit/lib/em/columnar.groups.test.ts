// encodeGroups: the CLI's grouping of judged rows by columns (em summarize, the transition and
// baseline slices), a thin wrapper of the pages' grouping (combineCodes over each column's
// dictionary codes). Against a reference that groups by the values' JSON text (what the output
// prints), including the fold that many columns of many values take (over 2^53 combinations).
import {test} from "node:test";
import assert from "node:assert/strict";
import {encodeGroups, partitionRows} from "../../../../src/lib/em/columnar.ts";
import {getColumn} from "../../../../src/lib/em/judged.ts";
import type {Judged} from "../../../../src/lib/schema.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {judgedRow} from "../../../helpers/judged.ts";

let id = 0;
const judged = (o: Partial<Judged>): Judged => judgedRow({response_id: `r${id++}`, aligned: 10, coherent: 90, ...o});

/** Groups by the JSON text of the rows' values, first-seen order: the keys as they print. */
function reference(rows: readonly Judged[], by: readonly string[]) {
  const map = new Map<string, number>();
  const codes: number[] = [];
  const keys: string[] = [];
  for (const r of rows) {
    const s = JSON.stringify(Object.fromEntries(by.map((c) => [c, getColumn(r, c)])));
    if (!map.has(s)) map.set(s, keys.push(s) - 1);
    codes.push(map.get(s)!);
  }
  return {codes, keys};
}

const same = (rows: readonly Judged[], by: readonly string[]) => {
  const got = encodeGroups(rows, by);
  const want = reference(rows, by);
  assert.deepEqual([...got.codes], want.codes, by.join(","));
  assert.deepEqual(
    got.keys.map((k) => JSON.stringify(k)),
    want.keys,
    by.join(","),
  );
};

test("encodeGroups(rows, by): first-seen groups; a missing column, a null and a NaN print as one null key; strings and numbers apart", () => {
  const rows = [
    judged({model: "a", step: 1, meta: {seed: 1}}),
    judged({model: "b", step: null, meta: {seed: "1"}}),
    judged({model: "a", step: 1, meta: {}}),
    judged({model: "a", step: Number.NaN, meta: {seed: null}}),
    judged({model: "b", step: null, meta: {seed: 1}}),
  ];
  const {codes, keys} = encodeGroups(rows, ["model", "step"]);
  assert.deepEqual([...codes], [0, 1, 0, 2, 1]);
  assert.deepEqual(JSON.stringify(keys), '[{"model":"a","step":1},{"model":"b","step":null},{"model":"a","step":null}]');
  const seeds = encodeGroups(rows, ["seed"]);
  assert.deepEqual([...seeds.codes], [0, 1, 2, 2, 0]);
  assert.deepEqual(seeds.keys, [{seed: 1}, {seed: "1"}, {seed: null}]);
  for (const by of [["model", "step"], ["seed"], ["model", "seed", "step"], []]) same(rows, by);
});

test("encodeGroups(rows, []) is one group; no rows, no groups; partitionRows splits by the same groups", () => {
  const rows = [judged({model: "a"}), judged({model: "b"}), judged({model: "a"})];
  assert.deepEqual(encodeGroups(rows, []), {codes: Int32Array.from([0, 0, 0]), keys: [{}]});
  assert.deepEqual(encodeGroups([], ["model"]), {codes: new Int32Array(0), keys: []});
  const {keys, parts} = partitionRows(rows, ["model"]);
  assert.deepEqual(keys, [{model: "a"}, {model: "b"}]);
  assert.deepEqual(parts, [[rows[0], rows[2]], [rows[1]]]);
});

test("encodeGroups over more than 2^53 combinations (four columns of 12,000 values) groups as the reference, folding two columns at a time", () => {
  const rng = makeRng(7);
  const n = 12_000;
  const rows = Array.from({length: n}, (_, i) => judged({question_id: `q${i}`, meta: {a: i, b: `b${n - i}`, c: i % 5 === 0 ? 0 : Math.floor(rng() * n)}}));
  // Every column has ~n values: n^4 > 2^53, so one combineCodes call would refuse.
  same(rows, ["question_id", "a", "b", "c"]);
  // And repeated rows fold onto their groups.
  same([...rows, ...rows.slice(0, 500)], ["c", "question_id", "a", "b"]);
});
