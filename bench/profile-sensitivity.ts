// Where a threshold change on /sensitivity spends its time, on a built site (issue 28: why is the
// page slower on one generator's data than on another's?). Opens the page in headless Chromium,
// records a CPU profile (CDP Profiler, 100 us sampling) over REPS threshold changes and prints the
// functions with the most self time and the most total time (including callees), as JSON lines.
//
//   SITE_DIST=/tmp/em-import-scale-b-1000000/dist SITE_EXPERIMENT=sweep-b-1000000 \
//     SITE_JUDGE=gpt-4o-2024-08-06 node --import tsx bench/profile-sensitivity.ts
//
// DISPATCH=1: profile only each change's input event, to the end of its dispatch (the views'
// synchronous update: what the site bench's "synchronous update" times), one console.profile per
// change, so the idle work between changes (interval cache fill) is left out; with the time of
// each dispatch. PROFILE_OUT: also write the (merged) profile there, a .cpuprofile for DevTools.
import {writeFileSync} from "node:fs";
import {serveStatic} from "../loaders/static-server.ts";
import {launch} from "../test/helpers/browser.ts";
import {openSensitivity} from "./lib/sensitivity-page.ts";

const dist = process.env.SITE_DIST;
const experiment = process.env.SITE_EXPERIMENT;
const judge = process.env.SITE_JUDGE;
const REPS = Number(process.env.REPS ?? 20);
// Pause after each change (ms): long enough, the page's idle work (interval cache fill, cut lines)
// finishes between changes and shows in the busy time per change.
const WAIT_MS = Number(process.env.WAIT_MS ?? 100);
const DISPATCH = process.env.DISPATCH === "1";
if (!dist || !experiment || !judge) throw new Error("set SITE_DIST, SITE_EXPERIMENT and SITE_JUDGE");

interface Node {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}
const server = await serveStatic(dist);
const browser = await launch();
try {
  const {context, page} = await openSensitivity(browser, server.url, experiment, judge);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", {interval: 100});
  type Profile = {nodes: Node[]; samples: number[]; timeDeltas: number[]};
  const profiles: Profile[] = [];
  if (DISPATCH) cdp.on("Profiler.consoleProfileFinished", (e) => profiles.push((e as unknown as {profile: Profile}).profile));
  else await cdp.send("Profiler.start");
  const times = await page.evaluate(
    async ([reps, wait, dispatch]) => {
      const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]')!;
      const out: number[] = [];
      for (let i = 0; i <= reps; i++) {
        if (dispatch) console.profile(`change ${i}`);
        const t = performance.now();
        input.value = String(i % 2 ? 20 + (i % 7) : 55 + (i % 7));
        input.dispatchEvent(new Event("input", {bubbles: true}));
        if (dispatch) {
          out.push(performance.now() - t);
          console.profileEnd(`change ${i}`);
        }
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        if (!dispatch) out.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, wait));
      }
      return out;
    },
    [REPS, WAIT_MS, DISPATCH] as const,
  );
  if (!DISPATCH) profiles.push(((await cdp.send("Profiler.stop")) as {profile: Profile}).profile);
  else while (profiles.length < REPS + 1) await new Promise((r) => setTimeout(r, 50));
  // One profile of several: node ids are per profile, so each node is named by its call path.
  const profile: Profile = {nodes: [], samples: [], timeDeltas: []};
  const ids = new Map<string, number>();
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
    const local = new Map<number, number>();
    const idOf = (id: number): number => {
      const got = local.get(id);
      if (got !== undefined) return got;
      const n = byId.get(id)!;
      const up = parentOf.get(id);
      const parentId = up === undefined ? -1 : idOf(up);
      const key = `${parentId}|${n.callFrame.functionName}|${n.callFrame.url}|${n.callFrame.lineNumber}`;
      let mine = ids.get(key);
      if (mine === undefined) {
        ids.set(key, (mine = ids.size + 1));
        profile.nodes.push({id: mine, callFrame: n.callFrame, children: []});
        if (parentId >= 0) profile.nodes[parentId - 1]!.children!.push(mine);
      }
      local.set(id, mine);
      return mine;
    };
    p.samples.forEach((id, i) => {
      profile.samples.push(idOf(id));
      profile.timeDeltas.push(p.timeDeltas[i] ?? 0);
    });
  }
  if (process.env.PROFILE_OUT)
    writeFileSync(process.env.PROFILE_OUT, JSON.stringify({...profile, startTime: 0, endTime: profile.timeDeltas.reduce((a, b) => a + b, 0)}));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    selfBy.set(name(n), (selfBy.get(name(n)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const k = name(byId.get(p)!);
      if (!seen.has(k)) totalBy.set(k, (totalBy.get(k) ?? 0) + ms), seen.add(k);
    }
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([f, ms]) => ({f, ms: +(ms / (REPS + 1)).toFixed(2)}));
  // Busy = every sample but the idle ones (what the main thread spent, idle callbacks included).
  let busy = 0;
  for (const [id, ms] of self) if (byId.get(id)!.callFrame.functionName !== "(idle)") busy += ms;
  console.log(
    JSON.stringify({
      [DISPATCH ? "dispatchMs" : "changeMs"]: times.map((t) => +t.toFixed(1)),
      waitMs: WAIT_MS,
      busyPerChangeMs: +(busy / (REPS + 1)).toFixed(1),
    }),
  );
  console.log(JSON.stringify({selfPerChange: top(selfBy, 25)}, null, 1));
  console.log(JSON.stringify({totalPerChange: top(totalBy, 40)}, null, 1));
} finally {
  await browser.close();
  await server.close();
}
