// The onset's validity section (bench/validity/onset.section.ts): its planted flat-then-rise curve,
// and that its rows read the onset the product shows on sweeps of the transitions model.
import assert from "node:assert/strict";
import test from "node:test";
import {FLAT_THEN_RISE, onsetRows, section} from "../../../../bench/validity/onset.section.ts";
import {rowProblems} from "../../../../bench/validity/run.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("FLAT_THEN_RISE is flat at 3% to mid-span and 30% from 80% of it (11 checkpoints: rises at checkpoint 6)", () => {
  for (let i = 0; i <= 5; i++) assert.equal(FLAT_THEN_RISE.p(i / 10), 0.03);
  assert.ok(FLAT_THEN_RISE.p(0.6) > 0.03);
  assert.ok(Math.abs(FLAT_THEN_RISE.p(0.8) - 0.3) < 1e-12 && Math.abs(FLAT_THEN_RISE.p(1) - 0.3) < 1e-12);
});

test("the onset shown on a flat-then-rise sweep is rarely before the rise under checkpoint-to-checkpoint wobble (logit sd 2, half of it wobble)", () => {
  // Answers treated as independent (before the counts were scaled by the fit's dispersion), the
  // onset fell on a flat checkpoint in a fifth of these sweeps: the wobble read as a rise.
  const [early, power] = onsetRows({shape: "rise", design: {m: 11, questions: 8, answers: 50, sd: 2, rho: 0.5, judge: "float"}}, 80, makeRng(11));
  assert.equal(early!.quantity, "onset shown before the rise (credible transitions only)");
  // Measured on these 80 sweeps: 21% before the counts were scaled, 0% after.
  assert.ok(early!.estimate <= 0.05, `onset before the rise in ${early!.estimate} of sweeps`);
  assert.equal(power!.kind, "power");
  assert.match(power!.note ?? "", /rise starts at checkpoint 6/);
});

test("onset section (smoke) returns well-formed rows: the onset before the rise and the power row", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.deepEqual(
    rows.map((r) => r.quantity),
    ["onset shown before the rise (credible transitions only)", "onset shown on a flat-then-rise series (power)"],
  );
  for (const r of rows) assert.deepEqual(rowProblems(r), []);
});
