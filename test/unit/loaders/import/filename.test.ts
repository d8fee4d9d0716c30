import assert from "node:assert/strict";
import {mkdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {compileFilenamePattern, matchFilename, metaValue} from "../../../../loaders/import/filename.ts";
import {globFiles, segmentMatcher} from "../../../../loaders/import/glob.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/import");

test("filename: {model}_{dataset}[_S{seed}] with and without the seed", () => {
  const p = compileFilenamePattern("{model}_{dataset}[_S{seed}].csv");
  assert.deepEqual(matchFilename(p, "/x/y/gemma-3-27b-it_bad-medical-advice_S73.csv"), {model: "gemma-3-27b-it", dataset: "bad-medical-advice", seed: 73});
  assert.deepEqual(matchFilename(p, "Qwen2.5-14B-Instruct_extreme-sports.csv"), {model: "Qwen2.5-14B-Instruct", dataset: "extreme-sports", seed: null});
  assert.equal(matchFilename(p, "nounderscore.csv"), null);
  assert.equal(matchFilename(p, "a_b.jsonl"), null);
});

test("filename: folder segments, wildcards and numeric fields", () => {
  const p = compileFilenamePattern("layer_{layer}/judgements_scale_{scale}.csv");
  assert.equal(p.segments, 2);
  assert.deepEqual(matchFilename(p, "a/b/layer_28/judgements_scale_10.78.csv"), {layer: 28, scale: 10.78});
  const q = compileFilenamePattern("*_{model}.csv");
  assert.deepEqual(matchFilename(q, "responses_gemma-2-9b-it.csv"), {model: "gemma-2-9b-it"});
  assert.equal(metaValue("007"), "007");
  assert.equal(metaValue("-1.5e2"), -150);
  assert.equal(metaValue("R16"), "R16");
});

test("filename: bad patterns throw", () => {
  assert.throws(() => compileFilenamePattern("{model"), /unclosed "\{"/);
  assert.throws(() => compileFilenamePattern("{a}_{a}.csv"), /appears twice/);
  assert.throws(() => compileFilenamePattern("[{a}.csv"), /unclosed "\["/);
  assert.throws(() => compileFilenamePattern("{a}].csv"), /unmatched "\]"/);
});

test("glob: segment regexes", () => {
  assert.ok(segmentMatcher("*.csv")("a.b.csv"));
  assert.ok(!segmentMatcher("*.csv")("a.csv.bak"));
  assert.ok(segmentMatcher("r?.csv")("r1.csv"));
  assert.ok(segmentMatcher("*.{csv,jsonl}")("x.jsonl"));
  assert.ok(segmentMatcher("[a-c]*")("bom.csv"));
  assert.ok(!segmentMatcher("[!a-c]*")("bom.csv"));
});

test("glob: expands relative to a base folder, sorted, ** recursive", () => {
  const hits = globFiles("tiny-model_*.csv", fixtures).map((f) => path.basename(f));
  assert.deepEqual(hits, ["tiny-model_risky-finance.csv", "tiny-model_risky-finance_S7.csv"]);
  const deep = globFiles("../**/tiny-inspect.{json,eval}", fixtures).map((f) => path.basename(f));
  assert.deepEqual(deep, ["tiny-inspect.eval", "tiny-inspect.json"]);
  assert.deepEqual(globFiles("no-such-*.csv", fixtures), []);
  assert.equal(globFiles("bom.csv", fixtures).length, 1);
});

test("glob: ** does not descend into node_modules or hidden folders; naming them still works", () => {
  const dir = tempDir("em-glob-");
  for (const f of ["a.yaml", "sub/b.yaml", "node_modules/pkg/c.yaml", ".hidden/d.yaml", "sub/.e.yaml"]) {
    mkdirSync(path.join(dir, path.dirname(f)), {recursive: true});
    writeFileSync(path.join(dir, f), "x: 1\n");
  }
  const rel = (files: string[]) => files.map((f) => path.relative(dir, f).split(path.sep).join("/"));
  assert.deepEqual(rel(globFiles("**/*.yaml", dir)), ["a.yaml", "sub/.e.yaml", "sub/b.yaml"]);
  assert.deepEqual(rel(globFiles(".hidden/*.yaml", dir)), [".hidden/d.yaml"]);
  assert.deepEqual(rel(globFiles("node_modules/**/*.yaml", dir)), ["node_modules/pkg/c.yaml"]);
});
