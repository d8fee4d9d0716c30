// The content-addressed cache: keys, crash tolerance, merge by union of shard files, no secrets.
import assert from "node:assert/strict";
import {appendFileSync, cpSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {Cache, cacheFingerprint, cacheKey, canonicalJson} from "../../../loaders/cache.ts";
import {endpointId} from "../../../loaders/client/endpoints.ts";
import {EndpointSchema} from "../../../loaders/experiment.ts";
import {genKey} from "../../../loaders/generate.ts";
import {judgeKey} from "../../../loaders/judge.ts";
import {tempDir} from "../../helpers/tmp.ts";

const tmp = () => tempDir("em-cache-");
const shards = (dir: string) => readdirSync(path.join(dir, "v1")).filter((f) => f.endsWith(".jsonl"));
const tick = () => new Promise((r) => setImmediate(r));

test("canonical JSON and keys ignore key order and undefined fields", () => {
  assert.equal(canonicalJson({b: 1, a: [1, {d: 2, c: undefined, b: null}]}), '{"a":[1,{"b":null,"d":2}],"b":1}');
  assert.equal(cacheKey({x: 1, y: "z"}), cacheKey({y: "z", x: 1}));
  assert.notEqual(cacheKey({x: 1}), cacheKey({x: 2}));
  assert.match(cacheKey({}), /^[0-9a-f]{64}$/);
});

test("keys change with every input that determines the result", () => {
  const msgs = [{role: "user" as const, content: "hi"}];
  const p = {temperature: 1, max_tokens: 600, seed: 0};
  const k = genKey("ep", "m", msgs, p, 0);
  assert.notEqual(k, genKey("ep", "m", msgs, p, 1));
  assert.notEqual(k, genKey("ep", "m2", msgs, p, 0));
  assert.notEqual(k, genKey("ep", "m", [{role: "user", content: "hi!"}], p, 0));
  assert.notEqual(k, genKey("ep", "m", msgs, {...p, temperature: 0.5}, 0));
  assert.notEqual(k, genKey("ep", "m", msgs, {...p, seed: 1}, 0));
  assert.notEqual(k, genKey("ep2", "m", msgs, p, 0));
  assert.notEqual(judgeKey("ep", "j", "prompt"), judgeKey("ep", "j", "prompt2"));
  assert.notEqual(judgeKey("ep", "j", "prompt"), judgeKey("ep", "j2", "prompt"));
});

test("endpoint identity: never the api key; the simulator without its port", () => {
  const real = EndpointSchema.parse({base_url: "http://127.0.0.1:8000/v1/", api_key_env: "VLLM_KEY"});
  process.env.VLLM_KEY = "sk-secret-123";
  const id = endpointId(real, "/x/e.yaml");
  assert.equal(id, "local/v1"); // a server on this machine: no host, no port (issue 23)
  assert.ok(!id.includes("secret"));
  delete process.env.VLLM_KEY;
  assert.equal(endpointId(EndpointSchema.parse({base_url: "sim"}), "/x/e.yaml"), "sim");
  assert.equal(endpointId(EndpointSchema.parse({base_url: "sim"}), "/x/e.yaml", "3"), "sim@3");
  const withConf = endpointId(EndpointSchema.parse({base_url: "sim", config: {seed: 1}}), "/x/e.yaml");
  assert.match(withConf, /^sim:[0-9a-f]{16}$/);
  assert.notEqual(withConf, endpointId(EndpointSchema.parse({base_url: "sim", config: {seed: 2}}), "/x/e.yaml"));
  assert.equal(endpointId(EndpointSchema.parse({base_url: "http://a/v1", cache_id: "my-vllm"}), "/x/e.yaml"), "my-vllm");
});

test("set/get, persisted within a tick, reloaded by a new instance", async () => {
  const dir = tmp();
  const c = Cache.open<{v: number}>(dir);
  assert.equal(c.get("a"), undefined);
  c.set("a", {v: 1});
  c.set("b", {v: 2});
  c.set("a", {v: 99}); // first write wins: results are immutable
  await tick();
  assert.equal(shards(dir).length, 1);
  assert.equal(readFileSync(path.join(dir, "v1", shards(dir)[0]!), "utf8").split("\n").length, 3);
  const d = Cache.open<{v: number}>(dir);
  assert.deepEqual(d.get("a"), {v: 1});
  assert.deepEqual(d.get("b"), {v: 2});
  assert.equal(d.stats.hits, 2);
  assert.equal(d.stats.entries, 2);
  c.close();
  assert.throws(() => c.set("c", {v: 3}), /closed/);
  assert.match(readFileSync(path.join(dir, ".gitattributes"), "utf8"), /\*\.jsonl merge=union/);
});

test("a cut-off last line (killed writer) is skipped and counted; other bad lines too", () => {
  const dir = tmp();
  const c = Cache.open(dir);
  c.set("a", 1);
  c.set("b", 2);
  c.close();
  const shard = path.join(dir, "v1", shards(dir)[0]!);
  appendFileSync(shard, '{"k":"c","v":');
  writeFileSync(path.join(dir, "v1", "other.jsonl"), 'garbage\n{"k":"d","v":4}\n');
  const d = Cache.open(dir);
  assert.equal(d.peek("a"), 1);
  assert.equal(d.peek("c"), undefined);
  assert.equal(d.peek("d"), 4);
  assert.equal(d.stats.partial, 1);
  assert.equal(d.stats.corrupt, 1);
  // a new writer never appends to the damaged shard
  d.set("e", 5);
  d.close();
  assert.equal(shards(dir).length, 3);
  assert.equal(Cache.open(dir).peek("e"), 5);
});

test("two caches merge by copying shard files (what a git merge of the folder does)", () => {
  const a = tmp();
  const b = tmp();
  const ca = Cache.open(a);
  ca.set("x", "from-a");
  ca.close();
  const cb = Cache.open(b);
  cb.set("y", "from-b");
  cb.close();
  const fa = cacheFingerprint(a);
  cpSync(path.join(b, "v1"), path.join(a, "v1"), {recursive: true});
  const merged = Cache.open(a);
  assert.equal(merged.peek("x"), "from-a");
  assert.equal(merged.peek("y"), "from-b");
  assert.notEqual(cacheFingerprint(a), fa);
  assert.equal(cacheFingerprint(tmp()), "empty");
});
