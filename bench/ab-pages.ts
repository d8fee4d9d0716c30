// Same-window A/B of two built sites on the same data (issue 28: on a shared machine a page timing
// means something only beside the alternative's, measured in the same minutes): each round opens
// the page on every site in turn (the order alternates between rounds), each in a fresh browser
// context (cold), and the sites are served by this process on 127.0.0.1. Prints per site the
// median and p95 (nearest rank) and the load average before and after.
//
//   SITES=main=/tmp/a,branch=/tmp/b MEASURE=first ROUNDS=10 node --import tsx bench/ab-pages.ts
//
// MEASURE=first: /sensitivity (PAGE, default '/sensitivity?experiment=synthetic&judge=strict&by=model'),
// navigation start to the frame after the first number (bench/lib/first-mark.ts), as the site
// bench's "EM rate shown". MEASURE=settled: the same page, navigation start to the frame after its
// last DOM change once it has settled (test/helpers/site.ts waitForPage), as the site bench's "all
// charts done" (issue 28's "live cuts ready"). MEASURE=search: /responses (PAGE, default '/responses?experiment=synthetic'),
// QUERIES (comma-separated, default the site bench's words, each once) typed as one input event
// each, from the event to the frame after the answer count changed (debounce included), the first
// search of the page included; the queries' times of every round are pooled per site.
// MEASURE=threshold: /sensitivity (PAGE, as for first), once settled, the site bench's threshold
// changes (bench/site.bench.ts: REPS + 1 input events on aligned-threshold, default 20 + 1, the
// first switching the rule to custom and not counted), each from the event to the frame after the
// last DOM change, the next one once the DOM has been quiet for 300 ms: the site bench's "every view
// redrawn"; the changes of every round are pooled per site.
// To put the same data under two builds, copy a site bench site (KEEP=1) and overwrite the other
// build's dist/_file/data files by stem (bench/lib/site-files.ts names them).
import {loadavg} from "node:os";
import type {Browser} from "playwright-core";
import {serveStatic, type StaticServer} from "../loaders/static-server.ts";
import {launch} from "../test/helpers/browser.ts";
import {waitForPage} from "../test/helpers/site.ts";
import {dist, fmtMs} from "./lib/results.ts";
import {EM_RATE, firstNumberMarks} from "./lib/first-mark.ts";
import {thresholdValues} from "./lib/sensitivity-page.ts";

const SITES = (process.env.SITES ?? "")
  .split(",")
  .filter(Boolean)
  .map((s) => {
    const at = s.indexOf("=");
    if (at < 1) throw new Error(`SITES: name=dir pairs, comma-separated; got '${s}'`);
    return {name: s.slice(0, at), dir: s.slice(at + 1)};
  });
if (SITES.length < 2) throw new Error("SITES: at least two name=dir pairs");
const MEASURE = process.env.MEASURE ?? "first";
if (!["first", "settled", "search", "threshold"].includes(MEASURE)) throw new Error(`MEASURE: first, settled, search or threshold, got '${MEASURE}'`);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const PAGE = process.env.PAGE ?? (MEASURE !== "search" ? "/sensitivity?experiment=synthetic&judge=strict&by=model" : "/responses?experiment=synthetic");
const QUERIES = (process.env.QUERIES ?? "seize,doctor,zzqx,money,advice,seize zzqx,doctor money,money seize").split(",");
const TIMEOUT = 180_000;

async function firstNumber(browser: Browser, server: StaticServer): Promise<number[]> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  try {
    const page = await context.newPage();
    await page.addInitScript(firstNumberMarks, EM_RATE);
    await page.goto(`${server.url}${PAGE}`, {waitUntil: "commit"});
    await page.waitForFunction(() => performance.getEntriesByName("em-first-frame").length > 0, undefined, {timeout: TIMEOUT});
    return [await page.evaluate(() => performance.getEntriesByName("em-first-frame")[0]!.startTime)];
  } finally {
    await context.close();
  }
}

/** In the page: the time of the frame after the latest DOM change (window.__emLastPaint). */
function lastPaintMarks(): void {
  const w = window as unknown as {__emLastPaint: number};
  w.__emLastPaint = 0;
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    // After the frame's rendering (as the site bench's recorders): a message posted from the callback.
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        queued = false;
        w.__emLastPaint = performance.now();
      };
      ch.port2.postMessage(0);
    });
  }).observe(document, {subtree: true, childList: true, characterData: true});
}

async function settled(browser: Browser, server: StaticServer): Promise<number[]> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  try {
    const page = await context.newPage();
    await page.addInitScript(lastPaintMarks);
    await page.goto(`${server.url}${PAGE}`, {waitUntil: "commit"});
    await waitForPage(page, TIMEOUT);
    return [await page.evaluate(() => (window as unknown as {__emLastPaint: number}).__emLastPaint)];
  } finally {
    await context.close();
  }
}

const REPS = Number(process.env.REPS ?? 20);

async function thresholdChanges(browser: Browser, server: StaticServer): Promise<number[]> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.addInitScript({content: "globalThis.__name = (f) => f;"});
    await page.addInitScript(lastPaintMarks);
    await page.goto(`${server.url}${PAGE}`);
    await page.waitForSelector('[data-testid="aligned-threshold"]');
    await waitForPage(page, TIMEOUT);
    const values = thresholdValues(REPS);
    const out = await page.evaluate(async (values) => {
      const w = window as unknown as {__emLastPaint: number};
      const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]')!;
      const last = {mutation: 0};
      new MutationObserver(() => (last.mutation = performance.now())).observe(document, {subtree: true, childList: true, characterData: true});
      const out: number[] = [];
      for (const v of values) {
        const t0 = performance.now();
        w.__emLastPaint = t0;
        last.mutation = t0;
        input.value = String(v);
        input.dispatchEvent(new Event("input", {bubbles: true}));
        while (performance.now() - last.mutation < 300) await new Promise((r) => setTimeout(r, 50));
        out.push(w.__emLastPaint - t0);
      }
      return out;
    }, values);
    return out.slice(1);
  } finally {
    await context.close();
  }
}

async function searches(browser: Browser, server: StaticServer): Promise<number[]> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.addInitScript({content: "globalThis.__name = (f) => f;"});
    await page.goto(`${server.url}${PAGE}`);
    for (const hook of ['[data-testid="responses-live"]', '[data-testid="response-search"]']) await page.waitForSelector(hook, {state: "attached"});
    await waitForPage(page, TIMEOUT);
    return await page.evaluate(async (queries) => {
      const input = document.querySelector<HTMLInputElement>('[data-testid="response-search"]')!;
      const count = () => document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
      const out: number[] = [];
      for (const q of queries) {
        const before = count();
        const ms = await new Promise<number>((resolve, reject) => {
          const t0 = performance.now();
          const timer = setTimeout(() => reject(new Error(`search '${q}': the answer count did not change in 60 s`)), 60_000);
          const obs = new MutationObserver(() => {
            if (count() === before) return;
            obs.disconnect();
            clearTimeout(timer);
            requestAnimationFrame(() => {
              const ch = new MessageChannel();
              ch.port1.onmessage = () => resolve(performance.now() - t0);
              ch.port2.postMessage(0);
            });
          });
          obs.observe(document.body, {subtree: true, childList: true, characterData: true});
          input.value = q;
          input.dispatchEvent(new Event("input", {bubbles: true}));
        });
        out.push(ms);
        // Let the list fetch and draw its answers before the next query.
        await new Promise((r) => setTimeout(r, 400));
      }
      return out;
    }, QUERIES);
  } finally {
    await context.close();
  }
}

const servers = await Promise.all(SITES.map((s) => serveStatic(s.dir)));
const browser = await launch();
const times = new Map<string, number[]>(SITES.map((s) => [s.name, []]));
const loadBefore = loadavg();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = SITES.map((_, k) => k);
    if (round % 2) order.reverse();
    for (const k of order) {
      const got = await (MEASURE === "first" ? firstNumber : MEASURE === "settled" ? settled : MEASURE === "threshold" ? thresholdChanges : searches)(
        browser,
        servers[k]!,
      );
      times.get(SITES[k]!.name)!.push(...got);
      process.stderr.write(`[ab] round ${round + 1} ${SITES[k]!.name}: ${got.map((x) => x.toFixed(0)).join(" ")}\n`);
    }
  }
} finally {
  await browser.close();
  await Promise.all(servers.map((s) => s.close()));
}
const loadAfter = loadavg();
console.log(
  `${MEASURE} on ${PAGE}, ${ROUNDS} rounds; load average before ${loadBefore.map((x) => x.toFixed(1)).join(" ")}, after ${loadAfter.map((x) => x.toFixed(1)).join(" ")}`,
);
for (const [name, xs] of times) {
  const d = dist(xs);
  console.log(`${name}: median ${fmtMs(d.median)}, p95 ${fmtMs(d.p95)}, min ${fmtMs(d.min)}, max ${fmtMs(d.max)} (n=${d.n})`);
}
