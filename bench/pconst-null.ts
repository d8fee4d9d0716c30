// `node --import tsx bench/pconst-null.ts [--reps N] [--seed S] [--only PATTERN]`: the type I error
// of p_constant < 0.05 from 7 values (the logistic's likelihood-ratio test against a constant rate,
// quasi-F(3, m - 4) with the logistic's Pearson dispersion, chi-square(3) when it is at most 1)
// on flat series, the transitions-few simulator (question spread logit sd 1, half lasting; seeds
// logit sd 0.5): 25 even steps with 3 seeds x 8 questions x 17 (the design whose 150-sweep rows
// read 7.3% / 6.0% on flat 20% / 50%) and 7 log-spaced scales, one run of 8 x 50. Also the share
// of sweeps whose logistic dispersion was at most 1 (chi-square reference) and the median
// dispersion; two diagnostic designs (25 steps, one run, with and without question spread). Only
// testTransition's p_constant (no power statement, no earlier rule): cheap enough for 2,000+
// sweeps per row. Tab-separated to stdout, with the Wilson 95% interval and CPU seconds.
import {parseArgs} from "node:util";
import {fitLogistic, testTransition} from "../src/lib/em/transition.ts";
import {makeRng} from "../src/lib/em/prng.ts";
import {wilsonZ} from "../src/lib/em/wilson.ts";
import {fewSweepOnScale, type FewDesign, type FewShape} from "./validity/transitions-few.section.ts";

const {values} = parseArgs({options: {reps: {type: "string", default: "2000"}, seed: {type: "string", default: "20261208"}, only: {type: "string"}}});
const reps = Number(values.reps);
const only = values.only ? new RegExp(values.only) : null;
const designs: FewDesign[] = [
  {label: "25 steps 100-2500, 3 seeds x 8 q x 17", xs: Array.from({length: 25}, (_, i) => 100 * (i + 1)), seeds: 3, questions: 8, answers: 17},
  {label: "7 scales 0.0625-4, one run, 8 q x 50", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50},
  // Where the excess comes from: no seeds, then no question spread either (binomial answers).
  {label: "25 steps 100-2500, one run, 8 q x 50", xs: Array.from({length: 25}, (_, i) => 100 * (i + 1)), seeds: 1, questions: 8, answers: 50},
  {
    label: "25 steps 100-2500, one run, 8 q x 50, no question spread",
    xs: Array.from({length: 25}, (_, i) => 100 * (i + 1)),
    seeds: 1,
    questions: 8,
    answers: 50,
    qSd: 0,
  },
];
const flats = [0.05, 0.2, 0.5].map((p): FewShape => ({name: `flat ${100 * p}%`, p: () => p, rise: null}));
console.log(`reps ${reps}, seed ${values.seed}`);
console.log(["shape", "design", "p_constant < 0.05", "%", "Wilson 95%", "dispersion <= 1 %", "median dispersion", "cpu s"].join("\t"));
let row = 0;
for (const d of designs)
  for (const shape of flats) {
    row++;
    if (only && !only.test(`${shape.name} | ${d.label}`)) continue;
    const rng = makeRng(Number(values.seed) * 1000 + row);
    let hits = 0;
    let chi = 0;
    const phis: number[] = [];
    const t0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      const points = fewSweepOnScale(rng, shape, d);
      const fit = fitLogistic(points, {profile: false});
      const t = testTransition(points, fit);
      if (t.p_constant !== null && t.p_constant < 0.05) hits++;
      const phi = fit?.dispersion ?? 1;
      if (!(phi > 1)) chi++;
      phis.push(phi);
    }
    const u = process.cpuUsage(t0);
    const [lo, hi] = wilsonZ(hits, reps, 1.96);
    const pc = (v: number) => (100 * v).toFixed(1);
    phis.sort((a, b) => a - b);
    console.log(
      [
        shape.name,
        d.label,
        `${hits}/${reps}`,
        pc(hits / reps),
        `${pc(lo)}-${pc(hi)}`,
        pc(chi / reps),
        phis[phis.length >> 1]!.toFixed(2),
        ((u.user + u.system) / 1e6).toFixed(1),
      ].join("\t"),
    );
  }
