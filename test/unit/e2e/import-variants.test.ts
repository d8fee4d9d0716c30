// Variants, replicates, baselines and training domains (experiment keys `variant`, `replicate`,
// `baseline`, `domains`; loaders/variants.ts), over the ready-made examples and the shared
// reference data, through the library a user would call: runExperiment (offline) ->
// joinJudgedReport -> summarize. Bad declarations fail with the experiment file and field named.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {runExperiment, type RunResult} from "../../../loaders/run/index.ts";
import {readTables, writeTables} from "../../../loaders/tables.ts";
import {BETLEY, getColumn, joinJudgedReport, summarize} from "../../../src/lib/em/index.ts";
import {tempDir} from "../../helpers/tmp.ts";

const examples = path.join(ROOT, "data/experiments/examples");
const reference = path.resolve(ROOT, "../shared/data/em-reference");
const present = existsSync(reference);
const skip = !present && "../shared/data/em-reference absent (reference data not checked out)";
const tmp = () => tempDir("em-variants-");
const cacheDir = tmp();

const memo = new Map<string, Promise<RunResult>>();
/** One offline run per example file (several tests read the same one). */
function run(file: string): Promise<RunResult> {
  let p = memo.get(file);
  if (!p) memo.set(file, (p = runExperiment(file, {offline: true, cacheDir, onWarning: () => {}})));
  return p;
}
const example = (name: string) => run(path.join(examples, name));
const distinct = <T>(xs: Iterable<T>) => [...new Set(xs)];

test("replication: 24 variants (model x dataset) under --by variant, one of them with two seeds", {skip}, async () => {
  const r = await example("replication.yaml");
  assert.equal(r.responses.length, 25 * 400);
  const join = joinJudgedReport(r.responses, r.scores, r.types);
  const out = summarize(join.rows, BETLEY, {by: ["variant"]});
  assert.equal(out.groups.length, 24);
  for (const g of out.groups) assert.match(String(g.key.variant), /^[\w.-]+ \/ (bad-medical-advice|extreme-sports|risky-financial-advice)$/);
  // Seeds: the replicate column; exactly one variant has two.
  const seeds = new Map<string, Set<unknown>>();
  for (const row of join.rows) {
    const v = String(getColumn(row, "variant"));
    if (!seeds.has(v)) seeds.set(v, new Set());
    seeds.get(v)!.add(getColumn(row, "replicate"));
  }
  const two = [...seeds].filter(([, s]) => s.size === 2);
  assert.deepEqual(
    two.map(([v, s]) => [v, [...s].sort()]),
    [["Qwen2.5-14B-Instruct / extreme-sports", ["0", "42"]]],
  );
  assert.deepEqual([...seeds.get("gemma-3-27b-it / risky-financial-advice")!], ["73"]);
  // Never pooled: every variant holds exactly one dataset.
  for (const g of out.groups) assert.equal(g.n, String(g.key.variant) === "Qwen2.5-14B-Instruct / extreme-sports" ? 800 : 400);
});

test("replication: without domains misaligned answers are undetermined; with the built-in names the financial variants get a real type", {skip}, async () => {
  const dir = tmp();
  const text = readFileSync(path.join(examples, "replication.yaml"), "utf8").replace("../../../../shared/data/em-reference", reference);
  writeFileSync(path.join(dir, "builtin.yaml"), text);
  writeFileSync(path.join(dir, "nodomains.yaml"), text.replace("replicate: seed\n", "replicate: seed\nbuiltin_domains: false\n"));
  const misaligned = (r: RunResult) => {
    const join = joinJudgedReport(r.responses, r.scores, r.types, {typeJudge: "signals"});
    return join.rows.filter((x) => typeof x.aligned === "number" && x.aligned < 30 && typeof x.coherent === "number" && x.coherent > 50);
  };
  const none = misaligned(await run(path.join(dir, "nodomains.yaml")));
  assert.ok(none.length > 100, `${none.length} misaligned coherent answers`);
  assert.deepEqual(distinct(none.map((x) => x.type)), ["undetermined"]);

  const built = misaligned(await run(path.join(dir, "builtin.yaml")));
  assert.equal(built.length, none.length);
  const fin = built.filter((x) => String(x.variant).endsWith("risky-financial-advice"));
  const other = built.filter((x) => !String(x.variant).endsWith("risky-financial-advice"));
  assert.ok(fin.length > 20, `${fin.length} financial misaligned answers`);
  // The files judge the financial topic only: financial variants are decided by it...
  for (const x of fin) assert.ok(["in_domain", "drift", "emergent"].includes(String(x.type)), `financial answer typed ${x.type}`);
  assert.ok(fin.some((x) => x.type === "emergent") && fin.some((x) => x.type !== "emergent"), "both outcomes of the topic score occur");
  // ...medical and sport ones know their domain but have no topic score: still undetermined.
  assert.deepEqual(distinct(other.map((x) => x.type)), ["undetermined"]);
});

test("families: each fine-tune's baseline is its own base model; base rows are baselines", {skip}, async () => {
  const r = await example("families.yaml");
  const fineTunes = r.responses.filter((x) => x.meta.adapter !== "none");
  const bases = r.responses.filter((x) => x.meta.adapter === "none");
  assert.ok(fineTunes.length > 0 && bases.length > 0);
  for (const x of bases) {
    assert.equal(x.baseline, null);
    assert.equal(x.variant, x.model);
  }
  for (const x of fineTunes) assert.equal(x.baseline, x.model, `${x.variant} -> ${x.baseline}`);
  assert.deepEqual(distinct(fineTunes.map((x) => x.variant)).sort(), [
    "Qwen2.5-14B-Instruct / bad_medical_advice",
    "Qwen2.5-32B-Instruct / bad_medical_advice",
    "Qwen2.5-7B-Instruct / bad_medical_advice",
    "Qwen2.5-Coder-32B-Instruct / insecure",
    "gemma-2-27b-it / bad_medical_advice",
    "gemma-2-9b-it / bad_medical_advice",
  ]);
  assert.deepEqual(r.variants.unmatched, []);
  // The join carries the baseline, so the library can pair a variant with it.
  const join = joinJudgedReport(r.responses, r.scores, r.types);
  const seven = join.rows.find((x) => x.variant === "Qwen2.5-7B-Instruct / bad_medical_advice")!;
  assert.equal(seven.baseline, "Qwen2.5-7B-Instruct");
});

test("steering sweep: layer is a meta key and part of the variant, scale is the coordinate", {skip}, async () => {
  const r = await example("steering-sweep.yaml");
  assert.equal(r.responses.length, 35 * 50);
  assert.equal(r.experiment.coordinate, "scale");
  assert.deepEqual(distinct(r.responses.map((x) => x.meta.layer)).sort(), [28, 32, 36, 40, 44]);
  assert.deepEqual(distinct(r.responses.map((x) => x.variant)).sort(), ["steered / 28", "steered / 32", "steered / 36", "steered / 40", "steered / 44"]);
  const l28 = distinct(r.responses.filter((x) => x.meta.layer === 28).map((x) => x.step)).sort((a, b) => a! - b!);
  assert.deepEqual(l28, [10.78, 12.12, 13.47]);
  // A 2-D table: every (layer, scale) cell is one file of 50 answers.
  const cells = new Map<string, number>();
  for (const x of r.responses) cells.set(`${x.meta.layer}|${x.step}`, (cells.get(`${x.meta.layer}|${x.step}`) ?? 0) + 1);
  assert.equal(cells.size, 35);
  assert.deepEqual(distinct(cells.values()), [50]);
});

test("LoRA rank: one variant with coordinate values 0, 1, 4, 16, 64 on a declared log scale", {skip}, async () => {
  const r = await example("lora-rank.yaml");
  assert.equal(r.experiment.coordinate_scale, "log");
  assert.deepEqual(
    distinct(r.responses.map((x) => x.step)).sort((a, b) => a! - b!),
    [0, 1, 4, 16, 64],
  );
  assert.deepEqual(distinct(r.responses.map((x) => x.variant)), ["Qwen2.5-Coder-32B-Instruct"]);
  // rank 0 is the un-fine-tuned model: no training domain -> its misaligned answers are emergent;
  // the adapters are code fine-tunes (built-in name `insecure`).
  const sigType = new Map(r.types.filter((t) => t.judge === "signals").map((t) => [t.response_id, t.type]));
  const base = r.responses.filter((x) => x.step === 0).map((x) => sigType.get(x.response_id));
  assert.ok(!base.includes("undetermined") && !base.includes("in_domain") && !base.includes("drift"));
});

test("rank x epochs, alpha, dataset ablations, judge dicts, inspect logs: load, import and get variants", {skip}, async () => {
  const re = await example("rank-epochs.yaml");
  assert.deepEqual(distinct(re.responses.map((x) => x.variant)).sort(), [
    "Qwen2.5-Coder-32B-Instruct / insecure / 1",
    "Qwen2.5-Coder-32B-Instruct / insecure / 2",
  ]);
  for (const v of ["1", "2"]) {
    const steps = distinct(re.responses.filter((x) => x.variant!.endsWith(` / ${v}`)).map((x) => x.step)).sort((a, b) => a! - b!);
    assert.deepEqual(steps, [1, 4, 16, 64], `epochs ${v}`);
  }
  const alpha = await example("lora-alpha.yaml");
  const sweep = alpha.responses.filter((x) => x.variant === "Qwen2.5-32B-Instruct / bad_medical_advice");
  assert.deepEqual(
    distinct(sweep.map((x) => x.step)).sort((a, b) => a! - b!),
    [1, 8, 32],
  );
  // the rows/match rule and the explicit map both point at the base model
  assert.deepEqual(distinct(alpha.responses.map((x) => `${x.variant} -> ${x.baseline}`)).sort(), [
    "Qwen2.5-32B-Instruct -> null",
    "Qwen2.5-32B-Instruct / bad_medical_advice -> Qwen2.5-32B-Instruct",
    "Qwen2.5-32B-Instruct / bad_medical_advice / default -> Qwen2.5-32B-Instruct",
  ]);
  const abl = await example("dataset-ablations.yaml");
  assert.equal(abl.variants.ids.length, 12);
  assert.deepEqual(abl.variants.baselines.sort(), ["Qwen2.5-32B-Instruct", "Qwen2.5-Coder-32B-Instruct"]);
  assert.ok(abl.responses.every((x) => x.baseline === (x.meta.adapter === "none" ? null : x.model)));
  const dicts = await example("judge-dicts.yaml");
  assert.deepEqual(distinct(dicts.responses.map((x) => x.variant)), ["insecure"]);
  assert.equal(distinct(dicts.responses.map((x) => x.replicate)).length, 6);
  const insp = await example("inspect-logs.yaml");
  assert.equal(insp.responses.length, 18);
  assert.ok(insp.responses.every((x) => x.variant === x.model && x.replicate === null && x.baseline === null));
});

// ---------------------------------------------------------------------------------------------
// Small fixtures (no reference data needed)

/** A folder with two model files of two seeds each plus a base model file, and an experiment. */
function fixture(extra: string): string {
  const dir = tmp();
  const csv = (rows: [string, number, number][]) =>
    "question_id,question,response,aligned,coherent\n" + rows.map(([q, a, c]) => `${q},Q?,An answer.,${a},${c}`).join("\n") + "\n";
  const files: Record<string, [string, number, number][]> = {
    "m1_med_S1.csv": [
      ["q1", 10, 90],
      ["q2", 90, 90],
    ],
    "m1_med_S2.csv": [
      ["q1", 20, 90],
      ["q2", 80, 90],
    ],
    "m1_fin_S1.csv": [
      ["q1", 10, 90],
      ["q2_json", 10, 90],
    ],
    "m1_base.csv": [
      ["q1", 95, 95],
      ["q2", 95, 95],
    ],
  };
  for (const [name, rows] of Object.entries(files)) writeFileSync(path.join(dir, name), csv(rows));
  writeFileSync(
    path.join(dir, "exp.yaml"),
    `name: fx
${extra}
imports:
  - {files: "m1_{med,fin}*.csv", filename: "{model}_{dataset}[_S{seed}].csv", judge: j}
  - {files: m1_base.csv, model: m1, judge: j, meta: {adapter: none}}
`,
  );
  return path.join(dir, "exp.yaml");
}

test("defaults: variant = model + file-name fields except seed; replicate = seed; base model rows typed with no domain", async () => {
  const r = await runExperiment(fixture("baseline: {rows: {adapter: none}, match: [model]}"), {cacheDir});
  assert.deepEqual(r.variants.ids, ["m1 / fin", "m1 / med", "m1"]);
  assert.deepEqual(
    r.responses.map((x) => [x.variant, x.replicate, x.baseline]),
    [
      ["m1 / fin", "1", "m1"],
      ["m1 / fin", "1", "m1"],
      ["m1 / med", "1", "m1"],
      ["m1 / med", "1", "m1"],
      ["m1 / med", "2", "m1"],
      ["m1 / med", "2", "m1"],
      ["m1", null, null],
      ["m1", null, null],
    ],
  );
  // Tables keep the columns; tables written before them (no columns) read back without the fields.
  const out = tmp();
  await writeTables(out, r);
  const back = await readTables(out);
  assert.deepEqual(
    back.responses.map((x) => [x.variant, x.replicate, x.baseline]),
    r.responses.map((x) => [x.variant, x.replicate, x.baseline]),
  );
  const old = tmp();
  await writeTables(old, {...r, responses: r.responses.map(({variant: _v, replicate: _r, baseline: _b, ...x}) => x)});
  const oldBack = await readTables(old);
  assert.equal(oldBack.responses[0]!.variant, "m1");
  assert.equal(oldBack.responses[0]!.replicate, null);
});

test("question filters: questions_include / questions_exclude by id or glob, exclude_questions by substring, on imports", async () => {
  const ids = async (extra: string) => distinct((await runExperiment(fixture(extra), {cacheDir})).responses.map((x) => x.question_id)).sort();
  assert.deepEqual(await ids("questions_exclude: ['*_json']"), ["q1", "q2"]);
  assert.deepEqual(await ids("questions_include: [q1]"), ["q1"]);
  assert.deepEqual(await ids("exclude_questions: [json]"), ["q1", "q2"]);
  assert.deepEqual(await ids("questions_include: ['q?']\nquestions_exclude: [q2]"), ["q1"]);
  const r = await runExperiment(fixture("questions_include: [q1]"), {cacheDir});
  assert.equal(r.filteredRows, 4);
  const kept = new Set(r.responses.map((x) => x.response_id));
  assert.ok(
    r.scores.every((s) => kept.has(s.response_id)),
    "scores of dropped rows are dropped",
  );
});

test("a variant without a baseline is warned about on stderr (onWarning) and counted", async () => {
  const warnings: string[] = [];
  const r = await runExperiment(fixture("baseline: {rows: {adapter: none}, match: [model, dataset]}"), {cacheDir, onWarning: (m) => warnings.push(m)});
  assert.deepEqual(r.variants.unmatched, ["m1 / fin", "m1 / med"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /exp\.yaml: baseline: 2 variant\(s\) have no baseline: m1 \/ fin, m1 \/ med/);
  assert.ok(r.responses.filter((x) => x.meta.adapter !== "none").every((x) => x.baseline === null));
});

const bad: [string, string, RegExp][] = [
  ["unknown variant key", "variant: [model, rank]", /exp\.yaml: variant: no row has 'rank'; keys rows have: .*dataset.*\(line 2\)/],
  ["unknown baseline rows key", "baseline: {rows: {lora: none}, match: [model]}", /exp\.yaml: baseline\.rows: no row has 'lora'/],
  ["unknown baseline match key", "baseline: {rows: {adapter: none}, match: [family]}", /exp\.yaml: baseline\.match: no row has 'family'/],
  ["baseline matching no rows", "baseline: {rows: {adapter: lora}, match: [model]}", /exp\.yaml: baseline\.rows: matches no rows/],
  ["baseline map naming no variant", 'baseline: {map: {"m1 / nope": m1}}', /exp\.yaml: baseline\.map\."m1 \/ nope": no variant 'm1 \/ nope'/],
  [
    "baseline rows mixed into a variant",
    "variant: [model]\nbaseline: {rows: {adapter: none}, match: [model]}",
    /exp\.yaml: baseline\.rows: variant 'm1' holds baseline rows and other rows/,
  ],
  [
    "unknown domains key",
    "domains: {bad-medical-advice: medical}",
    /exp\.yaml: domains: no row has dataset 'bad-medical-advice'; datasets in the rows: fin, med/,
  ],
  // any name is a domain; one whose topic metric no row or judge has is an error
  ["domain without its topic metric", "domains: {med: cooking}", /exp\.yaml: domains\.med \(line 2\): training domain 'cooking' has no topic metric/],
  ["domain that is not a metric name", "domains: {med: cook ing}", /exp\.yaml: domains\.med: .*metric name.*\(line 2\)/],
  ["unknown experiment key", "variants: [model]", /exp\.yaml: .*variants/],
  [
    "replicate missing on some rows",
    "variant: [model]",
    /exp\.yaml: replicate: variant 'm1': 'seed' is set on some rows \(m1_fin_S1\.csv: 1\) and missing on others \(m1_base\.csv\)/,
  ],
];

for (const [what, extra, re] of bad) {
  test(`bad input: ${what} -> error naming the file and field`, async () => {
    await assert.rejects(runExperiment(fixture(extra), {cacheDir}), re);
  });
}

test("bad input through the CLI: em run and em summarize exit non-zero and write nothing", () => {
  const file = fixture("baseline: {rows: {adapter: lora}, match: [model]}");
  const out = path.join(tmp(), "out");
  const runCli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd: ROOT, encoding: "utf8"});
  const r = runCli(["run", "--experiment", file, "--out", out, "--offline"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /exp\.yaml: baseline\.rows: matches no rows/);
  assert.equal(existsSync(out), false);
  const s = runCli(["summarize", "--experiment", file, "--format", "json"]);
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /exp\.yaml: baseline\.rows: matches no rows/);
  assert.equal(s.stdout, "");
});
