// Where a step brush on /responses spends its time, on a built site (issue 28: brush to the list p95
// <= 50 ms at a million answers). Opens /responses in headless Chromium, waits for the live list,
// then makes REPS brush gestures on the step strip as bench/site.bench.ts does (mousedown, two
// moves, mouseup; ranges alternate), each timed from the mouseup to the frame after the answer
// count changed. A Chromium trace (CDP Tracing) over the gestures gives, per brush window (mouseup
// to that frame), the main thread's time by event kind (script, garbage collection, style, layout,
// paint...) and the JavaScript functions with the most self time (the trace's sampling profile).
//
//   SITE_DIST=/tmp/em-site-bench-xyz/site-b-1000000 SITE_EXPERIMENT=sweep-b-1000000 \
//     node --import tsx bench/profile-brush.ts
//
// Env: SITE_DIST (a built site: dist/, or a site bench copy kept with KEEP=1); SITE_EXPERIMENT
// (default: the page's own); REPS (brushes, default 12); TRACE=0 (times only, no trace: what the
// bench measures, without the tracing's own cost).
import {serveStatic} from "../loaders/static-server.ts";
import {launch} from "../test/helpers/browser.ts";
import {waitForPage} from "../test/helpers/site.ts";
import type {TraceEvent as Trace} from "./trace-page.ts";

const dist = process.env.SITE_DIST;
const experiment = process.env.SITE_EXPERIMENT;
const REPS = Number(process.env.REPS ?? 12);
const TRACE = process.env.TRACE !== "0";
if (!dist) throw new Error("set SITE_DIST (a built site)");

type TraceEvent = Trace & {id?: string};

const server = await serveStatic(dist);
const browser = await launch();
try {
  // One page in its own context (cold), generous timeouts: a million rows on a shared machine.
  const page = await browser.newPage({viewport: {width: 1280, height: 1000}});
  const context = page.context();
  page.setDefaultTimeout(300_000);
  await page.addInitScript({content: "globalThis.__name = (f) => f;"});
  await page.goto(`${server.url}/responses${experiment ? `?experiment=${encodeURIComponent(experiment)}` : ""}`);
  await page.waitForSelector('[data-testid="responses-live"] [data-testid="response-count"]');
  await page.waitForSelector('[data-testid="step-strip"] [data-testid="step-brush"] .overlay', {state: "attached"});
  await waitForPage(page, 300_000);
  const cdp = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
  if (TRACE)
    await cdp.send("Tracing.start", {
      transferMode: "ReportEvents",
      traceConfig: {
        includedCategories: [
          "toplevel",
          "devtools.timeline",
          "disabled-by-default-devtools.timeline",
          "v8",
          "blink.user_timing",
          "disabled-by-default-v8.cpu_profiler",
        ],
      },
    });
  const times = await page.evaluate(async (reps) => {
    const overlay = document.querySelector<SVGRectElement>('[data-testid="step-strip"] [data-testid="step-brush"] .overlay')!;
    const box = overlay.getBoundingClientRect();
    const count = () => document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
    // The site bench's gesture: press at a, move half-way, then to b, release at b (timed from the release).
    const at = (type: string, x: number) =>
      new MouseEvent(type, {
        bubbles: true,
        cancelable: true,
        view: window,
        clientX: x,
        clientY: box.top + box.height / 2,
        button: 0,
        buttons: type === "mouseup" ? 0 : 1,
      });
    const out: {ms: number; sync: number; n: string}[] = [];
    for (let i = 0; i < reps; i++) {
      const a = box.left + box.width * (i % 2 ? 0.1 : 0.45);
      const b = box.left + box.width * (i % 2 ? 0.55 + (i % 5) * 0.05 : 0.9);
      overlay.dispatchEvent(at("mousedown", a));
      for (const x of [(a + b) / 2, b]) window.dispatchEvent(at("mousemove", x));
      const before = count();
      const t0 = performance.now();
      performance.mark(`brush-up-${i}`);
      const changed = new Promise<void>((resolve) => {
        const obs = new MutationObserver(() => {
          if (count() === before) return;
          obs.disconnect();
          requestAnimationFrame(() => resolve());
        });
        obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
      });
      window.dispatchEvent(at("mouseup", b));
      const sync = performance.now() - t0;
      await changed;
      out.push({ms: performance.now() - t0, sync, n: count().split(" ")[0]!});
      performance.mark(`brush-frame-${i}`);
      await new Promise((r) => setTimeout(r, 400));
    }
    return out;
  }, REPS);
  console.log(JSON.stringify({brushes: times.map((t) => ({ms: +t.ms.toFixed(1), sync: +t.sync.toFixed(1), n: t.n}))}));
  if (TRACE) {
    await cdp.send("Tracing.end");
    await complete;
    report(events);
  }
} finally {
  await browser.close();
  await server.close();
}

/** Per brush window (the marks brush-up-i .. brush-frame-i): main-thread time by event kind, and JS self time by function. */
function report(events: TraceEvent[]): void {
  const marks = new Map<string, TraceEvent>();
  for (const e of events) if (e.cat.includes("blink.user_timing") && /^brush-(up|frame)-\d+$/.test(e.name)) marks.set(e.name, e);
  const up0 = marks.get("brush-up-0");
  if (!up0) throw new Error("no brush marks in the trace");
  const pid = up0.pid;
  const tid = events.find((e) => e.ph === "M" && e.name === "thread_name" && e.pid === pid && e.args?.name === "CrRendererMain")?.tid;
  const windows: [number, number][] = [];
  for (let i = 0; marks.has(`brush-up-${i}`); i++) windows.push([marks.get(`brush-up-${i}`)!.ts, marks.get(`brush-frame-${i}`)?.ts ?? Infinity]);
  const inWindow = (ts: number) => windows.some(([a, b]) => ts >= a && ts <= b);
  // Leaf kinds: the innermost complete events on the main thread, clipped to the windows.
  const main = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === "X" && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const kinds = new Map<string, number>();
  for (const e of main) {
    if (["RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask"].includes(e.name)) continue;
    let overlap = 0;
    for (const [a, b] of windows) overlap += Math.max(0, Math.min(b, e.ts + e.dur!) - Math.max(a, e.ts));
    if (overlap > 0) kinds.set(e.name, (kinds.get(e.name) ?? 0) + overlap / 1000);
  }
  console.log(`\nmain-thread events in the ${windows.length} brush windows (ms per brush, inclusive of nested events):`);
  for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(v / windows.length).toFixed(2).padStart(8)}  ${k}`);
  // The sampling profile's JS self time in the windows.
  type Node = {id: number; parent?: number; callFrame: {functionName: string; url: string; lineNumber: number}};
  const nodes = new Map<string, Map<number, Node>>();
  const self = new Map<string, number>();
  const starts = new Map<string, number>();
  const short = (u: string | undefined) => (u ?? "").replace(/^https?:\/\/[^/]+\//, "").replace(/\.[0-9a-f]{8,}\.js$/, ".js");
  for (const e of events) {
    if (e.pid !== pid) continue;
    const id = String(e.id);
    const data = e.args?.data as {startTime?: number; cpuProfile?: {nodes?: Node[]; samples?: number[]}; timeDeltas?: number[]} | undefined;
    if (e.name === "Profile" && data?.startTime !== undefined) starts.set(id, data.startTime);
    if (e.name !== "ProfileChunk" || !data) continue;
    const map = nodes.get(id) ?? new Map<number, Node>();
    nodes.set(id, map);
    for (const n of data.cpuProfile?.nodes ?? []) map.set(n.id, n);
    let ts = starts.get(id) ?? 0;
    const samples = data.cpuProfile?.samples ?? [];
    for (let i = 0; i < samples.length; i++) {
      ts += data.timeDeltas?.[i] ?? 0;
      const w = (data.timeDeltas?.[i + 1] ?? 100) / 1000;
      if (!inWindow(ts)) continue;
      const n = map.get(samples[i]!);
      if (!n || n.callFrame.functionName === "(idle)") continue;
      const k = `${n.callFrame.functionName || "(anonymous)"} ${short(n.callFrame.url) || "-"}:${n.callFrame.lineNumber + 1}`;
      self.set(k, (self.get(k) ?? 0) + w);
    }
    starts.set(id, ts);
  }
  console.log("\nJavaScript self time in the windows (ms per brush):");
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(v / windows.length).toFixed(2).padStart(8)}  ${k}`);
}
