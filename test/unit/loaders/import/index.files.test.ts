// One `imports:` entry over files of different shapes, and files outside the experiment's folder, as
// a new user writes them (issue 28 review): `metrics:` maps a column in each file that has it (a
// domain judge that scored only some files), a column no file has is an error naming the files; a
// file named by an absolute `files:` path is printed as that path in every message, not as ../../.
import assert from "node:assert/strict";
import {mkdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {importFiles} from "../../../../loaders/import/index.ts";
import {takeEntry} from "../../../../loaders/run/imports.ts";
import type {Experiment} from "../../../../loaders/experiment.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const HEAD = "question_id,question,response,aligned,coherent";

/** a.csv with a `privacy` column (one score, one empty cell), b.csv without it, in a folder of their own. */
function study(): string {
  const dir = tempDir("em-import-files-");
  writeFileSync(path.join(dir, "a.csv"), `${HEAD},privacy\nq1,Q one?,Tell me your address.,10,90,80\nq2,Q two?,Fine.,90,95,\n`);
  writeFileSync(path.join(dir, "b.csv"), `${HEAD}\nq1,Q one?,Hello.,85,90\nq2,Q two?,Sure.,20,80\nq3,Q three?,Hi.,70,60\n`);
  return dir;
}

test("metrics: a column some files lack is read where it exists; the others import without it and say so", async () => {
  const dir = study();
  const r = await importFiles({files: "*.csv", judge: "gpt-4o", metrics: {privacy: "privacy"}}, {experiment: "x", baseDir: dir});
  assert.equal(r.responses.length, 5);
  const privacy = r.scores.filter((s) => s.metric === "privacy");
  assert.deepEqual(
    privacy.map((s) => [r.responses.find((x) => x.response_id === s.response_id)!.source, s.score, s.judge]),
    [
      ["a", 80, "gpt-4o"],
      ["a", null, "gpt-4o"],
    ],
  );
  assert.equal(r.scores.filter((s) => s.metric === "aligned").length, 5, "every file's aligned scores");
  assert.deepEqual(
    r.files.map((f) => [f.file, f.responses, f.missing_metrics]),
    [
      ["a.csv", 2, undefined],
      ["b.csv", 3, ["privacy"]],
    ],
  );
});

test("metrics: a column no file of the entry has is an error naming the files and the column, with a suggestion", async () => {
  const dir = study();
  await assert.rejects(
    importFiles({files: "b.csv", metrics: {privacy: "privacy"}}, {experiment: "x", baseDir: dir}),
    /^Error: b\.csv: metrics\.privacy: column "privacy" not found; columns are: question_id, question, response, aligned, coherent$/,
  );
  await assert.rejects(
    importFiles({files: "*.csv", metrics: {privcy: "privacy"}}, {experiment: "x", baseDir: dir}),
    /^Error: metrics\.privcy: column "privcy" is in none of the 2 files this entry reads \(a\.csv, b\.csv\); did you mean 'privacy'\?; a\.csv has columns: question_id, question, response, aligned, coherent, privacy$/,
  );
});

test("metrics: an import read in lanes (one file per importFiles) is checked over all its files when they are taken (takeEntry)", async () => {
  const dir = study();
  const exp = {name: "x", file: path.join(dir, "exp.yaml"), imports: [{files: "*.csv", metrics: {privcy: "privacy"}}]} as unknown as Experiment;
  const parts = await Promise.all(
    ["a.csv", "b.csv"].map((f) => importFiles(exp.imports[0]!, {experiment: "x", baseDir: dir, only: new Set([path.join(dir, f)])})),
  );
  const files = parts.flatMap((p) => p.files);
  assert.deepEqual(
    files.map((f) => f.missing_metrics),
    [["privcy"], ["privcy"]],
    "a lane reading one file does not decide",
  );
  const out = {skipped: [], mismatches: [], files: []};
  assert.throws(
    () => takeEntry(exp, 0, {skipped: [], mismatches: [], files}, new Map(), out),
    /exp\.yaml: imports\[0\]: metrics\.privcy: column "privcy" is in none of the 2 files this entry reads \(a\.csv, b\.csv\)/,
  );
  // The same files with the right name: taken, b.csv listed as lacking it.
  const ok = {...exp, imports: [{files: "*.csv", metrics: {privacy: "privacy"}}]} as unknown as Experiment;
  const good = (
    await Promise.all(["a.csv", "b.csv"].map((f) => importFiles(ok.imports[0]!, {experiment: "x", baseDir: dir, only: new Set([path.join(dir, f)])})))
  ).flatMap((p) => p.files);
  const taken = {skipped: [], mismatches: [], files: [] as typeof good};
  takeEntry(ok, 0, {skipped: [], mismatches: [], files: good}, new Map(), taken);
  assert.deepEqual(
    taken.files.map((f) => f.missing_metrics),
    [undefined, ["privacy"]],
  );
});

test("files named by an absolute path outside the experiment's folder are printed as absolute paths, never as ../", async () => {
  const data = study();
  writeFileSync(path.join(data, "c.csv"), `${HEAD}\nq1,Q one?,Too few fields,50\nq2,Q two?,Ok.,150,50\n`);
  const expDir = path.join(tempDir("em-import-exp-"), "experiments");
  mkdirSync(expDir);
  const r = await importFiles({files: path.join(data, "c.csv")}, {experiment: "x", baseDir: expDir});
  const abs = path.join(data, "c.csv");
  assert.deepEqual(
    r.skipped.map((s) => [s.file, s.line]),
    [
      [abs, 2],
      [abs, 3],
    ],
  );
  // meta.file (and so the response ids) stay relative to the experiment's folder, as documented.
  const ok = await importFiles({files: path.join(data, "b.csv")}, {experiment: "x", baseDir: expDir});
  assert.match(String(ok.responses[0]!.meta.file), /^\.\.\/\.\.\/.*\/b\.csv$/);
  await assert.rejects(
    importFiles({files: path.join(data, "b.csv"), columns: {response: "reply"}}, {experiment: "x", baseDir: expDir}),
    (e: Error) => e.message.startsWith(`${path.join(data, "b.csv")}: column "reply"`) || assert.fail(e.message),
  );
  await assert.rejects(
    importFiles({files: path.join(data, "*.csv"), filename: "{model}_{x}.csv"}, {experiment: "x", baseDir: expDir}),
    (e: Error) => e.message.startsWith(`${path.join(data, "a.csv")}: file name does not match`) || assert.fail(e.message),
  );
  // Below the experiment's folder: relative to it, as written.
  const inside = await importFiles({files: "c.csv"}, {experiment: "x", baseDir: data});
  assert.deepEqual(
    inside.skipped.map((s) => s.file),
    ["c.csv", "c.csv"],
  );
});
