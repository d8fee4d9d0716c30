import {test} from "node:test";
import assert from "node:assert/strict";
import {baselineDiff} from "../../../../src/lib/em/view-summary.ts";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test("baselineDiff with per-question counts: question-paired, same numbers as pairedTallyDiff", async () => {
  const {pairedTallyDiff, makeRng} = await import("../../../../src/lib/em/index.ts");
  const v = {n_em: 12, n_scored: 30, qk: [4, 6, 2], qd: [10, 10, 10]};
  const b = {n_em: 3, n_scored: 30, qk: [1, 1, 1], qd: [10, 10, 10]};
  const d = baselineDiff(v, b, {seed: 5, replicates: 300})!;
  assert.equal(d.method, "cluster_mover");
  assert.equal(d.n_questions_paired, 3);
  assert.deepEqual(d, pairedTallyDiff(v, b, makeRng(5), {replicates: 300}));
});

test("baselineDiff: difference of rates with Newcombe's interval containing it; null on an empty side", () => {
  const d = baselineDiff({n_em: 30, n_scored: 100}, {n_em: 10, n_scored: 100})!;
  close(d.diff, 0.2);
  assert.ok(d.ci![0] < 0.2 && d.ci![1] > 0.2 && d.ci![0] > 0, `${d.ci}`);
  assert.equal(d.method, "newcombe", "no per-question counts: the unpaired interval");
  assert.equal(baselineDiff({n_em: 1, n_scored: 0}, {n_em: 1, n_scored: 10}), null);
});
