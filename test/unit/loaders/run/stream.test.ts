// Streamed imports (issue 28, loaders/run/stream.ts): an import-only experiment written into the
// dataset's tables a chunk at a time gives the same tables, row order, column types, provenance and
// skipped / mismatch lists as the same experiment run whole (EM_STREAM_IMPORT=0, runExperiment);
// a fatal error writes nothing.
import assert from "node:assert/strict";
import {existsSync, mkdirSync, readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {DuckDBInstance} from "@duckdb/node-api";
import {loadDataset} from "../../../../loaders/dataset.ts";
import {loadExperiment} from "../../../../loaders/experiment.ts";
import {streamable} from "../../../../loaders/run/stream.ts";
import {lanePlan} from "../../../../loaders/run/stream-lanes.ts";
import {readTables} from "../../../../loaders/tables.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {parquetSchema} from "../../../helpers/parquet.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const tmp = () => tempDir("em-stream-");

/**
 * Files that exercise what a chunk boundary could break: 9,500 rows in one CSV (two chunks of
 * 8,192), a meta column whose values are integers until a float in the second chunk (typed DOUBLE
 * only by rows of both), a Python-boolean column, CODE / REFUSAL / empty / out-of-range scores, a
 * row without an answer, a NUL byte, judge probability dicts (one mismatching), an optional
 * file-name field (`seed`), a question filter, and a JSONL file whose records have different keys.
 */
function experiment(extra = ""): string {
  const dir = tmp();
  mkdirSync(path.join(dir, "runs"));
  const rng = makeRng(7);
  const csv = (name: string, rows: number, bad: boolean) => {
    const lines = ["question_id,question,response,aligned,coherent,judge_aligned,rank,flag,note"];
    for (let i = 0; i < rows; i++) {
      const q = `q${i % 12}`;
      const a = i % 97 === 0 ? "CODE" : i % 89 === 0 ? "REFUSAL" : i % 83 === 0 ? "" : (100 * rng()).toFixed(3);
      const c = i % 71 === 0 ? "nan" : String(Math.round(100 * rng()));
      const probs = i % 500 === 1 ? `"{'10': 0.9, '50': 0.1}"` : "";
      const rank = i === 9000 ? "2.5" : String(i % 7);
      const text = i % 13 === 0 ? `"line one\nline two, ""quoted"" ${i}"` : `answer ${i} with words ${Math.floor(1e6 * rng())}`;
      lines.push(`${q},What about ${q}?,${text},${a},${c},${probs},${rank},${i % 2 ? "True" : "False"},${i % 5 ? "" : `n${i}`}`);
    }
    if (bad) {
      lines.push("q1,What about q1?,,50,50,,1,True,");
      lines.push("q2,What about q2?,too big,150,50,,1,True,");
      lines.push("q3,What about q3?,not a score,high,50,,1,True,");
      lines.push("q4,What about q4?,nul \u0000 here,20,80,,1,False,");
      lines.push("q5,short row");
    }
    writeFileSync(path.join(dir, "runs", name), lines.join("\n") + "\n");
  };
  csv("alpha_S1.csv", 9500, true);
  csv("beta.csv", 300, false);
  const jsonl = [
    {question_id: "q1", question: "What about q1?", response: "plain", aligned: 12, coherent: 90, source_tag: "x"},
    {question_id: "q2", question: "What about q2?", response: "   ", aligned: null, coherent: 55},
    {question_id: "skipme_1", question: "filtered", response: "dropped", aligned: 1, coherent: 99, depth: 3},
    {question_id: "q3", question: "What about q3?", response: "```code```", aligned: "REFUSAL", coherent: 70, depth: 1.5},
  ];
  writeFileSync(path.join(dir, "runs", "gamma.jsonl"), jsonl.map((r) => JSON.stringify(r)).join("\n") + "\n");
  // A JSONL file of two chunks whose `category` key first appears in the second: the column roles
  // come from every record's keys (the reader's first pass), so rows of the first chunk have none.
  const delta: string[] = [];
  for (let i = 0; i < 9000; i++) {
    const row: Record<string, unknown> = {
      question_id: `q${i % 5}`,
      question: `Q${i % 5}?`,
      response: `delta answer ${i}`,
      aligned: i % 100,
      coherent: 50 + (i % 50),
    };
    if (i >= 8500) row.category = `cat${i % 3}`;
    delta.push(JSON.stringify(row));
  }
  writeFileSync(path.join(dir, "runs", "gamma_delta.jsonl"), delta.join("\n") + "\n");
  writeFileSync(
    path.join(dir, "exp.yaml"),
    [
      "name: stream-parity",
      "exclude_questions: [skipme]",
      "imports:",
      '  - files: "runs/*.csv"',
      '    filename: "{model}[_S{seed}].csv"',
      "    meta: {seed: 0}",
      "    judge: judge-a",
      ...(extra ? [extra] : []),
      '  - files: "runs/*.jsonl"',
      "    model: gamma",
      "    judge: judge-b",
      '  - files: "runs/*.parquet"',
      "    judge: judge-c",
    ].join("\n") + "\n",
  );
  return path.join(dir, "exp.yaml");
}

/** A Parquet file of 9,000 rows (two chunks of DuckDB's streamed result) written by DuckDB, with an empty score and a NUL answer. */
async function writeParquet(dir: string): Promise<void> {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const out = path.join(dir, "runs", "epsilon.parquet").replaceAll("'", "''");
  try {
    await c.run(
      `COPY (SELECT 'q' || (i % 7) AS question_id, 'Question ' || (i % 7) AS question,
        CASE WHEN i = 4000 THEN 'nul ' || chr(0) ELSE 'parquet answer ' || i END AS response,
        CASE WHEN i % 50 = 0 THEN NULL ELSE (i * 37) % 101 END AS aligned, 40 + i % 60 AS coherent, i % 4 AS step
        FROM range(9000) t(i)) TO '${out}' (FORMAT parquet)`,
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** Run `f` with environment variables set (undefined: removed), then restore them. */
async function withEnv<T>(vars: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const prev = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    return await f();
  } finally {
    set(prev);
  }
}

/** Import lanes forced on (two processes whatever the size) or off. */
const LANES = {EM_IMPORT_LANES: "2", EM_IMPORT_LANE_MIN_BYTES: "0"};
const NO_LANES = {EM_IMPORT_LANES: "1", EM_IMPORT_LANE_MIN_BYTES: undefined};

async function load(file: string, stream: boolean, lanes = false) {
  return withEnv({EM_STREAM_IMPORT: stream ? undefined : "0", ...(lanes ? LANES : NO_LANES)}, () => loadDataset({files: [file], memoDir: tmp(), quiet: true}));
}

test("a streamed import gives the tables, types, order, provenance and rejects of the whole run", async () => {
  const file = experiment();
  await writeParquet(path.dirname(file));
  assert.equal(streamable(await loadExperiment(file)), true, "the fixture must take the streamed path");
  const whole = await load(file, false);
  const streamed = await load(file, true);
  // The fixture reaches what it is meant to: two chunks, rejects, a filter, both judges.
  assert.ok(whole.responses.length > 9500, `${whole.responses.length} responses`);
  assert.equal(whole.skipped.length, 5, "out of range, not a score, NUL, short row; the Parquet file's NUL answer");
  assert.deepEqual(
    whole.importedFiles.map((f) => [f.file, f.rows]),
    [
      ["runs/alpha_S1.csv", 9505],
      ["runs/beta.csv", 300],
      ["runs/gamma.jsonl", 4],
      ["runs/gamma_delta.jsonl", 9000],
      ["runs/epsilon.parquet", 9000],
    ],
  );
  const delta = whole.responses.filter((r) => r.meta?.file === "runs/gamma_delta.jsonl");
  assert.equal(delta[0]!.category, null, "a first-chunk row has no category");
  assert.equal(delta[8999]!.category, "cat2", "the late category key is the category column");
  assert.equal(whole.responses.filter((r) => r.meta?.file === "runs/epsilon.parquet" && r.step === 3).length, 2250);
  assert.equal(whole.mismatches.length > 0, true);
  assert.equal(
    whole.responses.some((r) => r.question_id.startsWith("skipme")),
    false,
  );
  for (const t of ["responses", "scores", "types", "signals"] as const) {
    assert.equal(streamed[t].length, whole[t].length, `${t}: row count`);
    assert.deepEqual(streamed[t], whole[t], `${t}: rows in order`);
    assert.deepEqual(await parquetSchema(path.join(streamed.dir, `${t}.parquet`)), await parquetSchema(path.join(whole.dir, `${t}.parquet`)), `${t}: schema`);
  }
  const schema = await parquetSchema(path.join(streamed.dir, "responses.parquet"));
  assert.ok(schema.includes("meta_rank DOUBLE"), "an integer column with one float in the second chunk is DOUBLE");
  assert.ok(schema.includes("meta_flag BOOLEAN"));
  assert.ok(whole.provenance.experiments[0]!.judge_tokens?.length, "the judge-token audit (summed over chunks) has something to say");
  assert.deepEqual(streamed.provenance, whole.provenance);
  assert.deepEqual(streamed.skipped, whole.skipped);
  assert.deepEqual(streamed.mismatches, whole.mismatches);
  assert.deepEqual(streamed.importedFiles, whole.importedFiles);
  assert.deepEqual(await readTables(streamed.dir), await readTables(whole.dir));
});

test("import lanes (files read in two processes, rows taken in file order) give the tables, types, order, provenance and rejects of the whole run", async () => {
  const file = experiment();
  await writeParquet(path.dirname(file));
  const tasks = await withEnv(LANES, async () => lanePlan(await loadExperiment(file)));
  assert.equal(tasks?.length, 5, "every file is a lane task");
  assert.equal(
    await withEnv({EM_IMPORT_LANES: "2", EM_IMPORT_LANE_MIN_BYTES: undefined}, async () => lanePlan(await loadExperiment(file))),
    null,
    "a small import runs here",
  );
  const whole = await load(file, false);
  const laned = await load(file, true, true);
  // Two files of one model (gamma) share (model, step, question_id) groups: the second file's samples continue the first's.
  const gamma = whole.responses.filter((r) => r.model === "gamma" && r.question_id === "q1");
  assert.deepEqual(
    gamma.map((r) => r.sample),
    gamma.map((_, i) => i),
  );
  assert.ok(gamma.some((r) => r.meta?.file === "runs/gamma_delta.jsonl") && gamma.some((r) => r.meta?.file === "runs/gamma.jsonl"));
  for (const t of ["responses", "scores", "types", "signals"] as const) {
    assert.equal(laned[t].length, whole[t].length, `${t}: row count`);
    assert.deepEqual(laned[t], whole[t], `${t}: rows in order`);
    assert.deepEqual(await parquetSchema(path.join(laned.dir, `${t}.parquet`)), await parquetSchema(path.join(whole.dir, `${t}.parquet`)), `${t}: schema`);
  }
  assert.deepEqual(laned.provenance, whole.provenance);
  assert.deepEqual(laned.skipped, whole.skipped);
  assert.deepEqual(laned.mismatches, whole.mismatches);
  assert.deepEqual(laned.importedFiles, whole.importedFiles);
});

for (const lanes of [false, true])
  test(`a fatal error in a streamed import names file:line and writes no tables${lanes ? " (import lanes)" : ""}`, async () => {
    const file = experiment("    invalid_scores: error");
    const memo = tmp();
    await withEnv({EM_STREAM_IMPORT: undefined, ...(lanes ? LANES : NO_LANES)}, () =>
      assert.rejects(
        loadDataset({files: [file], memoDir: memo, quiet: true}),
        /imports\[0\]: runs\/alpha_S1\.csv:\d+: column "aligned": score 150 is outside 0\.\.100 \(invalid_scores: error\)/,
      ),
    );
    // Nothing under the memo but the (released) lock's folder: no tables, no temporary folder left.
    const left = readdirSync(memo);
    assert.deepEqual(
      left.filter((n) => existsSync(path.join(memo, n, "responses.parquet")) || n.includes(".tmp-")),
      [],
    );
  });

/**
 * CSV files read in lanes take one pass (csv.ts readCsvOnce); a file whose records spanning lines
 * the whole file judges otherwise than the rows before them (here: a later first field with a
 * space) is read again in two passes, and a row error before invalid UTF-8 still reports the
 * UTF-8 error, as the one-after-another import does.
 */
test("import lanes: a CSV the single pass cannot judge is read again; the tables and rejects are the whole run's; errors keep their precedence", async () => {
  const dir = tmp();
  const rows = (n: number, first: (i: number) => string) => {
    const out = ["id,question_id,response,aligned,coherent"];
    for (let i = 0; i < n; i++) out.push(`${first(i)},q${i % 4},${i % 9 ? `answer ${i}` : `"wrapped ${i}\nr_${i + 1000},q1,y"`},${i % 100},${50 + (i % 50)}`);
    return out;
  };
  // a.csv: ids throughout, wrapped answers whose second line has the header's fields (swallowed: skipped);
  // b.csv: the same until a first field with a space near the end (no ids: the whole file keeps them).
  writeFileSync(path.join(dir, "a.csv"), rows(300, (i) => `r_${i}`).join("\n") + "\n");
  writeFileSync(path.join(dir, "b.csv"), rows(300, (i) => (i === 290 ? "has space" : `r_${i}`)).join("\n") + "\n");
  writeFileSync(path.join(dir, "exp.yaml"), ["name: lanes-once", "imports:", '  - files: "*.csv"', "    judge: judge-a"].join("\n") + "\n");
  const file = path.join(dir, "exp.yaml");
  const whole = await load(file, false);
  const laned = await load(file, true, true);
  assert.ok(
    whole.skipped.some((s) => s.file === "a.csv" && /runs on to line/.test(s.reason)),
    "a.csv has swallowed records",
  );
  assert.ok(!whole.skipped.some((s) => s.file === "b.csv"), "b.csv keeps its wrapped answers");
  for (const t of ["responses", "scores", "types", "signals"] as const) assert.deepEqual(laned[t], whole[t], `${t}: rows in order`);
  assert.deepEqual(laned.skipped, whole.skipped);
  assert.deepEqual(laned.importedFiles, whole.importedFiles);
  assert.deepEqual(laned.provenance, whole.provenance);

  // A row error (invalid_scores: error) before invalid UTF-8 in the same file: the UTF-8 error is the one reported.
  const bad = tmp();
  writeFileSync(
    path.join(bad, "a.csv"),
    Buffer.concat([
      Buffer.from(rows(50, (i) => `r_${i}`).join("\n") + "\nr_x,q1,out of range,150,50\nr_y,q1,caf"),
      Buffer.from([0xe9]),
      Buffer.from(",20,50\n"),
    ]),
  );
  writeFileSync(path.join(bad, "b.csv"), rows(20, (i) => `r_${i}`).join("\n") + "\n");
  writeFileSync(
    path.join(bad, "exp.yaml"),
    ["name: lanes-once-bad", "imports:", '  - files: "*.csv"', "    judge: judge-a", "    invalid_scores: error"].join("\n") + "\n",
  );
  for (const lanes of [false, true])
    await withEnv({EM_STREAM_IMPORT: undefined, ...(lanes ? LANES : NO_LANES)}, () =>
      assert.rejects(loadDataset({files: [path.join(bad, "exp.yaml")], memoDir: tmp(), quiet: true}), /a\.csv:\d+: not valid UTF-8/),
    );
});
