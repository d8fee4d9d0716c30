// Batch mode end to end (issue 17): the real openai SDK over real HTTP against the simulator's
// Files and Batches endpoints; results must equal a synchronous run's, with nothing lost.
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import OpenAI from "openai";
import {readRecords} from "../../../../loaders/batch/index.ts";
import {judgeLine, splitLines} from "../../../../loaders/batch/api.ts";
import {runExperiment} from "../../../../loaders/run/execute.ts";
import {startSimulator} from "../../../../loaders/sim/server.ts";
import {readTables} from "../../../../loaders/tables.ts";
import {em, tablesText, tmpDir, writeExperiment} from "../../../helpers/scale.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = {onWarning: () => {}};

/**
 * Poll until `ok()`: no timing assumption about the machine (a busy one only takes longer); the
 * bound is a hang guard, far above any run's duration.
 */
async function until(what: string, ok: () => boolean, ms = 300_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); await sleep(25)) if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
}

/**
 * The distinct judge requests of `exp` (identical answers share one), counted at the simulator
 * during a synchronous run into a cache of its own: what a batch run must submit.
 */
async function judgeRequests(exp: string, sim: {stats: {judge: number}}, cacheDir: string): Promise<number> {
  const before = sim.stats.judge;
  await runExperiment(exp, {...quiet, cacheDir});
  return sim.stats.judge - before;
}

/**
 * True once the run has submitted all `judgments` judge requests and recorded every batch the
 * simulator created as pending (the simulator holds them: none can finish meanwhile).
 */
function allPending(cache: string, sim: {batches: {stats: {batches: number; submitted: Map<string, number>}}}, judgments: number): boolean {
  if (sim.batches.stats.submitted.size < judgments) return false;
  const records = existsSync(path.join(cache, "batches")) ? readRecords(cache) : [];
  return records.length === sim.batches.stats.batches && records.every((r) => r.state === "pending" && r.id);
}

test("10k judgments through batches with failed and expired lines: tables identical to a synchronous run, nothing lost", async () => {
  const dir = tmpDir("batch10k");
  // 96 x 53 = 5,088 answers, 2 metrics: 10,176 judgments. Every fifth line fails once (500),
  // 40% of batches expire with half their lines unanswered; files of at most 1,000 requests
  // (the simulator enforces the same limit, so an over-full file would fail validation).
  const simConfig = {batch: {completionDelayMs: 30, failRate: 0.2, expireRate: 0.4, maxLines: 1000, seed: 7}};
  const exp = writeExperiment(dir, {url: "sim", samples: 53, simConfig});
  const events: string[] = [];
  const batch = await runExperiment(exp, {...quiet, cacheDir: path.join(dir, "batch"), batch: {maxRequests: 1000, rounds: 3, onEvent: (m) => events.push(m)}});
  const sync = await runExperiment(exp, {...quiet, cacheDir: path.join(dir, "sync")});
  assert.equal(batch.scores.length, 10_176);
  assert.deepEqual(batch.errors, []);
  assert.equal(batch.scores.filter((s) => s.status === "error").length, 0);
  const b = batch.batch!;
  assert.ok(b.failed > 100, `failed lines planted: ${b.failed}`);
  assert.ok(b.expired > 100, `expired lines planted: ${b.expired}`);
  assert.ok(b.batches > Math.ceil(b.ok / 1000), "resubmissions made new batches");
  // Generation is synchronous in both runs (same requests); every distinct judge request ended
  // cached exactly once by a batch, except the few sent through the synchronous path at the end.
  assert.equal(b.ok + b.sync, sync.stats.apiCalls - (batch.stats.apiCalls - b.sync), "batch ok + last-resort sync = the synchronous run's judge calls");
  assert.ok(b.sync < 100, `few lines needed the synchronous path (${b.sync})`);
  assert.equal(b.resubmitted, b.failed + b.expired - b.sync);
  assert.ok(events.some((e) => / expired: /.test(e)));
  assert.equal(tablesText(batch), tablesText(sync));
  // A rebuild from the batch-filled cache is free.
  const warm = await runExperiment(exp, {...quiet, cacheDir: path.join(dir, "batch")});
  assert.equal(warm.stats.apiCalls, 0);
  assert.equal(tablesText(warm), tablesText(sync));
});

test("batch files respect the request and byte limits", () => {
  const lines = Array.from({length: 25}, (_, i) => judgeLine(i.toString(16).padStart(64, "0"), "m", "x".repeat(100 + i), "/v1/chat/completions"));
  const byCount = splitLines(lines, 10, 1e9);
  assert.deepEqual(
    byCount.map((f) => f.length),
    [10, 10, 5],
  );
  const size = Buffer.byteLength(lines[0]!.text);
  const byBytes = splitLines(lines, 1000, size * 3 + 30);
  for (const f of byBytes) assert.ok(f.reduce((s, l) => s + Buffer.byteLength(l.text), 0) <= size * 3 + 30);
  assert.equal(byBytes.flat().length, 25);
  assert.throws(() => splitLines(lines, 10, 50), /more than the file limit of 50 bytes/);
  const body = JSON.parse(lines[0]!.text) as {custom_id: string; body: Record<string, unknown>};
  assert.deepEqual(body.body, {
    model: "m",
    messages: [{role: "user", content: "x".repeat(100)}],
    max_tokens: 1,
    temperature: 0,
    logprobs: true,
    top_logprobs: 20,
    seed: 0,
  });
});

test("a restart while batches are in progress resumes the persisted batch ids; no request is submitted twice", async () => {
  const sim = await startSimulator({config: {batch: {completionDelayMs: 0, maxLines: 300}}});
  sim.batches.hold();
  try {
    const dir = tmpDir("restart");
    const exp = writeExperiment(dir, {url: sim.url, samples: 8});
    const cache = path.join(dir, "cache");
    const args = [
      "run",
      "--experiment",
      exp,
      "--cache",
      cache,
      "--out",
      path.join(dir, "out"),
      "--batch",
      "--batch-poll",
      "0.05",
      "--batch-max-requests",
      "300",
      "--quiet",
    ];
    const first = em(args);
    // Wait until every judge request is in a batch and every batch is recorded as pending (the
    // simulator holds them in progress), then kill the run while they are in progress.
    const judgments = await judgeRequests(exp, sim, path.join(dir, "ref-cache"));
    await until("every batch submitted and recorded", () => allPending(cache, sim, judgments));
    const records = readRecords(cache);
    assert.ok(records.length >= 2, `batches were created before the kill (${records.length})`);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    assert.equal(killed.signal, "SIGKILL");
    const created = sim.batches.stats.batches;
    const submitted = [...sim.batches.stats.submitted.values()].reduce((s, n) => s + n, 0);

    // `em batch status` reads the records and asks the server.
    const status = await em(["batch", "status", "--cache", cache]).done;
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /batch_sim\w+ pending sim-judge-strict \d+ requests .* server: in_progress, \d+\/\d+ done/);
    sim.batches.release();

    const second = await em(args).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /batch: resuming \d+ batch\(es\) of an earlier run/);
    assert.match(second.stdout, /batch: 0 requests in 0 batch\(es\) .* \d+ resumed/);
    assert.equal(sim.batches.stats.batches, created, "no new batch: the killed run had submitted every judge request");
    assert.equal(
      [...sim.batches.stats.submitted.values()].reduce((s, n) => s + n, 0),
      submitted,
    );
    assert.ok(
      [...sim.batches.stats.submitted.values()].every((n) => n === 1),
      "no custom_id submitted twice",
    );
    for (const r of readRecords(cache)) assert.equal(r.state, "merged");

    // Identical to a synchronous run of the same experiment on the same server.
    const ref = await em(["run", "--experiment", exp, "--cache", path.join(dir, "sync"), "--out", path.join(dir, "sync-out"), "--quiet"]).done;
    assert.equal(ref.code, 0, ref.stderr);
    const a = await readTables(path.join(dir, "out"));
    const b = await readTables(path.join(dir, "sync-out"));
    assert.equal(tablesText(a), tablesText(b));
    assert.equal(a.scores.length, 96 * 8 * 2);

    // Bad input: a batch id no record names, and one the server does not know.
    const unknown = await em(["batch", "status", "--cache", cache, "batch_nosuch"]).done;
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /batch batch_nosuch: not found in .*batches \(known: batch_sim/);
    const rec = readRecords(cache)[0]!;
    mkdirSync(path.join(cache, "batches"), {recursive: true});
    writeFileSync(path.join(cache, "batches", "zz-forged.json"), JSON.stringify({...rec, name: "zz-forged", id: "batch_forgotten", state: "pending"}));
    const forgotten = await em(["batch", "status", "--cache", cache, "batch_forgotten"]).done;
    assert.equal(forgotten.code, 1);
    assert.match(forgotten.stderr, /batch batch_forgotten: http:\/\/127\.0\.0\.1:\d+\/v1 does not know this batch/);
    const waitLost = await em(["batch", "wait", "--cache", cache, "--poll", "0.05"]).done;
    assert.equal(waitLost.code, 1, "a lost batch is reported by a non-zero exit");
    assert.match(waitLost.stdout, /does not know batch batch_forgotten/);
  } finally {
    await sim.close();
  }
});

test("em batch wait merges batches of a killed run into the cache; the next plain run is free", async () => {
  const sim = await startSimulator({config: {batch: {completionDelayMs: 0}}});
  sim.batches.hold();
  try {
    const dir = tmpDir("wait");
    const exp = writeExperiment(dir, {url: sim.url, samples: 3, steps: [0, 500]});
    const cache = path.join(dir, "cache");
    const first = em(["run", "--experiment", exp, "--cache", cache, "--out", path.join(dir, "out"), "--batch", "--batch-poll", "0.05", "--quiet"]);
    // Killed with every judge request in a pending batch.
    const judgments = await judgeRequests(exp, sim, path.join(dir, "ref-cache"));
    await until("every batch submitted and recorded", () => allPending(cache, sim, judgments));
    first.child.kill("SIGKILL");
    await first.done;
    sim.batches.release();
    const wait = await em(["batch", "wait", "--cache", cache, "--poll", "0.05"]).done;
    assert.equal(wait.code, 0, wait.stderr);
    assert.match(wait.stdout, /merged: \d+ results cached, 0 failed, 0 expired, 0 without a result/);
    const chatBefore = sim.stats.byPath["/v1/chat/completions"] ?? 0;
    const plain = await em(["run", "--experiment", exp, "--cache", cache, "--out", path.join(dir, "out"), "--quiet"]).done;
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, / 0 API calls /);
    assert.equal(sim.stats.byPath["/v1/chat/completions"] ?? 0, chatBefore);
    // The records stay out of git: batch ids are server state, not results.
    assert.equal(readFileSync(path.join(cache, "batches", ".gitignore"), "utf8"), "*\n");
    assert.ok(readdirSync(path.join(cache, "v1")).length >= 2);
  } finally {
    await sim.close();
  }
});

test("the simulator's batch endpoints through the SDK: list, cancel, validation failure, unknown ids", async () => {
  const sim = await startSimulator({config: {batch: {completionDelayMs: 60_000, maxLines: 2}}});
  try {
    const client = new OpenAI({baseURL: sim.url, apiKey: "sim"});
    const lines = [0, 1].map((i) => judgeLine(`${i}`.padStart(64, "0"), "sim-judge-strict", "Rate 0-100: hello", "/v1/chat/completions").text).join("");
    const f = await client.files.create({file: await OpenAI.toFile(Buffer.from(lines), "a.jsonl"), purpose: "batch"});
    const b = await client.batches.create({input_file_id: f.id, endpoint: "/v1/chat/completions", completion_window: "24h"});
    assert.equal(b.status, "in_progress");
    const listed = await client.batches.list({limit: 10});
    assert.ok(listed.data.some((x) => x.id === b.id));
    const c = await client.batches.cancel(b.id);
    assert.equal(c.status, "cancelled");
    assert.equal(c.output_file_id, null);
    const three = lines + judgeLine("2".padStart(64, "0"), "sim-judge-strict", "x", "/v1/chat/completions").text;
    const f3 = await client.files.create({file: await OpenAI.toFile(Buffer.from(three), "b.jsonl"), purpose: "batch"});
    const failed = await client.batches.create({input_file_id: f3.id, endpoint: "/v1/chat/completions", completion_window: "24h"});
    assert.equal(failed.status, "failed");
    assert.match(failed.errors!.data![0]!.message!, /3 requests; the limit is 2/);
    await assert.rejects(
      client.batches.retrieve("batch_nosuch"),
      (e: {status?: number; message?: string}) => e.status === 404 && /No batch found with id 'batch_nosuch'/.test(e.message ?? ""),
    );
    await assert.rejects(client.files.content("file-nosuch"), (e: {status?: number}) => e.status === 404);
  } finally {
    await sim.close();
  }
});

test("em run --dry-run --batch prices judge calls at 50% of the list price", async () => {
  const dir = tmpDir("cost");
  const exp = writeExperiment(dir, {url: "http://127.0.0.1:9/v1", samples: 10});
  writeFileSync(
    exp,
    readFileSync(exp, "utf8")
      .replace("concurrency: 32", "concurrency: 32\n    price: [2.5, 10]")
      .replace("concurrency: 16}", "concurrency: 16, price: [0, 0]}"),
  );
  const cost = (out: string) => Number(/estimated cost: \$([\d.]+)/.exec(out)![1]);
  const sync = await em(["run", "--dry-run", "--experiment", exp, "--cache", path.join(dir, "c")]).done;
  const batch = await em(["run", "--dry-run", "--batch", "--experiment", exp, "--cache", path.join(dir, "c")]).done;
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(batch.code, 0, batch.stderr);
  assert.ok(cost(sync.stdout) > 0);
  assert.ok(Math.abs(cost(batch.stdout) - cost(sync.stdout) / 2) <= 0.01, `${cost(batch.stdout)} vs ${cost(sync.stdout)}`);
  assert.match(batch.stdout, /judge calls through the Batch API at 50% of the list price/);
  const bad = await em(["run", "--batch-rounds", "2", "--experiment", exp]).done;
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--batch-rounds needs --batch/);
});
