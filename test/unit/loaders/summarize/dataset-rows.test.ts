// `em summarize --experiment` on an import-only study reads the dataset the site build reads (the
// memo loaders/dataset.ts writes), not the import files again (issue 28: a 10M-response study held
// as row objects ran out of memory). Proven by a memo that disagrees with the files: the files are
// rewritten with swapped scores but the same size and mtime (so the memo key still matches), and the
// summary keeps the memo's numbers while the runExperiment path reads the new ones. Summarize only
// reads a memo: without one it reads the files and writes none (a memo it wrote could evict the build's).
import assert from "node:assert/strict";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, statSync, readFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";

const dir = mkdtempSync(path.join(os.tmpdir(), "em-summ-dataset-"));
process.env.EM_DATASET_MEMO = path.join(dir, "memo");
const {buildSummary} = await import("../../../../loaders/summarize/index.ts");
const {parseSummarizeArgs} = await import("../../../../loaders/summarize/options.ts");
const {loadRows} = await import("../../../../loaders/summarize/load.ts");
const {joinDataset} = await import("../../../../loaders/summarize/dataset-rows.ts");
const {readTables, writeTables} = await import("../../../../loaders/tables.ts");
const {loadDataset} = await import("../../../../loaders/dataset.ts");
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

/** The memo a site build of `file` alone writes (EM_EXPERIMENTS=file npm run build). */
const build = (file: string) => loadDataset({files: [file], tables: [], quiet: true});

test("summarize without a memo of the study reads its files and writes no memo", async () => {
  const {file} = study();
  const memo = process.env.EM_DATASET_MEMO!;
  rmSync(memo, {recursive: true, force: true});
  touch(file);
  const loaded = await loadRows(opts(file));
  assert.equal(loaded.dataset, undefined, "not read from a memo");
  assert.ok(loaded.responses.length > 0);
  assert.ok(!existsSync(memo) || readdirSync(memo).length === 0, "no memo written");

  // A memo of this file written by other code (another key) is named on stderr, not read.
  const other = path.join(memo, "0123456789abcdef0123");
  const real = await build(file);
  mkdirSync(other, {recursive: true});
  for (const f of readdirSync(real.dir)) writeFileSync(path.join(other, f), readFileSync(path.join(real.dir, f)));
  // Its experiment's key (parts.json: code and inputs) is not today's.
  const parts = JSON.parse(readFileSync(path.join(other, "parts.json"), "utf8")) as {key: string}[];
  writeFileSync(path.join(other, "parts.json"), JSON.stringify(parts.map((p) => ({...p, key: "0".repeat(64)}))));
  rmSync(real.dir, {recursive: true, force: true});
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
  touch(file);
  try {
    assert.equal((await loadRows(opts(file))).dataset, undefined);
  } finally {
    process.stderr.write = write;
  }
  assert.match(said.join(""), /0123456789abcdef0123.* was written by other code or from other inputs/);
  // (.leases: the lease `build` took on its dataset folder, loaders/lease.ts.)
  assert.deepEqual(
    readdirSync(memo).filter((n) => n !== ".leases"),
    ["0123456789abcdef0123"],
    "nothing written or pruned",
  );
  rmSync(memo, {recursive: true, force: true});
});

test("summarize of an import-only study reads the dataset memo and equals the runExperiment path", async () => {
  const {file, data} = study();
  await build(file);
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
  await build(file);
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

test("joinDataset: orphan and duplicate scores and a baseline's compared typing, as joinJudgedReport, in windows", async () => {
  const {file} = study();
  const d = await build(file);
  const t = await readTables(d.dir);
  const ids = t.responses.map((r) => r.response_id);
  // Score rows of no response (orphans, any judge), repeated (response, judge, metric) rows with
  // another score (duplicates: the first one counts), rows of another judge; compared typing on some
  // signals rows, and a judge's own type on one of them.
  const scores = [...t.scores];
  for (let k = 0; k < 5; k++) scores.push({...t.scores[k]!, response_id: `orphan-${k}`, judge: k % 2 ? "lab-judge" : "other"});
  for (let k = 0; k < 9; k += 3) scores.splice(k + 1, 0, {...t.scores[k]!, score: 1});
  scores.push({...t.scores[3]!, judge: "other"});
  const types: typeof t.types = t.types.map((x, k) =>
    k % 4 === 0 ? {...x, compared_em_type: k % 8 ? "emergent" : "drift", compared_in_domain: k % 3 === 0} : x,
  );
  types.push({...t.types[4]!, judge: "lab-judge", type: "emergent", probs: {...t.types[4]!.probs, emergent: 0.7}});
  const tables = {...t, scores, types};
  const out = path.join(dir, "crafted");
  await writeTables(out, tables);
  const want = joinJudgedReport(tables.responses, tables.scores, tables.types, {judge: ["lab-judge"]});
  assert.ok(want.orphan_scores === 5 && want.duplicate_scores === 3, `${want.orphan_scores} orphans, ${want.duplicate_scores} duplicates`);
  assert.ok(want.rows.some((r) => r.compared_type !== undefined && r.compared_type !== null));
  assert.ok(want.rows.some((r) => r.compared_type === null));
  assert.equal(ids.length, want.rows.length);
  for (const w of [1_000_000, 7]) assert.deepEqual(await joinDataset(out, ["lab-judge"], ["family", "response_id"], w), want, `window ${w}`);
});

/** Another import-only experiment, listed before the sweep in a build of both: the same judge name, another meta column, a skipped row. */
function otherStudy(): string {
  const sub = path.join(dir, "other");
  mkdirSync(sub, {recursive: true});
  const lines = ["model,question_id,question,response,aligned,coherent,lab"];
  for (let k = 0; k < 40; k++) lines.push(`base,q${k % 4},Q${k % 4}?,other answer ${k},${k % 3 ? 90 : 5},${70 + (k % 20)},L${k % 2}`);
  lines.push("base,q1,Q1?,not a score,high,80,L1");
  writeFileSync(path.join(sub, "other.csv"), lines.join("\n") + "\n");
  const file = path.join(sub, "other.yaml");
  writeFileSync(file, "name: other\nimports:\n  - files: other.csv\n    judge: lab-judge\n");
  return file;
}

test("summarize finds the study in a memo of several experiments (a build of every experiment) and reads only its rows", async () => {
  const memo = process.env.EM_DATASET_MEMO!;
  rmSync(memo, {recursive: true, force: true});
  const {file} = study();
  const other = otherStudy();
  const both = await loadDataset({files: [other, file], tables: [], quiet: true});
  assert.equal(readdirSync(memo).filter((n) => /^[0-9a-f]{20}$/.test(n)).length, 1, "one memo, of both experiments");
  assert.ok(
    both.skipped.some((s) => s.experiment === "other"),
    "the other experiment has a skipped row",
  );
  touch(file);
  const loaded = await loadRows(opts(file));
  assert.ok(loaded.dataset, "read from the memo of both experiments");
  assert.equal(loaded.dataset.dir, both.dir);
  assert.deepEqual(loaded.skipped, [], "the other experiment's skipped row is not this one's");
  const t = await readTables(both.dir);
  const mine = new Set(t.responses.filter((r) => r.experiment === "sweep").map((r) => r.response_id));
  assert.ok(mine.size > 0 && mine.size < t.responses.length && t.responses[0]!.experiment === "other", "the sweep's rows follow the other's");
  assert.equal(loaded.dataset.responses, mine.size);
  assert.deepEqual(loaded.dataset.judges, ["lab-judge"]);
  const want = joinJudgedReport(
    t.responses.filter((r) => mine.has(r.response_id)),
    t.scores.filter((s) => mine.has(s.response_id)),
    t.types.filter((x) => mine.has(x.response_id)),
    {judge: ["lab-judge"]},
  );
  for (const w of [1_000_000, 7]) assert.deepEqual(await joinDataset(both.dir, ["lab-judge"], ["family", "response_id"], w, "sweep"), want, `window ${w}`);
  for (const more of [[], ["--by", "family"], ["--transition"], ["--by", "model,step", "--estimand", "answers"]]) {
    touch(file);
    const ds = await buildSummary(opts(file, ...more));
    process.env.EM_STREAM_IMPORT = "0"; // not streamable: the runExperiment path, on the sweep alone
    touch(file);
    try {
      assert.deepEqual(ds, await buildSummary(opts(file, ...more)), more.join(" "));
    } finally {
      delete process.env.EM_STREAM_IMPORT;
    }
  }
  assert.deepEqual(
    readdirSync(memo).filter((n) => /^[0-9a-f]{20}$/.test(n)),
    [path.basename(both.dir)],
    "nothing written or pruned",
  );
});

test("summarize --by a meta column only another experiment of the shared memo has: an error saying the key is not in this experiment", async () => {
  const memo = process.env.EM_DATASET_MEMO!;
  rmSync(memo, {recursive: true, force: true});
  const {file} = study();
  const other = otherStudy();
  await loadDataset({files: [other, file], tables: [], quiet: true});
  touch(file);
  const loaded = await loadRows(opts(file));
  assert.ok(loaded.dataset, "read from the memo of both experiments");
  for (const by of ["lab", "model,lab"]) {
    touch(file);
    await assert.rejects(buildSummary(opts(file, "--by", by)), (e: Error) => {
      assert.match(e.message, /--by: 'lab' is not a column of experiment 'sweep'/, e.message);
      assert.match(e.message, /only other experiments in the same build have it \(other\)/, e.message);
      // The sweep's own columns are listed, and not `lab`.
      assert.match(e.message, /its columns: [^)]*\bfamily\b/, e.message);
      assert.doesNotMatch(e.message.replace(/^[^;]*;/, ""), /\blab\b(?! \()/, e.message);
      return true;
    });
  }
  // A key no experiment has keeps the message it had.
  touch(file);
  await assert.rejects(buildSummary(opts(file, "--by", "nosuch")), /--by: column 'nosuch' has no values in the data/);
});
