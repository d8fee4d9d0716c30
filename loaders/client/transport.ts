// The HTTP transport given to the openai SDK.
//
// Retries: the openai SDK (v6) retries connection errors, timeouts, 408, 409, 429 and 5xx itself,
// waiting `retry-after-ms` / `Retry-After` (seconds or HTTP date) when the server sends one and
// exponential backoff with jitter (0.5 s doubling to 8 s) otherwise; see `retryRequest` in
// node_modules/openai/client.js. We configure `maxRetries` and `timeout` per endpoint; a call that
// still fails surfaces as an error row, never a cached result.
// `nodeFetch` is a minimal fetch over node:http(s) with keep-alive agents. On loopback it does
// about twice the calls per second of Node's built-in fetch (undici), which matters for the ~60k
// judge calls of the simulated demo (docs/pipeline.md has numbers).
import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";

const agents = {
  "http:": new http.Agent({keepAlive: true, maxSockets: 256}),
  "https:": new https.Agent({keepAlive: true, maxSockets: 256}),
};

/**
 * What the network is doing right now, for the progress line: calls in flight (and since when),
 * the last Retry-After a server asked for, and calls the SDK gave up on (timeouts). Process-wide:
 * one `em run` at a time per process.
 */
export interface NetStatus {
  inFlight: number;
  /** ms the oldest call in flight has been waiting (0 when none) */
  oldestMs: number;
  /** A server asked to wait: its status, and ms left of the longest wait asked (0 when over). */
  retryStatus: number | null;
  retryLeftMs: number;
  /** Responses that asked to wait (429/503 with Retry-After) and requests aborted by the client timeout, since start. */
  retryAfters: number;
  timeouts: number;
}

const started = new Map<number, number>();
let nextId = 0;
let retryUntil = 0;
let retryStatus: number | null = null;
let retryAfters = 0;
let timeouts = 0;

/** The network status now (see NetStatus). */
export function netStatus(now = Date.now()): NetStatus {
  let oldest = now;
  for (const t of started.values()) if (t < oldest) oldest = t;
  return {
    inFlight: started.size,
    oldestMs: started.size ? now - oldest : 0,
    retryStatus: retryUntil > now ? retryStatus : null,
    retryLeftMs: Math.max(0, retryUntil - now),
    retryAfters,
    timeouts,
  };
}

/** Milliseconds a response asks the client to wait (retry-after-ms, Retry-After seconds or HTTP date), or null. */
export function retryAfterMs(headers: {get(name: string): string | null}, now = Date.now()): number | null {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.get("retry-after-ms") !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = headers.get("retry-after");
  if (ra === null) return null;
  const s = Number(ra);
  if (ra.trim() !== "" && Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function abortError(): Error {
  const e = new Error("Request was aborted.");
  e.name = "AbortError";
  return e;
}

/**
 * A fetch for the openai SDK over node:http / node:https with keep-alive: string or byte bodies,
 * buffered responses (gzip, deflate and br decoded), AbortSignal honoured (the SDK's timeouts).
 * Anything else (streams, form data, other schemes) goes to the global fetch.
 */
export async function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
  const body = init.body;
  const simpleBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !simpleBody || input instanceof Request) return fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortError();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  headers["accept-encoding"] ??= "gzip, deflate, br";
  const mod = url.protocol === "https:" ? https : http;
  const id = nextId++;
  started.set(id, Date.now());
  try {
    const res = await send(mod, url, init, headers, body, signal);
    const wait = res.status === 429 || res.status >= 500 ? retryAfterMs(res.headers) : null;
    if (wait !== null) {
      retryAfters++;
      retryStatus = res.status;
      retryUntil = Math.max(retryUntil, Date.now() + wait);
    }
    return res;
  } catch (error) {
    if ((error as Error).name === "AbortError") timeouts++;
    throw error;
  } finally {
    started.delete(id);
  }
}

function send(
  mod: typeof http | typeof https,
  url: URL,
  init: RequestInit,
  headers: Record<string, string>,
  body: RequestInit["body"],
  signal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const req = mod.request(url, {method: init.method ?? "GET", headers, agent: agents[url.protocol as "http:" | "https:"]}, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", fail);
      res.on("end", () => {
        signal?.removeEventListener("abort", onAbort);
        let buf = Buffer.concat(chunks);
        const enc = String(res.headers["content-encoding"] ?? "").toLowerCase();
        try {
          if (enc === "gzip" || enc === "x-gzip") buf = zlib.gunzipSync(buf);
          else if (enc === "deflate") buf = zlib.inflateSync(buf);
          else if (enc === "br") buf = zlib.brotliDecompressSync(buf);
        } catch (error) {
          return reject(error);
        }
        const h = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          if (name === "content-encoding" || name === "content-length" || name === "transfer-encoding") continue;
          h.append(name, res.rawHeaders[i + 1]!);
        }
        const status = res.statusCode ?? 502;
        // Response() refuses a body for 204/304.
        resolve(new Response(status === 204 || status === 304 ? null : buf, {status, statusText: res.statusMessage ?? "", headers: h}));
      });
    });
    function fail(error: Error) {
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    }
    function onAbort() {
      req.destroy(abortError());
    }
    signal?.addEventListener("abort", onAbort, {once: true});
    req.on("error", (error) => fail(signal?.aborted ? abortError() : wrapNetworkError(error)));
    req.end(body === undefined || body === null ? undefined : body);
  });
}

/** Shape network errors like fetch does (TypeError with the socket error as cause), which the SDK expects. */
function wrapNetworkError(error: Error): Error {
  const e = new TypeError("fetch failed");
  (e as {cause?: unknown}).cause = error;
  return e;
}
