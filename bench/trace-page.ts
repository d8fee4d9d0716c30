// What a page does before its first number (issue 28: why is /sensitivity's first number slower on
// one data set than on another, or on one commit than on another?). Opens a page of a built site in
// headless Chromium, cold (fresh context), records a Chromium performance trace (CDP Tracing, the
// Performance panel's categories) until the frame after the first number, and prints, as times
// since navigation start: every request (sent, finished, bytes) and every main-thread task of 3 ms
// or more with what it ran (script evaluation, function calls, compiles, garbage collection,
// layout), then the main thread's busy time before the first number by kind.
//
//   SITE_DIST=/tmp/site PAGE='/sensitivity?experiment=synthetic&judge=strict&by=model' \
//     node --import tsx bench/trace-page.ts
//
// Env: SITE_DIST (a built site: dist/, or a site bench copy kept with KEEP=1); PAGE (path and query;
// default /sensitivity); FIRST (CSS selector whose text must hold a digit: the first number;
// default [data-testid="em-rate"]); AFTER_MS (keep tracing this long after the first frame,
// default 0); TRACE_OUT (write the raw trace events there, for chrome://tracing or Perfetto).
import {readFileSync, writeFileSync} from "node:fs";
import {serveStatic} from "../loaders/static-server.ts";
import {launch} from "../test/helpers/browser.ts";
import {EM_RATE, firstNumberMarks} from "./lib/first-mark.ts";

const dist = process.env.SITE_DIST;
const path = process.env.PAGE ?? "/sensitivity";
const FIRST = process.env.FIRST ?? EM_RATE;
const AFTER_MS = Number(process.env.AFTER_MS ?? 0);
if (!dist && !process.env.TRACE_IN) throw new Error("set SITE_DIST (a built site), or TRACE_IN (a trace written with TRACE_OUT)");

export interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: {name?: string; data?: Record<string, unknown>; [k: string]: unknown};
}

const CATEGORIES = [
  "toplevel",
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "v8.execute",
  "v8",
  "blink.user_timing",
  "loading",
  "disabled-by-default-v8.cpu_profiler",
];

const saved = process.env.TRACE_IN;
if (saved) {
  // Report on a trace written before (TRACE_OUT), without a browser.
  const t = JSON.parse(readFileSync(saved, "utf8")) as {traceEvents: TraceEvent[]; marks: Record<string, number | null>; origin: string};
  report(t.traceEvents, t.marks, t.origin);
} else await traced();

async function traced(): Promise<void> {
  const server = await serveStatic(dist!);
  const browser = await launch();
  try {
    const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
    const page = await context.newPage();
    page.setDefaultTimeout(180_000);
    await page.addInitScript({content: "globalThis.__name = (f) => f;"});
    await page.addInitScript(firstNumberMarks, FIRST);
    const cdp = await context.newCDPSession(page);
    const events: TraceEvent[] = [];
    cdp.on("Tracing.dataCollected", (e) => events.push(...(e.value as unknown as TraceEvent[])));
    const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
    await cdp.send("Tracing.start", {transferMode: "ReportEvents", traceConfig: {includedCategories: CATEGORIES}});
    await page.goto(`${server.url}${path}`, {waitUntil: "commit"});
    await page.waitForFunction(() => performance.getEntriesByName("em-first-frame").length > 0, undefined, {timeout: 180_000});
    if (AFTER_MS > 0) await page.waitForTimeout(AFTER_MS);
    const marks = await page.evaluate(() =>
      Object.fromEntries(["em-first", "em-first-frame"].map((n) => [n, performance.getEntriesByName(n)[0]?.startTime ?? null])),
    );
    await cdp.send("Tracing.end");
    await complete;
    if (process.env.TRACE_OUT) writeFileSync(process.env.TRACE_OUT, JSON.stringify({traceEvents: events, marks, origin: server.url}));
    report(events, marks as Record<string, number | null>, server.url);
  } finally {
    await browser.close();
    await server.close();
  }
}

function report(events: TraceEvent[], marks: Record<string, number | null>, origin: string): void {
  // The page's renderer: the one whose navigationStart names the server's URL.
  const nav = events.find(
    (e) => e.name === "navigationStart" && String((e.args?.data as {documentLoaderURL?: string} | undefined)?.documentLoaderURL ?? "").startsWith(origin),
  );
  if (!nav) throw new Error("no navigationStart for the page in the trace");
  const t0 = nav.ts;
  const at = (ts: number) => (ts - t0) / 1000;
  const firstFrame = marks["em-first-frame"] ?? Number.POSITIVE_INFINITY;
  const end = firstFrame + AFTER_MS;
  const short = (url: string | undefined) => (url ?? "").replace(origin, "").replace(/^\/_(import|file|observablehq|node)\//, "$1/");
  const ms = (x: number) => x.toFixed(1).padStart(7);
  console.log(`page ${path}: first number at ${marks["em-first"]?.toFixed(1)} ms, its frame at ${marks["em-first-frame"]?.toFixed(1)} ms (performance.now)`);

  // Requests: sent, response, finished, encoded bytes.
  const sent = new Map<string, {url: string; sent: number; response?: number; finish?: number; bytes?: number}>();
  for (const e of events) {
    const d = e.args?.data as {requestId?: string; url?: string; encodedDataLength?: number; finishTime?: number} | undefined;
    if (!d?.requestId || e.pid !== nav.pid) continue;
    if (e.name === "ResourceSendRequest" && d.url) sent.set(d.requestId, {url: d.url, sent: at(e.ts)});
    const r = sent.get(d.requestId);
    if (!r) continue;
    if (e.name === "ResourceReceiveResponse") r.response = at(e.ts);
    if (e.name === "ResourceFinish") {
      r.finish = d.finishTime ? (d.finishTime * 1e6 - t0) / 1000 : at(e.ts);
      r.bytes = d.encodedDataLength;
    }
  }
  console.log("\nrequests (ms since navigation start: sent, first response byte, finished; encoded bytes)");
  for (const r of [...sent.values()].sort((a, b) => a.sent - b.sent))
    if (r.sent <= end)
      console.log(
        `${ms(r.sent)} ${r.response === undefined ? "      -" : ms(r.response)} ${r.finish === undefined ? "      -" : ms(r.finish)} ${String(r.bytes ?? "").padStart(9)}  ${short(r.url)}`,
      );

  // Main-thread tasks of the page's renderer up to the first frame.
  const mainTid = events.find((e) => e.ph === "M" && e.name === "thread_name" && e.pid === nav.pid && e.args?.name === "CrRendererMain")?.tid;
  const main = events
    .filter((e) => e.pid === nav.pid && e.tid === mainTid && e.ph === "X" && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // Top-level tasks only (a RunTask may sit inside another one's event).
  const tasks: TraceEvent[] = [];
  for (const e of main)
    if ((e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") && !(tasks.length && e.ts < tasks.at(-1)!.ts + tasks.at(-1)!.dur!)) tasks.push(e);
  const what = (e: TraceEvent): string => {
    const d = (e.args?.data ?? {}) as {url?: string; functionName?: string; type?: string; fileName?: string};
    const url = d.url ?? d.fileName;
    return `${e.name}${d.functionName ? ` ${d.functionName}` : ""}${d.type ? ` ${d.type}` : ""}${url ? ` ${short(url)}` : ""}`;
  };
  console.log("\nmain-thread tasks of 3 ms or more (start, duration ms; the children of 1 ms or more inside each)");
  const busy = new Map<string, number>();
  let busyTotal = 0;
  // Events inside a task: the tasks and the events are both in time order, so one cursor walks the
  // events; then one pass with a stack of the open events (a child is direct when no other child
  // is open around it).
  let cursor = 0;
  for (const t of tasks) {
    const start = at(t.ts);
    if (start > end) break;
    const inside: TraceEvent[] = [];
    while (cursor < main.length && main[cursor]!.ts < t.ts) cursor++;
    for (let i = cursor; i < main.length && main[i]!.ts <= t.ts + t.dur!; i++) {
      const e = main[i]!;
      if (e !== t && e.name !== "RunTask" && e.name !== "ThreadControllerImpl::RunTask" && e.ts + e.dur! <= t.ts + t.dur!) inside.push(e);
    }
    const direct: TraceEvent[] = [];
    const open: TraceEvent[] = [];
    for (const e of inside) {
      while (open.length && open.at(-1)!.ts + open.at(-1)!.dur! <= e.ts) open.pop();
      if (!open.length) direct.push(e);
      open.push(e);
    }
    if (start + t.dur! / 1000 <= firstFrame) {
      busyTotal += t.dur! / 1000;
      let covered = 0;
      for (const c of direct) {
        busy.set(c.name, (busy.get(c.name) ?? 0) + c.dur! / 1000);
        covered += c.dur! / 1000;
      }
      busy.set("(task, not in a traced child)", (busy.get("(task, not in a traced child)") ?? 0) + t.dur! / 1000 - covered);
    }
    if (t.dur! < 3000) continue;
    console.log(`${ms(start)} ${ms(t.dur! / 1000)}  task`);
    for (const c of inside.filter((e) => e.dur! >= 1000).slice(0, 12)) console.log(`${ms(at(c.ts))} ${ms(c.dur! / 1000)}    ${what(c)}`);
  }
  console.log(`\nmain thread busy before the first frame: ${busyTotal.toFixed(1)} ms in tasks, by kind (direct children of the tasks):`);
  for (const [k, v] of [...busy].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${ms(v)}  ${k}`);
  cpuProfile(events, nav.pid, mainTid, at, firstFrame, short);
}

interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
}

/**
 * The main thread's JavaScript before the first frame, from the trace's sampling profile (the
 * Performance panel's call tree): self and total (with callees) milliseconds per function.
 */
function cpuProfile(
  events: TraceEvent[],
  pid: number,
  tid: number | undefined,
  at: (ts: number) => number,
  until: number,
  short: (url: string | undefined) => string,
): void {
  const profiles = new Map<string, {start: number; nodes: Map<number, ProfileNode>; samples: number[]; deltas: number[]}>();
  // Profile events sit on the profiled thread; their chunks may come from the sampler's thread.
  const mainProfiles = new Set(events.filter((e) => e.name === "Profile" && e.pid === pid && e.tid === tid).map((e) => String((e as {id?: string}).id)));
  for (const e of events) {
    const id = String((e as {id?: string}).id);
    if (e.pid !== pid || !mainProfiles.has(id)) continue;
    const data = e.args?.data as {startTime?: number; cpuProfile?: {nodes?: ProfileNode[]; samples?: number[]}; timeDeltas?: number[]} | undefined;
    if (e.name === "Profile" && data?.startTime !== undefined) profiles.set(id, {start: data.startTime, nodes: new Map(), samples: [], deltas: []});
    const p = profiles.get(id);
    if (e.name !== "ProfileChunk" || !p || !data) continue;
    for (const n of data.cpuProfile?.nodes ?? []) p.nodes.set(n.id, n);
    p.samples.push(...(data.cpuProfile?.samples ?? []));
    p.deltas.push(...(data.timeDeltas ?? []));
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${short(n.callFrame.url) || "-"}:${n.callFrame.lineNumber + 1}`;
  let sampled = 0;
  for (const p of profiles.values()) {
    let ts = p.start;
    for (let i = 0; i < p.samples.length; i++) {
      ts += p.deltas[i] ?? 0;
      const next = ts + (p.deltas[i + 1] ?? 0);
      const t = at(ts);
      if (t < 0 || t > until) continue;
      const node = p.nodes.get(p.samples[i]!);
      if (!node || node.callFrame.functionName === "(idle)" || node.callFrame.functionName === "(program)") continue;
      const w = (next - ts) / 1000;
      sampled += w;
      self.set(name(node), (self.get(name(node)) ?? 0) + w);
      const seen = new Set<string>();
      for (let n: ProfileNode | undefined = node; n; n = n.parent === undefined ? undefined : p.nodes.get(n.parent)) {
        const k = name(n);
        if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + w), seen.add(k);
      }
    }
  }
  if (!profiles.size) return console.log("\n(no sampling profile in the trace)");
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  console.log(`\nJavaScript and GC samples before the first frame: ${sampled.toFixed(1)} ms; by self time:`);
  for (const [f, v] of top(self, 20)) console.log(`${v.toFixed(1).padStart(7)}  ${f}`);
  console.log("by total time (with callees):");
  for (const [f, v] of top(total, 30)) console.log(`${v.toFixed(1).padStart(7)}  ${f}`);
}
