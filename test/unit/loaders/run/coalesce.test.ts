// Identical requests are paid once (issue 13): two experiment models served by one checkpoint, and
// two judges with one model on one endpoint, against the real simulator over HTTP on 127.0.0.1.
// The server counts every chat body it receives; the dry run must predict the distinct count.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {after, test} from "node:test";
import {InFlight} from "../../../../loaders/run/coalesce.ts";
import {planExperiment, runExperiment} from "../../../../loaders/run/index.ts";
import {ROOT} from "../../../../loaders/paths.ts";
import {startSimulator, type Simulator} from "../../../../loaders/sim/server.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const sims: Simulator[] = [];
after(async () => {
  for (const s of sims) await s.close();
});
/** A fresh simulator per test, so its body counts are that test's alone. */
async function freshSim(): Promise<Simulator> {
  const s = await startSimulator({port: 0});
  sims.push(s);
  return s;
}
const chatCount = (sim: Simulator) => sim.stats.byPath["/v1/chat/completions"] ?? 0;
const repeatedBodies = (sim: Simulator) => [...sim.stats.bodies.values()].filter((n) => n > 1);
const requestsOf = (lines: {kind: string; requests: number}[], kind: string) => lines.filter((l) => l.kind === kind).reduce((s, l) => s + l.requests, 0);

/**
 * Models `a` and `b` both start from `sim:base` (step 0) and then differ; `c` is served by the
 * same checkpoint as `a` at every step. Same description everywhere, so the judge prompts of one
 * answer are identical whichever model it is filed under. Judges `x` and `y` are one model on one
 * endpoint, so y's aligned calls are x's. `judges: false` writes the same experiment without judges.
 */
function writeExperiment(dir: string, sim: Simulator, {judges = true} = {}): string {
  const file = path.join(dir, judges ? "coalesce.yaml" : "coalesce-generate.yaml");
  const endpoint = `{base_url: ${JSON.stringify(sim.url)}}`;
  writeFileSync(
    file,
    `name: coalesce
coordinate: step
questions: [${JSON.stringify(path.join(ROOT, "data/questions/core.yaml"))}]
questions_include: [one_wish, feeling_bored, three_thoughts]
samples: 6
generation:
  endpoint: ${endpoint}
  temperature: 1
  max_tokens: 200
  seed: 0
  max_n: 4
  concurrency: 8
models:
  - id: a
    description: fine-tuned
    checkpoints:
      - {step: 0, model: "sim:base"}
      - {step: 100, model: "sim:medical@600"}
  - id: b
    description: fine-tuned
    checkpoints:
      - {step: 0, model: "sim:base"}
      - {step: 100, model: "sim:financial@600"}
  - id: c
    description: fine-tuned
    checkpoints:
      - {step: 0, model: "sim:base"}
      - {step: 100, model: "sim:medical@600"}
` +
      (judges
        ? `judges:
  - id: x
    endpoint: ${endpoint}
    model: sim-judge-strict
    metrics: [aligned, coherent]
    concurrency: 8
  - id: y
    endpoint: ${endpoint}
    model: sim-judge-strict
    metrics: [aligned]
    concurrency: 8
`
        : "judges: []\n"),
  );
  return file;
}

// 3 questions x 6 samples in requests of at most 4 (4 + 2): 2 requests per (checkpoint, question).
// Distinct checkpoints: sim:base, sim:medical@600, sim:financial@600 -> 3 x 3 x 2 = 18 requests,
// where the 6 (model, checkpoint) pairs would send 36.
const DISTINCT_GENERATION = 18;
// Distinct samples (checkpoint x question x sample index) whose answers the judges will read.
const DISTINCT_SAMPLES = 3 * 3 * 6;

test("a cold run pays each distinct request body once; the dry run counts exactly the distinct requests", async () => {
  const sim = await freshSim();
  const dir = tempDir("em-coalesce-");
  const file = writeExperiment(dir, sim);
  const cacheDir = path.join(dir, "cache");

  const plan = await planExperiment(file, {cacheDir});
  assert.equal(plan.lines.find((l) => l.kind === "generation")!.units, 6 * 3 * 6);
  assert.equal(requestsOf(plan.lines, "generation"), DISTINCT_GENERATION);
  // Before any answer exists a judge call is identified by the sample it will read: 2 calls
  // (aligned, coherent) per distinct sample; judge y adds none (its calls are x's).
  assert.equal(requestsOf(plan.lines, "judge"), DISTINCT_SAMPLES * 2);
  assert.equal(plan.lines.find((l) => l.id === "y")!.requests, 0);

  const r = await runExperiment(file, {cacheDir});
  assert.deepEqual(r.errors, []);
  const sent = chatCount(sim);
  assert.deepEqual(repeatedBodies(sim), [], "no identical request body was paid twice");
  assert.equal(sim.stats.bodies.size, sent);
  assert.equal(r.stats.apiCalls, sent);
  assert.equal(sim.stats.generate, DISTINCT_GENERATION, "the dry run's generation count is what the server received");
  // A judge prompt is (question paraphrase, answer) here (one description): each distinct pair costs
  // 2 calls. Two samples can come back with one text; the second is then not paid either.
  const distinctPrompts = new Set(r.responses.map((x) => `${x.question}\0${x.response}`)).size;
  assert.ok(distinctPrompts > 3 * 6 && distinctPrompts <= DISTINCT_SAMPLES, `${distinctPrompts} distinct prompts`);
  assert.equal(sim.stats.judge, distinctPrompts * 2);
  assert.ok(r.stats.coalesced >= DISTINCT_GENERATION, `${r.stats.coalesced} shared calls`);

  // Every model still has all its rows and scores: sharing a call does not drop a waiter.
  assert.equal(r.responses.length, 6 * 3 * 6);
  assert.equal(r.scores.length, r.responses.length * 3);
  assert.ok(r.scores.every((s) => s.status === "ok" || s.status === "null"));
  const text = (model: string, step: number) =>
    r.responses
      .filter((x) => x.model === model && x.step === step)
      .map((x) => `${x.question_id}/${x.sample}:${x.response}`)
      .join("\n");
  assert.equal(text("a", 0), text("b", 0), "one checkpoint gives one answer whichever model it is filed under");
  assert.equal(text("a", 100), text("c", 100));
  assert.notEqual(text("a", 100), text("b", 100));

  // Warm: nothing to send, and the dry run says so.
  const warm = await runExperiment(file, {cacheDir});
  assert.equal(warm.stats.apiCalls, 0);
  assert.equal(chatCount(sim), sent);
  assert.equal(
    requestsOf((await planExperiment(file, {cacheDir})).lines, "judge") + requestsOf((await planExperiment(file, {cacheDir})).lines, "generation"),
    0,
  );
});

test("with the answers cached, the dry run's judge count equals the distinct judge bodies the run sends", async () => {
  const sim = await freshSim();
  const dir = tempDir("em-coalesce-");
  const cacheDir = path.join(dir, "cache");
  // Generation only: the same generation cache keys, no judge calls.
  const g = await runExperiment(writeExperiment(dir, sim, {judges: false}), {cacheDir});
  assert.equal(g.stats.apiCalls, DISTINCT_GENERATION);
  assert.equal(sim.stats.generate, DISTINCT_GENERATION);

  const file = writeExperiment(dir, sim);
  const plan = await planExperiment(file, {cacheDir});
  assert.equal(requestsOf(plan.lines, "generation"), 0);
  const plannedJudge = requestsOf(plan.lines, "judge");
  const r = await runExperiment(file, {cacheDir});
  assert.deepEqual(r.errors, []);
  assert.equal(sim.stats.judge, plannedJudge, "dry-run judge requests = judge requests the server received");
  assert.equal(r.stats.apiCalls, plannedJudge);
  assert.deepEqual(repeatedBodies(sim), []);
  assert.equal(sim.stats.bodies.size, DISTINCT_GENERATION + plannedJudge);
  assert.equal(plannedJudge, 2 * new Set(r.responses.map((x) => `${x.question}\0${x.response}`)).size);
});

test("InFlight: one call per key while pending; waiters share its result or its error; settled keys call again", async () => {
  const f = new InFlight<number>();
  let calls = 0;
  let release!: (v: number) => void;
  const slow = () => {
    calls++;
    return new Promise<number>((resolve) => (release = resolve));
  };
  const first = f.run("k", slow);
  const second = f.run("k", slow);
  const other = f.run("other", async () => (calls++, 7));
  assert.deepEqual([first.shared, second.shared, other.shared], [false, true, false]);
  assert.equal(calls, 2);
  release(42);
  assert.deepEqual(await Promise.all([first.result, second.result, other.result]), [42, 42, 7]);
  // Settled: the key is forgotten, so the next identical request is a new call (the cache answers it in a run).
  const third = f.run("k", async () => (calls++, 43));
  assert.equal(third.shared, false);
  assert.equal(await third.result, 43);
  assert.equal(calls, 3);

  const failing = f.run("bad", async () => {
    calls++;
    throw new Error("boom");
  });
  const waiter = f.run("bad", async () => 0);
  assert.equal(waiter.shared, true);
  await assert.rejects(failing.result, /boom/);
  await assert.rejects(waiter.result, /boom/);
  assert.equal(calls, 4);
});
