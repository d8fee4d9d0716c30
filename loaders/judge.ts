// Judging exactly as the reference code: one user message, max_tokens 1, temperature 0,
// logprobs with the 20 top alternatives of the first token, seed 0; the score comes from
// src/lib/judge-score.ts (probability-weighted mean over integer tokens 0..100 / their mass,
// null below mass 0.25). Label rubrics (the `type` metric) use labelProbs from
// src/lib/response-types.ts on the same first-token distribution.
import type OpenAI from "openai";
import {probsFromLogprobs, scoreFromProbs} from "../src/lib/judge-score.ts";
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

/** One judge call. Throws after the SDK's retries, or when the answer carries no logprobs. */
export async function judgeCall(client: OpenAI, model: string, prompt: string): Promise<JudgeValue> {
  const res = await client.chat.completions.create({model, messages: [{role: "user", content: prompt}], ...JUDGE_PARAMS});
  const first = res.choices?.[0]?.logprobs?.content?.[0];
  if (!first) throw new Error(`judge ${model} returned no logprobs`);
  const top: [string, number][] = (first.top_logprobs?.length ? first.top_logprobs : [first]).map((t) => [t.token, t.logprob]);
  return {top, pt: res.usage?.prompt_tokens ?? 0, ct: res.usage?.completion_tokens ?? 0};
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
