// The ready-made experiment files under data/experiments/examples/ import the shared reference data.
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {importFiles, type ImportResult} from "../../../../loaders/import/index.ts";
import {parseYamlSource} from "../../../../loaders/yaml.ts";

/** A YAML file's data, through the one YAML reader the loaders use (errors name file:line:col). */
const parseYamlFile = (file: string): unknown => parseYamlSource(readFileSync(file, "utf8"), file).data;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const examples = path.join(repoRoot, "data/experiments/examples");
const present = existsSync(path.resolve(repoRoot, "../shared/data/em-reference"));

async function run(name: string): Promise<ImportResult & {coordinate: unknown}> {
  const exp = parseYamlFile(path.join(examples, name)) as {name: string; imports: unknown[]; coordinate?: unknown};
  const all: ImportResult = {responses: [], scores: [], skipped: [], mismatches: [], files: []};
  for (const spec of exp.imports) {
    const r = await importFiles(spec as never, {experiment: exp.name, baseDir: examples});
    for (const k of ["responses", "scores", "skipped", "mismatches", "files"] as const) (all[k] as unknown[]).push(...r[k]);
  }
  return {...all, coordinate: exp.coordinate};
}

test("examples: every file has a name and an imports list or models to run", () => {
  const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const e = parseYamlFile(path.join(examples, f)) as {name?: unknown; imports?: unknown; models?: unknown};
    assert.equal(typeof e.name, "string", f);
    assert.ok((Array.isArray(e.imports) && e.imports.length > 0) || (Array.isArray(e.models) && e.models.length > 0), f);
  }
});

test("examples import the reference data", {skip: !present && "../shared/data/em-reference absent"}, async () => {
  const rep = await run("replication.yaml");
  assert.equal(rep.files.length, 25);
  assert.equal(rep.responses.length, 25 * 400);
  assert.equal(new Set(rep.responses.map((r) => r.model)).size, 8); // 3 Qwen, 2 Llama, 3 Gemma
  assert.deepEqual(rep.skipped, []);

  const dicts = await run("judge-dicts.yaml");
  assert.equal(dicts.responses.length, 70);
  assert.deepEqual(dicts.mismatches, []);
  assert.equal(dicts.scores.filter((s) => s.probs).length, 140);

  const sweep = await run("steering-sweep.yaml");
  assert.equal(sweep.files.length, 35);
  assert.equal(sweep.responses.length, 35 * 50);
  assert.deepEqual([...new Set(sweep.responses.map((r) => r.meta.layer))].sort(), [28, 32, 36, 40, 44]);
  const l28 = [...new Set(sweep.responses.filter((r) => r.meta.layer === 28).map((r) => r.step))].sort((a, b) => a! - b!);
  assert.deepEqual(l28, [10.78, 12.12, 13.47]);

  const rank = await run("lora-rank.yaml");
  assert.equal(rank.responses.length, 5 * 1200);
  assert.deepEqual(
    [...new Set(rank.responses.map((r) => r.step))].sort((a, b) => a! - b!),
    [0, 1, 4, 16, 64],
  );
  assert.deepEqual(new Set(rank.responses.map((r) => r.model)), new Set(["Qwen2.5-Coder-32B-Instruct"]));

  const insp = await run("inspect-logs.yaml");
  assert.equal(insp.responses.length, 18);
  assert.deepEqual([...new Set(insp.scores.map((s) => s.metric))], ["correct"]);
});
