// The build-time fits of steps.json are memoised by content (loaders/site-steps-memo.ts): a second
// build of the same counts reads every fit and runs none, and gets the same table; other counts,
// a damaged file or another code version are misses, never a wrong fit.
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {stepTallies} from "../../../loaders/site-steps.ts";
import {fitMemo, type FitMemo} from "../../../loaders/site-steps-memo.ts";
import type {SeriesTransition} from "../../../src/lib/em/view-transition.ts";

const DEMO = join(ROOT, "data/experiments/demo.yaml");

/** A memo that counts its hits, misses and writes. */
function counting(memo: FitMemo) {
  const n = {hits: 0, misses: 0, writes: 0};
  return {
    n,
    memo: {
      get(key: string) {
        const v = memo.get(key);
        if (v) n.hits++;
        else n.misses++;
        return v;
      },
      set(key: string, fits: SeriesTransition[]) {
        n.writes++;
        memo.set(key, fits);
      },
    } satisfies FitMemo,
  };
}

test("stepTallies(points, {memo}): a second build of the same counts reads every fit (no fit runs) and writes the same table", async () => {
  const root = mkdtempSync(join(tmpdir(), "em-fit-memo-"));
  try {
    const bytes = pointsTable(await loadDataset({files: [DEMO], quiet: true}));
    const cold = counting(fitMemo(root));
    const first = stepTallies(bytes, {memo: cold.memo});
    const fitted = first.entries.filter((e) => e.fits).length;
    assert.ok(fitted >= 2, `the demo's default rule is fitted for each judge (${fitted})`);
    assert.deepEqual(cold.n, {hits: 0, misses: fitted, writes: fitted}, "cold: every fitted entry computed and stored");
    // A new memo object on the same folder (the next build's loader process).
    const warm = counting(fitMemo(root));
    const second = stepTallies(bytes, {memo: warm.memo});
    assert.deepEqual(warm.n, {hits: fitted, misses: 0, writes: 0}, "warm: every fit read, none computed");
    assert.equal(JSON.stringify(second), JSON.stringify(first), "the same steps.json, byte for byte");
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
});

test("fitMemo(root): keys are exact, a damaged file is a miss, other code versions' folders are removed", () => {
  const root = mkdtempSync(join(tmpdir(), "em-fit-memo-"));
  try {
    const stale = join(root, "0000000000000000");
    mkdirSync(stale);
    const memo = fitMemo(root);
    assert.equal(memo.get("a"), undefined, "empty memo");
    const fits = [{verdict: "flat"}] as unknown as SeriesTransition[];
    memo.set("a", fits);
    assert.deepEqual(fitMemo(root).get("a"), fits, "read back by another memo on the folder");
    assert.equal(memo.get("b"), undefined, "another key");
    assert.ok(!existsSync(stale), "the folder of another code version is gone");
    const [dir] = readdirSync(root);
    const [file] = readdirSync(join(root, dir!));
    writeFileSync(join(root, dir!, file!), "{not json");
    assert.equal(memo.get("a"), undefined, "a damaged file is a miss (the fit runs again)");
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
});

test("fitMemo(root, {maxBytes}): past the bound the least recently used entries go; a read keeps an entry, the newest always stays", () => {
  const root = mkdtempSync(join(tmpdir(), "em-fit-memo-"));
  try {
    // entries of ~1 KB each: the bound holds two, not three
    const fits = (c: string) => [{verdict: c.repeat(1000)}] as unknown as SeriesTransition[];
    const memo = fitMemo(root, {maxBytes: 2500});
    const dir = () => join(root, readdirSync(root)[0]!);
    const files = () => readdirSync(dir()).sort();
    const age = (file: string, seconds: number) => {
      const t = new Date(Date.now() - seconds * 1000);
      utimesSync(join(dir(), file), t, t);
    };
    memo.set("a", fits("a"));
    const [fileA] = files();
    memo.set("b", fits("b"));
    const fileB = files().find((f) => f !== fileA)!;
    age(fileA!, 300);
    age(fileB, 200);
    // a is the older write, but a read makes it the most recently used
    assert.deepEqual(memo.get("a"), fits("a"));
    memo.set("c", fits("c"));
    assert.equal(memo.get("b"), undefined, "b, least recently used, is dropped");
    assert.deepEqual(memo.get("a"), fits("a"), "a was read, so it stays");
    assert.deepEqual(memo.get("c"), fits("c"), "the entry just written stays");
    assert.ok(!files().includes(fileB));
    const total = files().reduce((n, f) => n + statSync(join(dir(), f)).size, 0);
    assert.ok(total <= 2500, `the folder is within its bound (${total} bytes)`);
    // a stale temporary file (a build killed before its rename) goes; a fresh one (a build writing now) stays
    writeFileSync(join(dir(), "x.json.tmp-1"), "half");
    writeFileSync(join(dir(), "y.json.tmp-2"), "half");
    age("x.json.tmp-1", 7200);
    // an entry larger than the bound is still kept (the build that wrote it reads it next time)
    fitMemo(root, {maxBytes: 10}).set("d", fits("d"));
    assert.deepEqual(
      files().map((f) => f.replace(/^[0-9a-f]{32}/, "H")),
      ["H.json", "y.json.tmp-2"],
      "only d and the fresh temporary file are left",
    );
    assert.deepEqual(memo.get("d"), fits("d"));
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
});
