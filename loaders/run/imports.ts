// The experiment's `imports:` read (local files, no spend), each file once, question filters applied.
import path from "node:path";
import type {ResponseRow, ScoreRow} from "../../src/lib/schema.ts";
import type {Experiment} from "../experiment.ts";
import {checkMetricColumns, importFiles, importJudges, type ImportResult, type ImportSpec, type Mismatch} from "../import/index.ts";
import type {LabelRef} from "../import/labels.ts";
import {displayPath, experimentFileLabel} from "../paths.ts";
import {questionFilter} from "../question-filter.ts";
import type {RunResult} from "./types.ts";

export interface Imported {
  responses: ResponseRow[];
  scores: ScoreRow[];
  skipped: RunResult["skipped"];
  mismatches: Mismatch[];
  files: ImportResult["files"];
  /** Judge ids of the imports, in `imports:` order (after the configured judges when choosing scores for signals). */
  judges: string[];
  /** The import spec a row came from (by its meta.file), for the default variant keys. */
  specOf(row: ResponseRow): ImportSpec | undefined;
  /** Imported rows dropped by the experiment's question filters. */
  filteredRows: number;
  /** Human labels (issue 16): the response ids they name, checked against the experiment's answers. */
  labels: LabelRef[];
}

/**
 * Reads `imports[i]` of an experiment (rows to `onRows` in chunks when given, else in the result):
 * the importer names the data file (and line), and its errors also name the experiment entry that
 * asked for it. Skipped rows, mismatches and files are appended to `out`; a file already read by
 * another entry (`importedBy`: file -> entry index) is an error, since ids of imported rows come
 * from (file, row) and a file read twice would give every row twice, under one id.
 */
export async function importEntry(
  exp: Experiment,
  i: number,
  spec: ImportSpec,
  importedBy: Map<string, number>,
  out: Pick<ImportResult, "skipped" | "mismatches" | "files">,
  onRows?: Parameters<typeof importFiles>[1]["onRows"],
): Promise<ImportResult> {
  let r: ImportResult;
  try {
    r = await importFiles(spec, {experiment: exp.name, baseDir: path.dirname(exp.file), onRows});
  } catch (error) {
    throw entryError(exp, i, error);
  }
  takeEntry(exp, i, r, importedBy, out);
  return r;
}

/** An importer's error as the experiment reports it: naming the experiment file and its `imports[i]` entry. */
export const entryError = (exp: Experiment, i: number, error: unknown): Error =>
  new Error(`${displayPath(exp.file)}: imports[${i}]: ${(error as Error).message.replace(/^imports: /, "")}`);

/**
 * The skipped rows, mismatches and files of `imports[i]` appended to `out`; a file already read by
 * another entry (`importedBy`: file -> entry index, filled here) is an error.
 */
export function takeEntry(
  exp: Experiment,
  i: number,
  r: Pick<ImportResult, "skipped" | "mismatches" | "files">,
  importedBy: Map<string, number>,
  out: Pick<ImportResult, "skipped" | "mismatches" | "files">,
): void {
  const label = (file: string) => experimentFileLabel(path.dirname(exp.file), file);
  // An import read in lanes (one file per importFiles call) checks its `metrics:` columns here, over all its files.
  try {
    checkMetricColumns(
      exp.imports[i]?.metrics,
      r.files.map((f) => ({label: label(f.file), seen: f.rows > 0 || f.missing_metrics !== undefined, lacks: f.missing_metrics ?? []})),
    );
  } catch (error) {
    throw entryError(exp, i, error);
  }
  for (const x of r.skipped) out.skipped.push(x);
  for (const x of r.mismatches) out.mismatches.push(x);
  for (const x of r.files) {
    const prev = importedBy.get(x.file);
    if (prev !== undefined)
      throw new Error(
        `${displayPath(exp.file)}: imports[${i}]: ${label(x.file)} is also read by imports[${prev}]; import each file once (one entry can map several score columns with metrics:)`,
      );
    importedBy.set(x.file, i);
    out.files.push(x);
  }
}

export async function readImports(exp: Experiment): Promise<Imported> {
  const out: Imported = {responses: [], scores: [], skipped: [], mismatches: [], files: [], judges: [], specOf: () => undefined, filteredRows: 0, labels: []};
  const importedBy = new Map<string, number>();
  out.specOf = (r) => {
    const i = importedBy.get(String(r.meta?.file ?? ""));
    return i === undefined ? undefined : exp.imports[i];
  };
  for (const [i, spec] of exp.imports.entries()) {
    const r = await importEntry(exp, i, spec, importedBy, out);
    // push(...rows) overflows the call stack past ~100k arguments; a million-row import must work.
    for (const x of r.responses) out.responses.push(x);
    for (const x of r.scores) out.scores.push(x);
    for (const j of importJudges(spec)) if (!out.judges.includes(j)) out.judges.push(j);
    if (r.labels) for (const l of r.labels) out.labels.push(l);
  }
  // Question filters apply to imported rows too (and drop their scores).
  const keepQuestion = questionFilter(exp);
  if (keepQuestion) {
    const dropped = new Set<string>();
    out.responses = out.responses.filter((r) => keepQuestion(r.question_id) || (dropped.add(r.response_id), false));
    if (dropped.size) out.scores = out.scores.filter((x) => !dropped.has(x.response_id));
    out.filteredRows = dropped.size;
  }
  return out;
}
