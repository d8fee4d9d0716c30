// keptInPlace (src/components/live-charts.ts): which marks of a keyed chart stay where they are when
// the order changes (a longest increasing run of their old places), so that the others, moved one
// by one, give the new order with the fewest moves. The DOM side (keyedMarks in real Chromium) is
// in test/browser/sensitivity-live.test.ts.
import {test} from "node:test";
import assert from "node:assert/strict";
import * as d3 from "d3";
import {keptInPlace} from "../../../src/components/live-charts.ts";

/** The length of a longest strictly increasing subsequence of `from` (ignoring -1), by the O(n²) recurrence. */
function lisLength(from: readonly number[]): number {
  const best = from.map(() => 0);
  let top = 0;
  for (let i = 0; i < from.length; i++) {
    if (from[i]! < 0) continue;
    best[i] = 1;
    for (let j = 0; j < i; j++) if (from[j]! >= 0 && from[j]! < from[i]! && best[j]! + 1 > best[i]!) best[i] = best[j]! + 1;
    top = Math.max(top, best[i]!);
  }
  return top;
}

/**
 * A child list (old keys in document order) reordered as keyedMarks does: the marks not kept
 * are inserted, from the last key to the first, right before the key that follows them
 * (the end for the last); marks not in `keys` are removed first. Returns the list and the moves.
 */
function reorder(old: readonly string[], keys: readonly string[]): {list: string[]; moves: number} {
  const at = new Map(old.map((k, i) => [k, i]));
  const from = keys.map((k) => at.get(k) ?? -1);
  const keep = keptInPlace(from);
  const wanted = new Set(keys);
  const list = old.filter((k) => wanted.has(k));
  let moves = 0;
  let after: string | null = null;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    if (!keep[i]) {
      const was = list.indexOf(k);
      if (was >= 0) list.splice(was, 1);
      list.splice(after === null ? list.length : list.indexOf(after), 0, k);
      moves++;
    }
    after = k;
  }
  return {list, moves};
}

/** The fewest single moves (take one item out, put it anywhere) turning `a` into `b` (same items), by breadth-first search. */
function fewestMoves(a: readonly string[], b: readonly string[]): number {
  const goal = b.join(",");
  let level = [a.join(",")];
  const seen = new Set(level);
  for (let d = 0; ; d++) {
    if (level.includes(goal)) return d;
    const next: string[] = [];
    for (const s of level) {
      const xs = s.split(",");
      for (let i = 0; i < xs.length; i++)
        for (let j = 0; j < xs.length; j++) {
          if (i === j) continue;
          const ys = [...xs];
          const [x] = ys.splice(i, 1);
          ys.splice(j, 0, x!);
          const t = ys.join(",");
          if (!seen.has(t)) seen.add(t), next.push(t);
        }
    }
    level = next;
  }
}

test("keptInPlace(from): known answers (in order: all kept; reversed: one; new marks never kept)", () => {
  assert.deepEqual([...keptInPlace([])], []);
  assert.deepEqual([...keptInPlace([0, 1, 2, 3])], [1, 1, 1, 1]);
  assert.equal(
    keptInPlace([3, 2, 1, 0]).reduce((a, b) => a + b, 0),
    1,
  );
  assert.deepEqual([...keptInPlace([-1, 0, -1, 1])], [0, 1, 0, 1]);
  assert.deepEqual([...keptInPlace([-1, -1])], [0, 0]);
  // One question moved up past three others: only it moves (the old reordering moved the three).
  assert.deepEqual([...keptInPlace([0, 4, 1, 2, 3, 5])], [1, 0, 1, 1, 1, 1]);
  // Moved down: again only it.
  assert.deepEqual([...keptInPlace([0, 2, 3, 4, 1, 5])], [1, 1, 1, 1, 0, 1]);
});

test("keptInPlace: the kept marks are in increasing old order and as many as a longest increasing run (random lists)", () => {
  const random = d3.randomLcg(28);
  const shuffle = d3.shuffler(random);
  for (let trial = 0; trial < 500; trial++) {
    const n = Math.floor(random() * 40);
    const from = shuffle(Array.from({length: n}, (_, i) => (random() < 0.2 ? -1 : i)));
    const keep = keptInPlace(from);
    const kept = from.filter((_, i) => keep[i]);
    assert.ok(
      kept.every((v, i) => v >= 0 && (i === 0 || v > kept[i - 1]!)),
      `kept increasing: ${JSON.stringify(from)} -> ${JSON.stringify(kept)}`,
    );
    assert.equal(kept.length, lisLength(from), JSON.stringify(from));
  }
});

test("keyed reordering with keptInPlace: random old and new key lists give exactly the new order, in n - LIS moves", () => {
  const random = d3.randomLcg(16);
  const shuffle = d3.shuffler(random);
  const pool = Array.from({length: 30}, (_, i) => `q${i}`);
  for (let trial = 0; trial < 500; trial++) {
    const old = shuffle(pool.filter(() => random() < 0.7));
    const keys = shuffle(pool.filter(() => random() < 0.7));
    const {list, moves} = reorder(old, keys);
    assert.deepEqual(list, keys, `from ${old.join(" ")}`);
    const at = new Map(old.map((k, i) => [k, i]));
    assert.equal(moves, keys.length - lisLength(keys.map((k) => at.get(k) ?? -1)));
  }
});

test("keyed reordering with keptInPlace: the fewest moves there are (every permutation of up to 6 marks, by search)", () => {
  for (let n = 1; n <= 6; n++) {
    const a = Array.from({length: n}, (_, i) => String.fromCharCode(97 + i));
    const perms: string[][] = [];
    const permute = (prefix: string[], rest: string[]) => {
      if (!rest.length) perms.push(prefix);
      rest.forEach((x, i) => permute([...prefix, x], [...rest.slice(0, i), ...rest.slice(i + 1)]));
    };
    permute([], a);
    // Every permutation at n <= 5; a seeded sample of the 720 at n = 6 (the search is slower there).
    const random = d3.randomLcg(n);
    for (const b of n < 6 ? perms : perms.filter(() => random() < 0.1)) {
      const {list, moves} = reorder(a, b);
      assert.deepEqual(list, b);
      assert.equal(moves, fewestMoves(a, b), `${a.join("")} -> ${b.join("")}`);
    }
  }
});
