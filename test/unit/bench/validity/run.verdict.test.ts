// The verdict of an interval that covers MORE than nominal (bench/validity/run.ts, verdict):
// "conservative: labelled in product" only when significantly above the band (the Monte-Carlo
// Wilson interval's lower end above 97%) and the product labels it conservative; within MC error it
// stays undecided; unlabelled it is a FAIL; a label never rescues an interval that covers too little.
import {test} from "node:test";
import assert from "node:assert/strict";
import {renderMarkdown, rowProblems, verdict} from "../../../../bench/validity/run.ts";
import {validityRow} from "../../../../bench/validity/row.ts";
import type {ValidityRow} from "../../../../bench/validity/types.ts";

const row = (estimate: number, reps: number, labelled?: boolean): ValidityRow => ({
  ...validityRow("s", "q", `r ${estimate} ${reps}`, "coverage", 0.95, estimate, reps, false),
  ...(labelled === undefined ? {} : {labelled_conservative: labelled}),
});

test("verdict: over-coverage significantly above the band is conservative only when the product labels it", () => {
  // The two /audit per-model rows of 2026-12-06: 98.5% and 99.6% of 800.
  assert.equal(verdict(row(0.985, 800)), "FAIL");
  assert.equal(verdict(row(0.985, 800, false)), "FAIL");
  assert.equal(verdict(row(0.985, 800, true)), "conservative: labelled in product");
  assert.equal(verdict(row(0.996, 800, true)), "conservative: labelled in product");
  // The jitter x3 lag row: 97.6% of 500 (Wilson lower end 95.8%) is within MC error of the band: undecided, labelled or not.
  assert.equal(verdict(row(0.976, 500, true)), "undecided: within MC error of the band");
  assert.equal(verdict(row(0.976, 500)), "undecided: within MC error of the band");
  // In the band: ok whatever the label says; under-covering: a conservative label does not help.
  assert.equal(verdict(row(0.96, 800, true)), "ok");
  assert.equal(verdict(row(0.9, 1000, true)), "FAIL");
  // An error-rate row has no conservative verdict (a test at or below nominal is already ok).
  assert.equal(verdict({...row(0.2, 1000, true), kind: "error_rate", nominal: 0.05}), "FAIL");
  // The product's approximate flag still wins (its note says how the coverage departs).
  assert.equal(verdict({...row(0.985, 800, true), flagged_in_product: true}), "approximate: flagged in product");
});

test("rowProblems: labelled_conservative must be boolean when present; the summary and index count conservative rows", () => {
  assert.deepEqual(rowProblems(row(0.985, 800, true)), []);
  assert.equal(rowProblems({...row(0.985, 800), labelled_conservative: "yes" as unknown as boolean}).length, 1);
  const md = renderMarkdown([{name: "s", seconds: 1, rows: [row(0.985, 800, true), row(0.95, 800), row(0.985, 800)]}], {
    command: "x",
    date: "2026-01-01 00:00 UTC",
    seed: 1,
    smoke: false,
  });
  assert.match(
    md,
    /Summary: 3 rows; 1 ok, 0 approximate \(flagged in product\), 1 conservative \(labelled in product\), 0 undecided \(within MC error of the band\), 1 FAIL/,
  );
  assert.match(md, /\*\*conservative: labelled in product\*\* when an interval covers significantly MORE than nominal/);
});
