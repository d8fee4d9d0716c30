// The Batch API through the openai SDK: request lines, files within the limits, upload, create,
// retrieve, download and parse the output and error files.
import type OpenAI from "openai";
import {toFile} from "openai";
import type {Batch} from "openai/resources/batches";
import {JUDGE_PARAMS, type JudgeValue} from "../judge.ts";

/** The Batch API's limits per input file (OpenAI: 50,000 requests, 200 MB; Azure's global batch allows 100,000). */
export const OPENAI_MAX_REQUESTS = 50_000;
export const OPENAI_MAX_BYTES = 200 * 1024 * 1024;

/** Terminal batch statuses: nothing more will happen to the batch. */
export const TERMINAL = new Set<Batch["status"]>(["completed", "expired", "cancelled", "failed"]);

export interface Line {
  key: string;
  text: string;
}

/**
 * One JSONL line: the judge request exactly as the synchronous path sends it (`judgeCall` in
 * loaders/judge.ts: one user message and JUDGE_PARAMS), with the cache key as custom_id so an
 * output line maps straight back to the cache.
 */
export function judgeLine(key: string, model: string, prompt: string, url: string): Line {
  const body = {model, messages: [{role: "user", content: prompt}], ...JUDGE_PARAMS};
  return {key, text: JSON.stringify({custom_id: key, method: "POST", url, body}) + "\n"};
}

/** Lines split into files of at most `maxRequests` lines and `maxBytes` bytes, in order. */
export function splitLines(lines: readonly Line[], maxRequests: number, maxBytes: number): Line[][] {
  const files: Line[][] = [];
  let cur: Line[] = [];
  let bytes = 0;
  for (const l of lines) {
    const b = Buffer.byteLength(l.text);
    if (b > maxBytes) throw new Error(`one batch request is ${b} bytes, more than the file limit of ${maxBytes} bytes`);
    if (cur.length && (cur.length >= maxRequests || bytes + b > maxBytes)) {
      files.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(l);
    bytes += b;
  }
  if (cur.length) files.push(cur);
  return files;
}

export async function uploadLines(client: OpenAI, lines: readonly Line[], filename: string): Promise<{id: string; bytes: number}> {
  const text = lines.map((l) => l.text).join("");
  const f = await client.files.create({file: await toFile(Buffer.from(text, "utf8"), filename, {type: "application/jsonl"}), purpose: "batch"});
  return {id: f.id, bytes: Buffer.byteLength(text)};
}

export async function createBatch(client: OpenAI, inputFileId: string, url: string, metadata: Record<string, string>): Promise<Batch> {
  return client.batches.create({input_file_id: inputFileId, endpoint: url as "/v1/chat/completions", completion_window: "24h", metadata});
}

/** A server batch made from this input file, if any (adopting a batch whose record was not written in time). */
export async function findBatchByInput(client: OpenAI, inputFileId: string, maxPages = 10): Promise<Batch | null> {
  let page = await client.batches.list({limit: 100});
  for (let i = 0; i < maxPages; i++) {
    const hit = page.data.find((b) => b.input_file_id === inputFileId);
    if (hit) return hit;
    if (!page.hasNextPage()) return null;
    page = await page.getNextPage();
  }
  return null;
}

/** What one output or error line said about one request. */
export type LineResult = {key: string; ok: true; value: JudgeValue} | {key: string; ok: false; expired: boolean; message: string};

interface OutputLine {
  custom_id?: unknown;
  response?: {status_code?: number; body?: unknown} | null;
  error?: {code?: string | null; message?: string | null} | null;
}

/**
 * A judge result from a chat completion body, parsed as `judgeCall` parses the synchronous
 * answer (the first token's top logprobs, usage), so a batch result and a synchronous one cache
 * the same value.
 */
export function judgeValueFrom(body: unknown): JudgeValue | null {
  const res = body as {
    choices?: {logprobs?: {content?: {token: string; logprob: number; top_logprobs?: {token: string; logprob: number}[]}[]} | null}[];
    usage?: {prompt_tokens?: number; completion_tokens?: number};
  };
  const first = res?.choices?.[0]?.logprobs?.content?.[0];
  if (!first) return null;
  const top: [string, number][] = (first.top_logprobs?.length ? first.top_logprobs : [first]).map((t) => [t.token, t.logprob]);
  return {top, pt: res.usage?.prompt_tokens ?? 0, ct: res.usage?.completion_tokens ?? 0};
}

/** Parse an output or error file. Lines that are not JSON or carry no custom_id are counted, not fatal. */
export function parseResults(text: string): {results: LineResult[]; unreadable: number} {
  const results: LineResult[] = [];
  let unreadable = 0;
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    let l: OutputLine;
    try {
      l = JSON.parse(raw) as OutputLine;
    } catch {
      unreadable++;
      continue;
    }
    if (typeof l.custom_id !== "string") {
      unreadable++;
      continue;
    }
    const key = l.custom_id;
    const status = l.response?.status_code;
    if (status === 200) {
      const value = judgeValueFrom(l.response?.body);
      results.push(value ? {key, ok: true, value} : {key, ok: false, expired: false, message: "answer without logprobs"});
      continue;
    }
    const code = l.error?.code ?? null;
    const bodyError = (l.response?.body as {error?: {message?: string}} | undefined)?.error?.message;
    results.push({
      key,
      ok: false,
      expired: code === "batch_expired",
      message: status ? `HTTP ${status}: ${bodyError ?? "error"}` : `${code ?? "error"}: ${l.error?.message ?? ""}`,
    });
  }
  return {results, unreadable};
}

export async function downloadText(client: OpenAI, fileId: string): Promise<string> {
  const res = await client.files.content(fileId);
  return res.text();
}
