// A pilot in which neither arm has an EM answer has no spread between questions to plan from: a
// plan from it would be binomial sampling alone and print 100% power with 0.0% type I (the hw0
// example showed both on the overview and in em plan). pilotPlanModel refuses with the reason, and
// em plan (the same rule, src/lib/em/plan.ts) exits with it; one arm with EM answers still plans.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {run as planRun} from "../../../../loaders/commands/plan.ts";
import {varianceComponents} from "../../../../src/lib/em/components.ts";
import {pilotPlanModel, pilotPlanModels, type PilotArm} from "../../../../src/lib/em/plan.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {tempDir} from "../../../helpers/tmp.ts";

/** A one-seed arm of per-question EM counts `k` out of `n` answers each. */
function arm(label: string, k: number[], n: number): PilotArm {
  const d = k.map(() => n);
  const vc = varianceComponents([{k, d}], {rng: makeRng(1)});
  return {label, rate: k.reduce((a, b) => a + b, 0) / (k.length * n), components: vc, in_denominator: 1, qk: k, qd: d};
}

test("pilotPlanModel(a, b): neither arm with an EM answer is refused with the reason, also with a stated diff", () => {
  const a = arm("ft", [0, 0, 0, 0, 0, 0, 0, 0], 20);
  const b = arm("base", [0, 0, 0, 0, 0, 0, 0, 0], 20);
  assert.ok(a.components && b.components, "both arms have components (8 questions)");
  assert.throws(() => pilotPlanModel(a, b, {diff: 0.05}), /neither 'ft' nor 'base' has an EM answer.*no spread between questions to plan from/);
  assert.throws(() => pilotPlanModels(a, b), /cannot plan from this pilot/);
});

test("pilotPlanModel(a, b): one arm with EM answers lends its spread to the other (still plans)", () => {
  const a = arm("ft", [0, 1, 6, 2, 0, 9, 1, 3], 20);
  const b = arm("base", [0, 0, 0, 0, 0, 0, 0, 0], 20);
  const {model, assumptions} = pilotPlanModel(a, b, {diff: 0.05});
  assert.ok(model.a.sd_question > 0, `fine-tune spread ${model.a.sd_question}`);
  assert.equal(model.b.sd_question, model.a.sd_question);
  assert.ok(assumptions.some((x) => /base: no EM answer in the pilot, so its spread is taken from the other arm/.test(x)));
});

test("em plan --experiment: a pilot without any EM answer exits with the reason, no design table", async () => {
  const dir = tempDir("em-plan-no-spread-");
  const rows = ["question_id,question,response,aligned,coherent"];
  for (let q = 0; q < 6; q++) for (let s = 0; s < 10; s++) rows.push(`q${q},Question ${q}?,answer ${s},${80 + s},90`);
  writeFileSync(path.join(dir, "ft.csv"), rows.join("\n") + "\n");
  writeFileSync(path.join(dir, "base.csv"), rows.join("\n") + "\n");
  writeFileSync(
    path.join(dir, "pilot.yaml"),
    "name: no-em-pilot\nimports:\n  - files: ft.csv\n    model: ft\n    judge: j\n  - files: base.csv\n    model: base\n    judge: j\n",
  );
  let text = "";
  await assert.rejects(
    planRun(["--experiment", path.join(dir, "pilot.yaml"), "--compare", "ft,base", "--diff", "5", "--reps", "20", "--format", "json"], (t) => void (text += t)),
    /cannot plan from this pilot: neither 'ft' nor 'base' has an EM answer/,
  );
  assert.equal(text, "", "nothing printed as a plan");
});
