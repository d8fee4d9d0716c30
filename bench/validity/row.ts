// One row of a validity section (bench/validity/types.ts) from a measured share: the shared
// constructor of the sections' rows, so each section states only what it measured.
import {makeRng, type Rng} from "../../src/lib/em/prng.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

/**
 * The row of `section` measuring `quantity` in `regime`: `estimate` is a share (0..1) over `reps`
 * replicates, its Monte-Carlo standard error the binomial sqrt(p(1-p)/reps) (NaN when reps is 0);
 * `note` is kept only when non-empty.
 */
export function validityRow(
  section: string,
  quantity: string,
  regime: string,
  kind: ValidityRow["kind"],
  nominal: number | null,
  estimate: number,
  reps: number,
  flagged: boolean,
  note?: string,
): ValidityRow {
  return {
    section,
    quantity,
    regime,
    kind,
    nominal,
    estimate,
    mc_se: Math.sqrt((estimate * (1 - estimate)) / reps),
    reps,
    flagged_in_product: flagged,
    ...(note ? {note} : {}),
  };
}

/**
 * validityRow from a count: `hits` of `reps` replicates, estimate hits / reps (0 when reps is 0;
 * the row keeps reps 0, so a reader sees that nothing was measured).
 */
export function rowFromHits(
  section: string,
  quantity: string,
  regime: string,
  kind: ValidityRow["kind"],
  nominal: number | null,
  hits: number,
  reps: number,
  flagged: boolean,
  note?: string,
): ValidityRow {
  return validityRow(section, quantity, regime, kind, nominal, reps ? hits / reps : 0, reps, flagged, note);
}

/** validityRow with its section, kind and nominal level bound: the row constructor of one section's test. */
export function rowMaker(
  section: string,
  kind: ValidityRow["kind"],
  nominal: number | null,
): (quantity: string, regime: string, estimate: number, reps: number, flagged: boolean, note?: string) => ValidityRow {
  return (quantity, regime, estimate, reps, flagged, note) => validityRow(section, quantity, regime, kind, nominal, estimate, reps, flagged, note);
}

/**
 * A section that measures each of `regimes` with `reps` replicates (smoke mode: the one regime
 * `smoke` with `smokeReps`), all on one stream makeRng(seed ^ salt) taken in the regimes' order.
 */
export function regimeSection<R>(
  name: string,
  salt: number,
  rowsOf: (regime: R, reps: number, rng: Rng) => ValidityRow[],
  plan: {regimes: readonly R[]; reps: number; smoke: R; smokeReps: number},
): ValiditySection {
  return {
    name,
    run({smoke, seed}) {
      const rng = makeRng(seed ^ salt);
      if (smoke) return rowsOf(plan.smoke, plan.smokeReps, rng);
      return plan.regimes.flatMap((r) => rowsOf(r, plan.reps, rng));
    },
  };
}
