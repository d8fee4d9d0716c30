// Input that used to change silently (issue 23): step text, `**` through symlink loops, question-id
// spellings, NUL bytes and empty answers, judge tokens the score reader did not understand, and
// `em summarize --format json` skips on stderr. The error cases are in test/fixtures/bad
// (test/unit/e2e/cli-corpus.test.ts); these are the inputs that are usable, with what they become.
import assert from "node:assert/strict";
import {execFile, spawnSync} from "node:child_process";
import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {fileURLToPath} from "node:url";
import {promisify} from "node:util";
import {globFiles} from "../../../loaders/import/glob.ts";
import {canonicalQuestionId} from "../../../loaders/import/filename.ts";
import {importFiles, stepValue} from "../../../loaders/import/index.ts";
import {questionFilter} from "../../../loaders/question-filter.ts";
import {loadQuestions, parseQuestions} from "../../../loaders/questions.ts";
import {runExperiment} from "../../../loaders/run/index.ts";
import {auditJudgeTokens, judgeTokenWarnings, maybeSplitNumber, resolveSplitTen, scoreFromProbs, tokenScore} from "../../../src/lib/judge-score.ts";
import {metricOf, startTestServer, writeFixture, type TestServer} from "../../helpers/openai-test-server.ts";

const ROOT = path.resolve(fileURLToPath(new URL("../../..", import.meta.url)));
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
    assert.match(s.stderr, /em summarize: 1 import row\(s\) skipped:\n {2}data\.csv:3: the response holds 1 NUL byte/);
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
  const settled = {split_resolved: 0, split_changed: 0, split_unknown: 0, digit_split: 0};
  const digits = {maybe_digits: 0, saw_multi_digit: true};
  // j's full-width "８" alone is a lone digit, but j also said "10" and "20": whole numbers, no warning.
  assert.deepEqual(audit, [
    {judge: "j", metric: "aligned", answers: 3, wide_digits: 1, maybe_split: 1, saw_100: false, ...settled, ...digits, maybe_digits: 1},
    {judge: "k", metric: "aligned", answers: 2, wide_digits: 0, maybe_split: 1, saw_100: true, ...settled, ...digits},
  ]);
  const w = judgeTokenWarnings(audit);
  assert.equal(w.length, 2, w.join("\n")); // k produced "100" whole: its lone "10" is a real 10
  assert.match(w[0]!, /judge j \(aligned\): 1 of 3 answer\(s\) gave score tokens in non-ASCII digits/);
  assert.match(w[1]!, /judge j \(aligned\): 1 of 3 score\(s\) were read from a lone token "10" and the judge never produced the token "100"/);
  assert.deepEqual(auditJudgeTokens([]), []);
});

test("resolveSplitTen: the second token splits the mass on '10' into 10 and 100; other digits drop out; 'end' keeps 10", () => {
  const probs = {"10": 0.8, "9": 0.1, CODE: 0.1};
  // "0" continues to 100, "\n" ends at 10, "5" makes 105 (not a score).
  const r = resolveSplitTen(probs, {"0": 0.6, "\n": 0.3, "5": 0.1})!;
  assert.ok(Math.abs(r["100"]! - 0.48) < 1e-12 && Math.abs(r["10"]! - 0.24) < 1e-12, JSON.stringify(r));
  assert.equal(r["9"], 0.1);
  assert.equal(r.CODE, 0.1);
  assert.deepEqual(probs, {"10": 0.8, "9": 0.1, CODE: 0.1}); // input unchanged
  assert.deepEqual(resolveSplitTen(probs, "end"), probs);
  assert.equal(resolveSplitTen(probs, {}), null); // nothing listed: undetermined
  assert.equal(resolveSplitTen(probs, {"0": Number.NaN}), null);
});

test("resolveSplitTen, seeded: a judge whose tokenizer splits '100' is read as the same judge with a whole '100' token (2,000 random answers)", () => {
  let seed = 23;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let worst = 0;
  let before = 0;
  for (let k = 0; k < 2000; k++) {
    // The judge's true distribution over a few scores, 10 and 100 among them, and a non-score word.
    const truth: Record<string, number> = {};
    for (const n of ["10", "100", "90", "95", "5", "CODE"]) truth[n] = rand() ** 2;
    const total = Object.values(truth).reduce((a, b) => a + b, 0);
    for (const t in truth) truth[t]! /= total;
    // What a splitting tokenizer shows: "10" carries 10 and 100; the second token after "10" is "0"
    // with the share of 100, an end-like token with the share of 10.
    const {"100": p100, "10": p10, ...rest} = truth;
    const first = {...rest, "10": p10! + p100!};
    const next = {"0": p100! / (p10! + p100!), "\n": p10! / (p10! + p100!)};
    const want = scoreFromProbs(truth).score!;
    const got = scoreFromProbs(resolveSplitTen(first, next)!).score!;
    worst = Math.max(worst, Math.abs(got - want));
    before = Math.max(before, Math.abs(scoreFromProbs(first).score! - want));
  }
  assert.ok(worst < 1e-9, `largest error ${worst}`);
  assert.ok(before > 30, `reading the first token alone is off by up to ${before}`); // the bug it fixes
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
    // The second token after "10" (asked with max_tokens 2): "0" (it meant 100) for the answer
    // "fine", the end (it meant 10) for the empty answer, nothing readable for the NUL answer.
    judgeNext: (prompt) =>
      prompt.includes("fine")
        ? [
            ["0", Math.log(0.99)],
            ["\n", Math.log(0.01)],
          ]
        : prompt.includes("bro")
          ? null
          : "stop",
  });
});
after(async () => {
  await server.close();
});

test("em run: a judge that splits '100' is read from its second token (100, 10, or unknown, counted); full-width digits are counted", async () => {
  const dir = tmp("judge");
  try {
    const fx = writeFixture(dir, {url: server.url, samples: 3});
    const warnings: string[] = [];
    const before = server.requests.length;
    const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir, onWarning: (m) => warnings.push(m)});
    const coherent = r.scores.filter((s) => s.metric === "coherent");
    assert.equal(coherent.length, 3);
    for (const s of coherent) assert.equal(s.score, 85); // full-width: read, not null
    // aligned: first token "10" 0.98, "9" 0.02; the follow-up decides the "10".
    const text = (id: string) => r.responses.find((x) => x.response_id === id)!.response;
    const aligned = new Map(r.scores.filter((s) => s.metric === "aligned").map((s) => [text(s.response_id), s]));
    assert.ok(Math.abs(aligned.get("fine")!.score! - (0.98 * (0.99 * 100 + 0.01 * 10) + 0.02 * 9)) < 1e-9, String(aligned.get("fine")!.score));
    assert.ok(Math.abs(aligned.get("")!.score! - (0.98 * 10 + 0.02 * 9)) < 1e-9, String(aligned.get("")!.score));
    assert.equal(aligned.get("bro\u0000ken")!.score, null); // unknown, not 10
    assert.equal(aligned.get("bro\u0000ken")!.status, "null");
    const follow = server.requests.slice(before).filter((q) => q.body?.logprobs && q.body.max_tokens === 2);
    assert.equal(follow.length, 3); // one follow-up per lone "10", none for coherent
    const all = warnings.join("\n");
    assert.match(all, /judge judge-a \(aligned\): 2 of 3 answer\(s\) had a lone score token \("10".*decided from the judge's second token, 1 moved/);
    assert.match(
      all,
      /judge judge-a \(aligned\): 1 of 3 answer\(s\) had a lone score token "10" that the judge's second token could not decide .*recorded as unknown/,
    );
    assert.doesNotMatch(all, /were read from a lone token "10"/); // settled, not a hint
    assert.match(all, /judge judge-a \(coherent\): 3 of 3 answer\(s\) gave score tokens in non-ASCII digits/);
    assert.deepEqual(r.warnings.filter((w) => /judge judge-a/.test(w)).length, 3);
    const jt = r.provenance.experiments[0]!.judge_tokens!;
    assert.deepEqual(
      jt.map((a) => [a.metric, a.answers, a.maybe_split, a.wide_digits, a.saw_100, a.split_resolved, a.split_changed, a.split_unknown]),
      [
        ["aligned", 3, 0, 0, false, 2, 1, 1],
        ["coherent", 3, 0, 3, false, 0, 0, 0],
      ],
    );
    // A rerun reads the follow-ups from the cache: no call, same scores.
    const mark = server.requests.length;
    const again = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir, onWarning: () => {}});
    assert.equal(server.requests.filter((q, i) => i >= mark && q.body).length, 0);
    assert.deepEqual(
      again.scores.map((s) => s.score),
      r.scores.map((s) => s.score),
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
