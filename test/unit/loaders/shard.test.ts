// Sharded runs (issue 17): N = 3 shards into separate caches, `em cache merge`, and a rebuild that
// is byte-identical to a single run and makes zero calls; bad shard specs and foreign caches.
import assert from "node:assert/strict";
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {KEY_SCHEME} from "../../../loaders/cache-merge.ts";
import {parseShard, shardOf} from "../../../loaders/shard.ts";
import {em, tmpDir, writeExperiment} from "../../helpers/scale.ts";

const TABLES = ["responses", "scores", "types", "signals"].map((t) => `${t}.parquet`);

test("shard specs: K/N with 1 <= K <= N, clear errors otherwise", () => {
  assert.deepEqual(parseShard("2/3"), {k: 2, n: 3});
  assert.deepEqual(parseShard("1/1"), {k: 1, n: 1});
  assert.throws(() => parseShard("4/3"), /--shard '4\/3': K must be between 1 and N \(3\); shards are numbered 1\.\.3/);
  assert.throws(() => parseShard("0/3"), /--shard '0\/3': K must be between 1 and N \(3\)/);
  assert.throws(() => parseShard("1/0"), /N \(the number of shards\) must be at least 1/);
  assert.throws(() => parseShard("a/3"), /expected K\/N with whole numbers/);
  assert.throws(() => parseShard("1.5/3"), /expected K\/N/);
  // Uniform over keys: 3,000 sha256-like keys split about evenly.
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[shardOf(((i * 2654435761) >>> 0).toString(16).padStart(8, "0") + "0".repeat(56), 3)]!++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `${counts}`);
});

test("em run --shard 4/3 and 0/3 fail before anything is read or written", async () => {
  const dir = tmpDir("badshard");
  const exp = writeExperiment(dir, {url: "sim", samples: 2});
  for (const spec of ["4/3", "0/3"]) {
    const r = await em(["run", "--experiment", exp, "--shard", spec, "--cache", path.join(dir, "cache"), "--out", path.join(dir, "out")]).done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`em run: --shard '${spec}': K must be between 1 and N \\(3\\)`));
  }
  assert.ok(!existsSync(path.join(dir, "cache")) && !existsSync(path.join(dir, "out")), "nothing written");
});

test("3 shards into separate caches, merged: tables byte-identical to a single run; the rebuild makes zero calls", async () => {
  const dir = tmpDir("shards");
  const exp = writeExperiment(dir, {url: "sim", samples: 6, steps: [0, 300, 600, 900]});
  const run = (args: string[]) => em(["run", "--experiment", exp, "--quiet", ...args]).done;
  const shards = await Promise.all(
    [1, 2, 3].map((k) => run(["--shard", `${k}/3`, "--cache", path.join(dir, `cache${k}`), "--out", path.join(dir, `out${k}`)])),
  );
  let units = 0;
  for (const [i, s] of shards.entries()) {
    assert.equal(s.code, 0, s.stderr);
    const m = /shard (\d)\/3: (\d+) of (\d+) generation units/.exec(s.stdout);
    assert.ok(m, s.stdout);
    assert.equal(Number(m[1]), i + 1);
    assert.ok(Number(m[2]) > 0 && Number(m[2]) < Number(m[3]), "each shard has a real share");
    units += Number(m[2]);
    assert.equal(Number(m[3]), 80, "4 checkpoints x 20 (question, paraphrase) prompts");
  }
  assert.equal(units, 80, "the shares partition the work");

  const merge = await em(["cache", "merge", path.join(dir, "merged"), ...[1, 2, 3].map((k) => path.join(dir, `cache${k}`))]).done;
  assert.equal(merge.code, 0, merge.stderr);
  assert.match(merge.stdout, /merged 3 cache\(s\) into .*merged: 3 shard file\(s\) copied, 0 extended, 0 already there; [\d,.k]+ new entries/);
  // Merging again copies nothing (a union).
  const again = await em(["cache", "merge", path.join(dir, "merged"), path.join(dir, "cache2")]).done;
  assert.match(again.stdout, /0 shard file\(s\) copied, 0 extended, 1 already there; 0 new entries/);

  const rebuild = await run(["--cache", path.join(dir, "merged"), "--out", path.join(dir, "rebuild")]);
  assert.equal(rebuild.code, 0, rebuild.stderr);
  assert.match(rebuild.stdout, /^scale: 384 responses, 768 scores, .*; 0 API calls /m);
  const single = await run(["--cache", path.join(dir, "single"), "--out", path.join(dir, "single-out")]);
  assert.equal(single.code, 0, single.stderr);
  assert.doesNotMatch(single.stdout, / 0 API calls /);
  for (const t of TABLES) assert.ok(readFileSync(path.join(dir, "rebuild", t)).equals(readFileSync(path.join(dir, "single-out", t))), `${t} byte-identical`);
  // Plain file copy merges too: the shard files of all three caches in one folder.
  const copy = path.join(dir, "copied", "v1");
  mkdirSync(copy, {recursive: true});
  for (const k of [1, 2, 3])
    for (const f of readdirSync(path.join(dir, `cache${k}`, "v1"))) writeFileSync(path.join(copy, f), readFileSync(path.join(dir, `cache${k}`, "v1", f)));
  const fromCopy = await run(["--cache", path.join(dir, "copied"), "--out", path.join(dir, "copy-out")]);
  assert.match(fromCopy.stdout, / 0 API calls /);
  for (const t of TABLES)
    assert.ok(readFileSync(path.join(dir, "copy-out", t)).equals(readFileSync(path.join(dir, "single-out", t))), `${t} byte-identical (copied)`);
});

test("em cache merge refuses caches of other key schemes and layouts, naming them; nothing is written", async () => {
  const dir = tmpDir("merge");
  const good = path.join(dir, "good");
  mkdirSync(path.join(good, "v1"), {recursive: true});
  writeFileSync(path.join(good, "v1", "a.jsonl"), JSON.stringify({k: "a".repeat(64), v: {top: [], pt: 1, ct: 1}}) + "\n");
  writeFileSync(path.join(good, "keys.json"), JSON.stringify({format: 1, schemes: {[KEY_SCHEME]: {tool: "0.1.0", first_written: "2025-01-01T00:00:00Z"}}}));
  const old = path.join(dir, "old");
  mkdirSync(path.join(old, "v1"), {recursive: true});
  writeFileSync(path.join(old, "v1", "b.jsonl"), JSON.stringify({k: "b".repeat(64), v: {top: [], pt: 1, ct: 1}}) + "\n");
  writeFileSync(
    path.join(old, "keys.json"),
    JSON.stringify({format: 1, schemes: {"0123456789abcdef": {tool: "0.0.9", first_written: "2024-01-01T00:00:00Z"}}}),
  );
  const dest = path.join(dir, "dest");

  const r = await em(["cache", "merge", dest, good, old]).done;
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /em cache: .*old: written by a version of em whose request keys differ from this one's \(key scheme 0123456789abcdef \(em 0\.0\.9\); this em 0\.1\.0: [0-9a-f]{16}\); its entries would never be hit/,
  );
  assert.ok(!existsSync(dest), "nothing written");

  const v2 = path.join(dir, "v2cache");
  mkdirSync(path.join(v2, "v2"), {recursive: true});
  const lay = await em(["cache", "merge", dest, v2]).done;
  assert.equal(lay.code, 1);
  assert.match(lay.stderr, /v2cache: has cache layout v2, written by another version of em \(this version 0\.1\.0 reads v1\/ only\)/);

  const none = await em(["cache", "merge", dest, path.join(dir, "nosuch")]).done;
  assert.equal(none.code, 1);
  assert.match(none.stderr, /nosuch: no such cache folder/);
  const one = await em(["cache", "merge", dest]).done;
  assert.equal(one.code, 1);
  assert.match(one.stderr, /needs DEST and at least one SRC/);
  assert.ok(!existsSync(dest));

  // A cache from before key schemes were recorded merges with a warning; the good one cleanly.
  const legacy = path.join(dir, "legacy");
  mkdirSync(path.join(legacy, "v1"), {recursive: true});
  writeFileSync(path.join(legacy, "v1", "c.jsonl"), JSON.stringify({k: "c".repeat(64), v: {top: [], pt: 1, ct: 1}}) + "\n");
  const ok = await em(["cache", "merge", dest, good, legacy]).done;
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /legacy: has no keys\.json \(written before em recorded key schemes\); assumed to use this version's keys/);
  assert.match(ok.stdout, /2 shard file\(s\) copied, 0 extended, 0 already there; 2 new entries, 2 in all/);
  assert.deepEqual(Object.keys((JSON.parse(readFileSync(path.join(dest, "keys.json"), "utf8")) as {schemes: object}).schemes), [KEY_SCHEME]);
});
