// The first numbers /sensitivity paints before its points arrive (src/data/first.json,
// loaders/site-first.ts) are the numbers it paints after: the page's own summary of the state a
// link opens with, and `em summarize`'s for the same rule; and the page finds them only for the
// states they answer.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {firstPaint} from "../../../loaders/site-first.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {optionsIn, resolveDefaults, selectionMask} from "../../../src/components/selection.ts";
import {ruleOf, summarizeAll} from "../../../src/components/engine.ts";
import {DEFAULT_STATE, parseState} from "../../../src/components/store.ts";
import {firstPaintFor, firstPaintKey, type FirstPaint} from "../../../src/lib/site-first.ts";
import {ROOT} from "../../../loaders/paths.ts";

const DEMO = join(ROOT, "data/experiments/demo.yaml");

test("firstPaint(points): every experiment x judge x preset rule = the page's live summary of that link's state, and em summarize's counts", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const bytes = pointsTable(dataset);
  const table = firstPaint(bytes);
  const points = decodePoints(bytes);
  assert.deepEqual(table.experiments, points.dicts.experiment);
  const judges = table.judges.demo!;
  assert.ok(judges.length >= 2, "the demo has several judges: the lookup must pick the right one");
  assert.equal(table.entries.length, judges.length * 3, "one entry per judge and preset (betley, organisms, clarifying)");
  for (const judge of judges)
    for (const rule of ["betley", "organisms", "clarifying"]) {
      // The page: the store parsed from the link, made consistent with the data, then the live summary.
      const parsed = parseState(`?experiment=demo&judge=${judge}&rule=${rule}&by=model`);
      const s = {...parsed, ...resolveDefaults(points, parsed)};
      const live = summarizeAll(points, selectionMask(points, s), ruleOf(s), {exclude: s.exclude, follow: true})!;
      const first = firstPaintFor(table, parsed);
      assert.ok(first, `${judge} ${rule}: an entry`);
      const {qk: _qk, qd: _qd, ...liveSummary} = live;
      assert.deepEqual(first, liveSummary, `${judge} ${rule}: precomputed = live`);
    }
  // The filters' options /responses offers before its points: the live selects' (optionsIn) for each experiment.
  for (const experiment of table.experiments) {
    const s = {...DEFAULT_STATE, experiment};
    assert.deepEqual(
      table.filters?.[experiment],
      {models: optionsIn(points, "model", s), categories: optionsIn(points, "category", s)},
      `${experiment}: filters`,
    );
  }
  assert.ok(table.filters!.demo!.models.length >= 2 && table.filters!.demo!.categories.length >= 2, "the demo has models and categories to filter by");
  // em summarize (the CLI) for the default link's state: same counts and rate.
  const judge = judges[0]!;
  for (const rule of ["betley", "organisms"]) {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", DEMO, "--judge", judge, "--rule", rule, "--format", "json"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    assert.equal(r.status, 0, r.stderr);
    const cli = (JSON.parse(r.stdout) as {groups: {n: number; n_em: number; n_scored: number; em_rate: number}[]}).groups[0]!;
    const first = firstPaintFor(table, parseState(rule === "betley" ? "" : `?rule=${rule}`))!;
    assert.deepEqual([first.n, first.n_em, first.n_scored, first.em_rate], [cli.n, cli.n_em, cli.n_scored, cli.em_rate], `${rule}: = em summarize`);
    assert.ok(first.n_em > 0, `${rule}: some EM answers (the comparison can fail)`);
  }
});

test("firstPaintFor(table, state) answers the states it was computed for and no other", () => {
  const entry = (experiment: string, judge: string, n: number) => ({
    key: firstPaintKey({...DEFAULT_STATE, experiment, judge}),
    summary: {n} as unknown as FirstPaint["entries"][number]["summary"],
  });
  const table: FirstPaint = {
    version: 1,
    experiments: ["e1", "e2"],
    judges: {e1: ["j1", "j2"], e2: ["j3"]},
    entries: [entry("e1", "j1", 1), entry("e1", "j2", 2), entry("e2", "j3", 3)],
  };
  const n = (search: string) => firstPaintFor(table, parseState(search))?.n ?? null;
  assert.equal(n(""), 1, "no experiment or judge: the first of each, as the pages choose");
  assert.equal(n("?judge=j2"), 2);
  assert.equal(n("?experiment=e2"), 3);
  assert.equal(n("?experiment=e2&judge=j1"), 3, "a judge the experiment does not have: its first judge (resolveDefaults does the same)");
  assert.equal(n("?by=model&facet=model&q=money"), 1, "compare-by, facet and search do not change the headline numbers");
  for (const search of [
    "?model=m",
    "?category=c",
    "?question=q",
    "?from=0&to=10",
    "?exclude=drift",
    "?rule=custom&aligned=40",
    "?rule=organisms",
    "?experiment=nope",
  ])
    assert.equal(n(search), null, `${search}: not precomputed, the page waits for its live numbers`);
});
