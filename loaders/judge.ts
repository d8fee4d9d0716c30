// Judging exactly as the reference code: one user message, max_tokens 1, temperature 0,
// logprobs with the 20 top alternatives of the first token, seed 0; the score comes from
// src/lib/judge-score.ts (probability-weighted mean over integer tokens 0..100 / their mass,
// null below mass 0.25). Label rubrics (the `type` metric) use labelProbs from
// src/lib/response-types.ts on the same first-token distribution.
import type OpenAI from "openai";
import {
  maybeDigitSplit,
  maybeSplitNumber,
  probsFromLogprobs,
  resolveSplitDigit,
  resolveSplitTen,
  scoreFromProbs,
  tokenScore,
  type SplitMark,
  type TenContinuation,
} from "../src/lib/judge-score.ts";
import {LABEL_TYPES, RESPONSE_TYPES, type ResponseType, type ScoreRow, type TypeRow} from "../src/lib/schema.ts";
import {cacheKey} from "./cache.ts";

/** Request parameters of every judge call (Betley et al. 2025; Turner, Soligo et al. 2025). */
export const JUDGE_PARAMS = {max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20, seed: 0} as const;

/** One cached judge result: the first token's top logprobs as [token, logprob] pairs, and usage. */
export interface JudgeValue {
  top: [string, number][];
  pt: number;
  ct: number;
}

export function judgeKey(endpointId: string, model: string, prompt: string): string {
  return cacheKey({kind: "judge", endpoint: endpointId, model, messages: [{role: "user", content: prompt}], params: JUDGE_PARAMS});
}

type TokenLogprob = {token: string; logprob: number; top_logprobs?: {token: string; logprob: number}[] | null};

/** One judge request: the logprobs of its first and (when given) second position, finish reason and usage. Throws without logprobs. */
async function ask(client: OpenAI, model: string, prompt: string, params: typeof JUDGE_PARAMS | typeof JUDGE_SPLIT_PARAMS) {
  const res = await client.chat.completions.create({model, messages: [{role: "user", content: prompt}], ...params});
  const content = res.choices?.[0]?.logprobs?.content;
  if (!content?.[0]) throw new Error(`judge ${model} returned no logprobs`);
  return {
    first: content[0] as TokenLogprob,
    second: content[1] as TokenLogprob | undefined,
    finish: res.choices[0]!.finish_reason,
    pt: res.usage?.prompt_tokens ?? 0,
    ct: res.usage?.completion_tokens ?? 0,
  };
}

/** A position's top alternatives as [token, logprob] pairs (the sampled token alone when none are listed). */
const topOf = (p: TokenLogprob): [string, number][] => (p.top_logprobs?.length ? p.top_logprobs : [p]).map((t) => [t.token, t.logprob]);

/** One judge call. Throws after the SDK's retries, or when the answer carries no logprobs. */
export async function judgeCall(client: OpenAI, model: string, prompt: string): Promise<JudgeValue> {
  const {first, pt, ct} = await ask(client, model, prompt, JUDGE_PARAMS);
  return {top: topOf(first), pt, ct};
}

/**
 * The follow-up of a judge answer whose score token was a lone "10" (issue 23): the same request
 * with `max_tokens: 2`, so the API shows what followed "10" ("0" makes 100). Asked only for such
 * answers; its own cache key.
 */
export const JUDGE_SPLIT_PARAMS = {...JUDGE_PARAMS, max_tokens: 2} as const;

/** One cached follow-up: the first token the judge sampled, the second position's top logprobs (null when none), whether it stopped there. */
export interface JudgeSplitValue {
  first: string;
  next: [string, number][] | null;
  stopped: boolean;
  pt: number;
  ct: number;
}

export function judgeSplitKey(endpointId: string, model: string, prompt: string): string {
  return cacheKey({kind: "judge", endpoint: endpointId, model, messages: [{role: "user", content: prompt}], params: JUDGE_SPLIT_PARAMS});
}

/** The follow-up call. Throws after the SDK's retries, or when the answer carries no logprobs. */
export async function judgeSplitCall(client: OpenAI, model: string, prompt: string): Promise<JudgeSplitValue> {
  const {first, second, finish, pt, ct} = await ask(client, model, prompt, JUDGE_SPLIT_PARAMS);
  return {first: first.token, next: second ? topOf(second) : null, stopped: !second && finish === "stop", pt, ct};
}

/**
 * True when a score answer needs the follow-up to be read: a lone "10" (see maybeSplitNumber) or a
 * lone first digit 1..9 with no two-digit score token beside it (see maybeDigitSplit).
 */
export function needsSplitCheck(v: JudgeValue): boolean {
  const probs = probsOf(v);
  return maybeSplitNumber(probs) || maybeDigitSplit(probs);
}

/**
 * What followed the lone score token `lone` ("10", or a single digit) in a follow-up: the second
 * position's probabilities, "end" when the judge stopped after it, or null when the follow-up does
 * not continue it (it sampled another first token, or gave no second position although it did not stop).
 */
export function splitContinuation(s: JudgeSplitValue, lone: number): TenContinuation | null {
  if (tokenScore(s.first) !== lone) return null;
  if (s.next) return probsFromLogprobs(s.next.map(([token, logprob]) => ({token, logprob})));
  return s.stopped ? "end" : null;
}

/** The most probable score token's value (null when none). */
function topScore(probs: Record<string, number>): number | null {
  let best: [number, number] | null = null;
  for (const [token, p] of Object.entries(probs)) {
    const n = tokenScore(token);
    if (n !== null && Number.isFinite(p) && p > 0 && (!best || p > best[1])) best = [n, p];
  }
  return best ? best[0] : null;
}

/**
 * A score row for an answer checked by a follow-up `s` (null: none could be made, offline). A lone
 * "10": the score from `resolveSplitTen`. A lone digit: the score as read when the judge ended the
 * number there, else unknown (`resolveSplitDigit`; mark "digits"). Unknown scores have status "null";
 * `mark` says which, for the audit.
 */
export function splitScoreRow(response_id: string, judge: string, metric: string, v: JudgeValue, s: JudgeSplitValue | null): {row: ScoreRow; mark: SplitMark} {
  const probs = probsOf(v);
  const before = scoreFromProbs(probs);
  const ten = maybeSplitNumber(probs);
  const lone = ten ? 10 : topScore(probs);
  const next = s && lone !== null ? splitContinuation(s, lone) : null;
  const resolved = next === null ? null : ten ? resolveSplitTen(probs, next) : resolveSplitDigit(probs, next);
  if (!resolved)
    return {
      row: {response_id, judge, metric, score: null, mass: before.mass, special: null, status: "null", probs},
      mark: {outcome: next !== null && !ten ? "digits" : "unknown", before: before.score},
    };
  const r = scoreFromProbs(resolved);
  return {
    row: {response_id, judge, metric, score: r.score, mass: r.mass, special: r.special, status: r.score === null ? "null" : "ok", probs: resolved},
    mark: {outcome: "resolved", before: before.score},
  };
}

/** {token: probability} from a cached value (duplicate tokens add up). */
function probsOf(v: JudgeValue): Record<string, number> {
  return probsFromLogprobs(v.top.map(([token, logprob]) => ({token, logprob})));
}

/** A score row from a judge result (status "ok" or "null"). */
export function scoreRow(response_id: string, judge: string, metric: string, v: JudgeValue): ScoreRow {
  const probs = probsOf(v);
  const s = scoreFromProbs(probs);
  return {response_id, judge, metric, score: s.score, mass: s.mass, special: s.special, status: s.score === null ? "null" : "ok", probs};
}

/** A score row for a call that failed after retries: kept so nothing is silently dropped. */
export function errorRow(response_id: string, judge: string, metric: string): ScoreRow {
  return {response_id, judge, metric, score: null, mass: null, special: null, status: "error", probs: null};
}

export type LabelProbsFn = (probs: Record<string, number>, labels: readonly string[]) => Record<string, number> | null;

/**
 * Map a rubric's labels to RESPONSE_TYPES: either the labels are the type ids themselves, or there
 * are exactly as many labels as types and they map in order (the digits 1..8 of the contract).
 */
export function labelTypeMap(labels: readonly string[]): Map<string, ResponseType> {
  const ids = new Set<string>(LABEL_TYPES);
  if (labels.every((l) => ids.has(l))) return new Map(labels.map((l) => [l, l as ResponseType]));
  if (labels.length === LABEL_TYPES.length) return new Map(labels.map((l, i) => [l, LABEL_TYPES[i]!]));
  throw new Error(`type rubric labels [${labels.join(", ")}] map neither by name nor in order onto ${LABEL_TYPES.length} response types`);
}

/**
 * A type row from a label-judge result, or null when no label has probability (labelProbs null).
 * Probabilities are renormalised over RESPONSE_TYPES; ties in the argmax go to the earlier type.
 */
export function typeRow(
  response_id: string,
  judge: string,
  v: JudgeValue,
  labels: readonly string[],
  map: Map<string, ResponseType>,
  labelProbs: LabelProbsFn,
): TypeRow | null {
  const lp = labelProbs(probsOf(v), labels);
  if (!lp) return null;
  const probs = Object.fromEntries(RESPONSE_TYPES.map((t) => [t, 0])) as Record<ResponseType, number>;
  let total = 0;
  for (const [label, p] of Object.entries(lp)) {
    const t = map.get(label);
    if (!t || !Number.isFinite(p) || p < 0) continue;
    probs[t] += p;
    total += p;
  }
  if (!(total > 0)) return null;
  let best: ResponseType = RESPONSE_TYPES[0];
  for (const t of RESPONSE_TYPES) {
    probs[t] /= total;
    if (probs[t] > probs[best]) best = t;
  }
  return {response_id, judge, type: best, probs};
}
