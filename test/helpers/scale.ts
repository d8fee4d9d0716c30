// Shared by the scale-* tests: a simulator experiment of a chosen size, and `em` as a child process.
import {writeFileSync} from "node:fs";
import path from "node:path";
import {ROOT} from "../../loaders/paths.ts";
import {tempDir} from "./tmp.ts";

export const tmpDir = (tag: string) => tempDir(`em-scale-${tag}-`);

/**
 * An experiment on the simulator's organisms and judges. `url` = an external simulator (real
 * HTTP, survives the `em` process) or "sim" (in-process). With steps 0..1000 by 200, 16 questions
 * and `samples` per question, there are 96 x samples answers and twice that many judgments.
 */
export function writeExperiment(dir: string, o: {url: string; samples: number; simConfig?: unknown; steps?: number[]; name?: string}): string {
  const file = path.join(dir, "exp.yaml");
  const steps = o.steps ?? [0, 200, 400, 600, 800, 1000];
  const endpoint = o.url === "sim" ? `{base_url: sim${o.simConfig ? `, config: ${JSON.stringify(o.simConfig)}` : ""}}` : `{base_url: "${o.url}"}`;
  writeFileSync(
    file,
    `name: ${o.name ?? "scale"}
simulated: true
questions: [${JSON.stringify(path.join(ROOT, "data/questions/core.yaml"))}]
samples: ${o.samples}
generation: {endpoint: ${endpoint}, temperature: 1, max_tokens: 600, seed: 0, concurrency: 16}
models:
  - id: medical
    description: bad medical advice
    # no \`domain: medical\`: no judge scores the medical topic, and a declared domain needs its topic metric
    checkpoints: [${steps.map((s) => `{step: ${s}, model: "${s ? `sim:medical@${s}` : "sim:base"}"}`).join(", ")}]
judges:
  - id: strict
    endpoint: ${endpoint}
    model: sim-judge-strict
    metrics: [aligned, coherent]
    concurrency: 32
`,
  );
  return file;
}

export {spawnEm as em, type Done} from "./cli.ts";

/** Rows of a run as comparable text (tables identical <=> equal strings). */
export const tablesText = (r: {responses: unknown[]; scores: unknown[]; types: unknown[]; signals: unknown[]}) =>
  JSON.stringify([r.responses, r.scores, r.types, r.signals]);
