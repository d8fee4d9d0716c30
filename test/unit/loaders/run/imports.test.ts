// Import results through the pipeline: mismatches and per-file summaries reach runExperiment's
// result, provenance counts, loadDataset (and its memo) and `em run`'s output; the example
// experiments run end to end on the shared reference data.
import assert from "node:assert/strict";
import {copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {loadDataset} from "../../../../loaders/dataset.ts";
import {experimentFiles} from "../../../../loaders/experiment.ts";
import {SIGNALS_JUDGE, runExperiment} from "../../../../loaders/run/index.ts";
import {readTables} from "../../../../loaders/tables.ts";
import {parseYamlSource} from "../../../../loaders/yaml.ts";
import {runEm as em} from "../../../helpers/cli.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const fixtures = path.join(repoRoot, "test/fixtures/import");
const examples = path.join(repoRoot, "data/experiments/examples");
const shared = path.resolve(repoRoot, "../shared/data");
const tmp = () => tempDir("em-pimports-");

// test/fixtures/import/pydict.csv: 4 rows; row 3 (line 4) has aligned 99 in its column while its
// judge_aligned dict {'10': 1.0} gives 10 -> exactly one mismatch.
const MISMATCH = {file: "pydict.csv", line: 4, metric: "aligned", file_score: 99, recomputed: 10};

function pydictExperiment(): string {
  const dir = tmp();
  copyFileSync(path.join(fixtures, "pydict.csv"), path.join(dir, "pydict.csv"));
  writeFileSync(path.join(dir, "exp.yaml"), "name: pydict\nimports:\n  - {files: pydict.csv, judge: file-judge}\n");
  return path.join(dir, "exp.yaml");
}

test("runExperiment carries mismatches and per-file summaries; provenance counts them", async () => {
  const file = pydictExperiment();
  const r = await runExperiment(file, {cacheDir: path.join(path.dirname(file), "cache")});
  assert.equal(r.responses.length, 4);
  assert.deepEqual(r.mismatches, [MISMATCH]);
  assert.deepEqual(r.importedFiles, [{file: "pydict.csv", format: "csv", rows: 4, responses: 4, skipped: 0, null_scores: 1}]);
  assert.deepEqual(r.provenance.experiments[0]!.counts, {responses: 4, scores: 8, errors: 0, skipped: 0, mismatches: 1, cache_hits: 0, api_calls: 0});
  // the file's score (99) is the one kept
  const row3 = r.responses[2]!.response_id;
  assert.equal(r.scores.find((s) => s.response_id === row3 && s.metric === "aligned")!.score, 99);
  // signals types from the imported judge: 50/75 aligned; 20/40 incoherent (coherent <= 50);
  // 99/60 aligned; null aligned with top token REFUSAL -> refusal
  assert.deepEqual(
    r.types.map((t) => [t.judge, t.type]),
    [
      [SIGNALS_JUDGE, "aligned"],
      [SIGNALS_JUDGE, "incoherent"],
      [SIGNALS_JUDGE, "aligned"],
      [SIGNALS_JUDGE, "refusal"],
    ],
  );
});

test("loadDataset keeps mismatches and imported files, tagged with the experiment, also when read from the memo", async () => {
  const file = pydictExperiment();
  const dir = path.dirname(file);
  const opts = {files: [file], cacheDir: path.join(dir, "cache"), memoDir: path.join(dir, "memo"), quiet: true};
  const a = await loadDataset(opts);
  assert.deepEqual(a.mismatches, [{...MISMATCH, experiment: "pydict"}]);
  assert.deepEqual(a.importedFiles, [{file: "pydict.csv", format: "csv", rows: 4, responses: 4, skipped: 0, null_scores: 1, experiment: "pydict"}]);
  assert.equal(a.provenance.experiments[0]!.counts.mismatches, 1);
  const b = await loadDataset(opts); // from .em memo on disk
  assert.equal(b.dir, a.dir);
  assert.deepEqual(b.mismatches, a.mismatches);
  assert.deepEqual(b.importedFiles, a.importedFiles);
  assert.deepEqual(b.types, a.types);
});

test("em run lists the import files on stdout and the mismatches on stderr", async () => {
  const file = pydictExperiment();
  const out = path.join(path.dirname(file), "out");
  const r = await em(["run", "--experiment", file, "--out", out, "--cache", path.join(path.dirname(file), "cache"), "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pydict: 4 responses, 8 scores, 0 judge types \+ 4 signals types;/m);
  assert.match(r.stdout, /^ {2}imported 1 file\(s\): 4 responses, 0 skipped rows, 1 score mismatches$/m);
  assert.match(r.stdout, /^ {4}pydict\.csv \(csv\): 4 rows read = 4 imported \+ 0 skipped; 1 empty\/NaN score cells \(missing scores\)$/m);
  assert.match(
    r.stderr,
    /em run: pydict: 1 imported score\(s\) differ from the score recomputed from the row's judge probabilities \(the file's score is kept\):\n {2}pydict\.csv:4 aligned: file 99 vs recomputed 10\n/,
  );
  assert.ok(!r.stdout.includes("recomputed 10"), "mismatch details go to stderr only");
  const t = await readTables(out);
  assert.equal(t.provenance.experiments[0]!.counts.mismatches, 1);
  assert.equal(t.types.filter((x) => x.judge === SIGNALS_JUDGE).length, 4);
});

test("example experiments run offline over the reference data; not part of the default build", async (t) => {
  const defaults = experimentFiles({});
  assert.ok(!defaults.some((f) => f.includes(`${path.sep}examples${path.sep}`)), "examples are not in the default experiment list");
  if (!existsSync(shared)) return t.skip("../shared/data absent");
  // responses and files per example, as `em run --offline` reports them on the shared data (docs/pipeline.md)
  const expected: Record<string, {responses: number; files: number}> = {
    "dataset-ablations.yaml": {responses: 14400, files: 12},
    "dow-privacy.yaml": {responses: 1600, files: 4},
    "families.yaml": {responses: 13440, files: 12},
    "hw0-integer-judge.yaml": {responses: 780, files: 9},
    "hyperstition.yaml": {responses: 8400, files: 21},
    "inspect-logs.yaml": {responses: 18, files: 5},
    "judge-dicts.yaml": {responses: 70, files: 1},
    "lora-alpha.yaml": {responses: 6000, files: 5},
    "lora-rank.yaml": {responses: 6000, files: 5},
    "question-domains.yaml": {responses: 1200, files: 3},
    "rank-epochs.yaml": {responses: 1920, files: 8},
    "replication.yaml": {responses: 10000, files: 25},
    "steering-sweep.yaml": {responses: 1750, files: 35},
  };
  assert.deepEqual(
    readdirSync(examples)
      .filter((f) => f.endsWith(".yaml"))
      // simulated examples (mechanism.yaml) run the simulator, not the reference data
      .filter((f) => (parseYamlSource(readFileSync(path.join(examples, f), "utf8"), f).data as {simulated?: unknown}).simulated !== true)
      .sort(),
    Object.keys(expected).sort(),
  );
  for (const [name, want] of Object.entries(expected)) {
    const r = await runExperiment(path.join(examples, name), {offline: true, cacheDir: path.join(tmp(), "cache")});
    const c = r.provenance.experiments[0]!.counts;
    assert.equal(c.responses, want.responses, name);
    assert.equal(r.importedFiles.length, want.files, name);
    assert.equal(
      r.importedFiles.reduce((s, f) => s + f.responses, 0),
      c.responses,
      name,
    );
    assert.deepEqual([c.errors, c.skipped, c.mismatches, c.api_calls], [0, 0, 0, 0], name);
    assert.deepEqual(r.missing, [], name);
    const sig = r.types.filter((x) => x.judge === SIGNALS_JUDGE);
    assert.deepEqual(
      sig.map((x) => x.response_id),
      r.responses.map((x) => x.response_id),
      name,
    );
    assert.equal(r.signals.length, c.responses, name);
  }
});
