// The JSON contract of `em summarize` (docs/metrics.md): the output types and the projection of the
// library's transition fits onto it. Field names are the contract; renderers read only these.
import type {AuditCalibration, Calibration, LabellerPair} from "../../src/lib/em/calibration.ts";
import type {ComponentsJson} from "../plan/components-text.ts";
import {changePointReading} from "../../src/lib/em/change-point-words.ts";
import {credibleFitNumbers, transitionNumbers, type CredibleFitNumbers} from "../../src/lib/em/view-transition.ts";
import type {BaselineDiff, GroupSummary, Interval, SensitivityCell, SummaryJson, TieReport, TransitionGroup} from "../../src/lib/em/index.ts";

/** A group of the JSON output with its ties at the cuts (null only for an empty group list). */
export type GroupWithTies = GroupSummary & {ties: TieReport | null};

/** Stable JSON output of `em summarize` (docs/metrics.md). */
export interface SummarizeOutput extends SummaryJson {
  version: 1;
  input: {experiment?: string; data?: string};
  judges: string[];
  judges_available: string[];
  rule_text: string;
  /** The experiment's declared coordinate name (`coordinate:`), whose values are in the `step` column; absent for --data and for `step`. */
  coordinate?: string;
  counts: {
    responses: number;
    rows: number;
    orphan_scores: number;
    duplicate_scores: number;
    missing_aligned: number;
    missing_coherent: number;
    not_judged: Record<string, number>;
  };
  transitions?: (TransitionJson & {sensitivity?: SensitivityCell[]})[];
  /** --baseline: each variant minus its baseline. */
  baseline_diffs?: BaselineDiff[];
  /** --baseline --sensitivity: each variant minus its baseline at every cut cell, p adjusted over variants x cells. */
  baseline_grid?: BaselineGridCell[];
  /** --components: variance components per group and pooled (docs/metrics.md). */
  components?: ComponentsJson;
  /**
   * The experiment's primary (pre-registered) question set (issue 26), present when it declares
   * one: which set the groups above use, and, when they use all questions, each group's rate on
   * the primary and on the exploratory questions apart.
   */
  question_set?: {
    used: "primary" | "exploratory" | "all";
    primary: string[];
    primary_kept: number;
    exploratory_kept: number;
    split?: {set: "primary" | "exploratory"; key: Record<string, unknown>; em_rate: number | null; ci: Interval | null; n_scored: number; questions: number}[];
  };
  /** What the intervals estimate (see --estimand). */
  estimand: "questions" | "answers";
  /** Question ids kept and dropped by the question filter. */
  questions: {filter: string[]; folded: boolean; kept: number; dropped: string[]};
  /** --calibrate: per evaluated judge, its calibration against the human labels (docs/audit.md). */
  calibration?: CalibrationJson[];
  /** --pivot: the 2-D text table (table format only; not part of the JSON contract). */
  pivot?: string;
  missing: {kind: string; endpoint: string; model: string; count: number; reason: string}[];
  /** --experiment: calls that failed (their answers carry status "error" and count in n_error). */
  errors: {kind: string; endpoint: string; model: string; count: number; message: string}[];
  skipped: {file: string; line?: number; reason: string}[];
  /** --by keys that do not label groups of answers (the rule of the site's "Compare by"), with why; absent when every key does. */
  by_not_labels?: {column: string; reason: string}[];
}

/** One (variant, aligned cut, coherent cut) comparison with its baseline (issue 26). */
export interface BaselineGridCell {
  aligned: number;
  coherent: number;
  key: Record<string, unknown>;
  variant: string;
  baseline: string;
  diff: number | null;
  ci: Interval | null;
  /** Two-sided, by inverting the interval; Holm / BH over every cell and variant of the grid. */
  p_value: number | null;
  p_holm: number | null;
  p_bh: number | null;
}

/** Per group with --calibrate (the contract of issue 16: n_audited, sensitivity, specificity, corrected_em_rate, corrected_ci). */
export interface GroupCalibrationJson {
  label_judge: string;
  n_audited: number;
  raw_em_rate: number | null;
  sensitivity: number | null;
  sensitivity_ci: Interval | null;
  specificity: number | null;
  specificity_ci: Interval | null;
  corrected_em_rate: number | null;
  corrected_ci: Interval | null;
  /** With unsure labels: [lowest, highest] corrected rate over "all unsure not EM" and "all unsure EM" (interval ends included); null when none. */
  unsure_range: Interval | null;
}

/** The top-level calibration block: the library's Calibration fields plus what the CLI adds. */
export type CalibrationJson = Pick<
  Calibration,
  | "confusion"
  | "n_audited"
  | "sensitivity"
  | "sensitivity_ci"
  | "specificity"
  | "specificity_ci"
  | "ppv"
  | "npv"
  | "raw_em_rate"
  | "corrected_em_rate"
  | "corrected_ci"
  | "youden"
  | "youden_ci"
  | "judge_informative"
  | "notes"
  | "warnings"
  | "draws"
  | "seed"
> & {
  judge: string;
  label_judge: string;
  label_judges: string[];
  n_unsure: number;
  n_excluded: number;
  n_unmatched: number;
  /** Labels whose judge label in the file differs from this run's classification (another rule or selection). */
  n_judge_label_differs: number;
  /** The sampling design: recorded with the labels ("design") or derived here ("post-stratified"). */
  design: AuditCalibration["design"];
  /** Answers of the selection in strata without any decided label. */
  unlabelled_answers: number;
  /** Unsure labels as a bounds analysis: all as EM, all as not EM; null when there are none. */
  unsure_bounds: AuditCalibration["unsure_bounds"];
  agreement: LabellerPair[];
  method: string;
};

export interface TransitionJson {
  key: Record<string, unknown>;
  coordinate: string;
  /** Scale the fit ran on (log: log10 of the positive coordinates). */
  scale: "linear" | "log";
  n_points: number;
  /** True only when the logistic beats a constant rate and its midpoint lies in the data. */
  credible: boolean;
  /** p-value of a constant rate along the coordinate (see docs/metrics.md); null below 2 points. */
  p_constant: number | null;
  /** p-value of a smooth two-parameter trend (logit-linear or linear) against the logistic; null without a fit. */
  p_linear: number | null;
  /** The test behind p_constant: "clustered" (per-question counts) or "trend" below 7 points, "logistic_lr" from 7, "homogeneity" at 2 (testTransition). */
  constant_test: string | null;
  /** Beside "no evidence against a constant rate": that test's power against reference rises in this design (constancyPower); else null. */
  detectable: {from: number; to: number; power: number}[] | null;
  /** Below 7 points: lack of fit of the straight trend (TransitionTest.misfit_p); else null. */
  misfit_p: number | null;
  /** TransitionTest.misfit_unresolved: the rates leave the line, and without per-question counts whether the rate changes is unknown. */
  misfit_unresolved: boolean;
  /** TransitionTest.curved: with the clustered test, the rate changes other than along a straight trend. */
  curved: boolean;
  /** TransitionTest.p_trend (clustered test: the straight trend alone); else null. */
  p_trend: number | null;
  /** TransitionTest.changes: p_constant below the test's alpha. */
  changes: boolean | null;
  /** TransitionTest.dispersion: where p_constant's dispersion came from below 7 points (questions, seeds or the line). */
  test_dispersion: {from: "questions" | "seeds" | "line"; phi: number; df: number} | null;
  verdict: string;
  /** Coordinates left out of the fit (x <= 0 on a log scale). */
  excluded: number[];
  midpoint: number | null;
  ci: [number | null, number | null] | null;
  ci_method: "profile_likelihood";
  /** Why the midpoint interval is approximate (few checkpoints, heavy question clustering), else null. */
  ci_approximate: string | null;
  width: number | null;
  /** Profile interval of the width (a null upper bound: as wide as a smooth trend). */
  width_ci: [number | null, number | null] | null;
  floor: number | null;
  ceiling: number | null;
  dispersion: number | null;
  /** The same fit on the mean aligned score (0..1): verdict, p-values, midpoint when credible. */
  mean_aligned: Omit<CredibleFitNumbers, "width_ci"> & {dispersion: number | null; points: {x: number; mean: number | null; n: number}[]};
  onset: number | null;
  onset_test: string;
  baseline_rate: number | null;
  /** `found`: the location holds (p below the transitions' level; changePointReading, as the page's table). */
  change_point: {before: number; after: number; rate_before: number; rate_after: number; lr: number; p_value: number; found: boolean} | null;
  points: {x: number; k: number; n: number; rate: number | null; ci: Interval | null}[];
  skipped: number;
}

function meanAlignedJson(m: TransitionGroup["mean_aligned"]): TransitionJson["mean_aligned"] {
  const {width_ci: _, ...n} = credibleFitNumbers(m.test, m.fit);
  return {...n, dispersion: m.fit?.dispersion ?? null, points: m.points};
}

/**
 * One transition fit as the JSON reports it: the page's numbers (transitionNumbers: midpoint,
 * interval, width, floor and ceiling only when credible) and what only the JSON carries.
 */
export function transitionJson(t: TransitionGroup): TransitionJson {
  const n = transitionNumbers("", t);
  return {
    key: t.key,
    coordinate: t.coordinate,
    scale: n.scale,
    n_points: t.points.length,
    credible: n.credible,
    p_constant: n.p_constant,
    p_linear: n.p_linear,
    constant_test: t.test.constant_test,
    detectable: t.test.detectable,
    misfit_p: t.test.misfit_p,
    misfit_unresolved: t.test.misfit_unresolved,
    curved: t.test.curved,
    p_trend: t.test.p_trend,
    changes: t.test.changes,
    test_dispersion: t.test.dispersion,
    verdict: n.verdict,
    excluded: t.excluded,
    midpoint: n.midpoint,
    ci: n.ci,
    ci_method: "profile_likelihood",
    ci_approximate: n.credible && t.fit ? t.fit.approximate : null,
    width: n.width,
    width_ci: n.width_ci,
    floor: n.floor,
    ceiling: n.ceiling,
    dispersion: t.fit?.dispersion ?? null,
    mean_aligned: meanAlignedJson(t.mean_aligned),
    onset: n.onset,
    onset_test: t.onset.test,
    baseline_rate: t.onset.baseline_rate,
    change_point: t.change_point
      ? {
          before: t.change_point.before,
          after: t.change_point.after,
          rate_before: t.change_point.rate_before,
          rate_after: t.change_point.rate_after,
          lr: t.change_point.lr,
          p_value: t.change_point.p_value,
          found: changePointReading(t.change_point).found === true,
        }
      : null,
    points: t.points,
    skipped: t.skipped,
  };
}
