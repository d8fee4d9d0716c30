// Which columns of a table become meta (the facets "Compare by" offers): a column read as one of the
// row's own fields (the step here) is that field, not also a facet; a column the row does not read
// (an `epoch` beside `step: 0`, a file-name field) stays one. On hw0 (reference data): no "step"
// facet mixing its two step grids, and `em summarize --by step` / `--by size` still group.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {importFiles, type ImportSpecInput} from "../../../../loaders/import/index.ts";
import {ROOT} from "../../../../loaders/paths.ts";
import {facetMetaKeys} from "../../../../loaders/site-points.ts";
import {tempDir} from "../../../helpers/tmp.ts";

async function imported(csv: string, spec: Partial<ImportSpecInput> = {}, name = "answers.csv") {
  const dir = tempDir("em-table-meta-");
  writeFileSync(path.join(dir, name), csv + "\n");
  return importFiles({files: name, judge: "j", ...spec} as ImportSpecInput, {experiment: "t", baseDir: dir});
}

const ROWS = ["q1,Q1?,a,10,90,x", "q1,Q1?,b,80,90,y", "q2,Q2?,c,20,95,x", "q2,Q2?,d,90,95,y"];

test("importTable: a column read as the step (step, checkpoint, or named by `step:`) is the step, not also meta; other columns stay meta", async () => {
  for (const column of ["step", "checkpoint", "epoch"]) {
    const csv = [`${column},question_id,question,response,aligned,coherent,dataset`, ...ROWS.map((r, i) => `${[100, 200][i % 2]},${r}`)].join("\n");
    const r = await imported(csv);
    assert.deepEqual(
      r.responses.map((x) => x.step),
      [100, 200, 100, 200],
      column,
    );
    for (const x of r.responses) {
      assert.equal(column in x.meta, false, `meta.${column} (${JSON.stringify(x.meta)})`);
      assert.equal(x.meta.step_from, column);
    }
    assert.deepEqual(
      r.responses.map((x) => x.meta.dataset),
      ["x", "y", "x", "y"],
    );
  }
  // Named by `step:` (a column of another name).
  const named = await imported(["iter,question_id,question,response,aligned,coherent", ...ROWS.map((r, i) => `${i},${r.replace(/,[xy]$/, "")}`)].join("\n"), {
    step: "iter",
  });
  assert.deepEqual(
    named.responses.map((x) => [x.step, "iter" in x.meta]),
    [
      [0, false],
      [1, false],
      [2, false],
      [3, false],
    ],
  );
  // `step: 0` reads no column: an `epoch` column beside it is the file's own data, kept as meta.
  const fixed = await imported(["epoch,question_id,question,response,aligned,coherent", ...ROWS.map((r) => `base,${r.replace(/,[xy]$/, "")}`)].join("\n"), {
    step: 0,
  });
  assert.deepEqual(
    fixed.responses.map((x) => [x.step, x.meta.epoch]),
    [
      [0, "base"],
      [0, "base"],
      [0, "base"],
      [0, "base"],
    ],
  );
  // A file-name field read as the step stays meta (the steering sweep's `scale`, lora-rank's `rank`).
  const field = await imported(
    ["question_id,question,response,aligned,coherent", ...ROWS.map((r) => r.replace(/,[xy]$/, ""))].join("\n"),
    {
      filename: "answers_s{scale}.csv",
      step: "scale",
    },
    "answers_s4.csv",
  );
  assert.deepEqual(
    field.responses.map((x) => [x.step, x.meta.scale]),
    [
      [4, 4],
      [4, 4],
      [4, 4],
      [4, 4],
    ],
  );
});

const HW0 = "data/experiments/examples/hw0-integer-judge.yaml";
const hw0Data = path.resolve(ROOT, "../shared/data/third-party/hw0");

test("hw0: the facets are size and model, not the `step` column; em summarize --by step and --by size group as before", {
  skip: !existsSync(hw0Data) && `${hw0Data} absent`,
  timeout: 300_000,
}, async () => {
  const {parseYamlSource} = await import("../../../../loaders/yaml.ts");
  const {readFileSync} = await import("node:fs");
  const file = path.join(ROOT, HW0);
  const exp = parseYamlSource(readFileSync(file, "utf8"), file).data as {name: string; imports: ImportSpecInput[]};
  const responses = [];
  for (const spec of exp.imports) responses.push(...(await importFiles(spec, {experiment: exp.name, baseDir: path.dirname(file)})).responses);
  assert.equal(responses.length, 780);
  const facets = facetMetaKeys(responses);
  assert.ok(!facets.includes("step"), `facets: ${facets.join(", ")}`);
  for (const k of ["size", "model"]) assert.ok(facets.includes(k), `facet ${k} kept: ${facets.join(", ")}`);
  // The fine-tunes' two step grids (medical 110..1320, risky 93..1125) and the base models' 0, as the row's step.
  const steps = new Set(responses.map((r) => r.step));
  assert.equal(steps.size, 13, [...steps].join(", "));

  const em = (by: string) =>
    spawnSync(process.execPath, [path.join(ROOT, "bin/em.js"), "summarize", "--experiment", HW0, "--by", by, "--format", "json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
  const byStep = em("step");
  assert.equal(byStep.status, 0, byStep.stderr);
  const groups = (JSON.parse(byStep.stdout) as {groups: {key: Record<string, unknown>}[]}).groups;
  assert.equal(new Set(groups.map((g) => g.key.step)).size, 13, JSON.stringify(groups.map((g) => g.key)));
  const bySize = em("size");
  assert.equal(bySize.status, 0, bySize.stderr);
  assert.deepEqual(
    new Set((JSON.parse(bySize.stdout) as {groups: {key: Record<string, unknown>}[]}).groups.map((g) => g.key.size)),
    new Set(["1b", "3b", "8b"]),
  );
});

const shared = path.resolve(ROOT, "../shared/data");
const hw0Medical = path.join(hw0Data, "1b_medical_v2/fg_judged.csv");

test("every importer on the reference data: the key read as the step is the row's step, not also meta (CSV, JSONL, nested JSON, Parquet, sql, Inspect)", {
  skip: (!existsSync(hw0Medical) || !existsSync(path.join(shared, "inspect-logs"))) && `${hw0Medical} or ${shared}/inspect-logs absent`,
  timeout: 300_000,
}, async () => {
  const {DuckDBInstance} = await import("@duckdb/node-api");
  const dir = tempDir("em-step-formats-");
  // hw0's medical answers (a `step` column) in each table format, written by DuckDB.
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const src = `read_csv('${hw0Medical}', all_varchar = false)`;
  await conn.run(`COPY (SELECT * FROM ${src}) TO '${path.join(dir, "a.parquet")}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT * FROM ${src}) TO '${path.join(dir, "a.jsonl")}' (FORMAT json)`);
  await conn.run(`COPY (SELECT {run: 'hw0', answers: list(t)} AS doc FROM ${src} t) TO '${path.join(dir, "doc.jsonl")}' (FORMAT json)`);
  conn.closeSync();
  db.closeSync();
  // The nested document: {run, answers: [...]} (one JSON value, not lines).
  const {readFileSync} = await import("node:fs");
  writeFileSync(path.join(dir, "a.json"), JSON.stringify((JSON.parse(readFileSync(path.join(dir, "doc.jsonl"), "utf8")) as {doc: unknown}).doc));
  const base = {judge: "j", metrics: {aligned_score: "aligned", coherent_score: "coherent"}} as Partial<ImportSpecInput>;
  const csv = await importFiles({...base, files: hw0Medical} as ImportSpecInput, {experiment: "t", baseDir: dir});
  const want = csv.responses.map((x) => x.step);
  assert.equal(want.length, 120);
  assert.equal(new Set(want).size, 6, "1b medical's steps");
  const cases: [string, Partial<ImportSpecInput>][] = [
    ["csv", {files: hw0Medical}],
    ["jsonl", {files: "a.jsonl"}],
    ["parquet", {files: "a.parquet"}],
    ["json", {files: "a.json", records: "answers.*"}],
    ["sql", {files: "a.parquet", sql: "SELECT * FROM read_parquet($file)"}],
    ["sql, step: named", {files: "a.parquet", sql: "SELECT step AS ckpt, * EXCLUDE (step) FROM read_parquet($file)", step: "ckpt"}],
  ];
  for (const [what, spec] of cases) {
    const r = await importFiles({...base, ...spec} as ImportSpecInput, {experiment: "t", baseDir: dir});
    assert.deepEqual(
      r.responses.map((x) => x.step),
      want,
      what,
    );
    const key = spec.step ?? "step";
    for (const x of r.responses) {
      assert.equal(x.meta.step_from, key, what);
      assert.equal(key in x.meta, false, `${what}: meta.${key} (${JSON.stringify(x.meta).slice(0, 200)})`);
    }
    assert.ok(
      r.responses.some((x) => x.meta.id !== undefined),
      `${what}: the other columns stay meta`,
    );
  }
  // Inspect's logs: `step: epoch` reads each sample's epoch and leaves no meta.epoch; by default the epoch stays meta.
  const logs = path.join(shared, "inspect-logs");
  const epoch = await importFiles({files: ["*.eval", "*.json"], judge: "j", step: "epoch"}, {experiment: "t", baseDir: logs});
  const plain = await importFiles({files: ["*.eval", "*.json"], judge: "j"}, {experiment: "t", baseDir: logs});
  assert.equal(epoch.responses.length, 18);
  assert.deepEqual(
    epoch.responses.map((x) => x.step),
    plain.responses.map((x) => x.meta.epoch),
  );
  assert.ok(epoch.responses.every((x) => typeof x.step === "number" && !("epoch" in x.meta) && x.meta.step_from === "epoch"));
  assert.ok(plain.responses.every((x) => x.step === null && typeof x.meta.epoch === "number"));
});

test("the example experiments on the reference data: a row key read as the step is never also meta (only a file-name field is)", {
  skip: !existsSync(path.join(shared, "em-reference")) && `${shared}/em-reference absent`,
  timeout: 600_000,
}, async () => {
  const {parseYamlSource} = await import("../../../../loaders/yaml.ts");
  const {readdirSync, readFileSync} = await import("node:fs");
  const folder = path.join(ROOT, "data/experiments/examples");
  let checked = 0;
  for (const name of readdirSync(folder).filter((f) => f.endsWith(".yaml"))) {
    const file = path.join(folder, name);
    const exp = parseYamlSource(readFileSync(file, "utf8"), file).data as {name: string; imports?: ImportSpecInput[]};
    for (const spec of exp.imports ?? []) {
      const r = await importFiles(spec, {experiment: exp.name, baseDir: folder});
      const pattern = typeof spec.filename === "string" ? spec.filename : "";
      for (const x of r.responses) {
        const from = x.meta.step_from;
        if (typeof from !== "string" || from === "spec") continue;
        // In meta only as a file-name field the pattern captures.
        if (from in x.meta) assert.ok(pattern.includes(`{${from}}`), `${name}: meta.${from} beside step_from ${from} (filename: ${pattern || "none"})`);
        checked++;
      }
    }
  }
  assert.ok(checked > 1000, `rows with a step read from a key: ${checked}`);
});
