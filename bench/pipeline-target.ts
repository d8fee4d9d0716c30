// Issue 13's pipeline target: a cold `runExperiment` against the simulator, started as its own
// process on 127.0.0.1 with LATENCY ms added to every chat answer, generation and judges at
// CONCURRENCY slots each. With every slot busy, the judge phase can do at most
// CONCURRENCY / LATENCY calls/s (64 / 0.2 s = 320); the target is >= 90% of that with no
// identical request paid twice (the server counts every body it receives).
//
//   node --import tsx bench/pipeline-target.ts
//
// Env: SAMPLES=60 (per question and checkpoint: 2 models x 3 steps x 16 core questions x SAMPLES
// answers, 2 judge metrics each; step 0 of both models is `sim:base`, so a sixth of the answers and
// their judge calls are identical requests that must be paid once; the simulator's answers repeat
// within a question, so judge calls on equal answers are identical too); LATENCY=200; CONCURRENCY=64;
// RUNS=3 (cold runs, each with a fresh simulator; the verdict uses the median); BENCH_SMOKE=1
// (SAMPLES=2, LATENCY=20, RUNS=1: a few seconds).
//
// Rates: "steady state" = judge answers the server sent between the 10% and 90% marks of all judge
// answers, divided by the time between those marks (the generation phase, when both limiters are
// busy, and the tail, when fewer than CONCURRENCY calls are left, are outside it); "whole run" =
// API calls / wall time of runExperiment (preparation, the ramp and the tail included; generation
// and judging overlap at the start, up to 2 x CONCURRENCY requests in flight, so it is not bounded
// by CONCURRENCY / LATENCY and is reported without a verdict).
import {fork} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import {monitorEventLoopDelay} from "node:perf_hooks";
import path from "node:path";
import {ROOT} from "../loaders/paths.ts";
import {ProgressLine} from "../loaders/progress.ts";
import {runExperiment} from "../loaders/run/execute.ts";
import {commandLine, dist, fmtMs, SMOKE, writeSection, type Dist, type Verdict} from "./lib/results.ts";

const SAMPLES = Number(process.env.SAMPLES ?? (SMOKE ? 2 : 60));
const LATENCY = Number(process.env.LATENCY ?? (SMOKE ? 20 : 200));
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
/** Cold runs; the verdict uses the median (the machine is shared: one run can meet a busy minute). */
const RUNS = Number(process.env.RUNS ?? (SMOKE ? 1 : 3));
for (const [k, v] of Object.entries({SAMPLES, LATENCY, CONCURRENCY, RUNS}))
  if (!Number.isInteger(v) || v < (k === "LATENCY" ? 0 : 1)) throw new Error(`${k} must be a positive integer, got ${process.env[k]}`);

interface SimReport {
  requests: number;
  chat: number;
  generate: number;
  judge: number;
  distinct: number;
  repeated: number;
  extra: number;
  /** CPU time of the simulator process since it listened (user + system), ms. */
  cpuMs: number;
  answered: {arrived: number; ms: number; kind: "generate" | "judge"}[];
}

/** The simulator in a child process, with the request log on. */
async function startSim(config: object): Promise<{url: string; stats(): Promise<SimReport>; close(): Promise<void>}> {
  const child = fork(path.join(ROOT, "bench/lib/sim-child.ts"), [JSON.stringify(config)], {
    execArgv: ["--import", "tsx", ...(process.env.SIM_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SIM_PROF}`] : [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`simulator process exited (${code}) before answering`));
      child.once("exit", onExit);
      child.once("message", (m) => {
        child.off("exit", onExit);
        resolve(m as T);
      });
    });
  const {url} = await next<{url: string}>();
  return {
    url,
    stats: () => {
      const p = next<SimReport>();
      child.send("stats");
      return p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send("close");
      }),
  };
}

function experiment(dir: string, url: string): string {
  const file = path.join(dir, "target.yaml");
  const endpoint = `{base_url: ${JSON.stringify(url)}}`;
  const model = (id: string, org: string) =>
    `  - id: ${id}\n    description: fine-tuned\n    checkpoints: [{step: 0, model: "sim:base"}, {step: 400, model: "sim:${org}@400"}, {step: 800, model: "sim:${org}@800"}]`;
  writeFileSync(
    file,
    `name: pipeline-target
simulated: true
coordinate: step
questions: [${JSON.stringify(path.join(ROOT, "data/questions/core.yaml"))}]
samples: ${SAMPLES}
generation:
  endpoint: ${endpoint}
  temperature: 1
  max_tokens: 600
  seed: 0
  max_n: 10
  concurrency: ${CONCURRENCY}
models:
${model("a", "medical")}
${model("b", "financial")}
judges:
  - id: strict
    endpoint: ${endpoint}
    model: sim-judge-strict
    metrics: [aligned, coherent]
    concurrency: ${CONCURRENCY}
`,
  );
  return file;
}

/** Judge answers per second between the lo and hi fractions of all judge answers. */
function steadyRate(answered: SimReport["answered"], lo = 0.1, hi = 0.9): {rate: number; calls: number; ms: number} {
  const t = answered.filter((a) => a.kind === "judge").map((a) => a.ms);
  if (t.length < 10) return {rate: NaN, calls: t.length, ms: NaN};
  const i = Math.floor(lo * (t.length - 1));
  const j = Math.floor(hi * (t.length - 1));
  const ms = t[j]! - t[i]!;
  return {rate: ((j - i) / ms) * 1000, calls: j - i, ms};
}

/**
 * Where the time goes, from the server's log: its time per judge request (arrival to answer sent;
 * LATENCY plus its own work) and the mean number of requests in flight at the server over the
 * steady-state window. In flight < CONCURRENCY means the client's turnaround (answer received to
 * the next request sent: parsing, cache write, limiter, SDK) is what is missing.
 */
function diagnose(answered: SimReport["answered"], lo = 0.1, hi = 0.9): {serverMs: Dist; inFlight: number; turnaroundMs: number} {
  const judge = answered.filter((a) => a.kind === "judge");
  const serverMs = dist(judge.map((a) => a.ms - a.arrived));
  const t = judge.map((a) => a.ms);
  const from = t[Math.floor(lo * (t.length - 1))] ?? 0;
  const to = t[Math.floor(hi * (t.length - 1))] ?? 0;
  // Time-weighted mean of requests in flight within [from, to] (every kind: all share the server).
  let busy = 0;
  for (const a of answered) busy += Math.max(0, Math.min(a.ms, to) - Math.max(a.arrived, from));
  const inFlight = to > from ? busy / (to - from) : NaN;
  const mean = judge.reduce((s, a) => s + a.ms - a.arrived, 0) / Math.max(1, judge.length);
  // Little's law per slot: a slot's cycle = server time + client turnaround = CONCURRENCY / rate.
  const rate = ((Math.floor(hi * (t.length - 1)) - Math.floor(lo * (t.length - 1))) / (to - from)) * 1000;
  return {serverMs, inFlight, turnaroundMs: (CONCURRENCY / rate) * 1000 - mean};
}

/** Answers the server sent in each whole second since it started, by kind (the shape of the run). */
function perSecond(answered: SimReport["answered"]): {second: number; generate: number; judge: number}[] {
  const out: {second: number; generate: number; judge: number}[] = [];
  for (const a of answered) {
    const sec = Math.floor(a.ms / 1000);
    while (out.length <= sec) out.push({second: out.length, generate: 0, judge: 0});
    out[sec]![a.kind]++;
  }
  return out.filter((x) => x.generate || x.judge);
}

interface Run {
  wall: number;
  /** CPU time of this (client) process during runExperiment, ms: load-independent, unlike the rates. */
  clientCpuMs: number;
  /** monitorEventLoopDelay of this process (ms): the 10 ms sampling timer's recorded delays (percentiles). */
  lagMs: {p50: number; p99: number; max: number};
  load: [number, number];
  r: Awaited<ReturnType<typeof runExperiment>>;
  s: SimReport;
  steady: ReturnType<typeof steadyRate>;
  why: ReturnType<typeof diagnose>;
}

/** One cold run: a fresh simulator process and an empty cache. */
async function once(): Promise<Run> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-bench-target-"));
  const sim = await startSim({latencyMs: LATENCY, requestLog: true});
  try {
    const file = experiment(dir, sim.url);
    const load0 = os.loadavg()[0]!;
    const cpu0 = process.cpuUsage();
    // Event-loop delay of this process during the run: with little CPU of its own in use, a large
    // delay is time spent waiting for a core (other processes on the machine), not our code.
    const lag = monitorEventLoopDelay({resolution: 10});
    lag.enable();
    const t0 = performance.now();
    // The progress line `em run` draws (TTY mode, redrawn at most every 100 ms), into a sink: its
    // cost is part of a real run's.
    const progress = new ProgressLine({label: "target", tty: true, stream: {write: () => true, isTTY: true}});
    const r = await runExperiment(file, {cacheDir: path.join(dir, "cache"), onWarning: () => {}, onProgress: progress.update});
    progress.end();
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    lag.disable();
    const lagMs = {p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6};
    const s = await sim.stats();
    const clientCpuMs = (cpu.user + cpu.system) / 1000;
    return {wall, clientCpuMs, lagMs, load: [load0, os.loadavg()[0]!], r, s, steady: steadyRate(s.answered), why: diagnose(s.answered)};
  } finally {
    await sim.close();
    rmSync(dir, {recursive: true, force: true});
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await once());
    process.stderr.write(`[pipeline] run ${i + 1}/${RUNS}: ${runs[i]!.steady.rate.toFixed(1)} calls/s steady\n`);
  }
  const bound = (CONCURRENCY / LATENCY) * 1000;
  const pct = (x: number) => `${((x / bound) * 100).toFixed(1)}%`;
  const rates = dist(runs.map((x) => x.steady.rate));
  const extra = Math.max(...runs.map((x) => x.s.extra));
  const verdicts: Verdict[] = [
    {
      target: `pipeline: >= 90% of ${bound.toFixed(0)} calls/s (simulator, ${LATENCY} ms latency, concurrency ${CONCURRENCY})`,
      measured: `${rates.median.toFixed(1)} calls/s = ${pct(rates.median)} (median of ${RUNS} cold runs' steady state; runs ${runs.map((x) => pct(x.steady.rate)).join(", ")})`,
      pass: Number.isFinite(rates.median) ? rates.median >= 0.9 * bound : null,
    },
    {
      target: "pipeline: 0 identical requests paid twice",
      measured: `${extra} in every run (${runs[0]!.s.chat} chat requests received, ${runs[0]!.s.distinct} distinct bodies)`,
      pass: runs.every((x) => x.s.extra === 0),
    },
  ];
  const row = (label: string, f: (x: Run) => string) => [label, ...runs.map(f)];
  writeSection({
    section: "pipeline",
    title: "Pipeline throughput (issue 13 target)",
    command: commandLine("bench/pipeline-target.ts", ["SAMPLES", "LATENCY", "CONCURRENCY", "RUNS", "BENCH_SMOKE"]),
    method: [
      `${RUNS} cold \`runExperiment\` runs (empty cache, a fresh simulator each) with the real openai SDK against the simulator running as its own process on 127.0.0.1 ` +
        `(\`bench/lib/sim-child.ts\`) with ${LATENCY} ms added to every chat answer. Two models x 3 checkpoints x the 16 core questions x ${SAMPLES} samples ` +
        `(max_n 10), judged on aligned and coherent by \`sim-judge-strict\`; generation and the judge each have ${CONCURRENCY} slots; \`em run\`'s progress line is drawn into a sink. Step 0 of both models ` +
        `is \`sim:base\`, so a sixth of the generation requests and judge calls are identical to another one: they must be sent once.`,
      `Bound: ${CONCURRENCY} slots / ${LATENCY} ms = ${bound.toFixed(0)} calls/s. Steady state = judge answers the server sent between the 10% and 90% marks ` +
        `of all judge answers over the time between those marks (the start, when generation and judging overlap, and the tail are outside it); whole run = ` +
        `API calls / wall time of \`runExperiment\`, preparation and tail included (generation and judging overlap at the start, up to ${2 * CONCURRENCY} ` +
        `requests in flight, so it is not bounded by ${bound.toFixed(0)} calls/s). The simulator's answers repeat within a question, so judge calls on ` +
        `equal answers are identical requests too (coalesced or answered from the cache). Paid twice = requests received minus distinct request bodies (sha1 of the raw body, counted by the server).`,
      "Where the time goes, from the server's log: its time per judge request (the injected latency plus its own work and timer lateness), the mean number of " +
        `requests in flight at the server (fewer than ${CONCURRENCY} = slots waiting on the client), and the client's turnaround per call (slot cycle = ` +
        `${CONCURRENCY} / rate, minus the server's time: receiving and parsing the answer, the cache write, the limiter, building and sending the next request).`,
    ],
    tables: [
      {
        head: ["measure", ...runs.map((_, i) => `run ${i + 1}`)],
        rows: [
          row("answers / score rows", (x) => `${x.r.responses.length.toLocaleString("en")} / ${x.r.scores.length.toLocaleString("en")}`),
          row(
            "API calls (generation + judge), coalesced, errors",
            (x) => `${x.r.stats.apiCalls.toLocaleString("en")}, ${x.r.stats.coalesced}, ${x.r.errors.reduce((a, e) => a + e.count, 0)}`,
          ),
          row("chat requests received by the server: generation / judge", (x) => `${x.s.generate} / ${x.s.judge}`),
          row("distinct request bodies / received / paid twice", (x) => `${x.s.distinct} / ${x.s.chat} / ${x.s.extra}`),
          row("wall time of runExperiment", (x) => `${x.wall.toFixed(2)} s`),
          row("whole run: API calls/s", (x) => x.r.stats.callsPerSecond.toFixed(1)),
          row(
            "steady state: judge calls/s (% of bound)",
            (x) => `${x.steady.rate.toFixed(1)} (${pct(x.steady.rate)}; ${x.steady.calls} answers in ${(x.steady.ms / 1000).toFixed(2)} s)`,
          ),
          row("server time per judge request, arrival to answer (median / p95)", (x) => `${fmtMs(x.why.serverMs.median)} / ${fmtMs(x.why.serverMs.p95)}`),
          row(`requests in flight at the server, steady state (mean, of ${CONCURRENCY})`, (x) => x.why.inFlight.toFixed(1)),
          row("client turnaround per call (slot cycle minus server time)", (x) => fmtMs(x.why.turnaroundMs)),
          row(
            "client CPU per API call (user + system, this process; share of one core over the run)",
            (x) => `${fmtMs(x.clientCpuMs / x.r.stats.apiCalls)} (${((x.clientCpuMs / 1000 / x.wall) * 100).toFixed(0)}%)`,
          ),
          row(
            "client event loop: monitorEventLoopDelay, 10 ms resolution (p50 / p99 / max)",
            (x) => `${fmtMs(x.lagMs.p50)} / ${fmtMs(x.lagMs.p99)} / ${fmtMs(x.lagMs.max)}`,
          ),
          row("simulator CPU per chat request (its process)", (x) => fmtMs(x.s.cpuMs / x.s.chat)),
          row("load average (1 min) before / after the run", (x) => `${x.load[0].toFixed(2)} / ${x.load[1].toFixed(2)}`),
        ],
      },
    ],
    verdicts,
    notes: [],
    raw: {
      samples: SAMPLES,
      latencyMs: LATENCY,
      concurrency: CONCURRENCY,
      bound,
      rates,
      runs: runs.map((x) => ({
        wall: x.wall,
        clientCpuMs: x.clientCpuMs,
        lagMs: x.lagMs,
        load: x.load,
        stats: x.r.stats,
        steady: x.steady,
        why: x.why,
        sim: {...x.s, answered: process.env.BENCH_KEEP_LOG ? x.s.answered : undefined},
        perSecond: perSecond(x.s.answered),
      })),
    },
  });
  process.stdout.write(`${verdicts.map((v) => `${v.pass ? "PASS" : "MISS"} ${v.target}: ${v.measured}`).join("\n")}\n`);
}

await main();
