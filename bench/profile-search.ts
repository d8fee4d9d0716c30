// Where a /responses search spends its time, on a built site (issue 28: search p95 <= 300 ms, first
// search included). Opens /responses in headless Chromium, loads the points (the controls' button,
// as bench/site.bench.ts does), then types the site bench's queries one at a time, each timed from
// the input event (the page's debounce included) to the frame after the answer count changed, with
// 300 ms of quiet between them. PROFILE=1 adds a CDP CPU profile per query and prints its functions
// with the most self time (the profiler's own cost is then in the times: compare times without it).
//
//   SITE_DIST=/tmp/em-import-scale-b-10000000/dist SITE_EXPERIMENT=sweep-b-10000000 \
//     node --import tsx bench/profile-search.ts
//
// Env: SITE_DIST (a built site); SITE_EXPERIMENT (default: the page's own); REPS (queries, default
// 20, the site bench's); QUERIES (comma-separated, instead of the bench's); PROFILE=1; TOP (functions
// listed per query, default 8). Prints one JSON
// line: per query its text, the count shown, the milliseconds and the main thread's busy time over
// the query and the 300 ms after it (mainMs).
import {serveStatic} from "../loaders/static-server.ts";
import {launch} from "../test/helpers/browser.ts";
import {waitForPage} from "../test/helpers/site.ts";

const dist = process.env.SITE_DIST;
const experiment = process.env.SITE_EXPERIMENT;
const REPS = Number(process.env.REPS ?? 20);
const PROFILE = process.env.PROFILE === "1";
const TOP = Number(process.env.TOP ?? 8);
if (!dist) throw new Error("set SITE_DIST (a built site)");

/** The site bench's queries (bench/site.bench.ts responsesPage), then "" to clear. */
export function benchQueries(reps: number): string[] {
  const words = ["seize", "doctor", "zzqx", "money", "advice"];
  return Array.from({length: Math.max(3, reps)}, (_, i) => words[i % words.length]! + (i >= words.length ? ` ${words[(i + 2) % words.length]}` : ""));
}

type Node = {id: number; callFrame: {functionName: string; url: string; lineNumber: number}};

const server = await serveStatic(dist);
const browser = await launch();
try {
  const page = await browser.newPage({viewport: {width: 1280, height: 1000}});
  page.setDefaultTimeout(600_000);
  await page.addInitScript({content: "globalThis.__name = (f) => f;"});
  await page.goto(`${server.url}/responses${experiment ? `?experiment=${encodeURIComponent(experiment)}` : ""}`);
  await waitForPage(page, 600_000);
  const load = page.locator('[data-testid="responses-load"]');
  if ((await load.count()) && (await load.isEnabled())) await load.click();
  for (const hook of ['[data-testid="responses-live"]', '[data-testid="response-search"]']) await page.waitForSelector(hook, {state: "attached"});
  await waitForPage(page, 600_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  // The renderer main thread's busy time (CDP Performance TaskDuration), in ms: what a query costs
  // the page, less sensitive to the machine's load than the wall time.
  const busy = async () => {
    const {metrics} = (await cdp.send("Performance.getMetrics")) as {metrics: {name: string; value: number}[]};
    return (metrics.find((m) => m.name === "TaskDuration")?.value ?? NaN) * 1000;
  };
  if (PROFILE) await cdp.send("Profiler.enable");
  const out: {query: string; count: string; ms: number | null; mainMs: number}[] = [];
  const queries = process.env.QUERIES ? process.env.QUERIES.split(",") : benchQueries(REPS);
  for (const query of [...queries, ""]) {
    if (PROFILE) await cdp.send("Profiler.start");
    const busy0 = await busy();
    const r = await page.evaluate(async (query) => {
      const count = () => document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
      const input = document.querySelector<HTMLInputElement>('[data-testid="response-search"]')!;
      const before = count();
      const t0 = performance.now();
      const ms = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => (obs.disconnect(), resolve(null)), 60_000);
        const obs = new MutationObserver(() => {
          if (count() === before) return;
          obs.disconnect();
          clearTimeout(timer);
          requestAnimationFrame(() => resolve(performance.now() - t0));
        });
        obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
        input.value = query;
        input.dispatchEvent(new Event("input", {bubbles: true}));
      });
      return {query, count: count(), ms: ms === null ? null : Math.round(ms * 10) / 10};
    }, query);
    await page.waitForTimeout(300);
    out.push({...r, mainMs: Math.round((await busy()) - busy0)});
    if (PROFILE) {
      const {profile} = (await cdp.send("Profiler.stop")) as unknown as {profile: {nodes: Node[]; samples: number[]; timeDeltas: number[]}};
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      profile.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const name = `${f.functionName || "(anonymous)"} ${f.url.replace(/^https?:\/\/[^/]+\//, "").replace(/\.[0-9a-f]{8}\.js$/, ".js")}:${f.lineNumber + 1}`;
        self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      });
      const top = [...self]
        .filter(([k]) => !k.startsWith("(idle)"))
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP);
      console.error(`"${query}" ${r.ms} ms, ${r.count.split(" ")[0]}: ${top.map(([k, v]) => `${v.toFixed(0)} ${k}`).join(" | ")}`);
    }
  }
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
  await server.close();
}
