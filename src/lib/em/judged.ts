// `Judged` rows: one response as seen by one judge. Built by joining the responses, scores and
// types tables (joinJudged); read through accessors so grouping by any column, including model
// metadata, works the same everywhere.

import type {Judged, MetaValue, ResponseRow, ResponseType, ScoreRow, ScoreStatus, SpecialWord, TypeRow} from "../schema.js";

/** Reserved judge id of the no-judge type classifier's rows in the types table. */
export const SIGNALS_JUDGE = "signals";

/** Status of a joined score: the table's status, or "missing" when the judge has no row for it. */
export type JoinedStatus = ScoreStatus | "missing";

/** Columns the joiner adds beyond the `Judged` contract. */
export interface JudgedExtra {
  /** Fine-tuned variant (ResponseRow.variant, else the model id). */
  variant: string;
  /** Replicate id (training seed) or null. */
  replicate: string | null;
  /** Variant id of the baseline, or null. */
  baseline: string | null;
  source: string;
  origin: string;
  paraphrase: number;
  sample: number;
  aligned_status: JoinedStatus;
  coherent_status: JoinedStatus;
  /** Which classifier the type came from (the judge itself or "signals"); null when untyped. */
  type_judge: string | null;
  /** p(emergent) from a type judge's probabilities; null for signals types and untyped rows. */
  p_emergent: number | null;
  /**
   * Whether the source records CODE / REFUSAL for the aligned score: true for scores judged here
   * (the logprobs show them) and imported scores that carry probabilities or a special word;
   * false for imported plain numbers, where an empty cell may be CODE, REFUSAL or low mass.
   */
  special_known: boolean;
  /**
   * The question is declared (question file `domain:`) in the training domain the answer is typed
   * against: it leaves strict EM's denominator. From the signals type row; false when unknown.
   */
  question_in_domain: boolean;
  /**
   * A baseline's answer typed against the training domain of the variants compared with it (the
   * signals row's `compared_em_type` / `compared_in_domain`): read only by the variant-minus-baseline
   * strict EM difference (baselineDiffs). Undefined on other rows, and when the compared domain is
   * the baseline's own (then `type` / `question_in_domain` serve both).
   */
  compared_type?: ResponseType | null;
  compared_in_domain?: boolean;
  meta: Record<string, MetaValue>;
}

/** Aligned score, null when missing. */
export const alignedOf = (r: Judged): number | null => (typeof r.aligned === "number" && Number.isFinite(r.aligned) ? r.aligned : null);
/** Coherent score, null when missing. */
export const coherentOf = (r: Judged): number | null => (typeof r.coherent === "number" && Number.isFinite(r.coherent) ? r.coherent : null);
/** Response type, null when unclassified. */
export const typeOf = (r: Judged): ResponseType | null => r.type ?? null;
/** CODE / REFUSAL marker of the aligned score. */
export const specialOf = (r: Judged): SpecialWord | null => r.special ?? null;
/** p(emergent) of a judge-typed row, else null. */
export const pEmergentOf = (r: Judged): number | null => (typeof r.p_emergent === "number" && Number.isFinite(r.p_emergent) ? r.p_emergent : null);
/** Whether the row's question is declared in its training domain (default false: undeclared stays in strict EM). */
export const inDomainOf = (r: Judged): boolean => r.question_in_domain === true;
/** Whether CODE / REFUSAL is recorded for the row (default true for rows built by hand). */
export const specialKnownOf = (r: Judged): boolean => r.special_known !== false;
/**
 * Whether CODE / REFUSAL is known for an answer's aligned score: scored here (the logprobs show
 * it), or imported with probabilities or the word itself; not for a plain imported number or no
 * score at all. The one rule behind `special_known` in the join and in the site's points table.
 */
export function specialRecorded(origin: string, aligned: Pick<ScoreRow, "probs" | "special"> | null | undefined): boolean {
  return aligned ? origin !== "imported" || aligned.probs !== null || aligned.special !== null : false;
}

/**
 * Whether the row's judge scored the answer at all: it has an aligned or a coherent score row (a
 * value, a null reply such as CODE / REFUSAL, or an error). A row with neither is not judged by that
 * judge and belongs in none of its denominators, whatever the rule's `nulls` (the site's points
 * table has no row for it). Rows built by hand without statuses count as judged.
 */
export const judgedBy = (r: Judged): boolean => r.aligned_status !== "missing" || r.coherent_status !== "missing";

/** True when any of the row's core scores failed with status "error". */
export const hasError = (r: Judged): boolean => r.aligned_status === "error" || r.coherent_status === "error";

/**
 * Value of a grouping column: a top-level field (model, step, question_id, category, judge, type,
 * source, origin...), else a key of `meta` (`family` or `meta.family`). Missing is null.
 */
export function getColumn(r: Judged, column: string): unknown {
  if (column.startsWith("meta.")) {
    const meta = r.meta as Record<string, unknown> | undefined;
    return meta?.[column.slice(5)] ?? null;
  }
  if (column in r && column !== "meta") return r[column] ?? null;
  const meta = r.meta as Record<string, unknown> | undefined;
  if (meta && column in meta) return meta[column] ?? null;
  return null;
}

/** Judge ids in order of first appearance in the scores table. */
export function judgesIn(scores: readonly ScoreRow[]): string[] {
  const seen = new Set<string>();
  for (const s of scores) seen.add(s.judge);
  return [...seen];
}

export interface JoinOptions {
  /** Judge id(s) to join; default the first judge present in `scores`. */
  judge?: string | string[];
  /**
   * Where the response type comes from when the judge itself did not classify the response:
   * another judge id, or "signals" (the default fallback, the deterministic classifier).
   */
  typeJudge?: string;
}

export interface JoinReport {
  rows: (Judged & JudgedExtra)[];
  judges: string[];
  /** Score rows whose response_id is not in the responses table (ignored, counted). */
  orphan_scores: number;
  /** Repeated (response, judge, metric) score rows; the first one is used. */
  duplicate_scores: number;
  /** Joined rows without an aligned / coherent score row for their judge. */
  missing_aligned: number;
  missing_coherent: number;
}

/**
 * Join responses with one or more judges' aligned/coherent scores and response types.
 * Every response yields one row per judge, even without scores (status "missing"), so nothing is
 * silently dropped; the report counts orphans, duplicates and missing scores. Empty input gives
 * no rows. Meta keys stay in `meta` and are reachable through getColumn.
 */
export function joinJudgedReport(
  responses: readonly ResponseRow[],
  scores: readonly ScoreRow[],
  types: readonly TypeRow[] = [],
  options: JoinOptions = {},
): JoinReport {
  const judges = options.judge === undefined ? judgesIn(scores).slice(0, 1) : Array.isArray(options.judge) ? options.judge : [options.judge];
  const ids = new Set<string>();
  for (const r of responses) ids.add(r.response_id);
  const wanted = new Set(judges);
  const byKey = new Map<string, ScoreRow>();
  let orphan = 0;
  let duplicate = 0;
  for (const s of scores) {
    if (s.metric !== "aligned" && s.metric !== "coherent") continue;
    if (!ids.has(s.response_id)) {
      orphan++;
      continue;
    }
    if (!wanted.has(s.judge)) continue;
    const key = `${s.response_id}\u0000${s.judge}\u0000${s.metric}`;
    if (byKey.has(key)) duplicate++;
    else byKey.set(key, s);
  }
  const typeBy = new Map<string, TypeRow>();
  // Whether the question is in the training domain: a property of (response, domain), carried by the signals row.
  const inDomain = new Set<string>();
  // A baseline's signals typing against its compared variants' domain (strict difference only).
  const comparedBy = new Map<string, TypeRow>();
  for (const t of types) {
    const key = `${t.response_id}\u0000${t.judge}`;
    if (!typeBy.has(key)) typeBy.set(key, t);
    if (t.question_in_domain === true) inDomain.add(t.response_id);
    if (t.compared_em_type !== undefined && !comparedBy.has(t.response_id)) comparedBy.set(t.response_id, t);
  }
  const fallback = options.typeJudge ?? SIGNALS_JUDGE;
  const rows: (Judged & JudgedExtra)[] = [];
  let missingA = 0;
  let missingC = 0;
  for (const judge of judges) {
    for (const r of responses) {
      const a = byKey.get(`${r.response_id}\u0000${judge}\u0000aligned`);
      const c = byKey.get(`${r.response_id}\u0000${judge}\u0000coherent`);
      if (!a) missingA++;
      if (!c) missingC++;
      const t = typeBy.get(`${r.response_id}\u0000${judge}`) ?? typeBy.get(`${r.response_id}\u0000${fallback}`);
      const cmp = comparedBy.get(r.response_id);
      rows.push({
        response_id: r.response_id,
        experiment: r.experiment,
        model: r.model,
        step: r.step,
        question_id: r.question_id,
        category: r.category,
        judge,
        variant: r.variant ?? r.model,
        replicate: r.replicate ?? null,
        baseline: r.baseline ?? null,
        aligned: numeric(a?.score),
        coherent: numeric(c?.score),
        special: a?.special ?? null,
        type: t?.type ?? null,
        source: r.source,
        origin: r.origin,
        paraphrase: r.paraphrase,
        sample: r.sample,
        aligned_status: a ? a.status : "missing",
        coherent_status: c ? c.status : "missing",
        type_judge: t ? t.judge : null,
        p_emergent: t && t.judge !== SIGNALS_JUDGE ? (t.probs.emergent ?? 0) : null,
        special_known: specialRecorded(r.origin, a),
        question_in_domain: inDomain.has(r.response_id),
        // The compared typing is the signals classifier's: a row typed by another judge has none.
        ...(cmp && t?.judge === SIGNALS_JUDGE ? {compared_type: cmp.compared_em_type ?? null, compared_in_domain: cmp.compared_in_domain === true} : {}),
        ...(cmp && t && t.judge !== SIGNALS_JUDGE ? {compared_type: null, compared_in_domain: cmp.compared_in_domain === true} : {}),
        meta: r.meta ?? {},
      });
    }
  }
  return {rows, judges, orphan_scores: orphan, duplicate_scores: duplicate, missing_aligned: missingA, missing_coherent: missingC};
}

/** `joinJudgedReport(...).rows`: the `Judged` rows only. */
export function joinJudged(
  responses: readonly ResponseRow[],
  scores: readonly ScoreRow[],
  types: readonly TypeRow[] = [],
  options: JoinOptions = {},
): (Judged & JudgedExtra)[] {
  return joinJudgedReport(responses, scores, types, options).rows;
}

function numeric(v: number | null | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
