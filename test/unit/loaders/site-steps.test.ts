// The per-step counts /transitions fits from before its points arrive (src/data/steps.json,
// loaders/site-steps.ts) are the page's own tallies of the state a link opens with, the fits from
// them are the page's fits, the counts are `em summarize --by model`'s per step, and the page
// finds them only for the states they answer. The build's fits of the default rule are the page's
// final numbers (every pass) and `em summarize --transition`'s, and the page's passes of the same
// counts resolve from them once handed over (seedFits).
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
import {
  fitIntervals,
  fitTransitions,
  fitTransitionsFull,
  modelTransitions,
  observeFits,
  passInline,
  passOf,
  seedFits,
  seededTransitions,
  seriesTallies,
  transitionNumbers,
  type FitState,
} from "../../../src/components/transitions-controller.ts";
import {selectionScale, transitionNumbersOfJson, type TransitionNumbers} from "../../../src/lib/em/view-transition.js";
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

test("stepTallies(points): the default rule's fits are the page's final fits (every pass) and em summarize --transition's; the other presets carry none", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const bytes = pointsTable(dataset);
  const table = stepTallies(bytes);
  const points = decodePoints(bytes);
  // Lossless through JSON (the page reads the file the loader prints).
  assert.deepEqual(JSON.parse(JSON.stringify(table)), table, "the table survives JSON unchanged");
  for (const judge of table.judges.demo!) {
    for (const rule of ["organisms", "clarifying"])
      assert.equal(stepsFor(table, parseState(`?experiment=demo&judge=${judge}&rule=${rule}`))!.fits, null, `${judge} ${rule}: counts only`);
    const parsed = parseState(`?experiment=demo&judge=${judge}`);
    const s = {...parsed, ...resolveDefaults(points, parsed)};
    const mask = selectionMask(points, s, ["steps", "model"]);
    const entry = stepsFor(table, parsed)!;
    assert.ok(entry.fits, `${judge}: the default rule is fitted`);
    // The page's own three passes on its live rows (interval pass + bootstrap pass, on this thread).
    const page = modelTransitions(points, mask, ruleOf(s), s.exclude, {by: s.by as FacetColumn});
    assert.equal(entry.scale, page.scale, `${judge}: scale`);
    assert.deepEqual(
      entry.fits,
      page.transitions.map((t) => t.result),
      `${judge}: the build's fits = the page's final fits`,
    );
    // The seed-free passes derived from them = the passes computed.
    const live = seriesTallies(points, mask, ruleOf(s), s.exclude, {by: s.by as FacetColumn});
    for (const pass of ["fit", "interval"] as const) {
      const computed = passInline(live, pass);
      entry.fits.forEach((f, g) => {
        const derived = passOf(f, pass);
        assert.deepEqual({...derived, change_point: null}, {...computed[g]!, change_point: null}, `${judge} ${live.names[g]}: ${pass} pass`);
      });
    }
    assert.ok(
      entry.fits.some((f) => f.test.credible && f.fit?.ci[0] !== null),
      `${judge}: a credible transition with an interval is compared`,
    );
    // em summarize --transition on the same judge and series key: every published number.
    const r = spawnSync(
      process.execPath,
      [join(ROOT, "bin/em.js"), "summarize", "--experiment", DEMO, "--judge", judge, "--by", s.by, "--transition", "--format", "json"],
      {cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28},
    );
    assert.equal(r.status, 0, r.stderr);
    const cli = (JSON.parse(r.stdout) as {transitions: (Omit<TransitionNumbers, "key"> & {key: Record<string, string>})[]}).transitions;
    assert.deepEqual(
      cli.map((c) => c.key[s.by]),
      entry.names,
    );
    entry.names.forEach((name, g) => {
      const pt = page.transitions[g]!;
      assert.deepEqual(
        transitionNumbers({...pt, result: entry.fits![g]!}),
        transitionNumbersOfJson(name, cli[g]!),
        `${judge} ${name}: = em summarize --transition`,
      );
    });
  }
});

test("seedFits(tallies, fits): every pass of the same counts resolves from the build's fits; observeFits shows them final at once", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const bytes = pointsTable(dataset);
  const table = stepTallies(bytes);
  const points = decodePoints(bytes);
  const parsed = parseState("?experiment=demo");
  const s = {...parsed, ...resolveDefaults(points, parsed)};
  const mask = selectionMask(points, s, ["steps", "model"]);
  const live = seriesTallies(points, mask, ruleOf(s), s.exclude, {by: s.by as FacetColumn});
  const entry = stepsFor(table, parsed)!;
  assert.equal(seededTransitions(live), null, "nothing seeded yet");
  // A different count in one series: its seed does not apply to the live tallies.
  const other = {...live, series: live.series.map((p, g) => (g === 0 ? p.map((x, i) => (i === 0 ? {...x, k: x.k + 1} : x)) : p))};
  seedFits(other, entry.fits!);
  assert.equal(seededTransitions(live), null, "a seed of other counts is not used");
  seedFits(live, entry.fits!);
  const seeded = seededTransitions(live)!;
  const page = modelTransitions(points, mask, ruleOf(s), s.exclude, {by: s.by as FacetColumn});
  assert.deepEqual(
    seeded.map((t) => t.result),
    page.transitions.map((t) => t.result),
  );
  // observeFits: one notification, final, synchronous.
  const states: (FitState | null)[] = [];
  observeFits(live)((st) => states.push(st));
  assert.equal(states.length, 1);
  assert.deepEqual({intervalsPending: states[0]!.intervalsPending, changePending: states[0]!.changePending}, {intervalsPending: false, changePending: false});
  assert.deepEqual(
    states[0]!.transitions.map((t) => t.result),
    page.transitions.map((t) => t.result),
  );
  // The passes (which the page starts too) give what they compute, from the seeds.
  const full = await fitTransitionsFull(live);
  assert.deepEqual(
    full.map((t) => t.result),
    page.transitions.map((t) => t.result),
  );
  const intervals = await fitIntervals(live);
  assert.deepEqual(
    intervals.map((t) => t.result),
    passInline(live, "interval").map((r) => ({...r, change_point: null})),
  );
  const fits = await fitTransitions(live);
  assert.deepEqual(
    fits.map((t) => t.result),
    passInline(live, "fit").map((r) => ({...r, change_point: null})),
  );
});
