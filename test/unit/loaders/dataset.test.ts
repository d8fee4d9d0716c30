// The dataset memo's key (loaders/dataset.ts datasetKey) follows the code that makes the dataset,
// not the commit (issue 28: a commit to a page or a doc re-imported a 10M-response study): in a
// copy of the project, an edit to the import, run or signals code, to a module only imported
// dynamically, or to a rubric changes the key; an edit to a doc, a page, a page's loader, the site
// file writers or `em summarize` does not. The site file writers key their own folders.
import assert from "node:assert/strict";
import {appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {datasetKey} from "../../../loaders/dataset.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {sourceClosure} from "../../../loaders/source-digest.ts";
import {tempDir} from "../../helpers/tmp.ts";

/** A copy of the project's code, docs, pages and rubrics (no node_modules, no caches). */
function projectCopy(): string {
  const root = tempDir("em-dataset-key-");
  for (const p of ["package.json", "loaders", "scripts/tie-to-parent.mjs", "src/lib", "src/components", "src/index.md", "src/data", "data/judges", "docs"])
    cpSync(path.join(ROOT, p), path.join(root, p), {recursive: true});
  return root;
}

/** An import-only experiment of one small CSV file. */
function study(): string {
  const dir = tempDir("em-dataset-key-study-");
  mkdirSync(path.join(dir, "runs"));
  writeFileSync(path.join(dir, "runs", "m.csv"), "question_id,question,response,aligned,coherent\nq1,Q?,an answer,10,90\n");
  writeFileSync(
    path.join(dir, "exp.yaml"),
    ["name: key", "imports:", '  - files: "runs/*.csv"', '    filename: "{model}.csv"', "    judge: judge-a"].join("\n") + "\n",
  );
  return path.join(dir, "exp.yaml");
}

test("the dataset memo key changes with the code that makes the dataset, and only with it", async () => {
  const root = projectCopy();
  const exp = study();
  const key = () => datasetKey([exp], {offline: true, sourceRoot: root});
  const base = await key();
  assert.equal(await key(), base, "the key is stable");
  // Each edit appends a comment line: bytes change, behaviour need not; the file is then restored.
  const edited = async (file: string) => {
    const full = path.join(root, file);
    const before = readFileSync(full);
    appendFileSync(full, file.endsWith(".md") ? "\nAn edit.\n" : "\n// an edit\n");
    try {
      return await key();
    } finally {
      writeFileSync(full, before);
    }
  };
  for (const file of [
    "loaders/import/csv.ts",
    "loaders/run/stream.ts",
    "loaders/run/stream-lanes.ts", // reached only through import("./stream-lanes.ts")
    "loaders/tables.ts",
    "src/lib/signals.ts",
    "src/lib/schema.ts",
    "data/judges/aligned.md",
  ])
    assert.notEqual(await edited(file), base, `an edit to ${file} must change the key`);
  for (const file of [
    "docs/importing.md",
    "src/index.md",
    "src/data/summary.json.ts",
    "src/components/store.ts",
    "loaders/site-data.ts",
    "loaders/site-texts.ts",
    "loaders/site-points-files.ts",
    "loaders/summarize/index.ts",
    "scripts/tie-to-parent.mjs",
  ])
    assert.equal(await edited(file), base, `an edit to ${file} must leave the key as it was`);
  assert.equal(await key(), base, "restored: the key is back");
});

test("the code closure follows static and dynamic imports and names the packages it imports", () => {
  const {files, packages} = sourceClosure(["loaders/dataset.ts"]);
  for (const f of ["loaders/dataset.ts", "loaders/run/stream-lanes.ts", "loaders/import/csv.ts", "src/lib/signals.ts"]) assert.ok(files.includes(f), f);
  assert.ok(!files.some((f) => f.startsWith("loaders/site-") || f.startsWith("loaders/summarize/") || f.startsWith("src/components/")), files.join(" "));
  assert.ok(packages.includes("csv-parse") && packages.includes("@duckdb/node-api"), packages.join(" "));
});
