// The validity harness's contract (issue 22): each `bench/validity/*.section.ts` exports
// `section: ValiditySection`; `bench/validity/run.ts` runs every section (seeded), writes
// `docs/validity.md` and `bench/results/validity.json`, and in smoke mode runs each in seconds.

/** What a row measures: coverage of an interval, or the rejection rate of a test. */
export type ValidityKind = "coverage" | "error_rate" | "power";

export interface ValidityRow {
  /** The section that produced it (e.g. "rate", "baseline", "transition", "calibration"). */
  section: string;
  /** What the product prints, as a user sees it (e.g. "rate CI, questions estimand"). */
  quantity: string;
  /** The simulated regime, human-readable (e.g. "rate 7%, logit sd 2, 8 questions x 50"). */
  regime: string;
  kind: ValidityKind;
  /** Target: 0.95 for a 95% interval's coverage, 0.05 for a test's type-I error; null for power. */
  nominal: number | null;
  /** Measured share over the replicates. */
  estimate: number;
  /** Monte-Carlo standard error of `estimate` (sqrt(p(1-p)/reps)). */
  mc_se: number;
  reps: number;
  /** Whether the product calls this regime approximate in its own output (a note beside the number). */
  flagged_in_product: boolean;
  /**
   * Whether the product labels this interval conservative (covers more than nominal) with its measured
   * coverage wherever it shows it, in this regime; absent = no. Read by the verdict only for a row
   * significantly above the band (bench/validity/run.ts, verdict).
   */
  labelled_conservative?: boolean;
  note?: string;
  /**
   * Set when this row was rerun alone (`--rows PATTERN [--reps N]`) after its section ran: the
   * command and when (ISO); the section's own command and date are the rest of its rows'.
   */
  run?: {command: string; date: string};
}

export interface ValidityOptions {
  /** Seconds-long run for `npm test`: few regimes, few replicates. */
  smoke: boolean;
  seed: number;
  /**
   * Only the rows whose `quantity | regime` matches (`--rows PATTERN`); only sections with
   * `rowOptions` honour it. Absent: every row.
   */
  rows?: RegExp;
  /** Replicates per regime instead of the section's own (`--reps N`); only sections with `rowOptions`. */
  reps?: number;
}

export interface ValiditySection {
  name: string;
  run(options: ValidityOptions): Promise<ValidityRow[]> | ValidityRow[];
  /** The section honours ValidityOptions.rows and .reps (regimeSection's do). */
  rowOptions?: boolean;
}

/** The key `--rows PATTERN` is matched against, and that a rerun row replaces: "quantity | regime". */
export function rowKey(row: Pick<ValidityRow, "quantity" | "regime">): string {
  return `${row.quantity} | ${row.regime}`;
}
