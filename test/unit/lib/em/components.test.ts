// Variance components and study planning (issue 26): known answers, edge cases, planted
// components recovered by a seeded simulation, em plan's power against studies run through the
// product's baseline interval, and the two commands on the reference examples (skip visibly
// without ../shared/data).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {componentCoverage} from "../../../../bench/validity/components.section.ts";
import {powerRows} from "../../../../bench/validity/plan.section.ts";
import {run as planRun, type PlanOutput} from "../../../../loaders/commands/plan.ts";
import {ROOT} from "../../../../loaders/paths.ts";
import {
  fewSeedsText,
  impliedComponents,
  logitLocation,
  logitModelOf,
  measuredCoverage,
  mlsDifference,
  poolComponents,
  varianceComponents,
  type ComponentName,
} from "../../../../src/lib/em/components.ts";
import {designPower} from "../../../../src/lib/em/plan.ts";
import {makeRng, randBinomial, randNormal} from "../../../../src/lib/em/prng.ts";

test("varianceComponents(one seed, two questions): hand-computed moments", () => {
  // y = [0, 1]: B = 0, MS_question = 0.5, so V_question = 0.5; every cell is 0 or 1, so V_sample = 0.
  const vc = varianceComponents([{k: [0, 10], d: [10, 10]}])!;
  assert.equal(vc.rate, 0.5);
  assert.equal(vc.components.question.variance, 0.5);
  assert.equal(vc.components.sample.variance, 0);
  assert.equal(vc.components.seed.variance, null, "one seed: the seed component is unknown, not 0");
  assert.equal(vc.one_more.seed, null);
  assert.equal(vc.shrinks_most, "question");
  // Two seeds x two questions, y = [[.2,.4],[.4,.6]]: seed and question means differ by .2, no
  // interaction; MS_seed = MS_question = 2 * 2 * .01 = .04, MS_error = 0; d = 11 gives B =
  // mean y(1-y)/10 = (.16+.24+.24+.24)/4/10 = .022.
  const two = varianceComponents([
    {k: [2.2, 4.4], d: [11, 11]},
    {k: [4.4, 6.6], d: [11, 11]},
  ])!;
  assert.ok(Math.abs(two.components.seed.variance! - 0.02) < 1e-12);
  assert.ok(Math.abs(two.components.question.variance! - 0.02) < 1e-12);
  assert.equal(two.components.interaction.variance, 0, "MS_error - B < 0 is floored at 0");
});

test("varianceComponents: seed_rates over the shared questions; fewSeedsText: 2 seeds as their rates, else null", () => {
  // Seed 2 has no answer to question 3: the rates are over questions 1 and 2 only.
  const vc = varianceComponents([
    {k: [1, 3, 5], d: [10, 10, 10]},
    {k: [3, 2, 0], d: [10, 10, 0]},
  ])!;
  assert.deepEqual(vc.seed_rates, [0.2, 0.25]);
  assert.equal(fewSeedsText(vc), "2 seeds: 20.0% and 25.0% (a spread needs 3+ seeds)");
  assert.equal(fewSeedsText({seeds: 1, seed_rates: [0.2]}), null, "one seed: unknown, said by the caller");
  assert.equal(fewSeedsText({seeds: 3, seed_rates: [0.2, 0.25, 0.3]}), null, "three seeds: a spread");
});

test("varianceComponents: empty input and one cell give null; no EM answers give zeros with a note", () => {
  assert.equal(varianceComponents([]), null);
  assert.equal(varianceComponents([{k: [0], d: [0]}]), null);
  assert.equal(varianceComponents([{k: [3], d: [10]}]), null);
  const zero = varianceComponents([{k: [0, 0, 0], d: [20, 20, 20]}])!;
  assert.equal(zero.rate, 0);
  assert.equal(zero.components.question.variance, 0);
  assert.ok(zero.notes.some((n) => /no EM answers/.test(n)));
  assert.equal(zero.components.question.ci, null, "no EM answer: no interval, not a zero-width one");
});

test("mlsDifference: with no second mean square it is the chi-square interval of MS1 / c", () => {
  const [lo, hi] = mlsDifference(2, 10, 0, 1e6, 1);
  // 10 * 2 / chi2_{.975,10} = 20 / 20.483 and 20 / chi2_{.025,10} = 20 / 3.247
  assert.ok(Math.abs(lo - 20 / 20.4832) < 1e-3, String(lo));
  assert.ok(Math.abs(hi - 20 / 3.24697) < 1e-2, String(hi));
});

/** Cells of one data set from a planted logit model: S seeds x Q questions x n answers per cell. */
function plant(m: {rate: number; sd_seed: number; sd_question: number; sd_interaction: number}, S: number, Q: number, n: number, rng: () => number) {
  const mu = logitLocation(m.rate, Math.hypot(m.sd_seed, m.sd_question, m.sd_interaction));
  const zq = Array.from({length: Q}, () => randNormal(rng));
  return Array.from({length: S}, () => {
    const a = m.sd_seed * randNormal(rng);
    return {k: zq.map((z) => randBinomial(rng, n, 1 / (1 + Math.exp(-(mu + a + m.sd_question * z + m.sd_interaction * randNormal(rng)))))), d: zq.map(() => n)};
  });
}

test("planted components (5 seeds x 24 questions x 50): estimates unbiased and inside their intervals of the planted values", () => {
  const m = {rate: 0.15, sd_seed: 0.5, sd_question: 1, sd_interaction: 0.3};
  const truth = impliedComponents(m);
  const rng = makeRng(11);
  const reps = 150;
  const names: ComponentName[] = ["seed", "question", "interaction", "sample"];
  const sum = Object.fromEntries(names.map((c) => [c, [] as number[]])) as Record<ComponentName, number[]>;
  const hit = Object.fromEntries(names.map((c) => [c, 0])) as Record<ComponentName, number>;
  for (let r = 0; r < reps; r++) {
    const vc = varianceComponents(plant(m, 5, 24, 50, rng), {rng, draws: 200})!;
    for (const c of names) {
      sum[c].push(vc.components[c].variance!);
      const ci = vc.components[c].ci!;
      if (ci[0] <= truth[c] && truth[c] <= ci[1]) hit[c]++;
    }
  }
  for (const c of names) {
    const xs = sum[c];
    const mean = xs.reduce((a, b) => a + b, 0) / reps;
    const se = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (reps - 1) / reps);
    assert.ok(Math.abs(mean - truth[c]) < 3 * se + 0.02 * truth[c], `${c}: mean estimate ${mean} vs planted ${truth[c]} (se ${se})`);
    // Parametric-bootstrap intervals; measured coverage in this regime (docs/validity.md, components
    // section): seed ~98%, question ~92%, interaction ~95%, sample ~88% (marked ~ in the product).
    assert.ok(hit[c] / reps >= (c === "sample" ? 0.8 : 0.87), `${c}: planted value inside the interval in ${hit[c]}/${reps}`);
  }
  // The logit model fitted to the planted components reproduces the planted total logit spread.
  const back = logitModelOf({
    ...varianceComponents(plant(m, 5, 24, 50, rng))!,
    rate: m.rate,
    components: {
      seed: {variance: truth.seed, ci: null, df: 4},
      question: {variance: truth.question, ci: null, df: 23},
      interaction: {variance: truth.interaction, ci: null, df: 92},
      sample: {variance: truth.sample, ci: null, df: 23},
    },
  });
  const planted = Math.hypot(m.sd_seed, m.sd_question, m.sd_interaction);
  const fitted = Math.hypot(back.sd_seed, back.sd_question, back.sd_interaction);
  assert.ok(Math.abs(fitted - planted) < 0.05 * planted, `total logit sd ${fitted} vs planted ${planted}`);
  assert.ok(Math.abs(back.sd_question - m.sd_question) < 0.15, `question sd ${back.sd_question}`);
});

test("componentCoverage rows are well formed, and a much larger planted spread falls outside the question interval", () => {
  const rows = componentCoverage({rate: 0.15, sd_seed: 0, sd_question: 1, sd_interaction: 0}, 1, 24, 50, 60, makeRng(2));
  const q = rows.find((r) => r.quantity.endsWith("question"))!;
  assert.ok(q.estimate > 0.75, `question coverage ${q.estimate}`);
  const wrong = varianceComponents(plant({rate: 0.15, sd_seed: 0, sd_question: 0.2, sd_interaction: 0}, 1, 24, 50, makeRng(3)))!;
  const big = impliedComponents({rate: 0.15, sd_seed: 0, sd_question: 1.5, sd_interaction: 0}).question;
  assert.ok(wrong.components.question.ci![1] < big, "a much larger planted spread lies outside the interval");
});

test("measuredCoverage matches the components section of docs/validity.md (the labels the product prints are the measured ones)", () => {
  const doc = readFileSync(path.join(ROOT, "docs/validity.md"), "utf8");
  const body = doc.slice(doc.indexOf("\n## components\n"), doc.indexOf("\n## ", doc.indexOf("\n## components\n") + 5));
  const rows = body.split("\n").filter((l) => l.startsWith("| variance component interval: "));
  assert.ok(rows.length >= 8, `components rows in docs/validity.md: ${rows.length}`);
  for (const row of rows) {
    const cells = row.split("|").map((c) => c.trim());
    const c = cells[1]!.replace("variance component interval: ", "") as ComponentName;
    const m = /rate ([\d.]+)%.*; (\d+) seeds x (\d+) q x/.exec(cells[2]!)!;
    const measured = Number(cells[5]!.replace("%", "")) / 100;
    const [lo, hi] = measuredCoverage(Number(m[2]), Number(m[3]), Number(m[1]) / 100)[c]!;
    assert.ok(measured >= lo - 1e-9 && measured <= hi + 1e-9, `${c} in ${cells[2]}: measured ${measured}, labelled [${lo}, ${hi}]`);
  }
});

test("varianceComponents: an interval measured short of 95% in such a design is marked ~ and the note says how often it held the truth", () => {
  const rng = makeRng(11);
  const mu = logitLocation(0.05, Math.hypot(0.3, 1.5, 0.3));
  const zq = Array.from({length: 8}, () => 1.5 * randNormal(rng));
  const cells = Array.from({length: 3}, () => {
    const a = 0.3 * randNormal(rng);
    return {k: zq.map((z) => randBinomial(rng, 100, 1 / (1 + Math.exp(-(mu + a + z + 0.3 * randNormal(rng)))))), d: zq.map(() => 100)};
  });
  const vc = varianceComponents(cells, {rng: makeRng(3), draws: 100})!;
  assert.equal(vc.components.sample.ci_approximate, true);
  const note = vc.notes.find((n) => n.includes("narrower than their 95% label"));
  assert.ok(note, vc.notes.join("\n"));
  assert.match(note, /about 80% \(sample\)/);
  assert.match(note, /several seeds, fewer than 12 questions/);
  // 1 seed x 24 questions at 15%: the sample interval covered 95%: no ~.
  const many = varianceComponents([{k: Array.from({length: 24}, (_, q) => 3 + (q % 12)), d: Array.from({length: 24}, () => 50)}], {
    rng: makeRng(4),
    draws: 100,
  })!;
  assert.ok(many.rate >= 0.1);
  assert.equal(many.components.sample.ci_approximate, false);
  assert.equal(many.components.question.ci_approximate, false);
});

test("poolComponents: df-weighted means; unknown stays unknown; null for nothing", () => {
  assert.equal(poolComponents([]), null);
  const a = varianceComponents([{k: [0, 10], d: [10, 10]}])!;
  const b = varianceComponents([{k: [0, 10, 5], d: [10, 10, 10]}])!;
  const p = poolComponents([a, b, null])!;
  assert.equal(p.components.seed.variance, null);
  const w = [a.components.question.df, b.components.question.df];
  const expect = (w[0]! * a.components.question.variance! + w[1]! * b.components.question.variance!) / (w[0]! + w[1]!);
  assert.ok(Math.abs(p.components.question.variance! - expect) < 1e-12);
});

test("designPower: more samples and questions raise power; without a difference the test holds its level", () => {
  const arm = (rate: number) => ({rate, sd_question: 0.8, sd_seed: 0, sd_interaction: 0, in_denominator: 0.9});
  const model = {a: arm(0.12), b: arm(0.06), question_correlation: 0.8};
  // Reps sized to the checks (were 400 each): the power gap is ~0.78 (0.16 -> 0.94), 100 reps see it
  // at > 10 MC s.e.; at 200 reps the type-I bound is ~0.10, so a test that ignores the question
  // clustering (type I 0.2-0.3 at sd_question 0.8) still fails it.
  const small = designPower(model, {seeds: 1, questions: 8, samples: 20}, {reps: 100, seed: 1});
  const large = designPower(model, {seeds: 1, questions: 24, samples: 50}, {reps: 200, seed: 1});
  assert.ok(large.power > small.power + 0.2, `${small.power} -> ${large.power}`);
  assert.ok(large.type1 < 0.05 + 3 * large.type1_se + 0.01, `type I ${large.type1}`);
  assert.deepEqual(
    designPower(model, {seeds: 1, questions: 8, samples: 20}, {reps: 50, seed: 4}),
    designPower(model, {seeds: 1, questions: 8, samples: 20}, {reps: 50, seed: 4}),
  );
  assert.throws(() => designPower(model, {seeds: 0, questions: 8, samples: 20}), /seeds, questions and samples/);
});

test("em plan's power agrees with the power of simulated studies judged by baselineDiffs (smoke: within 3 points + 2 MC s.e.)", () => {
  const r = {variant: 0.07, base: 0.01, sd: 1, sdOwn: 0.3, sdSeed: 0, seeds: 1, questions: 8, samples: 25};
  // 600 plan reps (were 1500) move the tolerance from 11.6 to 12.1 points at power 0.5; the null
  // studies powerRows also runs are not checked here, so 20 of them (were 150).
  const {planned, observed} = powerRows(r, 150, 600, makeRng(9), 3, 20);
  const se = Math.sqrt((observed * (1 - observed)) / 150 + (planned * (1 - planned)) / 600);
  assert.ok(Math.abs(planned - observed) <= 0.03 + 2 * se, `plan ${planned} vs observed ${observed}`);
});

async function plan(args: string[]): Promise<PlanOutput> {
  let text = "";
  const code = await planRun([...args, "--format", "json"], (t) => void (text += t));
  assert.equal(code, 0);
  return JSON.parse(text) as PlanOutput;
}

test("em plan --rates: designs sorted by answers, the cheapest reaching the target recommended, judge cost from the price table", async () => {
  const out = await plan(["--rates", "0.1,0.03", "--question-counts", "8,24", "--samples", "20,50", "--reps", "100", "--judge-model", "gpt-4o-mini"]);
  assert.equal(out.designs.length, 4);
  assert.deepEqual(
    out.designs.map((d) => d.answers),
    [...out.designs.map((d) => d.answers)].sort((a, b) => a - b),
  );
  const first = out.designs.find((d) => d.power >= 0.8) ?? null;
  assert.deepEqual(out.recommended, first);
  const d = out.designs[0]!;
  assert.equal(d.answers, 2 * d.seeds * d.questions * d.samples);
  assert.ok(Math.abs(d.judge_cost! - (d.judge_calls * (700 * 0.15 + 0.6)) / 1e6) < 1e-12);
  assert.equal(d.generation_cost, null, "generation price unknown unless given");
  assert.ok(out.assumptions.some((a) => /uncorrelated/.test(a)));
});

test("em plan: bad input names the option and writes nothing", async () => {
  let text = "";
  await assert.rejects(
    planRun(["--rates", "2,0.1"], (t) => void (text += t)),
    /--rates must be two fractions/,
  );
  await assert.rejects(
    planRun(["--rates", "0.1,0.1"], (t) => void (text += t)),
    /same rate.*--diff/,
  );
  await assert.rejects(
    planRun(["--rates", "0.1,0.05", "--samples", "0"], (t) => void (text += t)),
    /--samples must be/,
  );
  await assert.rejects(
    planRun(["--rates", "0.1,0.05", "--compare", "a,b"], (t) => void (text += t)),
    /--compare reads a pilot/,
  );
  assert.equal(text, "");
});

const reference = path.resolve(ROOT, "../shared/data/em-reference");
const skip = !existsSync(reference) && "../shared/data/em-reference absent (reference data not checked out)";
const ex = (name: string) => path.join(ROOT, "data/experiments/examples", name);
function em(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "bin/em.js"), ...args], {cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28});
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr};
}

test("replication: em summarize --by variant --components; the two-seed variant has a seed component, the others say unknown", {skip}, () => {
  const r = em(["summarize", "--experiment", ex("replication.yaml"), "--by", "variant", "--components", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    components: {
      groups: {key: {variant: string}; seed_ids: string[]; components: {components: Record<string, {variance: number | null}>; shrinks_most: string} | null}[];
      pooled: unknown;
    };
  };
  assert.equal(out.components.groups.length, 24);
  for (const g of out.components.groups) {
    assert.ok(g.components);
    assert.equal(g.components.components.seed!.variance === null, g.seed_ids.length === 1, g.key.variant);
    assert.ok(g.components.components.question!.variance! > 0);
  }
  assert.ok(out.components.pooled);
  const t = em(["summarize", "--experiment", ex("replication.yaml"), "--by", "variant", "--components"]);
  assert.match(t.stdout, /one more shrinks most/);
  assert.match(t.stdout, /unknown/);
  // The two-seed variant (seeds 0 and 42) shows its two seeds' rates, not a spread.
  assert.match(t.stdout, /Qwen2\.5-14B-Instruct \/ extreme-sports\s+2 x \d+ x \d+\s+2 seeds: \d+\.\d% and \d+\.\d% \(a spread needs 3\+ seeds\)/);
});

test("families: em plan for a fine-tune against its base model from the pilot", {skip}, async () => {
  const out = await plan(["--experiment", ex("families.yaml"), "--diff", "5", "--question-counts", "8,48", "--samples", "50", "--reps", "100"]);
  assert.equal(out.comparison.b, out.comparison.a.split(" / ")[0]);
  assert.ok(Math.abs(out.comparison.diff - 0.05) < 1e-12);
  assert.ok(out.comparison.observed_diff! > 0.05);
  assert.equal(out.pricing.judge_model, "gpt-4o-azure");
  assert.equal(out.designs[0]!.judge_cost, null, "gpt-4o-azure is not in the price table");
});
