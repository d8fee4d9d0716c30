// Preflight: an endpoint must answer before anything is spent on it, with an OpenAI model list,
// and serve every model the run will ask it for.
import type OpenAI from "openai";
import type {Endpoint} from "./endpoints.ts";
import {didYouMean} from "../yaml.ts";

/** Most listed ids quoted in a message. */
const MAX_LISTED = 8;

function statusOf(error: unknown): number | undefined {
  return (error as {status?: number}).status;
}

/** The socket-level reason inside the SDK's wrapped fetch error, when there is one. */
function detailOf(error: unknown): string {
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
  return detail;
}

/** Text a non-JSON answer starts with, for the message (an HTML login page, a proxy error). */
function preview(x: unknown): string {
  const t = typeof x === "string" ? x : (JSON.stringify(x) ?? String(x));
  return t.replace(/\s+/g, " ").slice(0, 60);
}

/**
 * Check that an endpoint answers GET /models (no spend) within `timeoutMs` with an OpenAI model
 * list, and, where it lists models, that each of `models` is listed (or answers GET /models/{id}:
 * some servers list a subset). Throws "endpoint <url> unreachable: ...", "... rejected the api
 * key ...", "... is not an OpenAI-compatible API ..." or "... does not serve model ..." otherwise.
 */
export async function probeEndpoint(ep: Endpoint, timeoutMs = 10_000, models: readonly string[] = []): Promise<void> {
  // Every replica must answer and serve the models: a request may go to any of them.
  const servers = ep.servers.length ? ep.servers : [{url: ep.url, client: ep.client}];
  for (const s of servers) await probeServer({label: servers.length > 1 ? s.url : ep.label, client: s.client, redact: ep.redact}, timeoutMs, models);
}

async function probeServer(ep: Pick<Endpoint, "label" | "redact"> & {client: OpenAI}, timeoutMs: number, models: readonly string[]): Promise<void> {
  let listed: string[] | null = null;
  try {
    const page = (await ep.client.models.list({timeout: timeoutMs, maxRetries: 1})) as unknown as {body?: unknown};
    // A proxy or a wrong base_url often answers 200 with HTML; the SDK then keeps the text as the
    // body and reports an empty list, so the raw body is what is checked.
    const body = page?.body;
    const data = body && typeof body === "object" ? (body as {data?: unknown}).data : undefined;
    if (!Array.isArray(data) || !data.every((m) => m && typeof m === "object" && typeof (m as {id?: unknown}).id === "string")) {
      throw Object.assign(
        new Error(
          `endpoint ${ep.label} is not an OpenAI-compatible API: GET /models answered ${preview(body)}... instead of {"data": [{"id": ...}]} (check base_url; it usually ends in /v1)`,
        ),
        {shape: true},
      );
    }
    listed = data.map((m) => (m as {id: string}).id);
  } catch (error) {
    if ((error as {shape?: boolean}).shape) throw error;
    const status = statusOf(error);
    if (status === 401 || status === 403) throw new Error(`endpoint ${ep.label} rejected the api key (HTTP ${status})`);
    // Some OpenAI-compatible servers do not implement /models; they answered, so they are reachable.
    if (status === 404 || status === 405) return;
    if (error instanceof SyntaxError)
      throw new Error(`endpoint ${ep.label} is not an OpenAI-compatible API: GET /models did not answer JSON (${error.message}); check base_url`);
    throw new Error(`endpoint ${ep.label} unreachable: ${ep.redact(detailOf(error))}`);
  }
  if (!listed.length) return;
  const known = new Set(listed);
  const missing: string[] = [];
  for (const m of new Set(models)) {
    if (known.has(m)) continue;
    try {
      await ep.client.models.retrieve(m, {timeout: timeoutMs, maxRetries: 1});
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 400) missing.push(m);
      else if (status === 405)
        continue; // no per-model route: the list is all we know, and it may be partial
      else throw new Error(`endpoint ${ep.label}: checking model '${m}' failed: ${ep.redact(detailOf(error))}`);
    }
  }
  if (missing.length) {
    const shown = listed.slice(0, MAX_LISTED).join(", ") + (listed.length > MAX_LISTED ? `, ... (${listed.length} in all)` : "");
    const lines = missing.map((m) => {
      const close = didYouMean(m, listed);
      return `endpoint ${ep.label} does not serve model '${m}'${close ? `; did you mean '${close}'?` : ""}`;
    });
    throw new Error(`${lines.join("\n")}\n(GET /models lists: ${shown}; nothing was sent)`);
  }
}
