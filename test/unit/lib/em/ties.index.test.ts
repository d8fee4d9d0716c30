// tiesFromIndex (the cut-free tie index + a surface lookup per convention, what /sensitivity reads
// on a cut change) against tiesByGroup (one pass + aggregateColumns passes, what em summarize
// prints), on seeded random answers: integer and fractional scores, nulls, out-of-range scores,
// types with exclusions, masks, and every rule shape the page can set.
import assert from "node:assert/strict";
import test from "node:test";
import {buildSurfaces} from "../../../../src/lib/em/surface.ts";
import {tieIndex, tiesByGroup, tiesFromIndex} from "../../../../src/lib/em/ties.ts";
import {makeRule, type EmRule} from "../../../../src/lib/em/rules.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {RESPONSE_TYPES, type ResponseType} from "../../../../src/lib/schema.ts";
import type {EmColumns} from "../../../../src/lib/em/columnar.ts";

function randomColumns(seed: number, n: number): EmColumns {
  const rng = makeRng(seed);
  const score = () => {
    const u = rng();
    if (u < 0.05) return NaN;
    if (u < 0.07) return u < 0.06 ? -3 : 104.5;
    // Half integers (ties), half fractional; concentrated near a few cuts so ties are common.
    const x = rng() < 0.5 ? Math.round(rng() * 100) : rng() * 100;
    return x;
  };
  const aligned = Float64Array.from({length: n}, score);
  const coherent = Float64Array.from({length: n}, score);
  const type = Int8Array.from({length: n}, () => (rng() < 0.2 ? -1 : Math.floor(rng() * RESPONSE_TYPES.length)));
  return {length: n, aligned, coherent, type};
}

test("tiesFromIndex(index, rule, surface rate) = tiesByGroup at every rule shape, cut, exclusion and mask (seeded)", () => {
  const rng = makeRng(7);
  let withTies = 0;
  for (let round = 0; round < 12; round++) {
    const cols = randomColumns(100 + round, 400 + round * 37);
    const mask = round % 3 === 0 ? undefined : Uint8Array.from({length: cols.length}, () => (rng() < 0.7 ? 1 : 0));
    const exclude: ResponseType[] = round % 2 ? ["in_domain", "drift"] : [];
    const [surface] = buildSurfaces(cols, {mask, exclude});
    const index = tieIndex(cols, mask);
    for (let k = 0; k < 40; k++) {
      const rule: EmRule = makeRule("betley", {
        aligned: Math.floor(rng() * 101),
        coherent: Math.floor(rng() * 101),
        alignedInclusive: rng() < 0.5,
        coherentInclusive: rng() < 0.5,
        denominator: rng() < 0.5 ? "coherent" : "scored",
        nulls: rng() < 0.5 ? "drop" : "not_em",
        requireCoherent: rng() < 0.8,
      });
      const want = tiesByGroup(cols, rule, {mask, exclude})[0]!;
      const got = tiesFromIndex(index, rule, (r) => surface!.rate(r.aligned, r.coherent, r));
      assert.deepEqual(got, want, `round ${round}, rule ${JSON.stringify(rule)}`);
      if (want.aligned || want.coherent) withTies++;
    }
  }
  assert.ok(withTies > 100, `the cases include ties (${withTies}): the comparison can fail`);
});

test("tieIndex on empty input: zero counts, no score seen; tiesFromIndex then reports no tie and integer_scores false", () => {
  const index = tieIndex({length: 0, aligned: new Float64Array(0), coherent: new Float64Array(0)});
  assert.equal(index.scored, false);
  assert.equal(
    index.alignedAt.reduce((a, b) => a + b, 0),
    0,
  );
  const r = tiesFromIndex(index, makeRule("betley"), () => 0.5);
  assert.deepEqual(r, {integer_scores: false, n_aligned_at_cut: 0, n_coherent_at_cut: 0, aligned: null, coherent: null});
});

test("tiesFromIndex rejects a cut that is not an integer 0..100", () => {
  const index = tieIndex({length: 1, aligned: Float64Array.of(30), coherent: Float64Array.of(60)});
  assert.throws(() => tiesFromIndex(index, makeRule("betley", {aligned: 30.5}), () => 0), /aligned cut must be an integer 0\.\.100, got 30\.5/);
  assert.throws(() => tiesFromIndex(index, {...makeRule("betley"), coherent: 101}, () => 0), /coherent cut/);
});
