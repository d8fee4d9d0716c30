// The contract between the mechanism pipeline (loaders/mechanism) and the pages: what
// `em summarize --transition --mechanism --format json` and src/data/mechanism.json carry.
import type {ChangePointResult} from "./changepoint.js";
import type {BehaviourFit, LagResult} from "./lag.js";

/** One (variant, scalar): its change point, the EM transition, the lag between them, the sentence. */
export interface MechanismFinding {
  variant: string;
  scalar: string;
  /** Human label of the scalar ("the B-vector rotation (k = 10)"). */
  label: string;
  change: Omit<ChangePointResult, "draws">;
  behaviour: Omit<BehaviourFit, "fit">;
  lag: LagResult;
  sentence: string;
}

/** One experiment's mechanism data for the site. Coordinates in the experiment's units. */
export interface SiteMechanism {
  /** Experiment name. */
  experiment: string;
  coordinate: string;
  /** EM rule and judge the findings used (the CLI's defaults). */
  rule: string;
  judge: string | null;
  /** Training logs and checkpoint folders read (display paths). */
  inputs: string[];
  variants: {
    variant: string;
    /** Pooled EM count per coordinate value (k EM of n in the rule's denominator). */
    em: {x: number; k: number; n: number}[];
    /** The chosen scalars' curves (nulls dropped). */
    curves: {scalar: string; label: string; points: {x: number; y: number}[]}[];
    findings: MechanismFinding[];
  }[];
}
