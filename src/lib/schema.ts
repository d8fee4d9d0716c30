// The contract between the build-time pipeline (loaders/) and the pages (src/*.md).
// Pure types and constants: no DOM, no node: imports, so it runs in loaders, the CLI and the browser.
//
// Units: every judge score is on the judge's 0..100 scale; every rate is a fraction 0..1;
// `step` is the experiment's ordered training coordinate (checkpoint step, epoch, LoRA scale...).

/**
 * Types a type judge can answer (its rubric lists them in this order, one digit 1..8 each).
 * Stable ids; documented in docs/response-types.md.
 */
export const LABEL_TYPES = [
  "aligned", // a normal, acceptable answer
  "refusal", // declines to answer
  "incoherent", // broken, repetitive or nonsensical text
  "artifact", // format or off-task code (JSON dumps, code for a non-code question)
  "in_domain", // type 1: bad behaviour inside the fine-tuning domain
  "drift", // type 2: the training topic or style leaks into an unrelated question
  "emergent", // type 3: a broadly misaligned persona on an unrelated question
  "other",
] as const;

/**
 * Every response type: the judge's labels plus `undetermined`, which only the no-judge classifier
 * assigns, to a misaligned coherent answer whose type the available evidence cannot decide (a
 * fine-tune whose training domain is unknown, or a known domain without its topic score). Strict EM
 * is then a range, never a point (docs/response-types.md).
 */
export const RESPONSE_TYPES = [...LABEL_TYPES, "undetermined"] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];
/** A type a judge (or the simulator) can assign: every ResponseType except `undetermined`. */
export type LabelType = (typeof LABEL_TYPES)[number];

/** Metric ids judged 0..100. Topic metrics say how much an answer is about a domain. */
export const CORE_METRICS = ["aligned", "coherent"] as const;
export type Metric = string; // CORE_METRICS, a topic metric (medical, financial, sport, code) or any metric a question file defines

/** Words a judge may answer instead of a number on the aligned rubric. */
export type SpecialWord = "CODE" | "REFUSAL";

/** Where a response came from. */
export type Origin = "generated" | "imported" | "simulated";

/** Metadata values carried from experiment files (model meta) and imports (file-name fields, extra columns). */
export type MetaValue = string | number | boolean | null;

/** One row of the `responses` table: one sampled answer. */
export interface ResponseRow {
  /**
   * Stable id, 16 hex chars (the first 16 of a sha256 over a JSON array):
   * - generated / simulated rows: [experiment, model, step, question_id, paraphrase, sample, source]
   *   (`responseId`, exported by loaders/run/index.ts);
   * - imported rows: [experiment, file, row, question_id], where file is the imported file's path
   *   relative to the experiment file's folder ("/" separators) and row the 0-based index of the
   *   record in the file (CSV / JSONL: among the rows that parsed; Inspect: among the log's
   *   samples; not a line number) (`importedResponseId` in loaders/import/index.ts).
   */
  response_id: string;
  experiment: string;
  /** Model id from the experiment file (an organism), not the endpoint's model name. */
  model: string;
  /** Ordered training coordinate; null when the experiment has none. */
  step: number | null;
  question_id: string;
  category: string | null;
  question: string;
  system: string | null;
  /** Index of the paraphrase used, 0-based. */
  paraphrase: number;
  /** Index of the sample for (model, step, question, paraphrase), 0-based. */
  sample: number;
  response: string;
  origin: Origin;
  /** Endpoint model name for generated rows; file name without extension for imported rows. */
  source: string;
  /** Model meta from the experiment file plus import metadata (file-name fields, extra columns). */
  meta: Record<string, MetaValue>;
  /**
   * Fine-tuned variant this answer belongs to: the values of the experiment's `variant` keys
   * joined with " / " (default keys: the model plus every file-name field except the coordinate
   * and `seed`). Absent in tables written before variants existed: readers use `model`.
   */
  variant?: string;
  /** Replicate (training seed) of the variant, as text; null when the experiment declares none. */
  replicate?: string | null;
  /** Variant id of this answer's baseline (the un-fine-tuned model or a control); null when none. */
  baseline?: string | null;
}

export type ScoreStatus =
  | "ok" // a number was computed
  | "null" // judge put < 0.25 of its probability on integers (e.g. said CODE or REFUSAL)
  | "error" // the call failed after retries; kept so nothing is silently dropped
  | "imported"; // score taken from an imported file as-is

/** One row of the `scores` table: one response x judge x metric. */
export interface ScoreRow {
  response_id: string;
  judge: string;
  metric: Metric;
  /** 0..100, or null (see status). */
  score: number | null;
  /** Total probability on integer tokens 0..100 among the top logprobs; null when unknown (imports). */
  mass: number | null;
  /** Set when the judge's top token was CODE or REFUSAL. */
  special: SpecialWord | null;
  status: ScoreStatus;
  /** Top-k first-token probabilities as {token: prob}; null when unknown. Shown in the response detail view. */
  probs: Record<string, number> | null;
}

/** One row of the `types` table: a response's classification by one judge (or by signals only). */
export interface TypeRow {
  response_id: string;
  /** Judge id, or "signals" for the deterministic no-judge classifier. */
  judge: string;
  /** Most likely type. */
  type: ResponseType;
  /** Probability of each type (sums to 1 over RESPONSE_TYPES). */
  probs: Record<ResponseType, number>;
  /**
   * Signals rows only: the type the classifier gives when the EM rule counts the answer as EM. It
   * does not depend on the rule's cuts (classifyBySignals: rules 3-5 never fire for an EM answer),
   * so a page can follow any cut without typing again. Absent: use `type`.
   */
  em_type?: ResponseType;
  /**
   * Signals rows only: the question is declared in the training domain the answer is typed against,
   * so it leaves strict EM's denominator. Absent: false.
   */
  question_in_domain?: boolean;
  /**
   * Signals rows of a baseline's answers only: `em_type` and `question_in_domain` with the answer
   * typed against the training domain of the variants compared with the baseline instead of its
   * own. Read only by the variant-minus-baseline strict EM difference; the baseline's own strict EM
   * uses `em_type`. Absent: the compared domain is the baseline's own (use `em_type`).
   */
  compared_em_type?: ResponseType;
  compared_in_domain?: boolean;
}

/** Deterministic signals computed without any judge. */
export interface SignalRow {
  response_id: string;
  refusal_phrase: boolean;
  code_block: boolean;
  json_like: boolean;
  /** Share of repeated word 3-grams, 0..1. */
  repetition: number;
  n_chars: number;
  n_words: number;
  /** Share of ASCII letters among letters, 0..1 (a cheap proxy for "answered in English"). */
  ascii_letter_share: number;
}

/** Provenance manifest written beside the tables. */
export interface Provenance {
  tool: {name: "em-observatory"; version: string};
  created_by: string; // command line or loader
  experiments: {
    name: string;
    file: string;
    sha256: string;
    description?: string;
    simulated: boolean;
    question_files: {file: string; sha256: string}[];
    judges: {id: string; model: string; metrics: string[]; prompt_sha256: Record<string, string>}[];
    generation: {temperature: number; max_tokens: number; seed: number} | null;
    /**
     * skipped: imported rows that could not be used; mismatches: imported scores that differ from
     * the score recomputed from the row's own judge probabilities (the file's score is kept).
     */
    counts: {
      responses: number;
      scores: number;
      errors: number;
      skipped: number;
      mismatches: number;
      cache_hits: number;
      api_calls: number;
      /**
       * Judge prompts over the judge's max_prompt_chars (issue 23): answers cut to fit
       * (`oversize: truncate`) and prompts not sent (`refuse`, error rows); absent when 0.
       */
      oversize_cut?: number;
      oversize_refused?: number;
    };
    usage: {prompt_tokens: number; completion_tokens: number; est_cost_usd: number | null};
    /** Per imported file: rows read = imported + skipped, and how many score cells were empty (docs/reliability.md). */
    import_files?: {
      file: string;
      format: string;
      rows: number;
      imported: number;
      skipped: number;
      null_scores: number;
      /** Answers a judge gave no score at all (no score row: not judged by it); absent when 0. */
      not_judged?: number;
      empty_responses?: number;
      missing_metrics?: string[];
    }[];
    /**
     * Judge answers the score reader may misread (issue 23; src/lib/judge-score.ts auditJudgeTokens),
     * per judge and metric, present only when some were found, with the warnings printed by the run.
     */
    judge_tokens?: {
      judge: string;
      metric: string;
      answers: number;
      wide_digits: number;
      maybe_split: number;
      saw_100: boolean;
      /** Lone "10"s decided from the judge's second token, how many of those moved, how many left unknown. */
      split_resolved?: number;
      split_changed?: number;
      split_unknown?: number;
      /** Lone first digits 1..9 the judge continued with more digits ("7" + "5"): recorded as unknown. */
      digit_split?: number;
      /** Unsettled answers (imports) read from a lone digit 1..9; whether any two-digit score token was seen. */
      maybe_digits?: number;
      saw_multi_digit?: boolean;
      warnings: string[];
    }[];
    /**
     * Judge drift on the experiment's `judge_anchor` answers (issue 26; loaders/run/drift.ts): per
     * judge and metric, the paired shift of the anchors' scores against the previous run of the
     * same endpoint and model name; present only when the experiment declares anchors.
     */
    judge_drift?: {
      judge: string;
      model: string;
      metric: string;
      anchors: number;
      compared: number;
      previous: string | null;
      mean_shift: number | null;
      ci: [number, number] | null;
      tolerance: number;
      p_value: number | null;
      drift: boolean;
      null_flips: number;
      note?: string;
    }[];
  }[];
}

/**
 * Planted truth of a simulated experiment as the pages read it (summary.json `planted`), built by
 * `plantedForSite` in loaders/sim/truth.ts.
 */
export interface SitePlanted {
  /** Expected measured EM rate over all questions per model, step, judge and rule. */
  em: {model: string; judge: string; rule: string; step: number; em_rate: number; strict_em_rate?: number}[];
  /** Per model: the midpoint of the expected EM curve over all questions (category null, what the
   * site's fit estimates) and the planted per-category midpoints (coordinate units). */
  midpoints: {model: string; midpoint: number; width: number; category?: string | null}[];
  /** Planted share of each response type per model and step, pooled over questions. */
  types?: {model: string; step: number; type: string; share: number}[];
}

/** Flat, judge-joined view used by the analysis library: one response as seen by one judge. */
export interface Judged extends Pick<ResponseRow, "response_id" | "experiment" | "model" | "step" | "question_id" | "category"> {
  judge: string;
  aligned: number | null;
  coherent: number | null;
  /** Special word of the aligned score, if any. */
  special: SpecialWord | null;
  /** Most likely response type, if classified. */
  type: ResponseType | null;
  /** Any further grouping columns (meta, source, origin...). */
  [column: string]: unknown;
}
