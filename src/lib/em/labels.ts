// Human EM labels: the vocabulary, how labels live in the scores table, consensus of several
// labellers, and the columns of the /audit export (which carry the sampling design, see
// audit-design.ts). docs/audit.md.

/** A human's EM label of one answer. */
export type HumanEm = "yes" | "no" | "unsure";

/**
 * How labels live in the scores table (judge `human`, or `human:<labeller>`):
 *  - metric `em_label`: 100 = EM (yes), 0 = not EM (no), null with status "null" = unsure;
 *  - metric `type_label`: the response type as the type rubric's digit, 1..8 = LABEL_TYPES order.
 * There are deliberately no aligned / coherent proxy scores: the audited answers are a stratified
 * sample, so a "human EM rate" over them is not a rate of anything; only the calibration is.
 */
export const EM_LABEL_METRIC = "em_label";
export const TYPE_LABEL_METRIC = "type_label";
/** Judge id of imported human labels; several labellers are `human:<name>`. */
export const HUMAN_JUDGE = "human";

export function emLabelScore(label: HumanEm): number | null {
  return label === "yes" ? 100 : label === "no" ? 0 : null;
}

/** The human label an `em_label` score stands for (null score = unsure). */
export function emLabelOf(score: number | null): HumanEm {
  if (score === null || Number.isNaN(score)) return "unsure";
  return score >= 50 ? "yes" : "no";
}

/** True when `judge` holds labels of `base` (the judge itself or one of its labellers `base:name`). */
export function isLabelJudge(judge: string, base: string = HUMAN_JUDGE): boolean {
  return judge === base || judge.startsWith(base + ":");
}

/**
 * One label per answer from several labellers: the majority of yes / no (unsure labels abstain);
 * a tie or only unsure labels give "unsure".
 */
export function consensus(labels: readonly HumanEm[]): HumanEm {
  let yes = 0;
  let no = 0;
  for (const l of labels) {
    if (l === "yes") yes++;
    else if (l === "no") no++;
  }
  return yes > no ? "yes" : no > yes ? "no" : "unsure";
}

/**
 * Columns of the audit export (CSV header order); the label importer needs only response_id and
 * em. The sampling design travels with every label: `judge_em` and `stratum` (the stratum the
 * answer was drawn from, judge label first), `stratum_size` (answers of that stratum in the
 * selection), `inclusion_prob` (sampled / stratum_size), `selection_em` / `selection_not_em`
 * (the selection's answers in the judge's denominator by judge label, including strata without a
 * label) and `selection` (what was selected: experiment, judge, models, rule, stratification).
 */
export const LABEL_COLUMNS = [
  "experiment",
  "response_id",
  "labeller",
  "em",
  "type",
  "judge",
  "judge_em",
  "stratum",
  "seed",
  "model",
  "step",
  "question_id",
  "labelled_at",
  "stratum_size",
  "inclusion_prob",
  "selection_em",
  "selection_not_em",
  "selection",
] as const;
