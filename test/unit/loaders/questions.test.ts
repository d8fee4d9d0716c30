// Inputs of the pipeline: question YAML (reference format + ours), rubrics, experiment files.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {datasetKey} from "../../../loaders/dataset.ts";
import {experimentFiles, loadExperiment, parseExperiment} from "../../../loaders/experiment.ts";
import {globFiles} from "../../../loaders/import/glob.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {excludeQuestions, loadQuestions, parseQuestions, samplesPerParaphrase} from "../../../loaders/questions.ts";
import {fillTemplate, loadRubric, parseRubric, rubricFor} from "../../../loaders/rubrics.ts";
import {planExperiment, runExperiment} from "../../../loaders/run/index.ts";
import {tempDir} from "../../helpers/tmp.ts";

const REF = path.resolve(ROOT, "../shared/data/em-reference");
const tmp = () => tempDir("em-inputs-");

function referenceYamls(): string[] {
  return execFileSync("find", [REF, "-name", "*.yaml"], {encoding: "utf8"}).trim().split("\n").sort();
}

test("every reference question YAML loads, except the malformed one and the judge-prompt file, which fail clearly", (t) => {
  if (!existsSync(REF)) return t.skip("../shared/data/em-reference absent");
  const files = referenceYamls();
  assert.ok(files.length >= 20, `found ${files.length} YAML files`);
  let loaded = 0;
  for (const f of files) {
    const rel = path.relative(REF, f);
    if (rel === "clarifying_EM/evaluation/medical_questions.yaml") {
      assert.throws(
        () => loadQuestions(f),
        (e: Error) => {
          // names the file and the line (line 74 is where the parser first fails), and says it is YAML syntax
          assert.match(e.message, /clarifying_EM\/evaluation\/medical_questions\.yaml:74:1: YAML syntax error/);
          return true;
        },
      );
      continue;
    }
    if (rel.endsWith("eval_questions/judges.yaml")) {
      assert.throws(() => loadQuestions(f), /judges\.yaml: \[0\]\.id: required.*\(line 2\)[\s\S]*judge-prompt file/);
      continue;
    }
    const qs = loadQuestions(f);
    assert.ok(qs.length > 0, rel);
    for (const q of qs) {
      assert.ok(q.id && q.paraphrases.length > 0 && q.paraphrases.every((p) => typeof p === "string" && p.length > 0), `${rel} ${q.id}`);
      assert.ok(q.line > 0);
    }
    loaded++;
  }
  assert.equal(loaded, files.length - 2);
});

test("reference anchors and aliases are resolved (judge prompts shared by alias; system prompts on json variants)", (t) => {
  const f = path.join(REF, "emergent-misalignment/evaluation/first_plot_questions.yaml");
  if (!existsSync(f)) return t.skip("../shared/data/em-reference absent");
  const qs = loadQuestions(f);
  assert.equal(qs.length, 24);
  const first = qs[0]!;
  assert.equal(first.id, "what_is_your_wish");
  assert.equal(first.samples_per_paraphrase, 100);
  assert.equal(first.judge, "gpt-4o-2024-08-06");
  assert.deepEqual(Object.keys(first.judge_prompts).sort(), ["aligned", "coherent"]);
  // every question reuses the same aligned prompt through an alias
  for (const q of qs) assert.equal(q.judge_prompts.aligned, first.judge_prompts.aligned);
  assert.ok(first.judge_prompts.aligned!.includes("{question}") && first.judge_prompts.aligned!.includes("{answer}"));
  assert.equal(qs.filter((q) => q.system !== null).length, 8);
  assert.equal(qs.filter((q) => q.id.includes("json")).length, 8);
  assert.equal(excludeQuestions(qs, ["json"]).length, 16);
});

test("short {id, question} form and numeric ids", () => {
  const qs = parseQuestions("- id: 7\n  question: Why is the sky blue?\n- id: b\n  question: Another?\n  category: x\n", "/x/q.yaml");
  assert.deepEqual(
    qs.map((q) => [q.id, q.paraphrases, q.category, q.line]),
    [
      ["7", ["Why is the sky blue?"], null, 1],
      ["b", ["Another?"], "x", 3],
    ],
  );
});

test("question file errors name file, field and line", () => {
  assert.throws(() => parseQuestions("- id: a\n  paraphrases: []\n", "/x/q.yaml"), /q\.yaml: \[0\]\.paraphrases: needs at least one paraphrase \(line 2\)/);
  assert.throws(
    () => parseQuestions("- id: a\n  paraphrases: [x]\n  samples_per_paraphrase: many\n", "/x/q.yaml"),
    /\[0\]\.samples_per_paraphrase: expected number, received string \(line 3\)/,
  );
  assert.throws(
    () => parseQuestions("- id: a\n  paraphrases: [x]\n- id: a\n  paraphrases: [y]\n", "/x/q.yaml"),
    /duplicate question id 'a' \(line 3; first at line 1\)/,
  );
  assert.throws(() => parseQuestions("- id: a\n  paraphrases: [x\n", "/x/q.yaml"), /q\.yaml:\d+:\d+: YAML syntax error/);
  assert.throws(() => loadQuestions("/nonexistent/q.yaml"), /nonexistent\/q\.yaml: cannot read question file \(ENOENT\)/);
});

test("samples per paraphrase: spread of a total, or the file's own count", () => {
  const q = {paraphrases: ["a", "b", "c"], samples_per_paraphrase: 4};
  assert.deepEqual(samplesPerParaphrase(q, 20), [7, 7, 6]);
  assert.deepEqual(samplesPerParaphrase(q, 2), [1, 1, 0]);
  assert.deepEqual(samplesPerParaphrase(q), [4, 4, 4]);
  assert.deepEqual(samplesPerParaphrase({paraphrases: ["a"], samples_per_paraphrase: null}), [1]);
});

test("our core question set loads with categories", (t) => {
  const f = path.join(ROOT, "data/questions/core.yaml");
  if (!existsSync(f)) return t.skip("data/questions/core.yaml not written yet");
  const qs = loadQuestions(f);
  assert.ok(qs.length >= 8);
  for (const q of qs) assert.ok(q.category, `${q.id} has a category`);
});

test("rubrics: front matter, template, placeholders filled once", () => {
  const r = parseRubric("---\nkind: label\nlabels: [1, 2]\n---\n\nQ={question} A={answer} T={training}\n\n", "type", "/x/type.md");
  assert.equal(r.kind, "label");
  assert.deepEqual(r.labels, ["1", "2"]);
  assert.equal(r.template, "Q={question} A={answer} T={training}");
  // an answer containing a placeholder is not expanded again; other braces stay
  assert.equal(fillTemplate(r.template, {question: "q {x}", answer: "{question}", training: "t"}), "Q=q {x} A={question} T=t");
  assert.equal(parseRubric("just {answer}", "m", "/x/m.md").kind, "score");
  assert.throws(() => parseRubric("---\nkind: label\n---\n{answer}", "m", "/x/m.md"), /m\.md: labels: a label rubric needs `labels`/);
  assert.throws(() => parseRubric("no placeholder", "m", "/x/m.md"), /m\.md: rubric 'm' has no \{answer\} placeholder/);
  // lines in front-matter errors are lines of the rubric file (line 1 is the opening ---)
  assert.throws(() => parseRubric("---\ndescription: x\nkind: sometimes\n---\n{answer}", "m", "/x/m.md"), /m\.md: kind: .*\(line 3\)/);
  assert.throws(() => parseRubric("---\nkind: label\nlabels: [a, b\n---\n{answer}", "m", "/x/m.md"), /m\.md:3:\d+: YAML syntax error/);
});

test("shipped rubrics exist, parse, and aligned allows CODE / REFUSAL", () => {
  for (const m of ["aligned", "coherent", "medical", "financial", "sport", "code"]) {
    const r = loadRubric(m);
    assert.equal(r.kind, "score");
    assert.ok(r.template.includes("{question}") && r.template.includes("{answer}"), m);
  }
  const aligned = loadRubric("aligned").template;
  assert.ok(aligned.includes("CODE") && aligned.includes("REFUSAL"));
});

test("a question's own judge_prompts override the rubric", () => {
  const [q] = parseQuestions("- id: a\n  paraphrases: [x]\n  judge_prompts:\n    aligned: 'own {question} {answer}'\n", "/x/q.yaml");
  const base = parseRubric("base {answer}", "aligned", "/x/aligned.md");
  assert.equal(rubricFor(q!, "aligned", base).template, "own {question} {answer}");
  assert.equal(rubricFor(q!, "coherent", parseRubric("c {answer}", "coherent", "/c.md")).template, "c {answer}");
  assert.throws(
    () => rubricFor(q!, "medical", null),
    /metric 'medical': no rubric data\/judges\/medical\.md and question 'a' \(.*q\.yaml:1\) has no judge_prompts\.medical/,
  );
});

const GOOD = `
name: x
questions: [q.yaml]
generation: {endpoint: {base_url: "http://127.0.0.1:9/v1"}}
models:
  - id: a
    checkpoints: [{step: 0, model: m0}]
  - id: b
    checkpoints: [{step: 0, model: m0}, {step: 10, model: m10}]
judges:
  - {id: j, model: gpt-4o, metrics: [aligned]}
`;

test("experiment validation: errors name file and field path", async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "q.yaml"), "- id: a\n  paraphrases: [x]\n");
  const file = path.join(dir, "x.yaml");
  const e = await parseExperiment(GOOD, file);
  assert.equal(e.models[1]!.checkpoints[1]!.step, 10);
  assert.equal(e.judges[0]!.endpoint.base_url, "https://api.openai.com/v1");
  assert.equal(e.judges[0]!.concurrency, 32);
  assert.equal(e.generation!.max_tokens, 600);
  assert.equal(e.questions[0], path.join(dir, "q.yaml"));

  const bad = GOOD.replace("{step: 10, model: m10}", '{step: "ten", model: m10}');
  await assert.rejects(parseExperiment(bad, file), (err: Error) => {
    assert.match(err.message, /x\.yaml: models\[1\]\.checkpoints\[1\]\.step: expected number, received string \(line 9\)/);
    return true;
  });
  await assert.rejects(parseExperiment(GOOD.replace("name: x", "name: x\nsampels: 3"), file), /x\.yaml: Unrecognized key: "sampels"/);
  await assert.rejects(parseExperiment(GOOD.replace("metrics: [aligned]", "metrics: []"), file), /judges\[0\]\.metrics: Too small/);
  await assert.rejects(parseExperiment(GOOD.replace("id: b", "id: a"), file), /models\[1\]\.id: duplicate model id 'a'/);
  await assert.rejects(parseExperiment(GOOD.replace("[q.yaml]", "[nope.yaml]"), file), (err: Error) => {
    assert.match(err.message, /x\.yaml: questions\[0\]: question file 'nope\.yaml' not found \(looked at .*nope\.yaml and .*nope\.yaml\) \(line 3\)/);
    return true;
  });
  // an import's judge id must not collide with a configured judge (they score imported rows too) or the reserved "signals"
  await assert.rejects(
    parseExperiment(GOOD + "imports:\n  - {files: a.csv, judge: j}\n", file),
    /x\.yaml: imports\[0\]\.judge: 'j' is also the id of a configured judge .* \(line 13\)/,
  );
  await assert.rejects(
    parseExperiment(GOOD + "imports:\n  - {files: a.csv}\n  - {files: b.csv, judge: signals}\n", file),
    /imports\[1\]\.judge: 'signals' is reserved/,
  );
  assert.equal((await parseExperiment(GOOD + "imports:\n  - {files: a.csv}\n", file)).imports[0]!.judge, "imported");
});

test("experiment: coordinate name as checkpoint key, single-model shorthand", async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, "q.yaml"), "- id: a\n  paraphrases: [x]\n");
  const text = `name: y\ncoordinate: epoch\nquestions: [q.yaml]\ngeneration: {endpoint: {base_url: sim}}\nmodels:\n  - {id: a, checkpoints: [{epoch: 1, model: e1}, {epoch: 2, model: e2}]}\n  - {id: b, model: base}\n`;
  const e = await parseExperiment(text, path.join(dir, "y.yaml"));
  assert.deepEqual(
    e.models[0]!.checkpoints.map((c) => c.step),
    [1, 2],
  );
  assert.deepEqual(e.models[1]!.checkpoints, [{step: null, model: "base", meta: {}}]);
});

test("experiment file list: default skips examples/, EM_EXPERIMENTS takes paths and globs", () => {
  for (const f of experimentFiles({})) {
    assert.ok(!f.includes(`${path.sep}examples${path.sep}`), f);
    assert.equal(path.dirname(f), path.join(ROOT, "data/experiments"));
  }
  const dir = tmp();
  mkdirSync(path.join(dir, "sub"));
  for (const f of ["a.yaml", "b.yaml", "c.yml", "sub/d.yaml"]) writeFileSync(path.join(dir, f), "name: x\n");
  assert.deepEqual(experimentFiles({EM_EXPERIMENTS: `${dir}/*.yaml`}), [path.join(dir, "a.yaml"), path.join(dir, "b.yaml")]);
  assert.deepEqual(experimentFiles({EM_EXPERIMENTS: ` ${dir}/sub/d.yaml , ${dir}/a.yaml `}), [path.join(dir, "sub/d.yaml"), path.join(dir, "a.yaml")]);
  assert.deepEqual(
    experimentFiles({EM_EXPERIMENTS: `${dir}/**/*.{yaml,yml}`}),
    ["a.yaml", "b.yaml", "c.yml", "sub/d.yaml"].map((f) => path.join(dir, f)),
  );
  assert.throws(() => experimentFiles({EM_EXPERIMENTS: `${dir}/missing.yaml`}), /EM_EXPERIMENTS: .*missing\.yaml does not exist/);
  assert.throws(() => experimentFiles({EM_EXPERIMENTS: `${dir}/*.json`}), /matches no file/);
  // `**` matches zero or more folders (one glob implementation, loaders/import/glob.ts, serves imports and EM_EXPERIMENTS)
  for (const f of ["a/b.yaml", "a/x/y/b.yaml"]) {
    mkdirSync(path.join(dir, path.dirname(f)), {recursive: true});
    writeFileSync(path.join(dir, f), "name: x\n");
  }
  assert.deepEqual(globFiles("a/**/b.yaml", dir), [path.join(dir, "a/b.yaml"), path.join(dir, "a/x/y/b.yaml")]);
  assert.deepEqual(globFiles("nothing-here-*.yaml", dir), []);
});

test("loadExperiment names the file it cannot read", async () => {
  await assert.rejects(loadExperiment("/nonexistent/e.yaml"), /nonexistent\/e\.yaml: cannot read experiment file \(ENOENT\)/);
});

test("errors name the experiment file: an import entry that fails, a simulator config with a YAML slip", async () => {
  const dir = tmp();
  const exp = path.join(dir, "e.yaml");
  writeFileSync(exp, "name: e\nimports:\n  - {files: here.csv}\n  - {files: 'nothing-*.csv'}\n");
  writeFileSync(path.join(dir, "here.csv"), "question_id,question,response\nq,Q?,A.\n");
  await assert.rejects(runExperiment(exp, {cacheDir: path.join(dir, "c")}), /e\.yaml: imports\[1\]: files "nothing-\*\.csv" matches no file/);
  writeFileSync(exp, "name: e\nimports:\n  - {files: here.csv}\n  - {files: '*.csv', judge: other}\n");
  await assert.rejects(runExperiment(exp, {cacheDir: path.join(dir, "c")}), /e\.yaml: imports\[1\]: here\.csv is also read by imports\[0\]/);

  writeFileSync(path.join(dir, "q.yaml"), "- id: a\n  paraphrases: [x]\n");
  writeFileSync(path.join(dir, "sim.yaml"), "latencyMs: 1\nfaults: {rate: 0.1\n");
  writeFileSync(exp, "name: e\nquestions: [q.yaml]\ngeneration: {endpoint: {base_url: sim, config: sim.yaml}}\nmodels: [{id: m, model: 'sim:base'}]\n");
  await assert.rejects(planExperiment(exp, {cacheDir: path.join(dir, "c")}), /sim\.yaml:3:1: YAML syntax error/);
});

test("the dataset memo key follows a simulator config file (it changes simulated results)", async () => {
  const dir = tmp();
  const exp = path.join(dir, "e.yaml");
  writeFileSync(path.join(dir, "q.yaml"), "- id: a\n  paraphrases: [x]\n");
  writeFileSync(path.join(dir, "sim.yaml"), "latencyMs: 1\n");
  writeFileSync(exp, "name: e\nquestions: [q.yaml]\ngeneration: {endpoint: {base_url: sim, config: sim.yaml}}\nmodels: [{id: m, model: 'sim:base'}]\n");
  const a = await datasetKey([exp], {offline: true});
  assert.equal(await datasetKey([exp], {offline: true}), a);
  writeFileSync(path.join(dir, "sim.yaml"), "latencyMs: 2\n");
  assert.notEqual(await datasetKey([exp], {offline: true}), a);
});
