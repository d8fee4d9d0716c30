// Retries of unusable answers, and failed calls as one safe line for the run's error list.
import OpenAI from "openai";

/**
 * The SDK retries HTTP statuses, timeouts and connection errors itself. A 200 answer that is
 * unusable (truncated JSON, no logprobs, no choices) surfaces as a plain error after the SDK is done;
 * those are retried here, up to `retries` more attempts with a short backoff (0.25 s doubling).
 */
export async function retryContent<T>(fn: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof OpenAI.APIError || attempt >= retries) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/** One line about a failed call; `redact` runs before the cut so no part of a key survives it. */
export function errorMessage(error: unknown, redact: (text: string) => string): string {
  const e = error as {status?: number; message?: string};
  const msg = redact(e.message ?? String(error))
    .split("\n")[0]!
    .slice(0, 300);
  if (e.status) return `HTTP ${e.status}: ${msg}`;
  for (let c = (error as {cause?: unknown}).cause, depth = 0; c && depth < 5; c = (c as {cause?: unknown}).cause, depth++) {
    const code = (c as {code?: string}).code;
    if (code) return `${msg} (${code})`;
  }
  return msg;
}
