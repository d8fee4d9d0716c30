// Money (issue 23): no call is paid twice and nothing paid is lost, against the real simulator
// over HTTP on 127.0.0.1 and the real `em` entry point in child processes.
// 1. Two `em run`s started together on one cache: the second waits for the first (naming it) and
//    then reads what the first paid for; the server sees every distinct request body once.
// 2. A full disk under the cache mid-run (a real tmpfs; needs root for `mount`, skipped visibly
//    otherwise): the run stops at once with exit 4 and says how much is safe; after freeing space
//    the rerun pays only for what never reached the cache, and its tables equal an uninterrupted run's.
// 3. A stale lock (its pid gone) is taken over; a live holder on this host is named.
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {DuckDBInstance} from "@duckdb/node-api";
import {fileURLToPath} from "node:url";
import {LOCK_FILE, lockCache} from "../../../loaders/cache-lock.ts";
import {endpointId, simCodeHash} from "../../../loaders/client/endpoints.ts";
import {buildReportAt} from "../../../loaders/commands/report.ts";
import {EndpointSchema} from "../../../loaders/experiment.ts";
import {ProgressLine, formatProgress} from "../../../loaders/progress.ts";
import {judgePrompt, parseRubric} from "../../../loaders/rubrics.ts";
import {runExperiment} from "../../../loaders/run/index.ts";
import {startSimulator} from "../../../loaders/sim/server.ts";
import {startTestServer, writeFixture} from "../../helpers/openai-test-server.ts";

const ROOT = path.resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const TABLES = ["responses.parquet", "scores.parquet", "types.parquet", "signals.parquet"];

function experiment(dir: string, url: string, samples: number): string {
  const file = path.join(dir, "money.yaml");
  // cache_id: each test's server has its own port; the cache identity must not depend on it.
  const ep = `{base_url: "${url}", cache_id: money-sim, timeout_s: 30, max_retries: 2}`;
  writeFileSync(
    file,
    `name: money
questions: [${path.join(ROOT, "data/questions/core.yaml")}]
samples: ${samples}
generation:
  endpoint: ${ep}
  concurrency: 4
  max_n: 2
models:
  - {id: medical, description: bad medical advice, checkpoints: [{step: 0, model: "sim:base"}, {step: 600, model: "sim:medical@600"}]}
judges:
  - {id: j, endpoint: ${ep}, model: sim-judge-strict, metrics: [aligned, coherent], concurrency: 4}
`,
  );
  return file;
}

function em(args: string[]): Promise<{code: number | null; out: string; err: string}> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd: ROOT, stdio: ["ignore", "pipe", "pipe"]});
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({code, out, err})));
}

const tables = (dir: string) => TABLES.map((t) => readFileSync(path.join(dir, t)));
// Each table's rows as JSON text keyed by response id (and judge / metric where a table has them).
async function tableRows(dir: string): Promise<Record<string, Map<string, string>>> {
  const out: Record<string, Map<string, string>> = {};
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  try {
    for (const t of TABLES) {
      const file = path.join(dir, t).replaceAll("'", "''");
      const rows = (await con.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson() as Record<string, unknown>[];
      const m = new Map<string, string>();
      for (const r of rows) m.set([r.response_id, r.judge, r.metric].filter((v) => v != null).join("\u0000"), JSON.stringify(r));
      out[t] = m;
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
  return out;
}
const chatBodies = (stats: {bodies: Map<string, number>}) => stats.bodies;

test("two concurrent `em run`s on one cache: the second waits, names the holder, and every distinct request is paid once", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-lock-"));
  const sim = await startSimulator({port: 0});
  try {
    const file = experiment(dir, sim.url, 6);
    const cache = path.join(dir, "cache");
    const [a, b] = await Promise.all([
      em(["run", "--experiment", file, "--cache", cache, "--out", path.join(dir, "a"), "--quiet"]),
      em(["run", "--experiment", file, "--cache", cache, "--out", path.join(dir, "b"), "--quiet"]),
    ]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const waited = [a, b].filter((r) => /is in use by pid \d+ on host .+ since \d{4}-\d\d-\d\dT/.test(r.err));
    assert.equal(waited.length, 1, `exactly one run waited:\n${a.err}\n---\n${b.err}`);
    const bodies = chatBodies(sim.stats);
    assert.ok(bodies.size > 50, `${bodies.size} distinct requests`);
    const twice = [...bodies.values()].filter((n) => n > 1).length;
    assert.equal(twice, 0, `${twice} of ${bodies.size} distinct requests were paid more than once`);
    // The waiting run made no call at all: everything it needed was paid by the first.
    assert.match(waited[0]!.out, / 0 API calls/);
    assert.deepEqual(tables(path.join(dir, "a")), tables(path.join(dir, "b")));
    assert.ok(!readdirSync(cache).includes(LOCK_FILE), "the lock is released");
  } finally {
    await sim.close();
    rmSync(dir, {recursive: true, force: true});
  }
});

/** A child `em` whose output can be watched while it runs. */
function emLive(args: string[], cwd: string) {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/em.js"), ...args], {cwd, stdio: ["ignore", "pipe", "pipe"]});
  const io = {out: "", err: ""};
  child.stdout.on("data", (d: Buffer) => (io.out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (io.err += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {pid: child.pid!, io, done};
}

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
}

test("`em cache merge` and `em batch wait` take the cache lock: beside a live `em run` on the cache they wait, naming it; then nothing is paid twice", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-merge-lock-"));
  const server = await startTestServer({models: ["gen-model", "judge-model"]});
  try {
    const src = path.join(dir, "src");
    const dest = path.join(dir, "dest");
    // The source cache: a run of one experiment (3 samples).
    const a = writeFixture(path.join(dir, "a"), {url: server.url, samples: 3});
    // The project's rubrics, as the em processes below use.
    await runExperiment(a.experiment, {cacheDir: src, onWarning: () => {}});
    const paidForA = server.requests.filter((q) => q.body).length;
    assert.ok(paidForA > 0);
    // A second experiment runs on the destination and is held inside its first call (lock held).
    const b = writeFixture(path.join(dir, "b"), {url: server.url, samples: 4});
    server.hold();
    const runB = emLive(["run", "--experiment", b.experiment, "--cache", dest, "--out", path.join(dir, "out-b"), "--quiet"], path.join(dir, "b"));
    await until(
      "em run to hold the lock",
      () => existsSync(path.join(dest, LOCK_FILE)) && readFileSync(path.join(dest, LOCK_FILE), "utf8").includes(`"pid":${runB.pid}`),
    );
    const merge = emLive(["cache", "merge", dest, src], dir);
    const wait = emLive(["batch", "wait", "--cache", dest], dir);
    const holder = new RegExp(`cache .*dest is in use by pid ${runB.pid} on host .+ \\(em run --experiment`);
    await until("em cache merge to name the holder", () => holder.test(merge.io.err));
    await until("em batch wait to name the holder", () => holder.test(wait.io.err));
    // While the run holds the lock the merge has copied nothing: the run would not see it and pay again.
    const shards = () => (existsSync(path.join(dest, "v1")) ? readdirSync(path.join(dest, "v1")) : []);
    assert.deepEqual(
      shards().filter((f) => readdirSync(path.join(src, "v1")).includes(f)),
      [],
    );
    server.release();
    assert.equal(await runB.done, 0, runB.io.err);
    assert.equal(await merge.done, 0, merge.io.err);
    assert.equal(await wait.done, 0, wait.io.err);
    assert.match(merge.io.out, /merged 1 cache\(s\) into .*dest: 1 shard file\(s\) copied/);
    assert.match(wait.io.out, /no pending batches/);
    assert.ok(!existsSync(path.join(dest, LOCK_FILE)), "every lock released");
    // The merged cache is whole: both experiments rebuild from it with no call at all.
    const before = server.requests.filter((q) => q.body).length;
    for (const fx of [a, b]) {
      const r = await runExperiment(fx.experiment, {cacheDir: dest, onWarning: () => {}});
      assert.equal(r.stats.apiCalls, 0, fx.experiment);
    }
    assert.equal(server.requests.filter((q) => q.body).length, before);
  } finally {
    server.release();
    await server.close();
    rmSync(dir, {recursive: true, force: true});
  }
});

test("`em cache merge` with bad input writes nothing, not even its lock folder", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-merge-bad-"));
  try {
    const r = await em(["cache", "merge", path.join(dir, "new-dest"), path.join(dir, "no-such-source")]);
    assert.equal(r.code, 1);
    assert.match(r.err, /no-such-source: no such cache folder/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a stale lock (its process gone) is taken over; a live holder is named and a timeout says who holds it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-stale-"));
  try {
    // A pid that existed and is gone: a finished child's.
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const started = "2026-01-01T00:00:00.000Z";
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({pid: gone, host: os.hostname(), started, command: "em run (killed)"}));
    const told: string[] = [];
    const lock = await lockCache(dir, {onWait: (m) => told.push(m), command: "test"});
    assert.match(told.join("\n"), new RegExp(`taking over a stale lock \\(pid ${gone} on host .+ since ${started}`));
    assert.equal(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), "utf8")).pid, process.pid);
    // This process holds it: a second taker (with a timeout) is refused with the holder named.
    await assert.rejects(lockCache(dir, {timeoutMs: 300, pollMs: 50}), new RegExp(`in use by pid ${process.pid} on host ${os.hostname()} since`));
    lock.release();
    assert.ok(!readdirSync(dir).includes(LOCK_FILE));
    (await lockCache(dir, {timeoutMs: 300})).release();
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

// A real ENOSPC: a small tmpfs mounted under the test folder (root only).
function tryMount(at: string, bytes: number): boolean {
  mkdirSync(at, {recursive: true});
  return spawnSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", at]).status === 0;
}
const canMount = (() => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), "em-money-mnt-"));
  const ok = tryMount(probe, 65536);
  if (ok) spawnSync("umount", [probe]);
  rmSync(probe, {recursive: true, force: true});
  return ok;
})();

test("a full disk under the cache mid-run: exit 4, what is safe is said; after freeing space the rerun pays only for what was never cached", {
  skip: !canMount && "needs root and `mount -t tmpfs` (not available here)",
}, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-enospc-"));
  const mnt = path.join(dir, "mnt");
  let mounted = false;
  try {
    // Reference: an uninterrupted run; its cache size decides the tmpfs size.
    const ref = await startSimulator({port: 0});
    let refBodies: Set<string>;
    let cacheBytes = 0;
    try {
      const file = experiment(dir, ref.url, 6);
      const r = await em(["run", "--experiment", file, "--cache", path.join(dir, "ref-cache"), "--out", path.join(dir, "ref"), "--quiet"]);
      assert.equal(r.code, 0, r.err);
      refBodies = new Set(ref.stats.bodies.keys());
      const shards = path.join(dir, "ref-cache/v1");
      for (const f of readdirSync(shards)) cacheBytes += statSync(path.join(shards, f)).size;
    } finally {
      await ref.close();
    }
    // Room for about 40% of the results.
    const size = Math.max(4096, Math.floor((cacheBytes * 0.4) / 4096) * 4096);
    assert.ok(tryMount(mnt, size), "mount tmpfs");
    mounted = true;
    const cache = path.join(mnt, "cache");

    const sim1 = await startSimulator({port: 0});
    let first: Map<string, number>;
    let lost: number;
    let saved: number;
    try {
      const file = experiment(dir, sim1.url, 6);
      const r = await em(["run", "--experiment", file, "--cache", cache, "--out", path.join(dir, "out"), "--quiet"]);
      assert.equal(r.code, 4, `exit 4 (spent, then stopped):\n${r.err}`);
      assert.match(r.err, /ENOSPC: no space left on device/);
      const m = /Safe: (\d+) result\(s\).*Lost: (\d+) paid result/.exec(r.err);
      assert.ok(m, r.err);
      saved = Number(m[1]);
      lost = Number(m[2]);
      assert.ok(saved > 0, "some results were cached before the disk filled");
      // Stopped at once: at most the results of the calls in flight when the disk filled
      // (generation concurrency 4 x max_n 2 samples + judge concurrency 4 = 12).
      assert.ok(lost <= 12, `${lost} paid results lost`);
      assert.ok(sim1.stats.bodies.size < refBodies.size, "the run stopped before making every call");
      const out = path.join(dir, "out");
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], "no tables written");
      first = new Map(sim1.stats.bodies);
    } finally {
      await sim1.close();
    }

    // Free space: grow the tmpfs (its files stay), then rerun.
    assert.equal(spawnSync("mount", ["-o", `remount,size=${cacheBytes * 4 + 65536}`, mnt]).status, 0, "remount");
    const sim2 = await startSimulator({port: 0});
    try {
      const file = experiment(dir, sim2.url, 6);
      const r = await em(["run", "--experiment", file, "--cache", cache, "--out", path.join(dir, "out"), "--quiet"]);
      assert.equal(r.code, 0, r.err);
      const second = sim2.stats.bodies;
      const repaid = [...second.keys()].filter((k) => first.has(k)).length;
      // Paid again: only results the full disk lost (a sample request of max_n 2 is one body).
      assert.ok(repaid <= lost, `${repaid} requests paid again; ${lost} results were reported lost`);
      t.diagnostic(
        `tmpfs ${size} B of a ${cacheBytes} B cache; first run: ${first.size} requests, ${saved} results safe, ${lost} lost; rerun: ${second.size} requests, ${repaid} paid again; reference: ${refBodies.size} requests`,
      );
      // Together the two runs made the reference run's requests, except for the samples the full disk
      // lost out of a request whose other samples were saved. Samples are asked in blocks of max_n
      // (loaders/generate.ts requestRuns: seed + start, n), so a block never asked, or lost whole, is
      // asked with the reference body and gets the reference answers; only a partly saved block is
      // asked another way: one generation body for its k >= 1 lost samples, and k new answers (another
      // draw: the simulator's text depends on the request, as a real model's does), each judged once
      // per metric (aligned, coherent): at most 1 + 2k requests outside the reference run, and the 2k
      // judge requests of the reference answers never made, for k lost results. So at most 3 and 2
      // per result reported lost. (Before requestRuns cut runs at blocks, one lost sample shifted every
      // later request of its question: 11 requests outside the reference for 9 lost, seen under load.)
      // The tables below must still equal the reference run's: nothing paid for is missing from them.
      const JUDGE_METRICS = 2;
      const union = new Set([...first.keys(), ...second.keys()]);
      const extra = [...union].filter((k) => !refBodies.has(k));
      const missing = [...refBodies].filter((k) => !union.has(k));
      t.diagnostic(`${extra.length} requests outside the reference run, ${missing.length} reference requests asked another way`);
      assert.ok(extra.length <= (1 + JUDGE_METRICS) * lost, `${extra.length} requests outside the reference run; ${lost} results were reported lost`);
      assert.ok(missing.length <= JUDGE_METRICS * lost, `${missing.length} requests of the reference run never made; ${lost} results were reported lost`);
      if (extra.length === 0) assert.deepEqual(tables(path.join(dir, "out")), tables(path.join(dir, "ref")));
      else {
        // A sample asked another way is another draw (the simulator's text depends on the request,
        // as a real model's does): the same answers exist (no id lost or added), every row of every
        // other answer is identical, and only answers of the re-asked requests differ.
        const out = await tableRows(path.join(dir, "out"));
        const ref = await tableRows(path.join(dir, "ref"));
        const changed = new Set<string>();
        for (const t of TABLES) {
          assert.deepEqual([...out[t]!.keys()].sort(), [...ref[t]!.keys()].sort(), `${t}: the same rows`);
          for (const [key, row] of out[t]!) if (row !== ref[t]!.get(key)) changed.add(key.split("\u0000")[0]!);
        }
        // generation max_n 2: at most 2 answers per request asked another way.
        assert.ok(changed.size <= 2 * extra.length, `${changed.size} answers differ from the reference; ${extra.length} requests were asked another way`);
      }
    } finally {
      await sim2.close();
    }
  } finally {
    if (mounted) spawnSync("umount", [mnt]);
    rmSync(dir, {recursive: true, force: true});
  }
});

test("judgePrompt: a 5 MB answer becomes a prompt within max_prompt_chars, with the cut counted and said in the prompt", () => {
  const answer = "x".repeat(5_000_000);
  const {prompt, cut} = judgePrompt("Q: {question}\nA: {answer}\nScore it.", {question: "Why?", answer}, 60_000);
  assert.ok(prompt.length <= 60_000, `${prompt.length} chars`);
  assert.ok(prompt.length > 59_000, "the limit is used, not wasted");
  assert.equal(cut, 5_000_000 - (prompt.match(/x/g) ?? []).length);
  assert.match(prompt, new RegExp(`\\[\\.\\.\\. ${cut} characters of this answer cut: the judge prompt limit is 60000 characters\\]\\nScore it\\.$`));
  // Under the limit: unchanged (same cache key as before the limit existed).
  assert.deepEqual(judgePrompt("A: {answer}", {question: "", answer: "short"}, 60_000), {prompt: "A: short", cut: 0});
  // A surrogate pair is never split.
  const emoji = judgePrompt("{answer}", {question: "", answer: "😀".repeat(600)}, 1000);
  assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(emoji.prompt), "no lone high surrogate");
});

test("a rubric whose front matter never closes is an error naming the file (not prompt text)", () => {
  assert.throws(
    () => parseRubric("---\nkind: score\n\nRate {answer} from 0 to 100.\n", "aligned", "/x/judges/aligned.md"),
    /aligned\.md: rubric 'aligned': front matter opened with '---' on line 1 is never closed/,
  );
  // A rubric with closed front matter, or none, still loads.
  assert.equal(parseRubric("---\nkind: score\n---\nRate {answer}.", "m", "/x/m.md").template, "Rate {answer}.");
});

test("an imported 5 MB answer: the judge receives a prompt within the limit (truncate) or no request (refuse), counted in the warnings and provenance", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-size-"));
  const sim = await startSimulator({port: 0});
  // A logging proxy in front of the simulator: the size of every request body the judge receives.
  const sizes: number[] = [];
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.method === "POST") sizes.push(body.length);
      const up = http.request(new URL(req.url!, sim.url), {method: req.method, headers: {...req.headers, host: new URL(sim.url).host}}, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
  try {
    writeFileSync(path.join(dir, "big.csv"), `question_id,question,answer\nq1,Why?,${"y".repeat(5_000_000)}\nq2,How?,A short answer.\n`);
    const write = (oversize: string) =>
      writeFileSync(
        path.join(dir, "exp.yaml"),
        `name: big\nimports:\n  - {files: big.csv, model: m}\njudges:\n  - {id: j, endpoint: {base_url: "${url}", cache_id: size-sim}, model: sim-judge-strict, metrics: [aligned], oversize: ${oversize}}\n`,
      );
    write("refuse");
    const warnings: string[] = [];
    const refused = await runExperiment(path.join(dir, "exp.yaml"), {cacheDir: path.join(dir, "cache"), onWarning: (m) => warnings.push(m)});
    assert.equal(sizes.length, 1, "only the short answer was sent");
    assert.match(warnings.join("\n"), /judge j: 1 judge prompt\(s\) over max_prompt_chars 60000: 1 not sent \(oversize: refuse; error rows\)/);
    assert.equal(refused.scores.filter((s) => s.status === "error").length, 1);
    // Counted in the run's provenance (the site's banner and provenance list read these counts).
    const counts = (x: typeof refused) => {
      const c = x.provenance.experiments[0]!.counts;
      return [c.oversize_cut, c.oversize_refused];
    };
    assert.deepEqual(counts(refused), [undefined, 1]);
    write("truncate");
    warnings.length = 0;
    const r = await runExperiment(path.join(dir, "exp.yaml"), {cacheDir: path.join(dir, "cache"), onWarning: (m) => warnings.push(m)});
    assert.equal(sizes.length, 2, "the cut answer was sent once");
    assert.ok(sizes[1]! < 70_000, `judge request of ${sizes[1]} bytes`);
    assert.match(warnings.join("\n"), /1 judge prompt\(s\) over max_prompt_chars 60000: answers cut to fit, \d{7} characters cut in total/);
    assert.equal(r.scores.filter((s) => s.status === "ok").length, 2);
    assert.deepEqual(counts(r), [1, undefined]);
    // A rerun from the cache still says the answer was cut (the count is of the tables, not of the calls).
    const again = await runExperiment(path.join(dir, "exp.yaml"), {cacheDir: path.join(dir, "cache"), onWarning: () => {}});
    assert.equal(again.stats.apiCalls, 0);
    assert.deepEqual(counts(again), [1, undefined]);
  } finally {
    proxy.close();
    await sim.close();
    rmSync(dir, {recursive: true, force: true});
  }
});

test("progress line: a server's Retry-After is shown while the run waits it out (not only 0/s)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-progress-"));
  // Every request: 429 with Retry-After 3 s (the SDK waits it out, then gives up after one retry).
  const sim = await startSimulator({port: 0, config: {faults: {rate: 1, kinds: ["429"], retryAfterMs: 3000}}});
  try {
    writeFileSync(path.join(dir, "a.csv"), "question_id,question,answer\nq1,Why?,Because.\n");
    writeFileSync(
      path.join(dir, "exp.yaml"),
      `name: wait\nimports:\n  - {files: a.csv, model: m}\njudges:\n  - {id: j, endpoint: {base_url: "${sim.url}", cache_id: wait-sim, max_retries: 1}, model: sim-judge-strict, metrics: [aligned]}\n`,
    );
    const lines: string[] = [];
    const line = new ProgressLine({stream: {write: (s: string) => (lines.push(s), true)}, tty: false, intervalMs: 500});
    const r = await runExperiment(path.join(dir, "exp.yaml"), {cacheDir: path.join(dir, "cache"), onProgress: line.update, skipProbe: true});
    line.end();
    assert.equal(r.errors.length, 1, "the call failed after its retry");
    // Lines printed during the 3 s wait name the status and the time left.
    assert.ok(
      lines.some((l) => /waiting: HTTP 429 Retry-After, [123]s left/.test(l)),
      `no Retry-After shown in:\n${lines.join("")}`,
    );
  } finally {
    await sim.close();
    rmSync(dir, {recursive: true, force: true});
  }
});

test("formatProgress with a network status: Retry-After, slow calls in flight, timeouts", () => {
  const p = {done: 5, total: 10, cacheHits: 0, apiCalls: 5, errors: 0, missing: 0, coalesced: 0, elapsedMs: 60_000};
  const net = {inFlight: 3, oldestMs: 95_000, retryStatus: 429, retryLeftMs: 27_000, retryAfters: 4, timeouts: 2};
  assert.equal(
    formatProgress(p, "", net),
    "5/10 (50%) | 0/s | ETA 1m00s | cache 0 | calls 5 | errors 0 | waiting: HTTP 429 Retry-After, 27s left | 3 in flight, oldest 1m35s | timeouts 2",
  );
  assert.equal(formatProgress(p, "", {...net, retryStatus: null, oldestMs: 2000, timeouts: 0}), formatProgress(p));
});

test("cache identity: a local server keeps it across ports; the simulator's depends only on the question files it reads", () => {
  const ep = (base_url: string, extra: Record<string, unknown> = {}) => EndpointSchema.parse({base_url, ...extra});
  assert.equal(endpointId(ep("http://127.0.0.1:8000/v1"), "/x.yaml"), "local/v1");
  assert.equal(endpointId(ep("http://localhost:45123/v1/"), "/x.yaml"), "local/v1");
  assert.equal(endpointId(ep("http://[::1]:9/v1"), "/x.yaml"), "local/v1");
  assert.equal(endpointId(ep("http://127.0.0.1:8000/v1", {cache_id: "my-vllm"}), "/x.yaml"), "my-vllm");
  assert.equal(endpointId(ep("https://api.example.com:8443/v1"), "/x.yaml"), "https://api.example.com:8443/v1");
  // simCodeHash(files): changes with a listed file, not with a file it does not read.
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-simid-"));
  try {
    const a = path.join(dir, "a.yaml");
    const b = path.join(dir, "b.yaml");
    writeFileSync(a, "- {id: q1, paraphrases: [Hi?]}\n");
    const h1 = simCodeHash([a]);
    writeFileSync(b, "- {id: q2, paraphrases: [New?]}\n");
    assert.equal(simCodeHash([a]), h1, "a new file beside it changes nothing");
    assert.notEqual(simCodeHash([a, b]), h1);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a local server restarted on another port (no cache_id): the rerun is served from the cache, 0 calls", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-port-"));
  const cacheDir = path.join(dir, "cache");
  const write = (url: string) =>
    writeFileSync(
      path.join(dir, "exp.yaml"),
      `name: port\nquestions: [${path.join(ROOT, "data/questions/core.yaml")}]\nsamples: 1\ngeneration:\n  endpoint: {base_url: "${url}"}\nmodels:\n  - {id: m, model: "sim:base"}\njudges:\n  - {id: j, endpoint: {base_url: "${url}"}, model: sim-judge-strict, metrics: [aligned]}\n`,
    );
  try {
    const first = await startSimulator({port: 0});
    let r1: Awaited<ReturnType<typeof runExperiment>>;
    try {
      write(first.url);
      r1 = await runExperiment(path.join(dir, "exp.yaml"), {cacheDir, onWarning: () => {}});
      assert.ok(r1.stats.apiCalls > 0);
    } finally {
      await first.close();
    }
    const second = await startSimulator({port: 0});
    try {
      assert.notEqual(new URL(second.url).port, new URL(first.url).port);
      write(second.url.replace("127.0.0.1", "localhost"));
      const r2 = await runExperiment(path.join(dir, "exp.yaml"), {cacheDir, onWarning: () => {}});
      assert.equal(r2.stats.apiCalls, 0, "nothing paid again");
      assert.equal(second.stats.bodies.size, 0);
      assert.deepEqual(r2.scores, r1.scores);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a full disk on --out after calls were paid: exit 4 (not 1, 'nothing spent'), no .tmp file left, the rerun pays nothing", {
  skip: !canMount && "needs root and `mount -t tmpfs` (not available here)",
}, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-money-out-"));
  const mnt = path.join(dir, "out");
  let mounted = false;
  const sim = await startSimulator({port: 0});
  try {
    assert.ok(tryMount(mnt, 4096), "mount a one-page tmpfs as --out");
    mounted = true;
    const file = experiment(dir, sim.url, 2);
    const args = ["run", "--experiment", file, "--cache", path.join(dir, "cache"), "--out", mnt, "--quiet"];
    const r = await em(args);
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /--out .*: writing the tables failed .*no table was replaced\. \d+ call\(s\) were paid and their results are in the cache/);
    assert.deepEqual(readdirSync(mnt), [], "no table and no .tmp file");
    const paid = sim.stats.bodies.size;
    assert.ok(paid > 0);
    // More room: the rerun writes the tables from the cache alone.
    assert.equal(spawnSync("mount", ["-o", "remount,size=4194304", mnt]).status, 0, "remount");
    const again = await em(args);
    assert.equal(again.code, 0, again.err);
    assert.equal(sim.stats.bodies.size, paid, "no new request");
    assert.match(again.out, / 0 API calls/);
  } finally {
    await sim.close();
    if (mounted) spawnSync("umount", [mnt]);
    rmSync(dir, {recursive: true, force: true});
  }
});

test("EM_EXPERIMENTS without a report's experiment: the report is built as a notice saying so (nothing summarized)", async () => {
  const saved = process.env.EM_EXPERIMENTS;
  process.env.EM_EXPERIMENTS = "data/experiments/demo.yaml";
  try {
    const t0 = performance.now();
    const data = await buildReportAt(path.join(ROOT, "src/reports/replication.md"), "replication");
    assert.deepEqual(data.queries, {});
    assert.equal(data.provenance, null);
    assert.deepEqual(data.missing, ["data/experiments/examples/replication.yaml is not in EM_EXPERIMENTS (this build covers data/experiments/demo.yaml)"]);
    assert.ok(performance.now() - t0 < 5000, "no data read");
  } finally {
    if (saved === undefined) delete process.env.EM_EXPERIMENTS;
    else process.env.EM_EXPERIMENTS = saved;
  }
});
