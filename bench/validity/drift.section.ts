// Validity of the judge-drift test (issue 26, src/lib/em/drift.ts): over simulated anchor sets,
// anchors' scores redrawn with per-answer noise (a deployment's nondeterminism) and a planted mean
// shift. The promise: at a shift equal to the tolerance (the boundary of "no drift") the test
// flags at most alpha = 5%; with no shift almost never; power is reported at twice the tolerance.
import {anchorDrift} from "../../src/lib/em/drift.ts";
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

/** Share of simulated anchor sets flagged: n anchors, true scores uniform 0-100, noise sd, planted shift. */
export function driftFlagRate(n: number, shift: number, noise: number, tolerance: number, reps: number, rng: Rng): number {
  let hit = 0;
  for (let r = 0; r < reps; r++) {
    const pairs = Array.from({length: n}, () => {
      const t = 100 * rng();
      return {before: t + noise * randNormal(rng), now: t + shift + noise * randNormal(rng)};
    });
    if (anchorDrift(pairs, {tolerance}).drift) hit++;
  }
  return hit / reps;
}

function row(
  kind: ValidityRow["kind"],
  nominal: number | null,
  shift: number,
  n: number,
  noise: number,
  tol: number,
  p: number,
  reps: number,
  quantity: string,
): ValidityRow {
  return {
    section: "drift",
    quantity,
    regime: `${n} anchors, per-answer noise sd ${noise} points, planted mean shift ${shift}, tolerance ${tol}`,
    kind,
    nominal,
    estimate: p,
    mc_se: Math.sqrt((p * (1 - p)) / reps),
    reps,
    flagged_in_product: false,
  };
}

export const section: ValiditySection = {
  name: "drift",
  run({smoke, seed}) {
    const rng = makeRng(seed ^ 0xd71f);
    const reps = smoke ? 200 : 4000;
    const rows: ValidityRow[] = [];
    for (const [n, noise] of smoke
      ? [[20, 4]]
      : [
          [20, 4],
          [50, 8],
          [10, 2],
        ]) {
      const tol = 3;
      rows.push(
        row(
          "error_rate",
          0.05,
          tol,
          n!,
          noise!,
          tol,
          driftFlagRate(n!, tol, noise!, tol, reps, rng),
          reps,
          "judge drift flagged at a shift equal to the tolerance",
        ),
      );
      rows.push(row("error_rate", 0.05, 0, n!, noise!, tol, driftFlagRate(n!, 0, noise!, tol, reps, rng), reps, "judge drift flagged with no shift"));
      rows.push(
        row("power", null, 2 * tol, n!, noise!, tol, driftFlagRate(n!, 2 * tol, noise!, tol, reps, rng), reps, "judge drift flagged at twice the tolerance"),
      );
    }
    return rows;
  },
};
