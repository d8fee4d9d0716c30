// /responses loads nothing it does not show (issue 28): on a study whose points are large, on open, the counts and the first rows come
// from the build's small files (responses-first.json, texts by range) and points.arrow is not
// requested; a scroll past the first page, a search or the controls' button downloads it, and the
// live list then shows the same counts and the same first rows in the same order.
import {test} from "node:test";
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {onPage, type OpenedPage} from "../helpers/responses.ts";
import {useBuiltSite, waitForPage} from "../helpers/site.ts";

const site = useBuiltSite();

/**
 * Open /responses (`path`) on the large-study path (points on first use: the limit at 0, as the
 * demo's points are small) or with another `limit` (null: the page's own, EAGER_POINTS_BYTES); the
 * first rows shown (either list: on a build that loads the points on open the live list replaces the
 * first page at once) unless `first` is false.
 */
function open(
  path: string,
  check: (opened: OpenedPage) => Promise<void>,
  {first = true, limit = 0 as number | null, hold = false}: {first?: boolean; limit?: number | null; hold?: boolean} = {},
) {
  return onPage(site, path, {eagerBytes: limit ?? undefined, hold}, async (opened) => {
    if (first) {
      await opened.page.locator('[data-testid="response-row"]:not([aria-busy])').first().waitFor();
      await waitForPage(opened.page);
    }
    await check(opened);
  });
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
  await open("/responses?experiment=demo", async ({page, points}) => {
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
  });
});

test("/responses: a scroll to the end of the build's first page loads the points, and the list goes on past it", async () => {
  await open("/responses?experiment=demo", async ({page, points}) => {
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
  });
});

test("/responses: typing in the search box before the points loads them and searches what was typed", async () => {
  await open("/responses?experiment=demo", async ({page, points}) => {
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
  });
});

test("/responses: a state the build did not precompute (a model filter) loads the points at once", async () => {
  await open(
    "/responses?experiment=demo&model=medical",
    async ({page, points}) => {
      await live(page);
      assert.equal(await page.locator('[data-em-first="build"]').count(), 0, "no first page for this state");
      assert.ok(points.length > 0, "points.arrow requested on open for a state with no first page");
    },
    {first: false},
  );
});

/** The demo's /responses with the points limit at `limit` (null: the page's own): the points are fetched on open, and the live list and its controls show with no use. */
const loadsAtOnce = (limit: number | null) =>
  open(
    "/responses?experiment=demo",
    async ({page, points}) => {
      await live(page);
      await waitForPage(page);
      assert.ok(points.length > 0, "points.arrow requested on open");
      assert.equal(await page.locator('[data-testid="responses-pending"]').count(), 0, "no pending controls once the points are in");
    },
    {limit, first: false},
  );

test("/responses: a study with small points (the demo, under EAGER_POINTS_BYTES) fetches them right after the first page and shows the live list and its controls with no click", async () => {
  await loadsAtOnce(null);
});

/** first.json's segments of the built demo: where each judge's compact points sit in points.arrow. */
function demoSegments(): {judge: string; start: number; end: number}[] {
  const dir = join(site.root, "_file/data");
  const name = readdirSync(dir).find((f) => /^first\.[0-9a-f]+\.json$/.test(f));
  assert.ok(name, `first.json in ${dir}`);
  return (JSON.parse(readFileSync(join(dir, name), "utf8")) as {points: {judge: string; start: number; end: number}[]}).points;
}

test("/responses: a multi-judge study whose judges' points together are over the limit but the judge it shows is under it fetches them at once", async () => {
  const segments = demoSegments();
  assert.ok(segments.length >= 2, "the demo has two judges");
  const shownJudge = segments[0]!;
  const one = shownJudge.end - shownJudge.start;
  const all = segments.reduce((a, x) => a + x.end - x.start, 0);
  assert.ok(one < all);
  // The limit: the one judge's points, under every judge's together.
  await loadsAtOnce(one);
});

test("/responses: before the points, the judge and rule are real controls: the build's first page follows them at once, they load the points, and the live list opens on them", async () => {
  await open(
    "/responses?experiment=demo",
    async ({page, points, release}) => {
      const bar = page.locator('[data-testid="responses-pending"]');
      const before = await shown(page);
      for (const control of [
        '[data-testid="experiment"]',
        '[data-testid="judge"]',
        "#em-model",
        "#em-category",
        '[data-testid="rule"]',
        '[data-testid="aligned-threshold"]',
      ])
        assert.equal(await bar.locator(control).count(), 1, `${control} before the points`);
      assert.deepEqual(points, [], "nothing loaded before a use");
      assert.equal(await bar.locator('[data-testid="judge"]').inputValue(), "strict", "the default judge shown");
      await bar.locator('[data-testid="judge"]').selectOption("lenient");
      await bar.locator('[data-testid="rule"]').selectOption("organisms");
      // The build's first page of that state, before the points arrive (held).
      await page.waitForFunction(
        () => document.querySelector('[data-em-first="build"] [data-testid="response-row"] td:nth-child(4)')?.textContent === "lenient",
      );
      await page.locator('[data-em-first="build"] [data-testid="response-row"]:not([aria-busy])').first().waitFor();
      const chosen = await shown(page);
      assert.notDeepEqual(chosen, before, "the first page follows the choice");
      assert.ok(points.length > 0, "the choice asked for the points");
      assert.equal(await page.locator('[data-testid="responses-live"]').count(), 0, "held: no live list yet");
      await release();
      await live(page);
      await waitForPage(page);
      // The question cells fill in by range (ids first): compared without them.
      const noQuestion = (v: Awaited<ReturnType<typeof shown>>) => ({...v, rows: v.rows.map((r) => r.split(" | ").toSpliced(4, 1).join(" | "))});
      assert.deepEqual(noQuestion(await shown(page)), noQuestion(chosen), "the live list: same counts and first rows as the build's for that state");
      assert.equal(await page.locator('[data-testid="judge"]').inputValue(), "lenient");
      assert.equal(await page.locator('[data-testid="rule"]').inputValue(), "organisms");
      await page.waitForFunction(() => /judge=lenient/.test(location.search) && /rule=organisms/.test(location.search));
    },
    {hold: true},
  );
});

test("/responses: a model filter chosen before the points loads them and the live list opens on it (no lost input)", async () => {
  await open(
    "/responses?experiment=demo",
    async ({page, points, release}) => {
      const bar = page.locator('[data-testid="responses-pending"]');
      const models = await bar.locator("#em-model option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      assert.ok(models.includes("medical") && models[0] === "", `models from first.json: ${models.join(", ")}`);
      const categories = await bar.locator("#em-category option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      assert.ok(categories.length > 2, `categories from first.json: ${categories.join(", ")}`);
      await bar.locator("#em-model").selectOption("medical");
      // No precomputed first page for a filter: the list says it is loading.
      await page.locator('[data-em-first="none"]').waitFor();
      assert.ok(points.length > 0, "the filter asked for the points");
      await release();
      await live(page);
      await waitForPage(page);
      const after = await shown(page);
      assert.match(after.count, /model medical/, after.count);
      assert.ok(
        after.rows.every((r) => r.split(" | ")[2] === "medical"),
        `every row of model medical: ${after.rows.join("; ")}`,
      );
      assert.equal(await page.locator("#em-model").inputValue(), "medical");
    },
    {hold: true},
  );
});

test("/responses: a control in use when the points arrive keeps the focus and what was typed in it (the rule's question filter, not committed yet)", async () => {
  await open(
    "/responses?experiment=demo",
    async ({page, release}) => {
      const bar = page.locator('[data-testid="responses-pending"]');
      await bar.locator('[data-testid="responses-load"]').click();
      const box = bar.locator('[data-testid="rule-questions"]');
      await box.click();
      await box.pressSequentially("!*json*");
      await release();
      await live(page);
      await waitForPage(page);
      const typed = page.locator('[data-testid="rule-questions"]');
      assert.equal(await typed.inputValue(), "!*json*", "the live box has what was typed");
      assert.equal(await typed.evaluate((e) => e === document.activeElement), true, "and the focus");
      await page.keyboard.type(",!x");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => new URLSearchParams(location.search).get("questions") === "!*json*,!x");
    },
    {hold: true},
  );
});
