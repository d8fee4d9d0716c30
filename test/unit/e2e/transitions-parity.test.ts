// The transitions page's own code (components/transitions-controller.ts and -table.ts over the points table the site
// ships) gives `em summarize --transition --sensitivity`'s numbers bit for bit, in Node: same
// series order, seeds, replicates, scale rule and grid. (In Chromium the same code agrees to
// floating-point noise of the engine's Math functions: test/browser/parity.test.ts.)
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {selectionMask} from "../../../src/components/selection.ts";
import {ruleOf} from "../../../src/components/engine.ts";
import {DEFAULT_STATE} from "../../../src/components/store.ts";
import {midpointGrid, modelTransitions, seriesMask, transitionNumbers} from "../../../src/components/transitions-controller.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {midpointCellNumbers, transitionNumbersOfJson, type MidpointCellNumbers, type TransitionNumbers} from "../../../src/lib/em/view-transition.ts";

const DEMO = join(ROOT, "data/experiments/demo.yaml");

test("demo: page fits and midpoint grids = em summarize --by variant --transition --sensitivity, bit for bit", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const points = decodePoints(pointsTable(dataset));
  const judge = points.dicts.judge[0]!;
  const state = {...DEFAULT_STATE, experiment: "demo", judge};
  const mask = selectionMask(points, state, ["steps", "model"]);
  const rule = ruleOf(state);
  const {transitions} = modelTransitions(points, mask, rule, [], {by: "variant", declared: null});
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin/em.js"), "summarize", "--experiment", DEMO, "--judge", judge, "--by", "variant", "--transition", "--sensitivity", "--format", "json"],
    {cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28},
  );
  assert.equal(r.status, 0, r.stderr);
  const cli = JSON.parse(r.stdout) as {
    transitions: (Omit<TransitionNumbers, "key"> & {key: {variant: string}; sensitivity: (MidpointCellNumbers & {judge: string})[]})[];
  };
  assert.deepEqual(
    transitions.map((t) => t.model),
    cli.transitions.map((t) => t.key.variant),
  );
  transitions.forEach((t, g) => {
    const c = cli.transitions[g]!;
    // Every published field (src/lib/em/view-transition.ts), the seeded change point included.
    assert.deepEqual(transitionNumbers(t), transitionNumbersOfJson(t.model, c), `${t.model}: the page's numbers = em summarize's`);
    const cells = midpointGrid(points, seriesMask(points, mask, "variant", t.model), rule, [], {judge, scale: t.result.scale});
    assert.deepEqual(cells, c.sensitivity.filter((x) => x.judge === judge).map(midpointCellNumbers), `${t.model} grid`);
  });
  assert.ok(
    transitions.some((t) => t.result.test.credible),
    "a credible transition is compared, not only nulls",
  );
});
