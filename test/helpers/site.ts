// Shared by the browser tests: build the site once, serve it with a browser, list its pages, wait for a page to settle.
import {spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join, dirname} from "node:path";
import {fileURLToPath} from "node:url";
import {after, before} from "node:test";
import type {Browser, Page} from "playwright-core";
import {launch, watch} from "./browser.ts";
import {URL_PENDING_ATTRIBUTE} from "../../src/components/store.ts";
import {lockCache} from "../../loaders/cache-lock.ts";
import {serveStatic, type StaticServer} from "../../loaders/static-server.ts";
import config from "../../observablehq.config.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Run `fn` holding the site-build lock, one holder at a time across the test files that run at
 * once (--test-concurrency): every build (and `npm run dev`) rewrites Framework's cache in
 * src/.observablehq and src/docs/, so two builds at once would mix their experiments. The lock is loaders/cache-lock.ts's,
 * on test-artifacts/ (the lock of a killed run is taken over, not waited for).
 */
export async function withBuildLock<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  const dir = join(ROOT, "test-artifacts");
  mkdirSync(dir, {recursive: true});
  const lock = await lockCache(dir, {command: `site build ${what}`, onWait: (m) => console.error(`site build ${what}: ${m}`)});
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** scripts/build.mjs with `args` and `env` (call it holding the build lock). */
function runBuild(args: readonly string[], env: NodeJS.ProcessEnv, what: string): void {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), ...args], {cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env});
  if (result.status !== 0) throw new Error(`site build ${what} failed with exit code ${result.status}`);
}

let built = false;
/** Build dist/ once per process (EM_SKIP_BUILD=1 reuses an existing dist/). */
export async function buildSite(): Promise<void> {
  if (built) return;
  if (!(process.env.EM_SKIP_BUILD === "1" && existsSync(join(ROOT, "dist/index.html"))))
    await withBuildLock("of the demo", () => runBuild([], process.env, "of the demo"));
  built = true;
}

/** What a site build reads from this checkout: pages, pipeline, data, fixture experiments, lockfile. */
const BUILD_INPUTS = ["src", "loaders", "scripts", "data", "docs", "test/fixtures", "observablehq.config.js", "package-lock.json"];
const GENERATED = new Set([join(ROOT, "src/.observablehq"), join(ROOT, "src/docs")]);

/** sha1 over the build's inputs (paths and contents) and `experiments`: the key of a build it can reuse. */
function buildKey(experiments: readonly string[]): string {
  const hash = createHash("sha1").update(JSON.stringify(experiments));
  const visit = (path: string) => {
    if (GENERATED.has(path) || !existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) visit(join(path, name));
    else hash.update(`${path}\0`).update(readFileSync(path));
  };
  for (const p of BUILD_INPUTS) visit(join(ROOT, p));
  return hash.digest("hex");
}

/**
 * The site built on `experiments` (EM_EXPERIMENTS) in test-artifacts/sites/<name>, a folder of its
 * own so the demo build in dist/ is untouched; returns the folder. A build whose key (buildKey:
 * the experiments and the contents of the checkout's build inputs) matches the one asked for is
 * reused, so test files asking for the same experiments share one build, and a rerun after an
 * edit rebuilds (EM_SKIP_BUILD does not apply: a build of other inputs is never reused).
 */
export async function siteBuiltOn(name: string, experiments: readonly string[]): Promise<string> {
  const out = join(ROOT, "test-artifacts", "sites", name);
  const stamp = join(out, ".em-build-key");
  const key = buildKey(experiments);
  const current = () => existsSync(join(out, "index.html")) && existsSync(stamp) && readFileSync(stamp, "utf8") === key;
  if (current()) return out;
  // Another file may be building this very site: look again holding the lock.
  const what = `on ${experiments.join(", ")}`;
  await withBuildLock(what, () => {
    if (current()) return;
    rmSync(out, {recursive: true, force: true});
    runBuild(["--output", out], {...process.env, EM_EXPERIMENTS: experiments.join(",")}, what);
    writeFileSync(stamp, key);
  });
  return out;
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
 * Wait until the network is idle, no page placeholder ([data-em-loading]) or Framework inline
 * placeholder (<observablehq-loading>) is left and the store has written its last change to the
 * URL (no <html data-em-url-pending>), twice in a row 250 ms apart (a cell may start right after
 * another one finished). Framework marks no other pending cell, so tests also wait for the
 * elements they need (see EXPECT in pages.test.ts).
 */
export async function waitForPage(page: Page, timeout = 30_000): Promise<void> {
  const settled = (pending: string) =>
    !document.querySelector("observablehq-loading") && !document.querySelector("[data-em-loading]") && !document.documentElement.hasAttribute(pending);
  for (let i = 0; i < 2; i++) {
    await page.waitForLoadState("networkidle", {timeout});
    await page.waitForFunction(settled, URL_PENDING_ATTRIBUTE, {timeout});
    await page.waitForTimeout(250);
  }
}

/**
 * The page's URL once `want(url)` holds, read only when the store has no URL write pending
 * (store.ts writes the state once a change settles, URL_QUIET_MS, then in idle time, and marks
 * <html data-em-url-pending> until then). Call it after an interaction, instead of page.url():
 * fails with `what` and the last URL seen when `want` does not hold within `timeout` ms.
 */
export async function waitForUrl(page: Page, want: (url: URL) => boolean, what: string, timeout = 10_000): Promise<URL> {
  const end = Date.now() + timeout;
  let url = new URL(page.url());
  for (;;) {
    const left = end - Date.now();
    const written = await page
      .waitForFunction((pending) => !document.documentElement.hasAttribute(pending), URL_PENDING_ATTRIBUTE, {timeout: Math.max(1, left)})
      .then(
        () => true,
        () => false,
      );
    url = new URL(page.url());
    if (written && want(url)) return url;
    if (Date.now() >= end)
      throw new Error(`${what}: ${written ? "not in the URL" : "the store's URL write still pending"} after ${timeout} ms (URL: ${url.pathname}${url.search})`);
    await page.waitForTimeout(50);
  }
}

/**
 * For one test file: a built site served on 127.0.0.1 and one headless Chromium, set up in
 * node:test `before` and closed in `after`: the demo in dist/, or with `on` the site built on
 * those experiments (siteBuiltOn; none when `on.skip`). Read them inside tests (not at load).
 */
export function useBuiltSite(on?: {name: string; experiments: readonly string[]; skip?: boolean}): {
  readonly server: StaticServer;
  readonly browser: Browser;
  /** The folder served. */
  readonly root: string;
} {
  const site = {root: join(ROOT, "dist")} as {server: StaticServer; browser: Browser; root: string};
  before(async () => {
    if (on?.skip) return;
    if (on) site.root = await siteBuiltOn(on.name, on.experiments);
    else await buildSite();
    site.server = await serveStatic(site.root);
    site.browser = await launch();
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}
