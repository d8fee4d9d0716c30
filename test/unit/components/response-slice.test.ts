// listSlices (src/components/response-slice.ts): the list's slice under a brushed range, taken from
// a cached base, is the slice responseRows computes from scratch for the same state: the same rows
// in the same display order, the same EM flags on them and the same counts, through a sequence of
// brushes, searches, filters and rule changes (the cache must never answer for another state).
import {test} from "node:test";
import assert from "node:assert/strict";
import {pointsTable} from "../../../loaders/site-points.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {responseRows} from "../../../src/components/responses.ts";
import {listSlices} from "../../../src/components/response-slice.ts";
import {selectionMask} from "../../../src/components/selection.ts";
import {ruleOf} from "../../../src/components/engine.ts";
import {parseState, type ViewState} from "../../../src/components/store.ts";
import type {ScoreRow} from "../../../src/lib/schema.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

const n = 4000;
// Steps 0..9 with some answers without one; scores in steps of 5 (many ties) and some nulls.
const responses = Array.from({length: n}, (_, i) =>
  responseRow(i, {model: i % 3 ? "a" : "b", step: i % 13 === 0 ? null : (i * 7) % 10, question: "Q?", source: "sim"}),
);
const scores: ScoreRow[] = responses.flatMap((r, i) => [
  scoreRow(r.response_id, "j", "aligned", i % 11 === 0 ? null : ((i * 37) % 21) * 5),
  scoreRow(r.response_id, "j", "coherent", i % 17 === 0 ? null : ((i * 13) % 21) * 5),
]);
const points = decodePoints(pointsTable({responses, scores, types: []}));

/**
 * Every way the list reads a slice's rows by position (display()): in turn, backwards, by jumps
 * (a scroll far down, End), each position twice in a row (its id, then its line), and past the
 * ends (undefined): the same rows as `want`, in its order.
 */
function assertReads(got: ReturnType<ReturnType<typeof listSlices>>, want: ArrayLike<number>, what: string): void {
  const view = got.display();
  assert.equal(view.length, want.length, `${what}: display() length`);
  assert.equal(got.n, want.length, `${what}: n`);
  const m = want.length;
  const read = (k: number) => {
    assert.equal(view.at(k), want[k], `${what}: row at ${k}`);
    assert.equal(view.at(k), want[k], `${what}: row at ${k}, read again`);
  };
  for (let k = 0; k < m; k++) read(k);
  for (let k = m - 1; k >= 0; k -= 7) read(k);
  for (let k = 0, s = 1; k < m; k += s, s = (s * 3) % 97) read(k);
  for (const k of [m - 1, 0, Math.floor(m / 2), m - 1, Math.floor(m / 3)]) if (k >= 0) read(k);
  for (const k of [m, m + 5]) assert.equal(view.at(k), undefined, `${what}: at(${k}) is out of range`);
}

/** The rids 0..n-1 for which `keep` holds, ascending (a search's hits). */
const ridsWhere = (n: number, keep: (rid: number) => boolean) => Int32Array.from({length: n}, (_, r) => r).filter(keep);

/** The slice from scratch: responseRows over the full mask (steps included), in display order. */
function reference(s: ViewState, match: Int32Array | null) {
  const slice = responseRows(points, match, selectionMask(points, s), ruleOf(s), {exclude: s.exclude, limit: 1});
  return {slice, order: slice.sorted()};
}

test("listSlices: every brushed range, search, filter and rule gives responseRows' rows, order, flags and counts", () => {
  const sliceOf = listSlices(points);
  const marks = ridsWhere(points.n, (r) => r % 3 === 0);
  const ranges: ([number, number] | null)[] = [null, [2, 5], [0, 9], [4, 4], [7, 3.5], [100, 200], [-1, 0.5], null];
  const searches = [
    "?experiment=e&judge=j",
    "?experiment=e&judge=j&rule=organisms",
    "?experiment=e&judge=j&model=b",
    "?experiment=e&judge=j&rule=custom&aligned=40&coherent=20",
  ];
  let checked = 0;
  for (const search of searches)
    for (const match of [null, marks])
      for (const steps of ranges) {
        const s: ViewState = {...parseState(search), steps: steps && [Math.min(...steps), Math.max(...steps)]};
        const got = sliceOf(s, match);
        const want = reference(s, match);
        const what = `${search} ${match ? "searched" : ""} steps ${JSON.stringify(s.steps)}`;
        assert.deepEqual(got.sorted(), want.order, `${what}: rows in display order`);
        assert.deepEqual(
          [...got.rows].sort((a, b) => a - b),
          Array.from(want.slice.rows),
          `${what}: the same rows`,
        );
        assert.deepEqual([got.nEm, got.nScored], [want.slice.nEm, want.slice.nScored], `${what}: counts`);
        for (const i of want.slice.rows) assert.equal(got.flags[i], want.slice.flags[i], `${what}: flag of row ${i}`);
        assert.deepEqual(got.top, Array.from(want.order.slice(0, 1)));
        checked += want.slice.rows.length;
        // What the list reads: the rows by position, before the array of them is made.
        assertReads(sliceOf(s, match), want.order, what);
        // A subset (the answers that address their judge): the rows kept, in display order.
        const keep = (i: number) => i % 7 === 2 || i % 11 === 0;
        assert.deepEqual(sliceOf(s, match).where("every 7th", keep), Array.from(want.order).filter(keep), `${what}: where()`);
      }
  assert.ok(checked > 10_000, "the states hold rows: the comparison can fail");
  // A range with no answer in it: an empty slice, and counts zero.
  const empty = sliceOf({...parseState("?experiment=e&judge=j"), steps: [100, 200]}, null);
  assert.deepEqual([empty.rows.length, empty.nEm, empty.nScored], [0, 0, 0]);
  assertReads(sliceOf({...parseState("?experiment=e&judge=j"), steps: [100, 200]}, null), [], "empty range");
});

test("listSlices: a brushed range's rows are read by position without making the array of them", () => {
  const sliceOf = listSlices(points);
  const s: ViewState = {...parseState("?experiment=e&judge=j"), steps: [2, 6]};
  const want = reference(s, null).order;
  const got = sliceOf(s, null);
  const view = got.display();
  assert.ok(!(view instanceof Int32Array), "the list's rows are not an array made by a pass over the base");
  assert.ok(want.length > 1000 && want.length < points.n, "the range holds some rows, not all: the test can fail");
  assertReads(got, want, "steps 2-6");
  assert.deepEqual(Array.from(got.rows), Array.from(want), "rows made on demand: the same, in display order");
});

test("listSlices: a new search hits array (same words or not) is a new base, not the last one's", () => {
  const sliceOf = listSlices(points);
  const s: ViewState = {...parseState("?experiment=e&judge=j"), steps: [1, 8]};
  const a = ridsWhere(points.n, () => true);
  const b = ridsWhere(points.n, (r) => r % 2 === 1);
  assert.deepEqual(sliceOf(s, a).sorted(), reference(s, a).order);
  assert.deepEqual(sliceOf(s, b).sorted(), reference(s, b).order);
  assert.notDeepEqual(reference(s, a).order, reference(s, b).order, "the two searches differ: the test can fail");
});

test("listSlices: a range holding every coordinate gives the base's own display order (no pass, no copy), and past 65,535 coordinates (four-byte codes) the slice is still responseRows'", () => {
  // Every answer with a coordinate (answers without one are never in a range).
  const r1 = Array.from({length: 600}, (_, i) => responseRow(i, {model: "a", step: i % 5, question: "Q?", source: "sim"}));
  const s1: ScoreRow[] = r1.flatMap((r, i) => [
    scoreRow(r.response_id, "j", "aligned", (i * 7) % 101),
    scoreRow(r.response_id, "j", "coherent", (i * 11) % 101),
  ]);
  const p1 = decodePoints(pointsTable({responses: r1, scores: s1, types: []}));
  const sliceOf = listSlices(p1);
  const s = parseState("?experiment=e&judge=j");
  const all = sliceOf(s, null);
  const wide = sliceOf({...s, steps: [-5, 50]}, null);
  assert.equal(wide.sorted(), all.sorted(), "the same array: nothing copied");
  assert.equal(wide.display(), all.sorted(), "read from the same array");
  assert.deepEqual([wide.rows.length, wide.nEm, wide.nScored], [600, all.nEm, all.nScored]);
  // 70,000 distinct coordinates: four-byte codes, same slice.
  const many = 70_000;
  const r2 = Array.from({length: many}, (_, i) => responseRow(i, {model: "a", step: i % 9 === 0 ? null : i / 4, question: "Q?", source: "sim"}));
  const s2: ScoreRow[] = r2.flatMap((r, i) => [
    scoreRow(r.response_id, "j", "aligned", (i * 37) % 101),
    scoreRow(r.response_id, "j", "coherent", (i * 13) % 101),
  ]);
  const p2 = decodePoints(pointsTable({responses: r2, scores: s2, types: []}));
  const slices2 = listSlices(p2);
  for (const steps of [
    [100, 5000],
    [100, 150],
    [0, 1e6],
    [17.25, 17.25],
  ] as [number, number][]) {
    const st: ViewState = {...parseState("?experiment=e&judge=j"), steps};
    const got = slices2(st, null);
    const want = responseRows(p2, null, selectionMask(p2, st), ruleOf(st), {exclude: st.exclude, limit: 1});
    assert.deepEqual(Array.from(got.sorted()), Array.from(want.sorted()), `steps ${steps}: rows in display order`);
    assert.deepEqual([got.nEm, got.nScored], [want.nEm, want.nScored], `steps ${steps}: counts`);
    assertReads(slices2(st, null), want.sorted(), `steps ${steps}`);
  }
});

test("listSlices: clearing a search under the same filters and rule gives the slice from before the search, not a new one", () => {
  const sliceOf = listSlices(points);
  const s: ViewState = parseState("?experiment=e&judge=j");
  const before = sliceOf(s, null);
  assert.notEqual(
    sliceOf(
      s,
      ridsWhere(points.n, (r) => r % 5 === 0),
    ).n,
    before.n,
    "the search changes the slice: the test can fail",
  );
  assert.equal(sliceOf(s, null), before, "the same slice, kept");
  assert.deepEqual(Array.from(before.sorted()), Array.from(reference(s, null).order));
  // Another filter: a new base, responseRows' own.
  const t: ViewState = {...s, model: "a"};
  assert.notEqual(sliceOf(t, null), before);
  assert.deepEqual(Array.from(sliceOf(t, null).sorted()), Array.from(reference(t, null).order));
});
