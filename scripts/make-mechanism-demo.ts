// Writes the mechanism demo's inputs (data/experiments/examples/mechanism/): simulated PEFT
// checkpoints of a rank-1 adapter on 2 layers every 10 steps (the B path turns at step 250) and a
// W&B-style training log (Step, "<run> - train/grad_norm", "<run> - train/loss" and __MIN/__MAX
// columns) with a gradient-norm bump at the same step. The EM side comes from the simulator's
// `medical` organism (emergent midpoint ~520; ~481 pooled over the core questions, whose medical
// ones rise at ~250), so the lag of the pooled curve is about 230 steps.
// Run: node --import tsx scripts/make-mechanism-demo.ts
import {mkdirSync, rmSync, writeFileSync} from "node:fs";
import path from "node:path";
import {simulateRun, writeCheckpoints} from "../loaders/mechanism/simulate.ts";

const out = path.join(import.meta.dirname, "../data/experiments/examples/mechanism");
const run = simulateRun({start: 0, stride: 10, count: 101, turn: 250, turnWidth: 10, rank: 1, layers: 2, out: 32, in: 24, seed: 27});
rmSync(path.join(out, "adapters"), {recursive: true, force: true});
writeCheckpoints(run, path.join(out, "adapters", "medical"));
mkdirSync(path.join(out, "training"), {recursive: true});
const r = "medical-r1";
const lines = [`"Step","${r} - train/grad_norm","${r} - train/grad_norm__MIN","${r} - train/grad_norm__MAX","${r} - train/loss"`];
for (const t of run.training) lines.push([t.step, t.grad_norm, t.grad_norm, t.grad_norm, t.loss].map((v) => +v.toFixed(5)).join(","));
writeFileSync(path.join(out, "training", "medical-wandb.csv"), lines.join("\n") + "\n");
process.stderr.write(`wrote ${run.steps.length} checkpoints and a training log to ${out}\n`);
