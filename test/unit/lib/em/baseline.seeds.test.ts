// The variant-minus-baseline interval with training seeds (seed-aware MOVER, clusterDiffCi via baselineDiffs).
import assert from "node:assert/strict";
import test from "node:test";
import {BETLEY, baselineDiffs, clusterDiffCi} from "../../../../src/lib/em/index.ts";
import type {Judged} from "../../../../src/lib/schema.ts";
import {judgedRow} from "../../../helpers/judged.ts";

const row = (variant: string, baseline: string | null, seed: string, q: string, em: boolean, i: number): Judged =>
  judgedRow({
    response_id: `${variant}-${seed}-${q}-${i}`,
    model: variant,
    question_id: q,
    judge: "J",
    variant,
    replicate: seed,
    baseline,
    special_known: true,
    p_emergent: null,
    aligned: em ? 10 : 90,
    coherent: 90,
  });

// The case behind the 22.5% type-I error (docs/validity.md, plan section): seeds of one variant
// differ (one seed far above the others) and pooling them per question hid that spread.
test("baselineDiffs with training seeds: seed-to-seed spread widens the interval (it was pooled per question)", () => {
  const rows: Judged[] = [];
  const ftRates = [0.04, 0.3, 0.08];
  const baseRates = [0.08, 0.1, 0.06];
  for (let q = 0; q < 8; q++) {
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < 50; i++) {
        rows.push(row("ft", "base", String(s + 1), `q${q}`, i < Math.round(50 * ftRates[s]! * (0.7 + 0.1 * (q % 4))), i));
        rows.push(row("base", null, String(s + 1), `q${q}`, i < Math.round(50 * baseRates[s]! * (0.7 + 0.1 * (q % 4))), i));
      }
    }
  }
  const [d] = baselineDiffs(rows, BETLEY, {by: ["variant"]});
  // The same counts with the seeds pooled (no replicate ids): the interval before.
  const pooled = baselineDiffs(
    rows.map((r) => ({...r, replicate: null})),
    BETLEY,
    {by: ["variant"]},
  )[0]!;
  assert.ok(Math.abs(d!.diff! - pooled.diff!) < 1e-12, "same point");
  assert.ok(pooled.ci![0] > 0, `pooled seeds exclude 0: ${JSON.stringify(pooled.ci)}`);
  assert.ok(d!.ci![1] - d!.ci![0] > 2 * (pooled.ci![1] - pooled.ci![0]), JSON.stringify({seedAware: d!.ci, pooled: pooled.ci}));
  assert.ok(d!.ci![0] < 0 && d!.ci![0] <= d!.diff! && d!.diff! <= d!.ci![1], JSON.stringify(d!.ci));
  assert.match(d!.ci_approximate!, /3 seeds/);
});

test("clusterDiffCi: without seeds unchanged by the seeds argument; one seed a side is not seed-aware", () => {
  const a = {k: [3, 5, 1, 7, 2, 4, 0, 6, 2, 3, 5, 1], d: Array(12).fill(40)};
  const b = {k: [1, 2, 0, 3, 1, 1, 0, 2, 1, 1, 2, 0], d: Array(12).fill(40)};
  const x = clusterDiffCi(a, b, 0.95)!;
  assert.deepEqual(clusterDiffCi(a, b, 0.95, {a: [a], b: [b]})!.ci, x.ci);
  assert.ok(x.ci[0] <= x.diff && x.diff <= x.ci[1]);
});
