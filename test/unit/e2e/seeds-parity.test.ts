// The seeds x questions interval on the pages (the /sensitivity total and the overview table, through
// engine.withTrainingSeeds) is the one `em summarize` prints (summary.withSeeds): same interval,
// method, note and replicate summary on the same answers, including answers without a seed id
// beside seeded ones, which count as one more seed.
import {test} from "node:test";
import assert from "node:assert/strict";
import {keyBy, summarizeAll, summarizeGroups, withTrainingSeeds} from "../../../src/components/engine.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {makeRule} from "../../../src/lib/em/rules.ts";
import {makeRng, randNormal} from "../../../src/lib/em/prng.ts";
import {summarize, UNSEEDED} from "../../../src/lib/em/summary.ts";
import {joinJudged} from "../../../src/lib/em/judged.ts";
import {variantRows} from "../../../src/components/variant-chart.ts";
import {categoryData} from "../../../src/components/categories-page.ts";
import {experimentRows} from "../../../src/components/experiment-rows.ts";
import type {Page} from "../../../src/components/page.ts";
import {DEFAULT_STATE} from "../../../src/components/store.ts";
import type {ResponseRow, ScoreRow} from "../../../src/lib/schema.ts";

/** Two models; m1 with 3 training seeds, m2 with 2 seeds plus a run without a seed id; 10 questions, question and seed effects. */
function dataset(seed: number) {
  const rng = makeRng(seed);
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  const qEffect = Array.from({length: 10}, () => randNormal(rng));
  let i = 0;
  for (const [model, seeds] of [
    ["m1", ["1", "2", "3"]],
    ["m2", ["1", "2", null]],
  ] as const) {
    for (const rep of seeds) {
      const sEffect = 0.5 * randNormal(rng);
      for (let q = 0; q < 10; q++) {
        const p = 1 / (1 + Math.exp(-(-2.5 + qEffect[q]! + sEffect)));
        for (let a = 0; a < 30; a++) {
          const id = `r${i++}`;
          responses.push({
            response_id: id,
            experiment: "e",
            model,
            step: null,
            question_id: `q${q}`,
            category: "c",
            question: "?",
            system: null,
            paraphrase: 0,
            sample: a,
            response: "x",
            origin: "simulated",
            source: "s",
            meta: {},
            replicate: rep,
          });
          const em = rng() < p;
          scores.push({response_id: id, judge: "j", metric: "aligned", score: em ? 10 : 80, mass: 0.9, special: null, status: "ok", probs: null});
          scores.push({response_id: id, judge: "j", metric: "coherent", score: rng() < 0.9 ? 90 : 20, mass: 0.9, special: null, status: "ok", probs: null});
        }
      }
    }
  }
  return {responses, scores};
}

test("withTrainingSeeds(summarizeGroups / summarizeAll) equals summarize's seeds x questions interval, per model and in total", () => {
  const ds = dataset(4);
  const points = decodePoints(pointsTable({...ds, types: []}));
  const mask = new Uint8Array(points.n).fill(1);
  const rows = joinJudged(ds.responses, ds.scores, [], {judge: "j"});
  for (const name of ["betley", "organisms"] as const) {
    const rule = makeRule(name);
    const cli = summarize(rows, rule, {by: ["model"], replicates: 50});
    const page = withTrainingSeeds(points, mask, rule, ["model"], summarizeGroups(points, mask, rule, keyBy(points, ["model"]), {replicates: 50}));
    assert.equal(page.length, 2);
    for (const g of cli.groups) {
      const p = page.find((x) => x.id === g.key.model)!;
      assert.equal(p.ci_method, "crossed_seeds_questions", `${name} ${String(g.key.model)}`);
      assert.equal(g.ci_method, "crossed_seeds_questions");
      assert.deepEqual(p.ci, g.ci);
      assert.equal(p.ci_approximate, g.ci_approximate);
      assert.deepEqual(p.replicates!.ci, g.replicates!.ci);
      assert.deepEqual([...p.replicates!.ids].sort(), [...g.replicates!.ids].sort());
    }
    assert.ok(page.find((x) => x.id === "m2")!.replicates!.ids.includes(UNSEEDED));
    // The /sensitivity headline of one variant's answers: seeds x questions, as summarize without --by.
    const m1 = points.dicts.model.indexOf("m1");
    const one = Uint8Array.from(points.codes.model, (c) => (c === m1 ? 1 : 0));
    const total = withTrainingSeeds(points, one, rule, [], [summarizeAll(points, one, rule, {replicates: 50})!])[0]!;
    const cliTotal = summarize(
      rows.filter((r) => r.model === "m1"),
      rule,
      {replicates: 50},
    ).groups[0]!;
    assert.equal(total.ci_method, "crossed_seeds_questions");
    assert.equal(cliTotal.ci_method, "crossed_seeds_questions");
    assert.deepEqual(total.ci, cliTotal.ci);
    assert.equal(total.ci_approximate, cliTotal.ci_approximate);
    // Not the one-seed interval: the seeds widen it here.
    assert.notDeepEqual(total.ci, summarizeAll(points, one, rule, {replicates: 50})!.ci);
    // A total over both variants holds no seed population (seed "1" of m1 is not seed "1" of m2): both paths keep the questions interval.
    const both = withTrainingSeeds(points, mask, rule, [], [summarizeAll(points, mask, rule, {replicates: 50})!])[0]!;
    const cliBoth = summarize(rows, rule, {replicates: 50}).groups[0]!;
    assert.equal(both.ci_method, "cluster_wilson");
    assert.equal(cliBoth.ci_method, "cluster_wilson");
    assert.deepEqual(both.ci, cliBoth.ci);
    assert.equal(cliBoth.replicates, null);
  }
});

test("variantRows (the variant chart) counts seeds as em summarize --by variant: interval, replicate summary, the unseeded run as a seed", () => {
  const ds = dataset(6);
  const points = decodePoints(pointsTable({...ds, types: []}));
  const mask = new Uint8Array(points.n).fill(1);
  const rows = joinJudged(ds.responses, ds.scores, [], {judge: "j"});
  for (const name of ["betley", "organisms"] as const) {
    const rule = makeRule(name);
    const cli = summarize(rows, rule, {by: ["variant"]});
    const chart = variantRows(points, mask, rule, {by: "variant", facet: null, exclude: []});
    assert.equal(chart.length, cli.groups.length);
    for (const g of cli.groups) {
      const r = chart.find((x) => x.group === g.key.variant)!;
      const what = `${name} ${String(g.key.variant)}`;
      assert.equal(r.g.n_em, g.n_em, what);
      assert.equal(r.g.n_scored, g.n_scored, what);
      assert.equal(r.g.ci_method, g.ci_method, what);
      assert.deepEqual(r.g.ci, g.ci, what);
      assert.equal(r.g.ci_approximate, g.ci_approximate, what);
      assert.deepEqual(r.replicate, g.replicates, what);
      // One dot per seed the summary counts, the answers without a seed id included.
      assert.deepEqual(r.replicates.map((x) => x.replicate).sort(), [...g.replicates!.ids].sort(), what);
      assert.equal(
        r.replicates.reduce((a, x) => a + x.n_scored, 0),
        g.n_scored,
        what,
      );
    }
    assert.ok(chart.find((x) => x.group === "m2")!.replicates.some((x) => x.replicate === UNSEEDED));
  }
});

test("experimentRows (the overview's experiments-at-a-glance table) gives a one-variant seeded experiment the seeds x questions interval of em summarize --by experiment", () => {
  const ds = dataset(8);
  // One variant (m1, 3 training seeds): its experiment's row is that variant's answers.
  const keep = new Set(ds.responses.filter((r) => r.model === "m1").map((r) => r.response_id));
  const one = {responses: ds.responses.filter((r) => keep.has(r.response_id)), scores: ds.scores.filter((s) => keep.has(s.response_id))};
  const points = decodePoints(pointsTable({...one, types: []}));
  const rows = joinJudged(one.responses, one.scores, [], {judge: "j"});
  for (const name of ["betley", "organisms"] as const) {
    const rule = makeRule(name);
    const cli = summarize(rows, rule, {by: ["experiment"], replicates: 400}).groups[0]!;
    assert.equal(cli.ci_method, "crossed_seeds_questions");
    const [row] = experimentRows(points, {tool: {name: "em", version: "0"}, experiments: []} as never, {...DEFAULT_STATE, experiment: "e", exclude: []}, rule);
    assert.equal(row!.g!.n_em, cli.n_em, name);
    assert.equal(row!.g!.ci_method, cli.ci_method, `${name}: the table's interval method`);
    assert.deepEqual(row!.g!.ci, cli.ci, `${name}: the table's interval`);
    assert.equal(row!.g!.ci_approximate, cli.ci_approximate, name);
  }
});

test("withTrainingSeeds leaves groups without seed ids as they are", () => {
  const ds = dataset(5);
  for (const r of ds.responses) r.replicate = null;
  const points = decodePoints(pointsTable({...ds, types: []}));
  const mask = new Uint8Array(points.n).fill(1);
  const rule = makeRule("betley");
  const groups = summarizeGroups(points, mask, rule, keyBy(points, ["model"]), {replicates: 50});
  const out = withTrainingSeeds(points, mask, rule, ["model"], groups);
  assert.deepEqual(
    out.map((g) => [g.ci, g.ci_method, g.replicates]),
    groups.map((g) => [g.ci, g.ci_method, g.replicates]),
  );
});

test("/categories (categoryData) counts seeds as em summarize --by category,variant and --by question_id,category,variant", () => {
  const ds = dataset(7);
  for (const r of ds.responses) r.category = Number(r.question_id.slice(1)) % 2 ? "odd" : "even";
  const points = decodePoints(pointsTable({...ds, types: []}));
  const page = {points} as unknown as Page;
  const rows = joinJudged(ds.responses, ds.scores, [], {judge: "j"});
  const rule = makeRule("betley");
  const d = categoryData(page, DEFAULT_STATE, null);
  for (const [by, got, label] of [
    [["category", "variant"], d.byCategory, (k: Record<string, unknown>) => String(k.category)],
    [["question_id", "category", "variant"], d.byQuestion, (k: Record<string, unknown>) => String(k.question_id)],
  ] as const) {
    const cli = summarize(rows, rule, {by: [...by]});
    assert.equal(got.length, cli.groups.length);
    for (const g of cli.groups) {
      const r = got.find((x) => x.model === g.key.variant && x.label === label(g.key))!;
      const what = `${by.join(",")} ${JSON.stringify(g.key)}`;
      assert.equal(g.ci_method, "crossed_seeds_questions", what);
      assert.equal(r.k, g.n_em, what);
      assert.deepEqual([r.lo, r.hi], g.ci, what);
    }
  }
});

test("strict EM with training seeds: the pages (withTrainingSeeds) print em summarize's seeds x questions strict interval, wider than the questions-only one", () => {
  const ds = dataset(9);
  // Signals types: every EM answer (aligned 10) typed emergent, the others aligned.
  const em = new Set(ds.scores.filter((s) => s.metric === "aligned" && s.score === 10).map((s) => s.response_id));
  const probs = {aligned: 0, refusal: 0, incoherent: 0, artifact: 0, in_domain: 0, drift: 0, emergent: 0, other: 0, undetermined: 0};
  const types = ds.responses.map((r) => {
    const type = em.has(r.response_id) ? ("emergent" as const) : ("aligned" as const);
    return {response_id: r.response_id, judge: "signals", type, em_type: "emergent" as const, probs: {...probs, [type]: 1}};
  });
  const points = decodePoints(pointsTable({...ds, types}));
  const rows = joinJudged(ds.responses, ds.scores, types, {judge: "j"});
  const m1 = points.dicts.model.indexOf("m1");
  const one = Uint8Array.from(points.codes.model, (c) => (c === m1 ? 1 : 0));
  const all = new Uint8Array(points.n).fill(1);
  for (const name of ["betley", "organisms"] as const) {
    const rule = makeRule(name);
    const cli = summarize(rows, rule, {by: ["model"], replicates: 50});
    const page = withTrainingSeeds(points, all, rule, ["model"], summarizeGroups(points, all, rule, keyBy(points, ["model"]), {replicates: 50}));
    for (const g of cli.groups) {
      const p = page.find((x) => x.id === g.key.model)!;
      assert.ok(g.strict_ci !== null && g.strict_em_rate !== null, `${name}: strict EM is determined`);
      assert.deepEqual(p.strict_ci, g.strict_ci, `${name} ${String(g.key.model)}`);
      assert.equal(p.strict_ci_approximate, g.strict_ci_approximate);
      // Every EM answer is emergent: strict EM is broad EM, and so is its interval.
      assert.deepEqual(g.strict_ci, g.ci);
    }
    // The /sensitivity headline (one variant): the seeds widen strict EM's interval, as broad EM's.
    const total = withTrainingSeeds(points, one, rule, [], [summarizeAll(points, one, rule, {replicates: 50})!])[0]!;
    const plain = summarizeAll(points, one, rule, {replicates: 50})!;
    assert.deepEqual(total.strict_ci, total.ci);
    assert.notDeepEqual(total.strict_ci, plain.strict_ci);
  }
});
