// The /audit page: draw a reproducible sample of one judge's answers, label them by keyboard
// (blind: the judge's scores are not shown), keep the labels in localStorage, export them, and
// calibrate the judge against these labels and any imported ones (judge `human`, docs/audit.md).
// Model output is untrusted: answers and questions enter the page only as text nodes.
import {classify, describeRule, EM, OUT, type EmRule} from "../lib/em/rules.js";
import {
  calibrateAudit,
  consensus,
  designOfRows,
  drawAuditSample,
  LABEL_COLUMNS,
  labellerAgreement,
  type AuditCalibration as LibAuditCalibration,
  type Calibration,
  type HumanEm,
} from "../lib/em/calibration.js";
import {LABEL_TYPES} from "../lib/schema.js";
import type {Points} from "./points.js";

/** One label as stored in the browser and exported (columns of loaders/import/labels.ts LABEL_COLUMNS). */
export interface StoredLabel {
  experiment: string;
  response_id: string;
  labeller: string;
  em: HumanEm;
  type: string | null;
  judge: string;
  judge_em: "yes" | "no";
  stratum: string;
  seed: number;
  model: string;
  step: number | null;
  question_id: string;
  labelled_at: string;
  /** The sampling design the answer was drawn under (absent in labels stored before it travelled). */
  stratum_size?: number;
  inclusion_prob?: number;
  selection_em?: number;
  selection_not_em?: number;
  selection?: string;
}

export {LABEL_COLUMNS};

export interface AuditSettings {
  stratify: "none" | "type" | "question";
  perStratum: number;
  seed: number;
  labeller: string;
}

export const DEFAULT_SETTINGS: AuditSettings = {stratify: "none", perStratum: 20, seed: 0, labeller: ""};

const labelsKey = (experiment: string) => `em-audit:labels:${experiment}`;
const settingsKey = (experiment: string) => `em-audit:settings:${experiment}`;

function readJson<T>(key: string, fallback: T): T {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Labels of one experiment, keyed by response id (kept across reloads in localStorage). */
export function loadLabels(experiment: string): Record<string, StoredLabel> {
  return readJson<Record<string, StoredLabel>>(labelsKey(experiment), {});
}
export function saveLabels(experiment: string, labels: Record<string, StoredLabel>): void {
  localStorage.setItem(labelsKey(experiment), JSON.stringify(labels));
}
export function loadSettings(experiment: string): AuditSettings {
  return {...DEFAULT_SETTINGS, ...readJson<Partial<AuditSettings>>(settingsKey(experiment), {})};
}
export function saveSettings(experiment: string, s: AuditSettings): void {
  localStorage.setItem(settingsKey(experiment), JSON.stringify(s));
}

/** The rows of one judge in the selection with their classification under the rule (0 out, 1 not EM, 2 EM). */
export function judgeRows(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[]): {rows: number[]; cls: Uint8Array} {
  const cls = new Uint8Array(points.n);
  const rows: number[] = [];
  for (let i = 0; i < points.n; i++) {
    if (!mask[i]) continue;
    let c = classify(points.aligned[i]!, points.coherent[i]!, rule);
    const t = points.codes.type[i]!;
    if (c === EM && t >= 0 && exclude.includes(points.dicts.type[t]!)) c = 1;
    cls[i] = c;
    rows.push(i);
  }
  return {rows, cls};
}

/** Stratum of a row: the judge's label plus the optional type or question. Null when out of the denominator. */
export function stratumOf(points: Points, i: number, cls: Uint8Array, stratify: AuditSettings["stratify"]): string | null {
  if (cls[i] === OUT) return null;
  const base = cls[i] === EM ? "judge_em" : "judge_not_em";
  if (stratify === "type") return `${base}|${points.dicts.type[points.codes.type[i]!] ?? "untyped"}`;
  if (stratify === "question") return `${base}|${points.dicts.question_id[points.codes.question_id[i]!]}`;
  return base;
}

/** The sample's design: stratum sizes and the selection's totals by judge label, and what was selected. */
export interface SampleDesign {
  size: Map<string, number>;
  selection_em: number;
  selection_not_em: number;
  selection: string;
}

/** What the selection is, in words that travel with the labels (experiment, judge, models, steps, rule, stratification). */
export function selectionText(points: Points, rows: readonly number[], rule: EmRule, settings: AuditSettings): string {
  // "models a, b" or "12 models"; null when no row has a value.
  const distinct = (col: "experiment" | "judge" | "model" | "category", plural: string): string | null => {
    const seen = new Set<string>();
    for (const i of rows) {
      const c = points.codes[col][i]!;
      if (c >= 0) seen.add(points.dicts[col][c]!);
    }
    const v = [...seen].sort();
    if (v.length === 0) return null;
    return v.length <= 4 ? `${v.length === 1 ? col : plural} ${v.join(", ")}` : `${v.length} ${plural}`;
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of rows) {
    const st = points.step[i]!;
    if (!Number.isNaN(st)) (lo = Math.min(lo, st)), (hi = Math.max(hi, st));
  }
  const strat = settings.stratify === "none" ? "judge label" : `judge label x ${settings.stratify}`;
  return [
    distinct("experiment", "experiments"),
    distinct("judge", "judges"),
    distinct("model", "models"),
    distinct("category", "categories"),
    ...(lo <= hi ? [`steps ${lo}..${hi}`] : []),
    describeRule(rule),
    `stratified by ${strat}, ${settings.perStratum} per stratum, seed ${settings.seed}`,
  ]
    .filter((x) => x !== null)
    .join("; ");
}

export function sampleDesign(points: Points, rows: readonly number[], cls: Uint8Array, rule: EmRule, settings: AuditSettings): SampleDesign {
  const size = new Map<string, number>();
  let em = 0;
  let notEm = 0;
  for (const i of rows) {
    const s = stratumOf(points, i, cls, settings.stratify);
    if (s === null) continue;
    size.set(s, (size.get(s) ?? 0) + 1);
    if (cls[i] === EM) em++;
    else notEm++;
  }
  return {size, selection_em: em, selection_not_em: notEm, selection: selectionText(points, rows, rule, settings)};
}

/** The stored (and exported) label of row i: the human's label plus the design it was drawn under. */
export function labelRecord(
  points: Points,
  i: number,
  cls: Uint8Array,
  design: SampleDesign,
  settings: AuditSettings,
  l: {experiment: string; response_id: string; em: HumanEm; type: string | null; labelled_at: string},
): StoredLabel {
  const stratum = stratumOf(points, i, cls, settings.stratify) ?? "";
  const size = design.size.get(stratum) ?? 0;
  return {
    experiment: l.experiment,
    response_id: l.response_id,
    labeller: settings.labeller,
    em: l.em,
    type: l.type,
    judge: points.dicts.judge[points.codes.judge[i]!]!,
    judge_em: cls[i] === EM ? "yes" : "no",
    stratum,
    seed: settings.seed,
    model: points.dicts.model[points.codes.model[i]!]!,
    step: Number.isNaN(points.step[i]!) ? null : points.step[i]!,
    question_id: points.dicts.question_id[points.codes.question_id[i]!]!,
    labelled_at: l.labelled_at,
    stratum_size: size,
    inclusion_prob: size > 0 ? Math.min(settings.perStratum, size) / size : 0,
    selection_em: design.selection_em,
    selection_not_em: design.selection_not_em,
    selection: design.selection,
  };
}

/** The audit sample (rows of `points`), reproducible from the settings and the selection. */
export function auditSample(points: Points, rows: readonly number[], cls: Uint8Array, settings: AuditSettings): number[] {
  const strata = rows.map((i) => stratumOf(points, i, cls, settings.stratify));
  return drawAuditSample(strata, settings.perStratum, settings.seed).map((k) => rows[k]!);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function labelsCsv(labels: readonly StoredLabel[]): string {
  return [LABEL_COLUMNS.join(","), ...labels.map((l) => LABEL_COLUMNS.map((c) => csvCell(l[c])).join(","))].join("\n") + "\n";
}
export function labelsJsonl(labels: readonly StoredLabel[]): string {
  return labels.map((l) => JSON.stringify(Object.fromEntries(LABEL_COLUMNS.map((c) => [c, l[c] ?? null])))).join("\n") + (labels.length ? "\n" : "");
}

export function download(text: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Imported labels (src/data/labels.json): per label judge, response row -> label. */
export interface ImportedLabels {
  labels: {rid: number; judge: string; em: HumanEm; type: string | null}[];
}

/** Label sources for calibration: "browser" (this browser's labels) and every imported label judge. */
export function labelSources(imported: ImportedLabels): string[] {
  return ["browser", ...new Set(imported.labels.map((l) => l.judge))];
}

/**
 * Labels by response row for a source: "browser", an imported judge, or "human (all)" = the
 * majority over imported judges `human` and `human:*`.
 */
export function labelsByRow(
  source: string,
  imported: ImportedLabels,
  browser: Record<string, StoredLabel>,
  ridOf: (responseId: string) => number | undefined,
): Map<number, HumanEm> {
  const out = new Map<number, HumanEm>();
  if (source === "browser") {
    for (const l of Object.values(browser)) {
      const r = ridOf(l.response_id);
      if (r !== undefined) out.set(r, l.em);
    }
    return out;
  }
  const many = new Map<number, HumanEm[]>();
  for (const l of imported.labels) if (l.judge === source) (many.get(l.rid) ?? many.set(l.rid, []).get(l.rid)!).push(l.em);
  for (const [r, ls] of many) out.set(r, consensus(ls));
  return out;
}

export interface AuditCalibration {
  /** The library's result (calibrateAudit): the same function `em summarize --calibrate` calls. */
  audit: LibAuditCalibration;
  calibration: Calibration;
  unsure: number;
  excluded: number;
  /** Labelled answers of this experiment outside the selection / judge rows. */
  outside: number;
}

/**
 * Calibrate the selected judge against labels by response row, through calibrateAudit: the design
 * is this page's (strata = the judge's label, crossed with the type / question when the sample is
 * stratified; stratum sizes from the selection's rows), so labels of this page's sample are used
 * with the design they were drawn under; imported labels without a design are post-stratified the
 * same way (`kind`). One group per model.
 */
export function calibrateSelection(
  points: Points,
  rows: readonly number[],
  cls: Uint8Array,
  labels: ReadonlyMap<number, HumanEm>,
  rule: EmRule,
  settings: AuditSettings,
  seed = 0,
  kind: "design" | "post-stratified" = "design",
): AuditCalibration {
  const groups = new Map<string, {k: number; n: number; n_audited: number}>();
  const seen = new Set<number>();
  for (const i of rows) {
    const rid = points.rid[i]!;
    const h = labels.get(rid);
    if (h !== undefined) seen.add(rid);
    if (cls[i] === OUT) continue;
    const model = points.dicts.model[points.codes.model[i]!]!;
    const g = groups.get(model) ?? groups.set(model, {k: 0, n: 0, n_audited: 0}).get(model)!;
    g.n++;
    if (cls[i] === EM) g.k++;
    if (h !== undefined && h !== "unsure") g.n_audited++;
  }
  const d = designOfRows(
    rows.length,
    (k) => stratumOf(points, rows[k]!, cls, settings.stratify),
    (k) => cls[rows[k]!] === EM,
    (k) => {
      const h = labels.get(points.rid[rows[k]!]!);
      return h === undefined ? undefined : {id: `row ${points.rid[rows[k]!]}`, human: h};
    },
    selectionText(points, rows, rule, settings),
    kind,
  );
  const audit = calibrateAudit(
    d.labels,
    d.design,
    [...groups].map(([model, g]) => ({key: {model}, ...g})),
    {seed, draws: 2000},
  );
  return {audit, calibration: audit.calibration, unsure: audit.n_unsure, excluded: d.excluded, outside: [...labels.keys()].filter((r) => !seen.has(r)).length};
}

export {labellerAgreement, LABEL_TYPES};
