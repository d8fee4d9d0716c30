// `node --import tsx bench/nonmono-pooled-11.ts [--reps N] [--seed S]`: the monotonicity test on
// points without per-question cells (a table without question ids) at 11 checkpoints, the
// transitions section's simulator (8 questions x 50, float judge, logit sd 1 and 2, half lasting):
// share of seeded sweeps called non_monotone on a 3% -> 25% -> 3% hump and on flat 20%, by the
// product (testTransition: the pooled fits' one dispersion referred to Student's t on m - 4 df,
// monotoneReference) and by the same dispersion referred to the normal quantile (the rule until
// 2026-12-07, session 19), on the same sweeps. Tab-separated to stdout with CPU seconds per row.
import {parseArgs} from "node:util";
import {fitLogistic, makeRng, monotoneDispersion, nonMonotoneAt, testTransition} from "../src/lib/em/index.ts";
import {type Design, SHAPES, simulateSweep} from "./validity/transitions.section.ts";

const {values} = parseArgs({options: {reps: {type: "string", default: "200"}, seed: {type: "string", default: "31337"}}});
const reps = Number(values.reps);
const designs: [string, Design][] = [
  ["logit sd 2 (50% lasting)", {m: 11, questions: 8, answers: 50, sd: 2, rho: 0.5, judge: "float"}],
  ["logit sd 1 (50% lasting)", {m: 11, questions: 8, answers: 50, sd: 1, rho: 0.5, judge: "float"}],
];
console.log(`reps ${reps}, seed ${values.seed}`);
console.log(["design", "shape", "normal quantile %", "product (t on m - 4) %", "cpu s"].join("\t"));
for (const [label, d] of designs)
  for (const shape of [SHAPES.hump, SHAPES.flat20]) {
    const rng = makeRng(Number(values.seed));
    let z = 0;
    let t = 0;
    const t0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      const sw = simulateSweep(rng, shape, d);
      const fit = fitLogistic(sw.rate, {profile: false});
      if (nonMonotoneAt(sw.rate, 0.05, monotoneDispersion(sw.rate, fit)) !== null) z++;
      if (testTransition(sw.rate, fit).verdict === "non_monotone") t++;
    }
    const u = process.cpuUsage(t0);
    const pc = (v: number) => ((100 * v) / reps).toFixed(1);
    console.log([`11 checkpoints, ${label}`, shape.name, pc(z), pc(t), ((u.user + u.system) / 1e6).toFixed(1)].join("\t"));
  }
