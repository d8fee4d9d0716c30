// Generation: sample answers from an OpenAI-compatible endpoint, n per request where possible.
//
// Cache granularity is one sample: key = (endpoint id, model, messages, sampling parameters,
// sample index). A request for samples a..b of one prompt uses n = b - a + 1 and seed = seed + a,
// so raising `samples` later only asks for the new indices, and split requests with a fixed seed
// do not return copies of each other.
import type OpenAI from "openai";
import {cacheKey} from "./cache.ts";

export interface ChatMessage {
  role: "system" | "user";
  content: string;
}

export interface SamplingParams {
  temperature: number;
  max_tokens: number;
  top_p?: number;
  seed: number;
}

/** One cached sample. Token counts are the request's usage shared evenly over its samples. */
export interface GenValue {
  text: string;
  finish: string | null;
  pt: number;
  ct: number;
}

/** Cache key of sample `index` for a prompt. Never includes the api key or a sim port. */
export function genKey(endpointId: string, model: string, messages: readonly ChatMessage[], params: SamplingParams, index: number): string {
  return cacheKey({
    kind: "gen",
    endpoint: endpointId,
    model,
    messages,
    params: {temperature: params.temperature, max_tokens: params.max_tokens, top_p: params.top_p, seed: params.seed},
    sample: index,
  });
}

/** Messages for a question paraphrase: optional system prompt, then the user turn. */
export function buildMessages(paraphrase: string, system: string | null): ChatMessage[] {
  return system
    ? [
        {role: "system", content: system},
        {role: "user", content: paraphrase},
      ]
    : [{role: "user", content: paraphrase}];
}

/**
 * Contiguous runs of the given sorted indices, each within one block of `maxN` samples (indices
 * 0..maxN-1, maxN..2maxN-1, ...): [[start, count]...]. A sample's request (its seed `seed + start`
 * and `n`) is then its block's whenever the whole block is missing, as in a run from an empty cache:
 * a rerun after a run stopped mid-way (a full disk) asks the samples never asked with the same bodies,
 * so gets the same answers and their judge calls hit the same cache entries. Only a block that is
 * partly cached (some results of one request lost) is asked another way (another draw). Runs not cut
 * at blocks shifted every later request of the question by one sample after a single lost result.
 */
export function requestRuns(indices: readonly number[], maxN: number): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i && last[1] < maxN && Math.floor(last[0] / maxN) === Math.floor(i / maxN)) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}

/**
 * Request `count` samples starting at sample index `start`. Servers that return fewer choices than
 * asked (some ignore `n`) are asked again for the rest, with the seed moved on accordingly.
 * Returns exactly `count` samples in index order, or throws the SDK's error after its retries.
 */
export async function generateSamples(
  client: OpenAI,
  model: string,
  messages: readonly ChatMessage[],
  params: SamplingParams,
  start: number,
  count: number,
): Promise<GenValue[]> {
  const out: GenValue[] = [];
  let guard = 0;
  while (out.length < count) {
    const want = count - out.length;
    const res = await client.chat.completions.create({
      model,
      messages: messages as ChatMessage[],
      temperature: params.temperature,
      max_tokens: params.max_tokens,
      ...(params.top_p !== undefined ? {top_p: params.top_p} : {}),
      seed: params.seed + start + out.length,
      n: want,
    });
    const choices = [...(res.choices ?? [])].sort((a, b) => a.index - b.index).slice(0, want);
    if (!choices.length) {
      if (++guard > 3) throw new Error(`model ${model} returned no choices`);
      continue;
    }
    const pt = (res.usage?.prompt_tokens ?? 0) / choices.length;
    const ct = (res.usage?.completion_tokens ?? 0) / choices.length;
    for (const c of choices) out.push({text: c.message?.content ?? "", finish: c.finish_reason ?? null, pt, ct});
  }
  return out;
}
