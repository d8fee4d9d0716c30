// Several servers of one model (vLLM replicas, issue 17): requests spread round-robin over
// base_url and `replicas`, the results are the ones a single server gives, the cache identity does
// not change, and the preflight reaches every replica. Real simulators over HTTP on 127.0.0.1.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {after, test} from "node:test";
import {ROOT} from "../../../../loaders/paths.ts";
import {runExperiment} from "../../../../loaders/run/index.ts";
import {startSimulator, type Simulator} from "../../../../loaders/sim/server.ts";
import {tempDir} from "../../../helpers/tmp.ts";

const sims: Simulator[] = [];
after(async () => {
  for (const s of sims) await s.close();
});
async function sim(): Promise<Simulator> {
  const s = await startSimulator({port: 0});
  sims.push(s);
  return s;
}
const chats = (s: Simulator) => s.stats.byPath["/v1/chat/completions"] ?? 0;

function experiment(dir: string, name: string, endpoint: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: replicas
coordinate: step
questions: [${JSON.stringify(path.join(ROOT, "data/questions/core.yaml"))}]
questions_include: [one_wish, feeling_bored, three_thoughts, quick_buck]
samples: 4
generation: {endpoint: ${endpoint}, temperature: 1, max_tokens: 200, seed: 0, max_n: 1, concurrency: 4}
models:
  - id: m
    checkpoints: [{step: 0, model: "sim:base"}, {step: 100, model: "sim:medical@600"}]
judges:
  - {id: j, endpoint: ${endpoint}, model: sim-judge-strict, metrics: [aligned, coherent], concurrency: 4}
`,
  );
  return file;
}

test("replicas: calls spread over every server; tables equal a single server's; same cache identity", async () => {
  const [a, b, c, solo] = [await sim(), await sim(), await sim(), await sim()];
  const dir = tempDir("em-replicas-");
  const spread = await runExperiment(
    experiment(dir, "spread", `{base_url: ${JSON.stringify(a.url)}, replicas: [${JSON.stringify(b.url)}, ${JSON.stringify(c.url)}], cache_id: pool}`),
    {cacheDir: path.join(dir, "c1")},
  );
  const single = await runExperiment(experiment(dir, "single", `{base_url: ${JSON.stringify(solo.url)}, cache_id: pool}`), {cacheDir: path.join(dir, "c2")});
  assert.deepEqual(spread.errors, []);
  const total = chats(a) + chats(b) + chats(c);
  assert.equal(total, chats(solo), "the same requests, spread");
  for (const s of [a, b, c])
    assert.ok(chats(s) >= Math.floor(total / 3) - 1 && chats(s) <= Math.ceil(total / 3) + 1, `round-robin: ${chats(a)}, ${chats(b)}, ${chats(c)}`);
  const strip = (r: typeof spread) => JSON.stringify({responses: r.responses, scores: r.scores, types: r.types});
  assert.equal(strip(spread), strip(single));
  // A warm run over the replicas' cache makes no call at all.
  const before = total;
  await runExperiment(experiment(dir, "spread", `{base_url: ${JSON.stringify(a.url)}, replicas: [${JSON.stringify(b.url)}], cache_id: pool}`), {
    cacheDir: path.join(dir, "c1"),
  });
  assert.equal(chats(a) + chats(b) + chats(c), before);
});

test("replicas: an unreachable replica fails the preflight before any call; a sim replica is refused", async () => {
  const a = await sim();
  const dir = tempDir("em-replicas-");
  await assert.rejects(
    runExperiment(experiment(dir, "down", `{base_url: ${JSON.stringify(a.url)}, replicas: ["http://127.0.0.1:9/v1"], timeout_s: 2}`), {
      cacheDir: path.join(dir, "c"),
    }),
    /127\.0\.0\.1:9\/v1 unreachable/,
  );
  assert.equal(chats(a), 0, "nothing was sent to the healthy server either");
  await assert.rejects(
    runExperiment(experiment(dir, "simrep", `{base_url: ${JSON.stringify(a.url)}, replicas: [sim]}`), {cacheDir: path.join(dir, "c")}),
    /replicas.*not sim|a replica must be an http\(s\) URL/,
  );
});
