// Rows of a table-like file (CSV, JSONL, nested JSON, Parquet, a SQL query's result): columns
// mapped to roles, scores, meta and row accounting with file:line or file#record locations.
import {createHash} from "node:crypto";
import type {MetaValue, ScoreRow} from "../../src/lib/schema.ts";
import {canonicalQuestionId} from "./filename.ts";
import {suggestion} from "../yaml.ts";
import {KNOWN_METRICS, DEFAULT_COLUMNS, type Role, PROBS_PREFIX, importedResponseId} from "./spec.ts";
import {
  type MetricTarget,
  metricTarget,
  cellScore,
  cellMeta,
  stepSource,
  rowStep,
  type Ctx,
  nextSample,
  withFields,
  fileFields,
  type TableRow,
  nulCount,
  located,
  recompute,
  declareQuestionDomain,
  questionDomainValue,
  QUESTION_DOMAIN_KEY,
} from "./rows.ts";

/**
 * Import the rows of a CSV, JSONL, JSON, Parquet or SQL-result file (records as {column: value}).
 * `columns`: the file's columns when known without rows (Parquet, SQL), so a mapping is checked on
 * an empty result too. `strictResponse` (SQL): no response column is an error naming the query,
 * instead of every row skipped. `rowOffset`: index in the file of `records[0]` (a file imported in
 * chunks, importRows); it numbers response ids.
 */
export function importTable(ctx: Ctx, rel: string, source: string, records: TableRow[], columns?: string[], strictResponse = false, rowOffset = 0) {
  const shown = ctx.label(rel);
  const {spec, out} = ctx;
  const keys = new Set<string>(columns ?? []);
  for (const r of records) for (const k of Object.keys(r.values)) keys.add(k);
  const checkable = records.length > 0 || columns !== undefined;
  const what = strictResponse ? "the sql query's result" : shown;
  const col = (role: Role): string | null => {
    const explicit = spec.columns?.[role];
    if (explicit) {
      if (!keys.has(explicit) && checkable)
        throw new Error(
          `${shown}: column "${explicit}" (columns.${role}) not found in ${strictResponse ? what : "the file"}; columns are: ${[...keys].join(", ")}`,
        );
      return explicit;
    }
    if (role === "step" && spec.step !== undefined) return typeof spec.step === "string" && keys.has(spec.step) ? spec.step : null;
    return DEFAULT_COLUMNS[role].find((c) => keys.has(c)) ?? null;
  };
  const roles = Object.fromEntries((Object.keys(DEFAULT_COLUMNS) as Role[]).map((r) => [r, col(r)])) as Record<Role, string | null>;
  // A `metrics:` column this file lacks: the file imports without that metric, and says so
  // (ImportedFile.missing_metrics); a column no file of the entry has is a typo, an error
  // (checkMetricColumns, once every file of the entry is read).
  if (checkable) {
    const m = (ctx.metricColumns ??= new Map());
    if (!m.has(rel)) m.set(rel, {columns: [...keys], lacks: Object.keys(spec.metrics ?? {}).filter((k) => !keys.has(k)), sql: strictResponse});
  }

  // Metric columns: mapped ones, then known metric names; probability columns judge_<metric>.
  const metricCols = new Map<string, MetricTarget>();
  for (const k of keys) {
    const t = metricTarget(spec, k);
    if (t) metricCols.set(k, t);
    else if ((KNOWN_METRICS as readonly string[]).includes(k) && !Object.values(roles).includes(k)) metricCols.set(k, {metric: k, scale: undefined});
  }
  // Two columns that are one judge's same metric would give every answer two scores, of which
  // each reader keeps either: an error, before any row is used.
  const written = new Map<string, string>();
  for (const [k, t] of metricCols) {
    const judge = t.judge ?? spec.judge;
    const other = written.get(`${judge}\u0001${t.metric}`);
    if (other !== undefined)
      throw new Error(`${shown}: columns "${other}" and "${k}" are both judge ${judge}'s ${t.metric} score (metrics:); map one to another judge or metric`);
    written.set(`${judge}\u0001${t.metric}`, k);
  }
  const probCols = new Map<string, string>(); // metric -> column
  for (const k of keys) {
    if (!k.startsWith(PROBS_PREFIX) || metricCols.has(k)) continue;
    // Only for metrics: a column such as `judge_model` (the judge's name) is ordinary metadata.
    const base = k.slice(PROBS_PREFIX.length);
    const metric = metricCols.get(base)?.metric ?? metricTarget(spec, base)?.metric ?? ((KNOWN_METRICS as readonly string[]).includes(base) ? base : null);
    if (metric) probCols.set(metric, k);
  }
  // Each judge's cells (score columns and, for the entry's judge, probability columns): a row where
  // all of them are empty was never scored by that judge (a missing struct field, a failed join, an
  // empty entry), which is not a reply that is not a number (CODE / REFUSAL, what --nulls is about).
  // Told apart only when the file gives the judge two or more score columns: a judge that replied
  // leaves a number, CODE / REFUSAL or probabilities in at least one of them (a reference-data CSV
  // has a coherent score beside every empty aligned cell); with one column an empty cell stays a
  // missing score (status "null"), as it cannot tell.
  // With one column, a key the record lacks (JSON) still says the judge gave nothing: those judges
  // are kept in judgeKeys and count as not judged only when every cell is absent (undefined).
  const judgeCells = new Map<string, string[]>();
  for (const [k, t] of metricCols) {
    const j = t.judge ?? spec.judge;
    judgeCells.set(j, [...(judgeCells.get(j) ?? []), k]);
  }
  const judgeKeys = new Map<string, string[]>();
  for (const [j, cols] of judgeCells) {
    if (j === spec.judge) cols.push(...probCols.values());
    if (cols.length - (j === spec.judge ? probCols.size : 0) < 2) {
      judgeCells.delete(j);
      judgeKeys.set(j, cols);
    }
  }
  const used = new Set<string>([...metricCols.keys(), ...probCols.values()]);
  for (const r of ["response", "question", "question_id", "system", "category", "question_domain"] as const) if (roles[r]) used.add(roles[r]!);
  if (roles.model && !spec.model) used.add(roles.model);

  const fields = fileFields(ctx, rel);
  let fileRows = 0;
  let fileSkipped = 0;
  let nullScores = 0;
  let notJudged = 0;
  const skip = (rec: TableRow, reason: string) => {
    const {file, line} = located(shown, rec);
    out.skipped.push(line === undefined ? {file, reason} : {file, line, reason});
    fileSkipped++;
  };
  if (!roles.response) {
    const reason = `no response column (looked for ${DEFAULT_COLUMNS.response.join(", ")}; set columns.response); columns are: ${[...keys].join(", ")}`;
    if (strictResponse) throw new Error(`${shown}: sql: ${what} has ${reason}`);
    for (const r of records) skip(r, reason);
    return {responses: 0, skipped: fileSkipped, null_scores: 0, not_judged: 0};
  }
  // The coordinate: an explicit `step:` name, a file-name field, or a step-like column (stepSource).
  const steps = stepSource(spec, fields, roles.step, DEFAULT_COLUMNS.step);
  if (typeof spec.step === "string" && !steps && checkable) {
    throw new Error(`${shown}: step "${spec.step}" is neither a file-name field nor a column; columns are: ${[...keys].join(", ")}`);
  }
  // A column read as the step is not copied into meta (rowStep would remove it: it is the row's step).
  if (steps?.kind === "row") used.add(steps.name);

  // The spec's meta and the file-name fields, the same for every row of the file.
  const baseMeta: Record<string, MetaValue> = {...withFields(spec.meta, fields), file: rel};
  const fileDomain = questionDomainValue(spec.question_domain ?? baseMeta[QUESTION_DOMAIN_KEY], `${shown}: question_domain`);
  records.forEach((rec, i) => {
    const row = rowOffset + i;
    const v = rec.values;
    const response = v[roles.response!];
    if (response === null || response === undefined) return skip(rec, `no value in the response column "${roles.response}"`);
    if (typeof response === "object")
      return skip(rec, `the response column "${roles.response}" holds ${Array.isArray(response) ? "an array" : "an object"}, not text`);
    // A NUL byte is not text anyone wrote: a corrupt or binary cell. Skipped (and listed), never judged.
    if (String(response).includes("\u0000")) return skip(rec, `the response holds ${nulCount(String(response))} NUL byte(s) (corrupt or binary data)`);
    const question = roles.question ? v[roles.question] : undefined;
    const questionText = question === null || question === undefined ? "" : String(question);
    const rawQid = roles.question_id ? v[roles.question_id] : undefined;
    let qid = rawQid === null || rawQid === undefined ? "" : typeof rawQid === "number" ? canonicalQuestionId(rawQid) : canonicalQuestionId(String(rawQid));
    if (qid === "") {
      if (questionText === "") return skip(rec, "no question_id and no question text");
      qid = "q-" + createHash("sha256").update(questionText).digest("hex").slice(0, 8);
    }
    const meta: Record<string, MetaValue> = {...baseMeta};
    if (rec.line !== undefined) meta.line = rec.line;
    else if (rec.record !== undefined) meta.record = rec.record;
    for (const [k, x] of Object.entries(v)) if (!used.has(k)) meta[k] = cellMeta(x);
    const qd = roles.question_domain
      ? questionDomainValue(v[roles.question_domain], () => `${located(shown, rec).text}: column "${roles.question_domain}"`)
      : undefined;
    declareQuestionDomain(meta, qd, fileDomain);

    const colModel = roles.model ? v[roles.model] : undefined;
    const model =
      spec.model ??
      (fields.model !== undefined && fields.model !== null
        ? String(fields.model)
        : colModel !== undefined && colModel !== null && String(colModel) !== ""
          ? String(colModel)
          : source);
    const step = rowStep(
      steps,
      spec,
      fields,
      meta,
      (k) => v[k],
      () => (steps?.kind === "row" ? `${located(shown, rec).text}: column "${steps.name}"` : shown),
    );
    const response_id = importedResponseId(ctx.experiment, rel, row, qid);
    const sys = roles.system ? v[roles.system] : undefined;
    const cat = roles.category ? v[roles.category] : undefined;

    const scoreRows: ScoreRow[] = [];
    const metricsDone = new Set<string>();
    // Scores are checked before the row is kept: 150, -5 or 1e9 used to be kept (-5 counting as
    // EM), and text other than CODE/REFUSAL became a missing score nobody counted.
    for (const [column, target] of metricCols) {
      const c = cellScore(v[column]);
      const scaled = c.score === null ? null : c.score * (target.scale ?? 1);
      const bad =
        c.raw !== null && c.special === null
          ? `not a score: "${c.raw.slice(0, 40)}" (expected a number 0..100, empty, NaN, CODE or REFUSAL)`
          : scaled !== null && (scaled < 0 || scaled > 100)
            ? `score ${c.score}${target.scale && target.scale !== 1 ? ` x scale ${target.scale}` : ""} is outside 0..100`
            : null;
      if (bad) {
        const reason = `column "${column}": ${bad}`;
        if (spec.invalid_scores === "error") throw new Error(`${located(shown, rec).text}: ${reason} (invalid_scores: error)`);
        return skip(rec, reason);
      }
    }
    // Judges with no value in any of their cells: not judged, no score row (see judgeCells).
    let unscored: Set<string> | null = null;
    for (const [j, cols] of judgeCells) {
      if (cols.every((k) => emptyCell(v[k]))) {
        (unscored ??= new Set()).add(j);
        notJudged++;
      }
    }
    for (const [j, cols] of judgeKeys) {
      if (cols.every((k) => v[k] === undefined)) {
        (unscored ??= new Set()).add(j);
        notJudged++;
      }
    }
    for (const [column, target] of metricCols) {
      // A cell that is absent (a key the record lacks) holds no score either: no row for that metric.
      if (v[column] === undefined || unscored?.has(target.judge ?? spec.judge)) continue;
      const c = cellScore(v[column]);
      const score = c.score === null ? null : c.score * (target.scale ?? 1);
      if (score === null && c.special === null) nullScores++;
      let special = c.special;
      let mass: number | null = null;
      let probs: Record<string, number> | null = null;
      // Probability columns (judge_<metric>) are the entry's judge's; a column mapped to another judge has none.
      const own = target.judge === undefined || target.judge === spec.judge;
      const pc = own ? probCols.get(target.metric) : undefined;
      if (pc) {
        const r = recompute(located(shown, rec).text, pc, v[pc]);
        if (r) {
          probs = r.probs;
          mass = r.mass;
          special = special ?? r.special;
          const close = score === null || r.score === null ? score === r.score : Math.abs(score - r.score) <= ctx.spec.tolerance;
          if (!close) {
            const loc = located(shown, rec);
            out.mismatches.push({
              file: loc.file,
              ...(loc.line === undefined ? {} : {line: loc.line}),
              metric: target.metric,
              file_score: score,
              recomputed: r.score,
            });
          }
        }
      }
      scoreRows.push({
        response_id,
        judge: target.judge ?? spec.judge,
        metric: target.metric,
        score,
        mass,
        special,
        status: score === null ? "null" : "imported",
        probs,
      });
      if (own) metricsDone.add(target.metric);
    }
    // Probability columns without a score column: the score is recomputed with our judge algorithm.
    for (const [metric, pc] of probCols) {
      if (metricsDone.has(metric) || unscored?.has(spec.judge)) continue;
      const r = recompute(located(shown, rec).text, pc, v[pc]);
      if (!r) continue;
      scoreRows.push({
        response_id,
        judge: spec.judge,
        metric,
        score: r.score,
        mass: r.mass,
        special: r.special,
        status: r.score === null ? "null" : "imported",
        probs: r.probs,
      });
    }

    out.responses.push({
      response_id,
      experiment: ctx.experiment,
      model,
      step,
      question_id: qid,
      category: cat === undefined || cat === null || cat === "" ? null : String(cat),
      question: questionText,
      system: sys === undefined || sys === null || sys === "" ? null : String(sys),
      paraphrase: 0,
      sample: nextSample(ctx, model, step, qid),
      response: String(response),
      origin: "imported",
      source,
      meta,
    });
    out.scores.push(...scoreRows);
    fileRows++;
  });
  return {responses: fileRows, skipped: fileSkipped, null_scores: nullScores, not_judged: notJudged};
}

/** A cell without a score, a special word or probabilities: absent, null, empty, NaN, None. */
function emptyCell(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "object") return false;
  const c = cellScore(v);
  return c.score === null && c.special === null && c.raw === null;
}

/** What checkMetricColumns needs of one file of an entry: how messages name it, whether its columns were seen, those it lacks. */
export interface MetricColumnsSeen {
  label: string;
  /** False for a file whose columns are unknown (no record read): it neither has nor lacks a column. */
  seen: boolean;
  lacks: readonly string[];
  /** The file's columns, for the message (absent: not known here, e.g. a file read in another import lane). */
  columns?: readonly string[];
  sql?: boolean;
}

/**
 * `metrics:` maps a column in each file of the entry that has it, so one entry can read a study whose
 * domain judge scored only some files (the others import without that metric, their ImportedFile
 * listing it in `missing_metrics`). A mapped column that no file of the entry has is a typo: an error
 * naming the files and the column (with a suggestion and the first file's columns).
 */
export function checkMetricColumns(metrics: Record<string, unknown> | undefined, files: readonly MetricColumnsSeen[]): void {
  for (const k of Object.keys(metrics ?? {})) {
    const lacking = files.filter((f) => f.seen && f.lacks.includes(k));
    if (!lacking.length || files.some((f) => f.seen && !f.lacks.includes(k))) continue;
    const first = lacking[0]!;
    const keys = new Set(first.columns ?? []);
    const hint = `${suggestion(k, keys)}${first.columns ? `; columns are: ${first.columns.join(", ")}` : ""}`;
    if (lacking.length === 1) throw new Error(`${first.label}: metrics.${k}: column "${k}" not found${first.sql ? " in the sql query's result" : ""}${hint}`);
    const names = lacking.slice(0, 3).map((f) => f.label);
    throw new Error(
      `metrics.${k}: column "${k}" is in none of the ${lacking.length} files this entry reads (${names.join(", ")}${lacking.length > 3 ? `, ... ${lacking.length - 3} more` : ""})${suggestion(k, keys)}${first.columns ? `; ${first.label} has columns: ${first.columns.join(", ")}` : ""}`,
    );
  }
}
