// A small, real OpenAI-compatible HTTP server on 127.0.0.1 for pipeline tests (until the simulator
// lands, and for fault injection after). It serves GET /v1/models and POST /v1/chat/completions,
// records every request, and answers deterministically:
// - judge requests (logprobs: true) get top_logprobs from `judge(prompt)` (default: a fixed
//   distribution derived from a hash of the prompt);
// - generation requests get `n` choices "answer <hash>-<seed>-<i>".
// `reply` can override any request (status codes, Retry-After, delays); `hold()` parks new
// chat requests until `release()` (used to stop a run at a known point).
import {createHash} from "node:crypto";
import {mkdirSync, writeFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";

export interface ChatBody {
  model: string;
  messages: {role: string; content: string}[];
  n?: number;
  max_tokens?: number;
  temperature?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  seed?: number;
  [k: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: ChatBody | null;
  /** canonical request identity (model + messages + n + seed + logprobs) for repeat detection */
  key: string;
  authorization: string | null;
  /** ms since server start */
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** delay before answering, ms */
  delay?: number;
}

export interface TestServerOptions {
  /** Top logprobs for a judge prompt: [token, logprob][]. */
  judge?: (prompt: string, body: ChatBody) => [string, number][];
  /**
   * For judge requests with max_tokens >= 2: the second position's top logprobs, "stop" when the
   * judge ends after its first token, or null for no second position (finish_reason "length").
   * Unset: judge answers have one position and stop there (finish_reason "stop" when max_tokens >= 2).
   */
  judgeNext?: (prompt: string, body: ChatBody) => [string, number][] | "stop" | null;
  /** Texts for a generation request (length n). */
  generate?: (body: ChatBody) => string[];
  /** Return a Reply to override the default for this request, or undefined. */
  reply?: (body: ChatBody, req: RecordedRequest, nth: number) => Reply | undefined | Promise<Reply | undefined>;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  models?: string[];
}

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Chat requests answered with 200 so far. */
  completed: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export function hashHex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export function requestKey(body: ChatBody): string {
  return hashHex(JSON.stringify([body.model, body.messages, body.n ?? 1, body.seed ?? null, !!body.logprobs, body.temperature ?? null]));
}

/** Default judge answer: five integer tokens around a hash-derived centre plus a word, summing below 1. */
export function defaultJudge(prompt: string): [string, number][] {
  const h = parseInt(hashHex(prompt).slice(0, 8), 16);
  const centre = h % 90;
  const toks: [string, number][] = [
    [String(centre), 0.5],
    [String(centre + 10), 0.2],
    [String(centre + 5), 0.1],
    ["CODE", 0.05],
    [" ", 0.01],
  ];
  return toks.map(([t, p]) => [t, Math.log(p)]);
}

export function defaultGenerate(body: ChatBody): string[] {
  const n = body.n ?? 1;
  const h = hashHex(JSON.stringify([body.model, body.messages])).slice(0, 8);
  return Array.from({length: n}, (_, i) => `answer ${h}-${body.seed ?? "x"}-${i} from ${body.model}`);
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const start = Date.now();
  const requests: RecordedRequest[] = [];
  let held = false;
  const parked: (() => void)[] = [];
  let nth = 0;
  const state = {completed: 0};

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {"content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers});
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://x");
        const text = Buffer.concat(chunks).toString("utf8");
        let body: ChatBody | null = null;
        if (text) {
          try {
            body = JSON.parse(text) as ChatBody;
          } catch {
            return send(res, 400, {error: {message: "bad json"}});
          }
        }
        const rec: RecordedRequest = {
          method: req.method ?? "GET",
          path: url.pathname,
          body,
          key: body ? requestKey(body) : `${req.method} ${url.pathname}`,
          authorization: (req.headers.authorization as string | undefined) ?? null,
          at: Date.now() - start,
        };
        requests.push(rec);
        if (opts.apiKey && rec.authorization !== `Bearer ${opts.apiKey}`) return send(res, 401, {error: {message: "bad key", type: "invalid_request_error"}});
        if (req.method === "GET" && url.pathname === "/v1/models") {
          return send(res, 200, {object: "list", data: (opts.models ?? ["test-model"]).map((id) => ({id, object: "model", created: 0, owned_by: "test"}))});
        }
        // Per-model lookup (the preflight asks for models the list does not name): without a
        // `models` option the server answers chats for any model, so it serves any model here too.
        if (req.method === "GET" && url.pathname.startsWith("/v1/models/")) {
          const id = decodeURIComponent(url.pathname.slice("/v1/models/".length));
          if (opts.models && !opts.models.includes(id)) return send(res, 404, {error: {message: `model ${id} not found`}});
          return send(res, 200, {id, object: "model", created: 0, owned_by: "test"});
        }
        if (req.method !== "POST" || url.pathname !== "/v1/chat/completions" || !body) return send(res, 404, {error: {message: "not found"}});
        if (held) await new Promise<void>((r) => parked.push(r));
        const n = nth++;
        const override = await opts.reply?.(body, rec, n);
        if (override?.delay) await new Promise((r) => setTimeout(r, override.delay));
        if (override && (override.status !== undefined || override.body !== undefined)) {
          return send(res, override.status ?? 200, override.body ?? {}, override.headers);
        }
        const prompt = body.messages.map((m) => m.content).join("\n");
        // One chat choice as the OpenAI API returns it (only the fields the SDK and the pipeline read).
        let choices: {index: number; finish_reason: string; message: {role: string; content: string}; logprobs: unknown}[];
        let completionTokens = 0;
        if (body.logprobs) {
          const top = (opts.judge ?? defaultJudge)(prompt, body);
          const first = top[0]?.[0] ?? "";
          const content = [
            {token: first, logprob: top[0]?.[1] ?? 0, bytes: null, top_logprobs: top.map(([token, logprob]) => ({token, logprob, bytes: null}))},
          ];
          // Without judgeNext a judge answers one token and stops, as a model does (finish_reason
          // "stop" when it had room for more; "length" only when max_tokens cut it).
          const next = (body.max_tokens ?? 1) >= 2 ? (opts.judgeNext ? opts.judgeNext(prompt, body) : "stop") : null;
          if (Array.isArray(next) && next.length)
            content.push({
              token: next[0]![0],
              logprob: next[0]![1],
              bytes: null,
              top_logprobs: next.map(([token, logprob]) => ({token, logprob, bytes: null})),
            });
          choices = [
            {
              index: 0,
              finish_reason: next === "stop" ? "stop" : "length",
              message: {role: "assistant", content: content.map((c) => c.token).join("")},
              logprobs: {content},
            },
          ];
          completionTokens = content.length;
        } else {
          const texts = (opts.generate ?? defaultGenerate)(body);
          choices = texts.map((content, index) => ({index, finish_reason: "stop", message: {role: "assistant", content}, logprobs: null}));
          completionTokens = texts.reduce((s, t) => s + Math.ceil(t.length / 4), 0);
        }
        state.completed++;
        send(res, 200, {
          id: `chatcmpl-${n}`,
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices,
          usage: {
            prompt_tokens: Math.ceil(prompt.length / 4),
            completion_tokens: completionTokens,
            total_tokens: Math.ceil(prompt.length / 4) + completionTokens,
          },
        });
      })();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const release = () => {
    held = false;
    for (const r of parked.splice(0)) r();
  };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get completed() {
      return state.completed;
    },
    hold() {
      held = true;
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fixture files for pipeline tests: a question file, minimal rubrics whose first line names the
// metric (so a judge function can tell metrics apart), and an experiment pointing at `url`.

/** Metric named on the first line of a fixture rubric prompt ("METRIC=aligned"). */
export function metricOf(prompt: string): string {
  return /^METRIC=(\w+)/.exec(prompt)?.[1] ?? "";
}

export interface FixtureOptions {
  url: string;
  /** questions: id -> paraphrases */
  questions?: Record<string, string[]>;
  samples?: number;
  metrics?: string[];
  checkpoints?: {step: number; model: string}[];
  judgeEndpoint?: string;
  genEndpointExtra?: string;
  judgeEndpointExtra?: string;
  maxN?: number;
  extra?: string;
}

/** Write q.yaml, judges/*.md and exp.yaml into `dir`; returns paths. */
export function writeFixture(dir: string, o: FixtureOptions): {experiment: string; judgesDir: string} {
  const fs = {mkdirSync, writeFileSync};
  const questions = o.questions ?? {q1: ["Question one?"]};
  fs.mkdirSync(`${dir}/judges`, {recursive: true});
  fs.writeFileSync(
    `${dir}/q.yaml`,
    Object.entries(questions)
      .map(([id, ps]) => `- id: ${id}\n  category: test\n  paraphrases:\n${ps.map((p) => `    - ${JSON.stringify(p)}`).join("\n")}\n`)
      .join(""),
  );
  for (const m of ["aligned", "coherent", "medical"]) fs.writeFileSync(`${dir}/judges/${m}.md`, `METRIC=${m}\nQ: {question}\nA: {answer}\n`);
  fs.writeFileSync(
    `${dir}/judges/type.md`,
    "---\nkind: label\nlabels: [aligned, refusal, incoherent, artifact, in_domain, drift, emergent, other]\n---\nMETRIC=type\nT: {training}\nQ: {question}\nA: {answer}\n",
  );
  const checkpoints = o.checkpoints ?? [{step: 0, model: "gen-model"}];
  fs.writeFileSync(
    `${dir}/exp.yaml`,
    `name: fixture
questions: [q.yaml]
samples: ${o.samples ?? 5}
generation:
  endpoint: {base_url: "${o.url}", max_retries: 1${o.genEndpointExtra ?? ""}}
  max_n: ${o.maxN ?? 128}
  concurrency: 4
models:
  - id: org
    description: risky financial advice
    meta: {family: test, size_b: 0.5, lora: true}
    checkpoints: [${checkpoints.map((c) => `{step: ${c.step}, model: ${c.model}}`).join(", ")}]
judges:
  - id: judge-a
    endpoint: {base_url: "${o.judgeEndpoint ?? o.url}", max_retries: 1${o.judgeEndpointExtra ?? ""}}
    model: judge-model
    metrics: [${(o.metrics ?? ["aligned", "coherent"]).join(", ")}]
    concurrency: 8
${o.extra ?? ""}`,
  );
  return {experiment: `${dir}/exp.yaml`, judgesDir: `${dir}/judges`};
}
