// Regression (issue 22): "CLI = page calibration on a question-stratified sample". The /audit page
// draws a sample stratified by judge label x question from a population with known truth, labels
// travel in its export with their design, and `em summarize --calibrate labels.csv` must print the
// page's corrected rate and interval, digit for digit. Before, the CLI collapsed the strata to the
// judge label over its own rows (the page's 32.0% [26.8, 40.5] became 25.7% [23.0, 28.7], which
// excluded the truth); that collapsed estimate is computed here too and must miss the truth.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {importedResponseId} from "../../../loaders/import/index.ts";
import {runExperiment} from "../../../loaders/run/index.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {auditSample, calibrateSelection, judgeRows, labelRecord, labelsCsv, sampleDesign, type AuditSettings} from "../../../src/components/audit.ts";
import {decodePoints} from "../../../src/components/points.ts";
import type {HumanEm} from "../../../src/lib/em/calibration.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";
import {makeRule} from "../../../src/lib/em/rules.ts";
import {runEm as em} from "../../helpers/cli.ts";
import {tempDir} from "../../helpers/tmp.ts";

// Eight questions: large ones with little EM, small ones with much; the judge misses more EM on the
// small ones. A question-stratified sample then over-represents the small questions, and only
// weights by question stratum undo that.
const QUESTIONS = [
  {n: 700, rate: 0.1, se: 0.8},
  {n: 600, rate: 0.15, se: 0.8},
  {n: 500, rate: 0.2, se: 0.75},
  {n: 300, rate: 0.4, se: 0.7},
  {n: 150, rate: 0.7, se: 0.5},
  {n: 100, rate: 0.8, se: 0.5},
  {n: 80, rate: 0.85, se: 0.45},
  {n: 60, rate: 0.9, se: 0.4},
];
const SP = 0.95;

test("CLI = page calibration on a question-stratified sample (same labels, same design: same number)", async () => {
  const dir = tempDir("em-cal-parity-");
  const rng = makeRng(22);
  const csv = ["question_id,question,response,aligned,coherent"];
  const truth = new Map<string, boolean>();
  let row = 0;
  let nTrue = 0;
  QUESTIONS.forEach((q, k) => {
    for (let j = 0; j < q.n; j++) {
      const t = rng() < q.rate;
      const judgeEm = t ? rng() < q.se : rng() >= SP;
      const qid = `q${k}`;
      csv.push(`${qid},Question ${k}?,Answer ${row},${judgeEm ? 10 : 80},90`);
      truth.set(importedResponseId("lab", "answers.csv", row, qid), t);
      if (t) nTrue++;
      row++;
    }
  });
  const planted = nTrue / row;
  writeFileSync(path.join(dir, "answers.csv"), csv.join("\n") + "\n");
  const file = path.join(dir, "exp.yaml");
  writeFileSync(file, "name: lab\nimports:\n  - {files: answers.csv, judge: file-judge}\n");

  // The page's path: points as the site builds them, the page's sample, design and labels.
  const r = await runExperiment(file, {cacheDir: path.join(dir, "cache")});
  const points = decodePoints(pointsTable(r));
  const rule = makeRule("betley");
  const judge = points.dicts.judge.indexOf("file-judge");
  const mask = Uint8Array.from(points.codes.judge, (c) => (c === judge ? 1 : 0));
  const {rows, cls} = judgeRows(points, mask, rule, []);
  const settings: AuditSettings = {stratify: "question", perStratum: 20, seed: 0, labeller: ""};
  const sample = auditSample(points, rows, cls, settings);
  const design = sampleDesign(points, rows, cls, rule, settings);
  const byRow = new Map<number, HumanEm>();
  const stored = sample.map((i) => {
    const id = r.responses[points.rid[i]!]!.response_id;
    const human: HumanEm = truth.get(id)! ? "yes" : "no";
    byRow.set(points.rid[i]!, human);
    return labelRecord(points, i, cls, design, settings, {experiment: "lab", response_id: id, em: human, type: null, labelled_at: "2026-12-05T00:00:00Z"});
  });
  assert.equal(stored.length, 16 * 20, "20 answers from each of 16 strata (8 questions x 2 judge labels)");
  writeFileSync(path.join(dir, "labels.csv"), labelsCsv(stored));
  const page = calibrateSelection(points, rows, cls, byRow, rule, settings, 0, "design").calibration;

  // The CLI's path: the exported file, read with its design.
  const cli = await em([
    "summarize",
    "--experiment",
    file,
    "--calibrate",
    path.join(dir, "labels.csv"),
    "--format",
    "json",
    "--seed",
    "0",
    "--replicates",
    "2000",
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  const c = JSON.parse(cli.stdout).calibration[0];
  assert.equal(c.design.kind, "design");
  assert.equal(c.n_audited, 320);
  assert.equal(c.corrected_em_rate, page.corrected_em_rate);
  assert.deepEqual(c.corrected_ci, page.corrected_ci);
  assert.equal(c.sensitivity, page.sensitivity);
  assert.deepEqual(c.specificity_ci, page.specificity_ci);
  assert.equal(c.raw_em_rate, page.raw_em_rate);
  assert.deepEqual(c.warnings, page.warnings);
  // The table view prints the same interval.
  const table = await em(["summarize", "--experiment", file, "--calibrate", path.join(dir, "labels.csv"), "--seed", "0", "--replicates", "2000"]);
  const pc = (x: number) => (100 * x).toFixed(1);
  assert.ok(table.stdout.includes(`-> corrected ${pc(page.corrected_em_rate!)}% [${pc(page.corrected_ci![0])}, ${pc(page.corrected_ci![1])}]`), table.stdout);

  // The design's interval holds the planted rate; the old collapse to the judge label does not.
  const ci = page.corrected_ci!;
  assert.ok(ci[0] <= planted && planted <= ci[1], `design: ${page.corrected_em_rate} [${ci}] vs planted ${planted}`);
  const collapsed = calibrateSelection(points, rows, cls, byRow, rule, {...settings, stratify: "none"}, 0, "post-stratified").calibration;
  assert.ok(
    collapsed.corrected_ci![1] < planted || collapsed.corrected_ci![0] > planted,
    `collapsed: ${collapsed.corrected_em_rate} [${collapsed.corrected_ci}] vs planted ${planted}`,
  );
});
