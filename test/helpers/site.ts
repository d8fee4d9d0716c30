// Shared by the browser tests: build the site once, serve it with a browser, list its pages, wait for a page to settle.
import {spawnSync} from "node:child_process";
import {existsSync, rmSync} from "node:fs";
import {join, dirname} from "node:path";
import {fileURLToPath} from "node:url";
import {after, before} from "node:test";
import type {Browser, Page} from "playwright-core";
import {launch, watch} from "./browser.ts";
import {serveStatic, type StaticServer} from "../../loaders/static-server.ts";
import config from "../../observablehq.config.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

let built = false;
/** Build dist/ once per process (EM_SKIP_BUILD=1 reuses an existing dist/). */
export function buildSite(): void {
  if (built) return;
  if (process.env.EM_SKIP_BUILD === "1" && existsSync(join(ROOT, "dist/index.html"))) {
    built = true;
    return;
  }
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], {cwd: ROOT, stdio: ["ignore", "ignore", "inherit"]});
  if (result.status !== 0) throw new Error(`site build failed with exit code ${result.status}`);
  built = true;
}

/**
 * Build the site on `experiments` (EM_EXPERIMENTS) into `out`, a folder of its own so the demo
 * build in dist/ of the other browser tests is untouched. EM_SKIP_BUILD=1 reuses a build there.
 */
export function buildSiteAt(out: string, experiments: readonly string[]): void {
  if (process.env.EM_SKIP_BUILD === "1" && existsSync(join(out, "index.html"))) return;
  rmSync(out, {recursive: true, force: true});
  const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--output", out], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: {...process.env, EM_EXPERIMENTS: experiments.join(",")},
  });
  if (build.status !== 0) throw new Error(`site build on ${experiments.join(", ")} failed with exit code ${build.status}`);
}

/**
 * Open `path` of `server` in a fresh browser context (1280 x 900, `theme`), watching for problems;
 * resolves once every selector is there and the page has settled (waitForPage).
 */
export async function openPage(
  browser: Browser,
  server: StaticServer,
  path: string,
  selectors: readonly string[],
  {theme = "light", timeout = 60_000}: {theme?: "light" | "dark"; timeout?: number} = {},
): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await browser.newContext({viewport: {width: 1280, height: 900}, colorScheme: theme});
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const problems = watch(page, server.url);
  await page.goto(`${server.url}${path}`, {waitUntil: "load"});
  for (const s of selectors) await page.waitForSelector(s);
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

interface ConfigPage {
  name: string;
  path: string;
  pages?: ConfigPage[];
}

/** Every page path in the site's configuration. */
export function sitePages(): {path: string; slug: string}[] {
  const out: {path: string; slug: string}[] = [];
  const visit = (pages: ConfigPage[]) => {
    for (const p of pages) {
      if (p.pages) visit(p.pages);
      else out.push({path: p.path, slug: p.path === "/" ? "index" : p.path.replace(/^\//, "").replace(/\//g, "_")});
    }
  };
  visit(config.pages as ConfigPage[]);
  return out;
}

/**
 * Wait until the network is idle and no page placeholder ([data-em-loading]) or Framework inline
 * placeholder (<observablehq-loading>) is left, twice in a row 250 ms apart (a cell may start right
 * after another one finished). Framework marks no other pending cell, so tests also wait for the
 * elements they need (see EXPECT in pages.test.ts).
 */
export async function waitForPage(page: Page, timeout = 30_000): Promise<void> {
  const settled = () => !document.querySelector("observablehq-loading") && !document.querySelector("[data-em-loading]");
  for (let i = 0; i < 2; i++) {
    await page.waitForLoadState("networkidle", {timeout});
    await page.waitForFunction(settled, undefined, {timeout});
    await page.waitForTimeout(250);
  }
}

/**
 * For one test file: the built demo site served on 127.0.0.1 and one headless Chromium, set up in
 * node:test `before` and closed in `after`. Read `server` and `browser` inside tests (not at load).
 */
export function useBuiltSite(): {readonly server: StaticServer; readonly browser: Browser} {
  const site = {} as {server: StaticServer; browser: Browser};
  before(async () => {
    buildSite();
    site.server = await serveStatic(join(ROOT, "dist"));
    site.browser = await launch();
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}
