// Simulated training runs with planted mechanistic change points (issue 27): a LoRA adapter whose B
// vectors grow smoothly in norm and turn sharply from one direction to another around a planted
// step (the rotation the model-organisms paper reports), a gradient norm with a bump at the same
// step, a decreasing loss, and per-question EM counts whose logistic midpoint follows the turn by
// a planted lag. Checkpoints are written as PEFT safetensors so tests read them back through the
// reader a user's files go through.
import {mkdirSync} from "node:fs";
import path from "node:path";
import {makeRng, randBinomial, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import type {QuestionPoint} from "../../src/lib/mechanism/lag.ts";
import {ADAPTER_FILE} from "./checkpoints.ts";
import {writeSafetensors, type Dtype} from "./safetensors.ts";

export interface MechanismSimSpec {
  /** Checkpoint steps: first, stride, count. */
  start: number;
  stride: number;
  count: number;
  /** Planted turn of B (and gradient-norm peak), in steps. */
  turn: number;
  /** Steps over which B turns (logistic scale of the angle). */
  turnWidth: number;
  /** Planted lag of the EM logistic's midpoint (before question offsets) behind the turn, in steps. */
  lag: number;
  /** EM logistic scale in steps. */
  emWidth: number;
  rank: number;
  layers: number;
  /** out and in dimensions of every LoRA module. */
  out: number;
  in: number;
  modules: readonly string[];
  /** Per-checkpoint random step of B (its total length; SGD jitter). */
  jitter: number;
  dtype: Dtype;
  /** Gradient-norm bump height over its baseline of 1, and the noise sd (AR(1), phi 0.5). */
  gradBump: number;
  gradNoise: number;
  /** Questions x answers per checkpoint, EM rate floor and ceiling. */
  questions: number;
  answers: number;
  floor: number;
  ceiling: number;
  /** sd of the questions' logit offsets. */
  questionSd: number;
  seed: number;
}

export const DEFAULT_SIM: MechanismSimSpec = {
  start: 0,
  stride: 10,
  count: 60,
  turn: 180,
  turnWidth: 8,
  lag: 270,
  emWidth: 30,
  rank: 1,
  layers: 2,
  out: 64,
  in: 48,
  modules: ["mlp.down_proj"],
  jitter: 0.003,
  dtype: "F32",
  gradBump: 1.5,
  gradNoise: 0.08,
  questions: 8,
  answers: 40,
  floor: 0.01,
  ceiling: 0.3,
  questionSd: 0.5,
  seed: 1,
};

const sig = (t: number) => 1 / (1 + Math.exp(-t));
const logit = (p: number) => Math.log(p / (1 - p));

export interface SimulatedRun {
  steps: number[];
  /** The planted truth. */
  truth: {turn: number; gradPeak: number; emMidpoint: number; lag: number};
  /** Per checkpoint: flattened A and B per (layer, module). */
  tensors: {name: string; shape: number[]; values: Float32Array[]}[];
  training: {step: number; grad_norm: number; loss: number; flat: number}[];
  em: QuestionPoint[];
}

function unit(rng: Rng, n: number): Float64Array {
  const v = Float64Array.from({length: n}, () => randNormal(rng));
  const s = Math.hypot(...v);
  return v.map((x) => x / s);
}

/** Simulate the run in memory (no files). */
export function simulateRun(spec: Partial<MechanismSimSpec> = {}): SimulatedRun {
  const s = {...DEFAULT_SIM, ...spec};
  const rng = makeRng(s.seed);
  const steps = Array.from({length: s.count}, (_, i) => s.start + i * s.stride);
  const T = steps.length;
  const tensors: SimulatedRun["tensors"] = [];
  for (let layer = 0; layer < s.layers; layer++)
    for (const mod of s.modules) {
      const prefix = `base_model.model.model.layers.${layer}.${mod}`;
      const nB = s.out * s.rank;
      const nA = s.rank * s.in;
      const u = unit(rng, nB);
      // w orthogonal to u
      const w0 = unit(rng, nB);
      const d = w0.reduce((acc, x, i) => acc + x * u[i]!, 0);
      const w = w0.map((x, i) => x - d * u[i]!);
      const wn = Math.hypot(...w);
      const A0 = Float64Array.from({length: nA}, () => randNormal(rng) / Math.sqrt(s.in));
      const Bs: Float32Array[] = [];
      const As: Float32Array[] = [];
      // B moves at a steady speed (its norm grows smoothly) in a direction that turns from u to w
      // around the planted step: the path bends there, which is what the rotation measure detects.
      const speed = 0.5 / (T * s.stride);
      const b = Float64Array.from({length: nB}, () => (0.01 * randNormal(rng)) / Math.sqrt(nB));
      for (let i = 0; i < T; i++) {
        const x = steps[i]!;
        if (i > 0) {
          const th = (Math.PI / 2) * sig((x - s.stride / 2 - s.turn) / s.turnWidth);
          for (let j = 0; j < nB; j++)
            b[j] = b[j]! + speed * s.stride * (Math.cos(th) * u[j]! + (Math.sin(th) * w[j]!) / wn) + (s.jitter * randNormal(rng)) / Math.sqrt(nB);
        }
        Bs.push(Float32Array.from(b));
        As.push(Float32Array.from(A0, (v) => v * (1 + 0.1 * (i / T)) + 0.002 * randNormal(rng)));
      }
      tensors.push({name: `${prefix}.lora_A.weight`, shape: [s.rank, s.in], values: As});
      tensors.push({name: `${prefix}.lora_B.weight`, shape: [s.out, s.rank], values: Bs});
    }
  let e = 0;
  let f = 0;
  const training = steps.map((x) => {
    e = 0.5 * e + s.gradNoise * randNormal(rng);
    f = 0.5 * f + s.gradNoise * randNormal(rng);
    const bump = s.gradBump * Math.exp(-0.5 * ((x - s.turn) / (2 * s.turnWidth)) ** 2);
    return {step: x, grad_norm: 1 + bump + e, loss: 0.4 + 1.6 * Math.exp(-(x - s.start) / (0.3 * T * s.stride)) + 0.3 * e, flat: 1 + f};
  });
  const mid = s.turn + s.lag;
  const offsets = Array.from({length: s.questions}, () => s.questionSd * randNormal(rng));
  // The truth a fit can estimate: the midpoint of the expected pooled curve of these questions.
  const pooled = (x: number) => offsets.reduce((acc, o) => acc + sig(logit(s.floor) + (logit(s.ceiling) - logit(s.floor)) * sig((x - mid) / s.emWidth) + o), 0);
  const half = (pooled(-1e9) + pooled(1e9)) / 2;
  let lo = mid - 20 * s.emWidth;
  let hi = mid + 20 * s.emWidth;
  for (let it = 0; it < 80; it++) {
    const m = (lo + hi) / 2;
    if (pooled(m) < half) lo = m;
    else hi = m;
  }
  const emMidpoint = (lo + hi) / 2;
  const em: QuestionPoint[] = [];
  for (const x of steps)
    offsets.forEach((o, q) => {
      const p = sig(logit(s.floor) + (logit(s.ceiling) - logit(s.floor)) * sig((x - mid) / s.emWidth) + o);
      em.push({x, question: `q${q}`, k: randBinomial(rng, s.answers, p), n: s.answers});
    });
  return {steps, truth: {turn: s.turn, gradPeak: s.turn, emMidpoint, lag: emMidpoint - s.turn}, tensors, training, em};
}

/** Write the run's checkpoints as `<dir>/checkpoint-<step>/adapter_model.safetensors`. */
export function writeCheckpoints(run: SimulatedRun, dir: string, dtype: Dtype = "F32"): void {
  run.steps.forEach((step, i) => {
    const sub = path.join(dir, `checkpoint-${step}`);
    mkdirSync(sub, {recursive: true});
    writeSafetensors(
      path.join(sub, ADAPTER_FILE),
      run.tensors.map((t) => ({name: t.name, dtype, shape: t.shape, data: t.values[i]!})),
      {format: "pt", simulated: "true"},
    );
  });
}
