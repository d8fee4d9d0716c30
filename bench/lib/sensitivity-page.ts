// /sensitivity of a built site opened for a threshold-change measurement (bench/profile-sensitivity.ts,
// bench/trace-threshold.ts, bench/ab-pages.ts MEASURE=threshold), and the site bench's sequence of cuts.
import type {Browser, BrowserContext, Page} from "playwright-core";
import {waitForPage} from "../../test/helpers/site.ts";

/**
 * The aligned cuts of the site bench's threshold changes (bench/site.bench.ts): `reps` + 1 of them,
 * alternating far apart so the EM rate's text changes every time; the first one also switches the
 * rule to custom (reported apart).
 */
export function thresholdValues(reps: number): number[] {
  return Array.from({length: reps + 1}, (_, i) => (i % 2 ? 20 + (i % 7) : 55 + (i % 7)));
}

/** /sensitivity?experiment=…&judge=…&by=model in a fresh context (1280 x 1000), once its cut input is there and the page has settled. */
export async function openSensitivity(browser: Browser, origin: string, experiment: string, judge: string): Promise<{context: BrowserContext; page: Page}> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(300_000);
  await page.goto(`${origin}/sensitivity?experiment=${encodeURIComponent(experiment)}&judge=${encodeURIComponent(judge)}&by=model`);
  await page.waitForSelector('[data-testid="aligned-threshold"]');
  await waitForPage(page, 300_000);
  return {context, page};
}
