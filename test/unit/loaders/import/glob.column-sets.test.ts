// An import glob whose CSV files do not share one column set (hw0's `**/*.csv` reaches fg_judged.csv
// answer files and step_summary.csv summaries): the import stops before reading a row, naming each
// column set, its files and the columns that differ, instead of importing the summaries as answers
// with every row skipped. And the run's import log names how models are named (modelNamingRule).
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {importFileList} from "../../../../loaders/import/index.ts";
import {csvColumnSetsProblem} from "../../../../loaders/import/glob.ts";
import {modelNamingRule} from "../../../../loaders/import/spec.ts";

const ANSWERS = "step,id,question,response,aligned_score,coherent_score\n1,a,Q?,R,80,90\n";
const SUMMARY = "step,percent_em,percent_coherent,n_responses\n1,0.1,0.9,20\n";

test("importFileList: a glob over answer files and summary files is an error naming both column sets, their files and the columns that differ", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-colsets-"));
  try {
    for (const m of ["1b_medical_v2", "3b_risky_v2"]) {
      mkdirSync(path.join(dir, m));
      writeFileSync(path.join(dir, m, "fg_judged.csv"), ANSWERS);
      writeFileSync(path.join(dir, m, "step_summary.csv"), SUMMARY);
    }
    assert.throws(
      () => importFileList({files: "**/*.csv", judge: "j", metrics: {aligned_score: "aligned", coherent_score: "coherent"}}, dir),
      (e: Error) => {
        assert.match(
          e.message,
          /^imports: files "\*\*\/\*\.csv": the CSV files matched have 2 different column sets, and some have no answer column \(response, answer, completion, output\): one import reads one kind of file/,
        );
        assert.match(
          e.message,
          /2 file\(s\) with columns step, id, question, response, aligned_score, coherent_score: 1b_medical_v2\/fg_judged\.csv, 3b_risky_v2\/fg_judged\.csv/,
        );
        assert.match(
          e.message,
          /2 file\(s\) without id, question, response, aligned_score, coherent_score and with percent_em, percent_coherent, n_responses instead: 1b_medical_v2\/step_summary\.csv, 3b_risky_v2\/step_summary\.csv/,
        );
        assert.match(e.message, /narrow files: to one kind \(e\.g\. "\*\*\/fg_judged\.csv"\)/);
        return true;
      },
    );
    // One kind of file: no error; the same columns in another order are one set.
    assert.equal(importFileList({files: "**/fg_judged.csv"}, dir).files.length, 2);
    writeFileSync(path.join(dir, "1b_medical_v2", "fg_judged.csv"), "id,step,question,response,aligned_score,coherent_score\na,1,Q?,R,80,90\n");
    assert.equal(
      csvColumnSetsProblem(importFileList({files: "**/fg_judged.csv"}, dir).files, (f) => f, ["response"]),
      null,
    );
    // Answer files that differ in other columns (a judge's scores in some of them) import together.
    writeFileSync(path.join(dir, "3b_risky_v2", "fg_judged.csv"), "step,id,question,response,aligned_score,coherent_score,privacy\n1,a,Q?,R,80,90,12\n");
    assert.equal(importFileList({files: "**/fg_judged.csv"}, dir).files.length, 2);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("modelNamingRule(spec): model:, a {model} file-name field, else a model column or the file's name", () => {
  assert.equal(modelNamingRule({model: "m"}), 'every row\'s model is "m" (model:)');
  assert.equal(modelNamingRule({filename: "{model}_v2/fg_judged.csv"}), 'models from the file-name field {model} of "{model}_v2/fg_judged.csv"');
  assert.match(modelNamingRule({}), /^models from the column "model" where a row has one, else named after each file/);
  assert.match(modelNamingRule({columns: {model: "model_name"}}), /^models from the column "model_name"/);
});
