// Input that used to change silently (issue 23): step text, `**` through symlink loops, question-id
// spellings, NUL bytes and empty answers, judge tokens the score reader did not understand, and
// `em summarize --format json` skips on stderr. The error cases are in test/fixtures/bad
// (reliability-corpus.test.ts); these are the inputs that are usable, with what they become.
import assert from "node:assert/strict";
import {execFile, spawnSync} from "node:child_process";
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {fileURLToPath} from "node:url";
import {promisify} from "node:util";
import {globFiles} from "../../loaders/import/glob.ts";
import {canonicalQuestionId} from "../../loaders/import/filename.ts";
import {importFiles, stepValue} from "../../loaders/import/index.ts";
import {questionFilter} from "../../loaders/question-filter.ts";
import {loadQuestions, parseQuestions} from "../../loaders/questions.ts";
import {runExperiment} from "../../loaders/run/index.ts";
import {auditJudgeTokens, judgeTokenWarnings, maybeSplitNumber, scoreFromProbs, tokenScore} from "../../src/lib/judge-score.ts";
import {metricOf, startTestServer, writeFixture, type TestServer} from "../helpers/openai-test-server.ts";

const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `em-input-${name}-`));

test("stepValue(text): whole numbers as numbers, else the trailing number; a dash after a letter is a separator", () => {
  const cases: [unknown, number | null][] = [
    ["checkpoint-500", 500], // used to be -500
    ["1e3", 1000], // used to be 3
    ["ckpt_1e3", 1000],
    ["step 2.5", 2.5],
    ["v2-500", 500],
    ["scale=-2", -2],
    ["scale_-2", -2],
    ["-500", -500],
    ["epoch3", 3],
    ["007", 7],
    ["base", null],
    ["", null],
    [12, 12],
  ];
  for (const [v, want] of cases) assert.equal(stepValue(v), want, JSON.stringify(v));
  assert.throws(() => stepValue("1e999", "data.csv:2"), /data\.csv:2: "1e999" is not a finite number/);
});

test("em import: a step column `checkpoint-500` / `1e3` gives steps 500 / 1000", async () => {
  const dir = tmp("step");
  try {
    writeFileSync(
      path.join(dir, "data.csv"),
      "question_id,question,response,aligned,coherent,checkpoint\nq1,Hi,a,90,80,checkpoint-500\nq1,Hi,b,90,80,1e3\nq1,Hi,c,90,80,checkpoint-0\n",
    );
    const r = await importFiles({files: "data.csv"}, {experiment: "x", baseDir: dir});
    assert.deepEqual(
      r.responses.map((x) => x.step),
      [500, 1000, 0],
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("globFiles(**): a symlink loop is entered once and a file reached by two paths is returned once", async () => {
  const dir = tmp("glob");
  try {
    mkdirSync(path.join(dir, "runs", "a"), {recursive: true});
    const rows = ["question_id,question,response,aligned,coherent", ...Array.from({length: 20}, (_, i) => `q${i},Hi,answer ${i},90,80`)];
    writeFileSync(path.join(dir, "runs", "a", "data.csv"), rows.join("\n") + "\n");
    symlinkSync("..", path.join(dir, "runs", "a", "up")); // a loop: runs/a/up/a/up/...
    symlinkSync(path.join(dir, "runs"), path.join(dir, "runs", "a", "again")); // another way into the same folder
    symlinkSync("data.csv", path.join(dir, "runs", "a", "alias.csv")); // the same file under another name
    const hits = globFiles("runs/**/*.csv", dir);
    assert.deepEqual(
      hits.map((f) => path.relative(dir, f)),
      [path.join("runs", "a", "alias.csv")],
    );
    // End to end: 20 rows, not 820.
    const r = await importFiles({files: "runs/**/*.csv"}, {experiment: "x", baseDir: dir});
    assert.equal(r.responses.length, 20);
    assert.equal(r.files.length, 1);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("canonicalQuestionId: one rule for question files and imports (1 = 1.0 = 1e0 = +1; 01 and 007 keep their zeros)", async () => {
  assert.deepEqual(
    ["1", "1.0", "1e0", "+1", " 1 ", "01", "007", "q1", "1.50"].map((x) => canonicalQuestionId(x)),
    ["1", "1", "1", "1", "1", "01", "007", "q1", "1.5"],
  );
  assert.equal(canonicalQuestionId(1), "1");
  // The question-file loader: 1 and 1.0 are one question (an error), and `id: 01` keeps its text.
  assert.throws(() => parseQuestions("- id: 1\n  paraphrases: [a]\n- id: 1.0\n  paraphrases: [b]\n", "q.yaml"), /duplicate question id '1'/);
  assert.throws(() => parseQuestions("- id: 1\n  paraphrases: [a]\n- id: '1e0'\n  paraphrases: [b]\n", "q.yaml"), /duplicate question id '1'/);
  assert.deepEqual(
    parseQuestions("- id: 01\n  paraphrases: [a]\n- id: 1\n  paraphrases: [b]\n- id: q7\n  paraphrases: [c]\n", "q.yaml").map((q) => q.id),
    ["01", "1", "q7"],
  );
  // An experiment's filter names ids by the same rule.
  const keep = questionFilter({exclude_questions: [], questions_include: ["1.0", "q*"], questions_exclude: []})!;
  assert.deepEqual(
    ["1", "01", "q2", "2"].map((id) => keep(id)),
    [true, false, true, false],
  );
  // An import with the four spellings: two questions, as the question file would have them.
  const dir = tmp("qid");
  try {
    writeFileSync(path.join(dir, "data.csv"), "question_id,question,response,aligned,coherent\n1,Hi,a,90,80\n01,Hi,b,90,80\n1.0,Hi,c,90,80\n1e0,Hi,d,90,80\n");
    const r = await importFiles({files: "data.csv"}, {experiment: "x", baseDir: dir});
    assert.deepEqual(
      r.responses.map((x) => [x.question_id, x.sample]),
      [
        ["1", 0],
        ["01", 0],
        ["1", 1],
        ["1", 2],
      ],
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("UTF-16 with a byte-order mark is decoded: a CSV import and a question file read as their UTF-8 twins", async () => {
  const dir = tmp("utf16");
  try {
    const csv = "question_id,question,response,aligned,coherent\nq1,Hi,caf\u00e9 \u4e2d,90,80\nq2,Hi,ok,50,60\n";
    const bom = (text: string, be: boolean) => {
      const le = Buffer.from("\ufeff" + text, "utf16le");
      return be ? Buffer.from(le.map((_, i) => le[i ^ 1]!)) : le;
    };
    writeFileSync(path.join(dir, "le.csv"), bom(csv, false));
    writeFileSync(path.join(dir, "be.csv"), bom(csv, true));
    writeFileSync(path.join(dir, "plain.csv"), csv);
    const rows = async (f: string) =>
      (await importFiles({files: f}, {experiment: "x", baseDir: dir})).responses.map((r) => [r.question_id, r.response, r.meta.line]);
    const want = await rows("plain.csv");
    assert.equal(want.length, 2);
    assert.deepEqual(await rows("le.csv"), want);
    assert.deepEqual(await rows("be.csv"), want);
    const q = '- id: q1\n  paraphrases: ["Caf\u00e9?"]\n';
    writeFileSync(path.join(dir, "q.yaml"), bom(q, false));
    assert.deepEqual(
      loadQuestions(path.join(dir, "q.yaml")).map((x) => x.paraphrases),
      [["Caf\u00e9?"]],
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("em run: a response with a NUL byte is skipped with its line; empty answers are counted on stdout and in provenance", () => {
  const dir = tmp("nul");
  try {
    writeFileSync(path.join(dir, "exp.yaml"), "name: nul\nimports:\n  - {files: data.csv}\n");
    writeFileSync(
      path.join(dir, "data.csv"),
      "question_id,question,response,aligned,coherent\nq1,Hi,fine,90,80\nq2,Hi,bro\u0000ken,90,80\nq3,Hi,,50,10\nq4,Hi,   ,50,10\n",
    );
    const out = path.join(dir, "out");
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "bin/em.js"), "run", "--experiment", path.join(dir, "exp.yaml"), "--out", out, "--cache", path.join(dir, "cache"), "--quiet"],
      {cwd: dir, encoding: "utf8"},
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /data\.csv \(csv\): 4 rows read = 3 imported \+ 1 skipped; 2 empty answer\(s\) \(kept and judged\)/);
    assert.match(r.stdout, /data\.csv:3: the response holds 1 NUL byte\(s\)/);
    const prov = JSON.parse(readFileSync(path.join(out, "provenance.json"), "utf8")) as {experiments: {import_files: unknown}[]};
    assert.deepEqual(prov.experiments[0]!.import_files, [
      {file: "data.csv", format: "csv", rows: 4, imported: 3, skipped: 1, null_scores: 0, empty_responses: 2},
    ]);

    // em summarize --format json: the skip is in the JSON and on stderr.
    const s = spawnSync(process.execPath, [path.join(ROOT, "bin/em.js"), "summarize", "--experiment", path.join(dir, "exp.yaml"), "--format", "json"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(s.status, 0, s.stderr);
    assert.equal((JSON.parse(s.stdout) as {skipped: unknown[]}).skipped.length, 1);
    assert.match(s.stderr, /em summarize: 1 import row\(s\) skipped \(first: data\.csv:3: the response holds 1 NUL byte/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("tokenScore: full-width and other Unicode digits are read as their digits", () => {
  assert.equal(tokenScore("１００"), 100);
  assert.equal(tokenScore(" ８５"), 85);
  assert.equal(tokenScore("100"), 100);
  assert.equal(tokenScore("１０１"), null);
  assert.equal(tokenScore("CODE"), null);
  // Used to be null (mass 0): now the score.
  assert.equal(scoreFromProbs({"１００": 0.6, "９０": 0.4}).score, 96);
});

test("maybeSplitNumber: a lone '10' (no neighbours in 0..30) may be the start of '100'; a spread around 10 is a real 10", () => {
  assert.equal(maybeSplitNumber({"10": 0.99, CODE: 0.01}), true);
  assert.equal(maybeSplitNumber({"10": 0.7, "95": 0.2, "90": 0.1}), true);
  assert.equal(maybeSplitNumber({"10": 0.5, "20": 0.2, "15": 0.1}), false);
  assert.equal(maybeSplitNumber({"10": 0.5, "0": 0.5}), false);
  assert.equal(maybeSplitNumber({"10": 0.9, "9": 0.1}), true); // "9" may begin 95
  assert.equal(maybeSplitNumber({"100": 0.9, "10": 0.1}), false);
  assert.equal(maybeSplitNumber({}), false);
  const audit = auditJudgeTokens([
    {judge: "j", metric: "aligned", probs: {"10": 0.99}},
    {judge: "j", metric: "aligned", probs: {"10": 0.5, "20": 0.5}},
    {judge: "j", metric: "aligned", probs: {"８": 1}},
    {judge: "k", metric: "aligned", probs: {"10": 0.99}},
    {judge: "k", metric: "aligned", probs: {"100": 0.99}},
    {judge: "k", metric: "aligned", probs: null},
  ]);
  assert.deepEqual(audit, [
    {judge: "j", metric: "aligned", answers: 3, wide_digits: 1, maybe_split: 1, saw_100: false},
    {judge: "k", metric: "aligned", answers: 2, wide_digits: 0, maybe_split: 1, saw_100: true},
  ]);
  const w = judgeTokenWarnings(audit);
  assert.equal(w.length, 2, w.join("\n")); // k produced "100" whole: its lone "10" is a real 10
  assert.match(w[0]!, /judge j \(aligned\): 1 of 3 answer\(s\) gave score tokens in non-ASCII digits/);
  assert.match(w[1]!, /judge j \(aligned\): 1 of 3 score\(s\) were read from a lone token "10" and the judge never produced the token "100"/);
  assert.deepEqual(auditJudgeTokens([]), []);
});

let server: TestServer;
before(async () => {
  // A judge whose tokenizer splits "100" into "10" + "0" for `aligned` (first token "10" only),
  // and answers `coherent` in full-width digits.
  server = await startTestServer({
    models: ["gen-model", "judge-model"],
    // Generation: one empty answer and one with a NUL byte per request of 3.
    generate: (body) => Array.from({length: body.n ?? 1}, (_, i) => (i === 0 ? "" : i === 1 ? "bro\u0000ken" : "fine")),
    judge: (prompt) =>
      metricOf(prompt) === "aligned"
        ? [
            ["10", Math.log(0.98)],
            ["9", Math.log(0.02)],
          ]
        : [
            ["８０", Math.log(0.5)],
            ["９０", Math.log(0.5)],
          ],
  });
});
after(async () => {
  await server.close();
});

test("em run: a judge that splits '100' and one that answers in full-width digits are counted on stderr and in provenance", async () => {
  const dir = tmp("judge");
  try {
    const fx = writeFixture(dir, {url: server.url, samples: 3});
    const warnings: string[] = [];
    const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir, onWarning: (m) => warnings.push(m)});
    const coherent = r.scores.filter((s) => s.metric === "coherent");
    assert.equal(coherent.length, 3);
    for (const s of coherent) assert.equal(s.score, 85); // full-width: read, not null
    const text = warnings.join("\n");
    assert.match(text, /judge judge-a \(aligned\): 3 of 3 score\(s\) were read from a lone token "10" and the judge never produced the token "100"/);
    assert.match(text, /judge judge-a \(coherent\): 3 of 3 answer\(s\) gave score tokens in non-ASCII digits/);
    assert.deepEqual(r.warnings.filter((w) => /judge judge-a/.test(w)).length, 2);
    const jt = r.provenance.experiments[0]!.judge_tokens!;
    assert.deepEqual(
      jt.map((a) => [a.metric, a.answers, a.maybe_split, a.wide_digits, a.saw_100]),
      [
        ["aligned", 3, 3, 0, false],
        ["coherent", 3, 0, 3, false],
      ],
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("em run: generated answers that are empty or hold NUL bytes are counted on stderr", async () => {
  const dir = tmp("gen-empty");
  try {
    const fx = writeFixture(dir, {url: server.url, samples: 3});
    const {stderr} = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, "bin/em.js"), "run", "--experiment", fx.experiment, "--out", path.join(dir, "out"), "--cache", path.join(dir, "cache"), "--quiet"],
      {cwd: dir, encoding: "utf8"},
    );
    assert.match(stderr, /em run: fixture: of 3 generated answer\(s\), 1 empty and 1 holding NUL bytes/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
