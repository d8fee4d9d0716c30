// `node --import tsx bench/nonmono-null.ts [--reps N] [--seed S] [--only PATTERN]`: the null
// distribution of the non_monotone verdict on flat series (2%, 20%, 50%) and its power on the
// planted non-monotone shapes (transitions-few's hump and late drop), at 5, 7, 10 and 25
// coordinates, without question spread, with logit sd 1 (50% lasting) and sd 2 (20% lasting), one
// run (8 questions x 50) or 3 seeds pooled (8 x 17), two dispersions on the same sweeps:
//   before: the rule until 2026-12-07 (below 7 values the largest coordinate's clustered design
//           effect, ClusterTrend.design_effect_max; from 7 the smaller Pearson X^2 / (m - 4) of the
//           logistic and of a logit bump: monotoneDispersion without cells);
//   now:    the product's verdict (testTransition with the sweep's per-question cells: each
//           point's design effect, ClusterTrend.design_effects, at every size).
// And without per-question cells (the same sweeps' pooled counts, as a table without question ids
// gives them), two references for the one pooled dispersion on the same sweeps:
//   no cells, z: the normal quantile (the rule until 2026-12-07 session 19: from 7 values the
//           pooled fits' phi on m - 4 df used as known);
//   no cells, now: the product's verdict on the pooled counts (testTransition: from 7 values
//           Student's t on m - 4 df for that phi, monotoneReference).
// `--pooled-only`: only the two no-cells columns (the cells' columns print "-"), about half the CPU,
// for 2,000-sweep rows on a loaded machine. Tab-separated table to stdout with the CPU seconds per
// row. Seeded (makeRng(seed * 1000 + row)): the same sweeps with or without --pooled-only.
import {parseArgs} from "node:util";
import {clusterTrend, fitLogistic, MIN_TRANSITION_POINTS, monotoneDispersion, nonMonotoneAt, testTransition} from "../src/lib/em/transition.ts";
import {makeRng} from "../src/lib/em/prng.ts";
import {FEW_SHAPES, fewSweepOnScale, type FewDesign, type FewShape} from "./validity/transitions-few.section.ts";

const {values} = parseArgs({
  options: {
    reps: {type: "string", default: "300"},
    seed: {type: "string", default: "20261207"},
    only: {type: "string"},
    "pooled-only": {type: "boolean", default: false},
  },
});
const pooledOnly = values["pooled-only"];
const reps = Number(values.reps);
const only = values.only ? new RegExp(values.only) : null;

const flat = (p: number): FewShape => ({name: `flat ${100 * p}%`, p: () => p, rise: null});
const shapes: FewShape[] = [flat(0.02), flat(0.2), flat(0.5), ...FEW_SHAPES.filter((s) => s.rise === null && !s.name.startsWith("flat"))];
const sizes = [
  {label: "5 scales", xs: [0.25, 0.5, 1, 2, 4]},
  {label: "7 scales", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4]},
  {label: "10 steps", xs: Array.from({length: 10}, (_, i) => 100 * (i + 1))},
  {label: "25 steps", xs: Array.from({length: 25}, (_, i) => 100 * (i + 1))},
];
const spreads = [
  {label: "no question spread", qSd: 0, qRho: 0.5},
  {label: "sd 1 (50% lasting)", qSd: 1, qRho: 0.5},
  {label: "sd 2 (20% lasting)", qSd: 2, qRho: 0.2},
];
const runs = [
  {label: "one run, 8 q x 50", seeds: 1, answers: 50},
  {label: "3 seeds x 8 q x 17", seeds: 3, answers: 17},
];

console.log(`reps ${reps}, seed ${values.seed}`);
console.log(
  ["shape", "size", "spread", "run", "before %", "now %", "no cells, z %", "no cells, now %", "cells used", "median phi before/now (largest)", "cpu s"].join(
    "\t",
  ),
);
let row = 0;
for (const shape of shapes)
  for (const size of sizes)
    for (const sp of spreads)
      for (const run of runs) {
        row++;
        const key = `${shape.name} | ${size.label} | ${sp.label} | ${run.label}`;
        if (only && !only.test(key)) continue;
        const d: FewDesign = {label: size.label, xs: size.xs, seeds: run.seeds, questions: 8, answers: run.answers, qSd: sp.qSd, qRho: sp.qRho};
        const rng = makeRng(Number(values.seed) * 1000 + row);
        let before = 0;
        let now = 0;
        let pooledZ = 0;
        let pooledNow = 0;
        let used = 0;
        const phis: [number[], number[]] = [[], []];
        const t0 = process.cpuUsage();
        for (let r = 0; r < reps; r++) {
          const points = fewSweepOnScale(rng, shape, d);
          const fit = points.length >= MIN_TRANSITION_POINTS ? fitLogistic(points, {profile: false}) : null;
          if (!pooledOnly) {
            const ct = clusterTrend(points);
            if (ct) used++;
            const old = points.length < 7 && ct ? Math.max(1, ct.design_effect_max) : monotoneDispersion(points, fit, null)[0]!;
            const t = testTransition(points, fit);
            phis[0].push(old);
            phis[1].push(t.monotone_phi);
            if (nonMonotoneAt(points, 0.05, old) !== null) before++;
            if (t.verdict === "non_monotone") now++;
          }
          // Without cells: the same points' pooled counts (below 7 values the trend test's phi, from 7 the pooled fits').
          const pooled = points.map(({x, k, n}) => ({x, k, n}));
          const pooledPhi = monotoneDispersion(pooled, fit, null)[0]!;
          if (nonMonotoneAt(pooled, 0.05, pooledPhi) !== null) pooledZ++;
          if (testTransition(pooled, fit).verdict === "non_monotone") pooledNow++;
        }
        const u = process.cpuUsage(t0);
        const med = (a: number[]) =>
          a.length
            ? a
                .slice()
                .sort((x, y) => x - y)
                [a.length >> 1]!.toFixed(2)
            : "-";
        const pc = (v: number) => ((100 * v) / reps).toFixed(1);
        const cellsPc = (v: number) => (pooledOnly ? "-" : pc(v));
        console.log(
          [
            shape.name.slice(0, 28),
            size.label,
            sp.label,
            run.label,
            cellsPc(before),
            cellsPc(now),
            pc(pooledZ),
            pc(pooledNow),
            pooledOnly ? "-" : `${used}`,
            `${med(phis[0])}/${med(phis[1])}`,
            ((u.user + u.system) / 1e6).toFixed(1),
          ].join("\t"),
        );
      }
