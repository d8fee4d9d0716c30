// `em run` as a user runs it: a child process (bin/em.js) against a test server in this process.
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {after, test} from "node:test";
import {readTables} from "../../../loaders/tables.ts";
import {startTestServer, writeFixture, type TestServer} from "../../helpers/openai-test-server.ts";
import {spawnEm as em} from "../../helpers/cli.ts";
import {tempDir} from "../../helpers/tmp.ts";

const tmp = () => tempDir("em-cli-");
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
const chat = (s: TestServer) => s.requests.filter((r) => r.path === "/v1/chat/completions");

/** Complete lines in all cache shards under `dir`. */
function cacheLines(dir: string): number {
  const v1 = path.join(dir, "v1");
  if (!existsSync(v1)) return 0;
  return readdirSync(v1).reduce((n, f) => n + (readFileSync(path.join(v1, f), "utf8").match(/\n/g)?.length ?? 0), 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("em run writes tables; a second em run makes zero requests (counted at the server)", async () => {
  const s = await startTestServer();
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, metrics: ["aligned", "coherent", "medical"], samples: 4});
  const args = ["run", "--experiment", fx.experiment, "--cache", path.join(dir, "cache"), "--out", path.join(dir, "out")];
  const first = await em(args).done;
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^fixture: 4 responses, 12 scores, 0 judge types \+ 4 signals types; 13 API calls \(\d+\/s\), 0 cache hits, 0 errors/m);
  assert.match(first.stdout, /tables: .*out/);
  // not a TTY: progress lines go to stderr as plain lines, nothing of it on stdout
  assert.match(first.stderr, /exp\.yaml 16\/16 \(100%\) \| .* \| ETA 0s \| cache 0 \| calls 13 \| errors 0/);
  assert.ok(!first.stdout.includes("ETA"));
  assert.ok(!first.stderr.includes("\r"));
  const n = s.requests.length;
  assert.equal(chat(s).length, 13);

  const second = await em(args).done;
  assert.equal(second.code, 0, second.stderr);
  assert.equal(s.requests.length, n, "zero requests on the second run");
  assert.match(second.stdout, /0 API calls .* 16 cache hits/);
  const t = await readTables(path.join(dir, "out"));
  assert.equal(t.responses.length, 4);
  assert.equal(t.scores.length, 12);
  assert.match(t.provenance.created_by, /^em run --experiment /);
});

test("em run killed mid-way and rerun completes; the server sees no repeat of a finished call", async () => {
  const K = 9;
  let stall = true;
  const answered = new Map<string, number>(); // request key -> cache lines it produces
  const s = await startTestServer({
    reply: (b, rec, nth) => {
      if (stall && nth >= K) return new Promise(() => {}); // never answered: the run is stuck here
      answered.set(rec.key, b.logprobs ? 1 : (b.n ?? 1));
      return undefined;
    },
  });
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, questions: {a: ["A1?", "A2?"], b: ["B1?", "B2?"], c: ["C1?", "C2?"]}, samples: 6, maxN: 2});
  const cache = path.join(dir, "cache");
  const args = ["run", "--experiment", fx.experiment, "--cache", cache, "--out", path.join(dir, "out"), "--quiet"];

  const run1 = em(args);
  // wait until K calls were answered and all their results are on disk, then kill -9
  for (let i = 0; i < 600; i++) {
    const expected = [...answered.values()].reduce((a, b) => a + b, 0);
    if (answered.size >= K && cacheLines(cache) >= expected) break;
    await sleep(50);
  }
  assert.equal(answered.size, K);
  run1.child.kill("SIGKILL");
  const killed = await run1.done;
  assert.equal(killed.signal, "SIGKILL");
  const finished = new Set(answered.keys());
  const before = chat(s).length;
  assert.ok(before > K, "some calls were in flight when the run was killed");

  stall = false;
  const run2 = await em(args).done;
  assert.equal(run2.code, 0, run2.stderr);
  const repeated = chat(s)
    .slice(before)
    .filter((r) => finished.has(r.key));
  assert.deepEqual(repeated, [], "no finished call is repeated");
  const t = await readTables(path.join(dir, "out"));
  assert.equal(t.responses.length, 18);
  assert.equal(t.scores.length, 36);
  assert.ok(t.scores.every((x) => x.status === "ok" || x.status === "null"));

  const n = s.requests.length;
  const run3 = await em(args).done;
  assert.equal(run3.code, 0);
  assert.equal(s.requests.length, n);
});

test("em run --dry-run prints the plan and calls nothing; a missing key fails before any request", async () => {
  const s = await startTestServer();
  servers.push(s);
  const dir = tmp();
  const fx = writeFixture(dir, {url: s.url, judgeEndpointExtra: ", api_key_env: EM_TEST_NO_SUCH_KEY"});
  const args = ["--experiment", fx.experiment, "--cache", path.join(dir, "cache"), "--out", path.join(dir, "out")];
  const dry = await em(["run", "--dry-run", ...args], {EM_TEST_NO_SUCH_KEY: undefined}).done;
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /generate: http:\/\/127\.0\.0\.1:\d+\/v1 1 checkpoint model\(s\): 5 samples, 0 cached, 1 requests/);
  assert.match(dry.stdout, /judge judge-a: .* judge-model: 10 calls, 0 cached, 10 requests, .* key EM_TEST_NO_SUCH_KEY NOT SET/);
  assert.match(dry.stdout, /total estimated cost: unknown/);
  assert.match(dry.stdout, /warning: 1 endpoint\(s\) with calls to make have no api key set/);
  assert.equal(s.requests.length, 0);

  const real = await em(["run", ...args], {EM_TEST_NO_SUCH_KEY: undefined}).done;
  assert.equal(real.code, 1);
  assert.match(real.stderr, /em run: endpoint http:\/\/127\.0\.0\.1:\d+\/v1 needs an api key: environment variable EM_TEST_NO_SUCH_KEY is not set/);
  assert.equal(s.requests.length, 0, "nothing was called, not even the generation endpoint");

  const bad = await em(["run", "--experiment", path.join(dir, "nope.yaml")]).done;
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /nope\.yaml: cannot read experiment file \(ENOENT\)/);
  const help = await em(["run", "--help"]).done;
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--dry-run/);
});

test("em serve and em sim share one --port/--host parser: the same checks, messages and exit codes", async () => {
  const {main} = await import("../../../loaders/cli.ts");
  const {captureOutput} = await import("../../helpers/capture.ts");
  for (const cmd of ["serve", "sim"]) {
    for (const bad of ["70000", "-1", "1.5", "x"]) {
      const r = await captureOutput(() => main([cmd, `--port=${bad}`]));
      assert.equal(r.value, 2, `${cmd} --port ${bad}`);
      assert.match(r.all, new RegExp(`em ${cmd}: --port must be an integer 0\\.\\.65535, got '${bad.replace(".", "\\.")}'`));
    }
    const unknown = await captureOutput(() => main([cmd, "--prot", "1"]));
    assert.equal(unknown.value, 2);
    assert.match(unknown.all, new RegExp(`em ${cmd}: Unknown option '--prot'`));
    const help = await captureOutput(() => main([cmd, "--help"]));
    assert.equal(help.value, 0);
    assert.match(help.all, new RegExp(`Usage: em ${cmd} .*--port N.*--host H`, "s"));
  }
  // The command's own option is passed through: em serve --dist naming a folder without a site.
  const dir = tempDir("em-serve-args-");
  const r = await captureOutput(() => main(["serve", "--dist", dir, "--port", "0"]));
  assert.equal(r.value, 1);
  assert.match(r.all, /holds no built site/);
});
