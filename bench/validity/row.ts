// One row of a validity section (bench/validity/types.ts) from a measured share: the shared
// constructor of the sections' rows, so each section states only what it measured.
import type {ValidityRow} from "./types.ts";

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
