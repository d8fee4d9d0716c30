// Threshold cells compared with the baseline (issue 26): `em summarize --baseline --sensitivity`
// compares every variant with its baseline at every cut cell and adjusts the p-values over the whole
// family (variants x cells), on the reference families example. Skips visibly without ../shared/data.
import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import path from "node:path";
import test from "node:test";
import {fileURLToPath} from "node:url";
import {BASELINE_GRID, buildSummary} from "../../../../loaders/summarize/index.ts";
import {parseSummarizeArgs} from "../../../../loaders/summarize/options.ts";
import {toTable} from "../../../../loaders/summarize/render-table.ts";

const ROOT = path.resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const skip = !existsSync(path.resolve(ROOT, "../shared/data/em-reference")) && "../shared/data/em-reference absent (reference data not checked out)";

test("families --baseline --sensitivity: every variant x cut cell, Holm and BH over the whole family", {skip}, async () => {
  const parsed = parseSummarizeArgs([
    "--experiment",
    path.join(ROOT, "data/experiments/examples/families.yaml"),
    "--by",
    "variant",
    "--baseline",
    "--sensitivity",
  ]);
  assert.equal(parsed.kind, "options");
  const out = await buildSummary((parsed as {options: Parameters<typeof buildSummary>[0]}).options);
  const grid = out.baseline_grid!;
  const variants = out.baseline_diffs!.length;
  assert.equal(variants, 6);
  assert.equal(grid.length, variants * BASELINE_GRID.aligned.length * BASELINE_GRID.coherent.length);
  const tested = grid.filter((c) => c.p_value !== null);
  const m = tested.length;
  for (const c of tested) {
    assert.ok(c.p_holm! >= c.p_value! - 1e-12 && c.p_holm! <= 1);
    assert.ok(c.p_bh! >= c.p_value! - 1e-12 && c.p_bh! <= c.p_holm! + 1e-12, "BH lies between raw and Holm");
  }
  // Holm's smallest adjusted p is m times the smallest raw p: the family is variants x cells, not one cell's variants.
  const min = tested.reduce((a, c) => (c.p_value! < a.p_value! ? c : a));
  assert.ok(Math.abs(min.p_holm! - Math.min(1, m * min.p_value!)) < 1e-9, `${min.p_holm} vs ${m} x ${min.p_value}`);
  // The cell at the rule's own cuts is the --baseline comparison itself.
  const own = grid.filter((c) => c.aligned === 30 && c.coherent === 50);
  for (const d of out.baseline_diffs!) assert.equal(own.find((c) => c.variant === d.variant)!.diff, d.diff);
  const text = toTable(out);
  assert.match(text, new RegExp(`${m} comparisons; p <= 0.05 raw in \\d+, after Holm in \\d+, after BH in \\d+`));
});
