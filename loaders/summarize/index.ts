// The library call behind `em summarize` and the report pages (loaders/commands/report.ts): checked
// options -> the rows -> EM rates with intervals per group, ties at the cuts, and optionally
// transition fits, baseline differences and the human-audit calibration, as the JSON contract
// (./output.ts). Renderers (./render-table.ts, ./render-csv.ts) only format its result.
import {
  baseQuestionId,
  baselineDiffs,
  questionFilter,
  RULE_SOURCES,
  describeRule,
  partitionRows,
  coordinateOf,
  getColumn,
  transitionSensitivity,
  joinJudgedReport,
  judgedBy,
  judgesIn,
  summarize,
  transitionsBy,
  type GroupSummary,
  encodeGroups,
  toColumns,
  tiesByGroup,
} from "../../src/lib/em/index.ts";
import type {Judged, ResponseRow, ResponseType} from "../../src/lib/schema.ts";
import type {EmRule} from "../../src/lib/em/rules.ts";
import {benjaminiHochberg, holm} from "../../src/lib/em/multiplicity.ts";
import {componentsBy, poolComponents} from "../../src/lib/em/components.ts";
import {calibrateGroups, readLabels, type Labels} from "./calibrate.ts";
import {loadRows} from "./load.ts";
import {denseCodes, groupLabelProblem} from "../../src/lib/em/group-labels.ts";
import {fail, list, type SummarizeOptions} from "./options.ts";
import {transitionJson, type BaselineGridCell, type GroupWithTies, type SummarizeOutput} from "./output.ts";

/**
 * `em summarize` as a call: read the rows the options name and compute the summary. Seeded
 * (options.seed): the same options and rows give the same numbers. Throws Error (exit 1) naming the
 * option, file or column on input the data does not support; nothing is written.
 */
export async function buildSummary(o: SummarizeOptions): Promise<SummarizeOutput> {
  const {rule, exclude, seed, replicates, confidence, estimand} = o;
  const loaded = await loadRows(o);
  // The signals types follow the active rule's cuts and the topic cut (typed again per call: one
  // linear pass over the rows the report's summaries share).
  const data = loaded.typesWith ? {...loaded, types: loaded.typesWith({rule, topicCut: o.topicCut})} : loaded;
  // A study read from the dataset memo (./load.ts) holds no response, score or type rows: its
  // counts, judges and the join come from the dataset's tables (./dataset-rows.ts).
  const ds = data.dataset;
  const nResponses = ds ? ds.responses : data.responses.length;
  let available = ds ? [...ds.judges] : judgesIn(data.scores);
  // Human audit (issue 16): label judges are what the judges are compared with, not judges to summarize.
  let labels: Labels | null = null;
  if (o.calibrate !== undefined) ({labels, available} = readLabels(o.calibrate, data.scores, available));
  let judges: string[];
  if (o.judge === undefined) judges = labels?.auditFile ? [labels.auditFile.judge] : available.slice(0, 1);
  else if (o.judge === "all") judges = available;
  else {
    judges = list(o.judge);
    for (const j of judges) if (!available.includes(j)) fail(`--judge: no scores from judge '${j}' (judges present: ${available.join(", ") || "none"})`);
  }
  if (judges.length === 0 && nResponses > 0 && data.missing.length === 0 && data.errors.length === 0)
    fail(noScores(o, nResponses, ds ? ds.metaSample : data.responses.slice(0, 1000).map((r) => r.meta ?? {})));
  const join = ds
    ? await ds.join(judges, [...o.by, ...(o.coordinate !== undefined ? [o.coordinate] : [])])
    : joinJudgedReport(data.responses, data.scores, data.types, {judge: judges});
  // The rule object carries its question filter (organisms drops *json* ids), as on the site.
  const filter = o.questions !== undefined ? list(o.questions) : [...(rule.questions ?? [])];
  const keep = questionFilter(filter);
  const dropped = new Set<string>();
  // An answer a judge gave no score at all (no aligned and no coherent row) is not judged by it: it
  // leaves every denominator of that judge, under any --nulls (which is about replies that are not a
  // number, CODE / REFUSAL), and is counted per judge, as the site's points table leaves it out.
  const notJudged: Record<string, number> = Object.fromEntries(judges.map((j) => [j, 0]));
  let rows: Judged[] = join.rows.filter((r) => {
    if (!judgedBy(r)) {
      notJudged[r.judge] = (notJudged[r.judge] ?? 0) + 1;
      return false;
    }
    if (keep(r.question_id)) return true;
    dropped.add(r.question_id);
    return false;
  });
  if (o.questions !== undefined && rows.length === 0 && join.rows.length > 0)
    fail(`--questions '${o.questions}' keeps no question (ids: ${[...new Set(join.rows.map((r) => r.question_id))].slice(0, 12).join(", ")}...)`);
  // The primary (pre-registered) question set (issue 26): matched on the id or its base id (format variants belong to their question).
  const primary = data.primaryQuestions ?? null;
  if (o.questionSet && o.questionSet !== "all" && !primary)
    fail(`--question-set ${o.questionSet}: ${o.experiment} declares no primary_questions (docs/pipeline.md)`);
  const inPrimary = primary ? questionFilter(primary) : null;
  const isPrimary = (id: string) => !!inPrimary && (inPrimary(id) || inPrimary(baseQuestionId(id)));
  const all = rows;
  if (o.questionSet === "primary") rows = rows.filter((r) => isPrimary(r.question_id));
  else if (o.questionSet === "exploratory") rows = rows.filter((r) => !isPrimary(r.question_id));
  if (o.questionSet && o.questionSet !== "all" && rows.length === 0 && all.length > 0)
    fail(`--question-set ${o.questionSet}: no answer is on a ${o.questionSet} question (primary_questions: ${primary!.join(", ")})`);
  const by = [...o.by];
  // Under the questions estimand a question's format variants are one cluster (the honest
  // interval), so they fold by default; --by question_id asks for each id on its own.
  const fold = o.foldVariants || (!o.noFoldVariants && estimand === "questions" && !by.includes("question_id"));
  const folded = fold && rows.some((r) => baseQuestionId(r.question_id) !== r.question_id);
  if (folded) rows = rows.map((r) => ({...r, question_id: baseQuestionId(r.question_id)}));
  if (judges.length > 1 && !by.includes("judge")) by.unshift("judge");
  for (const c of by) {
    if (rows.length && !rows.some((r) => getColumn(r, c) !== null)) {
      const known = new Set<string>(["model", "step", "question_id", "category", "judge", "type", "source", "origin", "experiment", "paraphrase"]);
      for (const r of rows.slice(0, 1000)) for (const k of Object.keys((r.meta as Record<string, unknown>) ?? {})) known.add(k);
      known.delete(c);
      // In a memo of several experiments the tables have every experiment's meta columns: a key only
      // the others have is not this experiment's (not an empty table of nulls).
      const key = c.startsWith("meta.") ? c.slice(5) : c;
      const shared = ds?.shared;
      const others = shared ? (await shared.owners(key)).filter((e) => e !== shared.experiment) : [];
      if (shared && others.length)
        fail(
          `--by: '${c}' is not a column of experiment '${shared.experiment}': only other experiments in the same build have it (${others.join(", ")}); its columns: ${[...known].join(", ")}`,
        );
      fail(`--by: column '${c}' has no values in the data (columns: ${[...known].join(", ")})`);
    }
  }
  const method = estimand === "answers" ? "wilson" : "auto";
  const summary = summarize(rows, rule, {by, exclude, seed, replicates, confidence, method});
  let questionSet: SummarizeOutput["question_set"];
  if (primary) {
    const count = (f: (id: string) => boolean) => new Set(all.filter((r) => f(r.question_id)).map((r) => baseQuestionId(r.question_id))).size;
    questionSet = {used: o.questionSet ?? "all", primary, primary_kept: count(isPrimary), exploratory_kept: count((id) => !isPrimary(id))};
    if (questionSet.used === "all") {
      questionSet.split = [];
      for (const set of ["primary", "exploratory"] as const) {
        const part = rows.filter((r) => isPrimary(r.question_id) === (set === "primary"));
        if (!part.length) continue;
        for (const g of sortGroups(summarize(part, rule, {by, exclude, seed, replicates, confidence, method}).groups, by))
          questionSet.split.push({set, key: g.key, em_rate: g.em_rate, ci: g.ci, n_scored: g.n_scored, questions: g.n_questions});
      }
    }
  }
  // Ties at the cuts (integer-valued judges): each group's rate under both conventions of a cut some answer sits on.
  const enc = encodeGroups(rows, by);
  const ties = enc.keys.length ? tiesByGroup(toColumns(rows, {precision: 64}), rule, {groups: enc.codes, nGroups: enc.keys.length, exclude}) : [];
  summary.groups.forEach((g, i) => ((g as GroupWithTies).ties = ties[i] ?? null));
  summary.groups = sortGroups(summary.groups, by);
  const out: SummarizeOutput = {
    version: 1,
    input: o.data ? {data: o.data} : {experiment: o.experiment},
    judges,
    judges_available: available,
    rule_text: describeRule(rule) + (RULE_SOURCES[rule.name] ? ` [${RULE_SOURCES[rule.name]}]` : ""),
    ...(data.coordinateName && data.coordinateName !== "step" ? {coordinate: data.coordinateName} : {}),
    ...summary,
    estimand,
    questions: {filter, folded, kept: new Set(rows.map((r) => r.question_id)).size, dropped: [...dropped].sort()},
    ...(questionSet ? {question_set: questionSet} : {}),
    counts: {
      responses: nResponses,
      rows: rows.length,
      orphan_scores: join.orphan_scores,
      duplicate_scores: join.duplicate_scores,
      missing_aligned: join.missing_aligned,
      missing_coherent: join.missing_coherent,
      not_judged: notJudged,
    },
    missing: data.missing,
    errors: data.errors,
    skipped: data.skipped,
  };
  const notLabels = byNotGroupLabels(rows, by);
  if (notLabels.length) out.by_not_labels = notLabels;
  if (o.transition) {
    let coord = o.coordinate ?? "step";
    // The tables keep the experiment's coordinate in `step`; its declared name means the same.
    if (data.coordinateName && coord === data.coordinateName) coord = "step";
    if (rows.length && coord !== "step" && !rows.some((r) => coordinateOf(r, coord) !== null))
      fail(
        `--coordinate: column '${coord}' has no numeric values in the data (the experiment's coordinate is in 'step'${data.coordinateName ? `, named '${data.coordinateName}'` : ""})`,
      );
    // An experiment that declares `coordinate_scale: log` is fitted on log10 unless the option says otherwise.
    const scale = o.coordinateScale === "auto" && data.coordinateScale === "log" ? "log" : o.coordinateScale;
    out.transitions = transitionsBy(rows, rule, {by, coordinate: coord, scale, exclude, seed, confidence}).map(transitionJson);
    if (o.sensitivity) {
      // The same partition as transitionsBy (by without the coordinate, first-seen order), and the
      // scale the fit decided over all rows, so each grid refits exactly what its fit fitted.
      const {parts} = partitionRows(
        rows,
        by.filter((c) => c !== coord),
      );
      out.transitions.forEach((t, g) => (t.sensitivity = transitionSensitivity(parts[g]!, rule, {coordinate: coord, scale: t.scale, exclude})));
    }
  }
  if (o.baseline) {
    const diffs = baselineDiffs(rows, rule, {by, exclude, seed, replicates, confidence});
    if (diffs.length === 0) fail(`--baseline: no answer has a baseline; declare one in the experiment file (\`baseline:\`, docs/importing.md)`);
    out.baseline_diffs = diffs;
    if (o.sensitivity) out.baseline_grid = baselineGrid(rows, rule, {by, exclude, seed, replicates, confidence});
  }
  if (o.components) {
    const groups = componentsBy(rows, rule, {by, exclude, confidence, seed});
    out.components = {method: "anova_moments_probability_scale", groups, pooled: groups.length > 1 ? poolComponents(groups.map((g) => g.components)) : null};
  }
  if (labels) out.calibration = calibrateGroups(labels, {rows, groups: summary.groups, rule, exclude, by, judges, seed, replicates, confidence});
  if (o.pivot !== undefined && !by.includes(o.pivot)) fail(`--pivot: '${o.pivot}' must be one of the --by columns (${by.join(", ") || "none"})`);
  return out;
}

/** The cut cells of `--baseline --sensitivity` (aligned x coherent), the grid of --transition --sensitivity's range. */
export const BASELINE_GRID = {aligned: [20, 30, 40, 50, 60, 70], coherent: [30, 50, 70]} as const;

/**
 * Every variant minus its baseline at every cell of BASELINE_GRID (the rule's inclusiveness,
 * denominator and nulls kept, its cuts replaced), with Holm and Benjamini-Hochberg adjusted
 * p-values over the whole family: variants x cells (issue 26), so a cell picked after looking at
 * the surface is judged against every comparison made.
 */
export function baselineGrid(
  rows: readonly Judged[],
  rule: EmRule,
  opts: {by: string[]; exclude: ResponseType[]; seed: number; replicates: number; confidence: number},
): BaselineGridCell[] {
  const out: BaselineGridCell[] = [];
  for (const aligned of BASELINE_GRID.aligned)
    for (const coherent of BASELINE_GRID.coherent)
      for (const d of baselineDiffs(rows, {...rule, aligned, coherent}, opts))
        out.push({
          aligned,
          coherent,
          key: d.key,
          variant: d.variant,
          baseline: d.baseline,
          diff: d.diff,
          ci: d.ci,
          p_value: d.p_value,
          p_holm: null,
          p_bh: null,
        });
  const ph = holm(out.map((c) => c.p_value));
  const pb = benjaminiHochberg(out.map((c) => c.p_value));
  out.forEach((c, i) => {
    c.p_holm = ph[i]!;
    c.p_bh = pb[i]!;
  });
  return out;
}

/**
 * Groups in a reading order: numeric key columns ascending (steps, ranks, scales), other columns
 * in first-seen order (the experiment's own order of models and variants); stable.
 */
export function sortGroups(groups: GroupSummary[], by: readonly string[]): GroupSummary[] {
  const firstSeen = by.map(() => new Map<unknown, number>());
  for (const g of groups)
    by.forEach((c, j) => {
      const v = g.key[c];
      if (!firstSeen[j]!.has(v)) firstSeen[j]!.set(v, firstSeen[j]!.size);
    });
  const rank = (g: GroupSummary, j: number): number => {
    const v = g.key[by[j]!];
    return typeof v === "number" ? v : v === null || v === undefined ? Infinity : firstSeen[j]!.get(v)!;
  };
  const numeric = by.map((c) => groups.some((g) => typeof g.key[c] === "number"));
  return groups
    .map((g, i) => ({g, i}))
    .sort((a, b) => {
      for (let j = 0; j < by.length; j++) {
        const ra = numeric[j] ? rank(a.g, j) : firstSeen[j]!.get(a.g.key[by[j]!])!;
        const rb = numeric[j] ? rank(b.g, j) : firstSeen[j]!.get(b.g.key[by[j]!])!;
        if (ra !== rb) return ra - rb;
      }
      return a.i - b.i;
    })
    .map((x) => x.g);
}

/** Columns of the rows themselves (not meta keys): always group labels. */
const ROW_COLUMNS = new Set([
  "experiment",
  "model",
  "variant",
  "replicate",
  "baseline",
  "step",
  "question_id",
  "category",
  "judge",
  "type",
  "source",
  "origin",
  "paraphrase",
  "sample",
]);

/**
 * The --by meta keys that do not label groups of answers by the rule the site's "Compare by" uses
 * (groupLabelProblem, src/lib/em/group-labels.ts: one value per unit, model x variant x replicate x
 * step, or per question; 2-64 values; not date-times), with the reason. The summary still groups by
 * them; the command warns.
 */
export function byNotGroupLabels(rows: readonly Judged[], by: readonly string[]): {column: string; reason: string}[] {
  const out: {column: string; reason: string}[] = [];
  const meta = by.filter((c) => !ROW_COLUMNS.has(c));
  if (!meta.length || !rows.length) return out;
  const units = denseCodes(rows.length, (i) => JSON.stringify(["model", "variant", "replicate", "step"].map((c) => getColumn(rows[i]!, c))));
  const questions = denseCodes(rows.length, (i) => rows[i]!.question_id);
  for (const column of meta) {
    const values: string[] = [];
    const index = new Map<string, number>();
    const codes = Int32Array.from(rows, (r) => {
      const v = getColumn(r, column);
      if (v === null || v === undefined) return -1;
      const k = typeof v === "object" ? JSON.stringify(v) : String(v);
      let c = index.get(k);
      if (c === undefined) {
        index.set(k, (c = values.length));
        values.push(k);
      }
      return c;
    });
    const reason = groupLabelProblem({codes, values, units, questions});
    if (reason !== null && reason !== "takes one value") out.push({column, reason});
  }
  return out;
}

/** Bookkeeping meta keys of imported rows (where a row came from), not columns of the user's file. */
const TRACE_KEYS = new Set(["file", "line", "record", "step_from"]);

/**
 * The error for responses that no judge scored while no judge run is pending: an import whose
 * files have no score column the importer knows (docs/importing.md) gives answers without any
 * score, and a summary of them would print no rates without saying why. Names the input and the
 * responses' other columns (their meta keys), where the score columns usually are.
 */
function noScores(o: SummarizeOptions, n: number, metas: readonly ResponseRow["meta"][]): string {
  const keys = new Set<string>();
  let nested = false;
  for (const meta of metas)
    for (const [k, v] of Object.entries(meta ?? {})) {
      if (TRACE_KEYS.has(k)) continue;
      keys.add(k);
      if (typeof v === "string" && /^\s*[[{]/.test(v)) nested = true;
    }
  return (
    `${o.data ?? o.experiment}: no scores: none of the ${n} responses has an aligned or coherent score from any judge, and no judge run is pending. ` +
    "Imported files need score columns named aligned and coherent, or a metrics: mapping in the import (e.g. metrics: {alignment: aligned, coherence: coherent}; docs/importing.md); " +
    `the responses' other columns: ${[...keys].join(", ") || "none"}` +
    (nested ? " (some hold objects or lists as JSON text: reach their fields with a sql: import)" : "")
  );
}
