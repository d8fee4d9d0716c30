// `em summarize` (the command): what it says on stderr about import rows it could not use.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {run} from "../../../../loaders/commands/summarize.ts";
import {captureOutput} from "../../../helpers/capture.ts";

test("em summarize (table): every skipped row's file:line up to 20, then '... and N more (all in --format json)'; the count exact", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-summarize-skips-"));
  try {
    // 2 usable rows, then 25 records of 2 fields under a 5-field header (lines 4..28): all 25 skipped.
    const bad = Array.from({length: 25}, (_, i) => `x${i},q${i}`).join("\n");
    writeFileSync(path.join(dir, "m.csv"), `response,question_id,question,aligned,coherent\nok,q1,Q1?,10,90\nfine,q2,Q2?,90,90\n${bad}\n`);
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: m.csv\n    model: m\n");
    let stdout = "";
    const {value: code, err} = await captureOutput(() => run(["--experiment", file, "--by", "model"], (t) => void (stdout += t)));
    assert.equal(code, 0, err);
    assert.match(stdout, /^m\s+2\s/m, "the usable rows are summarized");
    const lines = err.split("\n");
    const head = lines.indexOf("em summarize: 25 import row(s) skipped:");
    assert.ok(head >= 0, err);
    const listed = lines.slice(head + 1, head + 21);
    assert.deepEqual(
      listed.map((l) => l.replace(/(:\d+): .*/, "$1")),
      Array.from({length: 20}, (_, i) => `  m.csv:${i + 4}`),
    );
    assert.equal(lines[head + 21], "  ... and 5 more (all in --format json)");
    // JSON: all 25 (and the same cap on stderr).
    let json = "";
    const j = await captureOutput(() => run(["--experiment", file, "--format", "json"], (t) => void (json += t)));
    assert.equal((JSON.parse(json) as {skipped: unknown[]}).skipped.length, 25);
    assert.match(j.err, /\.\.\. and 5 more \(all in --format json\)/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
