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
// BENCH_SMOKE=1 (SAMPLES=2, LATENCY=20: a few seconds).
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
import path from "node:path";
import {ROOT} from "../loaders/paths.ts";
import {runExperiment} from "../loaders/run/execute.ts";
import {commandLine, SMOKE, writeSection, type Verdict} from "./lib/results.ts";

const SAMPLES = Number(process.env.SAMPLES ?? (SMOKE ? 2 : 60));
const LATENCY = Number(process.env.LATENCY ?? (SMOKE ? 20 : 200));
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
for (const [k, v] of Object.entries({SAMPLES, LATENCY, CONCURRENCY}))
  if (!Number.isInteger(v) || v < (k === "LATENCY" ? 0 : 1)) throw new Error(`${k} must be a positive integer, got ${process.env[k]}`);

interface SimReport {
  requests: number;
  chat: number;
  generate: number;
  judge: number;
  distinct: number;
  repeated: number;
  extra: number;
  answered: {ms: number; kind: "generate" | "judge"}[];
}

/** The simulator in a child process, with the request log on. */
async function startSim(config: object): Promise<{url: string; stats(): Promise<SimReport>; close(): Promise<void>}> {
  const child = fork(path.join(ROOT, "bench/lib/sim-child.ts"), [JSON.stringify(config)], {
    execArgv: ["--import", "tsx"],
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

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-bench-target-"));
  const sim = await startSim({latencyMs: LATENCY, requestLog: true});
  try {
    const file = experiment(dir, sim.url);
    const t0 = performance.now();
    const r = await runExperiment(file, {cacheDir: path.join(dir, "cache"), onWarning: () => {}});
    const wall = (performance.now() - t0) / 1000;
    const s = await sim.stats();
    const bound = (CONCURRENCY / LATENCY) * 1000;
    const steady = steadyRate(s.answered);
    const errors = r.errors.reduce((a, e) => a + e.count, 0);
    const pct = (x: number) => `${((x / bound) * 100).toFixed(1)}%`;
    const verdicts: Verdict[] = [
      {
        target: `pipeline: >= 90% of ${bound.toFixed(0)} calls/s (simulator, ${LATENCY} ms latency, concurrency ${CONCURRENCY})`,
        measured: `${steady.rate.toFixed(1)} calls/s in the steady state = ${pct(steady.rate)}`,
        pass: Number.isFinite(steady.rate) ? steady.rate >= 0.9 * bound : null,
      },
      {
        target: "pipeline: 0 identical requests paid twice",
        measured: `${s.extra} (${s.chat} chat requests received, ${s.distinct} distinct bodies)`,
        pass: s.extra === 0,
      },
    ];
    writeSection({
      section: "pipeline",
      title: "Pipeline throughput (issue 13 target)",
      command: commandLine("bench/pipeline-target.ts", ["SAMPLES", "LATENCY", "CONCURRENCY", "BENCH_SMOKE"]),
      method: [
        `A cold \`runExperiment\` (empty cache) with the real openai SDK against the simulator running as its own process on 127.0.0.1 ` +
          `(\`bench/lib/sim-child.ts\`) with ${LATENCY} ms added to every chat answer. Two models x 3 checkpoints x the 16 core questions x ${SAMPLES} samples ` +
          `(max_n 10), judged on aligned and coherent by \`sim-judge-strict\`; generation and the judge each have ${CONCURRENCY} slots. Step 0 of both models ` +
          `is \`sim:base\`, so a sixth of the generation requests and judge calls are identical to another one: they must be sent once.`,
        `Bound: ${CONCURRENCY} slots / ${LATENCY} ms = ${bound.toFixed(0)} calls/s. Steady state = judge answers the server sent between the 10% and 90% marks ` +
          `of all judge answers over the time between those marks (the start, when generation and judging overlap, and the tail are outside it); whole run = ` +
          `API calls / wall time of \`runExperiment\`, preparation and tail included (generation and judging overlap at the start, up to ${2 * CONCURRENCY} ` +
          `requests in flight, so it is not bounded by ${bound.toFixed(0)} calls/s). The simulator's answers repeat within a question, so judge calls on ` +
          `equal answers are identical requests too (coalesced or answered from the cache). Paid twice = requests received minus distinct request bodies (sha1 of the raw body, counted by the server).`,
      ],
      tables: [
        {
          head: ["measure", "value"],
          rows: [
            ["answers / score rows", `${r.responses.length.toLocaleString("en")} / ${r.scores.length.toLocaleString("en")}`],
            ["API calls (generation + judge), coalesced, errors", `${r.stats.apiCalls.toLocaleString("en")}, ${r.stats.coalesced}, ${errors}`],
            ["chat requests received by the server: generation / judge", `${s.generate} / ${s.judge}`],
            ["distinct request bodies / received / paid twice", `${s.distinct} / ${s.chat} / ${s.extra}`],
            ["wall time of runExperiment", `${wall.toFixed(2)} s`],
            ["whole run: API calls/s", r.stats.callsPerSecond.toFixed(1)],
            [
              "steady state: judge calls/s (% of bound)",
              `${steady.rate.toFixed(1)} (${pct(steady.rate)}; ${steady.calls} answers in ${(steady.ms / 1000).toFixed(2)} s)`,
            ],
          ],
        },
      ],
      verdicts,
      notes: [],
      raw: {samples: SAMPLES, latencyMs: LATENCY, concurrency: CONCURRENCY, bound, wall, stats: r.stats, steady, sim: {...s, answered: undefined}},
    });
    process.stdout.write(`${verdicts.map((v) => `${v.pass ? "PASS" : "MISS"} ${v.target}: ${v.measured}`).join("\n")}\n`);
  } finally {
    await sim.close();
    rmSync(dir, {recursive: true, force: true});
  }
}

await main();
