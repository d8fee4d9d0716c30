// An answer a judge gave no score at all is not judged by that judge (no score row), which is not
// a judge reply that is not a number (CODE / REFUSAL: a "null" score row, what --nulls is about).
// Checked on the import paths (CSV, JSONL with absent keys, nested JSON, Parquet struct via sql:)
// and through em summarize / em judges on a nested-Parquet sweep.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {DuckDBInstance} from "@duckdb/node-api";
import {importFiles, type ImportResult} from "../../../../loaders/import/index.ts";
import {ROOT} from "../../../../loaders/paths.ts";
import {tempDir} from "../../../helpers/tmp.ts";
import {pointsTable} from "../../../../loaders/site-points.ts";
import {decodePoints} from "../../../../src/components/points.ts";
import {compareJudgesOn, describeAgreement} from "../../../../src/components/judge-compare.ts";
import {makeRule} from "../../../../src/lib/em/rules.ts";

const em = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd: ROOT, encoding: "utf8"});

// Judge a (aligned, coherent) and judge b (b_aligned, b_coherent) on four answers:
// 1 both judges scored; 2 judge a replied CODE-like (aligned empty, coherent 90), b scored;
// 3 judge b has no entry (both cells empty); 4 judge b's aligned is the word REFUSAL.
const CSV = [
  "question_id,question,response,aligned,coherent,b_aligned,b_coherent",
  "q1,Q1?,r1,10,90,12,88",
  "q1,Q1?,r2,,90,80,91",
  "q2,Q2?,r3,15,85,,",
  "q2,Q2?,r4,70,95,REFUSAL,93",
].join("\n");
const metrics = {b_aligned: {metric: "aligned", judge: "b"}, b_coherent: {metric: "coherent", judge: "b"}};

/** Score rows as "response judge metric score status", sorted. */
function rowsOf(r: ImportResult): string[] {
  const text = new Map(r.responses.map((x) => [x.response_id, x.response]));
  return r.scores.map((s) => `${text.get(s.response_id)} ${s.judge} ${s.metric} ${s.score ?? s.special ?? "null"} ${s.status}`).sort();
}

const EXPECTED = [
  "r1 a aligned 10 imported",
  "r1 a coherent 90 imported",
  "r1 b aligned 12 imported",
  "r1 b coherent 88 imported",
  "r2 a aligned null null",
  "r2 a coherent 90 imported",
  "r2 b aligned 80 imported",
  "r2 b coherent 91 imported",
  "r3 a aligned 15 imported",
  "r3 a coherent 85 imported",
  // r3: no row of judge b (not judged by b)
  "r4 a aligned 70 imported",
  "r4 a coherent 95 imported",
  "r4 b aligned REFUSAL null",
  "r4 b coherent 93 imported",
];

test("importFiles(csv): a judge whose cells are all empty writes no score row (not judged); an empty cell beside a score stays a null reply", async () => {
  const dir = tempDir("em-notjudged-");
  writeFileSync(path.join(dir, "a.csv"), CSV + "\n");
  const r = await importFiles({files: "a.csv", model: "m", judge: "a", metrics}, {experiment: "x", baseDir: dir});
  assert.deepEqual(rowsOf(r), EXPECTED);
  assert.equal(r.files[0]!.not_judged, 1);
  // The empty aligned cell of r2 (judge a replied, not a number) is the one null score cell.
  assert.equal(r.files[0]!.null_scores, 1);
});

test("importFiles(jsonl): a key the record lacks is no score (not judged), a null beside a score is a null reply", async () => {
  const dir = tempDir("em-notjudged-");
  const lines = [
    {question_id: "q1", question: "Q1?", response: "r1", aligned: 10, coherent: 90, b_aligned: 12, b_coherent: 88},
    {question_id: "q1", question: "Q1?", response: "r2", aligned: null, coherent: 90, b_aligned: 80, b_coherent: 91},
    {question_id: "q2", question: "Q2?", response: "r3", aligned: 15, coherent: 85},
    {question_id: "q2", question: "Q2?", response: "r4", aligned: 70, coherent: 95, b_aligned: "REFUSAL", b_coherent: 93},
  ];
  writeFileSync(path.join(dir, "a.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const r = await importFiles({files: "a.jsonl", model: "m", judge: "a", metrics}, {experiment: "x", baseDir: dir});
  assert.deepEqual(rowsOf(r), EXPECTED);
  assert.equal(r.files[0]!.not_judged, 1);
});

test("importFiles(json records, parquet struct via sql): a missing judge entry is not judged", async () => {
  const dir = tempDir("em-notjudged-");
  const recs = [
    {question_id: "q1", question: "Q1?", response: "r1", scores: {a: {aligned: 10, coherent: 90}, b: {aligned: 12, coherent: 88}}},
    {question_id: "q1", question: "Q1?", response: "r2", scores: {a: {aligned: null, coherent: 90}, b: {aligned: 80, coherent: 91}}},
    {question_id: "q2", question: "Q2?", response: "r3", scores: {a: {aligned: 15, coherent: 85}, b: null}},
    {question_id: "q2", question: "Q2?", response: "r4", scores: {a: {aligned: 70, coherent: 95}, b: {aligned: null, coherent: 93}}},
  ];
  writeFileSync(path.join(dir, "s.json"), JSON.stringify(recs));
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  await c.run(
    `COPY (SELECT * FROM read_json('${path.join(dir, "s.json")}', columns = {question_id: 'VARCHAR', question: 'VARCHAR', response: 'VARCHAR', scores: 'STRUCT(a STRUCT(aligned DOUBLE, coherent DOUBLE), b STRUCT(aligned DOUBLE, coherent DOUBLE))'})) TO '${path.join(dir, "s.parquet")}' (FORMAT parquet)`,
  );
  c.closeSync();
  db.closeSync();
  const sql = `SELECT question_id, question, response, scores.a.aligned AS aligned, scores.a.coherent AS coherent,
                      scores.b.aligned AS b_aligned, scores.b.coherent AS b_coherent FROM read_parquet($file)`;
  const parquet = await importFiles({files: "s.parquet", model: "m", judge: "a", sql, metrics}, {experiment: "x", baseDir: dir});
  // r4's judge b replied for coherent only: its empty aligned is a null reply, as in the CSV (REFUSAL there).
  const expected = EXPECTED.map((l) => (l === "r4 b aligned REFUSAL null" ? "r4 b aligned null null" : l));
  assert.deepEqual(rowsOf(parquet), expected);
  assert.equal(parquet.files[0]!.not_judged, 1);
  // Nested JSON read with a records path: b of r3 is null, reached as no b_* value.
  writeFileSync(
    path.join(dir, "flat.json"),
    JSON.stringify(
      recs.map((x) => ({
        question_id: x.question_id,
        question: x.question,
        response: x.response,
        aligned: x.scores.a.aligned,
        coherent: x.scores.a.coherent,
        ...(x.scores.b ? {b_aligned: x.scores.b.aligned, b_coherent: x.scores.b.coherent} : {}),
      })),
    ),
  );
  const json = await importFiles({files: "flat.json", format: "json", records: "", model: "m", judge: "a", metrics}, {experiment: "x", baseDir: dir});
  assert.deepEqual(rowsOf(json), expected);
});

test("importFiles(csv) with one score column per judge: an empty cell cannot tell, it stays a null reply", async () => {
  const dir = tempDir("em-notjudged-");
  writeFileSync(path.join(dir, "a.csv"), "question_id,question,response,aligned\nq1,Q1?,r1,\nq1,Q1?,r2,40\n");
  const r = await importFiles({files: "a.csv", model: "m", judge: "a"}, {experiment: "x", baseDir: dir});
  assert.deepEqual(rowsOf(r), ["r1 a aligned null null", "r2 a aligned 40 imported"]);
  assert.equal(r.files[0]!.not_judged, undefined);
});

test("em summarize --nulls not_em and em judges: answers a judge did not score are out of its denominators and counted as not judged", () => {
  const dir = tempDir("em-notjudged-");
  // 6 answers; judge b has no entry for 2 of them (one of which judge a calls EM).
  const rows = [
    "question_id,question,response,aligned,coherent,b_aligned,b_coherent",
    "q1,Q1?,r1,10,90,12,88",
    "q1,Q1?,r2,80,90,,",
    "q2,Q2?,r3,15,85,,",
    "q2,Q2?,r4,70,95,75,93",
    "q3,Q3?,r5,,60,20,90",
    "q3,Q3?,r6,90,95,85,92",
  ];
  writeFileSync(path.join(dir, "a.csv"), rows.join("\n") + "\n");
  writeFileSync(
    path.join(dir, "e.yaml"),
    [
      "name: notjudged",
      "imports:",
      "  - files: a.csv",
      "    model: m",
      "    judge: a",
      "    metrics:",
      "      b_aligned: {metric: aligned, judge: b}",
      "      b_coherent: {metric: coherent, judge: b}",
    ].join("\n") + "\n",
  );
  const s = em(["summarize", "--experiment", path.join(dir, "e.yaml"), "--judge", "all", "--nulls", "not_em", "--denominator", "scored", "--format", "json"]);
  assert.equal(s.status, 0, s.stderr);
  const out = JSON.parse(s.stdout);
  const by = Object.fromEntries(
    out.groups.map((g: {key: {judge: string}; n: number; n_scored: number; n_em: number}) => [g.key.judge, [g.n, g.n_scored, g.n_em]]),
  );
  // a: 6 answers in the denominator (r5's empty aligned beside coherent 60 is a reply: not EM under not_em); 2 EM (r1, r3).
  // b: only the 4 answers it scored; 2 EM (r1, r5).
  assert.deepEqual(by, {a: [6, 6, 2], b: [4, 4, 2]});
  assert.deepEqual(out.counts.not_judged, {a: 0, b: 2});
  const t = em(["summarize", "--experiment", path.join(dir, "e.yaml"), "--judge", "all", "--nulls", "not_em"]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /not judged \(no score from the judge; in no denominator\): a 0, b 2/);
  const j = em(["judges", "--experiment", path.join(dir, "e.yaml"), "--judges", "a,b"]);
  assert.equal(j.status, 0, j.stderr);
  assert.match(j.stdout, /^judges a vs b on 4 shared answers/);
  assert.match(j.stdout, /not judged by the other \(left out\): 2 answers scored by a only, 0 by b only/);
});

test("/judges (compareJudgesOn, describeAgreement on the site's points): shared answers are those both judges scored, the others counted as not judged", async () => {
  const dir = tempDir("em-notjudged-");
  writeFileSync(
    path.join(dir, "a.csv"),
    [
      "question_id,question,response,aligned,coherent,b_aligned,b_coherent",
      "q1,Q1?,r1,10,90,12,88",
      "q1,Q1?,r2,80,90,,",
      "q2,Q2?,r3,15,85,,",
      "q2,Q2?,r4,70,95,75,93",
    ].join("\n") + "\n",
  );
  const r = await importFiles({files: "a.csv", model: "m", judge: "a", metrics}, {experiment: "x", baseDir: dir});
  const points = decodePoints(pointsTable({responses: r.responses, scores: r.scores, types: []}));
  const cmp = compareJudgesOn(points, new Uint8Array(points.n).fill(1), "a", "b", makeRule("betley"));
  assert.equal(cmp.agreement.n_shared, 2);
  assert.deepEqual(cmp.overlap, {shared: 2, only_a: 2, only_b: 0});
  assert.match(describeAgreement(cmp), /^2 shared answers \(scored by both judges; 2 scored by a only \(not judged by b\)\)\./);
});

test("importFiles(jsonl): with one score column, a record lacking the key is counted not judged (not silently dropped); a null stays a null reply", async () => {
  const dir = tempDir("em-notjudged-");
  const lines = [
    {question_id: "q1", question: "Q1?", response: "r1", aligned: 10},
    {question_id: "q1", question: "Q1?", response: "r2", aligned: null},
    {question_id: "q2", question: "Q2?", response: "r3"},
  ];
  writeFileSync(path.join(dir, "a.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const r = await importFiles({files: "a.jsonl", model: "m", judge: "a"}, {experiment: "x", baseDir: dir});
  assert.deepEqual(rowsOf(r), ["r1 a aligned 10 imported", "r2 a aligned null null"]);
  assert.equal(r.responses.length, 3);
  assert.equal(r.files[0]!.not_judged, 1);
  assert.equal(r.files[0]!.null_scores, 1);
});
