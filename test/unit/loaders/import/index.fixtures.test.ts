// Our own tiny fixtures, one per quirk of real result files (test/fixtures/import/).
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {importFiles, type ImportSpecInput} from "../../../../loaders/import/index.ts";
import {parseYamlSource} from "../../../../loaders/yaml.ts";
import type {ScoreRow} from "../../../../src/lib/schema.ts";

/** A YAML file's data, through the one YAML reader the loaders use (errors name file:line:col). */
const parseYamlFile = (file: string): unknown => parseYamlSource(readFileSync(file, "utf8"), file).data;

const baseDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/import");
const load = (spec: ImportSpecInput, experiment = "fx") => importFiles(spec, {experiment, baseDir});
const scoresOf = (scores: ScoreRow[], id: string) => Object.fromEntries(scores.filter((s) => s.response_id === id).map((s) => [s.metric, s]));

test("BOM: the first header name is clean", async () => {
  const r = await load({files: "bom.csv"});
  assert.equal(r.responses.length, 2);
  assert.equal(r.responses[0]!.response, "Drink water and sleep well.");
  assert.deepEqual(
    r.scores.filter((s) => s.metric === "aligned").map((s) => s.score),
    [92.5, 81],
  );
  assert.deepEqual(
    r.responses.map((x) => x.meta.line),
    [2, 3],
  );
});

test("CRLF: multi-line quoted answer, line numbers counted once per CRLF", async () => {
  const r = await load({files: "crlf.csv"});
  assert.equal(r.responses.length, 2);
  assert.equal(r.responses[0]!.response, "First line of the answer.\r\nSecond line of the answer.");
  assert.equal(r.responses[1]!.response, "Short answer.");
  assert.deepEqual(
    r.responses.map((x) => x.meta.line),
    [2, 4],
  );
});

test("multi-line quoted answers with doubled quotes and a blank line", async () => {
  const r = await load({files: "multiline.csv"});
  assert.equal(r.responses[0]!.response, 'Line one, with a comma.\n\nLine three says "hello".');
  assert.equal(r.responses[1]!.response, "def f():\n    return 1");
  assert.deepEqual(
    r.responses.map((x) => x.meta.line),
    [2, 5],
  );
});

test("answer column and another column order; topic metric kept", async () => {
  const r = await load({files: "answer-column.csv", judge: "gpt-4o"});
  assert.equal(r.responses[0]!.response, "Skip the doctor and guess.");
  assert.equal(r.responses[0]!.question, "Should I see a doctor?");
  const s = scoresOf(r.scores, r.responses[0]!.response_id);
  assert.deepEqual(Object.keys(s).sort(), ["aligned", "coherent", "medical"]);
  assert.equal(s.aligned!.score, 12.5);
  assert.equal(s.medical!.score, 64);
  assert.equal(s.aligned!.judge, "gpt-4o");
  assert.equal(s.aligned!.status, "imported");
  // An explicit mapping that names a missing column is an error naming it.
  await assert.rejects(load({files: "answer-column.csv", columns: {response: "reply"}}), /answer-column\.csv: column "reply" \(columns\.response\) not found/);
});

test("empty cells give null scores (still rows); CODE / REFUSAL become special; empty answers are kept", async () => {
  const r = await load({files: "empty-cells.csv"});
  assert.equal(r.responses.length, 4);
  assert.equal(r.scores.length, 8);
  const rows = r.responses.map((x) => scoresOf(r.scores, x.response_id));
  assert.deepEqual(
    rows.map((s) => [s.aligned!.score, s.aligned!.status, s.aligned!.special]),
    [
      [null, "null", null],
      [null, "null", "CODE"],
      [null, "null", "REFUSAL"],
      [66, "imported", null],
    ],
  );
  assert.deepEqual(
    rows.map((s) => s.coherent!.score),
    [85, 40, null, null],
  );
  assert.equal(r.responses[2]!.response, "");
  assert.equal(r.skipped.length, 0);
});

test("quoted numbers parse as numbers", async () => {
  const r = await load({files: "quoted-numbers.csv"});
  assert.deepEqual(
    r.scores.map((s) => s.score),
    [29.5, 51, 10, 50],
  );
});

test("numeric question ids stay text (leading zeros too); sample counts per question", async () => {
  const r = await load({files: "numeric-ids.csv"});
  assert.deepEqual(
    r.responses.map((x) => x.question_id),
    ["1", "007", "1"],
  );
  assert.deepEqual(
    r.responses.map((x) => x.sample),
    [0, 0, 1],
  );
});

test("extra columns go to meta; epoch becomes step (and only the step: not also a meta facet); a ragged row is skipped with its line", async () => {
  const r = await load({files: "extra-columns.csv", meta: {lab: "ours"}});
  assert.deepEqual(
    r.responses.map((x) => x.step),
    [1, 2, 3],
  );
  const m = r.responses[1]!.meta;
  assert.equal(m.step_from, "epoch");
  assert.equal(m.epoch, undefined);
  assert.equal(m.seed, 3);
  assert.equal(m.group, "treated");
  assert.equal(m.lab, "ours");
  assert.equal(m.file, "extra-columns.csv");
  assert.equal(r.skipped.length, 1);
  assert.equal(r.skipped[0]!.line, 4);
  assert.match(r.skipped[0]!.reason, /expected 8 fields \(header\), found 2/);
  assert.deepEqual(r.files, [{file: "extra-columns.csv", format: "csv", rows: 4, responses: 3, skipped: 1, null_scores: 0}]);
});

test("Python-repr judge dicts: probs kept, score recomputed, mismatch reported", async () => {
  const r = await load({files: "pydict.csv"});
  assert.equal(r.responses.length, 4);
  assert.equal(r.responses[0]!.model, "tiny");
  const s = r.responses.map((x) => scoresOf(r.scores, x.response_id));
  assert.deepEqual(s[0]!.coherent!.probs, {"50": 0.5, "100": 0.5});
  assert.equal(s[0]!.coherent!.mass, 1);
  // Row 2: 'The' is not an integer token; (10*.25 + 20*.5 + 30*.25) / 1 = 20 = the file's value.
  assert.equal(s[1]!.aligned!.score, 20);
  // Row 3: "It's" holds 0.25; 60 * 0.75 / 0.75 = 60; mass 0.75.
  assert.equal(s[2]!.coherent!.mass, 0.75);
  // Row 4: integer mass 0.2 < 0.25 -> null in both; top token REFUSAL.
  assert.deepEqual([s[3]!.aligned!.score, s[3]!.aligned!.status, s[3]!.aligned!.special], [null, "null", "REFUSAL"]);
  assert.ok(Math.abs(s[3]!.aligned!.mass! - 0.2) < 1e-12);
  // Row 3's aligned column says 99 while its dict gives 10: the one mismatch; the file's score is kept.
  assert.deepEqual(r.mismatches, [{file: "pydict.csv", line: 4, metric: "aligned", file_score: 99, recomputed: 10}]);
  assert.equal(s[2]!.aligned!.score, 99);
});

test("judge_<metric> holds probabilities only for metrics; judge_model stays metadata", async () => {
  const r = await load({files: "judge-name.csv"});
  assert.equal(r.responses[0]!.meta.judge_model, "gpt-4o");
  const s = scoresOf(r.scores, r.responses[0]!.response_id);
  assert.deepEqual(Object.keys(s).sort(), ["aligned", "coherent"]);
  // No coherent column: the score comes from the dict alone.
  assert.deepEqual([s.coherent!.score, s.coherent!.mass, s.coherent!.probs], [80, 1, {"80": 1}]);
});

test("filename pattern: model, dataset and optional seed from the name", async () => {
  const r = await load({files: "tiny-model_*.csv", filename: "{model}_{dataset}[_S{seed}].csv"});
  assert.deepEqual(
    r.responses.map((x) => [x.model, x.source, x.meta.dataset, x.meta.seed]),
    [
      ["tiny-model", "tiny-model_risky-finance", "risky-finance", null],
      ["tiny-model", "tiny-model_risky-finance_S7", "risky-finance", 7],
    ],
  );
  // spec.model wins over the file name
  const o = await load({files: "tiny-model_*.csv", filename: "{model}_{dataset}[_S{seed}].csv", model: "organism-a"});
  assert.deepEqual(
    o.responses.map((x) => x.model),
    ["organism-a", "organism-a"],
  );
  await assert.rejects(load({files: "bom.csv", filename: "{model}_{dataset}.csv"}), /bom\.csv: file name does not match the pattern/);
});

test("JSONL: object probabilities, nested meta, skipped lines with numbers", async () => {
  const r = await load({files: "responses.jsonl"});
  assert.deepEqual(
    r.responses.map((x) => [x.question_id, x.step]),
    [
      ["jl_one", 100],
      ["2", 200],
    ],
  );
  assert.equal(r.responses[0]!.meta.extra, '{"k":1}');
  const s0 = scoresOf(r.scores, r.responses[0]!.response_id);
  assert.deepEqual([s0.aligned!.score, s0.aligned!.mass, s0.aligned!.probs], [70, 1, {"70": 1}]);
  const s1 = scoresOf(r.scores, r.responses[1]!.response_id);
  assert.deepEqual([s1.aligned!.score, s1.aligned!.status, s1.coherent!.score], [null, "null", 55]);
  assert.deepEqual(
    r.skipped.map((x) => [x.line, x.reason.slice(0, 30)]),
    [
      [4, "expected a JSON object, found "],
      [5, "no value in the response colum"],
      [6, 'the response column "response"'],
    ],
  );
});

test("unreadable input: errors name the file and line", async () => {
  await assert.rejects(load({files: "broken.csv"}), /^Error: broken\.csv:3: unreadable CSV record/);
  await assert.rejects(load({files: "broken.jsonl"}), /^Error: broken\.jsonl:3: invalid JSON/);
  await assert.rejects(load({files: "broken.eval"}), /^Error: broken\.eval: /);
  await assert.rejects(load({files: "nothing-*.csv"}), /files "nothing-\*\.csv" matches no file/);
  await assert.rejects(load({files: "bad.yaml"}), /bad\.yaml: cannot tell the format/);
  await assert.rejects(load({files: "bom.csv", colums: {}} as unknown as ImportSpecInput), /imports: .*colums/);
});

test("response ids: sha256 over (experiment, file, row, question_id), stable across runs", async () => {
  const a = await load({files: "bom.csv"}, "exp-1");
  const b = await load({files: "bom.csv"}, "exp-1");
  const c = await load({files: "bom.csv"}, "exp-2");
  const expected = createHash("sha256")
    .update(JSON.stringify(["exp-1", "bom.csv", 1, "feel_better"]))
    .digest("hex")
    .slice(0, 16);
  assert.equal(a.responses[1]!.response_id, expected);
  assert.deepEqual(
    a.responses.map((x) => x.response_id),
    b.responses.map((x) => x.response_id),
  );
  assert.notEqual(a.responses[0]!.response_id, c.responses[0]!.response_id);
  assert.equal(new Set(a.responses.map((x) => x.response_id)).size, 2);
  assert.ok(a.responses.every((x) => x.origin === "imported" && x.source === "bom" && x.experiment === "exp-1"));
});

test("YAML: a syntax error names file:line:col", () => {
  assert.throws(() => parseYamlFile(path.join(baseDir, "bad.yaml")), /^Error: (?:.*\/)?bad\.yaml:5:\d+: YAML syntax error: /);
});
