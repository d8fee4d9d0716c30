// Batch mode for judge calls (`em run --batch`): instead of one HTTP call per judge request, the
// requests a run still needs are written as Batch API JSONL, uploaded, and run as batches; their
// output is merged into the cache and each waiting judge call gets its result.
//
// Life of a request: `judge()` queues it (or, when a batch from an earlier run already holds its
// key, waits for that batch); `drain()` -- called once generation has produced every answer --
// uploads the queue in files within the limits, persists a record per batch (store.ts), polls
// until every batch with waiting requests is terminal, merges outputs into the cache, and sends
// failed, expired or missing lines to a new batch (up to `rounds` times) and then through the
// synchronous path. Nothing is lost: every waiter ends with a value or an error row, and a
// result is cached as soon as it is downloaded, even if no request of this run waits for it.
import type OpenAI from "openai";
import type {Cache} from "../cache.ts";
import type {Endpoint} from "../client/endpoints.ts";
import type {JudgeValue} from "../judge.ts";
import {
  createBatch,
  downloadText,
  findBatchByInput,
  judgeLine,
  OPENAI_MAX_BYTES,
  OPENAI_MAX_REQUESTS,
  parseResults,
  splitLines,
  TERMINAL,
  uploadLines,
  type Line,
} from "./api.ts";
import {readRecords, recordName, writeRecord, type BatchRecord} from "./store.ts";

export interface BatchOptions {
  /** Requests per file (default 50,000, the OpenAI limit). */
  maxRequests?: number;
  /** Bytes per file (default 200 MB). */
  maxBytes?: number;
  /** Poll interval, ms (default 30 s; 100 ms for the in-process simulator). */
  pollMs?: number;
  /** New batches for failed / expired lines before the synchronous path (default 2). */
  rounds?: number;
  /** Request path in the lines and of the batch (default "/v1/chat/completions"; Azure: "/chat/completions"). */
  url?: string;
  /** One line per event (batch created, done, resumed, lost); default: stderr. */
  onEvent?: (message: string) => void;
}

export interface BatchStats {
  /** Lines uploaded (first submissions and resubmissions), files / batches created, bytes uploaded. */
  lines: number;
  batches: number;
  bytes: number;
  /** Batches from an earlier run picked up (and, of those, adopted from a "creating" record). */
  resumed: number;
  adopted: number;
  /** Lines merged into the cache, failed, expired, absent from both files. */
  ok: number;
  failed: number;
  expired: number;
  missing: number;
  /** Batches the server did not know (their requests were submitted again). */
  lost: number;
  /** Lines sent to a new batch after failing or expiring; requests sent through the synchronous path at the end. */
  resubmitted: number;
  sync: number;
  /** HTTP requests made for batch mode (uploads, creates, polls, downloads, lists). */
  httpRequests: number;
}

export interface JudgeRequest {
  ep: Endpoint;
  apiKeyEnv: string | null;
  cache: Cache<unknown>;
  model: string;
  prompt: string;
  key: string;
  /** The synchronous path, for lines that keep failing in batches. */
  sync: () => Promise<JudgeValue>;
}

interface Waiter extends JudgeRequest {
  round: number;
  resolve: (v: JudgeValue) => void;
  reject: (e: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isPending = (r: BatchRecord) => r.state === "pending" || r.state === "creating";

/** Every batch of one run, across endpoints and caches. */
export class BatchRunner {
  readonly stats: BatchStats = {
    lines: 0,
    batches: 0,
    bytes: 0,
    resumed: 0,
    adopted: 0,
    ok: 0,
    failed: 0,
    expired: 0,
    missing: 0,
    lost: 0,
    resubmitted: 0,
    sync: 0,
    httpRequests: 0,
  };
  private readonly groups = new Map<string, EndpointBatches>();
  readonly event: (message: string) => void;

  constructor(readonly opts: BatchOptions = {}) {
    this.event = opts.onEvent ?? ((m) => process.stderr.write(m + "\n"));
  }

  /** A judge result through a batch. */
  judge(r: JudgeRequest): Promise<JudgeValue> {
    const k = `${r.ep.id}\0${r.cache.dir}`;
    let g = this.groups.get(k);
    if (!g) this.groups.set(k, (g = new EndpointBatches(this, r.ep, r.apiKeyEnv, r.cache)));
    return g.add(r);
  }

  /**
   * Wait for persisted batches without any request of a run waiting (\`em batch wait\`): poll the
   * selected pending records of one endpoint until terminal and merge their results into the cache.
   * Failed, expired and missing lines stay uncached; the next run sends them again.
   */
  async settle(ep: Endpoint, apiKeyEnv: string | null, cache: Cache<unknown>, ids: ReadonlySet<string> | null): Promise<void> {
    const g = new EndpointBatches(this, ep, apiKeyEnv, cache, ids);
    await g.settle();
  }

  /** Submit what is queued and wait until every request has its result (or has gone to the synchronous path). */
  async drain(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.drain()));
  }
}

/** The batches of one endpoint writing into one cache. */
class EndpointBatches {
  private queue: Waiter[] = [];
  private readonly waiting = new Map<string, Waiter>();
  private readonly records: BatchRecord[];
  private readonly recordOf = new Map<string, BatchRecord>();
  private seq = 0;
  private readonly client: OpenAI;
  private readonly url: string;
  private readonly pollMs: number;
  private readonly rounds: number;

  constructor(
    private readonly run: BatchRunner,
    private readonly ep: Endpoint,
    private readonly apiKeyEnv: string | null,
    private readonly cache: Cache<unknown>,
    only: ReadonlySet<string> | null = null,
  ) {
    this.client = ep.client;
    const o = run.opts;
    this.url = o.url ?? "/v1/chat/completions";
    this.pollMs = o.pollMs ?? (ep.sim ? 100 : 30_000);
    this.rounds = o.rounds ?? 2;
    // Batches of an earlier run against this endpoint and cache: their requests are not sent again.
    this.records = readRecords(cache.dir).filter((r) => isPending(r) && r.endpoint_id === ep.id && (!only || only.has(r.id ?? r.name)));
    for (const r of this.records) for (const key of r.keys) this.recordOf.set(key, r);
    if (this.records.length && !only) {
      run.stats.resumed += this.records.length;
      run.event(
        `batch: resuming ${this.records.length} batch(es) of an earlier run (${this.records.reduce((s, r) => s + r.requests, 0)} requests) on ${ep.label}`,
      );
    }
  }

  add(r: JudgeRequest): Promise<JudgeValue> {
    return new Promise<JudgeValue>((resolve, reject) => {
      // Merged meanwhile from a batch of an earlier run.
      const hit = r.cache.peek(r.key) as JudgeValue | undefined;
      if (hit) return resolve(hit);
      const w: Waiter = {...r, round: 0, resolve, reject};
      const rec = this.recordOf.get(r.key);
      if (rec && isPending(rec)) this.waiting.set(r.key, w);
      else this.queue.push(w);
    });
  }

  async drain(): Promise<void> {
    for (;;) {
      await this.submitQueue();
      const active = () => this.records.some((r) => isPending(r) && r.keys.some((k) => this.waiting.has(k)));
      if (!active() && !this.queue.length) break;
      await this.pollOnce();
      if (active() && !this.queue.length) await sleep(this.pollMs);
    }
  }

  async settle(): Promise<void> {
    while (this.records.some(isPending)) {
      await this.pollOnce();
      if (this.records.some(isPending)) await sleep(this.pollMs);
    }
  }

  private http<T>(p: Promise<T>): Promise<T> {
    this.run.stats.httpRequests++;
    return p;
  }

  /** Upload the queue (grouped by model: one model per batch file), create the batches, persist them. */
  private async submitQueue(): Promise<void> {
    if (!this.queue.length) return;
    const byModel = new Map<string, Waiter[]>();
    for (const w of this.queue) {
      let list = byModel.get(w.model);
      if (!list) byModel.set(w.model, (list = []));
      list.push(w);
    }
    this.queue = [];
    const o = this.run.opts;
    for (const [model, waiters] of byModel) {
      const byKey = new Map(waiters.map((w) => [w.key, w]));
      const lines: Line[] = waiters.map((w) => judgeLine(w.key, model, w.prompt, this.url));
      for (const file of splitLines(lines, o.maxRequests ?? OPENAI_MAX_REQUESTS, o.maxBytes ?? OPENAI_MAX_BYTES)) {
        const round = Math.max(...file.map((l) => byKey.get(l.key)!.round));
        const name = recordName(++this.seq);
        let rec: BatchRecord;
        try {
          const up = await this.http(uploadLines(this.client, file, `em-${name}.jsonl`));
          rec = {
            name,
            id: null,
            state: "creating",
            endpoint_id: this.ep.id,
            base_url: this.ep.sim ? "sim" : this.ep.url,
            api_key_env: this.apiKeyEnv,
            url: this.url,
            model,
            input_file_id: up.id,
            requests: file.length,
            bytes: up.bytes,
            round,
            created_at: new Date().toISOString(),
            server_status: null,
            checked_at: null,
            result: null,
            keys: file.map((l) => l.key),
          };
          writeRecord(this.cache.dir, rec);
          const b = await this.http(createBatch(this.client, up.id, this.url, {source: "em-observatory", record: name}));
          rec.id = b.id;
          rec.state = "pending";
          rec.server_status = b.status;
          writeRecord(this.cache.dir, rec);
          this.run.stats.bytes += up.bytes;
        } catch (error) {
          // The batch could not be made: these requests go through the synchronous path.
          this.run.event(
            `batch: could not create a batch on ${this.ep.label} (${this.ep.redact((error as Error).message)}); ${file.length} request(s) go through the synchronous path`,
          );
          for (const l of file) this.toSync(byKey.get(l.key)!);
          continue;
        }
        this.run.stats.batches++;
        this.run.stats.lines += file.length;
        this.records.push(rec);
        for (const l of file) {
          this.recordOf.set(l.key, rec);
          this.waiting.set(l.key, byKey.get(l.key)!);
        }
        this.run.event(
          `batch: ${rec.id} created on ${this.ep.label}: ${file.length} requests, ${rec.bytes} bytes, model ${model}${round ? `, retry round ${round}` : ""}`,
        );
      }
    }
  }

  /** Look at every pending batch once; merge the terminal ones. */
  private async pollOnce(): Promise<void> {
    for (const rec of this.records) {
      if (!isPending(rec)) continue;
      if (rec.state === "creating") {
        // Killed between upload and the record update: the batch may exist; adopt it if so.
        const found = await this.http(findBatchByInput(this.client, rec.input_file_id)).catch(() => null);
        if (!found) {
          this.lose(rec, `no batch on ${this.ep.label} was made from file ${rec.input_file_id}`);
          continue;
        }
        rec.id = found.id;
        rec.state = "pending";
        this.run.stats.adopted++;
        writeRecord(this.cache.dir, rec);
      }
      let b: Awaited<ReturnType<typeof this.client.batches.retrieve>>;
      try {
        b = await this.http(this.client.batches.retrieve(rec.id!));
      } catch (error) {
        if ((error as {status?: number}).status === 404) {
          this.lose(rec, `${this.ep.label} does not know batch ${rec.id}`);
          continue;
        }
        throw error;
      }
      rec.server_status = b.status;
      rec.checked_at = new Date().toISOString();
      if (!TERMINAL.has(b.status)) {
        writeRecord(this.cache.dir, rec);
        continue;
      }
      await this.merge(
        rec,
        b.status,
        b.output_file_id ?? null,
        b.error_file_id ?? null,
        b.errors?.data?.map((e) => `${e.code}: ${e.message}`).join("; ") ?? "",
      );
    }
  }

  /** Download a terminal batch's files, cache every result, resolve or retry its waiters. */
  private async merge(rec: BatchRecord, status: string, outputId: string | null, errorId: string | null, batchErrors: string): Promise<void> {
    const st = this.run.stats;
    const seen = new Set<string>();
    const mine = new Set(rec.keys);
    let ok = 0;
    let failed = 0;
    let expired = 0;
    for (const id of [outputId, errorId]) {
      if (!id) continue;
      const {results} = parseResults(await this.http(downloadText(this.client, id)));
      for (const r of results) {
        if (seen.has(r.key) || !mine.has(r.key)) continue;
        seen.add(r.key);
        const w = this.waiting.get(r.key);
        if (r.ok) {
          ok++;
          this.cache.set(r.key, r.value);
          if (w) {
            this.waiting.delete(r.key);
            w.resolve(r.value);
          }
        } else {
          if (r.expired) expired++;
          else failed++;
          if (w) this.retry(w);
        }
      }
    }
    let missing = 0;
    for (const key of rec.keys) {
      if (seen.has(key)) continue;
      missing++;
      const w = this.waiting.get(key);
      if (w) this.retry(w);
    }
    st.ok += ok;
    st.failed += failed;
    st.expired += expired;
    st.missing += missing;
    rec.state = status === "cancelled" ? "cancelled" : "merged";
    rec.result = {ok, failed, expired, missing};
    writeRecord(this.cache.dir, rec);
    this.run.event(
      `batch: ${rec.id} ${status}: ${ok} cached, ${failed} failed, ${expired} expired, ${missing} without a result${batchErrors ? ` (${batchErrors.slice(0, 200)})` : ""}`,
    );
  }

  private lose(rec: BatchRecord, why: string): void {
    rec.state = "lost";
    writeRecord(this.cache.dir, rec);
    this.run.stats.lost++;
    let n = 0;
    for (const key of rec.keys) {
      const w = this.waiting.get(key);
      if (w) {
        n++;
        this.retry(w);
      }
    }
    this.run.event(`batch: ${why}; its ${n} request(s) still needed are submitted again`);
  }

  /** A line without a result: a new batch while rounds remain, then the synchronous path. */
  private retry(w: Waiter): void {
    this.waiting.delete(w.key);
    const rec = this.recordOf.get(w.key);
    if (rec) this.recordOf.delete(w.key);
    if (w.round < this.rounds) {
      w.round++;
      this.run.stats.resubmitted++;
      this.queue.push(w);
    } else this.toSync(w);
  }

  private toSync(w: Waiter): void {
    this.run.stats.sync++;
    w.sync().then(w.resolve, w.reject);
  }
}
