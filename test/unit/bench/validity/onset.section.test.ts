// The onset's validity section (bench/validity/onset.section.ts): its planted flat-then-rise curve,
// and that its rows read the product's onset, gated and alone, on sweeps of the transitions model.
import assert from "node:assert/strict";
import test from "node:test";
import {FLAT_THEN_RISE, onsetRows, section} from "../../../../bench/validity/onset.section.ts";
import {rowProblems, verdict} from "../../../../bench/validity/run.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";

test("FLAT_THEN_RISE is flat at 3% to mid-span and 30% from 80% of it (11 checkpoints: rises at checkpoint 6)", () => {
  for (let i = 0; i <= 5; i++) assert.equal(FLAT_THEN_RISE.p(i / 10), 0.03);
  assert.ok(FLAT_THEN_RISE.p(0.6) > 0.03);
  assert.ok(Math.abs(FLAT_THEN_RISE.p(0.8) - 0.3) < 1e-12 && Math.abs(FLAT_THEN_RISE.p(1) - 0.3) < 1e-12);
});

test("onsetRows: onset() alone fires on flat checkpoints under checkpoint-to-checkpoint wobble; the credibility gate holds it back", () => {
  // Logit sd 2, half of it a wobble from checkpoint to checkpoint: the answers-independent Newcombe
  // test sees the wobble as signal. 40 sweeps are enough to tell a test near 5% from one far above it.
  const [shown, alone] = onsetRows({shape: "flat", design: {m: 11, questions: 8, answers: 50, sd: 2, rho: 0.5, judge: "float"}}, 40, makeRng(3));
  assert.equal(shown!.quantity, "onset shown on a flat series (credible transitions only)");
  assert.equal(alone!.quantity, "onset() declared on a flat series (without the credibility gate)");
  assert.ok(alone!.estimate >= 0.3, `onset() alone declared an onset in ${alone!.estimate} of flat sweeps`);
  assert.ok(shown!.estimate < alone!.estimate, `shown ${shown!.estimate} vs alone ${alone!.estimate}`);
  assert.equal(verdict(alone!), "FAIL");
});

test("onset section (smoke) returns well-formed rows: shown and alone before the rise, and the power row", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.deepEqual(
    rows.map((r) => r.quantity),
    ["onset shown before the rise (credible transitions only)", "onset() declared before the rise (without the credibility gate)", "onset shown on a flat-then-rise series (power)"],
  );
  for (const r of rows) assert.deepEqual(rowProblems(r), []);
});
