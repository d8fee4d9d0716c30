// The site at scale: build-time table cost in Node and page timings in real headless Chromium, on
// seeded synthetic data (bench/synthetic.ts). Numbers go to docs/benchmarks.md ("Site at a million
// responses").
//
//   node --import tsx bench/site.bench.ts
//
// Env: RESPONSES=100000,1000000 (sizes, comma-separated); DETAILS_MAX=100000 (details.arrow is
// built only up to this many responses: at 1M it takes ~1.5 min and ~3.7 GB of Node heap);
// REPS=9 (timed threshold changes); BROWSER=0 (Node part only); CHROMIUM_PATH (default
// /usr/bin/chromium); OUT=file.json (raw results); KEEP=1 (keep the temporary sites).
//
// Browser part: dist/ (built by `npm run build` when missing) is copied to a temporary folder per
// size, its points / texts / details / summary files are overwritten with the synthetic ones (same
// hashed names: Framework serves whatever bytes are there), and the copy is served on 127.0.0.1.
// Each page is opened in a fresh browser context (cold: no HTTP cache). Times are the page's own
// performance.now(), i.e. milliseconds since navigation start.
import {spawnSync} from "node:child_process";
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {detailsTable, pointsTable, textsTable} from "../loaders/site-tables.ts";
import {synthesize, syntheticSummary} from "./synthetic.ts";
import {serveStatic} from "../test/helpers/static-server.ts";
import {launch, watch, describeProblems} from "../test/helpers/browser.ts";
import {waitForPage, ROOT} from "../test/helpers/site.ts";

const SIZES = (process.env.RESPONSES ?? "100000,1000000").split(",").map((s) => Number(s.trim().replace(/_/g, "")));
const DETAILS_MAX = Number(process.env.DETAILS_MAX ?? 100_000);
const REPS = Number(process.env.REPS ?? 9);
const BROWSER = process.env.BROWSER !== "0";
const PAGE_TIMEOUT = 180_000;
for (const n of SIZES) if (!Number.isInteger(n) || n < 1) throw new Error(`RESPONSES: not a positive integer: ${process.env.RESPONSES}`);
if (!Number.isInteger(REPS) || REPS < 1 || REPS > 100) throw new Error(`REPS must be 1..100, got ${process.env.REPS}`);

type Row = Record<string, string>;
const results = new Map<number, Row>();
const raw: Record<string, unknown> = {};
const notes: string[] = [];

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);

function log(message: string): void {
  process.stderr.write(`[site.bench] ${message}\n`);
}

function timed<T>(f: () => T): {value: T; ms: number} {
  const t0 = performance.now();
  const value = f();
  return {value, ms: performance.now() - t0};
}

/** The built data file whose name is `<stem>.<hash>.<ext>` under dist/_file/data. */
function dataFile(site: string, stem: string, ext: string): string {
  const dir = join(site, "_file/data");
  const hit = readdirSync(dir).find((f) => new RegExp(`^${stem}\\.[0-9a-f]+\\.${ext}$`).test(f));
  if (!hit) throw new Error(`${dir}: no ${stem}.<hash>.${ext} (rebuild with npm run build)`);
  return join(dir, hit);
}

/** Node part: synthesize, build the three tables, write them over the copy of dist/. */
function buildTables(n: number, site: string | null): Row {
  const row: Row = {};
  const gen = timed(() => synthesize({responses: n}));
  const data = gen.value;
  row["synthesize (not site code)"] = `${ms(gen.ms)} (${data.scores.length.toLocaleString("en")} score rows)`;
  log(`${n}: synthesized in ${ms(gen.ms)}`);
  const points = timed(() => pointsTable(data));
  row["pointsTable: time"] = ms(points.ms);
  row["points.arrow: size"] = mb(points.value.byteLength);
  if (site) writeFileSync(dataFile(site, "points", "arrow"), points.value);
  log(`${n}: pointsTable ${ms(points.ms)}, ${mb(points.value.byteLength)}`);
  const texts = timed(() => textsTable(data));
  row["textsTable: time"] = ms(texts.ms);
  row["texts.arrow: size"] = mb(texts.value.byteLength);
  if (site) writeFileSync(dataFile(site, "texts", "arrow"), texts.value);
  log(`${n}: textsTable ${ms(texts.ms)}, ${mb(texts.value.byteLength)}`);
  if (n <= DETAILS_MAX) {
    const details = timed(() => detailsTable(data));
    row["detailsTable: time"] = ms(details.ms);
    row["details.arrow: size"] = mb(details.value.byteLength);
    if (site) writeFileSync(dataFile(site, "details", "arrow"), details.value);
    log(`${n}: detailsTable ${ms(details.ms)}, ${mb(details.value.byteLength)}`);
  } else {
    row["detailsTable: time"] = `skipped (> DETAILS_MAX=${DETAILS_MAX})`;
    row["details.arrow: size"] = "skipped";
    // An empty details table keeps the site consistent (no detail view is opened here).
    if (site) writeFileSync(dataFile(site, "details", "arrow"), detailsTable({responses: [], scores: [], types: []}));
  }
  if (site) writeFileSync(dataFile(site, "summary", "json"), JSON.stringify(syntheticSummary(data)));
  row["Node heap after tables"] = mb(process.memoryUsage().heapUsed);
  return row;
}

// Recorders installed before any page script: time of the first number in `em-rate` (and the
// frame after it), and of the frame after the last DOM change (the page is "open" when nothing
// changes any more).
function recorders(): void {
  const w = window as unknown as {__em: {first: number | null; paint: number | null; lastMutation: number; lastPaint: number; frameQueued: boolean}};
  w.__em = {first: null, paint: null, lastMutation: 0, lastPaint: 0, frameQueued: false};
  new MutationObserver(() => {
    const now = performance.now();
    w.__em.lastMutation = now;
    if (!w.__em.frameQueued) {
      w.__em.frameQueued = true;
      requestAnimationFrame(() => {
        w.__em.frameQueued = false;
        w.__em.lastPaint = performance.now();
      });
    }
    if (w.__em.first === null) {
      const el = document.querySelector('[data-testid="em-rate"]');
      if (el && /\d/.test(el.textContent ?? "")) {
        w.__em.first = now;
        requestAnimationFrame(() => (w.__em.paint = performance.now()));
      }
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
}

interface Heap {
  used: number;
  total: number;
  backing: number | null;
  rss: number | null;
}

/** JS heap and ArrayBuffer backing stores after a forced GC (CDP), and the largest renderer's resident memory (Linux /proc). */
async function heap(browser: Browser, page: Page): Promise<Heap> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const usage = (await cdp.send("Runtime.getHeapUsage")) as {usedSize: number; totalSize: number; backingStorageSize?: number};
  if (process.env.DEBUG_HEAP) log(JSON.stringify(usage));
  await cdp.detach();
  let rss: number | null = null;
  try {
    const bcdp = await browser.newBrowserCDPSession();
    const info = (await bcdp.send("SystemInfo.getProcessInfo")) as {processInfo: {type: string; id: number}[]};
    await bcdp.detach();
    for (const p of info.processInfo) {
      if (p.type !== "renderer") continue;
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, "utf8"))?.[1];
      if (kb) rss = Math.max(rss ?? 0, Number(kb) * 1024);
    }
  } catch {
    rss = null; // no /proc or no SystemInfo domain: report the JS heap only
  }
  return {used: usage.usedSize, total: usage.totalSize, backing: usage.backingStorageSize ?? null, rss};
}

// backingStorageSize (ArrayBuffers: the fetched files and decoded typed arrays) is outside the JS heap.
const heapText = (h: Heap) =>
  `${mb(h.used)} JS heap${h.backing === null ? "" : ` + ${mb(h.backing)} ArrayBuffers`}${h.rss === null ? "" : `; renderer RSS ${mb(h.rss)}`}`;

async function openPage(browser: Browser, url: string): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT);
  const problems = watch(page, new URL(url).origin);
  // tsx (esbuild keepNames) wraps named inner functions of page.evaluate callbacks in __name().
  await page.addInitScript({content: "globalThis.__name = (f) => f;"});
  await page.addInitScript(recorders);
  return {page, problems, close: () => context.close()};
}

/** Milliseconds since navigation start at which a data file finished downloading. */
async function fetched(page: Page, stem: string): Promise<number | null> {
  return page.evaluate((s) => {
    const e = performance.getEntriesByType("resource").find((r) => new RegExp(`/_file/data/${s}\\.[0-9a-f]+\\.`).test(r.name)) as
      | PerformanceResourceTiming
      | undefined;
    return e ? e.responseEnd : null;
  }, stem);
}

/** Browser part for one size. */
async function browserRun(n: number, site: string, row: Row): Promise<void> {
  const server = await serveStatic(site);
  const browser = await launch();
  const problems: string[] = [];
  try {
    // 1. /sensitivity: first number, settle, threshold changes.
    {
      const {page, problems: p, close} = await openPage(browser, server.url);
      await page.goto(`${server.url}/sensitivity?experiment=synthetic`, {waitUntil: "commit"});
      await page.waitForFunction(() => (window as unknown as {__em: {paint: number | null}}).__em.paint !== null, undefined, {timeout: PAGE_TIMEOUT});
      const first = await page.evaluate(() => (window as unknown as {__em: {first: number; paint: number}}).__em);
      await waitForPage(page, PAGE_TIMEOUT);
      const settled = await page.evaluate(() => (window as unknown as {__em: {lastPaint: number}}).__em.lastPaint);
      const pointsAt = await fetched(page, "points");
      row["points.arrow downloaded (since navigation)"] = ms(pointsAt);
      const rateText = (await page.locator('[data-testid="em-rate"]').textContent())?.trim();
      row["/sensitivity: EM rate shown (first number + frame)"] = `${ms(first.paint)} (${rateText})`;
      row["/sensitivity: all charts done (frame after the last DOM change)"] = ms(settled);
      row["/sensitivity: heap after load"] = heapText(await heap(browser, page));
      log(`${n}: /sensitivity first ${ms(first.paint)}, settled ${ms(settled)}`);
      // Alternate far-apart cuts so the rate's text changes every time (bounded: REPS + 1 changes,
      // each waiting at most 60 s). The first change also switches the rule to custom: reported apart.
      const values = Array.from({length: REPS + 1}, (_, i) => (i % 2 ? 20 + (i % 7) : 55 + (i % 7)));
      const changes = await page.evaluate(
        async ({values, timeout}) => {
          const w = window as unknown as {__em: {lastMutation: number; lastPaint: number}};
          const rate = () => document.querySelector('[data-testid="em-rate"]')?.textContent ?? "";
          const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]');
          if (!input) throw new Error("no aligned-threshold input");
          const out: {value: number; rate: string; shown: number | null; settled: number | null}[] = [];
          for (const v of values) {
            const before = rate();
            const t0 = performance.now();
            w.__em.lastMutation = t0;
            w.__em.lastPaint = t0;
            const shown = await new Promise<number | null>((resolve) => {
              const timer = setTimeout(() => (obs.disconnect(), resolve(null)), timeout);
              const obs = new MutationObserver(() => {
                if (rate() === before) return;
                obs.disconnect();
                clearTimeout(timer);
                requestAnimationFrame(() => resolve(performance.now() - t0));
              });
              obs.observe(document.body, {subtree: true, childList: true, characterData: true});
              input.value = String(v);
              input.dispatchEvent(new Event("input", {bubbles: true}));
            });
            // Quiet for 300 ms (at most `timeout`): every cell depending on the cut has re-rendered.
            while (performance.now() - w.__em.lastMutation < 300 && performance.now() - t0 < timeout) await new Promise((r) => setTimeout(r, 50));
            out.push({value: v, rate: rate(), shown, settled: w.__em.lastPaint - t0});
          }
          return out;
        },
        {values, timeout: 60_000},
      );
      const timedChanges = changes.slice(1);
      const shown = timedChanges.map((c) => c.shown).filter((x): x is number => x !== null);
      const missed = timedChanges.length - shown.length;
      row["threshold change: EM rate updated + frame (median / max)"] =
        `${ms(median(shown))} / ${ms(max(shown))}${missed ? ` (${missed} of ${timedChanges.length} did not change the text)` : ""}`;
      row["threshold change: whole page re-rendered (median / max)"] =
        `${ms(median(timedChanges.map((c) => c.settled!)))} / ${ms(max(timedChanges.map((c) => c.settled!)))}`;
      row["first threshold change (switches to custom)"] = `${ms(changes[0]!.shown)} / ${ms(changes[0]!.settled)}`;
      raw[`${n}:thresholdChanges`] = changes;
      log(`${n}: threshold change median ${ms(median(shown))}`);
      problems.push(describeProblems(p));
      await close();
    }
    // 2. The other pages: open until nothing loads and nothing changes; check their content is there.
    const pages: [string, string][] = [
      ["/responses", '[data-testid="response-row"]'],
      ["/transitions", '[data-testid="midpoint-by-judge"]'],
      ["/categories", 'figure[data-chart="model-question-heatmap"]'],
    ];
    for (const [path, ready] of pages) {
      const {page, problems: p, close} = await openPage(browser, server.url);
      await page.goto(`${server.url}${path}?experiment=synthetic`, {waitUntil: "commit"});
      await page.waitForSelector(ready, {timeout: PAGE_TIMEOUT});
      await waitForPage(page, PAGE_TIMEOUT);
      const settled = await page.evaluate(() => (window as unknown as {__em: {lastPaint: number}}).__em.lastPaint);
      const errors = await page.locator(".observablehq--error").count();
      row[`${path}: open (frame after the last DOM change)`] = ms(settled) + (errors ? ` (${errors} cell errors)` : "");
      if (path === "/responses") {
        row["texts.arrow downloaded (since navigation)"] = ms(await fetched(page, "texts"));
        row[`${path}: open (frame after the last DOM change)`] += ` (${(await page.locator('[data-testid="response-count"]').textContent())?.trim()})`;
        // Full-text search: from the input event (the page debounces it by 150 ms) to the frame
        // after the answer count changed. Three queries: two that match, one that matches nothing.
        const searches = await page.evaluate(
          async ({queries, timeout}) => {
            const count = () => document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
            const input = document.querySelector<HTMLInputElement>('[data-testid="response-search"]');
            if (!input) throw new Error("no response-search input");
            const out: {query: string; count: string; ms: number | null}[] = [];
            for (const query of queries) {
              const before = count();
              const t0 = performance.now();
              const done = await new Promise<number | null>((resolve) => {
                const timer = setTimeout(() => (obs.disconnect(), resolve(null)), timeout);
                const obs = new MutationObserver(() => {
                  if (count() === before) return;
                  obs.disconnect();
                  clearTimeout(timer);
                  requestAnimationFrame(() => resolve(performance.now() - t0));
                });
                obs.observe(document.body, {subtree: true, childList: true, characterData: true});
                input.value = query;
                input.dispatchEvent(new Event("input", {bubbles: true}));
              });
              out.push({query, count: count(), ms: done});
            }
            return out;
          },
          {queries: ["seize", "doctor", "zzqx"], timeout: 60_000},
        );
        raw[`${n}:searches`] = searches;
        row["/responses: search, input to new count + frame (per query)"] =
          searches.map((x) => `${ms(x.ms)}`).join(", ") + ` (${searches.map((x) => `"${x.query}": ${x.count.split(" ")[0]}`).join(", ")})`;
      }
      row[`${path}: heap after load`] = heapText(await heap(browser, page));
      log(`${n}: ${path} ${ms(settled)}`);
      problems.push(describeProblems(p));
      await close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const text = problems.filter(Boolean).join("\n");
  if (text) notes.push(`${n.toLocaleString("en")} responses, browser problems:\n${text}`);
}

/** Copy dist/ to `dest`; retried (at most 6 times, 10 s apart) while a concurrent build leaves it incomplete. */
async function copySite(dest: string): Promise<string> {
  const needed = ["sensitivity.html", "responses.html", "transitions.html", "categories.html"];
  for (let attempt = 1; ; attempt++) {
    rmSync(dest, {recursive: true, force: true});
    try {
      cpSync(join(ROOT, "dist"), dest, {recursive: true});
      for (const page of needed) if (!existsSync(join(dest, page))) throw new Error(`no ${page}`);
      for (const [stem, ext] of [
        ["points", "arrow"],
        ["texts", "arrow"],
        ["details", "arrow"],
        ["summary", "json"],
      ] as const)
        dataFile(dest, stem, ext);
      return dest;
    } catch (error) {
      if (attempt >= 6) throw new Error(`dist/ is incomplete (${(error as Error).message}); run npm run build and retry`);
      log(`dist/ incomplete (${(error as Error).message}), maybe a build is running; retrying in 10 s`);
      await new Promise((r) => setTimeout(r, 10_000));
    }
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  if (BROWSER && !existsSync(join(ROOT, "dist/index.html"))) {
    log("dist/ missing: npm run build");
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], {cwd: ROOT, stdio: ["ignore", "ignore", "inherit"]});
    if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
  }
  const tmp = mkdtempSync(join(os.tmpdir(), "em-site-bench-"));
  try {
    for (const n of SIZES) {
      let site: string | null = null;
      if (BROWSER) {
        site = await copySite(join(tmp, `site-${n}`));
      }
      const row = buildTables(n, site);
      results.set(n, row);
      if (BROWSER && site) {
        await browserRun(n, site, row);
        if (process.env.KEEP !== "1") rmSync(site, {recursive: true, force: true});
      }
    }
  } finally {
    if (process.env.KEEP === "1") log(`kept ${tmp}`);
    else rmSync(tmp, {recursive: true, force: true});
  }

  const cpu = os.cpus();
  console.log(
    `Site benchmark: ${SIZES.map((n) => n.toLocaleString("en")).join(" and ")} synthetic responses x 2 judges (bench/synthetic.ts); ` +
      `Node ${process.version}; ${cpu.length} x ${cpu[0]?.model ?? "cpu"}; ${mb(os.totalmem())} RAM; ${new Date().toISOString().slice(0, 10)}; ` +
      `total ${ms(performance.now() - started)}\n`,
  );
  const labels = [...new Set([...results.values()].flatMap((r) => Object.keys(r)))];
  console.log(`| measure | ${SIZES.map((n) => `${n.toLocaleString("en")} responses`).join(" | ")} |`);
  console.log(`|---|${SIZES.map(() => "---:").join("|")}|`);
  for (const label of labels) console.log(`| ${label} | ${SIZES.map((n) => results.get(n)?.[label] ?? "").join(" | ")} |`);
  for (const note of notes) console.log(`\n${note}`);
  if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify({sizes: SIZES, results: Object.fromEntries(results), raw, notes}, null, 2));
}

await main();
