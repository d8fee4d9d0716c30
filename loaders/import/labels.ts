// Human labels (the /audit page's CSV / JSONL export) as judge scores: an `imports:` entry with
// `format: labels` turns each label into score rows of judge `human` (or `human:<labeller>` when
// the file names labellers), attached to answers the experiment already has. docs/audit.md.
//
// Bad input is never counted: an unknown label value, an unknown type, a missing response id or a
// second label for the same answer and labeller stops the import with every offending line listed;
// labels for answers the experiment does not have are caught by `checkLabelRefs` once the
// experiment's answers are known (loaders/run/execute.ts).
import {LABEL_TYPES, type ScoreRow} from "../../src/lib/schema.ts";
import {
  EM_LABEL_METRIC,
  HUMAN_JUDGE,
  LABEL_COLUMNS,
  TYPE_LABEL_METRIC,
  consensus,
  emLabelScore,
  type AuditDesign,
  type AuditLabel,
  type HumanEm,
} from "../../src/lib/em/calibration.ts";
import {readCsv} from "./csv.ts";
import {readJsonl} from "./jsonl.ts";

const EM_VALUES: Record<string, HumanEm> = {yes: "yes", y: "yes", em: "yes", no: "no", n: "no", not_em: "no", unsure: "unsure", u: "unsure"};

/** Where a label came from, to name its line when its answer turns out not to exist. */
export interface LabelRef {
  file: string;
  line: number;
  response_id: string;
  experiment: string | null;
}

export interface LabelImport {
  scores: ScoreRow[];
  refs: LabelRef[];
  /** Judge ids written (one per labeller). */
  judges: string[];
  counts: {labels: number; yes: number; no: number; unsure: number; typed: number};
}

/** Most problem lines an error message lists before "... and N more". */
const SHOWN = 20;

function problemsError(what: string, problems: string[]): Error {
  const shown = problems.slice(0, SHOWN).join("\n  ");
  const more = problems.length > SHOWN ? `\n  ... and ${problems.length - SHOWN} more` : "";
  return new Error(`${what}: ${problems.length} bad label line(s), nothing imported:\n  ${shown}${more}`);
}

const text = (v: unknown): string => (v === null || v === undefined ? "" : String(v).trim());

/**
 * Read one label file (CSV or JSONL, as exported by the audit page). `judge` is the import's judge
 * id (`human` by default); a non-empty `labeller` gives judge `<judge>:<labeller>`.
 * Throws, listing every bad line, when any line is bad (nothing is imported then).
 */
function readRecords(file: string, rel: string, inner: "csv" | "jsonl", problems: string[]): {line: number; values: Record<string, unknown>}[] {
  if (inner === "csv") {
    const t = readCsv(file, rel);
    for (const s of t.skipped) problems.push(`${rel}:${s.line}: ${s.reason}`);
    for (const need of ["response_id", "em"])
      if (!t.columns.includes(need))
        throw new Error(`${rel}: no '${need}' column (a label file has ${LABEL_COLUMNS.join(", ")}); columns are: ${t.columns.join(", ")}`);
    return t.rows;
  }
  const t = readJsonl(file, rel);
  for (const s of t.skipped) problems.push(`${rel}:${s.line}: ${s.reason}`);
  return t.rows.map((r) => ({line: r.line, values: r.value}));
}

export function readLabelFile(file: string, rel: string, inner: "csv" | "jsonl", judge: string = HUMAN_JUDGE): LabelImport {
  const problems: string[] = [];
  const records = readRecords(file, rel, inner, problems);
  const out: LabelImport = {scores: [], refs: [], judges: [], counts: {labels: 0, yes: 0, no: 0, unsure: 0, typed: 0}};
  const seen = new Map<string, number>();
  for (const {line, values} of records) {
    const where = `${rel}:${line}`;
    const id = text(values.response_id);
    const rawEm = text(values.em).toLowerCase();
    const rawType = text(values.type);
    const labeller = text(values.labeller);
    const bad: string[] = [];
    if (!/^[0-9a-f]{16}$/.test(id)) bad.push(id === "" ? "no response_id" : `response_id '${id}' is not a response id (16 hex characters)`);
    const em = EM_VALUES[rawEm];
    if (!em) bad.push(rawEm === "" ? "no em label (expected yes, no or unsure)" : `unknown em label '${text(values.em)}' (expected yes, no or unsure)`);
    let typeDigit: number | null = null;
    if (rawType !== "") {
      const k = (LABEL_TYPES as readonly string[]).indexOf(rawType);
      if (k < 0) bad.push(`unknown type '${rawType}' (expected one of ${LABEL_TYPES.join(", ")}, or empty)`);
      else typeDigit = k + 1;
    }
    if (labeller !== "" && !/^[A-Za-z0-9_.@-]+$/.test(labeller)) bad.push(`labeller '${labeller}' may hold only letters, digits and _ . @ -`);
    const key = `${id}\u0000${labeller}`;
    const first = seen.get(key);
    if (id !== "" && first !== undefined) bad.push(`duplicate label: response ${id}${labeller ? ` by ${labeller}` : ""} is already labelled on line ${first}`);
    if (bad.length) {
      for (const b of bad) problems.push(`${where}: ${b}`);
      continue;
    }
    seen.set(key, line);
    const j = labeller ? `${judge}:${labeller}` : judge;
    if (!out.judges.includes(j)) out.judges.push(j);
    const score = emLabelScore(em!);
    out.scores.push({
      response_id: id,
      judge: j,
      metric: EM_LABEL_METRIC,
      score,
      mass: null,
      special: null,
      status: score === null ? "null" : "imported",
      probs: null,
    });
    if (typeDigit !== null) {
      out.scores.push({response_id: id, judge: j, metric: TYPE_LABEL_METRIC, score: typeDigit, mass: null, special: null, status: "imported", probs: null});
      out.counts.typed++;
    }
    out.refs.push({file: rel, line, response_id: id, experiment: text(values.experiment) || null});
    out.counts.labels++;
    out.counts[em!]++;
  }
  if (problems.length) throw problemsError(rel, problems);
  return out;
}

/**
 * Every label must name an answer of the experiment: throw, listing each line whose response id
 * is not among `known` (an export from another experiment, or from before the experiment's
 * answers changed: ids depend on the experiment name, model, step, question and sample).
 */
export function checkLabelRefs(refs: readonly LabelRef[], known: ReadonlySet<string>, experiment: string): void {
  const problems: string[] = [];
  for (const r of refs) {
    if (known.has(r.response_id)) continue;
    const other = r.experiment && r.experiment !== experiment ? ` (the label names experiment '${r.experiment}')` : "";
    problems.push(`${r.file}:${r.line}: response ${r.response_id} is not an answer of experiment '${experiment}'${other}`);
  }
  if (problems.length) throw problemsError(`labels for experiment '${experiment}'`, problems);
}

/** A label export read with its sampling design (`em summarize --calibrate FILE`). */
export interface AuditFile {
  /** One label per answer (the consensus of its labellers), with the design it was drawn under. */
  labels: AuditLabel[];
  design: AuditDesign;
  /** The judge the sample was drawn from (column `judge`). */
  judge: string;
  /** Labeller -> response id -> label (agreement between labellers). */
  byLabeller: Map<string, Map<string, HumanEm>>;
}

const DESIGN_COLUMNS = ["judge", "judge_em", "stratum", "stratum_size", "selection_em", "selection_not_em"] as const;

/**
 * Read an /audit export with the sampling design it carries: per label its stratum, judge label
 * and stratum size, per file the judge, the selection's totals by judge label and what was
 * selected. Labels are validated as the importer does (readLabelFile). Throws, listing every bad
 * line (file:line: field), when a design field is missing or malformed, when lines disagree on
 * the file-wide fields, or when two labellers' lines of one answer disagree on its design.
 */
export function readAuditFile(file: string, rel: string, inner: "csv" | "jsonl"): AuditFile {
  readLabelFile(file, rel, inner); // the labels themselves: validated as the importer does (throws)
  const problems: string[] = [];
  const records = readRecords(file, rel, inner, problems);
  if (records.length === 0) throw new Error(`${rel}: no labels`);
  const missing = DESIGN_COLUMNS.filter((c) => records.every((r) => text(r.values[c]) === ""));
  if (missing.length)
    throw new Error(
      `${rel}: no ${missing.map((c) => `'${c}'`).join(", ")} column(s): this export carries no sampling design (exported before designs travelled with labels); export the labels again from /audit, or import the file (format: labels) and use --calibrate human (post-stratified by the judge's label)`,
    );
  const whole = (where: string, field: string, v: unknown, min: number): number | null => {
    const t = text(v);
    const x = Number(t);
    if (t === "" || !Number.isInteger(x) || x < min) {
      problems.push(`${where}: ${field} '${t}' is not a whole number >= ${min}`);
      return null;
    }
    return x;
  };
  let fileWide: {line: number; judge: string; em: number; notEm: number; selection: string} | null = null;
  const byAnswer = new Map<string, {line: number; judge_em: boolean; stratum: string; stratum_size: number; labels: HumanEm[]}>();
  const byLabeller = new Map<string, Map<string, HumanEm>>();
  for (const {line, values} of records) {
    const where = `${rel}:${line}`;
    const id = text(values.response_id);
    const judge = text(values.judge);
    const je = text(values.judge_em).toLowerCase();
    const stratum = text(values.stratum);
    if (judge === "") problems.push(`${where}: no judge`);
    if (je !== "yes" && je !== "no") problems.push(`${where}: judge_em '${text(values.judge_em)}' is not yes or no`);
    if (stratum === "") problems.push(`${where}: no stratum`);
    const size = whole(where, "stratum_size", values.stratum_size, 1);
    const em = whole(where, "selection_em", values.selection_em, 0);
    const notEm = whole(where, "selection_not_em", values.selection_not_em, 0);
    const selection = text(values.selection);
    if (judge === "" || (je !== "yes" && je !== "no") || stratum === "" || size === null || em === null || notEm === null) continue;
    if (!fileWide) fileWide = {line, judge, em, notEm, selection};
    else if (fileWide.judge !== judge || fileWide.em !== em || fileWide.notEm !== notEm || fileWide.selection !== selection)
      problems.push(
        `${where}: judge / selection_em / selection_not_em / selection differ from line ${fileWide.line} (one file holds labels of one sample; export each selection separately)`,
      );
    const human = EM_VALUES[text(values.em).toLowerCase()]!;
    const labeller = text(values.labeller);
    (byLabeller.get(labeller || HUMAN_JUDGE) ?? byLabeller.set(labeller || HUMAN_JUDGE, new Map()).get(labeller || HUMAN_JUDGE)!).set(id, human);
    const a = byAnswer.get(id);
    if (!a) byAnswer.set(id, {line, judge_em: je === "yes", stratum, stratum_size: size, labels: [human]});
    else if (a.judge_em !== (je === "yes") || a.stratum !== stratum || a.stratum_size !== size)
      problems.push(`${where}: response ${id} has another judge_em / stratum / stratum_size on line ${a.line}`);
    else a.labels.push(human);
  }
  if (problems.length) throw problemsError(rel, problems);
  return {
    labels: [...byAnswer].map(([id, a]) => ({id, human: consensus(a.labels), judge_em: a.judge_em, stratum: a.stratum, stratum_size: a.stratum_size})),
    design: {selection_em: fileWide!.em, selection_not_em: fileWide!.notEm, selection: fileWide!.selection, kind: "design"},
    judge: fileWide!.judge,
    byLabeller,
  };
}
