// The transitions page's off-main-thread path in real Chromium (issue 13): the page paints the
// measured series before any fit, the fits come from the module worker (a file of this site,
// allowed by the CSP's worker-src 'self'), they arrive in passes (fits, intervals, change points),
// the midpoint grid is computed only when asked for, and a selection seen before is shown from
// the cache without a "fitting" state. The default selection's fits are the build's (no worker job:
// first-paint.test.ts), so the worker path is opened on a cut the build did not fit. Numbers
// against the CLI: parity.test.ts.
import {test} from "node:test";
import assert from "node:assert/strict";
import type {Page} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();

// Installed before any page script: when key elements first appear, and every fits-table stage seen.
function recorder(): void {
  const w = window as unknown as {__tr: {chart: number | null; pendingChart: boolean; table: number | null; stages: string[]}};
  w.__tr = {chart: null, pendingChart: false, table: null, stages: []};
  let last: Element | null = null;
  new MutationObserver(() => {
    const now = performance.now();
    const chart = document.querySelector('[data-chart="phase-transition"]');
    if (chart && w.__tr.chart === null) {
      w.__tr.chart = now;
      // Drawn before its fits: the figure carries the loading placeholder.
      w.__tr.pendingChart = chart.querySelector("[data-em-loading]") !== null;
    }
    const table = document.querySelector('[data-testid="transition-table"]');
    if (table && w.__tr.table === null) w.__tr.table = now;
    if (table && table !== last) {
      last = table;
      w.__tr.stages.push((table as HTMLElement).dataset.fitStage ?? "?");
    }
  }).observe(document, {subtree: true, childList: true});
}

/** A custom cut: no build-time counts or fits for it, so every pass runs in the worker. */
const WORKER_PATH = "/transitions?experiment=demo&rule=custom&aligned=25";

async function openTransitions(path: string): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.addInitScript({content: "globalThis.__name = (f) => f;"});
  await page.addInitScript(recorder);
  const problems = watch(page, site.server.url);
  await page.goto(`${site.server.url}${path}`, {waitUntil: "load"});
  await page.waitForSelector('[data-testid="transition-table"][data-fit-stage="complete"]');
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

const recorded = (page: Page) =>
  page.evaluate(() => (window as unknown as {__tr: {chart: number | null; pendingChart: boolean; table: number | null; stages: string[]}}).__tr);

test("/transitions on a cut the build did not fit: measured series first, fits from the worker in passes, the grid only on demand", async () => {
  const {page, problems, close} = await openTransitions(WORKER_PATH);
  try {
    const r = await recorded(page);
    assert.ok(r.chart !== null && r.table !== null, "chart and fits table shown");
    assert.ok(r.pendingChart, "the chart was first drawn with its 'fitting' placeholder (measured points only)");
    assert.ok(r.chart! < r.table!, `the chart (${r.chart} ms) is painted before the fits table (${r.table} ms)`);
    assert.equal(r.stages[0], "fits", `the first table holds the fits only (stages seen: ${r.stages.join(", ")})`);
    assert.equal(r.stages.at(-1), "complete");
    const table = page.locator('[data-testid="transition-table"]');
    assert.equal(await table.getAttribute("data-fit-engine"), "worker");
    assert.equal(await page.locator("[data-em-pending]").count(), 0, "no pending interval or change point once complete");
    const workerScripts = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)
        .filter((p) => /\/_import\/components\/transitions-worker\.[0-9a-f]+\.js$/.test(p)),
    );
    assert.ok(workerScripts.length >= 1, "the worker module was loaded from this site");
    const fits = await page.evaluate(() => performance.getEntriesByType("measure").filter((m) => m.name.startsWith("em-fit series")).length);
    assert.ok(fits >= 3, `fit jobs ran in the worker (${fits} measured)`);
    // The grid: not computed while opening; asked for, it arrives with its 42 cells.
    assert.equal(await page.locator('[data-testid="transition-grid-numbers"]').count(), 0);
    // A DOM click, not a scrolled one: scrolling the button in also asks for the grid (the page's
    // IntersectionObserver), which replaces the button before a scrolled click lands (seen under load).
    await page.evaluate(() => (document.querySelector('[data-testid="midpoint-grid-compute"]') as HTMLButtonElement | null)?.click());
    await page.waitForSelector('[data-testid="transition-grid-numbers"]', {state: "attached"});
    const grid = JSON.parse((await page.locator('[data-testid="transition-grid-numbers"]').textContent()) ?? "{}");
    assert.equal(grid.cells.length, 42);
    // The demo has credible cells: the heatmap is drawn (the chart pages.test.ts used to wait for at open).
    await page.waitForSelector('[data-chart="midpoint-sensitivity"] svg');
    assert.equal(await page.evaluate(() => performance.getEntriesByType("measure").filter((m) => m.name.startsWith("em-fit grid")).length), 1);
    await waitForPage(page);
    assert.equal(describeProblems(problems), "", "no console errors (a worker blocked by the CSP logs one), no failed or outside requests");
  } finally {
    await close();
  }
});

test("/transitions: a selection seen before (here the build's) is drawn complete at once, with no new fit job", async () => {
  const {page, problems, close} = await openTransitions("/transitions?experiment=demo");
  try {
    const jobs = () => page.evaluate(() => performance.getEntriesByType("measure").filter((m) => m.name.startsWith("em-fit")).length);
    const rule = page.locator('select[data-testid="rule"]');
    const first = await rule.inputValue();
    const other = first === "organisms" ? "betley" : "organisms";
    await rule.selectOption(other);
    await page.waitForFunction(() => document.querySelector('[data-testid="transition-table"]')?.getAttribute("data-fit-stage") !== "complete");
    await page.waitForSelector('[data-testid="transition-table"][data-fit-stage="complete"]');
    await waitForPage(page);
    const before = await jobs();
    const stagesBefore = (await recorded(page)).stages.length;
    await rule.selectOption(first);
    await page.waitForSelector('[data-testid="transition-table"][data-fit-stage="complete"]');
    await waitForPage(page);
    const stages = (await recorded(page)).stages.slice(stagesBefore);
    assert.deepEqual(stages, ["complete"], "back to the first rule: the complete fits at once, no 'fitting' state");
    assert.equal(await jobs(), before, "no fit job ran for a cached selection");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});
