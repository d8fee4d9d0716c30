// Rows of an Inspect log (.eval / .json): each sample's answer and its scorers' values as scores.
import type {MetaValue, ScoreRow} from "../../src/lib/schema.ts";
import {canonicalQuestionId} from "./filename.ts";
import {readInspectLog, type InspectSample} from "./inspect.ts";
import {KNOWN_METRICS, DEFAULT_COLUMNS, importedResponseId} from "./spec.ts";
import {type MetricTarget, metricTarget, cellScore, cellMeta, stepSource, rowStep, type Ctx, nextSample, withFields, fileFields, nulCount} from "./rows.ts";
import {declareQuestionDomain, questionDomainValue, QUESTION_DOMAIN_KEY} from "./rows.ts";

export const LETTER: Record<string, number> = {C: 1, P: 0.5, I: 0, N: 0};

/** Inspect score value -> number on our scale, or null when it is not numeric. */
export function inspectNumber(value: unknown, scale: number | undefined): {score: number | null; numeric: boolean} {
  if (typeof value === "number") return Number.isFinite(value) ? {score: value * (scale ?? 1), numeric: true} : {score: null, numeric: true};
  if (typeof value === "boolean") return {score: (value ? 1 : 0) * (scale ?? 100), numeric: true};
  if (value === null || value === undefined) return {score: null, numeric: true};
  if (typeof value === "string") {
    const t = value.trim();
    if (t in LETTER) return {score: LETTER[t]! * (scale ?? 100), numeric: true};
    const c = cellScore(t);
    if (c.score !== null) return {score: c.score * (scale ?? 1), numeric: true};
  }
  return {score: null, numeric: false};
}

export function importInspect(ctx: Ctx, rel: string, source: string, file: string) {
  const {spec, out} = ctx;
  const shown = ctx.label(rel);
  const log = readInspectLog(file, shown);
  const fields = fileFields(ctx, rel);
  const fileDomain = questionDomainValue(spec.question_domain ?? withFields(spec.meta, fields)[QUESTION_DOMAIN_KEY], `${shown}: question_domain`);
  const steps = stepSource(
    spec,
    fields,
    typeof spec.step === "string" ? spec.step : null,
    DEFAULT_COLUMNS.step.filter((f) => f !== "epoch"),
  );
  let fileRows = 0;
  let fileSkipped = 0;
  let nullScores = 0;
  log.samples.forEach((s: InspectSample, row) => {
    const where = s.where;
    if (s.error) {
      out.skipped.push({file: where, reason: `sample ${s.id} (epoch ${s.epoch}) failed in Inspect: ${s.error.split("\n")[0]}`});
      fileSkipped++;
      return;
    }
    if (s.response.includes("\u0000")) {
      out.skipped.push({
        file: where,
        reason: `sample ${s.id} (epoch ${s.epoch}): the response holds ${nulCount(s.response)} NUL byte(s) (corrupt or binary data)`,
      });
      fileSkipped++;
      return;
    }
    const sampleScores: ScoreRow[] = [];
    const qid = canonicalQuestionId(s.id);
    const meta: Record<string, MetaValue> = {...withFields(spec.meta, fields), file: rel, sample_id: s.id, epoch: s.epoch};
    if (log.task) meta.task = log.task;
    if (log.model) meta.inspect_model = log.model;
    if (log.status) meta.log_status = log.status;
    if (s.target !== null) meta.target = s.target;
    for (const [k, x] of Object.entries(s.metadata)) if (!(k in meta)) meta[k] = cellMeta(x);
    // The question's declared domain: the sample's metadata `question_domain`, else the file's.
    declareQuestionDomain(
      meta,
      questionDomainValue(s.metadata[QUESTION_DOMAIN_KEY], `${shown}: sample ${s.id}: metadata "${QUESTION_DOMAIN_KEY}"`),
      fileDomain,
    );
    const model = spec.model ?? (fields.model !== undefined && fields.model !== null ? String(fields.model) : (log.model ?? source));
    // A sample's own keys (what its meta shows under those names): its metadata, then `epoch`. `step:`
    // may name one; by default only a file-name field is a step (Inspect's epoch repeats a sample).
    // A metadata key wins: `step: epoch` reads metadata.epoch (a training epoch) where a sample has one.
    const step = rowStep(
      steps,
      spec,
      fields,
      meta,
      (k) => (k in s.metadata ? s.metadata[k] : k === "epoch" ? s.epoch : undefined),
      () => `${shown}: sample ${s.id}${steps?.kind === "row" ? `: step "${steps.name}"` : ""}`,
    );
    const response_id = importedResponseId(ctx.experiment, rel, row, qid);

    for (const [scorer, sc] of Object.entries(s.scores)) {
      const entries: [string, string[], unknown][] =
        sc.value !== null && typeof sc.value === "object" && !Array.isArray(sc.value)
          ? Object.entries(sc.value as Record<string, unknown>).map(([k, x]) => [`${scorer}.${k}`, [`${scorer}.${k}`, k], x])
          : [[scorer, [scorer], sc.value]];
      for (const [name, lookups, value] of entries) {
        const mapped = spec.metrics ? (lookups.map((l) => metricTarget(spec, l)).find((t) => t !== null) ?? null) : null;
        const fallback = lookups.find((l) => (KNOWN_METRICS as readonly string[]).includes(l)) ?? name;
        const target: MetricTarget | null = mapped ?? (spec.metrics ? null : {metric: fallback, scale: undefined});
        const num = inspectNumber(value, target?.scale);
        if (value !== null && typeof value !== "number") meta[`${name}.value`] = cellMeta(value);
        if (!target || (!num.numeric && !mapped)) {
          if (typeof value === "number") meta[`${name}.value`] = value;
          continue;
        }
        if (num.score !== null && (num.score < 0 || num.score > 100)) {
          const reason = `sample ${s.id} (epoch ${s.epoch}): score ${name} = ${String(value)} is outside 0..100 after scale`;
          if (spec.invalid_scores === "error") throw new Error(`${where}: ${reason} (invalid_scores: error)`);
          out.skipped.push({file: where, reason});
          fileSkipped++;
          return;
        }
        if (num.score === null) nullScores++;
        sampleScores.push({
          response_id,
          judge: target.judge ?? spec.judge,
          metric: target.metric,
          score: num.score,
          mass: null,
          special: null,
          status: num.score === null ? "null" : "imported",
          probs: null,
        });
      }
      if (sc.answer !== undefined && sc.answer !== null) meta[`${scorer}.answer`] = cellMeta(sc.answer);
      if (sc.explanation !== undefined && sc.explanation !== null) meta[`${scorer}.explanation`] = cellMeta(sc.explanation);
    }
    out.responses.push({
      response_id,
      experiment: ctx.experiment,
      model,
      step,
      question_id: qid,
      category: null,
      question: s.question,
      system: s.system,
      paraphrase: 0,
      sample: nextSample(ctx, model, step, qid),
      response: s.response,
      origin: "imported",
      source,
      meta,
    });
    for (const x of sampleScores) out.scores.push(x);
    fileRows++;
  });
  return {rows: log.samples.length, responses: fileRows, skipped: fileSkipped, null_scores: nullScores};
}
