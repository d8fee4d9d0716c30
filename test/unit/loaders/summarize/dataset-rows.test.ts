// `em summarize --experiment` on an import-only study reads the dataset the site build reads (the
// memo loaders/dataset.ts writes), not the import files again (issue 28: a 10M-response study held
// as row objects ran out of memory). Proven by a memo that disagrees with the files: the files are
// rewritten with swapped scores but the same size and mtime (so the memo key still matches), and the
// summary keeps the memo's numbers while the runExperiment path reads the new ones.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, utimesSync, writeFileSync, statSync, readFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";

const dir = mkdtempSync(path.join(os.tmpdir(), "em-summ-dataset-"));
process.env.EM_DATASET_MEMO = path.join(dir, "memo");
const {buildSummary} = await import("../../../../loaders/summarize/index.ts");
const {parseSummarizeArgs} = await import("../../../../loaders/summarize/options.ts");
const {loadRows} = await import("../../../../loaders/summarize/load.ts");
const {joinDataset} = await import("../../../../loaders/summarize/dataset-rows.ts");
const {readTables} = await import("../../../../loaders/tables.ts");
const {joinJudgedReport} = await import("../../../../src/lib/em/judged.ts");

test.after(() => rmSync(dir, {recursive: true, force: true}));

const opts = (file: string, ...more: string[]) => {
  const p = parseSummarizeArgs(["--experiment", file, ...(more.includes("--by") ? [] : ["--by", "model"]), "--format", "json", ...more]);
  assert.equal(p.kind, "options");
  return (p as {options: Parameters<typeof buildSummary>[0]}).options;
};

/** A two-model, two-checkpoint sweep: aligned 12 (EM) or 88, a few empty cells, a family column. */
function csv(swap: boolean): string {
  const lines = ["model,checkpoint,family,question_id,question,response,aligned,coherent"];
  let k = 0;
  for (const model of ["base", "ft"])
    for (const step of [0, 10])
      for (const q of ["wish", "ruler", "quick", "bored"])
        for (let s = 0; s < 3; s++) {
          k++;
          const em = (k * 7) % 5 === 0 || (model === "ft" && step === 10 && s < 2);
          const a = k % 17 === 0 ? "" : em !== swap ? "12" : "88";
          const c = k % 13 === 0 ? "" : String(60 + (k % 30));
          lines.push(`${model},${step},${model === "ft" ? "tuned" : "plain"},${q},What about ${q}?,"answer ${k}, with text",${a},${c}`);
        }
  return lines.join("\n") + "\n";
}

let tick = 0;
function study(): {file: string; data: string} {
  const data = path.join(dir, "sweep.csv");
  writeFileSync(data, csv(false));
  // A whole-second mtime, so that it can be set back exactly after the file is rewritten.
  const t = new Date(Date.UTC(2029, 0, 1) + ++tick * 1000);
  utimesSync(data, t, t);
  const file = path.join(dir, "sweep.yaml");
  writeFileSync(file, "name: sweep\nimports:\n  - files: sweep.csv\n    judge: lab-judge\n    columns: {step: checkpoint}\n");
  return {file, data};
}

/** A new mtime for the experiment file (same content: the same dataset key), so the process's row cache reads again. */
const touch = (file: string) => {
  const t = new Date(Date.UTC(2030, 0, 1) + ++tick * 1000);
  utimesSync(file, t, t);
};

test("summarize of an import-only study reads the dataset memo and equals the runExperiment path", async () => {
  const {file, data} = study();
  const fromDataset = await buildSummary(opts(file));
  const loaded = await loadRows(opts(file));
  assert.ok(loaded.dataset, "read from the dataset memo");
  assert.equal(loaded.responses.length, 0, "no response rows held");
  assert.ok(loaded.dataset.dir.startsWith(path.join(dir, "memo")));

  process.env.EM_STREAM_IMPORT = "0"; // not streamable: the runExperiment path
  touch(file);
  try {
    const fromRun = await buildSummary(opts(file));
    assert.deepEqual(fromDataset, fromRun);
    for (const more of [["--by", "family"], ["--transition"], ["--by", "model,step", "--estimand", "answers"], ["--rule", "organisms", "--by", "step"]]) {
      touch(file);
      const run = await buildSummary(opts(file, ...more));
      delete process.env.EM_STREAM_IMPORT;
      touch(file);
      const ds = await buildSummary(opts(file, ...more));
      process.env.EM_STREAM_IMPORT = "0";
      assert.deepEqual(ds, run, more.join(" "));
    }
  } finally {
    delete process.env.EM_STREAM_IMPORT;
  }
  assert.ok(fromDataset.groups.some((g) => g.n_em > 0));

  // The files now say otherwise, at the same size and mtime (the memo key is unchanged).
  const st = statSync(data);
  writeFileSync(data, csv(true));
  assert.equal(statSync(data).size, st.size);
  utimesSync(data, st.atime, st.mtime);
  assert.equal(statSync(data).mtimeMs, st.mtimeMs);
  touch(file);
  const again = await buildSummary(opts(file));
  assert.deepEqual(again, fromDataset, "the memo's numbers, not the rewritten file's");
  process.env.EM_STREAM_IMPORT = "0";
  touch(file);
  try {
    const reread = await buildSummary(opts(file));
    assert.notDeepEqual(
      reread.groups.map((g) => g.n_em),
      fromDataset.groups.map((g) => g.n_em),
      "the runExperiment path reads the rewritten file",
    );
  } finally {
    delete process.env.EM_STREAM_IMPORT;
  }
  assert.match(readFileSync(data, "utf8"), /,88,/);
});

test("joinDataset: the rows and counts of joinJudgedReport on the dataset's tables, in windows", async () => {
  const {file} = study();
  touch(file);
  const loaded = await loadRows(opts(file));
  assert.ok(loaded.dataset);
  const t = await readTables(loaded.dataset.dir);
  const want = joinJudgedReport(t.responses, t.scores, t.types, {judge: ["lab-judge"]});
  for (const w of [1_000_000, 7]) {
    const got = await joinDataset(loaded.dataset.dir, ["lab-judge"], ["family", "response_id"], w);
    assert.deepEqual(got, want, `window ${w}`);
  }
  // Without response_id among the columns read, the ids are left out, nothing else.
  const noIds = await joinDataset(loaded.dataset.dir, ["lab-judge"], ["family"]);
  assert.deepEqual(noIds, {...want, rows: want.rows.map((r) => ({...r, response_id: ""}))});
  const none = await joinDataset(loaded.dataset.dir, ["no-such-judge"], ["response_id"]);
  const wantNone = joinJudgedReport(t.responses, t.scores, t.types, {judge: ["no-such-judge"]});
  assert.deepEqual(none, wantNone);
});
