// What /sensitivity's open costs in script, in Node (issue 28: "live cuts ready <= 5 s at 10M"):
// decode one judge's points.arrow segment of a built site and run, in the page's order, what the
// page computes until its live cuts are ready: the selection mask, the groupings, the first numbers
// (headline, per-question rows, EM by type: the incremental tallies are built at the first of these
// calls and serve the rest), the threshold surface and rule notes, then the idle work (the two cut
// lines through the cuts, prepareLines), then the same views again from the tallies.
// Prints the time and CPU (user + sys) of each phase as one JSON line per round.
//
//   SITE_DIST=/tmp/em-import-scale-b-1000000/dist SITE_EXPERIMENT=sweep-b-1000000 \
//     SITE_JUDGE=gpt-4o-2024-08-06 nice -n 10 node --import tsx bench/open-sensitivity.ts
//
// Env: SRC (a checkout whose src/ to measure, default this one: a same-window A/B runs it twice,
// e.g. SRC=/tmp/main-src with main's src/ and a node_modules link), ROUNDS (default 3; each round
// decodes afresh, in one process, so the first round includes compilation), BY (compare-by,
// default variant). Add --cpu-prof to node's flags for a CPU profile.
import {readFileSync} from "node:fs";
import path from "node:path";
import {dataFile} from "./lib/site-files.ts";
import type {Points} from "../src/components/points.ts";
import type {Group} from "../src/components/engine.ts";
import type {ViewState} from "../src/components/store.ts";

const dist = process.env.SITE_DIST;
const experiment = process.env.SITE_EXPERIMENT;
const judge = process.env.SITE_JUDGE;
if (!dist || !experiment || !judge) throw new Error("set SITE_DIST, SITE_EXPERIMENT and SITE_JUDGE");
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SRC = path.resolve(process.env.SRC ?? path.join(import.meta.dirname, ".."));
const BY = process.env.BY ?? "variant";

type Mod = Record<string, (...args: never[]) => unknown>;
const load = async (file: string): Promise<Mod> => (await import(path.join(SRC, "src", file))) as Mod;
const points = await load("components/points.ts");
const engine = await load("components/engine.ts");
const selection = await load("components/selection.ts");
const store = await load("components/store.ts");
const notes = await load("components/rule-notes.ts");
// The page's idle callbacks (the cut lines, prepareLines), queued and run when the page would be idle.
const idle: (() => void)[] = [];
(globalThis as {requestIdleCallback?: unknown}).requestIdleCallback = (f: (d: {timeRemaining(): number}) => void) =>
  idle.push(() => f({timeRemaining: () => 50}));

const bytes = new Uint8Array(readFileSync(dataFile(dist, "points", "arrow")));
const first = JSON.parse(readFileSync(dataFile(dist, "first", "json"), "utf8")) as {points?: {judge: string; start: number; end: number}[]};
const segment = first.points?.find((s) => s.judge === judge);
const part = segment ? bytes.subarray(segment.start, segment.end) : bytes;

// The modules are loaded from SRC at run time: typed by this checkout's declarations.
const call = <T = unknown>(m: Mod, name: string, ...args: unknown[]): T => (m[name] as (...a: unknown[]) => T)(...args);

for (let round = 0; round < ROUNDS; round++) {
  const phases: Record<string, {ms: number; cpu: number}> = {};
  const time = <T>(name: string, f: () => T): T => {
    const c = process.cpuUsage();
    const t = performance.now();
    const out = f();
    const d = process.cpuUsage(c);
    const prev = phases[name] ?? {ms: 0, cpu: 0};
    phases[name] = {ms: prev.ms + performance.now() - t, cpu: prev.cpu + (d.user + d.system) / 1000};
    return out;
  };
  const start = performance.now();
  const startCpu = process.cpuUsage();
  const p = time("decode", () => call<Points>(points, "decodePoints", [part.slice()]));
  const s = call<ViewState>(store, "parseState", `?experiment=${encodeURIComponent(experiment)}&judge=${encodeURIComponent(judge)}&by=${BY}`);
  const rule = call(store, "ruleOf", s);
  const views = () => {
    const mask = time("masks", () => call(selection, "selectionMask", p, s));
    const byMask = time("masks", () => call(selection, "selectionMask", p, s, ["model"]));
    const compare = time("groupings", () => call(engine, "keyBy", p, [s.by]));
    const perQuestion = time("groupings", () => call(engine, "keyBy", p, engine.PER_QUESTION as unknown as string[]));
    const all = time("headline", () =>
      call<Group | null>(engine, "summarizeAll", p, mask, rule, {exclude: s.exclude, follow: true, replicates: 0, cross: compare}),
    );
    time("questions", () => call(engine, "summarizeGroups", p, mask, rule, perQuestion, {exclude: s.exclude, follow: true, cross: compare}));
    time("types", () => call(engine, "summarizeGroups", p, byMask, rule, compare, {exclude: s.exclude, replicates: 0, follow: true, cross: perQuestion}));
    time("seeds", () => (all ? call(engine, "withTrainingSeeds", p, mask, rule, [], [all], {exclude: s.exclude, follow: true}) : null));
    time("surface", () => call(engine, "surfaceGrid", p, mask, rule, s.exclude));
    time("notes", () => call(notes, "ruleNotes", p, mask, rule, s.exclude, all));
    return all as Group | null;
  };
  const firstNumbers = views();
  const firstAt = performance.now() - start;
  time("idle (cut lines)", () => {
    while (idle.length) idle.shift()!();
  });
  const live = time("live views", views);
  const readyAt = performance.now() - start;
  const cpu = process.cpuUsage(startCpu);
  console.log(
    JSON.stringify({
      src: SRC,
      round,
      n: p.n,
      em: firstNumbers && `${firstNumbers.n_em} / ${firstNumbers.n_scored}`,
      liveEm: live && `${live.n_em} / ${live.n_scored}`,
      firstNumbersMs: Math.round(firstAt),
      liveReadyMs: Math.round(readyAt),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, `${Math.round(v.ms)} ms wall, ${Math.round(v.cpu)} ms cpu`])),
      load: (await import("node:os")).loadavg()[0]!.toFixed(1),
    }),
  );
}
