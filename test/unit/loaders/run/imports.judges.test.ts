// One file holding several judges' scores of the same answers (a Parquet struct of scores per judge,
// read with a `sql:` import): `metrics: {col: {metric, judge}}` writes each column under its judge,
// in the whole run, the streamed dataset and `em summarize`; a mapped judge is checked like `judge:`.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {DuckDBInstance} from "@duckdb/node-api";
import {loadDataset} from "../../../../loaders/dataset.ts";
import {loadExperiment} from "../../../../loaders/experiment.ts";
import {runExperiment} from "../../../../loaders/run/index.ts";
import {streamable} from "../../../../loaders/run/stream.ts";
import {runEm as em} from "../../../helpers/cli.ts";
import {tempDir} from "../../../helpers/tmp.ts";

// 4 answers; judge a: aligned 10, 80, 20, 90; judge b: aligned 50, 80, 20, 10; both coherent 90.
// EM (aligned < 30, coherent > 50): a 2 of 4 (rows 1, 3), b 2 of 4 (rows 3, 4).
const A = [10, 80, 20, 90];
const B = [50, 80, 20, 10];

async function study(): Promise<string> {
  const dir = tempDir("em-import-judges-");
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  const rows = A.map(
    (a, i) => `('q${i % 2}', 'Question ${i % 2}?', 'answer ${i}', {'a': {'aligned': ${a}, 'coherent': 90}, 'b': {'aligned': ${B[i]}, 'coherent': 90}})`,
  );
  await con.run(
    `COPY (SELECT * FROM (VALUES ${rows.join(", ")}) t(question_id, question, response, scores)) TO '${path.join(dir, "study.parquet")}' (FORMAT parquet)`,
  );
  con.closeSync();
  const yaml = `name: judges
imports:
  - files: study.parquet
    judge: a
    sql: |
      SELECT question_id, question, response, scores.a.aligned AS aligned, scores.a.coherent AS coherent,
             scores.b.aligned AS b_aligned, scores.b.coherent AS b_coherent
      FROM read_parquet($file)
    metrics:
      b_aligned: {metric: aligned, judge: b}
      b_coherent: {metric: coherent, judge: b}
`;
  writeFileSync(path.join(dir, "exp.yaml"), yaml);
  return path.join(dir, "exp.yaml");
}

const byJudge = (scores: {judge: string; metric: string; score: number | null}[]) => {
  const out: Record<string, (number | null)[]> = {};
  for (const s of scores) if (s.metric === "aligned") (out[s.judge] ??= []).push(s.score);
  return out;
};

test("metrics: {col: {metric, judge}} imports each judge's columns of one file under its own judge id", async () => {
  const file = await study();
  const dir = path.dirname(file);
  const whole = await runExperiment(file, {cacheDir: path.join(dir, "cache")});
  assert.equal(whole.responses.length, 4, "one response per record, not one per judge");
  assert.deepEqual(byJudge(whole.scores), {a: A, b: B});
  assert.equal(whole.scores.length, 16, "2 judges x 2 metrics x 4 answers");
  // The dataset an import-only experiment streams into its tables has the same scores.
  assert.equal(streamable(await loadExperiment(file)), true);
  const ds = await loadDataset({files: [file], cacheDir: path.join(dir, "cache"), memoDir: path.join(dir, "memo"), quiet: true});
  assert.deepEqual(byJudge(ds.scores), {a: A, b: B});

  const r = await em(["summarize", "--experiment", file, "--judge", "all", "--by", "judge", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {judges_available: string[]; groups: {key: {judge: string}; n_em: number; n: number}[]};
  assert.deepEqual(out.judges_available, ["a", "b"]);
  assert.deepEqual(
    out.groups.map((g) => [g.key.judge, g.n_em, g.n]),
    [
      ["a", 2, 4],
      ["b", 2, 4],
    ],
  );
});

test("a judge named in metrics: is checked like judge: (reserved id), naming the field", async () => {
  const dir = tempDir("em-import-judges-");
  const file = path.join(dir, "exp.yaml");
  writeFileSync(path.join(dir, "a.csv"), "question,response,aligned,x\nQ?,A,10,20\n");
  writeFileSync(file, "name: j\nimports:\n  - files: a.csv\n    metrics: {x: {metric: aligned, judge: signals}}\n");
  await assert.rejects(loadExperiment(file), /exp\.yaml: imports\[0\]\.metrics\.x\.judge: 'signals' is reserved.*\(line 4\)/);
});

test("two columns written as one judge's same metric (a metrics: judge that repeats the entry's) are an error naming the file and both columns; nothing is summarized", async () => {
  const dir = tempDir("em-import-judges-");
  const file = path.join(dir, "exp.yaml");
  // The user meant x to be judge b's aligned score, but named the entry's own judge a: every answer
  // would get two different aligned scores from judge a (10 and 80), and pages picked either.
  writeFileSync(path.join(dir, "a.csv"), "question,response,aligned,coherent,x\nQ?,A,10,90,80\nQ2?,B,80,90,10\n");
  writeFileSync(file, "name: j\nimports:\n  - files: a.csv\n    judge: a\n    metrics: {x: {metric: aligned, judge: a}}\n");
  await assert.rejects(runExperiment(file, {cacheDir: path.join(dir, "cache")}), /a\.csv: columns "aligned" and "x" are both judge a's aligned score/);
  const ds = loadDataset({files: [file], cacheDir: path.join(dir, "cache"), memoDir: path.join(dir, "memo"), quiet: true});
  await assert.rejects(ds, /a\.csv: columns "aligned" and "x" are both judge a's aligned score/);
  const r = await em(["summarize", "--experiment", file, "--format", "json"]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /a\.csv: columns "aligned" and "x" are both judge a's aligned score \(metrics:\)/);
  assert.equal(r.stdout, "");
});
