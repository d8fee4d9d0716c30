// Regression tests for the interval changes that came out of docs/validity.md (issue 22): each is
// built from the regime where the old method failed, as a seeded short simulation or a hand case.
import {test} from "node:test";
import assert from "node:assert/strict";
import {clusterBootstrap, clusterWilson, effectiveEmQuestions, macroRateCi, type ClusterCounts} from "../../../../src/lib/em/intervals.ts";
import {makeRng, randNormal, type Rng} from "../../../../src/lib/em/prng.ts";
import {solveMu} from "../../../../bench/validity/rates.section.ts";

const expit = (x: number) => 1 / (1 + Math.exp(-x));
function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng() < p) k++;
  return k;
}
/** m questions x n answers, logit-normal question rates with mean `rate` (E[p]) and logit sd `sd`. */
function draw(rng: Rng, rate: number, sd: number, m: number, n: number, mu = solveMu(rate, sd)): ClusterCounts {
  const k: number[] = [];
  const d: number[] = [];
  for (let q = 0; q < m; q++) {
    k.push(binomial(rng, n, expit(mu + sd * randNormal(rng))));
    d.push(n);
  }
  return {k, d};
}
const covers = (ci: readonly number[] | null | undefined, x: number) => !!ci && ci[0]! <= x && x <= ci[1]!;

test("macroRateCi covers the mean of per-question rates where the percentile question bootstrap under-covered (2%, logit sd 1, 24 q x 40)", () => {
  const rng = makeRng(20261205);
  const mu = solveMu(0.02, 1);
  let now = 0;
  let old = 0;
  const reps = 300;
  for (let s = 0; s < reps; s++) {
    const c = draw(rng, 0.02, 1, 24, 40, mu);
    if (covers(macroRateCi(c)!.ci, 0.02)) now++;
    if (covers(clusterBootstrap(c, rng, {replicates: 400}).macro, 0.02)) old++;
  }
  // Two seeds measured: new 94.0% / 93.7%, bootstrap 91.3% / 90.7% (MC s.e. ~1.4 points).
  assert.ok(now / reps >= 0.925, `macroRateCi covered ${now / reps}`);
  assert.ok(old < now, `bootstrap ${old} vs ${now}`);
});

test("macroRateCi: no EM answer keeps Wilson width on all answers (the bootstrap gave no interval)", () => {
  const c = {k: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], d: [50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50]};
  const r = macroRateCi(c)!;
  assert.equal(r.rate, 0);
  assert.equal(r.ci[0], 0);
  assert.ok(r.ci[1] > 0.002 && r.ci[1] < 0.01, `upper ${r.ci[1]}`);
  assert.match(r.approximate ?? "", /no EM answers/);
  assert.equal(clusterBootstrap(c, makeRng(1)).macro![1], 0);
});

test("clusterWilson flags EM answers that come from effectively fewer than 3 questions (hand case the ICC rule let through)", () => {
  const k = new Array(24).fill(0);
  k[0] = 2;
  k[1] = 1;
  const c = {k, d: new Array(24).fill(40)};
  assert.ok(Math.abs(effectiveEmQuestions(k) - 9 / 5) < 1e-12);
  const r = clusterWilson(c)!;
  assert.match(r.approximate ?? "", /effectively 1\.8 questions/);
  // Spread over 6 questions: not flagged for this reason.
  const k6 = new Array(24).fill(0).map((_, i) => (i < 6 ? 1 : 0));
  assert.equal(clusterWilson({k: k6, d: c.d})!.approximate, null);
});

test("rare skewed rates (0.5%, logit sd 2, 48 q x 50): most intervals that miss carry a note (the effective-questions note)", () => {
  // docs/validity.md before the note: 89.7% coverage, note on 27% of data sets, 90.2% among the
  // unflagged. The note is not a cure (unflagged coverage 94.2% on the validity seed, ~91% on
  // others): it tells the reader the interval rests on the few questions where EM showed up.
  const rng = makeRng(7);
  const mu = solveMu(0.005, 2);
  let misses = 0;
  let noted = 0;
  let notedBefore = 0;
  for (let s = 0; s < 400; s++) {
    const r = clusterWilson(draw(rng, 0.005, 2, 48, 50, mu))!;
    if (covers(r.ci, 0.005)) continue;
    misses++;
    if (r.approximate) noted++;
    if (r.approximate && !/effectively/.test(r.approximate)) notedBefore++;
  }
  assert.ok(misses >= 20, `misses ${misses}`);
  assert.ok(noted / misses >= 0.5 && noted > notedBefore + 5, `misses ${misses}, noted ${noted}, noted by the old rules ${notedBefore}`);
});

test("diffRows: unequal sides (the variant answers the first qVariant questions with nVariant answers each); diffCoverage names them", async () => {
  const {diffCoverage, diffMus, diffRows} = await import("../../../../bench/validity/rates.section.ts");
  const reg = {variant: 0.1, base: 0.03, sd: 1, sdOwn: 0.3, questions: 4, answers: 6, judge: "float" as const, qVariant: 2, nVariant: 3};
  const rows = diffRows(makeRng(1), reg, diffMus(reg), {category: "c"}, "c0q");
  const count = (variant: string, q: string) => rows.filter((r) => r.variant === variant && r.question_id === q).length;
  assert.deepEqual(
    ["c0q0", "c0q1", "c0q2", "c0q3"].map((q) => [count("ft", q), count("base", q)]),
    [
      [3, 6],
      [3, 6],
      [0, 6],
      [0, 6],
    ],
  );
  assert.ok(rows.every((r) => r.category === "c" && (r.variant === "base" || r.baseline === "base")));
  assert.equal(diffCoverage(reg, 5, makeRng(2), "regimes").quantity, "variant - baseline interval, unbalanced sides");
  const nul = diffCoverage({...reg, variant: 0.05, base: 0.05}, 5, makeRng(2), "regimes");
  assert.equal(nul.quantity, "type-I error of the variant - baseline interval, unbalanced sides (no difference)");
  assert.equal(nul.section, "regimes");
  assert.equal(diffCoverage({...reg, qVariant: undefined, nVariant: undefined}, 5, makeRng(2)).quantity, "variant - baseline interval");
});
