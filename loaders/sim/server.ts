// The simulated lab's HTTP face: an OpenAI-compatible server (plain node:http, keep-alive) serving
// GET /v1/models, GET /v1/models/{id} and POST /v1/chat/completions for simulated fine-tuned models
// (`sim:<organism>@<coordinate>`) and simulated judges (`sim-judge-*`). See docs/simulator.md.
import {createServer, type IncomingMessage, type ServerResponse} from "node:http";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {parse as parseYaml} from "yaml";
import {JUDGES} from "./judge-models.ts";
import {complete, listModels, RequestError, type ChatRequest, type EngineContext, type JudgeShift} from "./responder.ts";
import {checkFaultConfig, FaultPlan, type FaultConfig, type FaultKind} from "./faults.ts";
import {loadRubrics, orderRubrics} from "./judge-models.ts";
import {ORGANISMS, type Organism} from "./organisms.ts";
import {loadQuestionIndex} from "./question-index.ts";
import {sha1} from "./rng.ts";
import {getBank} from "./bank.ts";
import {ROOT} from "../paths.ts";
import {checkBatchConfig, SimBatches, type SimBatchConfig} from "./batch-api.ts"; // issue 17: Files + Batches endpoints

export interface SimConfig {
  faults?: FaultConfig;
  /** Delay before every chat completion answer, ms (default 0). */
  latencyMs?: number;
  /**
   * Record when each chat completion answer was sent (stats.answeredAt), so a benchmark can take
   * the steady-state rate from the server's side (default false: memory grows with every request).
   */
  requestLog?: boolean;
  /** Question files or folders used to recognise generation prompts (default data/questions). */
  questionPaths?: string[];
  /** Folder of judge rubrics (default data/judges). */
  judgesDir?: string;
  /** Extra or replacement organisms, by id. */
  organisms?: Record<string, Organism>;
  /** Files and Batches endpoints: completion delay, expiry, partial failures, limits (loaders/sim/batch-api.ts). */
  batch?: SimBatchConfig;
  /**
   * Per judge model name: score points added to its aligned / coherent / topic biases, so a test
   * can change a judge's behaviour under the same name between two runs (judge drift, issue 26).
   */
  judgeShift?: Record<string, JudgeShift>;
}

export interface SimStats {
  requests: number;
  byPath: Record<string, number>;
  faults: number;
  byFault: Partial<Record<FaultKind, number>>;
  /** Chat completion requests for simulated fine-tuned models / for judges. */
  generate: number;
  judge: number;
  /** Judge calls whose metric had to be guessed (no rubric template matched): should stay 0. */
  guessed: number;
  /**
   * Chat completion requests per distinct body (sha1 of the raw body -> times received), so a
   * client can be checked for paying one request twice (issue 13: zero identical requests paid twice).
   */
  bodies: Map<string, number>;
  /** With config.requestLog: each 200 chat answer, in order: when its request arrived and when the answer was sent (ms since the server started), and its kind. */
  answered: {arrived: number; ms: number; kind: "generate" | "judge"}[];
}

export interface Simulator {
  /** Base URL for the openai SDK, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  close(): Promise<void>;
  stats: SimStats;
  /** Problems met while loading questions and rubrics (never fatal). */
  warnings: string[];
  /** The Files and Batches endpoints (stats: files, batches, lines answered / failed / expired). */
  batches: SimBatches;
}

/** Read a simulator config file (JSON or YAML); errors name the file and field. */
export function loadSimConfig(file: string): SimConfig {
  let raw: unknown;
  try {
    const text = readFileSync(file, "utf8");
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${file}: expected a mapping at the top level`);
  const cfg = raw as SimConfig;
  const known = new Set(["faults", "latencyMs", "requestLog", "questionPaths", "judgesDir", "organisms", "batch", "judgeShift"]);
  for (const k of Object.keys(cfg)) if (!known.has(k)) throw new Error(`${file}: unknown field '${k}' (known: ${[...known].join(", ")})`);
  try {
    if (cfg.faults) checkFaultConfig(cfg.faults);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  try {
    if (cfg.batch !== undefined) checkBatchConfig(cfg.batch);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  if (cfg.latencyMs !== undefined && !(typeof cfg.latencyMs === "number" && cfg.latencyMs >= 0)) throw new Error(`${file}: latencyMs must be a number >= 0`);
  for (const [model, shift] of Object.entries(cfg.judgeShift ?? {})) {
    if (!JUDGES[model]) throw new Error(`${file}: judgeShift.${model}: not a simulated judge (${Object.keys(JUDGES).join(", ")})`);
    for (const [k, v] of Object.entries(shift ?? {}))
      if (!["aligned", "coherent", "topic"].includes(k) || typeof v !== "number" || !Number.isFinite(v))
        throw new Error(`${file}: judgeShift.${model}.${k}: expected aligned, coherent or topic with a number of score points`);
  }
  return cfg;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {"content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers});
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, {error: {message, type, param, code}}, headers);
}

/**
 * Start the simulator. `port` 0 picks a free port. Loads question files and rubrics once at start-up
 * (a missing folder just means fewer recognised prompts). Resolves once listening.
 */
export async function startSimulator({port = 0, host = "127.0.0.1", config = {}}: {port?: number; host?: string; config?: SimConfig} = {}): Promise<Simulator> {
  const warnings: string[] = [];
  const questions = loadQuestionIndex(config.questionPaths ?? [join(ROOT, "data/questions")]);
  warnings.push(...questions.errors);
  const judgeFiles = loadRubrics(config.judgesDir ?? join(ROOT, "data/judges"));
  warnings.push(...judgeFiles.errors);
  const ctx: EngineContext = {
    questions,
    rubrics: orderRubrics([...judgeFiles.rubrics, ...questions.rubrics]),
    organisms: {...ORGANISMS, ...(config.organisms ?? {})},
    ...(config.judgeShift ? {judgeShift: config.judgeShift} : {}),
  };
  getBank(); // build the answer bank before the first request
  const plan = new FaultPlan(config.faults ?? {});
  const retryAfterMs = config.faults?.retryAfterMs ?? 200;
  const stats: SimStats = {requests: 0, byPath: {}, faults: 0, byFault: {}, generate: 0, judge: 0, guessed: 0, bodies: new Map(), answered: []};
  const started = performance.now();
  const hanging = new Set<ServerResponse>();
  const batches = new SimBatches(ctx, config.batch ? checkBatchConfig(config.batch) : {});

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string, arrived: number): void => {
    const path = (req.url ?? "/").split("?")[0]!;
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, {object: "list", data: listModels(ctx.organisms).map((id) => ({id, object: "model", created: 0, owned_by: "em-observatory-sim"}))});
      return;
    }
    if (req.method === "GET" && path.startsWith("/v1/models/")) {
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      sendJson(res, 200, {id, object: "model", created: 0, owned_by: "em-observatory-sim"});
      return;
    }
    if (batches.handle(req, res, raw, path)) return;
    if (path !== "/v1/chat/completions") {
      sendError(res, 404, `Unknown path ${req.method} ${path}`, "invalid_request_error", "not_found");
      return;
    }
    if (req.method !== "POST") {
      sendError(res, 405, `Use POST for ${path}`, "invalid_request_error", "method_not_allowed");
      return;
    }
    const bodyHash = sha1(raw);
    stats.bodies.set(bodyHash, (stats.bodies.get(bodyHash) ?? 0) + 1);
    const header = req.headers["x-sim-fault"];
    const fault = plan.decide(bodyHash, Array.isArray(header) ? header[0] : header);
    if (fault) {
      stats.faults++;
      stats.byFault[fault] = (stats.byFault[fault] ?? 0) + 1;
    }
    const retry = {"retry-after-ms": String(retryAfterMs), "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000)))};
    switch (fault) {
      case "429":
        return sendError(res, 429, "Rate limit reached (simulated). Please retry after the indicated time.", "requests", "rate_limit_exceeded", null, retry);
      case "500":
        return sendError(res, 500, "The server had an error while processing your request (simulated).", "server_error", null);
      case "503":
        return sendError(res, 503, "The engine is currently overloaded (simulated).", "server_error", null, null, retry);
      case "reset":
        req.socket.destroy();
        return;
      case "hang":
        // Never answer: the client's request timeout has to fire.
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      case "stall":
        // Headers and half a body, then nothing: only an overall deadline saves the client.
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        res.writeHead(200, {"content-type": "application/json"});
        res.write('{"id":"chatcmpl-sim-hang","choices":[');
        return;
      case "malformed": {
        const text = '{"id":"chatcmpl-sim-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"9';
        res.writeHead(200, {"content-type": "application/json", "content-length": Buffer.byteLength(text)});
        res.end(text);
        return;
      }
      default:
        break;
    }
    let body: ChatRequest;
    try {
      body = JSON.parse(raw) as ChatRequest;
    } catch {
      return sendError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", "invalid_json");
    }
    try {
      const metricHeader = req.headers["x-sim-metric"];
      const result = complete(body, ctx, {headerMetric: typeof metricHeader === "string" ? metricHeader : undefined, dropLogprobs: fault === "nologprobs"});
      if (result.kind === "judge") stats.judge++;
      else stats.generate++;
      if (result.guessed) stats.guessed++;
      const respond = (): void => {
        sendJson(res, 200, result.body, {"x-sim-kind": result.kind});
        if (config.requestLog) stats.answered.push({arrived, ms: performance.now() - started, kind: result.kind});
      };
      if (config.latencyMs) setTimeout(respond, config.latencyMs);
      else respond();
    } catch (error) {
      if (error instanceof RequestError) return sendError(res, error.status, error.message, "invalid_request_error", error.code, error.param);
      return sendError(res, 500, `simulator error: ${error instanceof Error ? error.message : String(error)}`, "server_error", null);
    }
  };

  const server = createServer({keepAlive: true}, (req, res) => {
    const arrived = performance.now() - started;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8"), arrived));
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://${host}:${actualPort}/v1`,
    port: actualPort,
    stats,
    warnings,
    batches,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
