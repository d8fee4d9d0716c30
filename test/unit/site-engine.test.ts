import {test} from "node:test";
import assert from "node:assert/strict";
import {countGroups, emSurface, keyBy, rates} from "../../src/components/engine.ts";
import {makeRule} from "../../src/lib/em/rules.ts";
import {makeRng} from "../../src/lib/em/prng.ts";
import type {Points} from "../../src/components/points.ts";

/** Random points with real-valued scores, exact integers, ties at cuts, nulls and types. */
function randomPoints(n: number, seed: number): Points {
  const rng = makeRng(seed);
  const pick = (): number => {
    const u = rng();
    if (u < 0.08) return NaN;
    if (u < 0.3) return [30, 50, 0, 100, 29, 31, 49, 51][Math.floor(rng() * 8)];
    return rng() * 100;
  };
  const aligned = Float32Array.from({length: n}, pick);
  const coherent = Float32Array.from({length: n}, pick);
  const codes = {
    experiment: new Int32Array(n), model: new Int32Array(n), question_id: Int32Array.from({length: n}, () => Math.floor(rng() * 5)),
    category: new Int32Array(n), judge: new Int32Array(n), special: new Int32Array(n).fill(-1),
    type: Int32Array.from({length: n}, () => Math.floor(rng() * 4) - 1), origin: new Int32Array(n),
  };
  return {
    n, rid: Int32Array.from({length: n}, (_, i) => i), step: new Float64Array(n), aligned, coherent,
    p_emergent: new Float32Array(n), domain_topic: new Float32Array(n), codes,
    dicts: {experiment: ["e"], model: ["m"], question_id: ["q0", "q1", "q2", "q3", "q4"], category: ["c"], judge: ["j"], special: [], type: ["aligned", "in_domain", "emergent"], origin: ["simulated"]},
  };
}

test("emSurface(points, mask, rule) equals direct classification at every probed cut pair", () => {
  const points = randomPoints(3000, 7);
  const mask = new Uint8Array(points.n).fill(1);
  for (const base of ["betley", "organisms"] as const) {
    for (const nulls of ["drop", "not_em"] as const) {
      for (const exclude of [[], ["in_domain"]]) {
        const rule0 = makeRule(base, {nulls});
        const surface = emSurface(points, mask, rule0, exclude);
        for (const [ta, tc] of [[30, 50], [0, 0], [100, 100], [29, 49], [31, 51], [50, 30], [100, 0], [0, 100], [73, 12]]) {
          const rule = makeRule(base, {aligned: ta, coherent: tc, nulls});
          const g = countGroups(points, mask, rule, () => "all", exclude).get("all");
          const expected = g && g.d ? g.k / g.d : NaN;
          const got = surface.rate[ta * 101 + tc];
          if (Number.isNaN(expected)) assert.ok(Number.isNaN(got), `${base}/${nulls} ${ta},${tc}`);
          else assert.ok(Math.abs(got - expected) < 1e-12, `${base}/${nulls}/${exclude} at (${ta}, ${tc}): surface ${got} vs direct ${expected}`);
        }
      }
    }
  }
});

test("countGroups with betley on a hand-made set: ties at 30 and 50 are not EM, nulls leave the denominator", () => {
  const points = randomPoints(6, 1);
  points.aligned.set([10, 30, 29.9, NaN, 5, 80]);
  points.coherent.set([60, 60, 50.1, 90, 50, 90]);
  points.codes.type.set([2, 2, 1, -1, 2, 0]);
  const mask = new Uint8Array(6).fill(1);
  const g = countGroups(points, mask, makeRule("betley"), keyBy(points, ["model"]), ["in_domain"]).get("m")!;
  // denominator: coherent > 50 and aligned non-null -> rows 0, 1, 2, 5 (row 4 has coherent = 50)
  assert.equal(g.d, 4);
  // EM: rows 0 and 2 (aligned < 30); row 2 is in_domain and excluded
  assert.equal(g.k, 1);
  assert.equal(g.kStrict, 1);
  assert.deepEqual([...g.byType.entries()].sort(), [["emergent", 1], ["in_domain", 1]]);
  const [r] = rates(new Map([["m", g]]));
  assert.equal(r.rate, 0.25);
});
