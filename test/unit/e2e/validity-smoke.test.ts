// The validity harness in smoke mode (issue 22): every bench/validity/*.section.ts runs in seconds
// and returns well-formed rows, and the harness catches an interval that breaks its promise.
import assert from "node:assert/strict";
import test from "node:test";
import {rateCoverage} from "../../../bench/validity/rates.section.ts";
import {loadSections, renderMarkdown, rowProblems, runSections, sectionFiles, verdict} from "../../../bench/validity/run.ts";
import {wilson} from "../../../src/lib/em/intervals.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";
import {BETLEY} from "../../../src/lib/em/rules.ts";
import {tallyRows} from "../../../src/lib/em/tally.ts";

test("every validity section runs in smoke mode and returns well-formed rows", async () => {
  const files = sectionFiles();
  assert.ok(
    files.some((f) => f.endsWith("rates.section.ts")),
    files.join(", "),
  );
  const sections = await loadSections(files);
  const t0 = performance.now();
  const results = await runSections(sections, {smoke: true, seed: 1});
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(results.length, files.length);
  for (const r of results) {
    assert.ok(r.rows.length > 0, `${r.name}: no rows`);
    for (const row of r.rows) assert.deepEqual(rowProblems(row), []);
  }
  assert.ok(seconds < 60 * files.length, `smoke mode took ${seconds.toFixed(1)} s`);
  const md = renderMarkdown(results, {command: "npm run validate -- --smoke", date: "2026-01-01 00:00 UTC", seed: 1, smoke: true});
  for (const r of results) assert.match(md, new RegExp(`## ${r.name}`));
});

test("rowProblems catches a malformed row; verdict reads the 93-97% band and the product's flag", () => {
  const good = {
    section: "s",
    quantity: "q",
    regime: "r",
    kind: "coverage" as const,
    nominal: 0.95,
    estimate: 0.9,
    mc_se: Math.sqrt(0.09 / 100),
    reps: 100,
    flagged_in_product: false,
  };
  assert.deepEqual(rowProblems(good), []);
  assert.equal(rowProblems({...good, mc_se: 0.5}).length, 1);
  assert.equal(rowProblems({...good, estimate: 1.2, mc_se: 0}).length > 0, true);
  // 90% of 100 reps (MC s.e. 3 points) is 3 points outside the band: within 1.96 s.e., undecided;
  // of 1,000 reps (s.e. 0.95) it is a FAIL.
  assert.equal(verdict(good), "undecided: within MC error of the band");
  assert.equal(verdict({...good, reps: 1000}), "FAIL");
  assert.equal(verdict({...good, flagged_in_product: true}), "approximate: flagged in product");
  assert.equal(verdict({...good, reps: 1000, flagged_in_product: true}), "approximate: flagged in product");
  assert.equal(verdict({...good, estimate: 0.94}), "ok");
  assert.equal(verdict({...good, estimate: 0.98}), "undecided: within MC error of the band");
  assert.equal(verdict({...good, estimate: 0.98, reps: 2000}), "FAIL");
  assert.equal(verdict({...good, kind: "error_rate", nominal: 0.05, estimate: 0.02}), "ok");
  assert.equal(verdict({...good, kind: "error_rate", nominal: 0.05, estimate: 0.1}), "undecided: within MC error of the band");
  assert.equal(verdict({...good, kind: "error_rate", nominal: 0.05, estimate: 0.1, reps: 1000}), "FAIL");
  // 100% of 20 (MC s.e. 0 by sqrt(p(1-p)/reps)) cannot be told from 95% (Wilson lower bound 84%):
  // undecided, not a FAIL; 100% of 400 (lower bound 99%) is a FAIL.
  assert.equal(verdict({...good, estimate: 1, reps: 20}), "undecided: within MC error of the band");
  assert.equal(verdict({...good, estimate: 1, reps: 400}), "FAIL");
  assert.equal(verdict({...good, kind: "error_rate", nominal: 0.05, estimate: 0, reps: 20}), "ok");
  assert.equal(verdict({...good, kind: "power", nominal: null}), "reported");
});

test("a deliberately broken interval is caught: answer-level Wilson under strong question clustering fails the questions estimand", () => {
  // The interval the product used to print for one question, applied to clustered data: too narrow.
  const broken = (rows: Parameters<NonNullable<Parameters<typeof rateCoverage>[3]>>[0]) => {
    const t = tallyRows(rows, BETLEY);
    return {ci: wilson(t.n_em, t.n_scored), approximate: null};
  };
  const [q] = rateCoverage({rate: 0.2, sd: 1.5, questions: 24, answers: 100, judge: "float"}, 60, makeRng(5), broken);
  assert.ok(q!.estimate < 0.85, `broken interval covered ${q!.estimate}`);
  assert.equal(verdict(q!), "FAIL");
});

test("renderMarkdown's header names the full-run command and each section's own command and date", () => {
  const row = {
    section: "a",
    quantity: "q",
    regime: "r",
    kind: "power" as const,
    nominal: null,
    estimate: 0.5,
    mc_se: 0.05,
    reps: 100,
    flagged_in_product: false,
  };
  const md = renderMarkdown(
    [
      {name: "a", seconds: 10, rows: [row], date: "2026-01-01T10:00:00.000Z", command: "npm run validate"},
      {name: "b", seconds: 20, rows: [{...row, section: "b"}], date: "2026-01-02T11:30:00.000Z", command: "npm run validate -- --only b"},
      {name: "c", seconds: 5, rows: [{...row, section: "c"}], date: "2026-01-01T09:00:00.000Z"},
    ],
    {command: "npm run validate -- --only b", date: "2026-01-02 11:40 UTC", seed: 1, smoke: false},
  );
  const header = md.slice(0, md.indexOf("## a"));
  assert.match(header, /Full run \(every section\): `npm run validate`/);
  assert.match(header, /\| a \| `npm run validate` \| 2026-01-01 10:00 \| 10 \|/);
  assert.match(header, /\| b \| `npm run validate -- --only b` \| 2026-01-02 11:30 \| 20 \|/);
  assert.match(header, /\| c \| not recorded/);
});
