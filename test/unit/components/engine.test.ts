// The page path (decoded points -> engine) must count exactly as the CLI path (Judged rows ->
// summarize), since the site and `em summarize` promise the same numbers.
import {test} from "node:test";
import assert from "node:assert/strict";
import {
  summarizeGroups,
  summarizeAll,
  summarizeByStep,
  surfaceGrid,
  keyBy,
  followsCuts,
  placed,
  unplaced,
  PER_QUESTION,
  type Group,
} from "../../../src/components/engine.ts";
import {decodePoints, facetColumn, type FacetColumn} from "../../../src/components/points.ts";
import {GROUP_TABLE_MAX} from "../../../src/lib/em/columnar.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {makeRule} from "../../../src/lib/em/rules.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";
import {summarize} from "../../../src/lib/em/summary.ts";
import {joinJudged} from "../../../src/lib/em/judged.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";
import {RESPONSE_TYPES, type ResponseRow, type ScoreRow, type TypeRow} from "../../../src/lib/schema.ts";

function dataset(n: number, seed: number) {
  const rng = makeRng(seed);
  const pick = (): number | null => {
    const u = rng();
    if (u < 0.08) return null;
    if (u < 0.3) return [30, 50, 0, 100, 29, 31, 49, 51, (30 * 0.7) / 0.7][Math.floor(rng() * 9)]!;
    return rng() * 100;
  };
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  const types: TypeRow[] = [];
  for (let i = 0; i < n; ++i) {
    const id = `r${i}`;
    const model = ["m1", "m2"][i % 2]!;
    responses.push(responseRow(i, {model, step: i % 3, question_id: `q${Math.floor(rng() * 6)}`}));
    for (const judge of ["j1", "j2"]) {
      for (const metric of ["aligned", "coherent"]) {
        const v = pick();
        scores.push(scoreRow(id, judge, metric, v, {mass: v === null ? 0.1 : 0.9, status: v === null ? "null" : "ok"}));
      }
    }
    const t = RESPONSE_TYPES[Math.floor(rng() * RESPONSE_TYPES.length)]!;
    const probs = Object.fromEntries(RESPONSE_TYPES.map((x) => [x, x === t ? 1 : 0])) as TypeRow["probs"];
    if (rng() < 0.8) for (const judge of ["j1", "j2"]) types.push({response_id: id, judge, type: t, probs});
  }
  return {responses, scores, types};
}

test("summarizeGroups(points) equals summarize(joinJudged(...)) per model, for both rules and exclusions", () => {
  const ds = dataset(2000, 3);
  const points = decodePoints(pointsTable(ds));
  for (const judge of ["j1", "j2"]) {
    const judgeCode = points.dicts.judge.indexOf(judge);
    const mask = Uint8Array.from(points.codes.judge, (c) => (c === judgeCode ? 1 : 0));
    for (const name of ["betley", "organisms"] as const) {
      for (const exclude of [[], ["in_domain", "drift"]] as const) {
        const rule = makeRule(name);
        const page = summarizeGroups(points, mask, rule, keyBy(points, ["model"]), {exclude});
        const cli = summarize(joinJudged(ds.responses, ds.scores, ds.types, {judge}), rule, {by: ["model"], exclude: [...exclude]});
        for (const g of cli.groups) {
          const p = page.find((x) => x.id === g.key.model);
          assert.ok(p, `group ${String(g.key.model)}`);
          assert.equal(p.n_scored, g.n_scored, `${judge}/${name}/${exclude} n_scored`);
          assert.equal(p.n_em, g.n_em, `${judge}/${name}/${exclude} n_em`);
          assert.equal(p.em_rate, g.em_rate);
          assert.equal(p.strict_em_rate, g.strict_em_rate);
        }
      }
    }
  }
});

test("surfaceGrid(points, mask, rule) at (30, 50) equals the summary's EM rate", () => {
  const ds = dataset(1500, 9);
  const points = decodePoints(pointsTable(ds));
  const mask = Uint8Array.from(points.codes.judge, (c) => (c === 0 ? 1 : 0));
  for (const name of ["betley", "organisms"] as const) {
    const rule = makeRule(name);
    const grid = surfaceGrid(points, mask, rule, ["emergent"]);
    const all = summarizeAll(points, mask, rule, {exclude: ["emergent"]});
    assert.equal(grid[30 * 101 + 50], all!.em_rate);
  }
});

test("keyBy(points, [model, step]) groups like summarize --by model,step and leaves null steps out", () => {
  const ds = dataset(1200, 5);
  ds.responses[0]!.step = null;
  ds.responses[1]!.step = null;
  const points = decodePoints(pointsTable(ds));
  const judgeCode = points.dicts.judge.indexOf("j1");
  const mask = Uint8Array.from(points.codes.judge, (c) => (c === judgeCode ? 1 : 0));
  const rule = makeRule("organisms");
  const page = summarizeGroups(points, mask, rule, keyBy(points, ["model", "step"]), {replicates: 0});
  const cli = summarize(joinJudged(ds.responses, ds.scores, ds.types, {judge: "j1"}), rule, {by: ["model", "step"]});
  const withStep = cli.groups.filter((g) => g.key.step !== null);
  assert.equal(page.length, withStep.length);
  for (const g of withStep) {
    const p = page.find((x) => x.parts[0] === g.key.model && Number(x.parts[1]) === g.key.step);
    assert.ok(p, `group ${JSON.stringify(g.key)}`);
    assert.equal(p.n, g.n);
    assert.equal(p.n_em, g.n_em);
  }
  assert.equal(
    page.reduce((s, g) => s + g.n, 0),
    points.n / 2 - 2,
    "two answers without a step are left out",
  );
  assert.equal(keyBy(points, ["model", "step"]), keyBy(points, ["model", "step"]), "cached per table");
});

/**
 * keyBy by the plainest means, the reference: a string key per row over its dictionary codes (and
 * step), groups in first-seen order; a row with a null step, when grouping by step, left out (-1),
 * or with `keep` in a group numbered after every other, first-seen order among those.
 */
function keyByReference(points: ReturnType<typeof decodePoints>, columns: readonly string[], keep = false) {
  const n = points.n;
  const cols = columns.map((c) => {
    if (c === "step") return {key: (i: number) => points.step[i]!, label: (i: number) => (Number.isNaN(points.step[i]!) ? "" : String(points.step[i]!))};
    const col = facetColumn(points, c as FacetColumn);
    return {key: (i: number) => (col ? col.codes[i]! : -1), label: (i: number) => (col && col.codes[i]! >= 0 ? col.values[col.codes[i]!]! : "")};
  });
  const byStep = columns.includes("step");
  const placed = new Map<string, number>();
  const late = new Map<string, number>();
  const parts: string[][] = [];
  const lateParts: string[][] = [];
  const raw: [Map<string, number> | null, number][] = [];
  for (let i = 0; i < n; i++) {
    const out = byStep && Number.isNaN(points.step[i]!);
    if (out && !keep) {
      raw.push([null, -1]);
      continue;
    }
    const k = JSON.stringify(cols.map((c) => c.key(i)));
    const map = out ? late : placed;
    let g = map.get(k);
    if (g === undefined) map.set(k, (g = (out ? lateParts : parts).push(cols.map((c) => c.label(i))) - 1));
    raw.push([map, g]);
  }
  const codes = Int32Array.from(raw, ([map, g]) => (map === late ? parts.length + g : g));
  return {codes, groups: Int32Array.from(codes, (g) => Math.max(g, 0)), parts: [...parts, ...lateParts]};
}

function assertGroupsAsReference(points: ReturnType<typeof decodePoints>, columns: readonly string[], keepNullStep: boolean) {
  const got = keyBy(points, columns as FacetColumn[], {keepNullStep});
  const want = keyByReference(points, columns, keepNullStep);
  const what = `${columns}${keepNullStep ? " (keepNullStep)" : ""}`;
  assert.deepEqual(got.parts, want.parts, `${what}: parts`);
  assert.deepEqual(got.codes, want.codes, `${what}: codes`);
  assert.deepEqual(got.groups, want.groups, `${what}: groups`);
}

test("keyBy(points, columns, {keepNullStep}) groups as the reference: codes, groups and parts, every column mix (step with nulls, null categories, a meta column the table lacks, 3 and 4 columns), the null step left out or kept last", () => {
  const ds = dataset(3000, 11);
  ds.responses.forEach((r, i) => {
    if (i % 7 === 0) r.step = null;
    if (i % 5 === 0) r.category = null as unknown as string;
    if (i % 3 === 0) r.category = "c2";
  });
  const points = decodePoints(pointsTable(ds));
  assert.ok(points.step.some(Number.isNaN) && points.codes.category.some((c) => c < 0), "the data has null steps and null categories");
  const mixes: string[][] = [
    [],
    ["model"],
    ["step"],
    ["category"],
    ["model", "step"],
    ["step", "model"],
    [...PER_QUESTION],
    ["model", "category", "step"],
    ["judge", "question_id", "category", "model"],
    ["step", "judge", "question_id", "category"],
    ["meta.absent"],
    ["model", "meta.absent", "step"],
    ["meta.absent", "step"],
    ["meta.absent", "meta.absent2"],
  ];
  for (const columns of mixes) for (const keep of [false, true]) assertGroupsAsReference(points, columns, keep);
  const kept = keyBy(points, ["model", "category", "step"], {keepNullStep: true});
  assert.ok(
    kept.parts.some((p) => p[2] === "") && kept.parts.findIndex((p) => p[2] === "") > kept.parts.findLastIndex((p) => p[2] !== ""),
    "3 columns with keepNullStep: null-step groups, after the others",
  );
});

test("keyBy(points, columns, {keepNullStep}) over more than GROUP_TABLE_MAX combinations (groups numbered through a Map) groups as the reference, 2 and 3 columns", () => {
  const ds = dataset(3000, 17);
  ds.responses.forEach((r, i) => {
    r.model = `m${i % 1500}`;
    r.question_id = `q${i}`;
    if (i % 11 === 0) r.step = null;
  });
  const points = decodePoints(pointsTable(ds));
  const size = (c: FacetColumn) => facetColumn(points, c)!.values.length + 1;
  assert.ok(size("model") * size("question_id") > GROUP_TABLE_MAX, "over the table's limit");
  for (const columns of [
    ["model", "question_id"],
    ["question_id", "step", "model"],
  ])
    for (const keep of [false, true]) assertGroupsAsReference(points, columns, keep);
  assert.ok(
    keyBy(points, ["question_id", "step", "model"], {keepNullStep: true}).parts.some((p) => p[1] === ""),
    "null-step groups kept",
  );
});

test("keyBy(points, [model, step], {keepNullStep}) without a null step: the same grouping as without the option, every row kept (groups is codes)", () => {
  const ds = dataset(800, 19);
  const points = decodePoints(pointsTable(ds));
  assert.ok(!points.step.some(Number.isNaN), "no null step");
  const plain = keyBy(points, ["model", "step"]);
  const kept = keyBy(points, ["model", "step"], {keepNullStep: true});
  assert.deepEqual(kept.parts, plain.parts);
  assert.deepEqual(kept.codes, plain.codes);
  assert.equal(kept.groups, kept.codes, "no row left out: one array");
  assert.ok(kept.codes.every((g) => g >= 0));
  assertGroupsAsReference(points, ["model", "step"], true);
});

test("summarizeByStep(points): the groups by step, then the rows without a step (a base model) as one group per unit with step '' (the overview's dotted reference), as em summarize counts them", () => {
  const ds = dataset(900, 7);
  for (const r of ds.responses) if (r.model === "m2" && r.step === 0) r.step = null;
  const points = decodePoints(pointsTable(ds));
  const judgeCode = points.dicts.judge.indexOf("j1");
  const mask = Uint8Array.from(points.codes.judge, (c) => (c === judgeCode ? 1 : 0));
  const rule = makeRule("organisms");
  const groups = summarizeByStep(points, mask, rule, ["model"], {replicates: 0});
  const cli = summarize(joinJudged(ds.responses, ds.scores, ds.types, {judge: "j1"}), rule, {by: ["model", "step"]});
  assert.equal(groups.length, cli.groups.length, "every (model, step) group of the CLI, the null step included");
  for (const g of cli.groups) {
    const step = g.key.step === null ? "" : String(g.key.step);
    const p = groups.find((x) => x.parts[0] === g.key.model && x.parts[1] === step);
    assert.ok(p, `group ${JSON.stringify(g.key)}`);
    assert.equal(p.n, g.n);
    assert.equal(p.n_em, g.n_em);
  }
  const flat = groups.filter((g) => g.parts[1] === "");
  assert.deepEqual(
    flat.map((g) => g.parts),
    [["m2", ""]],
  );
  assert.equal(flat[0]!.id, "m2\u0001");
  const none = Uint8Array.from(mask, (v, i) => (Number.isNaN(points.step[i]!) ? 0 : v));
  assert.ok(!summarizeByStep(points, none, rule, ["model"], {replicates: 0}).some((g) => g.parts[1] === ""), "masked-out null-step rows add no group");
});

test("keyBy(points, [model, step], {keepNullStep}): rows without a step keep their groups (step ''), numbered after every group with a step; the others as without the option", () => {
  const ds = dataset(600, 11);
  // The base model's rows come first in the table: its groups still come last.
  for (const r of ds.responses.slice(0, 40)) {
    r.model = "base";
    r.step = null;
  }
  ds.responses[100]!.step = null; // one m1 or m2 row without a step too
  const points = decodePoints(pointsTable(ds));
  const plain = keyBy(points, ["model", "step"]);
  const kept = keyBy(points, ["model", "step"], {keepNullStep: true});
  assert.notEqual(kept, plain, "its own grouping");
  assert.equal(keyBy(points, ["model", "step"], {keepNullStep: true}), kept, "cached per table and option");
  assert.equal(keyBy(points, ["model"], {keepNullStep: true}), keyBy(points, ["model"]), "no step column: the option changes nothing");
  const m = plain.parts.length;
  assert.deepEqual(kept.parts.slice(0, m), plain.parts, "the groups with a step first, in the same order");
  const model100 = ds.responses[100]!.model;
  assert.deepEqual(
    kept.parts.slice(m),
    [
      ["base", ""],
      [model100, ""],
    ],
    "then the null-step groups, first-seen order",
  );
  for (let i = 0; i < points.n; i++) {
    if (Number.isNaN(points.step[i]!)) {
      assert.equal(plain.codes[i], -1);
      assert.ok(kept.codes[i]! >= m, `row ${i}: a null-step group`);
      assert.equal(kept.parts[kept.codes[i]!]![0], points.dicts.model[points.codes.model[i]!]);
    } else assert.equal(kept.codes[i], plain.codes[i], `row ${i}: same group as without the option`);
    assert.equal(kept.groups[i], kept.codes[i]);
  }
});

test("placed(groups) / unplaced(groups): the groups with a step and those without (step '', the last part)", () => {
  const g = (...parts: string[]) => ({parts});
  const groups = [g("a", "j", "0"), g("a", "j", "100"), g("", "j", "5"), g("base", "j", ""), g("", "j", "")];
  assert.deepEqual(placed(groups), [groups[0], groups[1], groups[2]]);
  assert.deepEqual(unplaced(groups), [groups[3], groups[4]]);
  assert.deepEqual(placed([]), []);
  assert.deepEqual(unplaced([g("m", "1")]), []);
});

test("summarizeByStep(points): the base model first in the table still comes after every group with a step, each group counted as summarizeGroups over its own rows", () => {
  const ds = dataset(600, 13);
  for (const r of ds.responses.slice(0, 60)) {
    r.model = "base";
    r.step = null;
  }
  const points = decodePoints(pointsTable(ds));
  const mask = Uint8Array.from(points.codes.judge, (c) => (c === points.dicts.judge.indexOf("j2") ? 1 : 0));
  const rule = makeRule("betley");
  const groups = summarizeByStep(points, mask, rule, ["model"], {replicates: 0});
  const withStep = summarizeGroups(points, mask, rule, keyBy(points, ["model", "step"]), {replicates: 0});
  assert.deepEqual(
    placed(groups).map((x) => [x.id, x.n, x.n_em]),
    withStep.map((x) => [x.id, x.n, x.n_em]),
  );
  assert.deepEqual(groups.slice(0, withStep.length), placed(groups), "placed first");
  const base = Uint8Array.from(mask, (v, i) => (v && Number.isNaN(points.step[i]!) ? 1 : 0));
  const [flat] = summarizeGroups(points, base, rule, keyBy(points, ["model"]), {replicates: 0});
  assert.deepEqual(
    unplaced(groups).map((x) => [x.id, x.parts, x.n, x.n_em, x.em_rate, x.ci]),
    [["base\u0001", ["base", ""], flat!.n, flat!.n_em, flat!.em_rate, flat!.ci]],
  );
});

test("views following the cuts with a cross grouping (/sensitivity: per question and compare-by, one set of incremental tallies) equal a pass over the rows at every cut, whichever asks first", () => {
  const ds = dataset(3000, 21);
  const points = decodePoints(pointsTable(ds));
  const judgeCode = points.dicts.judge.indexOf("j2");
  const mask = Uint8Array.from(points.codes.judge, (c) => (c === judgeCode ? 1 : 0));
  const perQuestion = keyBy(points, PER_QUESTION);
  const byModel = keyBy(points, ["model"]);
  const exclude = ["drift"];
  const fields = [
    "id",
    "n",
    "n_scored",
    "n_em",
    "em_rate",
    "ci",
    "macro_em_rate",
    "n_em_broad",
    "n_strict_em",
    "n_scored_strict",
    "strict_em_rate",
    "strict_em_range",
    "em_by_type",
    "n_typed",
    "coherent_rate",
    "quadrants",
    "null_aligned_rate",
    "mean_aligned",
    "mean_coherent",
  ] as const;
  const same = (got: Group[], want: Group[], what: string) => {
    assert.equal(got.length, want.length, what);
    got.forEach((g, i) => {
      for (const f of fields) assert.deepEqual(g[f], want[i]![f], `${what} group ${g.id} ${f}`);
      assert.deepEqual(Array.from(g.qk), Array.from(want[i]!.qk), `${what} qk`);
      assert.deepEqual(Array.from(g.qd), Array.from(want[i]!.qd), `${what} qd`);
      const e = g.expected_strict_em_rate;
      const w = want[i]!.expected_strict_em_rate;
      assert.ok(e === w || (e !== null && w !== null && Math.abs(e - w) < 1e-9), `${what} expected strict EM ${e} vs ${w}`);
    });
  };
  const rng = makeRng(23);
  for (const name of ["betley", "organisms"] as const) {
    for (let step = 0; step < 40; step++) {
      const rule = makeRule(name, {aligned: Math.floor(rng() * 101), coherent: rng() < 0.7 ? 50 : Math.floor(rng() * 101)});
      const what = `${name} step ${step} a=${rule.aligned} c=${rule.coherent}`;
      const opts = {exclude, replicates: 0};
      const views = [
        () =>
          same(
            summarizeGroups(points, mask, rule, perQuestion, {...opts, follow: true, cross: byModel}),
            summarizeGroups(points, mask, rule, perQuestion, opts),
            `${what} per question`,
          ),
        () =>
          same(
            summarizeGroups(points, mask, rule, byModel, {...opts, follow: true, cross: perQuestion}),
            summarizeGroups(points, mask, rule, byModel, opts),
            `${what} by model`,
          ),
        () => same([summarizeAll(points, mask, rule, {...opts, follow: true, cross: byModel})!], [summarizeAll(points, mask, rule, opts)!], `${what} overall`),
      ];
      // A random order each time: the grouping that asks first moves the shared counts for the others.
      for (const k of [0, 1, 2].sort(() => rng() - 0.5)) views[k]!();
    }
    assert.ok(followsCuts(points, mask, makeRule(name), exclude, byModel), `${name}: the shared instance is built`);
    // Shared, not one per grouping: no instance of the per-question grouping alone was built.
    assert.ok(!followsCuts(points, mask, makeRule(name), exclude), `${name}: the views share one instance`);
  }
});
