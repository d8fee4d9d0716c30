// An api key given through api_key_env reaches the server and nothing else: not the cache, the
// tables, provenance, the dataset memo, stdout or stderr, not even when the server quotes the key
// back in its error bodies. The key is planted with a recognisable value and searched for in
// every byte a run leaves behind (and in the decoded tables, since Parquet pages are compressed).
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import path from "node:path";
import {after, test} from "node:test";
import {loadDataset} from "../../../loaders/dataset.ts";
import {parseExperiment} from "../../../loaders/experiment.ts";
import {walkFiles} from "../../../loaders/paths.ts";
import {readTables} from "../../../loaders/tables.ts";
import {startTestServer, writeFixture, type TestServer} from "../../helpers/openai-test-server.ts";
import {runEm as em} from "../../helpers/cli.ts";
import {tempDir} from "../../helpers/tmp.ts";

// A fake key, assembled at run time so no key-shaped string sits in the repository.
const SECRET = ["sk", "emtest", "PLANTED", "4f1c9a7e2b"].join("-");
const ENV = "EM_TEST_PLANTED_KEY";
/** What is searched for: a piece of the key, so a key cut in half by a message length limit is caught too. */
const PIECE = SECRET.slice(0, 12);

const tmp = () => tempDir("em-secrets-");
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** Files under `dir` whose bytes contain (a piece of) the key (relative paths). */
function filesWithSecret(dir: string): string[] {
  return walkFiles(dir, () => true)
    .filter((f) => readFileSync(f).includes(PIECE))
    .map((f) => path.relative(dir, f));
}

/** A server that wants the planted key and quotes it back in the errors it gives for one model's generations and another's judge calls. */
async function leakyServer(): Promise<TestServer> {
  const echo = {
    status: 400,
    body: {error: {message: `Request rejected for key ${SECRET} (header Authorization: Bearer ${SECRET})`, type: "invalid_request_error"}},
  };
  // The key straddles the 300-character cut of error messages: a redaction after the cut would miss it.
  const long = {status: 400, body: {error: {message: `Request rejected: ${"x".repeat(250)} key ${SECRET}`, type: "invalid_request_error"}}};
  const s = await startTestServer({
    apiKey: SECRET,
    reply: (body) => {
      if (!body.logprobs && body.model === "gen-fail") return long;
      // judge prompts carry the answer, and the test server's answers end with "from <model>"
      if (body.logprobs && body.messages.some((m) => m.content.includes("from gen-judgefail"))) return echo;
      return undefined;
    },
  });
  servers.push(s);
  return s;
}

const fixture = (dir: string, url: string) =>
  writeFixture(dir, {
    url,
    samples: 3,
    genEndpointExtra: `, api_key_env: ${ENV}`,
    judgeEndpointExtra: `, api_key_env: ${ENV}`,
    checkpoints: [
      {step: 0, model: "gen-ok"},
      {step: 1, model: "gen-fail"},
      {step: 2, model: "gen-judgefail"},
    ],
  });

test("em run: the planted key is used for every call and appears in no cache file, table, provenance, stdout or stderr", async () => {
  const s = await leakyServer();
  const dir = tmp();
  const fx = fixture(dir, s.url);
  const cache = path.join(dir, "cache");
  const out = path.join(dir, "out");

  const dry = await em(["run", "--dry-run", "--experiment", fx.experiment, "--cache", cache], {[ENV]: SECRET});
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`key ${ENV} set`));
  assert.ok(!dry.stdout.includes(PIECE) && !dry.stderr.includes(PIECE), "dry run output");

  const r = await em(["run", "--experiment", fx.experiment, "--cache", cache, "--out", out], {[ENV]: SECRET});
  assert.equal(r.code, 3, `some calls fail on purpose\n${r.stderr}`);
  // The key did travel, as a bearer token, on every request.
  assert.ok(s.requests.length > 0 && s.requests.every((q) => q.authorization === `Bearer ${SECRET}`));
  // Both kinds of failure are reported, with the server's text, the key scrubbed out of it.
  assert.match(r.stdout, /failed: 3 generation \(http:\/\/127\.0\.0\.1:\d+\/v1 gen-fail\): HTTP 400: .*Request rejected: x+ key \[redac/);
  assert.match(r.stdout, /failed: \d+ judge \(http:\/\/127\.0\.0\.1:\d+\/v1 judge-model\): HTTP 400: .*\[redacted\]/);
  assert.ok(!r.stdout.includes(PIECE), `stdout:\n${r.stdout}`);
  assert.ok(!r.stderr.includes(PIECE), `stderr:\n${r.stderr}`);
  assert.deepEqual(filesWithSecret(cache), []);
  assert.deepEqual(filesWithSecret(out), []);
  const t = await readTables(out);
  assert.ok(t.responses.length === 6 && t.scores.some((x) => x.status === "error") && t.scores.some((x) => x.status === "ok"));
  assert.ok(!JSON.stringify(t).includes(PIECE), "decoded tables and provenance");
});

test("loadDataset: the memo (tables and extra.json with the error messages) holds no key", async () => {
  const s = await leakyServer();
  const dir = tmp();
  const fx = fixture(dir, s.url);
  const memo = path.join(dir, "memo");
  const before = process.env[ENV];
  process.env[ENV] = SECRET;
  try {
    const d = await loadDataset({files: [fx.experiment], cacheDir: path.join(dir, "cache"), offline: false, memoDir: memo, quiet: true});
    assert.equal(d.errors.length, 2);
    for (const e of d.errors) assert.match(e.message, /\[redac/);
    assert.ok(!JSON.stringify(d).includes(PIECE));
    assert.deepEqual(filesWithSecret(memo), []);
    assert.deepEqual(filesWithSecret(path.join(dir, "cache")), []);
  } finally {
    if (before === undefined) delete process.env[ENV];
    else process.env[ENV] = before;
  }
});

test("a key written into base_url is refused, naming the field, without repeating the key", async () => {
  const dir = tmp();
  for (const url of [`http://user:${SECRET}@127.0.0.1:9/v1`, `http://127.0.0.1:9/v1?api_key=${SECRET}`]) {
    const text = `name: x\njudges:\n  - id: j\n    endpoint: {base_url: "${url}"}\n    model: m\n    metrics: [aligned]\n`;
    await assert.rejects(parseExperiment(text, path.join(dir, "e.yaml")), (e: Error) => {
      assert.match(e.message, /e\.yaml: judges\[0\]\.endpoint\.base_url: credentials do not belong in the URL .*api_key_env \(line 4\)/);
      assert.ok(!e.message.includes(PIECE), e.message);
      return true;
    });
  }
  await assert.rejects(
    parseExperiment(`name: x\ngeneration: {endpoint: {base_url: "localhost:8000"}}\n`, path.join(dir, "e.yaml")),
    /generation\.endpoint\.base_url: expected an http\(s\) URL or `sim`/,
  );
});
