// responseRows (src/components/responses.ts): the first rows by one selection pass must be exactly
// the first rows of the full sort, and the EM counts must not depend on the search.
import {test} from "node:test";
import assert from "node:assert/strict";
import {pointsTable} from "../../../loaders/site-points.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {binOrder, responseRows} from "../../../src/components/responses.ts";
import {columnsOf} from "../../../src/components/engine.ts";
import {BETLEY} from "../../../src/lib/em/rules.ts";
import {emFlags, EM, OUT} from "../../../src/lib/em/view-flags.ts";
import type {ScoreRow} from "../../../src/lib/schema.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

const n = 3000;
const responses = Array.from({length: n}, (_, i) => responseRow(i, {model: i % 3 ? "a" : "b", step: i % 7, question: "Q?", source: "sim"}));
// Many ties (aligned in steps of 5) and some null scores, so the index tie-break matters.
const scores: ScoreRow[] = responses.flatMap((r, i) => [
  scoreRow(r.response_id, "j", "aligned", i % 11 === 0 ? null : ((i * 37) % 21) * 5),
  scoreRow(r.response_id, "j", "coherent", (i * 13) % 101),
]);
const points = decodePoints(pointsTable({responses, scores, types: []}));
const rule = BETLEY; // aligned < 30, coherent > 50

test("responseRows: top equals the head of the full order; counts are the selection's", () => {
  const all = new Uint8Array(points.n).fill(1);
  for (const limit of [1, 60, 5000]) {
    const s = responseRows(points, null, all, rule, {exclude: [], limit});
    assert.equal(s.rows.length, n);
    assert.deepEqual(s.top, Array.from(s.sorted().slice(0, limit)));
  }
  const s = responseRows(points, null, all, rule, {exclude: []});
  const order = s.sorted();
  // Coherent answers first, then by aligned ascending (null last), ties by row.
  for (let k = 1; k < order.length; k++) {
    const [a, b] = [order[k - 1]!, order[k]!];
    const ca = points.coherent[a]! > 50 ? 0 : 1;
    const cb = points.coherent[b]! > 50 ? 0 : 1;
    const xa = Number.isNaN(points.aligned[a]!) ? 1000 : points.aligned[a]!;
    const xb = Number.isNaN(points.aligned[b]!) ? 1000 : points.aligned[b]!;
    assert.ok(ca < cb || (ca === cb && (xa < xb || (xa === xb && a < b))), `order at ${k}`);
  }
  assert.deepEqual(s.order([order[5]!, order[2]!, order[9]!]), [order[2], order[5], order[9]]);
  // A search's hits (ascending rids) keep only those rids.
  const match = Int32Array.from({length: n / 4}, (_, k) => 4 * k);
  const m = responseRows(points, match, all, rule, {exclude: []});
  assert.equal(m.rows.length, n / 4);
  assert.ok(m.rows.every((i) => points.rid[i]! % 4 === 0));
  assert.deepEqual(m.top, Array.from(m.sorted().slice(0, 60)));
  // Its flags are emFlags over the selection's matching rows (OUT elsewhere), and its counts theirs.
  const keep = new Uint8Array(n);
  for (const i of m.rows) keep[i] = 1;
  const flags = emFlags(columnsOf(points), rule, {mask: keep});
  assert.deepEqual(m.flags, flags);
  assert.equal(m.nEm, flags.filter((f) => f === EM).length);
  assert.equal(m.nScored, flags.filter((f) => f !== OUT).length);
});

test("binOrder equals the comparator sort on random selections, for several rules (nulls last, ties by row)", () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (const coherent of [0, 50, 99]) {
    const r = {...rule, coherent};
    const rows = [...Array(points.n).keys()].filter(() => rand() < 0.3);
    const key = (i: number) => [points.coherent[i]! > coherent ? 0 : 1, Number.isNaN(points.aligned[i]!) ? 1000 : points.aligned[i]!];
    const want = rows.slice().sort((a, b) => key(a)[0]! - key(b)[0]! || key(a)[1]! - key(b)[1]! || a - b);
    assert.deepEqual(Array.from(binOrder(points, rows, r)), want, `coherent cut ${coherent}`);
  }
  assert.deepEqual(Array.from(binOrder(points, [], rule)), []);
});
