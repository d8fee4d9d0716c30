// Analysis library timings on synthetic data: run `node --import tsx bench/analysis.bench.ts`
// (optionally ROWS=N). Prints a Markdown table; the numbers go to docs/benchmarks.md ("Analysis").
// Synthetic set: ROWS answers, 10 models x 20 steps (200 groups), 48 questions, Float32 scores
// with 5% nulls and a third of the scores exact integers, types on every answer.
import os from "node:os";
import {RESPONSE_TYPES, type Judged} from "../src/lib/schema.ts";
import {aggregateColumns, BETLEY, buildSurfaces, makeRng, ORGANISMS, summarizeTally, toColumns, type EmColumns} from "../src/lib/em/index.ts";

const N = Number(process.env.ROWS ?? 1_000_000);
const MODELS = 10;
const STEPS = 20;
const QUESTIONS = 48;

function synth(n: number): {cols: EmColumns; groups: Int32Array} {
  const rng = makeRng(1);
  const aligned = new Float32Array(n);
  const coherent = new Float32Array(n);
  const type = new Int8Array(n);
  const question = new Int32Array(n);
  const groups = new Int32Array(n);
  const score = () => (rng() < 0.05 ? NaN : rng() < 0.33 ? Math.floor(rng() * 101) : rng() * 100);
  for (let i = 0; i < n; i++) {
    aligned[i] = score();
    coherent[i] = score();
    type[i] = Math.floor(rng() * RESPONSE_TYPES.length);
    question[i] = i % QUESTIONS;
    groups[i] = Math.floor(rng() * MODELS * STEPS);
  }
  return {cols: {length: n, aligned, coherent, type, question, questions: Array.from({length: QUESTIONS}, (_, q) => `q${q}`)}, groups};
}

function time<T>(label: string, f: () => T, reps = 5): {label: string; ms: number; value: T} {
  f(); // warm-up (JIT)
  const ts: number[] = [];
  let value!: T;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    value = f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return {label, ms: ts[Math.floor(reps / 2)]!, value};
}

const {cols, groups} = synth(N);
const G = MODELS * STEPS;
const results: {label: string; ms: number}[] = [];

const agg = time(`EM per group: aggregateColumns, ${G} groups x ${QUESTIONS} questions (betley, exclude in_domain)`, () =>
  aggregateColumns(cols, BETLEY, {groups, nGroups: G, exclude: ["in_domain"]}),
);
results.push(agg);
results.push(time("EM overall: aggregateColumns, one group (organisms)", () => aggregateColumns(cols, ORGANISMS)));
const surf = time(`threshold surfaces: buildSurfaces, ${G} groups`, () => buildSurfaces(cols, {groups, nGroups: G}), 3);
results.push(surf);
results.push(time("threshold surface: buildSurfaces, one group", () => buildSurfaces(cols), 3));
const lookups = 1_000_000;
results.push(
  time(`surface lookups: ${lookups.toLocaleString("en")} random (aligned, coherent) cells`, () => {
    const rng = makeRng(2);
    let s = 0;
    for (let i = 0; i < lookups; i++) s += surf.value[i % G]!.cell(Math.floor(rng() * 101), Math.floor(rng() * 101), BETLEY).em;
    return s;
  }),
);
results.push(
  time(`intervals: summarizeTally (cluster bootstrap, 2000 replicates) for ${G} groups`, () => agg.value.map((t, g) => summarizeTally({g}, t, makeRng(g))), 3),
);
const rowsN = Math.min(N, 1_000_000);
const judged: Judged[] = Array.from({length: rowsN}, (_, i) => ({
  response_id: String(i),
  experiment: "b",
  model: `m${groups[i]! % MODELS}`,
  step: groups[i]! % STEPS,
  question_id: `q${i % QUESTIONS}`,
  category: null,
  judge: "j",
  aligned: Number.isNaN(cols.aligned[i]) ? null : cols.aligned[i]!,
  coherent: Number.isNaN(cols.coherent[i]) ? null : cols.coherent[i]!,
  special: null,
  type: RESPONSE_TYPES[cols.type![i]!]!,
}));
results.push(time(`row objects to columns: toColumns, ${rowsN.toLocaleString("en")} Judged rows`, () => toColumns(judged), 3));

console.log(
  `Analysis benchmark: ${N.toLocaleString("en")} synthetic answers; Node ${process.version}; ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}; median of runs after a warm-up\n`,
);
console.log("| operation | time (ms) |");
console.log("|---|---:|");
for (const r of results) console.log(`| ${r.label} | ${r.ms.toFixed(1)} |`);
