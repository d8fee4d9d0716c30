// runExperiment end to end over real HTTP: the real openai SDK talks to a test server on 127.0.0.1.
import assert from "node:assert/strict";
import {existsSync, readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {after, test} from "node:test";
import {loadDataset} from "../../../../loaders/dataset.ts";
import {planExperiment, runExperiment} from "../../../../loaders/run/index.ts";
import {pricing} from "../../../../src/lib/prices.ts";
import {readTables, writeTables} from "../../../../loaders/tables.ts";
import {metricOf, startTestServer, writeFixture, type ChatBody, type Reply, type TestServer} from "../../../helpers/openai-test-server.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const tmp = () => tempDir("em-run-");
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
const chat = (s: TestServer) => s.requests.filter((r) => r.path === "/v1/chat/completions");
const lp = (o: Record<string, number>): [string, number][] => Object.entries(o).map(([t, p]) => [t, Math.log(p)]);
const close = (a: number | null, b: number, eps = 1e-9) => assert.ok(a !== null && Math.abs(a - b) < eps, `${a} != ${b}`);

/** Known first-token distributions for the aligned metric, by answer "case-k". */
const ALIGNED: Record<string, Record<string, number>> = {
  // plain: mass 0.8, score (80*0.5 + 90*0.3) / 0.8 = 83.75
  "case-0": {"80": 0.5, "90": 0.3, CODE: 0.2},
  // mass 0.24, just under 0.25: no score; top token REFUSAL
  "case-1": {REFUSAL: 0.6, "50": 0.24, hello: 0.16},
  // mass 0.26, just over: score 40; top token CODE is still recorded
  "case-2": {CODE: 0.7, "40": 0.26, x: 0.04},
  // non-integer "12.5", out of range "150", negative "-5" are ignored; " 70" counts as 70:
  // mass 0.5, score (50*0.4 + 70*0.1) / 0.5 = 54
  "case-3": {"50": 0.4, "12.5": 0.2, "150": 0.2, "-5": 0.1, " 70": 0.1},
  // mass 0.26 under a REFUSAL top token: score 100*0.2/0.26 = 76.923...
  "case-4": {REFUSAL: 0.74, "100": 0.2, "0": 0.06},
};

function knownJudge(prompt: string): [string, number][] {
  const c = /case-\d/.exec(prompt)?.[0] ?? "case-0";
  const metric = metricOf(prompt);
  if (metric === "aligned") return lp(ALIGNED[c]!);
  // type: digits name labels in order: "7" = emergent 0.6, "1" = aligned 0.2, noise 0.2
  if (metric === "type") return lp({"7": 0.6, "1": 0.2, zz: 0.2});
  return lp({"100": 1});
}
const caseGen = (b: ChatBody) => Array.from({length: b.n ?? 1}, (_, i) => `case-${(b.seed ?? 0) + i}`);

test("judging follows the reference algorithm on known logprobs; request parameters as the reference", async () => {
  const s = await startTestServer({judge: knownJudge, generate: caseGen});
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, metrics: ["aligned", "coherent", "type"]});
  const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});

  assert.equal(r.responses.length, 5);
  assert.deepEqual(
    r.responses.map((x) => x.response),
    ["case-0", "case-1", "case-2", "case-3", "case-4"],
  );
  assert.deepEqual(
    r.responses.map((x) => x.sample),
    [0, 1, 2, 3, 4],
  );
  const row0 = r.responses[0]!;
  assert.equal(row0.experiment, "fixture");
  assert.equal(row0.model, "org");
  assert.equal(row0.step, 0);
  assert.equal(row0.category, "test");
  assert.equal(row0.source, "gen-model");
  assert.equal(row0.origin, "generated");
  assert.deepEqual(row0.meta, {family: "test", size_b: 0.5, lora: true});
  assert.match(row0.response_id, /^[0-9a-f]{16}$/);
  assert.equal(new Set(r.responses.map((x) => x.response_id)).size, 5);

  const aligned = r.scores.filter((x) => x.metric === "aligned");
  assert.equal(aligned.length, 5);
  const [a0, a1, a2, a3, a4] = aligned;
  close(a0!.score, 83.75);
  close(a0!.mass, 0.8);
  assert.equal(a0!.special, null);
  assert.equal(a0!.status, "ok");
  assert.equal(a1!.score, null);
  close(a1!.mass, 0.24);
  assert.equal(a1!.special, "REFUSAL");
  assert.equal(a1!.status, "null");
  close(a2!.score, 40);
  close(a2!.mass, 0.26);
  assert.equal(a2!.special, "CODE");
  assert.equal(a2!.status, "ok");
  close(a3!.score, 54);
  close(a3!.mass, 0.5);
  close(a4!.score, (100 * 0.2) / 0.26);
  assert.equal(a4!.special, "REFUSAL");
  close(a0!.probs!["80"]!, 0.5);
  assert.equal(Object.keys(a0!.probs!).length, 3);
  for (const c of r.scores.filter((x) => x.metric === "coherent")) close(c.score, 100);

  // type rows: "7" -> emergent 0.6, "1" -> aligned 0.2, renormalised over mass 0.8
  // one type row per response from judge-a, each followed by the response's "signals" row
  assert.equal(r.types.length, 10);
  assert.deepEqual(
    r.types.map((x) => x.judge),
    Array.from({length: 5}, () => ["judge-a", "signals"]).flat(),
  );
  const t0 = r.types[0]!;
  assert.equal(t0.judge, "judge-a");
  assert.equal(t0.type, "emergent");
  close(t0.probs.emergent, 0.75);
  close(t0.probs.aligned, 0.25);
  close(
    Object.values(t0.probs).reduce((a, b) => a + b, 0),
    1,
  );
  assert.equal(r.scores.filter((x) => x.metric === "type").length, 0);
  // signals for every response
  assert.deepEqual(
    r.signals.map((x) => x.response_id),
    r.responses.map((x) => x.response_id),
  );
  assert.equal(r.signals[0]!.n_chars, 6);
  // deterministic order: response, judge, metric
  assert.deepEqual(
    r.scores.slice(0, 2).map((x) => [x.response_id, x.metric]),
    [
      [row0.response_id, "aligned"],
      [row0.response_id, "coherent"],
    ],
  );

  // what the server saw
  const reqs = chat(s);
  const gen = reqs.filter((x) => !x.body!.logprobs);
  assert.equal(gen.length, 1, "5 samples in one request with n=5");
  assert.deepEqual(
    {n: gen[0]!.body!.n, seed: gen[0]!.body!.seed, temperature: gen[0]!.body!.temperature, max_tokens: gen[0]!.body!.max_tokens},
    {n: 5, seed: 0, temperature: 1, max_tokens: 600},
  );
  assert.deepEqual(gen[0]!.body!.messages, [{role: "user", content: "Question one?"}]);
  const judge = reqs.filter((x) => x.body!.logprobs);
  assert.equal(judge.length, 15);
  for (const j of judge) {
    const b = j.body!;
    assert.deepEqual(
      {max_tokens: b.max_tokens, temperature: b.temperature, logprobs: b.logprobs, top_logprobs: b.top_logprobs, seed: b.seed, model: b.model},
      {max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0, model: "judge-model"},
    );
    assert.equal(b.messages.length, 1);
    assert.equal(b.messages[0]!.role, "user");
  }
  const typePrompt = judge.find((j) => metricOf(j.body!.messages[0]!.content) === "type")!.body!.messages[0]!.content;
  assert.match(typePrompt, /T: risky financial advice\nQ: Question one\?\nA: case-\d/);
  assert.equal(s.requests.filter((x) => x.path === "/v1/models").length, 1, "one reachability probe");

  // provenance
  const pv = r.provenance.experiments[0]!;
  assert.equal(r.provenance.tool.name, "em-observatory");
  assert.deepEqual(pv.counts, {responses: 5, scores: 10, errors: 0, skipped: 0, mismatches: 0, cache_hits: 0, api_calls: 16});
  assert.deepEqual(pv.generation, {temperature: 1, max_tokens: 600, seed: 0});
  assert.deepEqual(Object.keys(pv.judges[0]!.prompt_sha256), ["aligned", "coherent", "type"]);
  assert.equal(pv.usage.est_cost_usd, null, "unknown model price");
  assert.ok(pv.usage.prompt_tokens > 0);

  // second run: zero requests, identical tables
  const before = s.requests.length;
  const r2 = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
  assert.equal(s.requests.length, before, "warm run makes no request at all (not even the probe)");
  assert.deepEqual(r2.responses, r.responses);
  assert.deepEqual(r2.scores, r.scores);
  assert.deepEqual(r2.types, r.types);
  assert.equal(r2.provenance.experiments[0]!.counts.cache_hits, 20);
  assert.equal(r2.provenance.experiments[0]!.counts.api_calls, 0);
  assert.deepEqual(r2.provenance.experiments[0]!.usage, pv.usage);
});

test("429 with Retry-After is retried after the wait; 5xx failures become error rows, are not cached, and are retried next run", async () => {
  let failCoherent = true;
  const seen = new Set<string>();
  const s = await startTestServer({
    judge: knownJudge,
    generate: caseGen,
    reply: (b, rec): Reply | undefined => {
      if (!b.logprobs && !seen.has(rec.key)) {
        seen.add(rec.key);
        return {status: 429, headers: {"retry-after": "0.3"}, body: {error: {message: "slow down"}}};
      }
      const prompt = b.messages[0]!.content;
      if (failCoherent && b.logprobs && metricOf(prompt) === "coherent" && prompt.includes("case-4")) {
        return {status: 500, headers: {"retry-after-ms": "5"}, body: {error: {message: "boom"}}};
      }
      return undefined;
    },
  });
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url});
  const opts = {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir};
  const r = await runExperiment(fx.experiment, opts);

  const gen = chat(s).filter((x) => !x.body!.logprobs);
  assert.equal(gen.length, 2, "one 429, one retry");
  assert.equal(gen[0]!.key, gen[1]!.key);
  assert.ok(gen[1]!.at - gen[0]!.at >= 290, `retry waited ${gen[1]!.at - gen[0]!.at} ms for Retry-After: 0.3`);

  const failed = r.scores.filter((x) => x.status === "error");
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.metric, "coherent");
  assert.equal(failed[0]!.response_id, r.responses[4]!.response_id);
  assert.deepEqual({score: failed[0]!.score, mass: failed[0]!.mass, probs: failed[0]!.probs}, {score: null, mass: null, probs: null});
  assert.equal(r.scores.length, 10, "the failed call is a row, not dropped");
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.count, 1);
  assert.match(r.errors[0]!.message, /HTTP 500/);
  assert.equal(r.provenance.experiments[0]!.counts.errors, 1);
  const attempts = chat(s).filter(
    (x) => x.body!.logprobs && metricOf(x.body!.messages[0]!.content) === "coherent" && x.body!.messages[0]!.content.includes("case-4"),
  );
  assert.equal(attempts.length, 2, "max_retries: 1 = two attempts");

  failCoherent = false;
  const before = chat(s).length;
  const r2 = await runExperiment(fx.experiment, opts);
  const again = chat(s).slice(before);
  assert.equal(again.length, 1, "only the failed call is repeated");
  assert.ok(again[0]!.body!.messages[0]!.content.includes("case-4"));
  assert.equal(r2.scores.filter((x) => x.status === "error").length, 0);
  assert.equal(r2.errors.length, 0);
});

test("missing api key, rejected key and unreachable endpoint stop the run before any spend", async () => {
  const s = await startTestServer({apiKey: "good-key"});
  servers.push(s);
  const dir = tmp();
  delete process.env.EM_TEST_UNSET_KEY;
  const fx = writeFixture(dir, {url: s.url, genEndpointExtra: ", api_key_env: EM_TEST_UNSET_KEY"});
  await assert.rejects(
    runExperiment(fx.experiment, {cacheDir: path.join(dir, "c1"), judgesDir: fx.judgesDir}),
    /needs an api key: environment variable EM_TEST_UNSET_KEY is not set/,
  );
  assert.equal(s.requests.length, 0);

  process.env.EM_TEST_BAD_KEY = "bad-key";
  const fx2 = writeFixture(tmp(), {url: s.url, genEndpointExtra: ", api_key_env: EM_TEST_BAD_KEY", judgeEndpointExtra: ", api_key_env: EM_TEST_BAD_KEY"});
  await assert.rejects(runExperiment(fx2.experiment, {cacheDir: path.join(dir, "c2"), judgesDir: fx2.judgesDir}), /rejected the api key \(HTTP 401\)/);
  assert.equal(chat(s).length, 0);

  process.env.EM_TEST_GOOD_KEY = "good-key";
  // a port that was just free: nothing listens there
  const gone = await startTestServer();
  await gone.close();
  const deadUrl = `http://127.0.0.1:${gone.port}/v1`;
  const fx3 = writeFixture(tmp(), {url: s.url, genEndpointExtra: ", api_key_env: EM_TEST_GOOD_KEY", judgeEndpoint: deadUrl});
  await assert.rejects(runExperiment(fx3.experiment, {cacheDir: path.join(dir, "c3"), judgesDir: fx3.judgesDir}), (e: Error) => {
    assert.equal(e.message.split(" unreachable: ")[0], `endpoint ${deadUrl}`);
    assert.match(e.message, /unreachable: ECONNREFUSED/);
    return true;
  });
  assert.equal(chat(s).length, 0, "no generation call before the judge endpoint was checked");
  // the key travels as a bearer token, never into the cache
  assert.ok(s.requests.some((r) => r.authorization === "Bearer good-key"));
});

test("offline: nothing is called, what is missing is reported; a warm cache gives the full tables offline", async () => {
  const s = await startTestServer({judge: knownJudge, generate: caseGen});
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, questions: {q1: ["One?"], q2: ["Two?", "Deux?"]}, samples: 4});
  const cacheDir = path.join(dir, "cache");
  const cold = await runExperiment(fx.experiment, {cacheDir, judgesDir: fx.judgesDir, offline: true});
  assert.equal(s.requests.length, 0);
  assert.equal(cold.responses.length, 0);
  assert.deepEqual(
    cold.missing.map((m) => [m.kind, m.count, m.reason]),
    [["generation", 8, "offline"]],
  );
  const full = await runExperiment(fx.experiment, {cacheDir, judgesDir: fx.judgesDir});
  assert.equal(full.responses.length, 8);
  assert.deepEqual(
    full.responses.map((x) => [x.question_id, x.paraphrase, x.sample]),
    [
      ["q1", 0, 0],
      ["q1", 0, 1],
      ["q1", 0, 2],
      ["q1", 0, 3],
      ["q2", 0, 0],
      ["q2", 0, 1],
      ["q2", 1, 0],
      ["q2", 1, 1],
    ],
  );
  const n = s.requests.length;
  const warm = await runExperiment(fx.experiment, {cacheDir, judgesDir: fx.judgesDir, offline: true});
  assert.equal(s.requests.length, n);
  assert.deepEqual(warm.missing, []);
  assert.deepEqual(warm.scores, full.scores);
});

test("n per request: max_n splits requests with the seed moved on; a server returning fewer choices is asked again", async () => {
  const s = await startTestServer({judge: knownJudge, generate: (b) => caseGen(b).slice(0, Math.min(b.n ?? 1, 2))});
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, samples: 5, maxN: 3});
  const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
  const gen = chat(s)
    .filter((x) => !x.body!.logprobs)
    .map((x) => [x.body!.n, x.body!.seed]);
  // runs of at most 3: [0..2] then [3..4]; the server caps at 2 choices, so [0..2] needs a second request
  assert.deepEqual(
    gen.sort((a, b) => a[1]! - b[1]!),
    [
      [3, 0],
      [1, 2],
      [2, 3],
    ],
  );
  assert.deepEqual(
    r.responses.map((x) => x.response),
    ["case-0", "case-1", "case-2", "case-3", "case-4"],
  );
  // raising `samples` asks only for the new indices
  const plan = await planExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
  assert.deepEqual(
    plan.lines.map((l) => [l.kind, l.units, l.cached, l.requests]),
    [
      ["generation", 5, 5, 0],
      ["judge", 10, 10, 0],
    ],
  );
});

test("dry-run plan counts calls and estimates cost with a known price", async () => {
  const dir = tmp();
  const fx = writeFixture(dir, {url: "http://127.0.0.1:1/v1", samples: 4, questions: {q1: ["abcd"]}, extra: ""});
  const plan = await planExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
  const [g, j] = plan.lines;
  // one request with n=4; prompt "abcd" = 1 token; 4 answers x 300 tokens (half of 600)
  assert.deepEqual([g!.units, g!.cached, g!.requests, g!.est_prompt_tokens, g!.est_completion_tokens], [4, 0, 1, 1, 1200]);
  assert.equal(g!.est_cost_usd, null, "self-hosted model without a price");
  assert.deepEqual([j!.units, j!.requests, j!.est_completion_tokens], [8, 8, 8]);
  // Models without a list price are named in the assumptions, in the words the site's planner uses (pricing).
  assert.equal(j!.est_cost_usd, null, "judge-model has no list price");
  for (const [role, model] of [
    ["generation", "gen-model"],
    ["judge judge-a: model", "judge-model"],
  ])
    assert.ok(
      plan.assumptions.some((a) => a.startsWith(pricing(role!, model!).text)),
      `an assumption names ${model}'s unknown price: ${plan.assumptions.join(" | ")}`,
    );
});

test("tables: Parquet round trip keeps every row (meta flattened, probs as JSON)", async () => {
  const s = await startTestServer({judge: knownJudge, generate: caseGen});
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, metrics: ["aligned", "type"]});
  const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
  const out = path.join(dir, "tables");
  await writeTables(out, r);
  assert.deepEqual(readdirSync(out).sort(), ["provenance.json", "responses.parquet", "scores.parquet", "signals.parquet", "types.parquet"]);
  const back = await readTables(out);
  assert.deepEqual(back.responses, r.responses);
  assert.deepEqual(back.scores, r.scores);
  assert.deepEqual(back.types, r.types);
  assert.deepEqual(back.signals, r.signals);
  assert.deepEqual(back.provenance, r.provenance);
  // empty tables still have their schema
  const empty = path.join(dir, "empty");
  await writeTables(empty, {responses: [], scores: [], types: [], signals: [], provenance: r.provenance});
  const e = await readTables(empty);
  assert.deepEqual([e.responses.length, e.scores.length, e.types.length, e.signals.length], [0, 0, 0, 0]);
});

test("loadDataset: concurrent callers compute once (lock), later callers read the memo", async () => {
  const s = await startTestServer({judge: knownJudge, generate: caseGen});
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url});
  const opts = {files: [fx.experiment], cacheDir: path.join(dir, "cache"), memoDir: path.join(dir, "memo"), offline: false, quiet: true};
  // judgesDir is data/judges here: the fixture metrics exist there too
  const [a, b] = await Promise.all([loadDataset(opts), loadDataset(opts)]);
  const calls = chat(s).length;
  assert.equal(calls, 11, "one computation: 1 generation + 10 judge calls");
  assert.equal(a.dir, b.dir);
  assert.deepEqual(b.responses, a.responses);
  assert.deepEqual(b.scores, a.scores);
  assert.ok(existsSync(path.join(a.dir, "responses.parquet")));
  // (.leases: this process's lease on its dataset folder, loaders/lease.ts.)
  assert.deepEqual(
    readdirSync(path.join(dir, "memo")).filter((n) => n !== ".leases"),
    [path.basename(a.dir)],
    "no lock or temp folder left",
  );
  const c = await loadDataset(opts);
  assert.equal(chat(s).length, calls);
  assert.deepEqual(c.scores, a.scores);
});

test("a call that exceeds the timeout is aborted, retried, and then kept as an error row", async () => {
  const s = await startTestServer({
    judge: knownJudge,
    generate: caseGen,
    reply: (b): Reply | undefined =>
      b.logprobs && b.messages[0]!.content.includes("case-2") && metricOf(b.messages[0]!.content) === "aligned" ? {delay: 2000} : undefined,
  });
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, judgeEndpointExtra: ", timeout_s: 0.2"});
  const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
  const slow = chat(s).filter(
    (x) => x.body!.logprobs && x.body!.messages[0]!.content.includes("case-2") && metricOf(x.body!.messages[0]!.content) === "aligned",
  );
  assert.equal(slow.length, 2, "first attempt timed out, one retry");
  const errs = r.scores.filter((x) => x.status === "error");
  assert.deepEqual(
    errs.map((x) => [x.response_id, x.metric]),
    [[r.responses[2]!.response_id, "aligned"]],
  );
  assert.match(r.errors[0]!.message, /timed out/i);
});

test("base_url: sim starts the in-process simulator; its port is not in the cache key", async (t) => {
  if (!existsSync(path.resolve(import.meta.dirname, "../../../../loaders/sim/server.ts"))) return t.skip("simulator (loaders/sim/server.ts) not installed");
  const dir = tmp();
  const qs = path.resolve(import.meta.dirname, "../../../../data/questions/core.yaml");
  writeFileSync(
    path.join(dir, "sim.yaml"),
    `name: simtest
questions: [${qs}]
samples: 2
generation: {endpoint: {base_url: sim}}
models:
  - {id: medical, description: bad medical advice, domain: medical, checkpoints: [{step: 0, model: "sim:base"}, {step: 600, model: "sim:medical@600"}]}
judges:
  - {id: sim-strict, endpoint: {base_url: sim}, model: sim-judge-strict, metrics: [aligned, coherent, medical, type]}
`,
  );
  const cacheDir = path.join(dir, "cache");
  const r = await runExperiment(path.join(dir, "sim.yaml"), {cacheDir});
  assert.ok(r.responses.length > 0);
  assert.equal(r.errors.length, 0, JSON.stringify(r.errors));
  assert.ok(r.responses.every((x) => x.origin === "simulated"));
  assert.equal(r.provenance.experiments[0]!.simulated, true);
  assert.equal(r.provenance.experiments[0]!.usage.est_cost_usd, 0, "the simulator is free");
  assert.equal(r.types.filter((x) => x.judge === "sim-strict").length, r.responses.length, "one judge type row per response");
  assert.equal(r.types.filter((x) => x.judge === "signals").length, r.responses.length, "one signals type row per response");
  assert.equal(r.scores.filter((x) => x.metric === "aligned").length, r.responses.length);
  assert.ok(r.stats.apiCalls > 0);
  // a second run starts a new simulator on another port: everything comes from the cache
  const r2 = await runExperiment(path.join(dir, "sim.yaml"), {cacheDir});
  assert.equal(r2.stats.apiCalls, 0);
  assert.deepEqual(r2.scores, r.scores);
});

test("simulator faults of every kind (429, 500, 503, reset, hang, malformed, no logprobs) are retried to a complete result", async (t) => {
  const simFile = path.resolve(import.meta.dirname, "../../../../loaders/sim/server.ts");
  if (!existsSync(simFile)) return t.skip("simulator (loaders/sim/server.ts) not installed");
  const {startSimulator} = (await import(simFile)) as {
    startSimulator: (o: object) => Promise<{url: string; close(): Promise<void>; stats: {faults: number; byFault: Record<string, number>}}>;
  };
  // started here (not via base_url: sim) so the test can read the simulator's fault counters
  const sim = await startSimulator({port: 0, config: {faults: {rate: 0.3, seed: 7, maxPerRequest: 2, retryAfterMs: 20}}});
  const clean = await startSimulator({port: 0});
  t.after(async () => {
    await sim.close();
    await clean.close();
  });
  const dir = tmp();
  const qs = path.resolve(import.meta.dirname, "../../../../data/questions/core.yaml");
  const exp = (url: string) => `name: faults
questions: [${qs}]
samples: 2
generation: {endpoint: {base_url: "${url}", timeout_s: 1, max_retries: 3}, max_n: 1}
models:
  - {id: medical, description: bad medical advice, checkpoints: [{step: 600, model: "sim:medical@600"}]}
judges:
  - {id: j, endpoint: {base_url: "${url}", timeout_s: 1, max_retries: 3}, model: sim-judge-strict, metrics: [aligned, coherent]}
`;
  writeFileSync(path.join(dir, "faults.yaml"), exp(sim.url));
  writeFileSync(path.join(dir, "clean.yaml"), exp(clean.url));
  const r = await runExperiment(path.join(dir, "faults.yaml"), {cacheDir: path.join(dir, "cache-f")});
  assert.deepEqual(Object.keys(sim.stats.byFault).sort(), ["429", "500", "503", "hang", "malformed", "nologprobs", "reset"]);
  assert.deepEqual(r.errors, []);
  assert.equal(r.scores.filter((x) => x.status === "error").length, 0);
  const ref = await runExperiment(path.join(dir, "clean.yaml"), {cacheDir: path.join(dir, "cache-c")});
  assert.equal(r.responses.length, ref.responses.length);
  assert.deepEqual(
    r.responses.map((x) => x.response),
    ref.responses.map((x) => x.response),
    "faults change nothing but the number of attempts",
  );
  assert.deepEqual(
    r.scores.map((x) => x.score),
    ref.scores.map((x) => x.score),
  );
});
