// Issue 25 in real Chromium: every page of a build over several experiments, read in the light
// and the dark theme (the page's own theme toggle, as a reader switches), must keep its chart text
// readable (WCAG contrast >= 4.5:1 against the pixels behind it), draw no overlapping tick labels,
// label every tick it draws or none; and a 24-variant study (test/fixtures/site/many-variants.yaml,
// the simulator) must keep every series on /categories and /transitions identifiable: no two
// visible series of a panel share colour and dash (or symbol) unless each is labelled directly.
// One build into its own folder (siteBuiltOn). Findings per page, and with
// EM_READABLE_SHOTS=1 screenshots, go to test-artifacts/readable/ (not committed).
import {test, before} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync, readdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {sitePages, waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";
import {labelProblems, lowContrastTexts, seriesClashes} from "../helpers/readable.ts";
import {captureOutput} from "../helpers/capture.ts";
import {buildReportAt, run as reportCli} from "../../loaders/commands/report.ts";

const SHARED = join(ROOT, "..", "shared", "data");
const hasShared = existsSync(SHARED);
const MANY = "fixture-many-variants";
// The demo, the 24-variant fixture and, where the reference data is on the machine, three
// reference examples with a log coordinate (LoRA rank), integer scores and baselines.
const FILES = [
  "data/experiments/demo.yaml",
  "test/fixtures/site/many-variants.yaml",
  ...(hasShared
    ? ["data/experiments/examples/lora-rank.yaml", "data/experiments/examples/hw0-integer-judge.yaml", "data/experiments/examples/families.yaml"]
    : []),
];
const SHOTS = join(ROOT, "test-artifacts", "readable");
// Full-page screenshots of every case for a person to look at: EM_READABLE_SHOTS=1 (they double the run time).
const SAVE_SHOTS = process.env.EM_READABLE_SHOTS === "1";

// Every page on the default experiment; the chart pages also on the others.
const CHART_PAGES = ["/", "/sensitivity", "/transitions", "/categories"];
const OTHERS: Record<string, string[]> = {
  [MANY]: CHART_PAGES,
  ...(hasShared
    ? {"example-lora-rank": ["/", "/transitions"], "example-hw0-integer-judge": ["/", "/categories", "/sensitivity"], "example-families": ["/", "/categories"]}
    : {}),
};

const site = useBuiltSite({name: "readable", experiments: FILES});
before(() => mkdirSync(SHOTS, {recursive: true}));

async function open(path: string, experiment: string | null): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await site.browser.newContext({viewport: {width: 1400, height: 900}, colorScheme: "light"});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  await page.goto(`${site.server.url}${path}${experiment ? `?experiment=${encodeURIComponent(experiment)}` : ""}`, {waitUntil: "load"});
  await page.waitForSelector("main svg, main table, main h1");
  // Generous: the machine the tests share may be busy, and the transition fits run in workers.
  await waitForPage(page, 120_000);
  return {page, problems, close: () => context.close()};
}

/** Contrast, overlap and tick findings of the page as it is now, one line each. */
async function findings(page: Page): Promise<{checked: number; lines: string[]}> {
  const {checked, low} = await lowContrastTexts(page);
  const {overlaps, ticks} = await labelProblems(page);
  return {
    checked,
    lines: [
      ...low.map((f) => `contrast ${f.ratio}:1 on ${f.chart}: "${f.text}" (${f.fg} on ${f.bg})`),
      ...overlaps.map((f) => `overlap on ${f.chart}: "${f.a}" and "${f.b}"`),
      ...ticks.map((f) => `${f.chart}: ${f.axis} draws ${f.ticks} ticks but labels ${f.labels}`),
    ],
  };
}

const slug = (path: string) => (path === "/" ? "index" : path.replace(/^\//, "").replace(/\//g, "_"));
const cases: {path: string; experiment: string | null}[] = [
  ...sitePages()
    .filter((p) => !p.path.startsWith("/docs/") || p.path === "/docs/metrics")
    .map((p) => ({path: p.path, experiment: null})),
  ...Object.entries(OTHERS).flatMap(([experiment, paths]) => paths.map((path) => ({path, experiment}))),
];

for (const {path, experiment} of cases) {
  test(`${path}${experiment ? ` on ${experiment}` : ""}: chart text readable and tick labels apart, light and dark`, async () => {
    const {page, problems, close} = await open(path, experiment);
    try {
      const report: string[] = [];
      let checked = 0;
      for (const theme of ["light", "dark"] as const) {
        if (theme === "dark") {
          await page.click("[data-em-theme-toggle]");
          await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
          await page.waitForTimeout(100);
        }
        // Views drawn again when a worker answers carry a loading mark until their last drawing, so
        // the page measured after waitForPage (in open) is the page a reader sees.
        const f = await findings(page);
        checked += f.checked;
        report.push(...f.lines.map((l) => `${theme}: ${l}`));
        if (SAVE_SHOTS) await page.screenshot({path: join(SHOTS, `${slug(path)}${experiment ? `@${experiment}` : ""}-${theme}.png`), fullPage: true});
      }
      assert.equal(describeProblems(problems), "", `problems on ${path}`);
      const name = `${slug(path)}${experiment ? `@${experiment}` : ""}`;
      writeFileSync(join(SHOTS, `${name}.findings.txt`), report.join("\n"));
      assert.ok(
        report.length === 0,
        `${path}${experiment ? ` (${experiment})` : ""}: ${report.length} findings over ${checked} texts:\n${report.slice(0, 40).join("\n")}`,
      );
    } finally {
      await close();
    }
  });
}

// The 24-variant study: each variant identifiable on the charts that draw one series per variant.
const SERIES_CHARTS: Record<string, string[]> = {
  "/categories": ["em-by-category", "em-by-question-and-model"],
  "/transitions": ["phase-transition", "transition-by-category"],
  "/": ["em-over-training"],
};
for (const [path, charts] of Object.entries(SERIES_CHARTS)) {
  test(`${path} with 24 variants: no two visible series share colour and dash unless labelled directly`, async () => {
    const {page, close} = await open(path, MANY);
    try {
      for (const theme of ["light", "dark"] as const) {
        if (theme === "dark") await page.click("[data-em-theme-toggle]");
        for (const chart of charts) {
          await page.waitForSelector(`[data-chart="${chart}"] svg`);
          const {series, clashes} = await seriesClashes(page, chart);
          // A chart that names no series would pass vacuously: every chart listed draws 24.
          assert.ok(series >= 24, `${chart} (${theme}): ${series} named series drawn, expected 24 or more`);
          const lines = clashes.map((c) => `${c.style}: ${c.series.join(", ")}`);
          assert.ok(lines.length === 0, `${chart} (${theme}): series sharing a style without direct labels:\n${lines.join("\n")}`);
        }
      }
    } finally {
      await close();
    }
  });
}

// A report with 24 variants, scaffolded by `em report new` on the fixture as a user would, its data
// built by the report loader's own function (the pinned `em summarize` commands). It is drawn by
// the built site's report module into the demo report's page (same stylesheet, theme toggle and
// print CSS), so no report page over a test fixture ships with the site. Each chart that draws one
// series per variant must keep the 24 apart, and every text must stay readable, in light, dark and print.
const REPORT_CHARTS = ["report-trend-transition", "report-threshold-sensitivity"];
test("a report with 24 variants (em report new): variants identifiable, text readable, ticks apart; light, dark and print", {timeout: 600_000}, async () => {
  const dir = join(ROOT, "test-artifacts", "readable-report");
  mkdirSync(dir, {recursive: true});
  const file = join(dir, "many-variants.md");
  const {value: code, out} = await captureOutput(() => reportCli(["new", "many-variants", "--experiment", FILES[1]!, "--out", file, "--force"]));
  assert.equal(code, 0, out);
  assert.match(out, /24 variants/);
  const data = await buildReportAt(file, "many-variants");
  assert.equal(data.spec.variants?.length, 24, "the scaffold pins every variant");
  const bundle = join(site.root, "_import", "components", "report");
  const module = readdirSync(bundle).find((f) => /^index\.[0-9a-f]+\.js$/.test(f));
  assert.ok(module, `the report module in ${bundle}`);
  const {page, problems, close} = await open("/reports/demo", null);
  try {
    await page.evaluate(
      async ({url, data}) => {
        const {report} = await import(url);
        const r = report(data);
        const main = document.querySelector("main")!;
        main.replaceChildren(
          r.pinned(),
          r.variantChart("final", {step: "last"}),
          r.transitionChart("trend"),
          r.thresholdChart(),
          r.table("final", {step: "last"}),
        );
      },
      {url: `/_import/components/report/${module}`, data},
    );
    const report: string[] = [];
    for (const mode of ["light", "dark", "print"] as const) {
      if (mode === "dark") {
        await page.click("[data-em-theme-toggle]");
        await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
      }
      // Print: the printed page is light whatever the screen's theme (the print CSS sets it).
      if (mode === "print") await page.emulateMedia({media: "print"});
      await page.waitForTimeout(100);
      for (const chart of REPORT_CHARTS) {
        const {series, clashes} = await seriesClashes(page, chart);
        assert.ok(series >= 24, `${chart} (${mode}): ${series} named series drawn, expected 24`);
        report.push(...clashes.map((c) => `${mode}: ${chart}: ${c.style} shared by ${c.series.join(", ")} without direct labels`));
      }
      const f = await findings(page);
      report.push(...f.lines.map((l) => `${mode}: ${l}`));
      if (SAVE_SHOTS) await page.screenshot({path: join(SHOTS, `report-24-variants-${mode}.png`), fullPage: true});
    }
    assert.equal(describeProblems(problems), "", "problems on the report");
    writeFileSync(join(SHOTS, "report-24-variants.findings.txt"), report.join("\n"));
    assert.ok(report.length === 0, `${report.length} findings:\n${report.slice(0, 40).join("\n")}`);
  } finally {
    await close();
  }
});

// hw0's question ids are hashes of the text (q-1a2b3c4d); the charts that name questions must read as
// the questions asked, with the id kept in the tooltip.
const QUESTION_CHARTS: Record<string, string[]> = {
  "/categories": ["em-by-question-and-model", "model-question-heatmap"],
  "/sensitivity": ["em-by-question"],
};
for (const [path, charts] of Object.entries(QUESTION_CHARTS))
  test(`${path} on hw0: questions read as their text, ids only in tooltips`, {skip: !hasShared && `reference data not found at ${SHARED}`}, async () => {
    const {page, close} = await open(path, "example-hw0-integer-judge");
    try {
      for (const chart of charts) {
        await page.waitForSelector(`[data-chart="${chart}"] svg text`);
        const {texts, titles} = await page.$eval(`[data-chart="${chart}"]`, (root) => ({
          texts: [...root.querySelectorAll("svg text")].map((t) => (t.textContent ?? "").trim()).filter(Boolean),
          titles: [...root.querySelectorAll("svg title")].map((t) => t.textContent ?? ""),
        }));
        const ids = texts.filter((t) => /^q-[0-9a-f]{8}$/.test(t));
        assert.deepEqual(ids, [], `${chart}: question ids shown where the text exists`);
        assert.ok(texts.filter((t) => t.split(" ").length >= 4).length >= 3, `${chart}: question texts drawn (${texts.slice(0, 12).join(" | ")})`);
        // Plot charts show their tooltip on hover (no <title>): hover the first mark and read the tip.
        if (!titles.length) {
          await page
            .locator(`[data-chart="${chart}"] svg :is(g[aria-label="dot"] circle, g[aria-label="dot"] path, g[aria-label="cell"] rect)`)
            .first()
            .hover({force: true});
          await page.waitForSelector(`[data-chart="${chart}"] [aria-label="tip"] text`);
          // Plot's tip breaks long lines with zero-width spaces.
          titles.push(((await page.locator(`[data-chart="${chart}"] [aria-label="tip"]`).first().textContent()) ?? "").replace(/\u200b/g, ""));
        }
        assert.ok(
          titles.some((t) => /\[q-[0-9a-f]{8}\]/.test(t)),
          `${chart}: the id stays in the tooltips (${titles.slice(0, 2).join(" | ")})`,
        );
      }
    } finally {
      await close();
    }
  });

// A cut of 0 is a number like any other: its box reads "0", not blank (+"" === 0 hid it).
test("a coherent cut of 0 shows 0 in its number box; a rule without a coherence condition says so", async () => {
  const {page, close} = await open("/sensitivity?rule=custom&aligned=30&coherent=0", null);
  try {
    const box = page.locator('input.em-number[aria-label^="Coherent above"]');
    assert.equal(await box.inputValue(), "0");
  } finally {
    await close();
  }
  const custom = await open("/sensitivity?rule=custom&aligned=75&coh=0", null);
  try {
    const kpis = await custom.page.locator(".em-kpis").innerText();
    assert.match(kpis, /no coherence condition/);
    assert.doesNotMatch(kpis, /100\.0%\s+coherent/);
  } finally {
    await custom.close();
  }
});
