// CPU time of one transition fit with its profile intervals (issue 27: "fit + interval <= ~50 ms"):
// a seeded set of sweeps from the validity simulator (bench/validity/transitions.section.ts; sharp
// and smooth rises, 11 checkpoints, 8 questions x 50, logit sd 1), each fitted by fitLogistic
// (a) with the midpoint interval only and (b) with the width interval as well. Reports the median
// and p95 CPU milliseconds per fit (process.cpuUsage: on a shared machine wall time mostly
// measures the load). Run: node --import tsx bench/transition-fit.bench.ts [--series N]
import {parseArgs} from "node:util";
import {fitLogistic, type TransitionPoint} from "../src/lib/em/transition.ts";
import {makeRng} from "../src/lib/em/prng.ts";
import {dist, fmtMs} from "./lib/results.ts";
import {SHAPES, simulateSweep} from "./validity/transitions.section.ts";

const {values} = parseArgs({options: {series: {type: "string", default: "40"}}});
const N = Number(values.series);
if (!Number.isInteger(N) || N < 1) throw new Error(`--series must be a positive integer, got ${values.series}`);

const rng = makeRng(27);
const series: TransitionPoint[][] = Array.from(
  {length: N},
  (_, i) => simulateSweep(rng, i % 2 ? SHAPES.smooth : SHAPES.sharp, {m: 11, questions: 8, answers: 50, sd: 1, rho: 0.5, judge: "float"}).rate,
);

function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

for (const s of series.slice(0, 3)) fitLogistic(s); // warm-up (JIT)
const midpoint = dist(series.map((s) => cpuMs(() => fitLogistic(s, {profileWidth: false}))));
const both = dist(series.map((s) => cpuMs(() => fitLogistic(s))));
const line = (label: string, d: ReturnType<typeof dist>) => `${label}: median ${fmtMs(d.median)}, p95 ${fmtMs(d.p95)} CPU per fit (${d.n} series)`;
process.stdout.write(`${line("fit + midpoint interval", midpoint)}\n${line("fit + midpoint and width intervals", both)}\n`);
