// /responses loads nothing it does not show (issue 28): on a study whose points are large, on open, the counts and the first rows come
// from the build's small files (responses-first.json, texts by range) and points.arrow is not
// requested; a scroll past the first page, a search or the controls' button downloads it, and the
// live list then shows the same counts and the same first rows in the same order.
import {test} from "node:test";
import assert from "node:assert/strict";
import type {Page} from "playwright-core";
import {describeProblems, watch} from "../helpers/browser.ts";
import {useBuiltSite, waitForPage} from "../helpers/site.ts";

const site = useBuiltSite();

async function open(path: string, {first = true, eager = false}: {first?: boolean; eager?: boolean} = {}) {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  // The demo's points are small, so the page fetches them at once (EAGER_POINTS_BYTES); these tests
  // try the large-study path (points on first use) with the limit at 0, unless `eager`.
  if (!eager) await page.addInitScript(() => ((globalThis as {__emEagerPointsBytes?: number}).__emEagerPointsBytes = 0));
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  const points: string[] = [];
  page.on("request", (r) => {
    if (/\/points\.[0-9a-f]+\.arrow$/.test(new URL(r.url()).pathname)) points.push(r.url());
  });
  await page.goto(site.server.url + path, {waitUntil: "load"});
  if (first) {
    // Either list (on a build that loads the points on open the live list replaces the first page at once).
    await page.locator('[data-testid="response-row"]:not([aria-busy])').first().waitFor();
    await waitForPage(page);
  }
  return {page, problems, points, close: () => context.close()};
}

/** The counts line, the EM count and the rows drawn at the top of the list (rid and cells but the scores). */
const shown = (page: Page) =>
  page.evaluate(() => {
    const count = document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
    const em = document.querySelector<HTMLElement>('[data-testid="response-em-count"]');
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="response-row"]')].slice(0, 8).map((r) => {
      const cells = [...r.querySelectorAll("td")].map((td) => td.textContent ?? "");
      // Model, step, question, judge, type, EM (the first page shows score bins, the live list exact scores).
      return [r.dataset.rid, r.dataset.k, ...cells.slice(0, 4), cells[6], cells[7]].join(" | ");
    });
    return {count, nEm: em?.dataset.nEm, nScored: em?.dataset.nScored, rows};
  });

const live = (page: Page) => page.locator('[data-testid="responses-live"] [data-testid="response-row"]').first().waitFor();

test("/responses: points.arrow is not requested on open; the controls' button loads it and the list shows the same counts and rows", async () => {
  const {page, problems, points, close} = await open("/responses?experiment=demo");
  try {
    const before = await shown(page);
    assert.match(before.count, /^[\d,]+ answers/, `counts line from the build: ${before.count}`);
    assert.ok(before.rows.length > 0, "first rows from the build");
    // Idle and settled: nothing more is coming by itself.
    await page.waitForTimeout(500);
    assert.deepEqual(points, [], "points.arrow not requested on open");
    assert.equal(await page.locator('[data-testid="responses-live"]').count(), 0, "no live list before use");
    assert.equal(await page.locator('[data-testid="responses-pending"]').count(), 1, "the pending controls are shown");
    await page.locator('[data-testid="responses-load"]').click();
    await live(page);
    await waitForPage(page);
    assert.ok(points.length > 0, "points.arrow requested after the button");
    assert.equal(await page.locator('[data-testid="responses-pending"]').count(), 0, "the live controls replaced the pending ones");
    assert.deepEqual(await shown(page), before, "same counts and first rows once the points are in");
    assert.equal((await page.locator('[data-testid="step-strip"], [data-testid="clear-steps"]').count()) > 0, true, "the live controls are there");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("/responses: a scroll to the end of the build's first page loads the points, and the list goes on past it", async () => {
  const {page, problems, points, close} = await open("/responses?experiment=demo");
  try {
    const before = await shown(page);
    const list = page.locator('[data-em-first="build"] [data-testid="response-list"]');
    // Scrolling within the first page does not load them.
    await list.evaluate((e) => (e.scrollTop = 40));
    await page.waitForTimeout(300);
    assert.deepEqual(points, [], "a scroll within the first page loads nothing");
    await list.evaluate((e) => (e.scrollTop = e.scrollHeight));
    await live(page);
    await waitForPage(page);
    assert.ok(points.length > 0, "points.arrow requested after scrolling to the end");
    const after = await shown(page);
    assert.deepEqual([after.count, after.nEm, after.nScored], [before.count, before.nEm, before.nScored], "same counts");
    assert.deepEqual(after.rows, before.rows, "same first rows in the same order");
    // The live list holds the whole selection: its last row is past the first page.
    const total = Number(before.count.replace(/[^\d,].*$/, "").replace(/,/g, ""));
    await page.locator('[data-testid="responses-live"] [data-testid="response-list"]').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await page.locator(`[data-testid="responses-live"] [data-testid="response-row"][data-k="${total - 1}"]`).waitFor();
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("/responses: typing in the search box before the points loads them and searches what was typed", async () => {
  const {page, problems, points, close} = await open("/responses?experiment=demo");
  try {
    const before = await shown(page);
    const box = page.locator('[data-testid="response-search"]');
    assert.equal(await box.count(), 1, "one search box before the points");
    await box.click();
    await box.pressSequentially("doctor");
    await page.locator('[data-testid="response-count"][data-q="doctor"]').waitFor();
    await waitForPage(page);
    assert.ok(points.length > 0, "points.arrow requested by the search");
    const after = await shown(page);
    assert.notEqual(after.count, before.count, `the count follows the search: ${after.count}`);
    assert.match(after.count, /words “doctor”/);
    assert.equal(await page.locator('[data-testid="response-search"]').inputValue(), "doctor", "the box keeps what was typed");
    assert.equal(await page.locator('[data-testid="response-search"]').count(), 1, "still one search box");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("/responses: a state the build did not precompute (a model filter) loads the points at once", async () => {
  const {page, problems, points, close} = await open("/responses?experiment=demo&model=medical", {first: false});
  try {
    await live(page);
    assert.equal(await page.locator('[data-em-first="build"]').count(), 0, "no first page for this state");
    assert.ok(points.length > 0, "points.arrow requested on open for a state with no first page");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("/responses: a study with small points (the demo, under EAGER_POINTS_BYTES) fetches them right after the first page and shows the live list and its controls with no click", async () => {
  const {page, problems, points, close} = await open("/responses?experiment=demo", {eager: true});
  try {
    await live(page);
    await waitForPage(page);
    assert.ok(points.length > 0, "points.arrow requested on open");
    assert.equal(await page.locator('[data-testid="responses-pending"]').count(), 0, "no pending controls once the points are in");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});
