// The benchmark harness cannot rot: `npm run bench -- analysis pipeline` in smoke mode (tiny sizes,
// a real simulator process over HTTP) writes its result files and a document assembled from them
// only. The site section needs a build and Chromium, so it is left to `npm run bench` itself;
// its data-file guard is checked here on a fake dist folder.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {dist, quantile} from "../../../bench/lib/results.ts";
import {render} from "../../../bench/write.ts";

const out = mkdtempSync(path.join(os.tmpdir(), "em-bench-smoke-"));
after(() => rmSync(out, {recursive: true, force: true}));

test("quantiles are nearest-rank and ignore non-finite values", () => {
  assert.equal(quantile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(
    quantile(
      Array.from({length: 20}, (_, i) => i + 1),
      0.95,
    ),
    19,
  );
  assert.equal(quantile([1, NaN, 2], 1), 2);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  const d = dist([4, 1, 3, 2]);
  assert.deepEqual([d.n, d.median, d.p95, d.min, d.max], [4, 2.5, 4, 1, 4]);
});

test("npm run bench -- analysis pipeline (BENCH_SMOKE=1) writes results and the document from them", () => {
  const doc = path.join(out, "benchmarks.md");
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/run.ts"), "analysis", "pipeline"], {
    cwd: ROOT,
    env: {...process.env, BENCH_SMOKE: "1", BENCH_RESULTS: out, BENCH_DOC: doc},
    encoding: "utf8",
    // A hang guard, not a time limit: ~10 s alone, but two test files run at once on a loaded machine.
    timeout: 600_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const pipeline = JSON.parse(readFileSync(path.join(out, "pipeline.smoke.json"), "utf8"));
  assert.equal(pipeline.smoke, true);
  assert.ok(pipeline.machine.cpus >= 1 && pipeline.machine.node === process.version);
  assert.match(pipeline.command, /BENCH_SMOKE=1 node --import tsx bench\/pipeline-target\.ts/);
  const paid = pipeline.verdicts.find((v: {target: string}) => /paid twice/.test(v.target));
  // The simulator counted every body it received: the coalescing must hold even at smoke size.
  assert.equal(paid.pass, true, paid.measured);
  const sim = pipeline.raw.runs[0].sim;
  assert.ok(sim.chat > 0 && sim.chat === sim.distinct);
  const analysis = JSON.parse(readFileSync(path.join(out, "analysis.smoke.json"), "utf8"));
  assert.ok(analysis.tables[0].rows.length >= 5);
  const text = readFileSync(doc, "utf8");
  assert.match(text, /Smoke run/);
  assert.match(text, /## Pipeline throughput/);
  assert.match(text, /\(section site has no result file\)/, "a section without results is said to be missing, not left out");
  for (const row of analysis.tables[0].rows) assert.ok(text.includes(row[2]), `the document shows the measured median ${row[2]}`);
});

test("an unknown section is refused before anything runs", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/run.ts"), "nosuch"], {
    cwd: ROOT,
    encoding: "utf8",
    env: {...process.env, BENCH_RESULTS: out},
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown section 'nosuch'/);
});

test("verdicts render as pass, miss and unknown", () => {
  const m = {cpu: "x", cpus: 2, ramGB: 1, node: "v0", chromium: null, os: "test", load1: 0};
  const text = render(
    [
      {
        section: "pipeline",
        title: "T",
        command: "cmd",
        date: "d",
        machine: m,
        smoke: false,
        method: [],
        tables: [],
        notes: [],
        raw: null,
        verdicts: [
          {target: "a", measured: "1", pass: true},
          {target: "b", measured: "2", pass: false},
          {target: "c", measured: "n/a", pass: null},
        ],
      },
    ],
    [],
  );
  assert.match(text, /\| a \| 1 \| pass \| pipeline \|/);
  assert.match(text, /\| b \| 2 \| \*\*miss\*\* \| pipeline \|/);
  assert.match(text, /\| c \| n\/a \| unknown \| pipeline \|/);
});

test("the site bench refuses a build whose data files it does not know (renamed or new), instead of timing a mix", async () => {
  const {checkDataFiles, dataFile, DataFilesChanged} = await import("../../../bench/lib/site-files.ts");
  const {mkdirSync, writeFileSync} = await import("node:fs");
  const site = path.join(out, "site");
  const data = path.join(site, "_file/data");
  mkdirSync(data, {recursive: true});
  for (const f of [
    "points.0123abcd.arrow",
    "points-exact.0123abcd.arrow",
    "texts.0123abcd.parquet",
    "details.0123abcd.parquet",
    "ids.0123abcd.parquet",
    "search.0123abcd.bin",
    "summary.0123abcd.json",
    "first.0123abcd.json",
    "responses-first.0123abcd.json",
    "questions.0123abcd.json",
    "labels.0123abcd.json",
    "steps.0123abcd.json",
    "mechanism.0123abcd.json",
  ])
    writeFileSync(path.join(data, f), "");
  checkDataFiles(site);
  assert.equal(dataFile(site, "points", "arrow"), path.join(data, "points.0123abcd.arrow"));
  writeFileSync(path.join(data, "points-compact.0123abcd.arrow"), "");
  assert.throws(
    () => checkDataFiles(site),
    (e: Error) => e instanceof DataFilesChanged && /points-compact\.0123abcd\.arrow/.test(e.message) && /DATA_FILES/.test(e.message),
  );
  rmSync(path.join(data, "points-compact.0123abcd.arrow"));
  rmSync(path.join(data, "texts.0123abcd.parquet"));
  assert.throws(() => checkDataFiles(site), /no texts\.<hash>\.parquet/);
});
