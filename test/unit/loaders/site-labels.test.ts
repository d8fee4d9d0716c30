// labels.json (the /audit page's human labels) read by DuckDB from a dataset folder's Parquet equals
// the same labels folded from the tables read back as rows, on a real import with labels.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {loadDataset} from "../../../loaders/dataset.ts";
import {importedResponseId} from "../../../loaders/import/index.ts";
import {labelsFromDir, labelsFromTables} from "../../../loaders/site-labels.ts";
import {readResponseIds, readTables} from "../../../loaders/tables.ts";
import {tempDir} from "../../helpers/tmp.ts";

function experiment(withLabels: boolean): string {
  const dir = tempDir("em-site-labels-");
  const rows = ["question_id,question,response,aligned,coherent"];
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const q = i % 2 ? "q2" : "q1";
    rows.push(`${q},Question ${q}?,Answer ${i},${10 * i},90`);
    ids.push(importedResponseId("lab", "answers.csv", i, q));
  }
  writeFileSync(path.join(dir, "answers.csv"), rows.join("\n") + "\n");
  const header = "experiment,response_id,labeller,em,type,judge,judge_em,stratum,seed,model,step,question_id,labelled_at\n";
  const line = (k: number, em: string, labeller: string, type = "") => `lab,${ids[k]},${labeller},${em},${type},j,,s,0,answers,,q,2026-01-01T00:00:00Z\n`;
  // Two labellers on answer 7 (two judges), an unsure label, type labels with and without an em.
  writeFileSync(
    path.join(dir, "labels.csv"),
    header + line(7, "yes", "ann", "emergent") + line(2, "no", "ann") + line(7, "no", "bob") + line(4, "unsure", "ann") + line(0, "yes", "ann", "emergent"),
  );
  const imports = [`  - {files: answers.csv, judge: file-judge}`];
  if (withLabels) imports.push(`  - {files: labels.csv, format: labels}`);
  writeFileSync(path.join(dir, "exp.yaml"), `name: lab\nimports:\n${imports.join("\n")}\n`);
  return path.join(dir, "exp.yaml");
}

for (const withLabels of [true, false]) {
  test(`labelsFromDir equals labelsFromTables on an imported dataset (${withLabels ? "with" : "without"} labels)`, async () => {
    const file = experiment(withLabels);
    const memoDir = tempDir("em-site-labels-memo-");
    const dataset = await loadDataset({files: [file], memoDir, quiet: true, cacheDir: path.join(path.dirname(file), "cache")});
    const t = await readTables(dataset.dir);
    const expected = labelsFromTables(t.responses, t.scores);
    const got = await labelsFromDir(dataset.dir);
    assert.deepEqual(got, expected);
    assert.deepEqual(
      await readResponseIds(dataset.dir),
      t.responses.map((r) => r.response_id),
      "readResponseIds: the ids in row order",
    );
    if (withLabels) {
      assert.ok(expected.length >= 4, `labels found: ${JSON.stringify(expected)}`);
      assert.ok(expected.some((e) => e.em === "yes" && e.type === "emergent"));
      assert.ok(expected.some((e) => e.em === "unsure"));
      assert.ok(new Set(expected.map((e) => e.judge)).size >= 2, "one entry per (response, labeller judge)");
    } else assert.deepEqual(got, []);
  });
}
