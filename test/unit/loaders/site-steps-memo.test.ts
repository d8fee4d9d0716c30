// The build-time fits of steps.json are memoised by content (loaders/site-steps-memo.ts): a second
// build of the same counts reads every fit and runs none, and gets the same table; other counts,
// a damaged file or another code version are misses, never a wrong fit.
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from "node:fs";
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
