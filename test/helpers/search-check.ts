// The search check shared by test/unit/components/responses.search.test.ts (a built fixture) and
// test/browser/search-demo.test.ts (the built demo): the word index's hits and the rows responseRows
// takes from them against a brute-force scan of every answer's words.
import assert from "node:assert/strict";
import type {Points} from "../../src/components/points.ts";
import {responseRows} from "../../src/components/responses.ts";
import {selectionMask} from "../../src/components/selection.ts";
import {ruleOf} from "../../src/components/engine.ts";
import {parseState} from "../../src/components/store.ts";
import {openSearch} from "../../src/components/texts-store.ts";
import {PREFIX_MIN, queryWords} from "../../src/lib/text-search.ts";

/** The brute-force reference: a mark per rid whose words hold every query word (whole, or begun by a word of PREFIX_MIN+). */
function bruteMarks(words: readonly Set<string>[], q: string): Uint8Array | null {
  const want = queryWords(q);
  if (!want.length) return null;
  const has = (w: Set<string>, x: string) => w.has(x) || (x.length >= PREFIX_MIN && [...w].some((t) => t.startsWith(x)));
  return Uint8Array.from(words, (w) => (want.every((x) => has(w, x)) ? 1 : 0));
}

/** responseRows before typed hits: the rows of the mask whose rid is marked, by a pass over every row. */
function referenceRows(points: Points, marks: Uint8Array, mask: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.n; i++) if (mask[i] && marks[points.rid[i]!]) out.push(i);
  return out;
}

/** Every query's hits and rows against the brute force: hits, rows, display order, top, flags and counts. */
export async function checkQueries(points: Points, words: readonly Set<string>[], url: string, queries: readonly string[], what: string): Promise<number> {
  const index = await openSearch(url);
  const state = parseState("?");
  const mask = selectionMask(points, state);
  const rule = ruleOf(state);
  let nonEmpty = 0;
  for (const q of queries) {
    const marks = bruteMarks(words, q);
    const hits = await index.hits(q);
    if (!marks) {
      assert.equal(hits, null, `${what} "${q}": no word`);
      continue;
    }
    assert.ok(hits);
    assert.deepEqual(
      Array.from(hits),
      [...marks.keys()].filter((r) => marks[r]),
      `${what} "${q}": hits`,
    );
    const got = responseRows(points, hits, mask, rule, {exclude: []});
    const want = referenceRows(points, marks, mask);
    if (want.length) nonEmpty++;
    assert.deepEqual(Array.from(got.rows), want, `${what} "${q}": rows`);
    // The display order, flags and counts from the reference rows through the same comparator (the marks path).
    const ref = responseRows(points, Int32Array.from(new Set(want.map((i) => points.rid[i]!))).sort(), mask, rule, {exclude: []});
    assert.deepEqual(Array.from(got.sorted()), Array.from(ref.sorted()), `${what} "${q}": display order`);
    assert.deepEqual(got.top, ref.top, `${what} "${q}": top`);
    assert.deepEqual(got.flags, ref.flags, `${what} "${q}": flags`);
    assert.deepEqual([got.nEm, got.nScored], [ref.nEm, ref.nScored], `${what} "${q}": counts`);
  }
  return nonEmpty;
}
