// OpenAI-compatible endpoints: SDK clients, api keys from env, reachability probes, the in-process
// simulator for `base_url: sim`, bounded concurrency, and the price table for cost estimates.
//
// Retries: the openai SDK (v6) retries connection errors, timeouts, 408, 409, 429 and 5xx itself,
// waiting `retry-after-ms` / `Retry-After` (seconds or HTTP date) when the server sends one and
// exponential backoff with jitter (0.5 s doubling to 8 s) otherwise; see `retryRequest` in
// node_modules/openai/client.js. We configure `maxRetries` and `timeout` per endpoint; a call that
// still fails surfaces as an error row, never a cached result.
// Transport: the SDK is given `nodeFetch`, a minimal fetch over node:http(s) with keep-alive
// agents. On loopback it does about twice the calls per second of Node's built-in fetch (undici),
// which matters for the ~60k judge calls of the simulated demo (docs/pipeline.md has numbers).
import {existsSync, readFileSync} from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import zlib from "node:zlib";
import OpenAI from "openai";
import {cacheKey} from "./cache.ts";
import type {EndpointConfig} from "./experiment.ts";
import {ROOT, displayPath, readTextFile, walkFiles} from "./paths.ts";
import {parseYamlSource} from "./questions.ts";

export const OPENAI_URL = "https://api.openai.com/v1";

export function isSim(cfg: Pick<EndpointConfig, "base_url">): boolean {
  return cfg.base_url === "sim";
}

/** The env var holding the key for an endpoint, or null when none is needed. */
export function apiKeyEnv(cfg: EndpointConfig): string | null {
  if (isSim(cfg)) return null;
  if (cfg.api_key_env) return cfg.api_key_env;
  return cfg.base_url.replace(/\/+$/, "") === OPENAI_URL ? "OPENAI_API_KEY" : null;
}

/** Absolute path of a sim config file named in an experiment (experiment folder first, then project root). */
export function simConfigPath(cfg: EndpointConfig, experimentFile: string): string | null {
  if (typeof cfg.config !== "string") return null;
  const file = path.resolve(path.dirname(experimentFile), cfg.config);
  const alt = path.resolve(ROOT, cfg.config);
  const use = existsSync(file) ? file : alt;
  if (!existsSync(use)) throw new Error(`${displayPath(experimentFile)}: sim config '${cfg.config}' not found (looked at ${displayPath(file)} and ${displayPath(alt)})`);
  return use;
}

/**
 * Sim config as an object (a path is read relative to the experiment file). JSON files are read
 * as YAML, of which JSON is a subset, so a syntax error names file:line:col either way.
 */
export function simConfig(cfg: EndpointConfig, experimentFile: string): Record<string, unknown> | undefined {
  if (cfg.config === undefined) return undefined;
  if (typeof cfg.config !== "string") return cfg.config;
  const use = simConfigPath(cfg, experimentFile)!;
  return parseYamlSource(readTextFile(use, "sim config"), use).data as Record<string, unknown>;
}

let simCodeHashMemo: string | null = null;
/**
 * Fingerprint of what the simulator's answers depend on besides the request: its source
 * (loaders/sim), the question files it recognises prompts by (data/questions) and the rubrics it
 * recognises judge prompts by (data/judges). Part of the sim's cache identity, so editing the
 * simulator never serves stale cached answers.
 */
export function simCodeHash(): string {
  if (simCodeHashMemo) return simCodeHashMemo;
  const files = [
    ...walkFiles(path.join(ROOT, "loaders/sim"), (f) => f.endsWith(".ts")),
    ...walkFiles(path.join(ROOT, "data/questions"), (f) => /\.ya?ml$/.test(f)),
    ...walkFiles(path.join(ROOT, "data/judges"), (f) => f.endsWith(".md")),
  ];
  simCodeHashMemo = cacheKey(files.map((f) => [path.relative(ROOT, f), readFileSync(f, "utf8")])).slice(0, 16);
  return simCodeHashMemo;
}

/**
 * Cache identity of an endpoint: what determines its answers besides model and request.
 * Never the key; for the simulator never its ephemeral port but its config and `simVersion`
 * (the runner passes simCodeHash()).
 */
export function endpointId(cfg: EndpointConfig, experimentFile: string, simVersion = ""): string {
  if (cfg.cache_id) return cfg.cache_id;
  if (isSim(cfg)) {
    const conf = simConfig(cfg, experimentFile);
    return `sim${simVersion ? "@" + simVersion : ""}${conf ? ":" + cacheKey(conf).slice(0, 16) : ""}`;
  }
  return cfg.base_url.replace(/\/+$/, "");
}

/** A ready endpoint. `label` is safe to print (no key). */
export interface Endpoint {
  id: string;
  label: string;
  url: string;
  sim: boolean;
  client: OpenAI;
  /**
   * `text` with the endpoint's api key replaced by "[redacted]": for error messages, since a server
   * may quote the credentials it was sent back in its error body.
   */
  redact(text: string): string;
}

/** `text` with every occurrence of `secret` replaced by "[redacted]" (unchanged when there is no secret). */
export function redactSecret(text: string, secret: string | null): string {
  return secret ? text.split(secret).join("[redacted]") : text;
}

type SimModule = typeof import("./sim/server.ts");

/** Starts simulators on demand (one per distinct config) and closes them all at the end of a run. */
export class EndpointPool {
  private sims = new Map<string, Promise<Awaited<ReturnType<SimModule["startSimulator"]>>>>();
  private simModule: Promise<SimModule> | null = null;

  /** The simulator is loaded only when an experiment uses it (its answer bank is large). */
  private loadSim(): Promise<SimModule> {
    this.simModule ??= import("./sim/server.ts");
    return this.simModule;
  }

  /** An endpoint ready for calls. Throws a clear error when its key env var is missing. */
  async open(cfg: EndpointConfig, experimentFile: string): Promise<Endpoint> {
    let url = cfg.base_url.replace(/\/+$/, "");
    let apiKey = "none";
    let secret: string | null = null;
    let label = url;
    if (isSim(cfg)) {
      const conf = simConfig(cfg, experimentFile);
      const k = conf ? cacheKey(conf) : "default";
      let sim = this.sims.get(k);
      if (!sim) {
        const mod = await this.loadSim();
        // The simulator's own loader validates a config file and names its fields in errors.
        const file = simConfigPath(cfg, experimentFile);
        sim = mod.startSimulator({port: 0, config: file ? mod.loadSimConfig(file) : conf});
        this.sims.set(k, sim);
      }
      url = (await sim).url.replace(/\/+$/, "");
      apiKey = "sim";
      label = "sim";
    } else {
      const env = apiKeyEnv(cfg);
      if (env) {
        const v = process.env[env];
        if (!v) throw new Error(`endpoint ${url} needs an api key: environment variable ${env} is not set`);
        apiKey = secret = v;
      }
    }
    const client = new OpenAI({baseURL: url, apiKey, timeout: cfg.timeout_s * 1000, maxRetries: cfg.max_retries, fetch: nodeFetch});
    const id = endpointId(cfg, experimentFile, isSim(cfg) ? simCodeHash() : "");
    return {id, label, url, sim: isSim(cfg), client, redact: (text) => redactSecret(text, secret)};
  }

  async close(): Promise<void> {
    const all = [...this.sims.values()];
    this.sims.clear();
    for (const s of all) {
      try {
        await (await s).close();
      } catch {
        // a simulator that failed to start has nothing to close
      }
    }
  }
}

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

/** Bounded concurrency: at most `limit` tasks run at once, started in submission order. */
export class Limiter {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(readonly limit: number) {}
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        fn().then(resolve, reject).finally(() => {
          this.active--;
          const next = this.queue.shift();
          if (next) next();
        });
      };
      if (this.active < this.limit) start();
      else this.queue.push(start);
    });
  }
  get pending(): number {
    return this.queue.length + this.active;
  }
}

/**
 * USD per 1M tokens [prompt, completion] for common judge/generation models (OpenAI list prices,
 * standard tier, as of 2025). Unknown models give no estimate unless the experiment sets `price`.
 */
export const PRICES: Record<string, [number, number]> = {
  "gpt-4o": [2.5, 10],
  "gpt-4o-2024-08-06": [2.5, 10],
  "gpt-4o-2024-11-20": [2.5, 10],
  "gpt-4o-2024-05-13": [5, 15],
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o-mini-2024-07-18": [0.15, 0.6],
  "gpt-4.1": [2, 8],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1-nano": [0.1, 0.4],
};

/** Price for a model on an endpoint: explicit > simulator (free) > table > null (unknown). */
export function priceFor(model: string, sim: boolean, explicit?: [number, number]): [number, number] | null {
  if (explicit) return explicit;
  if (sim) return [0, 0];
  // OpenAI fine-tunes (ft:gpt-4o-...:org::id) are priced differently; unknown here.
  return PRICES[model] ?? null;
}
