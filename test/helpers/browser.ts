// Headless Debian Chromium through playwright-core (no browser download), with every console
// error, page error, failed request and request to another host recorded.
import {chromium, type Browser, type Locator, type Page} from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Launch Chromium; playwright gives every launch a fresh temporary profile. */
export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface Problems {
  consoleErrors: string[];
  pageErrors: string[];
  failedRequests: string[];
  outsideRequests: string[];
}

/** Attach recorders to a page; everything not served by `origin` counts as an outside request. */
export function watch(page: Page, origin: string): Problems {
  const problems: Problems = {consoleErrors: [], pageErrors: [], failedRequests: [], outsideRequests: []};
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  page.on("requestfailed", (req) => problems.failedRequests.push(`${req.url()} (${req.failure()?.errorText ?? "?"})`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.failedRequests.push(`${res.url()} (HTTP ${res.status()})`);
  });
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:") || url.startsWith("blob:")) return;
    if (!url.startsWith(origin)) problems.outsideRequests.push(url);
  });
  return problems;
}

export function describeProblems(p: Problems): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) if (v.length) parts.push(`${k}:\n  ${v.join("\n  ")}`);
  return parts.join("\n");
}

/**
 * A table's rate cell as src/components/rate-cell.ts prints it ("12.3% [10.1%–14.6%]", ≈ after an
 * approximate interval): its point, and whether the cell carries an interval (the tables print no
 * bare rate).
 */
export function rateCell(text: string): {point: string; interval: boolean} {
  const [point, rest] = text.trim().split("\u00a0[");
  return {point: point!.trim(), interval: rest !== undefined && /^\d[\d.]*%\u2060?–\u2060?\d[\d.]*%\]/.test(rest)};
}

/**
 * Drag the mouse across `target` along its width, from fraction `from` to fraction `to` of it, at
 * fraction `y` of its height, in `steps` moves. Scrolls the target into view first: the mouse acts
 * at viewport coordinates and reaches only what the viewport shows (an intro grown by a few lines
 * moves a chart below the fold, and a drag there hits nothing). Returns the target's box as dragged.
 */
export async function dragAcross(
  page: Page,
  target: Locator,
  from: number,
  to: number,
  {y = 0.5, steps = 8}: {y?: number; steps?: number} = {},
): Promise<{x: number; y: number; width: number; height: number}> {
  await target.scrollIntoViewIfNeeded();
  const box = await target.boundingBox();
  if (!box) throw new Error(`dragAcross: ${target} has no box (not rendered)`);
  const at = (f: number) => box.x + box.width * f;
  await page.mouse.move(at(from), box.y + box.height * y);
  await page.mouse.down();
  await page.mouse.move(at(to), box.y + box.height * y, {steps});
  await page.mouse.up();
  return box;
}
