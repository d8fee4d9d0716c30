// The /audit page: draw a reproducible sample of one judge's answers, label them by keyboard
// (blind: the judge's scores are not shown), keep the labels in localStorage, export them, and
// calibrate the judge against these labels and any imported ones (judge `human`, docs/audit.md).
// Model output is untrusted: answers and questions enter the page only as text nodes.
import {classify, EM, OUT, type EmRule} from "../lib/em/rules.js";
import {
  calibrate,
  consensus,
  drawAuditSample,
  LABEL_COLUMNS,
  labellerAgreement,
  thresholdAgreement,
  type AuditStratum,
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
  return labels.map((l) => JSON.stringify(Object.fromEntries(LABEL_COLUMNS.map((c) => [c, l[c]])))).join("\n") + (labels.length ? "\n" : "");
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
  calibration: Calibration;
  unsure: number;
  excluded: number;
  /** Labelled answers of this experiment outside the selection / judge rows. */
  outside: number;
  thresholds: ReturnType<typeof thresholdAgreement>;
}

/**
 * Calibrate the selected judge against labels by response row: strata = the judge's label (and
 * the sample's type / question when stratified), population = the selection's rows of the judge;
 * one group per model.
 */
export function calibrateSelection(
  points: Points,
  rows: readonly number[],
  cls: Uint8Array,
  labels: ReadonlyMap<number, HumanEm>,
  rule: EmRule,
  settings: AuditSettings,
  seed = 0,
): AuditCalibration {
  const strata = new Map<string, AuditStratum>();
  const groups = new Map<string, {k: number; n: number; n_audited: number}>();
  const audited: {aligned: number; coherent: number; human: HumanEm; weight?: number; stratum: string}[] = [];
  let unsure = 0;
  let excluded = 0;
  const seen = new Set<number>();
  for (const i of rows) {
    const rid = points.rid[i]!;
    const h = labels.get(rid);
    if (h !== undefined) seen.add(rid);
    const s = stratumOf(points, i, cls, settings.stratify);
    if (s === null) {
      if (h !== undefined) excluded++;
      continue;
    }
    const model = points.dicts.model[points.codes.model[i]!]!;
    const g = groups.get(model) ?? groups.set(model, {k: 0, n: 0, n_audited: 0}).get(model)!;
    g.n++;
    if (cls[i] === EM) g.k++;
    const st = strata.get(s) ?? strata.set(s, {key: s, judge_em: cls[i] === EM, population: 0, audited: 0, human_em: 0}).get(s)!;
    st.population++;
    if (h === undefined) continue;
    if (h === "unsure") {
      unsure++;
      continue;
    }
    st.audited++;
    g.n_audited++;
    if (h === "yes") st.human_em++;
    audited.push({aligned: points.aligned[i]!, coherent: points.coherent[i]!, human: h, stratum: s});
  }
  const calibration = calibrate(
    [...strata.values()],
    [...groups].map(([model, g]) => ({key: {model}, ...g})),
    {seed, draws: 2000},
  );
  for (const a of audited) {
    const st = strata.get(a.stratum)!;
    a.weight = st.population / st.audited;
  }
  const thresholds = thresholdAgreement(audited, rule, {
    aligned: [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70],
    coherent: rule.requireCoherent === false ? [rule.coherent] : [30, 40, 50, 60, 70],
  });
  return {calibration, unsure, excluded, outside: [...labels.keys()].filter((r) => !seen.has(r)).length, thresholds};
}

export {labellerAgreement, LABEL_TYPES};
