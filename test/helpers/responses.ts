// /responses in a browser test: the page lists the build's first page on open and downloads the
// points (and opens its live list and controls) on first use; tests that need the live list ask for it.
import type {Page} from "playwright-core";

/** The pending bar's button (filters, rule, step strip, downloads): loads the points; then the live list's first row. */
export async function openResponsesLive(page: Page): Promise<void> {
  const button = page.locator('[data-testid="responses-load"]');
  // The pending bar (shown until the points are in) or the live list, whichever the page has.
  await page.locator('[data-testid="responses-load"], [data-testid="responses-live"]').first().waitFor({state: "attached"});
  if ((await button.count()) && (await button.isEnabled())) await button.click();
  await page.locator('[data-testid="responses-live"] [data-testid="response-row"]').first().waitFor();
}
