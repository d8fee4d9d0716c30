// /responses in a browser test: the page lists the build's first page on open and downloads the
// points (and opens its live list and controls) on first use; tests that need the live list ask for
// it. And the open / check / close block of the tests that watch a page before its points arrive
// (responses-lazy, first-paint): onPage.
import assert from "node:assert/strict";
import type {Browser, Page, Route} from "playwright-core";
import {describeProblems, watch, type Problems} from "./browser.ts";
import type {StaticServer} from "../../loaders/static-server.ts";

/** The pending bar's button (step strip, downloads): loads the points; then the live list's first row. */
export async function openResponsesLive(page: Page): Promise<void> {
  const button = page.locator('[data-testid="responses-load"]');
  // The pending bar (shown until the points are in) or the live list, whichever the page has.
  await page.locator('[data-testid="responses-load"], [data-testid="responses-live"]').first().waitFor({state: "attached"});
  if ((await button.count()) && (await button.isEnabled())) await button.click();
  await page.locator('[data-testid="responses-live"] [data-testid="response-row"]').first().waitFor();
}

export interface PageOptions {
  /** Hold points.arrow's requests until `release()` (a Playwright route); the page's other files load normally. */
  hold?: boolean;
  /** /responses' limit for fetching its points at once (globalThis.__emEagerPointsBytes, set before any page script); 0: on first use. */
  eagerBytes?: number;
  /** When goto returns (default "load"; "commit" to look at a page before its first files are in). */
  waitUntil?: "load" | "commit";
  viewport?: {width: number; height: number};
}

export interface OpenedPage {
  page: Page;
  problems: Problems;
  /** The URLs of points.arrow requested so far. */
  points: string[];
  /** Let the held points.arrow requests (and later ones) through. */
  release(): Promise<void>;
}

/**
 * Open `path` of `site` in a new browser context (1280 x 900 unless `viewport`), with points.arrow's
 * requests recorded (and held: `hold`), run `check`, then assert that the page had no console or
 * page error, failed or outside request, and close the context whatever happened.
 */
export async function onPage(
  site: {readonly server: StaticServer; readonly browser: Browser},
  path: string,
  options: PageOptions,
  check: (opened: OpenedPage) => Promise<void>,
): Promise<void> {
  const context = await site.browser.newContext({viewport: options.viewport ?? {width: 1280, height: 900}});
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const limit = options.eagerBytes;
    if (limit !== undefined) await page.addInitScript((n) => ((globalThis as {__emEagerPointsBytes?: number}).__emEagerPointsBytes = n), limit);
    const problems = watch(page, site.server.url);
    const points: string[] = [];
    page.on("request", (r) => {
      if (/\/points\.[0-9a-f]+\.arrow$/.test(new URL(r.url()).pathname)) points.push(r.url());
    });
    let held: Route[] = [];
    let released = !options.hold;
    if (options.hold)
      await page.route(/\/_file\/data\/points\.[0-9a-f]+\.arrow/, (route) => {
        if (released) void route.continue();
        else held.push(route);
      });
    const release = async () => {
      released = true;
      for (const r of held) await r.continue();
      held = [];
    };
    await page.goto(site.server.url + path, {waitUntil: options.waitUntil ?? "load"});
    await check({page, problems, points, release});
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
}
