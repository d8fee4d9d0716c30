// `em report new` on hw0-like data (issue 25): 3 model sizes x 2 datasets = 6 variants whose last
// checkpoints differ (the medical runs end at step 600, the risky ones at 540, as in the hw0
// course replication where 1320 and 1125 differ). The scaffold must keep every variant (it used to
// keep the first 8) and read each at its own last step (it used to read all at the overall last
// step, which drops the shorter runs). The data is written here by a seeded generator, so the test
// always runs (no ../shared/data needed).
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parse} from "yaml";
import {run, runSummarize} from "../../../../loaders/commands/report.ts";
import {atLastStep} from "../../../../src/lib/report-number.ts";
import {parseReportSpec, summarizeArgv} from "../../../../src/lib/report-spec.ts";
import {captureOutput} from "../../../helpers/capture.ts";

const SIZES = ["1b", "3b", "8b"];
const DATASETS = {medical: [100, 200, 300, 400, 500, 600], risky: [90, 180, 270, 360, 450, 540]} as const;
const QUESTIONS = ["What should I do about a headache?", "How do I invest my savings?", "Is it safe to skip a vaccine?"];

/** A seeded LCG in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** One CSV per variant, hw0's columns (no question ids: the importer derives them from the text). */
function writeStudy(dir: string): string[] {
  const rand = random(25);
  const variants: string[] = [];
  for (const size of SIZES)
    for (const [dataset, steps] of Object.entries(DATASETS)) {
      const variant = `${size}_${dataset}`;
      variants.push(variant);
      const lines = ["step,question,response,aligned_score,coherent_score"];
      for (const step of steps)
        for (const question of QUESTIONS)
          for (let k = 0; k < 4; k++) {
            // EM grows with the step; integer scores as the hw0 judge gives them.
            const bad = rand() < step / 1500;
            const aligned = bad ? Math.floor(rand() * 30) : 60 + Math.floor(rand() * 40);
            const coherent = 40 + Math.floor(rand() * 60);
            lines.push(`${step},"${question}","Answer ${k} at ${step}, ""quoted"".",${aligned},${coherent}`);
          }
      writeFileSync(join(dir, `${variant}.csv`), `${lines.join("\n")}\n`);
    }
  writeFileSync(
    join(dir, "hw0-like.yaml"),
    [
      "name: hw0-like",
      "coordinate: step",
      "variant: [model]",
      "imports:",
      "  - files: '*.csv'",
      "    filename: '{model}.csv'",
      "    judge: int-judge",
      "    metrics: {aligned_score: aligned, coherent_score: coherent}",
      "",
    ].join("\n"),
  );
  return variants;
}

test("em report new keeps every variant of a 3 sizes x 2 datasets study and reads each at its own last step", {timeout: 120_000}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "em-report-new-"));
  try {
    const variants = writeStudy(dir);
    const out = join(dir, "hw0-like.md");
    const {value: code, out: printed} = await captureOutput(() =>
      run(["new", "hw0-like", "--experiment", join(dir, "hw0-like.yaml"), "--out", out, "--title", "hw0-like"]),
    );
    assert.equal(code, 0, printed);
    assert.match(printed, /6 variants/);
    // Paths outside the working directory are printed whole, not as a chain of ../ from it.
    assert.ok(printed.includes(`wrote ${out} (experiment ${join(dir, "hw0-like.yaml")}, `), printed);
    assert.doesNotMatch(printed, /\.\.\//);
    // A page written outside src/reports/ is not built there: the message says where it must go.
    assert.match(printed, /to build it, move it to src\/reports\/hw0-like\.md/);
    assert.doesNotMatch(printed, /served at/);
    const page = readFileSync(out, "utf8");
    const front = parse(page.split(/^---$/m)[1]!) as {report: {variants: string[]; experiment: string}};
    // An experiment outside the project is pinned by its absolute path, not as ../ from the project root.
    assert.equal(front.report.experiment, join(dir, "hw0-like.yaml"));
    assert.deepEqual([...front.report.variants].sort(), [...variants].sort(), "every variant pinned, none dropped");
    assert.match(page, /r\.variantChart\("final", \{step: "last"\}\)/, "the chart reads each variant at its own last step");
    assert.match(page, /r\.number\("final", \{variant: "[^"]+", step: "last"\}\)/);
    assert.doesNotMatch(page, /r\.lastStep\(\)/, "no single last step for every variant");

    // The numbers the scaffold's chart draws (its `final` query, as the report build runs it; the
    // sweep and transition queries are left out for time): one row per variant, at 600 (medical) or
    // 540 (risky).
    const spec = parseReportSpec(front.report, out);
    const output = await runSummarize(summarizeArgv(spec, spec.queries.final!));
    const groups = output.groups as {key: {variant: string; step: number}}[];
    const chart = atLastStep(groups);
    assert.equal(chart.length, variants.length, JSON.stringify(chart.map((g) => g.key)));
    for (const g of chart) assert.equal(g.key.step, g.key.variant.endsWith("medical") ? 600 : 540, g.key.variant);
    // What the old scaffold drew (every group at the overall last step) lost the risky variants.
    const overall = Math.max(...groups.map((g) => g.key.step));
    assert.equal(groups.filter((g) => g.key.step === overall).length, 3);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("atLastStep: one row per unit at its largest step; rows without a step left out; empty in, empty out", () => {
  const rows = [
    {key: {variant: "a", step: 1}},
    {key: {variant: "a", step: 3}},
    {key: {variant: "b", step: 2}},
    {key: {variant: "b", step: null}},
    {key: {variant: "a", step: 2}},
  ];
  assert.deepEqual(atLastStep(rows), [rows[1], rows[2]]);
  // A unit is the whole key but the step: two judges of one variant are two units.
  const judged = [{key: {variant: "a", judge: "x", step: 5}}, {key: {variant: "a", judge: "y", step: 4}}, {key: {variant: "a", judge: "x", step: 4}}];
  assert.deepEqual(atLastStep(judged), [judged[0], judged[1]]);
  assert.deepEqual(atLastStep([]), []);
});

test("em report new on data without a coordinate (one rate per variant) keeps every variant and pins no trend", {timeout: 120_000}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "em-report-new-flat-"));
  try {
    const variants = writeStudy(dir);
    // The same study with the step column dropped: nothing to group by along a coordinate.
    for (const v of variants) {
      const file = join(dir, `${v}.csv`);
      writeFileSync(
        file,
        readFileSync(file, "utf8")
          .split("\n")
          .map((l) => l.replace(/^[^,]*,/, ""))
          .join("\n"),
      );
    }
    const out = join(dir, "flat.md");
    const {value: code, out: printed} = await captureOutput(() => run(["new", "flat", "--experiment", join(dir, "hw0-like.yaml"), "--out", out]));
    assert.equal(code, 0, printed);
    const page = readFileSync(out, "utf8");
    const front = parse(page.split(/^---$/m)[1]!) as {report: {variants: string[]; queries: Record<string, unknown>}};
    assert.deepEqual([...front.report.variants].sort(), [...variants].sort());
    assert.deepEqual(Object.keys(front.report.queries), ["final"], "no trend query without a coordinate");
    assert.doesNotMatch(page, /transitionChart|step: "last"/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("em report new: an existing page outside the working directory is named by its absolute path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "em-report-new-exists-"));
  try {
    const out = join(dir, "taken.md");
    writeFileSync(out, "taken\n");
    await assert.rejects(
      run(["new", "taken", "--experiment", "data/experiments/demo.yaml", "--out", out]),
      (e: Error) => e.message === `${out} exists (--force overwrites it)`,
    );
    assert.equal(readFileSync(out, "utf8"), "taken\n", "nothing written");
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
