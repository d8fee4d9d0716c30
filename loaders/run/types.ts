// The run's public shapes: options and progress in, result and dry-run plan out.
import type {EmRule} from "../../src/lib/em/rules.ts";
import type {Provenance, ResponseRow, ScoreRow, SignalRow, TypeRow} from "../../src/lib/schema.ts";
import type {Experiment} from "../experiment.ts";
import type {ImportResult, Mismatch} from "../import/index.ts";

export interface RunProgress {
  /** Units done / total: one unit per sample and per judge call (imports count as done at once). */
  done: number;
  total: number;
  cacheHits: number;
  apiCalls: number;
  errors: number;
  /** Work that offline mode skipped. */
  missing: number;
  /**
   * Requests not sent because an identical request was in flight at the same time (e.g. two
   * models served by one checkpoint): they got that call's result. Not counted in apiCalls.
   */
  coalesced: number;
  elapsedMs: number;
}

export interface RunOptions {
  /** Cache folder for everything (overrides the experiment's `cache` and the simulator default). */
  cacheDir?: string;
  /** Never call a non-simulator endpoint; report what is missing instead. */
  offline?: boolean;
  /** Called after every unit of work (cheap; throttle rendering yourself). */
  onProgress?: (p: RunProgress) => void;
  /** Rubric folder (default data/judges). */
  judgesDir?: string;
  /** Recorded in provenance.created_by. */
  createdBy?: string;
  /** Skip the GET /models probe (tests of failure paths that want the call itself to fail). */
  skipProbe?: boolean;
  /**
   * Folders the run created while probing its caches are appended here, so a command that fails
   * afterwards (before writing anything) can remove them again (`removeCreated`).
   */
  createdDirs?: string[];
  /** Most samples + judge calls the experiment may plan (default DEFAULT_MAX_REQUESTS, 1,000,000); more is refused before anything is built. */
  maxRequests?: number;
  /** Where warnings go (variants without a baseline...); default: one line each on stderr. */
  onWarning?: (message: string) => void;
  /** The EM rule whose cuts type the signals rows (default Betley); `em summarize` passes its active rule. */
  typingRule?: EmRule;
  /** Topic cut 0..100 for the signals types (default: the experiment's `topic_cut`). */
  topicCut?: number;
}

export interface MissingItem {
  kind: "generation" | "judge";
  endpoint: string;
  model: string;
  /** Samples (generation) or calls (judge) not available. */
  count: number;
  reason: string;
}

export interface ErrorItem {
  kind: "generation" | "judge" | "import";
  endpoint: string;
  model: string;
  count: number;
  /** First error message seen for this group. */
  message: string;
}

export interface RunStats {
  apiCalls: number;
  cacheHits: number;
  /** Requests answered by an identical call in flight (RunProgress.coalesced). */
  coalesced: number;
  seconds: number;
  /** API calls per second of wall time (0 when none). */
  callsPerSecond: number;
  cache: {dir: string; entries: number; files: number; partial: number; corrupt: number; written: number}[];
}

export interface RunResult {
  experiment: Experiment;
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  /**
   * The types table with the signals rows typed again under another rule / topic cut (the judge
   * type rows unchanged): one linear pass, no run. `types` is this with the run's own typing.
   */
  typesWith?: (typing: {rule?: EmRule; topicCut?: number}) => TypeRow[];
  signals: SignalRow[];
  provenance: Provenance;
  missing: MissingItem[];
  errors: ErrorItem[];
  /** Import rows that could not be used, with reasons. */
  skipped: {file: string; line?: number; reason: string}[];
  /**
   * Imported scores whose file value differs from the score recomputed from the row's own judge
   * probabilities (beyond the import's `tolerance`). The file's score is the one kept in `scores`.
   */
  mismatches: Mismatch[];
  /** Every imported file (path relative to the experiment's folder), its format, responses and skipped rows. */
  importedFiles: ImportResult["files"];
  /** Warnings (also passed to `onWarning`), e.g. variants for which no baseline matched. */
  warnings: string[];
  /** Variant ids, baseline variant ids, and the variants that found no baseline. */
  variants: {ids: string[]; baselines: string[]; unmatched: string[]};
  /** Imported rows dropped by the experiment's question filters. */
  filteredRows: number;
  stats: RunStats;
}

export interface PlanLine {
  kind: "generation" | "judge";
  /** judge id, or "generation" */
  id: string;
  endpoint: string;
  model: string;
  /** Samples (generation) or judge calls in total, and how many are cached. */
  units: number;
  cached: number;
  /**
   * Distinct HTTP requests still to make (generation uses n per request). A request identical to
   * one already counted (same endpoint, model and body: two models served by one checkpoint, or
   * two judges with one model on one endpoint) is counted once, on the first line that needs it,
   * because the run sends it once. Judge calls on answers not generated yet are counted as
   * distinct unless they judge the same future answer with the same prompt.
   */
  requests: number;
  /**
   * Judges: second-token follow-ups the run may send on top of `requests` (a lone "10" or single digit
   * as score token; execution.ts settleSplit), an upper bound: every score call not made yet may need
   * one; exact for cached answers. 0 for generation.
   */
  follow_ups_max?: number;
  /** Tokens of those requests; 4 characters per token, future answers EST_ANSWER_SHARE of max_tokens. */
  est_prompt_tokens: number;
  est_completion_tokens: number;
  est_cost_usd: number | null;
  /** Env var the endpoint needs and whether it is set; null when none is needed. */
  key_env: string | null;
  key_set: boolean;
}

export interface Plan {
  experiment: Experiment;
  lines: PlanLine[];
  est_cost_usd: number | null;
  assumptions: string[];
}
