// The site data step (loaders/site-data.ts, run by scripts/build.mjs before `observable build`):
// it writes every src/data/ loader's output, byte for byte what the loader itself prints (so a
// build that runs no loader ships the same files as one that runs them all); the size-dependent
// files are links to the dataset's files; a second run rewrites nothing; anything else in the
// folder is removed so Framework runs that loader itself.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {SITE_DATA_NAMES} from "../../../loaders/site-data.ts";
import {ROOT} from "../../../loaders/paths.ts";

const EXPERIMENT = path.join(ROOT, "test/fixtures/site/single-import.yaml");

function run(args: string[], env: NodeJS.ProcessEnv): {stdout: Buffer; stderr: string} {
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], {cwd: ROOT, env: {...process.env, ...env}, maxBuffer: 1 << 28});
  assert.equal(r.status, 0, `${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return {stdout: r.stdout, stderr: r.stderr.toString()};
}

test("the site data step: every src/data loader's output, the loader's own bytes; links; a rerun rewrites nothing; other outputs removed", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "em-site-data-"));
  try {
    const env = {EM_EXPERIMENTS: EXPERIMENT, EM_DATASET_MEMO: path.join(tmp, "memo")};
    const out = path.join(tmp, "cache", "data");
    mkdirSync(out, {recursive: true});
    // A stale output of some other loader and a Framework error marker: Framework must run those itself.
    writeFileSync(path.join(out, "other.json"), "{}");
    writeFileSync(path.join(out, "summary.json.123.err"), "");
    // A stale summary.json from another dataset is replaced.
    writeFileSync(path.join(out, "summary.json"), '{"experiments":[]}');
    const first = run(["loaders/site-data.ts", out], env);
    assert.match(first.stderr, new RegExp(`site data: ${SITE_DATA_NAMES.length} written, 0 unchanged, 2 other removed`));

    // Every Framework loader in src/data is covered: Framework finds every output ready and starts none.
    const loaders = readdirSync(path.join(ROOT, "src/data"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3))
      .sort();
    assert.deepEqual([...SITE_DATA_NAMES].sort(), loaders);
    assert.deepEqual(readdirSync(out).sort(), loaders);

    // Each loader prints its own output (its name in its one call), and byte for byte what the step
    // wrote when Framework runs it (npm run dev): run here for one file output and the two JSON
    // outputs with the most logic (each loader is a Node start, ~1.5 s).
    for (const name of SITE_DATA_NAMES)
      assert.match(readFileSync(path.join(ROOT, `src/data/${name}.ts`), "utf8"), new RegExp(`^await printSiteData\\("${name.replaceAll(".", "\\.")}"\\);$`, "m"), name);
    for (const name of ["texts.parquet", "summary.json", "steps.json"]) {
      const printed = run([`src/data/${name}.ts`], env).stdout;
      assert.ok(printed.length > 0, `${name}: empty`);
      assert.ok(readFileSync(path.join(out, name)).equals(printed), `${name}: the step's bytes differ from the loader's`);
    }
    // The size-dependent files are the dataset's own files (hard links), not copies.
    const memo = readdirSync(path.join(tmp, "memo")).filter((d) => /^[0-9a-f]{20}$/.test(d));
    assert.equal(memo.length, 1);
    for (const [name, own] of [
      ["texts.parquet", "site-texts/texts.parquet"],
      ["search.bin", "site-texts/search.bin"],
    ] as const)
      assert.equal(statSync(path.join(out, name)).ino, statSync(path.join(tmp, "memo", memo[0]!, own)).ino, name);

    // A rerun writes nothing: same inode and mtime for every output.
    const before = Object.fromEntries(SITE_DATA_NAMES.map((n) => [n, statSync(path.join(out, n))]));
    const second = run(["loaders/site-data.ts", out], env);
    assert.match(second.stderr, new RegExp(`site data: 0 written, ${SITE_DATA_NAMES.length} unchanged in`));
    for (const n of SITE_DATA_NAMES) {
      const s = statSync(path.join(out, n));
      assert.equal(s.ino, before[n]!.ino, n);
      assert.equal(s.mtimeMs, before[n]!.mtimeMs, n);
    }
  } finally {
    rmSync(tmp, {recursive: true, force: true});
  }
});

test("the site data step: a failing dataset exits non-zero and names the experiment file", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "em-site-data-"));
  try {
    const bad = path.join(tmp, "bad.yaml");
    writeFileSync(bad, "name: bad\nimports:\n  - files: nothing-here-*.csv\n    model: m\n    judge: j\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "loaders/site-data.ts", path.join(tmp, "out")], {
      cwd: ROOT,
      env: {...process.env, EM_EXPERIMENTS: bad, EM_DATASET_MEMO: path.join(tmp, "memo")},
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.toString(), /bad\.yaml/);
    assert.deepEqual(readdirSync(tmp).includes("out") ? readdirSync(path.join(tmp, "out")) : [], []);
  } finally {
    rmSync(tmp, {recursive: true, force: true});
  }
});
