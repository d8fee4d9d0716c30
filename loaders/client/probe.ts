// Preflight: an endpoint must answer before anything is spent on it.
import type {Endpoint} from "./endpoints.ts";

/**
 * Check that an endpoint answers GET /models (no spend) within `timeoutMs`. Throws
 * "endpoint <url> unreachable: ..." or "... rejected the api key ..." otherwise.
 */
export async function probeEndpoint(ep: Endpoint, timeoutMs = 10_000): Promise<void> {
  try {
    await ep.client.models.list({timeout: timeoutMs, maxRetries: 1});
  } catch (error) {
    const status = (error as {status?: number}).status;
    if (status === 401 || status === 403) throw new Error(`endpoint ${ep.label} rejected the api key (HTTP ${status})`);
    // Some OpenAI-compatible servers do not implement /models; they answered, so they are reachable.
    if (status === 404 || status === 405) return;
    // The SDK wraps fetch's TypeError("fetch failed"), which wraps the socket error with the code.
    let detail = (error as Error).message;
    for (let c = (error as {cause?: unknown}).cause, depth = 0; c && depth < 5; c = (c as {cause?: unknown}).cause, depth++) {
      const {code, message} = c as {code?: string; message?: string};
      if (code) {
        detail = code + (message && !message.includes(code) ? ` (${message})` : message ? ` (${message})` : "");
        break;
      }
      if (message) detail = message;
    }
    throw new Error(`endpoint ${ep.label} unreachable: ${ep.redact(detail)}`);
  }
}
