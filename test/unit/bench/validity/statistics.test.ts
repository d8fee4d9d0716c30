// The index of docs/validity.md (bench/validity/statistics.ts): every function it names exists,
// every row of the committed results is indexed, every indexed quantity has a row, and the
// rendered index says "no row" where no row measures a shown statistic.
import assert from "node:assert/strict";
import {existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import test from "node:test";
import {ROOT} from "../../../../loaders/paths.ts";
import {renderIndex, type SectionResult} from "../../../../bench/validity/run.ts";
import {POWER_QUANTITIES, STATISTICS} from "../../../../bench/validity/statistics.ts";

const results = JSON.parse(readFileSync(join(ROOT, "bench/results/validity.json"), "utf8")) as {sections: SectionResult[]};
const quantities = new Set(results.sections.flatMap((s) => s.rows.map((r) => r.quantity)));

test("every function the index names is exported from the file it names", () => {
  for (const s of STATISTICS)
    for (const f of s.functions) {
      const path = join(ROOT, f.path);
      assert.ok(existsSync(path), `${s.statistic}: ${f.path} does not exist`);
      assert.match(readFileSync(path, "utf8"), new RegExp(`export (async )?function ${f.name}\\b`), `${s.statistic}: ${f.name} not exported from ${f.path}`);
    }
});

test("every row quantity of bench/results/validity.json is indexed, and every indexed quantity has a row", () => {
  const indexed = new Set([...STATISTICS.flatMap((s) => s.quantities), ...Object.keys(POWER_QUANTITIES)]);
  for (const q of quantities) assert.ok(indexed.has(q), `row quantity "${q}" is in no index entry (bench/validity/statistics.ts)`);
  for (const q of indexed) assert.ok(quantities.has(q), `indexed quantity "${q}" has no row in bench/results/validity.json`);
  for (const target of Object.values(POWER_QUANTITIES))
    assert.ok(
      STATISTICS.some((s) => s.statistic === target),
      target,
    );
});

test("renderIndex: one line per statistic, 'no row' where none measures it, stray quantities named", () => {
  const row = (quantity: string, estimate: number) => ({
    section: "x",
    quantity,
    regime: "r",
    kind: "coverage" as const,
    nominal: 0.95,
    estimate,
    mc_se: Math.sqrt((estimate * (1 - estimate)) / 100),
    reps: 100,
    flagged_in_product: false,
  });
  const lines = renderIndex([{name: "x", seconds: 1, rows: [row("rate CI, questions estimand", 0.95), row("something new", 0.95)]}]);
  const table = lines.filter((l) => l.startsWith("| ") && !l.startsWith("| statistic"));
  assert.equal(table.length, STATISTICS.length);
  const rate = table.find((l) => l.includes("questions estimand (the default"))!;
  assert.match(rate, /\| 1 \(1 ok; x\) \|/);
  // Every statistic but the rate has no row in these results.
  const none = STATISTICS.filter((s) => !s.quantities.includes("rate CI, questions estimand"));
  assert.ok(none.length > 0);
  for (const s of none) assert.match(table.find((l) => l.startsWith(`| ${s.statistic.replace(/\|/g, "\\|")} |`))!, /\*\*no row\*\*/);
  assert.match(lines.join("\n"), /does not name: "something new"/);
});
