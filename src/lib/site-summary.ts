// The shape of the site's summary.json, declared once: src/data/summary.json.ts builds it with
// `satisfies Summary`, the pages read it through this type (src/components/site.ts).
import type {Provenance, SitePlanted} from "./schema.js";

type ProvenanceExperiment = Provenance["experiments"][number];

export interface ModelInfo {
  id: string;
  description: string | null;
  domain: string | null;
  meta: Record<string, unknown>;
  steps: (number | null)[];
}

export interface ExperimentInfo {
  name: string;
  description: string;
  simulated: boolean;
  /** Name of the experiment's ordered coordinate (the points table keeps its values in `step`). */
  coordinate: string;
  /** "log" when the experiment declares `coordinate_scale: log`; null otherwise (the library decides). */
  coordinate_scale: "log" | null;
  /** The experiment's `variant:` keys and `replicate:` key, when declared. */
  variant_keys: string[] | null;
  replicate_key: string | null;
  file: string;
  sha256: string;
  models: ModelInfo[];
  judges: ProvenanceExperiment["judges"];
  generation: ProvenanceExperiment["generation"];
  counts: ProvenanceExperiment["counts"];
  usage: ProvenanceExperiment["usage"];
  /** Calls not in the cache, failed calls and skipped imported rows of this experiment. */
  missing: number;
  errors: number;
  skipped: number;
  /** The simulator's planted truth (simulated experiments only). */
  planted: SitePlanted | null;
  /** The experiment's primary (pre-registered) question ids or globs; null when none is declared (issue 26). */
  primary_questions?: string[] | null;
  /** Judge drift on the experiment's anchor answers at its last run (issue 26); null without anchors. */
  judge_drift?: NonNullable<ProvenanceExperiment["judge_drift"]> | null;
  /** Imported (answer, judge) pairs with no score from that judge (provenance import_files not_judged); absent in older summaries. */
  not_judged?: number;
}

export interface Summary {
  tool: Provenance["tool"];
  experiments: ExperimentInfo[];
}

/** The experiment of that name, else the first (a page always has one to show), else null. */
export function experimentInfo(summary: Summary, name: string | null): ExperimentInfo | null {
  return summary.experiments.find((e) => e.name === name) ?? summary.experiments[0] ?? null;
}
