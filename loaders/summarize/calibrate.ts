// `em summarize --calibrate` (issue 16, docs/audit.md): the human labels the judge is compared with,
// then per evaluated judge its calibration and per group the judge-error-corrected EM rate.
import {statSync} from "node:fs";
import path from "node:path";
import {
  calibrateAudit,
  consensus,
  designOfRows,
  EM_LABEL_METRIC,
  emLabelOf,
  isLabelJudge,
  labellerAgreement,
  stratumKey,
  type AuditCalibration,
  type HumanEm,
  type LabellerPair,
} from "../../src/lib/em/calibration.ts";
import {classify, EM, OUT, NOT_EM} from "../../src/lib/em/rules.ts";
import {describeRule, getColumn, type EmRule, type GroupSummary, type Interval} from "../../src/lib/em/index.ts";
import type {Judged, ResponseType, ScoreRow} from "../../src/lib/schema.ts";
import {readAuditFile, type AuditFile} from "../import/labels.ts";
import type {CalibrationJson, GroupCalibrationJson} from "./output.ts";
import {fail} from "./options.ts";

/** The human labels of --calibrate: an /audit export (with its design) or imported label judges. */
export interface Labels {
  base: string;
  /** --calibrate FILE: the export, read with the design it carries. */
  auditFile: AuditFile | null;
  /** --calibrate JUDGE: per label judge (e.g. human:NAME), its label per response id. */
  labels: Map<string, Map<string, HumanEm>>;
}

/**
 * Read the labels of `--calibrate FILE|JUDGE` and the judges left to summarize (label judges are
 * compared with, not summarized). Throws naming the option when the file or the labels are missing.
 */
export function readLabels(base: string, scores: readonly ScoreRow[], available: string[]): {labels: Labels; available: string[]} {
  const labels = new Map<string, Map<string, HumanEm>>();
  let auditFile: AuditFile | null = null;
  if (/\.(csv|jsonl)$/i.test(base)) {
    const file = path.resolve(base);
    if (!statSync(file, {throwIfNoEntry: false})?.isFile()) fail(`--calibrate: no label file ${base}`);
    try {
      auditFile = readAuditFile(file, base, /\.csv$/i.test(base) ? "csv" : "jsonl");
    } catch (e) {
      fail(`--calibrate: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!available.includes(auditFile!.judge))
      fail(`--calibrate: the labels were drawn from judge '${auditFile!.judge}', which has no scores here (judges present: ${available.join(", ") || "none"})`);
  } else {
    for (const x of scores) {
      if (x.metric !== EM_LABEL_METRIC || !isLabelJudge(x.judge, base)) continue;
      (labels.get(x.judge) ?? labels.set(x.judge, new Map()).get(x.judge)!).set(x.response_id, emLabelOf(x.score));
    }
    if (labels.size === 0) {
      const withLabels = [...new Set(scores.filter((x) => x.metric === EM_LABEL_METRIC).map((x) => x.judge))];
      fail(
        `--calibrate: no labels (metric ${EM_LABEL_METRIC}) from judge '${base}' (judges with labels: ${withLabels.join(", ") || "none"}; import an /audit export with \`format: labels\`, docs/audit.md)`,
      );
    }
    available = available.filter((j) => !labels.has(j));
  }
  return {labels: {base, auditFile, labels}, available};
}

/** The outer range of two corrected results (interval ends included): the unsure-label bounds. */
function unsureRange(...xs: {corrected_em_rate: number | null; corrected_ci: Interval | null}[]): Interval | null {
  const v = xs.flatMap((x) => [x.corrected_em_rate, ...(x.corrected_ci ?? [])]).filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
}

/**
 * Calibrate each evaluated judge against the labels over `rows` (the summarized selection) and set
 * each group's `calibration` (corrected EM rate with its bootstrap interval; seeded by `seed`).
 * Returns the top-level calibration blocks, one per judge.
 */
export function calibrateGroups(
  labels: Labels,
  {
    rows,
    groups: summaryGroups,
    rule,
    exclude,
    by,
    judges,
    seed,
    replicates,
    confidence,
  }: {
    rows: readonly Judged[];
    groups: GroupSummary[];
    rule: EmRule;
    exclude: readonly ResponseType[];
    by: readonly string[];
    judges: readonly string[];
    seed: number;
    replicates: number;
    confidence: number;
  },
): CalibrationJson[] {
  const {base: labelBase, auditFile, labels: byJudge} = labels;
  const id = (key: (c: string) => unknown) => JSON.stringify(by.map(key));
  const judgeOf = (g: GroupSummary) => (by.includes("judge") ? String(g.key.judge) : judges[0]!);
  const isEm = (r: Judged) => {
    const c = classify(r.aligned ?? NaN, r.coherent ?? NaN, rule);
    return c !== OUT && r.type !== null && exclude.includes(r.type) ? NOT_EM : c;
  };
  const human = new Map<string, HumanEm>();
  if (auditFile) for (const l of auditFile.labels) human.set(l.id, l.human);
  else {
    const merged = new Map<string, HumanEm[]>();
    for (const m of byJudge.values()) for (const [rid, l] of m) (merged.get(rid) ?? merged.set(rid, []).get(rid)!).push(l);
    for (const [rid, ls] of merged) human.set(rid, consensus(ls));
  }
  const agreement = labellerAgreement(auditFile ? auditFile.byLabeller : byJudge);
  const fileJudgeEm = new Map(auditFile?.labels.map((l) => [l.id, l.judge_em]));
  const calibration: CalibrationJson[] = [];
  const perJudge = new Map<string, AuditCalibration>();
  for (const judge of auditFile ? [auditFile.judge] : judges) {
    const jr = rows.filter((r) => r.judge === judge);
    const auditedPerGroup = new Map<string, number>();
    let excluded = 0;
    let differs = 0;
    const matched = new Set<string>();
    for (const r of jr) {
      const h = human.get(r.response_id);
      if (h === undefined) continue;
      matched.add(r.response_id);
      const c = isEm(r);
      if (c === OUT) {
        excluded++;
        continue;
      }
      if (fileJudgeEm.has(r.response_id) && fileJudgeEm.get(r.response_id) !== (c === EM)) differs++;
      if (h === "unsure") continue;
      const g = id((k) => getColumn(r, k));
      auditedPerGroup.set(g, (auditedPerGroup.get(g) ?? 0) + 1);
    }
    const groups = summaryGroups
      .filter((g) => judgeOf(g) === judge)
      .map((g) => ({key: g.key, k: g.n_em, n: g.n_scored, n_audited: auditedPerGroup.get(id((c) => g.key[c])) ?? 0}));
    const opts = {seed, draws: replicates, confidence};
    let a: AuditCalibration;
    if (auditFile) a = calibrateAudit(auditFile.labels, auditFile.design, groups, opts);
    else {
      const d = designOfRows(
        jr.length,
        (i) => {
          const c = isEm(jr[i]!);
          return c === OUT ? null : stratumKey(c === EM);
        },
        (i) => isEm(jr[i]!) === EM,
        (i) => {
          const h = human.get(jr[i]!.response_id);
          return h === undefined ? undefined : {id: jr[i]!.response_id, human: h};
        },
        `${judge} over these rows; ${describeRule(rule)}`,
        "post-stratified",
      );
      a = calibrateAudit(d.labels, d.design, groups, opts);
    }
    perJudge.set(judge, a);
    if (differs)
      a.calibration.notes.push(
        `${differs} labelled answers have another judge label here than when they were drawn (another rule, --exclude-types or judge): the pooled rate is that of the design's selection (${a.design.selection})`,
      );
    calibration.push(
      calibrationJson(a, {
        judge,
        base: labelBase,
        labelJudges: auditFile ? [...auditFile.byLabeller.keys()] : [...byJudge.keys()],
        excluded,
        unmatched: [...human.keys()].filter((rid) => !matched.has(rid)).length,
        differs,
        agreement,
      }),
    );
  }
  for (const g of summaryGroups) {
    const a = perJudge.get(judgeOf(g));
    const gi = a ? a.calibration.groups.findIndex((x) => id((k) => x.key[k]) === id((k) => g.key[k])) : -1;
    if (!a || gi < 0) continue;
    const c = a.calibration;
    const gc = c.groups[gi]!;
    (g as GroupSummary & {calibration?: GroupCalibrationJson}).calibration = {
      label_judge: labelBase,
      n_audited: gc.n_audited,
      raw_em_rate: gc.raw_em_rate,
      sensitivity: c.sensitivity,
      sensitivity_ci: c.sensitivity_ci,
      specificity: c.specificity,
      specificity_ci: c.specificity_ci,
      corrected_em_rate: gc.corrected_em_rate,
      corrected_ci: gc.corrected_ci,
      unsure_range: a.unsure_bounds ? unsureRange(a.unsure_bounds.as_em.groups[gi]!, a.unsure_bounds.as_not_em.groups[gi]!) : null,
    };
  }
  return calibration;
}

function calibrationJson(
  a: AuditCalibration,
  x: {judge: string; base: string; labelJudges: string[]; excluded: number; unmatched: number; differs: number; agreement: LabellerPair[]},
): CalibrationJson {
  const k = a.calibration;
  return {
    judge: x.judge,
    label_judge: x.base,
    label_judges: x.labelJudges,
    confusion: k.confusion,
    n_audited: k.n_audited,
    n_unsure: a.n_unsure,
    n_excluded: x.excluded,
    n_unmatched: x.unmatched,
    n_judge_label_differs: x.differs,
    sensitivity: k.sensitivity,
    sensitivity_ci: k.sensitivity_ci,
    specificity: k.specificity,
    specificity_ci: k.specificity_ci,
    youden: k.youden,
    youden_ci: k.youden_ci,
    judge_informative: k.judge_informative,
    ppv: k.ppv,
    npv: k.npv,
    raw_em_rate: k.raw_em_rate,
    corrected_em_rate: k.corrected_em_rate,
    corrected_ci: k.corrected_ci,
    design: a.design,
    unlabelled_answers: a.unlabelled_answers,
    unsure_bounds: a.unsure_bounds,
    agreement: x.agreement,
    notes: k.notes,
    warnings: k.warnings,
    method:
      "stratified estimate over the design's strata (sum of N_s/N x P(human EM | s)); Se/Sp weighted by the strata; pooled Se/Sp applied per group by Rogan-Gladen; Jeffreys parametric bootstrap (docs/audit.md)",
    draws: k.draws,
    seed: k.seed,
  };
}
