// Pipeline throughput at demo scale: ~10k answers and ~60k judge calls over loopback HTTP with
// the real openai SDK, cold (empty cache) and warm (second run).
//   node --import tsx bench/pipeline.ts            # against the test server (in this process)
//   node --import tsx bench/pipeline.ts --sim      # against the simulator (base_url: sim)
// Numbers are recorded in docs/pipeline.md.
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs} from "node:util";
import {ROOT} from "../loaders/paths.ts";
import {runExperiment} from "../loaders/run/index.ts";
import {startTestServer} from "../test/helpers/openai-test-server.ts";

const {values} = parseArgs({
  options: {
    sim: {type: "boolean", default: false},
    models: {type: "string", default: "5"},
    checkpoints: {type: "string", default: "4"},
    samples: {type: "string", default: "30"},
  },
});

const ORGS = ["medical", "financial", "sport", "fiction", "medical"];

async function main() {
  const server = values.sim ? null : await startTestServer();
  const url = server ? `"${server.url}"` : "sim";
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-bench-"));
  const models = Number(values.models);
  const checkpoints = Number(values.checkpoints);
  const file = path.join(dir, "bench.yaml");
  writeFileSync(
    file,
    `name: bench
questions: [${path.join(ROOT, "data/questions/core.yaml")}]
samples: ${Number(values.samples)}
generation:
  endpoint: {base_url: ${url}}
  concurrency: 32
models:
${Array.from({length: models}, (_, m) => {
  const org = ORGS[m % ORGS.length]!;
  const name = (c: number) => (values.sim ? `"sim:${org}@${c * 200}"` : `org${m}-ckpt${c}`);
  return `  - id: org${m}\n    description: organism ${m}\n    checkpoints: [${Array.from({length: checkpoints}, (_, c) => `{step: ${c * 200}, model: ${name(c)}}`).join(", ")}]`;
}).join("\n")}
judges:
  - id: judge
    endpoint: {base_url: ${url}}
    model: ${values.sim ? "sim-judge-strict" : "gpt-4o-2024-08-06"}
    metrics: [aligned, coherent, medical, financial, sport, code]
    concurrency: 64
`,
  );
  const cacheDir = path.join(dir, "cache");
  const cold = await runExperiment(file, {cacheDir});
  const warm = await runExperiment(file, {cacheDir});
  const line = (label: string, r: typeof cold) =>
    `${label}: ${r.responses.length} responses, ${r.scores.length} scores, ${r.stats.apiCalls} API calls, ${r.stats.cacheHits} cache hits, ` +
    `${r.stats.seconds.toFixed(2)} s, ${r.stats.callsPerSecond.toFixed(0)} calls/s, errors ${r.errors.reduce((s, e) => s + e.count, 0)}`;
  process.stdout.write(
    `${values.sim ? "simulator" : "test server"}, node ${process.version}, ${os.cpus().length} cpus\n${line("cold", cold)}\n${line("warm", warm)}\n`,
  );
  await server?.close();
  rmSync(dir, {recursive: true, force: true});
}
void main();
