// The /audit page in real headless Chromium on the built demo site: label 20 answers from the
// keyboard, reload (labels kept), export CSV, import the export as judge `human` through the real
// importer (an experiment file in a temp dir that imports it next to the demo's answers), and
// check that `em summarize --calibrate human` gives the calibration the page shows.
import {test, before} from "node:test";
import assert from "node:assert/strict";
import {mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";
import {runEm as em} from "../helpers/cli.ts";
import {tempDir} from "../helpers/tmp.ts";

const site = useBuiltSite();
const artifacts = join(ROOT, "test-artifacts", "screenshots");
before(() => mkdirSync(artifacts, {recursive: true}));

const pctText = (x: number) => `${(100 * x).toFixed(1)}%`;

test("audit: 20 keyboard labels survive a reload, export as CSV, import as judge human, calibrate like the page", async () => {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 900}, acceptDownloads: true});
  const tab = await context.newPage();
  const problems = watch(tab, site.server.url);
  await tab.goto(site.server.url + "/audit", {waitUntil: "load"});
  await tab.waitForSelector('[data-testid="audit-answer"]', {timeout: 60_000});
  await waitForPage(tab);
  const answer = tab.locator('[data-testid="audit-answer"]');
  const progress = tab.locator('[data-testid="audit-progress"]');
  assert.match((await progress.textContent()) ?? "", /^0 of (\d+) sampled answers labelled/);
  const total = Number(/of (\d+) sampled/.exec((await progress.textContent()) ?? "")![1]);
  assert.ok(total >= 20, `sample of ${total}`);

  // Label 20 answers: a type key for some, then y / n / u; each label moves to the next answer.
  const keys = ["y", "n", "n", "y", "u", "n", "y", "n", "n", "n", "y", "n", "y", "n", "n", "u", "n", "y", "n", "n"];
  const seen = new Set<string>();
  for (const [k, key] of keys.entries()) {
    const text = (await answer.textContent()) ?? "";
    assert.ok(text.length > 0, `answer ${k} is empty`);
    // Inert: the answer is one text node, no markup, whatever the model wrote.
    assert.equal(await answer.evaluate((e) => e.childElementCount), 0);
    seen.add(text);
    if (k % 5 === 0) await tab.keyboard.press("7"); // type: emergent
    await tab.keyboard.press(key);
    await tab.waitForFunction((n) => document.querySelector('[data-testid="audit-progress"]')?.textContent?.startsWith(`${n} of`), k + 1);
  }
  assert.ok(seen.size >= 15, `only ${seen.size} distinct answers shown`);

  // Reload: labels kept, the view resumes at the first unlabelled answer.
  await tab.reload({waitUntil: "load"});
  await tab.waitForSelector('[data-testid="audit-answer"]', {timeout: 60_000});
  await waitForPage(tab);
  assert.match((await progress.textContent()) ?? "", /^20 of \d+ sampled answers labelled \(6 EM, 12 not EM, 2 unsure\)/);

  // What the page says about the judge, from the browser's labels.
  const confusion = await Promise.all(["tp", "fp", "fn", "tn"].map(async (c) => Number(await tab.locator(`[data-testid="audit-${c}"]`).textContent())));
  assert.equal(
    confusion.reduce((s, x) => s + x, 0),
    18,
    "18 yes / no labels in the confusion table",
  );
  const corrected = (await tab.locator('[data-testid="audit-corrected"]').textContent()) ?? "";
  assert.match(corrected, /EM rate: raw \d+\.\d% → corrected \d+\.\d% \[\d+\.\d%, \d+\.\d%\]/);
  assert.ok((await tab.locator('[data-testid="audit-groups"] tbody tr').count()) >= 1);
  assert.match((await tab.locator('[data-testid="audit-unsure-bounds"]').textContent()) ?? "", /all 2 as not EM → \d+\.\d% .*; all as EM → \d+\.\d%/);
  assert.match(
    (await tab.locator('[data-testid="audit-design"]').textContent()) ?? "",
    /this page's sample .*stratified by judge label, 20 per stratum, seed 0/,
  );
  await tab.locator('[data-testid="audit-calibration-box"]').scrollIntoViewIfNeeded();
  await tab.screenshot({path: join(artifacts, "audit.png"), fullPage: true});
  await tab.evaluate(() => localStorage.setItem("em-theme", "dark"));
  await tab.reload({waitUntil: "load"});
  await tab.waitForSelector('[data-testid="audit-corrected"]', {timeout: 60_000});
  await waitForPage(tab);
  await tab.screenshot({path: join(artifacts, "audit-dark.png"), fullPage: true});
  await tab.evaluate(() => localStorage.setItem("em-theme", "light"));

  // Export.
  const [download] = await Promise.all([tab.waitForEvent("download"), tab.click('[data-testid="audit-export-csv"]')]);
  const dir = tempDir("em-audit-");
  const csvPath = join(dir, "labels.csv");
  await download.saveAs(csvPath);
  const csv = readFileSync(csvPath, "utf8").trim().split("\n");
  assert.equal(
    csv[0],
    "experiment,response_id,labeller,em,type,judge,judge_em,stratum,seed,model,step,question_id,labelled_at,stratum_size,inclusion_prob,selection_em,selection_not_em,selection",
  );
  assert.equal(csv.length, 21);
  assert.equal(csv.filter((l) => l.includes(",emergent,")).length, 4);
  await context.close();
  assert.equal(describeProblems(problems), "", "problems on /audit");

  // Import the export as judge `human` next to the demo's answers (same experiment name and
  // models: the same response ids), through the real importer and CLI.
  const demo = readFileSync(join(ROOT, "data/experiments/demo.yaml"), "utf8")
    .replace("questions: [../questions/core.yaml]", `questions: [${join(ROOT, "data/questions/core.yaml")}]`)
    .replace(/^imports: \[\]$/m, "imports:\n  - {files: labels.csv, format: labels}");
  assert.match(demo, /format: labels/);
  writeFileSync(join(dir, "demo.yaml"), demo);
  const r = await em(["summarize", "--experiment", join(dir, "demo.yaml"), "--calibrate", "human", "--by", "model", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const cal = out.calibration[0];
  assert.deepEqual([cal.confusion.tp, cal.confusion.fp, cal.confusion.fn, cal.confusion.tn], confusion, "CLI and page count the same table");
  assert.equal(cal.n_unsure, 2);
  assert.ok(
    corrected.includes(`corrected ${pctText(cal.corrected_em_rate)} [${pctText(cal.corrected_ci[0])}, ${pctText(cal.corrected_ci[1])}]`),
    `page: ${corrected}; CLI: ${cal.corrected_em_rate} ${cal.corrected_ci}`,
  );
  assert.ok(corrected.includes(`raw ${pctText(cal.raw_em_rate)}`));
  // The export carries the page's design: `--calibrate FILE` reads it and prints the page's number.
  const f = await em(["summarize", "--experiment", join(dir, "demo.yaml"), "--calibrate", csvPath, "--format", "json"]);
  assert.equal(f.code, 0, f.stderr);
  const fc = JSON.parse(f.stdout).calibration[0];
  assert.equal(fc.design.kind, "design");
  assert.ok(
    corrected.includes(`corrected ${pctText(fc.corrected_em_rate)} [${pctText(fc.corrected_ci[0])}, ${pctText(fc.corrected_ci[1])}]`),
    `page: ${corrected}; CLI (file): ${fc.corrected_em_rate} ${fc.corrected_ci}`,
  );
  assert.equal(fc.n_unsure, 2);
  assert.ok(fc.unsure_bounds.as_em.corrected_em_rate >= fc.unsure_bounds.as_not_em.corrected_em_rate);
  for (const g of out.groups)
    for (const k of ["n_audited", "sensitivity", "specificity", "corrected_em_rate", "corrected_ci"])
      assert.ok(k in g.calibration, `group ${JSON.stringify(g.key)} lacks calibration.${k}`);
  assert.equal(
    out.groups.reduce((s: number, g: {calibration: {n_audited: number}}) => s + g.calibration.n_audited, 0),
    18,
  );
});
