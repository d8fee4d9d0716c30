// The site data step (loaders/site-data.ts, run by scripts/build.mjs before `observable build`):
// it writes every src/data/ loader's output, byte for byte what the loader itself prints (so a
// build that runs no loader ships the same files as one that runs them all), except the files that
// grow with N, which Framework gets as stand-ins naming the real file and its sha256, and
// scripts/stand-ins.mjs puts the real files in their place in dist/ after Framework; a second run
// rewrites nothing; anything else in the folder is removed so Framework runs that loader itself.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {SITE_DATA_NAMES, STAND_IN_MAGIC, standInManifest, type StandIn} from "../../../loaders/site-data.ts";
import {placeStandIns} from "../../../scripts/stand-ins.mjs";
import {ROOT} from "../../../loaders/paths.ts";

const EXPERIMENT = path.join(ROOT, "test/fixtures/site/single-import.yaml");

function run(args: string[], env: NodeJS.ProcessEnv): {stdout: Buffer; stderr: string} {
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], {cwd: ROOT, env: {...process.env, ...env}, maxBuffer: 1 << 28});
  assert.equal(r.status, 0, `${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return {stdout: r.stdout, stderr: r.stderr.toString()};
}

test("the site data step: every src/data loader's output, the loader's own bytes, or a stand-in put back in dist/; a rerun rewrites nothing; other outputs removed", async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "em-site-data-"));
  try {
    const env = {EM_EXPERIMENTS: EXPERIMENT, EM_DATASET_MEMO: path.join(tmp, "memo")};
    const cache = path.join(tmp, "cache");
    const out = path.join(cache, "data");
    mkdirSync(out, {recursive: true});
    // A stale output of some other loader and a Framework error marker: Framework must run those itself.
    writeFileSync(path.join(out, "other.json"), "{}");
    writeFileSync(path.join(out, "summary.json.123.err"), "");
    // A stale summary.json from another dataset is replaced.
    writeFileSync(path.join(out, "summary.json"), '{"experiments":[]}');
    const first = run(["loaders/site-data.ts", cache], env);
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
      assert.match(
        readFileSync(path.join(ROOT, `src/data/${name}.ts`), "utf8"),
        new RegExp(`^await printSiteData\\("${name.replaceAll(".", "\\.")}"\\);$`, "m"),
        name,
      );
    const {standIns} = JSON.parse(readFileSync(standInManifest(cache), "utf8")) as {standIns: StandIn[]};
    const memo = readdirSync(path.join(tmp, "memo")).filter((d) => /^[0-9a-f]{20}$/.test(d));
    assert.equal(memo.length, 1);
    assert.deepEqual(standIns.map((x) => x.name).sort(), [
      "details.parquet",
      "ids.parquet",
      "points-exact.arrow",
      "points.arrow",
      "search.bin",
      "texts.parquet",
    ]);
    for (const x of standIns) {
      // The real file is the dataset's own; the stand-in names it with its size and sha256.
      assert.ok(x.file.startsWith(path.join(tmp, "memo", memo[0]!) + path.sep), x.file);
      const real = readFileSync(x.file);
      assert.equal(x.sha256, createHash("sha256").update(real).digest("hex"), x.name);
      assert.equal(readFileSync(path.join(out, x.name), "utf8"), `${STAND_IN_MAGIC}${x.name} ${real.length} ${x.sha256}\n`);
      // Older than its loader: a preview server runs the loader rather than serve the stand-in.
      assert.equal(statSync(path.join(out, x.name)).mtimeMs, 0, x.name);
    }
    const real = (name: string) => {
      const x = standIns.find((y) => y.name === name);
      return x ? readFileSync(x.file) : readFileSync(path.join(out, name));
    };
    for (const name of ["texts.parquet", "summary.json", "steps.json"]) {
      const printed = run([`src/data/${name}.ts`], env).stdout;
      assert.ok(printed.length > 0, `${name}: empty`);
      assert.ok(real(name).equals(printed), `${name}: the step's bytes differ from the loader's`);
    }

    // After Framework: its copy of a stand-in (hashed name) becomes the real file, and the page's registered size the real size.
    const dist = path.join(tmp, "dist");
    mkdirSync(path.join(dist, "_file", "data"), {recursive: true});
    const texts = standIns.find((x) => x.name === "texts.parquet")!;
    writeFileSync(path.join(dist, "_file/data/texts.0123abcd.parquet"), texts.text);
    writeFileSync(path.join(dist, "_file/data/summary.4567cdef.json"), readFileSync(path.join(out, "summary.json")));
    const reg = (size: number) =>
      `registerFile("./data/texts.parquet", {"name":"./data/texts.parquet","path":"./_file/data/texts.0123abcd.parquet","lastModified":1733500000000.5,"size":${size}});`;
    writeFileSync(path.join(dist, "responses.html"), `<script>${reg(texts.text.length)}</script>`);
    placeStandIns(standInManifest(cache), dist);
    assert.ok(readFileSync(path.join(dist, "_file/data/texts.0123abcd.parquet")).equals(readFileSync(texts.file)));
    assert.equal(readFileSync(path.join(dist, "responses.html"), "utf8"), `<script>${reg(texts.size)}</script>`);
    assert.ok(readFileSync(path.join(dist, "_file/data/summary.4567cdef.json")).equals(readFileSync(path.join(out, "summary.json"))));
    // A stand-in it cannot place (not under its own hashed name) is an error, not a silent few-byte table.
    writeFileSync(path.join(dist, "_file/data/search.bin"), standIns.find((x) => x.name === "search.bin")!.text);
    assert.throws(() => placeStandIns(standInManifest(cache), dist), /stand-ins left in [\s\S]*search\.bin/);

    // A rerun writes nothing: same inode and mtime for every output.
    const before = Object.fromEntries(SITE_DATA_NAMES.map((n) => [n, statSync(path.join(out, n))]));
    const second = run(["loaders/site-data.ts", cache], env);
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
