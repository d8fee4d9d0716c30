// One row of a validity section (bench/validity/types.ts) from a measured share: the shared
// constructor of the sections' rows, so each section states only what it measured.
import {makeRng, type Rng} from "../../src/lib/em/prng.ts";
import {rowKey, type ValidityRow, type ValiditySection} from "./types.ts";

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
 * It honours `--reps N` (N replicates per regime instead) and `--rows PATTERN`: only the regimes
 * with a row whose "quantity | regime" (rowKey) matches run, found by one replicate of each on a
 * stream of their own (makeRng(seed ^ salt ^ 0x5eed)), then those regimes run on makeRng(seed ^
 * salt) in their order, and only the matching rows are returned: seeded, but not the same draws as
 * the full run's (the row records its own command).
 */
export function regimeSection<R>(
  name: string,
  salt: number,
  rowsOf: (regime: R, reps: number, rng: Rng) => ValidityRow[],
  plan: {regimes: readonly R[]; reps: number; smoke: R; smokeReps: number},
): ValiditySection {
  return {
    name,
    rowOptions: true,
    run({smoke, seed, rows, reps}) {
      const rng = makeRng(seed ^ salt);
      const regimes = smoke ? [plan.smoke] : plan.regimes;
      const n = reps ?? (smoke ? plan.smokeReps : plan.reps);
      if (!rows) return regimes.flatMap((r) => rowsOf(r, n, rng));
      const probe = makeRng(seed ^ salt ^ 0x5eed);
      const chosen = regimes.filter((r) => rowsOf(r, 1, probe).some((x) => rows.test(rowKey(x))));
      return chosen.flatMap((r) => rowsOf(r, n, rng)).filter((x) => rows.test(rowKey(x)));
    },
  };
}
