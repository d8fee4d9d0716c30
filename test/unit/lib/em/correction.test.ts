// Regression tests of the corrected-rate interval's boundary rule (src/lib/em/correction.ts):
// a stratum whose audited answers all agree must not move the opposite limit through the
// Jeffreys prior's half observation. The case that showed it: rate 1%, 20 labels per judge label,
// the judge-not-EM stratum 96% of the answers and 0 of its 20 audited answers EM
// (docs/validity.md, calibration section: 91.0% coverage, every miss below the lower limit).
import {test} from "node:test";
import assert from "node:assert/strict";
import {calibrate, type AuditStratum} from "../../../../src/lib/em/correction.ts";

const judgeEm: AuditStratum = {key: "judge_em", judge_em: true, population: 81, audited: 20, human_em: 7};

test("calibrate: 0 EM in 20 audited judge-not-EM answers adds nothing to the lower limit (as if that stratum were audited in full)", () => {
  const sampled = calibrate([judgeEm, {key: "judge_not_em", judge_em: false, population: 2019, audited: 20, human_em: 0}], [], {seed: 1, draws: 4000});
  const census = calibrate([judgeEm, {key: "judge_not_em", judge_em: false, population: 2019, audited: 2019, human_em: 0}], [], {seed: 1, draws: 4000});
  const lo = sampled.corrected_ci![0];
  // A population these labels fit: 18 EM answers of 2,100 (0.86%): the 7 audited, 11 of the 61
  // unaudited judge-EM answers, none judged not EM. The Jeffreys draws put the lower limit at 1.0%.
  assert.ok(lo <= 18 / 2100, `lower limit ${lo} above the planted 0.86%`);
  // Same lower limit as the census of that stratum, up to Monte-Carlo error of the EM stratum's draws.
  assert.ok(Math.abs(lo - census.corrected_ci![0]) < 0.0015, `sampled ${lo} vs census ${census.corrected_ci![0]}`);
  // The upper limit still carries the unaudited 1,999 answers (0 of 20 does not rule out a few %).
  assert.ok(sampled.corrected_ci![1] > census.corrected_ci![1] + 0.03, `upper ${sampled.corrected_ci![1]} vs census ${census.corrected_ci![1]}`);
});

test("calibrate: all audited judge-EM answers EM adds nothing to the upper limit's shortfall (mirror of the lower rule)", () => {
  const em: AuditStratum = {key: "judge_em", judge_em: true, population: 1900, audited: 20, human_em: 20};
  const rest: AuditStratum = {key: "judge_not_em", judge_em: false, population: 200, audited: 20, human_em: 7};
  const sampled = calibrate([em, rest], [], {seed: 2, draws: 4000});
  const census = calibrate([{...em, audited: 1900, human_em: 1900}, rest], [], {seed: 2, draws: 4000});
  assert.ok(Math.abs(sampled.corrected_ci![1] - census.corrected_ci![1]) < 0.0015, `sampled ${sampled.corrected_ci} vs census ${census.corrected_ci}`);
  assert.ok(sampled.corrected_ci![0] < census.corrected_ci![0] - 0.03);
});

test("calibrate: the point estimate is unchanged by the boundary rule and lies inside the interval", () => {
  const c = calibrate([judgeEm, {key: "judge_not_em", judge_em: false, population: 2019, audited: 20, human_em: 0}], [], {seed: 1, draws: 2000});
  assert.ok(Math.abs(c.corrected_em_rate! - ((81 / 2100) * 7) / 20) < 1e-12);
  assert.ok(c.corrected_ci![0] <= c.corrected_em_rate! && c.corrected_em_rate! <= c.corrected_ci![1]);
});
