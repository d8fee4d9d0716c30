// Runs that never lose paid work (issue 14), against the real simulator over HTTP on 127.0.0.1:
// 1. soak: ~2,000 calls with 20% injected faults of every default kind (429 with Retry-After, 500,
//    503, resets, hangs past the timeout, malformed JSON, missing logprobs) end with every call
//    scored or recorded as failed with its reason, and the counts match the server's log; a rerun
//    without faults retries exactly the failures and completes the tables.
// 2. SIGKILL of `em run` at a random point (seeded), then a rerun: the tables are byte-identical to
//    an uninterrupted run's, and no request is paid more than `concurrency` extra times.
// 3. A torn cache line (a write cut off mid-line) is skipped, counted and its call redone.
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";
import {netStatus} from "../../../loaders/client/transport.ts";
import {runExperiment} from "../../../loaders/run/index.ts";
import {startSimulator} from "../../../loaders/sim/server.ts";

const ROOT = path.resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const TABLES = ["responses.parquet", "scores.parquet", "types.parquet", "signals.parquet"];

function experiment(
  dir: string,
  url: string,
  {samples, retries, timeout, genUrl, genTimeout}: {samples: number; retries: number; timeout: number; genUrl?: string; genTimeout?: number},
): string {
  const file = path.join(dir, "soak.yaml");
  // cache_id: the server moves port between runs; the cache must still be the same one.
  const ep = `{base_url: "${url}", cache_id: soak-sim, timeout_s: ${timeout}, max_retries: ${retries}}`;
  const genEp = `{base_url: "${genUrl ?? url}", cache_id: soak-sim, timeout_s: ${genTimeout ?? timeout}, max_retries: ${retries}}`;
  writeFileSync(
    file,
    `name: soak
questions: [${path.join(ROOT, "data/questions/core.yaml")}]
samples: ${samples}
generation:
  endpoint: ${genEp}
  concurrency: 8
  max_n: 16
models:
  - {id: medical, description: bad medical advice, checkpoints: [{step: 0, model: "sim:base"}, {step: 600, model: "sim:medical@600"}]}
judges:
  - {id: j, endpoint: ${ep}, model: sim-judge-strict, metrics: [aligned, coherent], concurrency: 16}
`,
  );
  return file;
}

test("soak: 20% injected faults; every call is scored or recorded as failed, counts match the server's log", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-soak-"));
  const sim = await startSimulator({config: {faults: {rate: 0.2, seed: 7, retryAfterMs: 5}}});
  // Generation on its own server with every fault but the hang, and a long timeout: a generation
  // request carries 16 samples, and on a busy machine a short timeout used to fail most of them,
  // leaving too few answers to judge (the soak's size then depended on the machine's load).
  const genSim = await startSimulator({config: {faults: {rate: 0.2, seed: 7, retryAfterMs: 5, kinds: ["429", "500", "503", "reset", "malformed"]}}});
  try {
    // max_retries 1 (SDK) + 1 content retry: some calls exhaust their retries, so failures are exercised too.
    // A 0.4 s timeout keeps the hang faults short. On a busy machine it also cuts off answers the
    // server did send: those are counted below from the client's timeouts (every hang fault is one,
    // the rest are answers given up on), so no assertion depends on how loaded the machine is.
    const file = experiment(dir, sim.url, {samples: 35, retries: 1, timeout: 0.4, genUrl: genSim.url, genTimeout: 120});
    const cacheDir = path.join(dir, "cache");
    const timeouts0 = netStatus().timeouts;
    const r = await runExperiment(file, {cacheDir, onWarning: () => {}});
    const clientTimeouts = netStatus().timeouts - timeouts0;
    const questions = 16;
    const samplesWanted = 2 * questions * 35;
    const genFailed = r.errors.filter((e) => e.kind === "generation").reduce((s, e) => s + e.count, 0);
    // Every sample is an answer or a counted failure; every answer has one row per metric.
    assert.equal(r.responses.length + genFailed, samplesWanted);
    assert.equal(r.scores.length, r.responses.length * 2);
    const errorRows = r.scores.filter((s) => s.status === "error").length;
    const judgeFailed = r.errors.filter((e) => e.kind === "judge").reduce((s, e) => s + e.count, 0);
    assert.equal(errorRows, judgeFailed, "each failed judge call is one error row");
    for (const e of r.errors) assert.ok(e.message.length > 0, "a failure has its reason");
    assert.ok(r.stats.apiCalls >= 1500, `soak size: ${r.stats.apiCalls} calls`);
    // The server's log: every chat request it received was a fault or a completion.
    const chat = sim.stats.byPath["/v1/chat/completions"] ?? 0;
    const faults = sim.stats.faults;
    assert.ok(faults > 0.15 * chat && faults < 0.25 * chat, `${faults} faults of ${chat} requests`);
    assert.ok(Object.keys(sim.stats.byFault).length >= 6, `fault kinds seen: ${Object.keys(sim.stats.byFault).join(", ")}`);
    // Every answer that reached the client whole (not a fault) is in the cache: nothing paid is lost.
    // (Identical judge prompts - the simulator's answers repeat - are one call and one entry.)
    const nologprobs = sim.stats.byFault.nologprobs ?? 0;
    // A nologprobs fault spoils a judge answer but not a generation; the log does not say which it hit.
    const judgeCached = r.stats.cache[0]!.written - r.responses.length;
    // Answers the server sent after the client had given up (timeouts beyond the hang faults).
    const hangs = sim.stats.byFault.hang ?? 0;
    assert.ok(clientTimeouts >= hangs, `${clientTimeouts} client timeouts for ${hangs} hang faults`);
    const abandoned = clientTimeouts - hangs;
    assert.ok(
      judgeCached <= sim.stats.judge && judgeCached >= sim.stats.judge - nologprobs - abandoned,
      `${judgeCached} judge results cached; the server answered ${sim.stats.judge} judge requests, ${nologprobs} without logprobs; ${abandoned} answers given up on by the client`,
    );
    assert.equal(chat, faults + sim.stats.judge + sim.stats.generate - nologprobs, "every request is a fault or an answer");
    assert.equal(genSim.stats.byPath["/v1/chat/completions"], genSim.stats.faults + genSim.stats.generate, "every generation request is a fault or an answer");
    assert.equal(r.provenance.experiments[0]!.counts.errors, errorRows + genFailed);

    // Rerun without faults over the same cache: only the failures are called again.
    const clean = await startSimulator({port: 0});
    try {
      // No hangs here: a long timeout costs nothing and no answer is given up on, however busy the machine.
      const file2 = experiment(dir, clean.url, {samples: 35, retries: 1, timeout: 120});
      const r2 = await runExperiment(file2, {cacheDir, onWarning: () => {}});
      assert.equal(r2.errors.length, 0);
      assert.equal(r2.responses.length, samplesWanted);
      assert.equal(r2.scores.filter((s) => s.status === "error").length, 0);
      // Judge calls now made: at most the failed ones plus two per answer generated only now (fewer
      // when answers repeat: identical prompts are one call); nothing that succeeded is paid again.
      assert.ok(judgeFailed + genFailed > 0, "the soak produced failures to retry");
      assert.ok(
        clean.stats.judge > 0 && clean.stats.judge <= judgeFailed + 2 * genFailed,
        `${clean.stats.judge} judge calls in the rerun for ${judgeFailed} failed judge calls and ${genFailed} failed samples`,
      );
      assert.equal(r2.stats.apiCalls, clean.stats.byPath["/v1/chat/completions"], "no retries needed without faults");
    } finally {
      await clean.close();
    }
  } finally {
    await sim.close();
    await genSim.close();
    rmSync(dir, {recursive: true, force: true});
  }
});

function em(args: string[]): {done: Promise<{code: number | null; signal: NodeJS.Signals | null; out: string}>; kill: () => void} {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd: ROOT, stdio: ["ignore", "pipe", "pipe"]});
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return {
    done: new Promise((resolve) => child.on("close", (code, signal) => resolve({code, signal, out}))),
    kill: () => child.kill("SIGKILL"),
  };
}

const tables = (dir: string) => TABLES.map((t) => readFileSync(path.join(dir, t)));

test("SIGKILL mid-run, rerun: byte-identical tables, at most `concurrency` calls repeated; a torn cache line is recovered", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-kill-"));
  const sim = await startSimulator({port: 0});
  try {
    const file = experiment(dir, sim.url, {samples: 10, retries: 2, timeout: 10});
    // Reference: an uninterrupted run with its own cache.
    const ref = em(["run", "--experiment", file, "--out", path.join(dir, "ref"), "--cache", path.join(dir, "ref-cache"), "--quiet"]);
    const refDone = await ref.done;
    assert.equal(refDone.code, 0, refDone.out);
    const refTables = tables(path.join(dir, "ref"));
    const refRequests = sim.stats.byPath["/v1/chat/completions"] ?? 0;
    sim.stats.bodies.clear();

    // Killed run: SIGKILL once the server has seen a seeded share of the reference's requests.
    const cache = path.join(dir, "cache");
    const at = Math.floor(refRequests * (0.2 + 0.6 * ((Number(process.env.EM_KILL_SEED ?? 3) * 0.618) % 1)));
    const start = sim.stats.byPath["/v1/chat/completions"] ?? 0;
    const killed = em(["run", "--experiment", file, "--out", path.join(dir, "out"), "--cache", cache, "--quiet"]);
    while ((sim.stats.byPath["/v1/chat/completions"] ?? 0) - start < at) await new Promise((r) => setTimeout(r, 2));
    killed.kill();
    const k = await killed.done;
    assert.equal(k.signal, "SIGKILL");

    // A torn line, as a write cut off by the kill would leave it (in a shard of its own).
    const shards = path.join(cache, "v1");
    const some = readdirSync(shards).filter((f) => f.endsWith(".jsonl"))[0]!;
    const firstLine = readFileSync(path.join(shards, some), "utf8").split("\n")[0]!;
    writeFileSync(path.join(shards, "00000000T000000-torn.jsonl"), "");
    appendFileSync(path.join(shards, "00000000T000000-torn.jsonl"), firstLine.slice(0, Math.floor(firstLine.length / 2)));

    const rerun = em(["run", "--experiment", file, "--out", path.join(dir, "out"), "--cache", cache]);
    const r = await rerun.done;
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /cut-off line\(s\) from an interrupted run/);
    const got = tables(path.join(dir, "out"));
    TABLES.forEach((t, i) => assert.ok(got[i]!.equals(refTables[i]!), `${t} differs from the uninterrupted run`));
    // Repeats: requests the killed run had in flight (no more than gen 8 + judge 16 concurrency).
    let repeated = 0;
    for (const n of sim.stats.bodies.values()) repeated += n - 1;
    assert.ok(repeated <= 8 + 16, `${repeated} requests paid twice`);
  } finally {
    await sim.close();
    rmSync(dir, {recursive: true, force: true});
  }
});
