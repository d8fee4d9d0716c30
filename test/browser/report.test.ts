// Reports in real Chromium on the built site (dist/, shared with the other browser tests):
// - the demo report renders its charts with no console error, and every headline number equals
//   the value its own "reproduce" command prints (each distinct command run once, as a process);
// - changing the URL (experiment, judge, rule, cuts) does not change a single number;
// - the replication report renders with its data, or as a notice naming what is missing without it;
// - `em report pdf demo` writes dist/reports/demo.pdf with several non-blank pages.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync, rmSync} from "node:fs";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";
import {parseCommand} from "../../src/lib/report-spec.ts";
import {readNumber, type NumberRef, type Section, type SummarizeJson} from "../../src/lib/report-number.ts";

const hasShared = existsSync(join(ROOT, "..", "shared", "data"));
const site = useBuiltSite();

interface Shown {
  ref: NumberRef;
  value: string;
  text: string;
  command: string;
  jq: string;
}

async function openReport(
  path: string,
  ready = '[data-testid="report-provenance"]',
): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  await page.goto(`${site.server.url}${path}`, {waitUntil: "load"});
  await page.waitForSelector(ready);
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

async function numbersOn(page: Page): Promise<Shown[]> {
  return page.$$eval('[data-testid="report-number"]', (nodes) =>
    nodes.map((n) => {
      const wrap = n.parentElement!;
      return {
        ref: {section: n.getAttribute("data-section") as Section, key: JSON.parse(n.getAttribute("data-key")!), field: n.getAttribute("data-field")!},
        value: n.getAttribute("data-value")!,
        text: n.textContent ?? "",
        command: wrap.querySelector('[data-testid="report-command"]')?.textContent ?? "",
        jq: wrap.querySelector('[data-testid="report-jq"]')?.textContent ?? "",
      };
    }),
  );
}

/** Data marks in a chart (Plot's mark groups), as in real-studies.test.ts. */
const marks = (page: Page, chart: string) =>
  page.locator(`[data-chart="${chart}"] svg g:is([aria-label="dot"], [aria-label="line"], [aria-label="area"]) > *`).count();

test("demo report: charts drawn, no errors, every headline number equals its reproduce command's output", {timeout: 300_000}, async () => {
  const {page, problems, close} = await openReport("/reports/demo");
  try {
    for (const chart of ["report-final-variants", "report-threshold-sensitivity", "report-judges-judges", "report-trend-transition"])
      assert.ok((await marks(page, chart)) > 0, `chart ${chart} has no marks`);
    assert.equal(await page.locator('[data-testid="report-number-error"]').count(), 0, "a number the page asks for is missing");
    const shown = await numbersOn(page);
    assert.ok(shown.length >= 10, `only ${shown.length} headline numbers`);
    const outputs = new Map<string, SummarizeJson>();
    for (const s of shown) {
      if (outputs.has(s.command)) continue;
      // Run exactly what the disclosure shows, from the project root, as a reader would.
      const run = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", ...parseCommand(s.command)], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
      assert.equal(run.status, 0, `${s.command}: ${run.stderr}`);
      outputs.set(s.command, JSON.parse(run.stdout) as SummarizeJson);
    }
    for (const s of shown) {
      const n = readNumber(outputs.get(s.command)!, s.ref);
      assert.equal(s.value, n.value === null ? "null" : String(n.value), `${s.command} ${JSON.stringify(s.ref)}`);
      assert.equal(s.text, n.text, `displayed text of ${JSON.stringify(s.ref)}`);
      assert.equal(s.jq, `jq '${n.jq}'`);
    }
    assert.equal(describeProblems(problems), "", "problems on /reports/demo");
  } finally {
    await close();
  }
});

test("demo report: the URL does not change its numbers; 'open in sensitivity' carries the pinned state", {timeout: 120_000}, async () => {
  const plain = await openReport("/reports/demo");
  const before = (await numbersOn(plain.page)).map((s) => [s.value, s.text]);
  const link = await plain.page.getAttribute('[data-testid="open-in-sensitivity"]', "href");
  await plain.close();
  assert.match(link ?? "", /sensitivity\?experiment=demo&judge=strict/);
  const moved = await openReport("/reports/demo?experiment=nothing&judge=lenient&rule=custom&aligned=5&coherent=90&exclude=drift&from=100&to=200");
  try {
    assert.deepEqual(
      (await numbersOn(moved.page)).map((s) => [s.value, s.text]),
      before,
    );
    assert.equal(describeProblems(moved.problems), "");
  } finally {
    await moved.close();
  }
});

test("replication report renders its charts and numbers", {timeout: 120_000, skip: !hasShared && "reference data ../shared/data absent"}, async () => {
  const {page, problems, close} = await openReport("/reports/replication");
  try {
    for (const chart of ["report-betley-variants", "report-threshold-sensitivity", "report-no_money-variants"])
      assert.ok((await marks(page, chart)) > 0, `chart ${chart} has no marks`);
    assert.equal(await page.locator('[data-testid="report-number-error"]').count(), 0);
    assert.ok((await page.locator('[data-testid="report-number"]').count()) >= 8);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("replication report without its data: one notice naming the missing files, every number unknown", {
  timeout: 120_000,
  skip: hasShared && "reference data present: the report is built with its data (test above)",
}, async () => {
  const {page, problems, close} = await openReport("/reports/replication", '[data-testid="report-missing"]');
  try {
    const notice = page.locator('[data-testid="report-missing"]');
    assert.equal(await notice.count(), 1);
    assert.match((await notice.textContent()) ?? "", /built without its data.*shared\/data\/em-reference/s);
    const values = await page.locator('[data-testid="report-number"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-value")));
    assert.ok(values.length >= 8 && values.every((v) => v === "unknown"), JSON.stringify(values));
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("em report pdf demo writes dist/reports/demo.pdf with several non-blank pages", {timeout: 180_000}, () => {
  const pdf = join(ROOT, "dist/reports/demo.pdf");
  rmSync(pdf, {force: true});
  const run = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "report", "pdf", "demo"], {cwd: ROOT, encoding: "utf8"});
  assert.equal(run.status, 0, run.stderr);
  const bytes = readFileSync(pdf);
  assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
  const pages = (bytes.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.ok(pages >= 3, `${pages} pages`);
  // Not blank: the page that carries the threshold chart has drawn marks (vector paths), and the
  // PDF embeds text of the report (Chromium subsets fonts, so count drawing operators instead).
  const info = spawnSync("pdftoppm", ["-v"], {encoding: "utf8"});
  if (info.error) return; // poppler-utils absent: structure checked above
  const png = spawnSync("pdftoppm", ["-f", "2", "-l", "2", "-r", "30", "-gray", "-png", pdf], {maxBuffer: 16 << 20});
  assert.equal(png.status, 0);
  // A grey PNG of a blank page compresses to almost nothing; a page with charts and text does not.
  assert.ok(png.stdout.length > 3000, `page 2 renders to ${png.stdout.length} bytes: blank?`);
});
