// The per-step counts /transitions fits from before its points arrive (src/data/steps.json,
// loaders/site-steps.ts) are the page's own tallies of the state a link opens with, the fits from
// them are the page's fits, the counts are `em summarize --by model`'s per step, and the page
// finds them only for the states they answer.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {stepTallies} from "../../../loaders/site-steps.ts";
import {decodePoints, type FacetColumn} from "../../../src/components/points.ts";
import {resolveDefaults, selectionMask} from "../../../src/components/selection.ts";
import {ruleOf} from "../../../src/components/engine.ts";
import {parseState} from "../../../src/components/store.ts";
import {passInline, seriesTallies} from "../../../src/components/transitions-controller.ts";
import {selectionScale} from "../../../src/lib/em/view-transition.js";
import {stepsFor} from "../../../src/lib/site-steps.ts";
import {ROOT} from "../../../loaders/paths.ts";

const DEMO = join(ROOT, "data/experiments/demo.yaml");

test("stepTallies(points): every judge x preset rule = the page's live tallies of that link's state; the fits from them are the page's", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const bytes = pointsTable(dataset);
  const table = stepTallies(bytes);
  const points = decodePoints(bytes);
  const judges = table.judges.demo!;
  assert.ok(judges.length >= 2, "the demo has several judges: the lookup must pick the right one");
  assert.equal(table.entries.length, judges.length * 3, "one entry per judge and preset (betley, organisms, clarifying)");
  for (const judge of judges)
    for (const rule of ["betley", "organisms", "clarifying"]) {
      const parsed = parseState(`?experiment=demo&judge=${judge}&rule=${rule}`);
      const s = {...parsed, ...resolveDefaults(points, parsed)};
      const live = seriesTallies(points, selectionMask(points, s, ["steps", "model"]), ruleOf(s), s.exclude, {by: s.by as FacetColumn});
      const first = stepsFor(table, parsed);
      assert.ok(first, `${judge} ${rule}: an entry`);
      assert.deepEqual(first.names, live.names, `${judge} ${rule}: series`);
      assert.deepEqual(first.series, live.series, `${judge} ${rule}: counts per step`);
      assert.equal(selectionScale(first.xs, null), live.scale, `${judge} ${rule}: fitting scale`);
      assert.ok(
        first.series.some((p) => p.some((x) => x.k > 0)),
        "some EM answers: the comparison can fail",
      );
    }
  // The fits from the build's counts are the fits from the live ones (same verdicts and midpoints).
  const parsed = parseState("?experiment=demo");
  const s = {...parsed, ...resolveDefaults(points, parsed)};
  const live = seriesTallies(points, selectionMask(points, s, ["steps", "model"]), ruleOf(s), s.exclude, {by: s.by as FacetColumn});
  const first = stepsFor(table, parsed)!;
  const fromBuild = passInline({names: first.names, groups: first.names.map(() => []), series: first.series, scale: selectionScale(first.xs, null)}, "fit");
  assert.deepEqual(fromBuild, passInline(live, "fit"), "pass 1 (fit, test, onset)");
  assert.ok(fromBuild.length >= 2, "several series fitted");
  // em summarize --by variant,step (the page's default series key is the variant).
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin/em.js"), "summarize", "--experiment", DEMO, "--judge", s.judge!, "--by", "variant,step", "--format", "json"],
    {cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26},
  );
  assert.equal(r.status, 0, r.stderr);
  const cli = (JSON.parse(r.stdout) as {groups: {key: {variant: string; step: number | null}; n_em: number; n_scored: number}[]}).groups;
  let compared = 0;
  first.names.forEach((name, k) => {
    for (const p of first.series[k]!) {
      const c = cli.find((g) => g.key.variant === name && Number(g.key.step) === p.x);
      assert.ok(c, `${name} step ${p.x}: em summarize has the group`);
      assert.deepEqual([p.k, p.n], [c.n_em, c.n_scored], `${name} step ${p.x}: = em summarize`);
      compared++;
    }
  });
  assert.ok(compared > 10, `compared ${compared} (series, step) counts`);
});

test("stepsFor(table, state) answers the default link and no filtered, custom or other-series state", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const table = stepTallies(pointsTable(dataset));
  assert.ok(stepsFor(table, parseState("")), "no query: the first experiment's default");
  assert.ok(stepsFor(table, parseState("?experiment=demo&from=100&to=300")), "a step range does not change the tallies");
  assert.equal(stepsFor(table, parseState("?experiment=demo&category=medical")), null, "a category filter");
  assert.equal(stepsFor(table, parseState("?experiment=demo&rule=custom&aligned=20")), null, "a custom cut");
  assert.equal(stepsFor(table, parseState("?experiment=demo&by=judge")), null, "another series key");
  assert.equal(stepsFor(table, parseState("?experiment=nope")), null, "an unknown experiment");
});
