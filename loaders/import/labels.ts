// Human labels (the /audit page's CSV / JSONL export) as judge scores: an `imports:` entry with
// `format: labels` turns each label into score rows of judge `human` (or `human:<labeller>` when
// the file names labellers), attached to answers the experiment already has. docs/audit.md.
//
// Bad input is never counted: an unknown label value, an unknown type, a missing response id or a
// second label for the same answer and labeller stops the import with every offending line listed;
// labels for answers the experiment does not have are caught by `checkLabelRefs` once the
// experiment's answers are known (loaders/run/execute.ts).
import {LABEL_TYPES, type ScoreRow} from "../../src/lib/schema.ts";
import {EM_LABEL_METRIC, HUMAN_JUDGE, LABEL_COLUMNS, TYPE_LABEL_METRIC, emLabelScore, type HumanEm} from "../../src/lib/em/calibration.ts";
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
export function readLabelFile(file: string, rel: string, inner: "csv" | "jsonl", judge: string = HUMAN_JUDGE): LabelImport {
  const problems: string[] = [];
  let records: {line: number; values: Record<string, unknown>}[];
  if (inner === "csv") {
    const t = readCsv(file, rel);
    for (const s of t.skipped) problems.push(`${rel}:${s.line}: ${s.reason}`);
    for (const need of ["response_id", "em"])
      if (!t.columns.includes(need))
        throw new Error(`${rel}: no '${need}' column (a label file has ${LABEL_COLUMNS.join(", ")}); columns are: ${t.columns.join(", ")}`);
    records = t.rows;
  } else {
    const t = readJsonl(file, rel);
    for (const s of t.skipped) problems.push(`${rel}:${s.line}: ${s.reason}`);
    records = t.rows.map((r) => ({line: r.line, values: r.value}));
  }
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
