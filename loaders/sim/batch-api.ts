// The simulator's Files and Batches endpoints (issue 17), so batch mode is tested end to end over
// HTTP with the real openai SDK: POST /v1/files (multipart upload, purpose "batch"), GET
// /v1/files/{id} and /v1/files/{id}/content, POST /v1/batches, GET /v1/batches/{id}, GET
// /v1/batches (list, cursor `after`), POST /v1/batches/{id}/cancel.
//
// A batch is answered by the same engine as /v1/chat/completions (`complete`), so a line's body is
// byte-identical to the synchronous answer to the same request. Time is simulated lazily: a batch
// becomes terminal on the first look at or after `completionDelayMs` from its creation. Failures
// are planted deterministically (hash of seed, request body and the n-th time this server saw that
// body), so a resubmitted line gets a fresh draw, exactly like the chat faults in faults.ts:
// - `failRate`: a line fails (its error-file line carries a 500 response body);
// - `expireRate`: a batch expires; only the first (1 - expireShare) of its lines are answered and
//   the rest are written to the error file with code `batch_expired` (what the Batch API does with
//   the requests of an expired batch);
// - `maxLines` / `maxBytes`: per-file limits; a bigger file fails validation (status `failed`).
import {randomBytes} from "node:crypto";
import type {IncomingMessage, ServerResponse} from "node:http";
import {complete, RequestError, type ChatRequest, type EngineContext} from "./responder.ts";
import {sha1, unit} from "./rng.ts";

export interface SimBatchConfig {
  /** Time from creation until a batch is done, ms (default 100). */
  completionDelayMs?: number;
  /** Share of lines that fail (0..1, default 0). */
  failRate?: number;
  /** Share of batches that expire (0..1, default 0). */
  expireRate?: number;
  /** Share of an expired batch's lines left unanswered (0..1, default 0.5). */
  expireShare?: number;
  /** Seed of the failure draws (default 0). */
  seed?: number;
  /** Requests per input file (default 50,000, the OpenAI limit). */
  maxLines?: number;
  /** Bytes per input file (default 200 MB, the OpenAI limit). */
  maxBytes?: number;
}

const KNOWN = ["completionDelayMs", "failRate", "expireRate", "expireShare", "seed", "maxLines", "maxBytes"];

/** Validate a batch config; errors name the field. */
export function checkBatchConfig(cfg: SimBatchConfig, where = "batch"): SimBatchConfig {
  if (typeof cfg !== "object" || cfg === null || Array.isArray(cfg)) throw new Error(`${where}: expected a mapping`);
  for (const k of Object.keys(cfg)) if (!KNOWN.includes(k)) throw new Error(`${where}: unknown field '${k}' (known: ${KNOWN.join(", ")})`);
  const num = (k: keyof SimBatchConfig, lo: number, hi: number) => {
    const v = cfg[k];
    if (v !== undefined && !(typeof v === "number" && v >= lo && v <= hi)) throw new Error(`${where}.${k}: must be a number in [${lo}, ${hi}]`);
  };
  num("completionDelayMs", 0, 1e9);
  num("failRate", 0, 1);
  num("expireRate", 0, 1);
  num("expireShare", 0, 1);
  num("seed", -1e15, 1e15);
  num("maxLines", 1, 1e9);
  num("maxBytes", 1, 1e12);
  return cfg;
}

interface SimFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
  content: string;
}

type Status = "validating" | "failed" | "in_progress" | "finalizing" | "completed" | "expired" | "cancelling" | "cancelled";

interface SimBatch {
  id: string;
  seq: number;
  createdMs: number;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  status: Status;
  errors: {object: "list"; data: {code: string; message: string; line?: number | null; param?: string | null}[]} | null;
  output_file_id: string | null;
  error_file_id: string | null;
  counts: {total: number; completed: number; failed: number};
  times: Partial<Record<"in_progress_at" | "completed_at" | "expired_at" | "failed_at" | "cancelled_at" | "cancelling_at" | "finalizing_at", number>>;
}

export interface SimBatchStats {
  files: number;
  batches: number;
  /** Lines answered (200), failed (planted 500s and bad requests), expired, cancelled. */
  lines: number;
  failed: number;
  expired: number;
  cancelled: number;
  /** Every custom_id ever submitted, with how many times (a client must never lose one, and should not resubmit a done one). */
  submitted: Map<string, number>;
}

// Fixed timestamps keep answers deterministic (as `created` in chat completions); batch times are
// real seconds since they are what a client shows.
const now = () => Math.floor(Date.now() / 1000);

export class SimBatches {
  readonly stats: SimBatchStats = {files: 0, batches: 0, lines: 0, failed: 0, expired: 0, cancelled: 0, submitted: new Map()};
  private readonly files = new Map<string, SimFile>();
  private readonly batches = new Map<string, SimBatch>();
  private readonly seen = new Map<string, number>();
  private readonly cfg: Required<SimBatchConfig>;
  /** Batch ids of two simulator instances never collide (a record from an earlier run must not find a stranger's batch). */
  private readonly tag = randomBytes(3).toString("hex");

  constructor(
    private readonly ctx: EngineContext,
    cfg: SimBatchConfig = {},
  ) {
    this.cfg = {completionDelayMs: 100, failRate: 0, expireRate: 0, expireShare: 0.5, seed: 0, maxLines: 50_000, maxBytes: 200 * 1024 * 1024, ...cfg};
  }

  private held = false;

  /**
   * Keep every batch in progress, whatever its age, until `release()` (tests that must act while
   * batches are pending, without racing the completion delay on a busy machine).
   */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
  }

  /** True when the path is one of ours (then the request has been answered). */
  handle(req: IncomingMessage, res: ServerResponse, raw: string, path: string): boolean {
    if (!path.startsWith("/v1/files") && !path.startsWith("/v1/batches")) return false;
    try {
      this.route(req, res, raw, path);
    } catch (error) {
      if (error instanceof RequestError) sendError(res, error.status, error.message, error.code, error.param);
      else sendError(res, 500, `simulator error: ${error instanceof Error ? error.message : String(error)}`, null, null, "server_error");
    }
    return true;
  }

  private route(req: IncomingMessage, res: ServerResponse, raw: string, path: string): void {
    const m = req.method ?? "GET";
    const parts = path.split("/").filter(Boolean); // ["v1", "files" | "batches", id?, action?]
    const [, kind, id, action] = parts;
    if (kind === "files") {
      if (m === "POST" && !id) return sendJson(res, 200, this.upload(req, raw));
      if (m === "GET" && id && !action) return sendJson(res, 200, fileObject(this.file(id)));
      if (m === "GET" && id && action === "content") {
        const f = this.file(id);
        res.writeHead(200, {"content-type": "application/jsonl", "content-length": Buffer.byteLength(f.content)});
        res.end(f.content);
        return;
      }
    }
    if (kind === "batches") {
      if (m === "POST" && !id) return sendJson(res, 200, this.view(this.create(raw)));
      if (m === "GET" && !id) return sendJson(res, 200, this.list(req.url ?? ""));
      if (m === "GET" && id && !action) return sendJson(res, 200, this.view(this.advance(this.batch(id))));
      if (m === "POST" && id && action === "cancel") return sendJson(res, 200, this.view(this.cancel(this.batch(id))));
    }
    throw new RequestError(404, `Unknown path ${m} ${path}`, "not_found");
  }

  private file(id: string): SimFile {
    const f = this.files.get(id);
    if (!f) throw new RequestError(404, `No such File object: ${id}`, "not_found", "file_id");
    return f;
  }

  private batch(id: string): SimBatch {
    const b = this.batches.get(id);
    if (!b) throw new RequestError(404, `No batch found with id '${id}'.`, "not_found", "batch_id");
    return b;
  }

  private addFile(filename: string, purpose: string, content: string): SimFile {
    const id = `file-sim${(this.files.size + 1).toString().padStart(6, "0")}`;
    const f = {id, filename, purpose, bytes: Buffer.byteLength(content), created_at: now(), content};
    this.files.set(id, f);
    return f;
  }

  private upload(req: IncomingMessage, raw: string): unknown {
    const type = String(req.headers["content-type"] ?? "");
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
    if (!type.startsWith("multipart/form-data") || !boundary) throw new RequestError(400, "Expected multipart/form-data with a boundary", "invalid_request");
    const fields = parseMultipart(raw, boundary[1] ?? boundary[2]!);
    const file = fields.get("file");
    const purpose = fields.get("purpose")?.value;
    if (!file || file.filename === undefined) throw new RequestError(400, "'file' is required", "invalid_value", "file");
    if (purpose !== "batch") throw new RequestError(400, `The simulator accepts purpose 'batch' only (got '${purpose}')`, "invalid_value", "purpose");
    this.stats.files++;
    return fileObject(this.addFile(file.filename, purpose, file.value));
  }

  private create(raw: string): SimBatch {
    let body: {input_file_id?: unknown; endpoint?: unknown; completion_window?: unknown; metadata?: unknown};
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      throw new RequestError(400, "We could not parse the JSON body of your request.", "invalid_json");
    }
    if (typeof body.input_file_id !== "string") throw new RequestError(400, "'input_file_id' is required", "invalid_value", "input_file_id");
    const input = this.file(body.input_file_id);
    if (body.endpoint !== "/v1/chat/completions")
      throw new RequestError(400, `The simulator batches /v1/chat/completions only (got '${String(body.endpoint)}')`, "invalid_value", "endpoint");
    if (body.completion_window !== "24h") throw new RequestError(400, "completion_window must be '24h'", "invalid_value", "completion_window");
    const seq = ++this.stats.batches;
    const b: SimBatch = {
      id: `batch_sim${this.tag}_${seq.toString().padStart(6, "0")}`,
      seq,
      createdMs: Date.now(),
      input_file_id: input.id,
      endpoint: body.endpoint,
      completion_window: "24h",
      metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      status: "validating",
      errors: null,
      output_file_id: null,
      error_file_id: null,
      counts: {total: 0, completed: 0, failed: 0},
      times: {},
    };
    this.batches.set(b.id, b);
    // Validation as the Batch API does it: limits per file, one JSON request per line, a unique
    // custom_id, the batch's endpoint, one model per file. A bad file fails the whole batch.
    const lines = input.content.split("\n").filter((l) => l.trim());
    const problems: {code: string; message: string; line?: number}[] = [];
    if (lines.length > this.cfg.maxLines)
      problems.push({code: "too_many_requests", message: `input file has ${lines.length} requests; the limit is ${this.cfg.maxLines}`});
    if (input.bytes > this.cfg.maxBytes)
      problems.push({code: "file_too_large", message: `input file has ${input.bytes} bytes; the limit is ${this.cfg.maxBytes}`});
    const ids = new Set<string>();
    const models = new Set<string>();
    lines.forEach((l, i) => {
      let r: {custom_id?: unknown; method?: unknown; url?: unknown; body?: {model?: unknown}};
      try {
        r = JSON.parse(l) as typeof r;
      } catch {
        problems.push({code: "invalid_json_line", message: "line is not JSON", line: i + 1});
        return;
      }
      if (typeof r.custom_id !== "string" || !r.custom_id) problems.push({code: "missing_custom_id", message: "custom_id is required", line: i + 1});
      else if (ids.has(r.custom_id)) problems.push({code: "duplicate_custom_id", message: `custom_id '${r.custom_id}' appears twice`, line: i + 1});
      else ids.add(r.custom_id);
      if (r.method !== "POST" || r.url !== b.endpoint) problems.push({code: "mismatched_endpoint", message: `line must be POST ${b.endpoint}`, line: i + 1});
      if (typeof r.body?.model === "string") models.add(r.body.model);
    });
    if (models.size > 1) problems.push({code: "mismatched_model", message: `one model per batch file (got ${[...models].join(", ")})`});
    b.counts.total = lines.length;
    if (problems.length) {
      b.status = "failed";
      b.times.failed_at = now();
      b.errors = {object: "list", data: problems.slice(0, 100).map((p) => ({...p, line: p.line ?? null, param: null}))};
      return b;
    }
    for (const id of ids) this.stats.submitted.set(id, (this.stats.submitted.get(id) ?? 0) + 1);
    b.status = "in_progress";
    b.times.in_progress_at = now();
    return b;
  }

  /** Finish a batch whose time has come: answer its lines (some fail, some expire). */
  private advance(b: SimBatch, cancelled = false): SimBatch {
    if (b.status !== "in_progress" && b.status !== "cancelling") return b;
    if (!cancelled && (this.held || Date.now() - b.createdMs < this.cfg.completionDelayMs)) return b;
    const lines = this.files
      .get(b.input_file_id)!
      .content.split("\n")
      .filter((l) => l.trim());
    const expired = !cancelled && unit(`${this.cfg.seed}:expire:${b.seq}`) < this.cfg.expireRate;
    // Cancelled batches answer nothing more (their lines were never started here).
    const answered = cancelled ? 0 : expired ? Math.floor(lines.length * (1 - this.cfg.expireShare)) : lines.length;
    const out: string[] = [];
    const err: string[] = [];
    lines.forEach((l, i) => {
      const r = JSON.parse(l) as {custom_id: string; body: ChatRequest};
      const lineId = `batch_req_${sha1(b.id + r.custom_id).slice(0, 24)}`;
      if (i >= answered) {
        if (cancelled) {
          this.stats.cancelled++;
          return; // absent from both files, as in a cancelled batch
        }
        this.stats.expired++;
        err.push(
          JSON.stringify({
            id: lineId,
            custom_id: r.custom_id,
            response: null,
            error: {code: "batch_expired", message: "This request could not be executed before the completion window expired."},
          }),
        );
        return;
      }
      const bodyHash = sha1(JSON.stringify(r.body));
      const nth = (this.seen.get(bodyHash) ?? 0) + 1;
      this.seen.set(bodyHash, nth);
      if (unit(`${this.cfg.seed}:fail:${bodyHash}:${nth}`) < this.cfg.failRate) {
        this.stats.failed++;
        b.counts.failed++;
        err.push(
          errorLine(lineId, r.custom_id, 500, {
            message: "The server had an error processing your request (simulated).",
            type: "server_error",
            param: null,
            code: null,
          }),
        );
        return;
      }
      try {
        const result = complete(r.body, this.ctx);
        this.stats.lines++;
        b.counts.completed++;
        out.push(JSON.stringify({id: lineId, custom_id: r.custom_id, response: {status_code: 200, request_id: lineId, body: result.body}, error: null}));
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        this.stats.failed++;
        b.counts.failed++;
        err.push(errorLine(lineId, r.custom_id, error.status, {message: error.message, type: "invalid_request_error", param: error.param, code: error.code}));
      }
    });
    if (out.length) b.output_file_id = this.addFile(`${b.id}_output.jsonl`, "batch_output", out.join("\n") + "\n").id;
    if (err.length) b.error_file_id = this.addFile(`${b.id}_error.jsonl`, "batch_output", err.join("\n") + "\n").id;
    b.times.finalizing_at = now();
    if (cancelled) {
      b.status = "cancelled";
      b.times.cancelled_at = now();
    } else if (expired) {
      b.status = "expired";
      b.times.expired_at = now();
    } else {
      b.status = "completed";
      b.times.completed_at = now();
    }
    return b;
  }

  private cancel(b: SimBatch): SimBatch {
    if (b.status === "validating" || b.status === "in_progress") {
      b.times.cancelling_at = now();
      b.status = "cancelling";
      return this.advance(b, true);
    }
    return b;
  }

  private list(url: string): unknown {
    const q = new URLSearchParams(url.split("?")[1] ?? "");
    const limit = Math.min(100, Math.max(1, Number(q.get("limit") ?? 20) || 20));
    // Newest first, as the Batch API lists them.
    const all = [...this.batches.values()].reverse();
    const after = q.get("after");
    const start = after ? all.findIndex((b) => b.id === after) + 1 : 0;
    const page = all.slice(start, start + limit).map((b) => this.view(this.advance(b)) as {id: string} & Record<string, unknown>);
    return {object: "list", data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: start + limit < all.length};
  }

  private view(b: SimBatch): Record<string, unknown> {
    return {
      id: b.id,
      object: "batch",
      endpoint: b.endpoint,
      errors: b.errors,
      input_file_id: b.input_file_id,
      completion_window: b.completion_window,
      status: b.status,
      output_file_id: b.output_file_id,
      error_file_id: b.error_file_id,
      created_at: Math.floor(b.createdMs / 1000),
      expires_at: Math.floor(b.createdMs / 1000) + 86_400,
      ...b.times,
      request_counts: b.counts,
      metadata: b.metadata,
    };
  }
}

function fileObject(f: SimFile): unknown {
  return {id: f.id, object: "file", bytes: f.bytes, created_at: f.created_at, filename: f.filename, purpose: f.purpose, status: "processed"};
}

/** The parts of a multipart/form-data body (text parts only: batch files are JSONL). */
function parseMultipart(raw: string, boundary: string): Map<string, {value: string; filename?: string}> {
  const out = new Map<string, {value: string; filename?: string}>();
  for (const part of raw.split(`--${boundary}`)) {
    const sep = part.indexOf("\r\n\r\n");
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/.exec(head)?.[1];
    if (!name) continue;
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    // Each part's content ends with the CRLF that precedes the next boundary.
    const value = part.slice(sep + 4).replace(/\r\n$/, "");
    out.set(name, filename === undefined ? {value} : {value, filename});
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {"content-type": "application/json", "content-length": Buffer.byteLength(text)});
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, code: string | null, param: string | null, type = "invalid_request_error"): void {
  sendJson(res, status, {error: {message, type, param, code}});
}

/** One line of a batch's error file, in the Batch API's shape. */
function errorLine(id: string, customId: string, status: number, error: {message: string; type: string; param: unknown; code: unknown}): string {
  return JSON.stringify({id, custom_id: customId, response: {status_code: status, request_id: id, body: {error}}, error: null});
}
