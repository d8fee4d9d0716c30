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
