// Time per call of the logit-normal fit behind the questions-estimand rate interval (logitNormalFit
// + its 95% profile interval), on seeded data sets from the regimes the planner and the validity
// harness simulate (8-48 questions, 20-200 answers each, rates 0.5-40%, logit sd 0.3-2). Not a test.
//   node --import tsx bench/logit-normal-fit.ts [--reps N] [--out FILE.json] [--compare FILE.json]
// --out writes every data set's estimate, sigma and interval; --compare prints the largest change
// against such a file (the same seeds give the same data sets).
import {readFileSync, writeFileSync} from "node:fs";
import {logitNormalFit} from "../src/lib/em/logit-normal.ts";
import {makeRng, randBinomial, randNormal} from "../src/lib/em/prng.ts";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(opt("--reps") ?? 40);
const rng = makeRng(20261206);
const regimes = [
  {rate: 0.07, sd: 2, m: 24, n: 50},
  {rate: 0.07, sd: 1, m: 8, n: 50},
  {rate: 0.02, sd: 1.5, m: 48, n: 100},
  {rate: 0.3, sd: 0.8, m: 24, n: 100},
  {rate: 0.005, sd: 0.5, m: 24, n: 200},
  {rate: 0.4, sd: 0.3, m: 48, n: 20},
];
const expit = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const sets = regimes.flatMap((g) =>
  Array.from({length: reps}, () => {
    const d = Array.from({length: g.m}, () => g.n);
    const k = d.map((n) => randBinomial(rng, n, expit(logit(g.rate) + g.sd * randNormal(rng))));
    return {regime: g, k, d};
  }),
);
const results: {estimate: number; sigma: number; ci: [number, number]}[] = [];
const t0 = performance.now();
let fitted = 0;
for (const s of sets) {
  const f = logitNormalFit({k: s.k, d: s.d});
  if (!f) {
    results.push({estimate: Number.NaN, sigma: Number.NaN, ci: [Number.NaN, Number.NaN]});
    continue;
  }
  fitted++;
  const ci = f.ci(0.95);
  results.push({estimate: f.estimate, sigma: f.sigma, ci: [ci[0], ci[1]]});
}
const ms = performance.now() - t0;
console.log(`${sets.length} data sets, ${fitted} fitted: ${(ms / fitted).toFixed(2)} ms per fit + 95% interval (total ${ms.toFixed(0)} ms)`);
const out = opt("--out");
if (out) writeFileSync(out, JSON.stringify(results));
const cmp = opt("--compare");
if (cmp) {
  const before = JSON.parse(readFileSync(cmp, "utf8")) as typeof results;
  let worst = {what: "", change: 0, i: -1};
  for (let i = 0; i < results.length; i++) {
    const a = before[i]!;
    const b = results[i]!;
    const pairs: [string, number, number][] = [
      ["estimate", a.estimate, b.estimate],
      ["lower", a.ci[0], b.ci[0]],
      ["upper", a.ci[1], b.ci[1]],
    ];
    for (const [what, x, y] of pairs) {
      if (Number.isNaN(x) !== Number.isNaN(y)) console.log(`data set ${i}: ${what} fitted only ${Number.isNaN(x) ? "after" : "before"}`);
      else if (Math.abs(x - y) > worst.change) worst = {what, change: Math.abs(x - y), i};
    }
  }
  console.log(`largest change: ${worst.what} of data set ${worst.i}, ${(100 * worst.change).toFixed(4)} percentage points`);
}
