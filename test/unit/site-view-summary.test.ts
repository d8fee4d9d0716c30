import {test} from "node:test";
import assert from "node:assert/strict";
import {baselineDiff, replicateAggregate, strictRange} from "../../src/lib/em/view-summary.ts";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test("replicateAggregate: mean of replicate rates with a t interval (known answer)", () => {
  // rates 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t(0.975, 2) = 4.302652729749464, half = 4.3027 * 0.1 / sqrt(3)
  const r = replicateAggregate([0.1, 0.2, 0.3]);
  assert.equal(r.n, 3);
  close(r.mean!, 0.2);
  close(r.sd!, 0.1);
  const half = (4.302652729749464 * 0.1) / Math.sqrt(3);
  close(r.ci![0], Math.max(0, 0.2 - half), 1e-9);
  close(r.ci![1], 0.2 + half, 1e-9);
});

test("replicateAggregate: one replicate has no interval, none has no mean, nulls are skipped, bounds clip to [0, 1]", () => {
  assert.deepEqual(replicateAggregate([0.25]), {n: 1, mean: 0.25, ci: null, sd: null});
  assert.deepEqual(replicateAggregate([]), {n: 0, mean: null, ci: null, sd: null});
  assert.equal(replicateAggregate([null, 0.4, 0.6]).n, 2);
  const wide = replicateAggregate([0.02, 0.1]);
  assert.equal(wide.ci![0], 0, "two replicates: t = 12.7, the lower bound clips at 0");
});

test("strictRange: the library's range wins; else [strict, strict + undetermined] / denominator; null without undetermined", () => {
  assert.deepEqual(strictRange({n_scored: 100, n_strict_em: 3, em_by_type: {undetermined: 7}, strict_em_range: [0.01, 0.5]}), [0.01, 0.5]);
  assert.deepEqual(strictRange({n_scored: 100, n_strict_em: 3, em_by_type: {undetermined: 7}}), [0.03, 0.1]);
  assert.equal(strictRange({n_scored: 100, n_strict_em: 3, em_by_type: {emergent: 3}}), null);
  assert.equal(strictRange({n_scored: 100, n_strict_em: 3, em_by_type: {undetermined: 7}, strict_em_range: null}), null);
  assert.equal(strictRange({n_scored: 0, n_strict_em: 0, em_by_type: {undetermined: 0}}), null);
});

test("baselineDiff: difference of rates with Newcombe's interval containing it; null on an empty side", () => {
  const d = baselineDiff({n_em: 30, n_scored: 100}, {n_em: 10, n_scored: 100})!;
  close(d.diff, 0.2);
  assert.ok(d.ci![0] < 0.2 && d.ci![1] > 0.2 && d.ci![0] > 0, `${d.ci}`);
  assert.equal(d.method, "newcombe_unpaired");
  assert.equal(baselineDiff({n_em: 1, n_scored: 0}, {n_em: 1, n_scored: 10}), null);
});
