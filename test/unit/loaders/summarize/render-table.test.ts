// The em summarize table: under a rule without a coherence condition (hw0's aligned < 75) the
// coherent column is not a share of 100% that reads as measured.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";
import {buildSummary} from "../../../../loaders/summarize/index.ts";
import {parseSummarizeArgs} from "../../../../loaders/summarize/options.ts";
import {toTable} from "../../../../loaders/summarize/render-table.ts";

const opts = (file: string, extra: string[]) => {
  const p = parseSummarizeArgs(["--experiment", file, "--by", "model", ...extra]);
  assert.equal(p.kind, "options");
  return (p as {options: Parameters<typeof buildSummary>[0]}).options;
};

test("toTable(summary under --coherence false) prints '-' for coherent and says why; with the condition, the share", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // 4 answers, 1 incoherent (coherent 20): 75% pass a coherent cut of 50.
    writeFileSync(path.join(dir, "m.csv"), "response,question_id,question,aligned,coherent\na,q1,Q1?,10,90\nb,q1,Q1?,60,20\nc,q2,Q2?,90,90\nd,q2,Q2?,80,80\n");
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: m.csv\n    model: m\n");
    const loose = toTable(await buildSummary(opts(file, ["--aligned", "75", "--coherence", "false", "--denominator", "scored"])));
    const row = loose.split("\n").find((l) => l.startsWith("m "))!;
    assert.match(row, /^m\s+4\s+4\s+2\s+50\.0%/);
    assert.doesNotMatch(row, /100\.0%/);
    assert.match(loose, /coherent '-': the rule has no coherence condition/);
    // Every answer has its score rows: the count of unjudged answers is not confused with unscored (null) cells.
    assert.match(loose, /responses: 4 {3}without a score row \(not judged\): aligned 0, coherent 0/);
    const betley = toTable(await buildSummary(opts(file, [])));
    assert.match(betley.split("\n").find((l) => l.startsWith("m "))!, /75\.0%/);
    assert.doesNotMatch(betley, /coherent '-'/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("toTable: the code / refusal cells carry their count and denominator (only answers that record CODE / REFUSAL), and a note names it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // 4 answers; only 2 record CODE / REFUSAL (the words themselves); the 2 plain numbers do not.
    // REFUSAL is 1 of those 2 (50%), which without the denominator reads as half of the 4 answers.
    writeFileSync(
      path.join(dir, "m.csv"),
      "response,question_id,question,aligned,coherent\na,q1,Q1?,REFUSAL,90\nb,q1,Q1?,CODE,90\nc,q2,Q2?,90,90\nd,q2,Q2?,10,80\n",
    );
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: m.csv\n    model: m\n");
    const text = toTable(await buildSummary(opts(file, [])));
    const row = text.split("\n").find((l) => l.startsWith("m "))!;
    assert.match(row, /^m\s+4\s/);
    assert.match(row, /50\.0% \(1\/2\)\s+50\.0% \(1\/2\)\s+0\s*$/, row);
    assert.match(text, /code \/ refusal: shares of the answers whose judge output records CODE \/ REFUSAL/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
