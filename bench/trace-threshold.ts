// Where each threshold change on /sensitivity spends its main-thread time (issue 28: "a threshold
// change to every view redrawn p95 <= 16 ms"): opens the page on a built site in headless Chromium,
// makes the site bench's sequence of changes (bench/site.bench.ts: an input event on
// aligned-threshold, the first one switching the rule to custom, then alternating far-apart cuts),
// records a Chromium performance trace (CDP Tracing) and prints per change the main thread's self
// time by kind: script, style (UpdateLayoutTree, with the elements restyled), layout (with the
// objects laid out), paint (PrePaint, Paint, Layerize, Commit...), GC and other; the style and
// layout forced inside script (a read of layout after a write), and, with INVALIDATIONS=1, which
// elements invalidated style or layout and why; STACKS=1: where the forced ones were forced. The split is in thread (CPU) time (WALL=1: wall
// time); the in-page times (sync, frame, settled) are wall times, as the site bench's.
//
//   SITE_DIST=dist node --import tsx bench/trace-threshold.ts
//   SITE_DIST=/tmp/site SITE_EXPERIMENT=sweep-b-1000000 SITE_JUDGE=gpt-4o-2024-08-06 node --import tsx bench/trace-threshold.ts
//
// Env: SITE_DIST (a built site); SITE_EXPERIMENT / SITE_JUDGE (default synthetic / strict); REPS
// (timed changes after the first, default 20); WAIT_MS (pause after each change's frame, default
// 400: the page's idle work, interval cache fill, runs then and is reported apart); INVALIDATIONS=1;
// EXTRA_CSS (a style sheet added before the changes: try containment without a build);
// TOP=n (per change, the n functions with the most self and total time up to the frame, sampled).
import {serveStatic} from "../loaders/static-server.ts";
import {launch} from "../test/helpers/browser.ts";
import {openSensitivity, thresholdValues} from "./lib/sensitivity-page.ts";
import type {TraceEvent} from "./trace-page.ts";

const dist = process.env.SITE_DIST;
const experiment = process.env.SITE_EXPERIMENT ?? "synthetic";
const judge = process.env.SITE_JUDGE ?? "strict";
const REPS = Number(process.env.REPS ?? 20);
const WAIT_MS = Number(process.env.WAIT_MS ?? 400);
const INVALIDATIONS = process.env.INVALIDATIONS === "1";
const TOP = Number(process.env.TOP ?? 0);
const WALL = process.env.WALL === "1";
if (!dist) throw new Error("set SITE_DIST (a built site)");

const CATEGORIES = [
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  // Stacks of forced layouts; it also records one at every timer and idle callback request, which
  // makes those calls cost milliseconds in the profile (not without tracing): on request only.
  ...(process.env.STACKS === "1" ? ["disabled-by-default-devtools.timeline.stack"] : []),
  "blink.user_timing",
  "v8",
  "disabled-by-default-v8.cpu_profiler",
  ...(INVALIDATIONS ? ["disabled-by-default-devtools.timeline.invalidationTracking"] : []),
];

/** A trace event's kind for the split (by name; events of no kind are "other"). */
function kindOf(name: string): string {
  if (/^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet|ScheduleStyleRecalculation)$/.test(name)) return "style";
  if (/^(Layout|UpdateLayerTree|HitTest|IntersectionObserverController::computeIntersections)$/.test(name)) return "layout";
  if (/^(PrePaint|Paint|PaintImage|Layerize|UpdateLayer|CompositeLayers|Commit|PaintSetup|RasterTask|Decode.*)$/.test(name)) return "paint";
  if (/GC|GarbageCollect|V8\.GC/.test(name)) return "gc";
  if (/^(FunctionCall|EventDispatch|TimerFire|FireAnimationFrame|FireIdleCallback|EvaluateScript|v8\.|V8\.|RunMicrotasks|v8\.callFunction|v8\.run)/.test(name))
    return "script";
  return "other";
}
const SCRIPT_PARENTS = /^(FunctionCall|EventDispatch|TimerFire|FireAnimationFrame|FireIdleCallback|EvaluateScript|RunMicrotasks|v8\.callFunction|v8\.run)/;

const server = await serveStatic(dist);
const browser = await launch();
try {
  const {context, page} = await openSensitivity(browser, server.url, experiment, judge);
  if (process.env.EXTRA_CSS) await page.addStyleTag({content: process.env.EXTRA_CSS});
  const cdp = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
  await cdp.send("Tracing.start", {transferMode: "ReportEvents", traceConfig: {includedCategories: CATEGORIES}});
  // The site bench's values: REPS + 1 changes, the first one switching the rule to custom.
  const values = thresholdValues(REPS);
  const inPage = await page.evaluate(
    async ({values, wait}) => {
      const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]')!;
      const out: {sync: number; frame: number; settled: number; pending: boolean}[] = [];
      // As the site bench's "every view redrawn": the frame after the last DOM change (childList or text) since the input event.
      let t = 0;
      let lastPaint = 0;
      let queued = false;
      new MutationObserver(() => {
        if (queued) return;
        queued = true;
        requestAnimationFrame(() => ((queued = false), (lastPaint = performance.now())));
      }).observe(document, {subtree: true, childList: true, characterData: true});
      for (let i = 0; i < values.length; i++) {
        performance.mark(`em-change-${i}`);
        t = lastPaint = performance.now();
        input.value = String(values[i]);
        input.dispatchEvent(new Event("input", {bubbles: true}));
        const sync = performance.now() - t;
        const pending = document.querySelector('[data-testid="sensitivity-kpis"]')?.getAttribute("data-em-loading") === "intervals";
        // rAF runs before the frame's style, layout and paint; a task posted from it runs after them.
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        const frame = performance.now() - t;
        performance.mark(`em-frame-${i}`);
        await new Promise((r) => setTimeout(r, wait));
        out.push({sync, frame, settled: lastPaint - t, pending});
      }
      performance.mark("em-end");
      return out;
    },
    {values, wait: WAIT_MS},
  );
  await cdp.send("Tracing.end");
  await complete;

  const mark = (name: string) => events.find((e) => e.name === name && e.cat.includes("blink.user_timing"));
  const first = mark("em-change-0");
  if (!first) throw new Error("no user timing marks in the trace");
  const pid = first.pid;
  const tid = first.tid;
  const main = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === "X" && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const instant = events.filter((e) => e.pid === pid && (e.ph === "I" || e.ph === "i" || e.ph === "R" || e.ph === "n"));
  /** An event's duration (ms): its thread (CPU) time, or its wall time with WALL=1 (on a loaded machine the wall time counts the waits for a core). */
  const ms = (e: TraceEvent) => ((WALL ? e.dur : ((e as {tdur?: number}).tdur ?? e.dur)) ?? 0) / 1000;
  /** Self time by kind over the events starting in [from, to), with the forced style / layout (inside script). */
  const split = (from: number, to: number) => {
    const by: Record<string, number> = {script: 0, style: 0, layout: 0, paint: 0, gc: 0, other: 0};
    let forced = 0;
    let forcedN = 0;
    const restyled: number[] = [];
    const laidOut: string[] = [];
    const forcedAt = new Map<string, number>();
    const names = new Map<string, number>();
    const open: TraceEvent[] = [];
    for (const e of main) {
      if (e.ts < from || e.ts >= to) continue;
      while (open.length && open.at(-1)!.ts + open.at(-1)!.dur! <= e.ts) open.pop();
      const parent = open.at(-1);
      const k = kindOf(e.name);
      // Self time: the event's duration less its children's (attributed to the children's kinds).
      by[k] = (by[k] ?? 0) + ms(e);
      names.set(e.name, (names.get(e.name) ?? 0) + ms(e));
      if (parent) names.set(parent.name, (names.get(parent.name) ?? 0) - ms(e));
      if (parent) by[kindOf(parent.name)] = (by[kindOf(parent.name)] ?? 0) - ms(e);
      if ((k === "style" || k === "layout") && open.some((p) => SCRIPT_PARENTS.test(p.name))) {
        forced += ms(e);
        forcedN++;
        const stack = (e.args?.beginData as {stackTrace?: {functionName: string; url: string; lineNumber: number}[]} | undefined)?.stackTrace ?? [];
        const where = stack
          .slice(0, 3)
          .map((f) => `${f.functionName || "(anon)"}@${f.url.split("/").pop()}:${f.lineNumber}`)
          .join(" < ");
        forcedAt.set(`${e.name} ${where}`, (forcedAt.get(`${e.name} ${where}`) ?? 0) + ms(e));
      }
      if (e.name === "UpdateLayoutTree") restyled.push(Number((e.args as {elementCount?: number} | undefined)?.elementCount ?? NaN));
      if (e.name === "Layout") {
        const b = e.args?.beginData as {dirtyObjects?: number; totalObjects?: number} | undefined;
        laidOut.push(`${b?.dirtyObjects ?? "?"}/${b?.totalObjects ?? "?"}`);
      }
      open.push(e);
    }
    return {by, forced, forcedN, restyled, laidOut, forcedAt, names};
  };
  // The sampling profile of the main thread (the Performance panel's call tree), as (time, stack) samples.
  interface ProfileNode {
    id: number;
    parent?: number;
    callFrame: {functionName: string; url: string; lineNumber: number};
  }
  const nodes = new Map<string, Map<number, ProfileNode>>();
  const samples: {ts: number; profile: string; node: number}[] = [];
  const clock = new Map<string, number>();
  for (const e of events) {
    if (e.pid !== pid || (e.name !== "Profile" && e.name !== "ProfileChunk")) continue;
    const id = String((e as {id?: string}).id);
    const data = e.args?.data as {startTime?: number; cpuProfile?: {nodes?: ProfileNode[]; samples?: number[]}; timeDeltas?: number[]} | undefined;
    if (e.name === "Profile" && e.tid === tid && data?.startTime !== undefined) clock.set(id, data.startTime), nodes.set(id, new Map());
    const m = nodes.get(id);
    if (e.name !== "ProfileChunk" || !m || !data) continue;
    for (const n of data.cpuProfile?.nodes ?? []) m.set(n.id, n);
    const ids = data.cpuProfile?.samples ?? [];
    let ts = clock.get(id)!;
    ids.forEach((node, i) => {
      ts += data.timeDeltas?.[i] ?? 0;
      samples.push({ts, profile: id, node});
    });
    clock.set(id, ts);
  }
  samples.sort((a, b) => a.ts - b.ts);
  /** Self and total ms per function over the samples in [from, to). */
  const functions = (from: number, to: number) => {
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${(n.callFrame.url ?? "").split("/").pop()}:${n.callFrame.lineNumber + 1}`;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (s.ts < from || s.ts >= to) continue;
      const w = ((samples[i + 1]?.ts ?? s.ts) - s.ts) / 1000;
      const m = nodes.get(s.profile)!;
      const n = m.get(s.node);
      if (!n || /^\((idle|program|root)\)$/.test(n.callFrame.functionName)) continue;
      self.set(name(n), (self.get(name(n)) ?? 0) + w);
      const seen = new Set<string>();
      for (let p: ProfileNode | undefined = n; p; p = p.parent === undefined ? undefined : m.get(p.parent)) {
        const k = name(p);
        if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + w), seen.add(k);
      }
    }
    return {self, total};
  };
  // Parents from children lists (the trace's nodes name their parent; older ones list children).
  for (const m of nodes.values())
    for (const n of m.values()) for (const c of (n as {children?: number[]}).children ?? []) if (m.get(c)) m.get(c)!.parent ??= n.id;
  const f1 = (x: number) => x.toFixed(1).padStart(6);
  console.log(`${dist}: ${experiment} / ${judge}, ${values.length} changes (the first switches to custom), ${WAIT_MS} ms apart`);
  console.log(
    "change value  in-page sync/frame/settled ms (* intervals pending) | to the frame: script  style layout  paint     gc  other | forced (n) | restyled elements; layout dirty/total | after the frame: script  other",
  );
  const totals: Record<string, number[]> = {};
  const byName = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const a = mark(`em-change-${i}`)!.ts;
    const f = mark(`em-frame-${i}`)!.ts;
    const b = (mark(`em-change-${i + 1}`) ?? mark("em-end"))!.ts;
    const s = split(a, f);
    const after = split(f, b);
    const r = inPage[i]!;
    console.log(
      `${String(i).padStart(6)} ${String(values[i]).padStart(5)}  ${f1(r.sync)} ${f1(r.frame)} ${f1(r.settled)}${r.pending ? "*" : " "} |             ${f1(s.by.script!)} ${f1(s.by.style!)} ${f1(s.by.layout!)} ${f1(s.by.paint!)} ${f1(s.by.gc!)} ${f1(s.by.other!)} | ${f1(s.forced)} (${s.forcedN}) | ${s.restyled.join(",")}; ${s.laidOut.join(",")} | ${f1(after.by.script!)} ${f1(after.by.style! + after.by.layout! + after.by.paint! + after.by.gc! + after.by.other!)}`,
    );
    for (const [where, ms] of s.forcedAt) console.log(`         forced ${ms.toFixed(1)} ms: ${where}`);
    if (TOP > 0) {
      const {self, total} = functions(a, f);
      const top = (m: Map<string, number>) =>
        [...m]
          .sort((p, q) => q[1] - p[1])
          .slice(0, TOP)
          .map(([k, v]) => `${v.toFixed(1)} ${k}`)
          .join("; ");
      console.log(`         self: ${top(self)}`);
      console.log(`         total: ${top(total)}`);
    }
    if (i === 0) continue;
    for (const [n, v] of s.names) byName.set(n, (byName.get(n) ?? 0) + v);
    for (const [k, v] of Object.entries({...s.by, frame: r.frame, sync: r.sync, settled: r.settled})) (totals[k] ??= []).push(v);
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)]!;
  const p95 = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.ceil(0.95 * xs.length) - 1]!;
  console.log(`changes 1..${values.length - 1} (median / p95 / sum ms):`);
  for (const [k, v] of Object.entries(totals)) console.log(`  ${k.padEnd(7)} ${f1(median(v))} ${f1(p95(v))} ${f1(v.reduce((p, q) => p + q, 0))}`);
  console.log(`changes 1..${values.length - 1}, to the frame: self ms by event name (sum)`);
  for (const [n, v] of [...byName].sort((p, q) => q[1] - p[1]).slice(0, 16)) console.log(`  ${f1(v)}  ${kindOf(n).padEnd(6)} ${n}`);
  if (INVALIDATIONS) {
    // Which nodes invalidated style or layout, and why, over all changes after the first.
    const why = new Map<string, number>();
    const t1 = mark("em-change-1")!.ts;
    for (const e of instant) {
      if (e.ts < t1 || !/InvalidationTracking/.test(e.name)) continue;
      const d = (e.args?.data ?? {}) as {
        nodeName?: string;
        reason?: string;
        invalidationList?: {classes?: string[]; attribute?: string}[];
        changedAttribute?: string;
      };
      const key = `${e.name} ${d.nodeName ?? "?"} ${d.reason ?? ""} ${d.changedAttribute ?? ""} ${JSON.stringify(d.invalidationList ?? "")}`.slice(0, 200);
      why.set(key, (why.get(key) ?? 0) + 1);
    }
    console.log("invalidations (changes 1..), by node and reason:");
    for (const [k, n] of [...why].sort((p, q) => q[1] - p[1]).slice(0, 40)) console.log(`${String(n).padStart(6)}  ${k}`);
  }
} finally {
  await browser.close();
  await server.close();
}
