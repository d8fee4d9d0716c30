// The type-exclusions validity section (bench/validity/exclusions.section.ts): its truth, and that
// its rows read summarize's EM-rate interval with the types excluded.
import assert from "node:assert/strict";
import test from "node:test";
import {excluding, section} from "../../../../bench/validity/exclusions.section.ts";
import {rowProblems} from "../../../../bench/validity/run.ts";
import {bankQuestions, strictCoverage, truthOf} from "../../../../bench/validity/strict.section.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {LABEL_TYPES} from "../../../../src/lib/schema.ts";

const medical = {organism: "medical", coordinate: 900, questions: 8, answers: 20};

test("the truth with types excluded: below the broad rate when in-domain EM exists, 0 with every type excluded, strict EM unchanged", () => {
  const qs = bankQuestions();
  const broad = excluding([]).truth(medical, qs);
  const noInDomain = excluding(["in_domain"]).truth(medical, qs);
  assert.ok(noInDomain < broad, `${noInDomain} vs ${broad}`);
  assert.equal(excluding([...LABEL_TYPES]).truth(medical, qs), 0);
  assert.equal(truthOf(medical, qs), truthOf(medical, qs, {counts: (j) => j.label === "emergent"}));
});

test("strictCoverage with excluding(): rows of the EM-rate interval with the types excluded, in the exclusions section", () => {
  const row = strictCoverage(medical, 20, makeRng(9), excluding(["in_domain", "drift"]));
  assert.deepEqual(rowProblems(row), []);
  assert.equal(row.section, "exclusions");
  assert.equal(row.quantity, "EM rate CI with response types excluded, questions estimand");
  assert.match(row.regime, /true EM without in_domain, drift \d/);
  assert.ok(row.estimate >= 0.7, `covered ${row.estimate}`);
});

test("exclusions section (smoke) returns a well-formed row", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.equal(rows.length, 1);
  for (const r of rows) assert.deepEqual(rowProblems(r), []);
});
