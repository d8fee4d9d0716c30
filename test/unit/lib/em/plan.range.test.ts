// em plan's power range (issue 26): a pilot estimates the between-question spread from few
// questions, so the plan shows the power at both ends of that component's interval beside the
// point. pilotPlanModels on seeded pilots, and the CLI's power_range (pilot) vs none (stated rates).
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../../loaders/paths.ts";
import {run as planRun, type PlanOutput} from "../../../../loaders/commands/plan.ts";
import {varianceComponents} from "../../../../src/lib/em/components.ts";
import {designPower, pilotPlanModels, type PilotArm} from "../../../../src/lib/em/plan.ts";
import {makeRng, randBinomial, randNormal} from "../../../../src/lib/em/prng.ts";

const expit = (x: number) => 1 / (1 + Math.exp(-x));

/** A one-seed pilot arm of `m` questions x `n` answers, logit-normal question rates around logit `mu` with sd `sd`. */
function pilotArm(label: string, seed: number, m: number, n: number, mu: number, sd: number): PilotArm {
  const rng = makeRng(seed);
  const k = Array.from({length: m}, () => randBinomial(rng, n, expit(mu + sd * randNormal(rng))));
  const d = k.map(() => n);
  const vc = varianceComponents([{k, d}], {rng: makeRng(seed + 1)});
  return {label, rate: k.reduce((a, b) => a + b, 0) / (m * n), components: vc, in_denominator: 1, qk: k, qd: d};
}

test("pilotPlanModels: the ends of the between-question interval bracket the point, and power falls as the spread widens", () => {
  const a = pilotArm("ft", 1, 8, 50, -2.2, 1);
  const b = pilotArm("base", 2, 8, 50, -3.5, 1);
  const {point, wide, narrow} = pilotPlanModels(a, b, {diff: 0.06});
  assert.ok(wide && narrow, "a pilot with EM answers on both arms has an interval");
  for (const arm of ["a", "b"] as const) {
    assert.ok(narrow[arm].sd_question <= point[arm].sd_question + 1e-9, `${arm}: narrow ${narrow[arm].sd_question} vs point ${point[arm].sd_question}`);
    assert.ok(point[arm].sd_question <= wide[arm].sd_question + 1e-9, `${arm}: point vs wide ${wide[arm].sd_question}`);
    assert.equal(wide[arm].rate, point[arm].rate);
  }
  // 8 questions pin the spread loosely: the interval spans more than a factor 2 in logit SD.
  assert.ok(wide.a.sd_question > 2 * narrow.a.sd_question, `${narrow.a.sd_question}-${wide.a.sd_question}`);
  const d = {seeds: 1, questions: 16, samples: 50};
  const pw = designPower(wide, d, {reps: 300, seed: 5}).power;
  const pn = designPower(narrow, d, {reps: 300, seed: 5}).power;
  assert.ok(pn - pw > 0.1, `power at the narrow end ${pn} vs the wide end ${pw}`);
});

test("pilotPlanModels: a pilot of 48 questions pins the spread closer than one of 8", () => {
  const span = (m: number) => {
    const {wide, narrow} = pilotPlanModels(pilotArm("ft", 3, m, 50, -2.2, 1), pilotArm("base", 4, m, 50, -3.5, 1));
    return wide!.a.sd_question / Math.max(1e-9, narrow!.a.sd_question);
  };
  assert.ok(span(48) < span(8), `48 q ${span(48)} vs 8 q ${span(8)}`);
});

async function plan(args: string[]): Promise<PlanOutput> {
  let text = "";
  const code = await planRun([...args, "--format", "json"], (t) => void (text += t));
  assert.equal(code, 0);
  return JSON.parse(text) as PlanOutput;
}

test("em plan --rates: stated spreads are exact, no power range, and the assumptions say so", async () => {
  const out = await plan(["--rates", "0.1,0.03", "--question-counts", "8", "--samples", "20", "--reps", "20"]);
  assert.equal(out.range_models, null);
  assert.equal(out.designs[0]!.power_range, null);
  assert.ok(out.assumptions.some((x) => /no power range/.test(x)));
});

const reference = path.resolve(ROOT, "../shared/data/em-reference");
const skip = !existsSync(reference) && "../shared/data/em-reference absent (reference data not checked out)";

test("families: em plan from an 8-question pilot gives each design a power range around its point", {skip}, async () => {
  const out = await plan([
    "--experiment",
    path.join(ROOT, "data/experiments/examples/families.yaml"),
    "--diff",
    "5",
    "--question-counts",
    "8",
    "--samples",
    "50",
    "--reps",
    "60",
  ]);
  assert.ok(out.range_models, "the pilot's components have intervals");
  const d = out.designs[0]!;
  assert.ok(d.power_range, "a range beside the point");
  const [lo, hi] = [Math.min(...d.power_range), Math.max(...d.power_range)];
  assert.ok(lo <= d.power + 3 * d.power_se && d.power - 3 * d.power_se <= hi, `point ${d.power} vs range ${lo}-${hi}`);
  assert.ok(hi - lo > 0.2, `an 8-question pilot leaves the power open: ${lo}-${hi}`);
});
