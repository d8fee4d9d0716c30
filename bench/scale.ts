// Batch vs synchronous judging of the same 10k judgments against the simulator (docs/scale.md):
// HTTP requests the server received and wall time. `node --import tsx bench/scale.ts`
import path from "node:path";
import {runExperiment} from "../loaders/run/execute.ts";
import {startSimulator} from "../loaders/sim/server.ts";
import {tmpDir, writeExperiment} from "../test/helpers/scale.ts";

const delay = Number(process.env.EM_BATCH_DELAY_MS ?? 100);
const sim = await startSimulator({config: {batch: {completionDelayMs: delay}}});
const dir = tmpDir("bench");
const exp = writeExperiment(dir, {url: sim.url, samples: 53});
const snapshot = () => ({requests: sim.stats.requests, chat: sim.stats.byPath["/v1/chat/completions"] ?? 0, lines: sim.batches.stats.lines});
const diff = (a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>) => ({
  requests: b.requests - a.requests,
  chat: b.chat - a.chat,
  batchLines: b.lines - a.lines,
});
// Each run starts from an empty cache: generation (synchronous in both modes: same requests)
// plus judging, synchronous or through one batch.
for (const mode of ["sync", "batch"] as const) {
  const before = snapshot();
  const t = performance.now();
  const r = await runExperiment(exp, {
    cacheDir: path.join(dir, mode),
    onWarning: () => {},
    ...(mode === "batch" ? {batch: {pollMs: 100, onEvent: () => {}}} : {}),
  });
  const s = (performance.now() - t) / 1000;
  console.log(
    JSON.stringify({mode, seconds: +s.toFixed(2), scores: r.scores.length, apiCalls: r.stats.apiCalls, ...diff(before, snapshot()), batch: r.batch ?? null}),
  );
}
await sim.close();
