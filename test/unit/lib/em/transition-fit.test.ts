// The profile-likelihood walk of fitLogistic against numbers recorded before its speed-up
// (test/fixtures/transition/profile-golden.json): the same fits and intervals to 1e-9.
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";
import {fitLogistic, type TransitionPoint} from "../../../../src/lib/em/transition.ts";

interface Golden {
  points: TransitionPoint[];
  fit: {midpoint: number; width: number; ci: (number | null)[]; width_ci: (number | null)[]; cutoff: number; loglik: number} | null;
}
const golden: {series: Golden[]} = JSON.parse(readFileSync(new URL("../../../fixtures/transition/profile-golden.json", import.meta.url), "utf8"));

const close = (a: number | null, b: number | null, what: string) => {
  if (a === null || b === null) return assert.equal(a, b, what);
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs recorded ${b}`);
};

test("fitLogistic(points, {cutoff}) reproduces the recorded fits and profile intervals of 30 seeded sweeps to 1e-9", () => {
  assert.equal(golden.series.length, 30);
  let bounds = 0;
  golden.series.forEach((g, i) => {
    const fit = fitLogistic(g.points, g.fit ? {cutoff: g.fit.cutoff} : {});
    if (!g.fit) return assert.equal(fit, null, `series ${i}`);
    assert.ok(fit, `series ${i}: fitted`);
    close(fit.midpoint, g.fit.midpoint, `series ${i} midpoint`);
    close(fit.width, g.fit.width, `series ${i} width`);
    close(fit.loglik, g.fit.loglik, `series ${i} loglik`);
    for (const j of [0, 1]) {
      close(fit.ci[j]!, g.fit.ci[j]!, `series ${i} ci[${j}]`);
      close(fit.width_ci[j]!, g.fit.width_ci[j]!, `series ${i} width_ci[${j}]`);
      if (g.fit.ci[j] !== null) bounds++;
    }
  });
  // the set exercises the walk: most midpoint bounds are found, not left open
  assert.ok(bounds >= 25, `${bounds} finite midpoint bounds`);
});

test("fitLogistic(points, {cutoff}) rejects a cutoff that is not a positive deviance", () => {
  const pts = golden.series[0]!.points;
  assert.throws(() => fitLogistic(pts, {cutoff: 0}), /cutoff must be a positive deviance, got 0/);
  assert.throws(() => fitLogistic(pts, {cutoff: Number.NaN}), /cutoff/);
});
