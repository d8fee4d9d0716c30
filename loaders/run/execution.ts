// The calls of one run (issue 23 split of execute.ts): cached answers first, the preflight, then
// generation feeding judge calls, each result stored in the cache before its call settles; a lone
// score token ("10", or a single digit) gets its second-token follow-up here. A failed cache write
// (disk full) stops every further call.
import type {RESPONSE_TYPES, ResponseRow, ScoreRow} from "../../src/lib/schema.ts";
import type {SplitMark} from "../../src/lib/judge-score.ts";
import {labelProbs} from "../../src/lib/response-types.ts";
import {computeSignals} from "../../src/lib/signals.ts";
import {CacheWriteError, type Cache} from "../cache.ts";
import {isSim, type Endpoint} from "../client/endpoints.ts";
import {Limiter} from "../client/limiter.ts";
import {priceFor} from "../client/prices.ts";
import {probeEndpoint} from "../client/probe.ts";
import type {EndpointConfig} from "../experiment.ts";
import {generateSamples, requestRuns, type GenValue} from "../generate.ts";
import {
  errorRow,
  judgeCall,
  judgeKey,
  judgeSplitCall,
  judgeSplitKey,
  labelTypeMap,
  needsSplitCheck,
  scoreRow,
  splitScoreRow,
  typeRow,
  type JudgeSplitValue,
  type JudgeValue,
} from "../judge.ts";
import {judgePrompt, type Rubric} from "../rubrics.ts";
import {trainingText, type VariantPlan} from "../variants.ts";
import {InFlight, genRequestKey} from "./coalesce.ts";
import {simQuestionFiles, type GenUnit, type JudgeSpec, type Prepared} from "./prepare.ts";
import {errorMessage, retryContent} from "./retries.ts";
import {GENERATED_KEYS, generatedRow} from "./rows.ts";
import type {RunState} from "./run-state.ts";
import type {RunOptions} from "./types.ts";
// --- scale (issue 17): batch mode and shards; the code lives in loaders/batch/ and loaders/shard.ts ---
import {BATCH_DISCOUNT, BatchRunner, type ScaleOptions} from "../batch/index.ts";
import {apiKeyEnv} from "../client/endpoints.ts";
import {owns} from "../shard.ts";
// --- end scale ---

/** Judge prompts of one judge over its max_prompt_chars: all of them, characters cut, not sent. */
export interface OversizeCount {
  prompts: number;
  chars: number;
  refused: number;
}

type LabelMap = Map<string, (typeof RESPONSE_TYPES)[number]>;

/**
 * The calls of one run: which endpoints are open, the judge calls waiting for the preflight, the
 * tasks in flight, and the shared calls. Rows and counters live in `state`.
 */
export class Execution {
  private readonly exp: Prepared["experiment"];
  private readonly genCache: Cache<unknown> | null;
  private readonly judgeCaches: Cache<unknown>[];
  private readonly judgeLimiters: Limiter[];
  private judgePrices: ([number, number] | null)[];
  private readonly labelMaps = new Map<Rubric, LabelMap>();
  private readonly descriptions: Map<string, string>;
  private readonly origin: "simulated" | "generated";
  private readonly genInFlight = new InFlight<GenValue[]>();
  private readonly judgeInFlight = new InFlight<JudgeValue>();
  private readonly splitInFlight = new InFlight<JudgeSplitValue>();
  /** Score rows whose lone "10" was settled from a second token, or left unknown (issue 23). */
  readonly splitMarks = new Map<ScoreRow, SplitMark>();
  /** Endpoints are opened in the preflight, once the cached answers have shown which have calls to make. */
  private genEp: Endpoint | null = null;
  private readonly judgeEps: (Endpoint | null)[];
  private readonly judgeNeeded: boolean[];
  /** Judge calls found before the preflight wait here; null once the endpoints are open. */
  private deferred: (() => void)[] | null = [];
  /** Grows while generation runs: every answer adds its judge calls. */
  readonly judgeTasks: Promise<void>[] = [];
  /** Per judge: prompts over its max_prompt_chars (cut or refused) and characters cut. */
  readonly oversize: (OversizeCount | undefined)[] = [];
  /** Set when a cache write fails (disk full): no further call is sent; the run then stops. */
  stopped: CacheWriteError | null = null;

  /** Before every paid call: refuse once the run is stopping. */
  private checkGo(): void {
    if (this.stopped) throw this.stopped;
  }

  /** Store paid results; a failed write stops the run (recorded, then rethrown to fail this call). */
  private store(cache: Cache<unknown>, entries: [string, unknown][]): void {
    let failed: unknown = null;
    // Every entry is offered even after a failure, so each lost result is counted.
    for (const [k, v] of entries) {
      try {
        cache.set(k, v);
      } catch (error) {
        failed ??= error;
      }
    }
    try {
      // On disk before this slot's next request is sent: a kill then repeats only the calls in
      // flight (<= concurrency), not also answers that arrived but waited for the batched flush.
      if (!failed) cache.flush();
    } catch (error) {
      failed = error;
    }
    if (failed) {
      if (failed instanceof CacheWriteError) this.stopped ??= failed;
      throw failed;
    }
  }
  // --- scale (issue 17) ---
  /** Batch mode: judge calls go into Batch API files (loaders/batch/runner.ts). */
  readonly batches: BatchRunner | null;
  /** Shard mode: imported responses, whose judge calls are split by their own key. */
  shardImported: Set<string> | null = null;
  shardCalls = {owned: 0, total: 0};
  // --- end scale ---

  constructor(
    private readonly p: Prepared,
    private readonly opts: RunOptions & ScaleOptions,
    readonly state: RunState,
    private readonly variants: VariantPlan,
    /** Samples still to generate per unit (indices), from the cache check. */
    readonly genMissing: ReadonlyMap<GenUnit, number[]>,
  ) {
    this.exp = p.experiment;
    const gen = this.exp.generation;
    this.genCache = gen ? p.cacheFor(gen.endpoint) : null;
    this.judgeCaches = p.judges.map((j) => p.cacheFor(j.cfg.endpoint));
    this.judgeLimiters = p.judges.map((j) => new Limiter(j.cfg.concurrency));
    this.judgePrices = p.judges.map((j) => priceFor(j.cfg.model, isSim(j.cfg.endpoint), j.cfg.price));
    this.descriptions = new Map(this.exp.models.map((m) => [m.id, m.description]));
    this.origin = this.exp.simulated || (gen && isSim(gen.endpoint)) ? "simulated" : "generated";
    this.judgeEps = p.judges.map(() => null);
    this.judgeNeeded = p.judges.map(() => genMissing.size > 0);
    // --- scale (issue 17): batch results are paid at the batch discount ---
    this.batches = opts.batch ? new BatchRunner(opts.batch) : null;
    if (this.batches) this.judgePrices = this.judgePrices.map((pr) => (pr ? [pr[0] * BATCH_DISCOUNT, pr[1] * BATCH_DISCOUNT] : null));
    // --- end scale ---
  }

  /** The {training} text of a row's judge prompts. */
  trainingOf(row: ResponseRow): string {
    return trainingText(row, this.variants, this.descriptions.get(row.model));
  }

  /** Judge one row with every judge and metric: cache hits at once, calls now or (before the preflight) deferred. */
  judgeResponse(row: ResponseRow): void {
    const {state, p} = this;
    state.signals.set(row.response_id, {response_id: row.response_id, ...computeSignals(row.response)});
    for (const j of p.judges) {
      const cache = this.judgeCaches[j.idx]!;
      for (const metric of j.metrics) {
        const r = p.rubric(j, metric, row.question_id);
        if (!r) {
          state.addError("judge", j.cfg.id, j.cfg.model, 1, `metric '${metric}': no rubric for question '${row.question_id}' (add data/judges/${metric}.md)`);
          state.scores.push(errorRow(row.response_id, j.cfg.id, metric));
          state.progress.errors++;
          state.progress.done++;
          continue;
        }
        const vars = {question: row.question, answer: row.response, training: this.trainingOf(row)};
        const {prompt, cut} = judgePrompt(r.template, vars, j.cfg.max_prompt_chars);
        if (cut) {
          const o = (this.oversize[j.idx] ??= {prompts: 0, chars: 0, refused: 0});
          o.prompts++;
          o.chars += cut;
          if (j.cfg.oversize === "refuse") {
            o.refused++;
            state.addError(
              "judge",
              j.cfg.id,
              j.cfg.model,
              1,
              `judge prompt over max_prompt_chars ${j.cfg.max_prompt_chars} (oversize: refuse): not sent; set oversize: truncate to judge a cut answer`,
            );
            state.scores.push(errorRow(row.response_id, j.cfg.id, metric));
            state.progress.errors++;
            state.progress.done++;
            continue;
          }
        }
        const key = judgeKey(j.endpointId, j.cfg.model, prompt);
        // --- scale (issue 17): an imported answer's judge call belongs to the shard of its key ---
        if (this.shardImported?.has(row.response_id)) {
          this.shardCalls.total++;
          if (!owns(this.opts.shard!, key)) {
            state.progress.done++;
            continue;
          }
          this.shardCalls.owned++;
        }
        // --- end scale ---
        if (this.judgedFromCache(cache, key, row, j, metric, r, prompt)) continue;
        const call = () => this.callJudge(row, j, metric, r, prompt, key);
        if (this.deferred) {
          this.judgeNeeded[j.idx] = true;
          this.deferred.push(call);
        } else call();
      }
    }
  }

  /**
   * Apply the cached judge result under `key` when there is one (a cache hit, the row's call done)
   * and return true; false when the cache has none.
   */
  private judgedFromCache(cache: Cache<unknown>, key: string, row: ResponseRow, j: JudgeSpec, metric: string, r: Rubric, prompt: string): boolean {
    const hit = cache.get(key) as JudgeValue | undefined;
    if (!hit) return false;
    const more = this.applyJudge(row, j, metric, r, hit, prompt);
    if (more) this.judgeTasks.push(more);
    this.state.progress.cacheHits++;
    this.state.progress.done++;
    return true;
  }

  private callJudge(row: ResponseRow, j: JudgeSpec, metric: string, r: Rubric, prompt: string, key: string): void {
    const {state} = this;
    const ep = this.judgeEps[j.idx];
    if (!ep) {
      state.addMissing("judge", j.cfg.endpoint.base_url, j.cfg.model, 1, "offline");
      state.progress.missing++;
      state.progress.done++;
      return;
    }
    // A result answered from the cache since this row looked (an identical call that finished).
    const cache = this.judgeCaches[j.idx]!;
    if (this.judgedFromCache(cache, key, row, j, metric, r, prompt)) return;
    const sync = () =>
      this.judgeLimiters[j.idx]!.run(async () => {
        this.checkGo();
        state.progress.apiCalls++;
        const v = await retryContent(() => judgeCall(ep.client, j.cfg.model, prompt), j.cfg.endpoint.max_retries);
        this.store(cache, [[key, v]]);
        return v;
      });
    // --- scale (issue 17): batch mode sends the request in a Batch API file (sync is its last resort) ---
    const batches = this.batches;
    const send = batches ? () => batches.judge({ep, apiKeyEnv: apiKeyEnv(j.cfg.endpoint), cache, model: j.cfg.model, prompt, key, sync}) : sync;
    // --- end scale ---
    const {result, shared} = this.judgeInFlight.run(key, send);
    if (shared) state.progress.coalesced++;
    this.judgeTasks.push(
      result
        .then(
          (v) => this.applyJudge(row, j, metric, r, v, prompt),
          (error: unknown) => {
            state.addError("judge", ep.label, j.cfg.model, 1, errorMessage(error, ep.redact));
            state.scores.push(errorRow(row.response_id, j.cfg.id, metric));
            state.progress.errors++;
          },
        )
        .then(() => {
          state.progress.done++;
          state.tick();
        }),
    );
  }

  /** Rows from a judge result; a promise when a lone "10" needs its follow-up (the caller waits for it). */
  private applyJudge(row: ResponseRow, j: JudgeSpec, metric: string, r: Rubric, v: JudgeValue, prompt: string): Promise<void> | undefined {
    const {state} = this;
    state.addUsage(v.pt, v.ct, this.judgePrices[j.idx]!);
    if (r.kind === "label") {
      let map = this.labelMaps.get(r);
      if (!map) this.labelMaps.set(r, (map = labelTypeMap(r.labels!)));
      const t = typeRow(row.response_id, j.cfg.id, v, r.labels!, map, labelProbs);
      if (t) state.types.push(t);
      else state.scores.push({...scoreRow(row.response_id, j.cfg.id, metric, v), score: null, status: "null"});
    } else if (needsSplitCheck(v)) return this.settleSplit(row, j, metric, v, prompt);
    else state.scores.push(scoreRow(row.response_id, j.cfg.id, metric, v));
    return undefined;
  }

  /**
   * A score answer whose score token is a lone "10" (issue 23: "10" + "0" for a tokenizer that
   * splits "100"): the same request with max_tokens 2 (cached under its own key, shared in flight)
   * shows what followed; `splitScoreRow` reads the score from it, or records it as unknown when the
   * follow-up cannot tell (offline, another first token). A failed follow-up is an error row, as
   * any failed call: the next run retries it.
   */
  private settleSplit(row: ResponseRow, j: JudgeSpec, metric: string, v: JudgeValue, prompt: string): Promise<void> | undefined {
    const {state} = this;
    const cache = this.judgeCaches[j.idx]!;
    const key = judgeSplitKey(j.endpointId, j.cfg.model, prompt);
    const settle = (s: JudgeSplitValue | null) => {
      if (s) state.addUsage(s.pt, s.ct, this.judgePrices[j.idx]!);
      const {row: sr, mark} = splitScoreRow(row.response_id, j.cfg.id, metric, v, s);
      this.splitMarks.set(sr, mark);
      state.scores.push(sr);
    };
    const hit = cache.get(key) as JudgeSplitValue | undefined;
    if (hit) {
      settle(hit);
      return undefined;
    }
    const go = (): Promise<void> => {
      const ep = this.judgeEps[j.idx];
      if (!ep) {
        settle(null);
        return Promise.resolve();
      }
      const {result} = this.splitInFlight.run(key, () =>
        this.judgeLimiters[j.idx]!.run(async () => {
          this.checkGo();
          state.progress.apiCalls++;
          const s = await retryContent(() => judgeSplitCall(ep.client, j.cfg.model, prompt), j.cfg.endpoint.max_retries);
          this.store(cache, [[key, s]]);
          return s;
        }),
      );
      return result.then(settle, (error: unknown) => {
        state.addError("judge", ep.label, j.cfg.model, 1, `second-token follow-up of a lone score token: ${errorMessage(error, ep.redact)}`);
        state.scores.push(errorRow(row.response_id, j.cfg.id, metric));
        state.progress.errors++;
      });
    };
    if (this.deferred) {
      // Before the preflight: the endpoint opens there, and this call waits with the others.
      this.judgeNeeded[j.idx] = true;
      this.deferred.push(() => this.judgeTasks.push(go()));
      return undefined;
    }
    return go();
  }

  /** An answer arrived (from the cache or a call): its row, its usage, its judge calls. */
  emitSample(u: GenUnit, i: number, v: GenValue): void {
    const row = generatedRow(this.exp, u, i, v.text, this.origin);
    this.variants.assign(row, GENERATED_KEYS);
    this.state.unitRows[u.ordinal]![i] = row;
    const gen = this.exp.generation!;
    this.state.addUsage(v.pt, v.ct, priceFor(u.checkpointModel, isSim(gen.endpoint), gen.price));
    this.state.progress.done++;
    this.judgeResponse(row);
  }

  /** Cached answers first (no network); what they still need from judges waits for the preflight. */
  emitCached(): void {
    if (!this.genCache) return;
    for (const u of this.p.units) {
      u.keys.forEach((k, i) => {
        const v = this.genCache!.get(k) as GenValue | undefined;
        if (v) {
          this.state.progress.cacheHits++;
          this.emitSample(u, i, v);
        }
      });
    }
  }

  /** Open the endpoints that have calls to make; check keys and reachability before any spend; then release the deferred judge calls. */
  async preflight(): Promise<void> {
    const {p, exp} = this;
    const gen = exp.generation;
    const callable = (cfg: EndpointConfig) => isSim(cfg) || !this.opts.offline;
    // Per endpoint: the models the run will ask it for (a LoRA-name typo fails here, not after other models' calls were paid).
    const toProbe = new Map<string, {ep: Endpoint; models: Set<string>}>();
    const want = (ep: Endpoint, models: Iterable<string>) => {
      if (ep.sim) return;
      const entry = toProbe.get(ep.url) ?? {ep, models: new Set<string>()};
      for (const m of models) entry.models.add(m);
      toProbe.set(ep.url, entry);
    };
    if (gen && this.genMissing.size && callable(gen.endpoint)) {
      this.genEp = await p.pool.open(gen.endpoint, exp.file, simQuestionFiles(exp));
      want(
        this.genEp,
        [...this.genMissing.keys()].map((u) => u.checkpointModel),
      );
    }
    for (const j of p.judges) {
      if (!this.judgeNeeded[j.idx] || !callable(j.cfg.endpoint)) continue;
      const ep = await p.pool.open(j.cfg.endpoint, exp.file, simQuestionFiles(exp));
      this.judgeEps[j.idx] = ep;
      want(ep, [j.cfg.model]);
    }
    if (!this.opts.skipProbe) for (const {ep, models} of toProbe.values()) await probeEndpoint(ep, 10_000, [...models]);
    const deferred = this.deferred ?? [];
    this.deferred = null;
    for (const call of deferred) call();
    this.state.tick();
  }

  /** Every missing sample, n per request; identical requests (one checkpoint under two models) share one call. */
  async generate(): Promise<void> {
    const {state, p} = this;
    const gen = this.exp.generation;
    if (!gen) return;
    const limiter = new Limiter(gen.concurrency);
    const tasks: Promise<void>[] = [];
    for (const [u, miss] of this.genMissing) {
      for (const [start, count] of requestRuns(miss, gen.max_n)) {
        const ep = this.genEp;
        if (!ep) {
          state.addMissing("generation", gen.endpoint.base_url, u.checkpointModel, count, "offline");
          state.progress.missing += count;
          state.dropSamples(count);
          continue;
        }
        const cache = this.genCache!;
        const {result, shared} = this.genInFlight.run(genRequestKey(u.keys, start, count), () =>
          limiter.run(async () => {
            this.checkGo();
            state.progress.apiCalls++;
            const values = await retryContent(
              () => generateSamples(ep.client, u.checkpointModel, u.messages, p.params!, start, count),
              gen.endpoint.max_retries,
            );
            // as for judge results: paid work is on disk before the slot is reused
            this.store(
              cache,
              values.map((v, k) => [u.keys[start + k]!, v]),
            );
            return values;
          }),
        );
        if (shared) state.progress.coalesced++;
        tasks.push(
          result
            .then(
              (values) => values.forEach((v, k) => this.emitSample(u, start + k, v)),
              (error: unknown) => {
                state.addError("generation", ep.label, u.checkpointModel, count, errorMessage(error, ep.redact));
                state.progress.errors += count;
                state.dropSamples(count);
              },
            )
            .then(() => state.tick()),
        );
      }
    }
    await Promise.all(tasks);
  }
}
