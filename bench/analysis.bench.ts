// Analysis library timings on synthetic data: run `node --import tsx bench/analysis.bench.ts`
// (optionally ROWS=N, REPS=N; BENCH_SMOKE=1 for 20,000 rows and 3 runs). Writes
// bench/results/analysis.json; bench/write.ts puts it in docs/benchmarks.md ("Analysis").
// Synthetic set: ROWS answers, 10 models x 20 steps (200 groups), 48 questions, Float32 scores
// with 5% nulls and a third of the scores exact integers, types on every answer.
import {RESPONSE_TYPES, type Judged} from "../src/lib/schema.ts";
import {aggregateColumns, BETLEY, buildSurfaces, makeRng, ORGANISMS, summarizeTally, toColumns, type EmColumns} from "../src/lib/em/index.ts";

import {commandLine, dist, fmtMs, SMOKE, writeSection, type Dist} from "./lib/results.ts";

const N = Number(process.env.ROWS ?? (SMOKE ? 20_000 : 1_000_000));
/** Timed runs per row after a warm-up; the slow rows (surfaces, intervals, toColumns) get half. */
const REPS = Number(process.env.REPS ?? (SMOKE ? 3 : 9));
if (!Number.isInteger(N) || N < 1) throw new Error(`ROWS must be a positive integer, got ${process.env.ROWS}`);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`REPS must be a positive integer, got ${process.env.REPS}`);
const SLOW = Math.max(1, Math.ceil(REPS / 2));
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

function time<T>(label: string, f: () => T, reps = REPS): {label: string; d: Dist; value: T} {
  f(); // warm-up (JIT)
  const ts: number[] = [];
  let value!: T;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    value = f();
    ts.push(performance.now() - t0);
  }
  return {label, d: dist(ts), value};
}

const {cols, groups} = synth(N);
const G = MODELS * STEPS;
const results: {label: string; d: Dist}[] = [];

const agg = time(`EM per group: aggregateColumns, ${G} groups x ${QUESTIONS} questions (betley, exclude in_domain)`, () =>
  aggregateColumns(cols, BETLEY, {groups, nGroups: G, exclude: ["in_domain"]}),
);
results.push(agg);
results.push(time("EM overall: aggregateColumns, one group (organisms)", () => aggregateColumns(cols, ORGANISMS)));
const surf = time(`threshold surfaces: buildSurfaces, ${G} groups`, () => buildSurfaces(cols, {groups, nGroups: G}), SLOW);
results.push(surf);
results.push(time("threshold surface: buildSurfaces, one group", () => buildSurfaces(cols), SLOW));
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
  time(
    `intervals: summarizeTally (cluster bootstrap, 2000 replicates) for ${G} groups`,
    () => agg.value.map((t, g) => summarizeTally({g}, t, makeRng(g))),
    SLOW,
  ),
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
results.push(time(`row objects to columns: toColumns, ${rowsN.toLocaleString("en")} Judged rows`, () => toColumns(judged), SLOW));

writeSection({
  section: "analysis",
  title: "Analysis library",
  command: commandLine("bench/analysis.bench.ts", ["ROWS", "REPS", "BENCH_SMOKE"]),
  method: [
    `Synthetic data: ${N.toLocaleString("en")} answers, ${MODELS} models x ${STEPS} steps = ${G} groups, ${QUESTIONS} questions, Float32 scores with 5% nulls ` +
      `and a third of them exact integers, a response type on every answer. Each operation runs once as a warm-up, then ${REPS} times ` +
      `(${SLOW} for surfaces, intervals and toColumns); p95 is the nearest rank, i.e. the maximum for fewer than 20 runs.`,
    "A threshold change on a page with precomputed surfaces is a surface lookup per group (the lookups row), not a pass over the rows.",
  ],
  tables: [
    {
      head: ["operation", "runs", "median", "p95", "min"],
      rows: results.map((r) => [r.label, String(r.d.n), fmtMs(r.d.median), fmtMs(r.d.p95), fmtMs(r.d.min)]),
    },
  ],
  verdicts: [],
  notes: [],
  raw: {rows: N, results: results.map((r) => ({label: r.label, ...r.d}))},
});
