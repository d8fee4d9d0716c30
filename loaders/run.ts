// runExperiment: load an experiment file, generate (or read from cache) every answer, judge every
// answer with every configured judge and metric, import result files, and return the tables.
//
// Order of work, so that nothing is spent before everything that can fail cheaply has been checked:
//   1. load and validate the experiment, question files and rubrics (errors name file/line/field);
//   2. plan: every sample and judge call is looked up in the cache (cached answers and imports are
//      judged from the cache at once; the judge calls they still need are held back);
//   3. preflight: for each non-simulator endpoint that still has calls to make, the api key env
//      var must be set and GET /models must answer (offline mode skips those calls instead);
//   4. execute: generation requests (bounded per endpoint) feed judge calls (bounded per judge)
//      as soon as each answer arrives; results go to the cache within one event-loop turn.
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import {RESPONSE_TYPES, TOPIC_METRICS, type MetaValue, type Provenance, type ResponseRow, type ScoreRow, type SignalRow, type TypeRow} from "../src/lib/schema.ts";
import {labelProbs} from "../src/lib/response-types.ts";
import {classifyBySignals, computeSignals, questionContext, type TopicScores} from "../src/lib/signals.ts";
import {Cache} from "./cache.ts";
import {EndpointPool, Limiter, apiKeyEnv, endpointId, isSim, priceFor, probeEndpoint, simCodeHash, type Endpoint} from "./client.ts";
import {loadExperiment, type EndpointConfig, type Experiment} from "./experiment.ts";
import {importFiles, type ImportResult, type Mismatch} from "./import/index.ts";
import {checkLabelRefs, type LabelRef} from "./import/labels.ts";
import {buildMessages, genKey, generateSamples, requestRuns, type ChatMessage, type GenValue, type SamplingParams} from "./generate.ts";
import {errorRow, judgeCall, judgeKey, labelTypeMap, scoreRow, typeRow, type JudgeValue} from "./judge.ts";
import {ROOT, displayPath, readTextFile} from "./paths.ts";
import {parseQuestions, samplesPerParaphrase, type Question} from "./questions.ts";
import {JUDGES_DIR, fillTemplate, loadRubric, rubricFor, sha256, type Rubric} from "./rubrics.ts";
import {compileFilenamePattern} from "./import/filename.ts";
import type {ImportSpec} from "./import/index.ts";
import {questionFilter} from "./question-filter.ts";
import {planVariants, type VariantInput, type VariantPlan} from "./variants.ts";

/** Package version, recorded in provenance and part of the dataset memo key. */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {version: string}).version;

/** Default cache folders: paid results (committable) and simulator results (free, regenerable, ignored by git). */
export const DEFAULT_CACHE_DIR = path.join(ROOT, "data/cache");
export const DEFAULT_SIM_CACHE_DIR = path.join(ROOT, ".em/cache");

/** Assumed mean answer length, as a share of max_tokens, for cost estimates of answers not generated yet. */
export const EST_ANSWER_SHARE = 0.5;

export interface RunProgress {
  /** Units done / total: one unit per sample and per judge call (imports count as done at once). */
  done: number;
  total: number;
  cacheHits: number;
  apiCalls: number;
  errors: number;
  /** Work that offline mode skipped. */
  missing: number;
  elapsedMs: number;
}

export interface RunOptions {
  /** Cache folder for everything (overrides the experiment's `cache` and the simulator default). */
  cacheDir?: string;
  /** Never call a non-simulator endpoint; report what is missing instead. */
  offline?: boolean;
  /** Called after every unit of work (cheap; throttle rendering yourself). */
  onProgress?: (p: RunProgress) => void;
  /** Rubric folder (default data/judges). */
  judgesDir?: string;
  /** Recorded in provenance.created_by. */
  createdBy?: string;
  /** Skip the GET /models probe (tests of failure paths that want the call itself to fail). */
  skipProbe?: boolean;
  /** Where warnings go (variants without a baseline...); default: one line each on stderr. */
  onWarning?: (message: string) => void;
}

export interface MissingItem {
  kind: "generation" | "judge";
  endpoint: string;
  model: string;
  /** Samples (generation) or calls (judge) not available. */
  count: number;
  reason: string;
}

export interface ErrorItem {
  kind: "generation" | "judge" | "import";
  endpoint: string;
  model: string;
  count: number;
  /** First error message seen for this group. */
  message: string;
}

export interface RunStats {
  apiCalls: number;
  cacheHits: number;
  seconds: number;
  /** API calls per second of wall time (0 when none). */
  callsPerSecond: number;
  cache: {dir: string; entries: number; files: number; partial: number; corrupt: number; written: number}[];
}

export interface RunResult {
  experiment: Experiment;
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  signals: SignalRow[];
  provenance: Provenance;
  missing: MissingItem[];
  errors: ErrorItem[];
  /** Import rows that could not be used, with reasons. */
  skipped: {file: string; line?: number; reason: string}[];
  /**
   * Imported scores whose file value differs from the score recomputed from the row's own judge
   * probabilities (beyond the import's `tolerance`). The file's score is the one kept in `scores`.
   */
  mismatches: Mismatch[];
  /** Every imported file (path relative to the experiment's folder), its format, responses and skipped rows. */
  importedFiles: ImportResult["files"];
  /** Warnings (also passed to `onWarning`), e.g. variants for which no baseline matched. */
  warnings: string[];
  /** Variant ids, baseline variant ids, and the variants that found no baseline. */
  variants: {ids: string[]; baselines: string[]; unmatched: string[]};
  /** Imported rows dropped by the experiment's question filters. */
  filteredRows: number;
  stats: RunStats;
}

/** Judge id of the deterministic no-judge classifier's rows in the `types` table (reserved in experiment files). */
export const SIGNALS_JUDGE = "signals";

/**
 * Stable id of a generated response: first 16 hex chars of sha256 over JSON
 * [experiment, model, step, question_id, paraphrase, sample, source]. Imported rows use
 * `importedResponseId` (loaders/import/index.ts) instead.
 */
export function responseId(experiment: string, model: string, step: number | null, questionId: string, paraphrase: number, sample: number, source: string): string {
  return sha256(JSON.stringify([experiment, model, step, questionId, paraphrase, sample, source])).slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Preparation (no network)

interface GenUnit {
  ordinal: number;
  modelIdx: number;
  model: Experiment["models"][number];
  step: number | null;
  checkpointModel: string;
  checkpointMeta: Record<string, MetaValue>;
  question: Question;
  paraphrase: number;
  messages: ChatMessage[];
  count: number;
  keys: string[];
}

interface JudgeSpec {
  idx: number;
  cfg: Experiment["judges"][number];
  endpointId: string;
  /** metric -> base rubric (null when only question files define it) */
  base: Map<string, Rubric | null>;
  metrics: string[];
}

interface Prepared {
  experiment: Experiment;
  questions: Question[];
  questionFiles: {file: string; sha256: string}[];
  genEndpointId: string | null;
  params: SamplingParams | null;
  units: GenUnit[];
  judges: JudgeSpec[];
  /** rubric per judge x metric x question id */
  rubric(judge: JudgeSpec, metric: string, questionId: string): Rubric | null;
  pool: EndpointPool;
  caches: Map<string, Cache<unknown>>;
  cacheFor(cfg: EndpointConfig): Cache<unknown>;
}

function loadAllQuestions(exp: Experiment): {questions: Question[]; files: {file: string; sha256: string}[]} {
  const all: Question[] = [];
  const files: {file: string; sha256: string}[] = [];
  const where = new Map<string, Question>();
  const keep = questionFilter(exp);
  for (const file of exp.questions) {
    const text = readTextFile(file, "question file");
    files.push({file: projectPath(file), sha256: sha256(text)});
    for (const q of parseQuestions(text, file)) {
      if (keep && !keep(q.id)) continue;
      const prev = where.get(q.id);
      if (prev) throw new Error(`question id '${q.id}' appears twice: ${displayPath(prev.file)}:${prev.line} and ${displayPath(q.file)}:${q.line}`);
      where.set(q.id, q);
      all.push(q);
    }
  }
  return {questions: all, files};
}

async function prepare(file: string, opts: RunOptions): Promise<Prepared> {
  const experiment = await loadExperiment(file);
  const {questions, files: questionFiles} = loadAllQuestions(experiment);
  const pool = new EndpointPool();
  const needsSim = [experiment.generation?.endpoint, ...experiment.judges.map((j) => j.endpoint)].some((e) => e && isSim(e));
  const simVersion = needsSim ? simCodeHash() : "";
  const epId = (cfg: EndpointConfig) => endpointId(cfg, experiment.file, isSim(cfg) ? simVersion : "");

  const judgesDir = opts.judgesDir ?? JUDGES_DIR;
  const judges: JudgeSpec[] = experiment.judges.map((cfg, idx) => {
    const base = new Map<string, Rubric | null>();
    for (const m of cfg.metrics) base.set(m, existsSync(path.join(judgesDir, `${m}.md`)) ? loadRubric(m, judgesDir) : null);
    return {idx, cfg, endpointId: epId(cfg.endpoint), base, metrics: cfg.metrics};
  });
  const byId = new Map(questions.map((q) => [q.id, q]));
  const rubricCache = new Map<string, Rubric | null>();
  const rubric = (judge: JudgeSpec, metric: string, questionId: string): Rubric | null => {
    const k = `${judge.idx}\0${metric}\0${questionId}`;
    let r = rubricCache.get(k);
    if (r === undefined) {
      const q = byId.get(questionId);
      const base = judge.base.get(metric) ?? null;
      r = q ? rubricFor(q, metric, base) : base;
      rubricCache.set(k, r);
    }
    return r;
  };
  // Fail before any spend when a metric has no rubric for some question, or a label rubric is unusable.
  for (const j of judges) {
    for (const m of j.metrics) {
      for (const q of questions) rubric(j, m, q.id);
      const base = j.base.get(m);
      if (base?.kind === "label") labelTypeMap(base.labels!);
    }
  }

  const gen = experiment.generation;
  const params: SamplingParams | null = gen ? {temperature: gen.temperature, max_tokens: gen.max_tokens, top_p: gen.top_p, seed: gen.seed} : null;
  const genEndpointId = gen ? epId(gen.endpoint) : null;
  const units: GenUnit[] = [];
  experiment.models.forEach((model, modelIdx) => {
    for (const c of model.checkpoints) {
      for (const q of questions) {
        const counts = samplesPerParaphrase(q, experiment.samples ?? null);
        q.paraphrases.forEach((text, j) => {
          const count = counts[j]!;
          if (!count) return;
          const messages = buildMessages(text, q.system);
          const keys = Array.from({length: count}, (_, i) => genKey(genEndpointId!, c.model, messages, params!, i));
          units.push({ordinal: units.length, modelIdx, model, step: c.step, checkpointModel: c.model, checkpointMeta: c.meta, question: q, paraphrase: j, messages, count, keys});
        });
      }
    }
  });

  const caches = new Map<string, Cache<unknown>>();
  const cacheFor = (cfg: EndpointConfig): Cache<unknown> => {
    const dir = path.resolve(opts.cacheDir ?? experiment.cache ?? (isSim(cfg) ? DEFAULT_SIM_CACHE_DIR : DEFAULT_CACHE_DIR));
    let c = caches.get(dir);
    if (!c) caches.set(dir, (c = Cache.open(dir)));
    return c;
  };
  return {experiment, questions, questionFiles, genEndpointId, params, units, judges, rubric, pool, caches, cacheFor};
}

// ---------------------------------------------------------------------------------------------
// Plan (dry run)

export interface PlanLine {
  kind: "generation" | "judge";
  /** judge id, or "generation" */
  id: string;
  endpoint: string;
  model: string;
  /** Samples (generation) or judge calls in total, and how many are cached. */
  units: number;
  cached: number;
  /** HTTP requests still to make (generation uses n per request). */
  requests: number;
  /** Judge calls that depend on answers not generated yet are counted in `requests`, estimated. */
  est_prompt_tokens: number;
  est_completion_tokens: number;
  est_cost_usd: number | null;
  /** Env var the endpoint needs and whether it is set; null when none is needed. */
  key_env: string | null;
  key_set: boolean;
}

export interface Plan {
  experiment: Experiment;
  lines: PlanLine[];
  est_cost_usd: number | null;
  assumptions: string[];
}

const tokensOf = (chars: number) => Math.ceil(chars / 4);

/**
 * What `runExperiment` would call, without calling anything (no network, no simulator start).
 * Estimates: 4 characters per token; answers not generated yet take EST_ANSWER_SHARE of max_tokens.
 */
export async function planExperiment(file: string, opts: Pick<RunOptions, "cacheDir" | "judgesDir"> = {}): Promise<Plan> {
  const p = await prepare(file, opts);
  try {
    const {experiment: exp} = p;
    const lines: PlanLine[] = [];
    const gen = exp.generation;
    const estAnswerChars = gen ? gen.max_tokens * EST_ANSWER_SHARE * 4 : 0;
    // Known (cached) answers per unit, to compute exact judge keys where possible.
    const answers: {unit: GenUnit; texts: (string | null)[]}[] = [];
    if (gen && p.units.length) {
      const cache = p.cacheFor(gen.endpoint);
      let units = 0;
      let cached = 0;
      let requests = 0;
      let pt = 0;
      let ct = 0;
      for (const u of p.units) {
        const texts = u.keys.map((k) => (cache.peek(k) as GenValue | undefined)?.text ?? null);
        answers.push({unit: u, texts});
        const missing = texts.flatMap((t, i) => (t === null ? [i] : []));
        units += u.count;
        cached += u.count - missing.length;
        const runs = requestRuns(missing, gen.max_n);
        requests += runs.length;
        pt += runs.length * tokensOf(u.messages.reduce((s, m) => s + m.content.length, 0));
        ct += missing.length * Math.round(gen.max_tokens * EST_ANSWER_SHARE);
      }
      const price = priceFor(p.units[0]!.checkpointModel, isSim(gen.endpoint), gen.price);
      const env = apiKeyEnv(gen.endpoint);
      lines.push({
        kind: "generation",
        id: "generation",
        endpoint: isSim(gen.endpoint) ? "sim" : gen.endpoint.base_url,
        model: [...new Set(p.units.map((u) => u.checkpointModel))].length + " checkpoint model(s)",
        units,
        cached,
        requests,
        est_prompt_tokens: pt,
        est_completion_tokens: ct,
        est_cost_usd: price ? (pt * price[0] + ct * price[1]) / 1e6 : null,
        key_env: env,
        key_set: env ? !!process.env[env] : true,
      });
    }
    for (const j of p.judges) {
      const cache = p.cacheFor(j.cfg.endpoint);
      let units = 0;
      let cached = 0;
      let pt = 0;
      for (const {unit, texts} of answers) {
        for (const m of j.metrics) {
          const r = p.rubric(j, m, unit.question.id)!;
          for (const t of texts) {
            units++;
            const vars = {question: unit.question.paraphrases[unit.paraphrase]!, training: unit.model.description};
            if (t !== null) {
              const prompt = fillTemplate(r.template, {...vars, answer: t});
              if (cache.peek(judgeKey(j.endpointId, j.cfg.model, prompt))) {
                cached++;
                continue;
              }
              pt += tokensOf(prompt.length);
            } else {
              pt += tokensOf(fillTemplate(r.template, {...vars, answer: ""}).length + estAnswerChars);
            }
          }
        }
      }
      const requests = units - cached;
      const price = priceFor(j.cfg.model, isSim(j.cfg.endpoint), j.cfg.price);
      const env = apiKeyEnv(j.cfg.endpoint);
      lines.push({
        kind: "judge",
        id: j.cfg.id,
        endpoint: isSim(j.cfg.endpoint) ? "sim" : j.cfg.endpoint.base_url,
        model: j.cfg.model,
        units,
        cached,
        requests,
        est_prompt_tokens: pt,
        est_completion_tokens: requests,
        est_cost_usd: price ? (pt * price[0] + requests * price[1]) / 1e6 : null,
        key_env: env,
        key_set: env ? !!process.env[env] : true,
      });
    }
    const costs = lines.filter((l) => l.requests > 0).map((l) => l.est_cost_usd);
    return {
      experiment: exp,
      lines,
      est_cost_usd: costs.some((c) => c === null) ? null : costs.reduce<number>((s, c) => s + (c ?? 0), 0),
      assumptions: [
        "4 characters per token",
        `answers not generated yet: ${EST_ANSWER_SHARE * 100}% of max_tokens`,
        "imports are not counted (their responses are judged too when judges are configured)",
        "prices: USD list prices per 1M tokens in loaders/client.ts PRICES, or `price:` in the experiment; simulator free",
      ],
    };
  } finally {
    for (const c of p.caches.values()) c.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Run

/**
 * Generate, judge and import everything an experiment file asks for.
 * Returns rows in a deterministic order (models, checkpoints, questions, paraphrases, samples as
 * listed; imports after; scores by response, judge, metric). Throws before any API call when a
 * needed key is missing or an endpoint is unreachable. Calls that fail after retries become
 * `errors` (and error score rows), are not cached, and are retried by the next run.
 */
export async function runExperiment(file: string, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const p = await prepare(file, opts);
  try {
    return await execute(p, opts, t0);
  } finally {
    for (const c of p.caches.values()) c.close();
    await p.pool.close();
  }
}

async function execute(p: Prepared, opts: RunOptions, t0: number): Promise<RunResult> {
  const exp = p.experiment;
  const offline = !!opts.offline;
  const gen = exp.generation;

  // --- imports (local files; no spend)
  const imported: {responses: ResponseRow[]; scores: ScoreRow[]} = {responses: [], scores: []};
  const skipped: RunResult["skipped"] = [];
  const mismatches: Mismatch[] = [];
  const importedFiles: ImportResult["files"] = [];
  /** Judge ids of the imports, in `imports:` order (after the configured judges when choosing scores for signals). */
  const importJudges: string[] = [];
  const labelRefs: LabelRef[] = []; // human labels (issue 16)
  const errors = new Map<string, ErrorItem>();
  const addError = (kind: ErrorItem["kind"], endpoint: string, model: string, count: number, message: string) => {
    const k = `${kind}\0${endpoint}\0${model}`;
    const e = errors.get(k);
    if (e) e.count += count;
    else errors.set(k, {kind, endpoint, model, count, message});
  };
  const importedBy = new Map<string, number>();
  /** The import spec each imported row came from (by its meta.file), for the default variant keys. */
  const importSpecOf = (r: ResponseRow): ImportSpec | undefined => {
    const i = importedBy.get(String(r.meta?.file ?? ""));
    return i === undefined ? undefined : exp.imports[i];
  };
  for (const [i, spec] of exp.imports.entries()) {
    let r: ImportResult;
    try {
      r = await importFiles(spec, {experiment: exp.name, baseDir: path.dirname(exp.file)});
    } catch (error) {
      // The importer names the data file (and line); say which experiment entry asked for it.
      throw new Error(`${displayPath(exp.file)}: imports[${i}]: ${(error as Error).message.replace(/^imports: /, "")}`);
    }
    // push(...rows) overflows the call stack past ~100k arguments; a million-row import must work.
    for (const x of r.responses) imported.responses.push(x);
    for (const x of r.scores) imported.scores.push(x);
    for (const x of r.skipped) skipped.push(x);
    for (const x of r.mismatches) mismatches.push(x);
    for (const x of r.files) {
      // Ids of imported rows come from (file, row): a file read twice would give every row twice, under one id.
      const prev = importedBy.get(x.file);
      if (prev !== undefined) throw new Error(`${displayPath(exp.file)}: imports[${i}]: ${x.file} is also read by imports[${prev}]; import each file once (one entry can map several score columns with metrics:)`);
      importedBy.set(x.file, i);
      importedFiles.push(x);
    }
    if (!importJudges.includes(spec.judge)) importJudges.push(spec.judge);
    if (r.labels) labelRefs.push(...r.labels); // human labels (issue 16)
  }
  // Question filters apply to imported rows too (and drop their scores).
  let filteredRows = 0;
  const keepQuestion = questionFilter(exp);
  if (keepQuestion) {
    const dropped = new Set<string>();
    imported.responses = imported.responses.filter((r) => keepQuestion(r.question_id) || (dropped.add(r.response_id), false));
    if (dropped.size) imported.scores = imported.scores.filter((x) => !dropped.has(x.response_id));
    filteredRows = dropped.size;
  }

  // --- human labels (issue 16, loaders/import/labels.ts): every label must name an answer of this
  // experiment, checked before anything is spent. Generated ids are known from the plan.
  if (labelRefs.length) {
    const known = new Set<string>(imported.responses.map((r) => r.response_id));
    for (const u of p.units) for (let i = 0; i < u.count; i++) known.add(responseId(exp.name, u.model.id, u.step, u.question.id, u.paraphrase, i, u.checkpointModel));
    checkLabelRefs(labelRefs, known, exp.name);
  }
  // --- end human labels

  // --- variants, replicates, baselines: decided (and checked) before anything is spent. Generated
  // rows are represented by one prototype per checkpoint (their meta is the model's and checkpoint's).
  const variantInputs: VariantInput[] = [];
  for (const r of imported.responses) variantInputs.push({row: r, defaultKeys: importDefaultKeys(importSpecOf, r)});
  for (const m of exp.models) {
    for (const c of m.checkpoints) {
      variantInputs.push({row: {...protoRow, model: m.id, step: c.step, source: c.model, meta: generatedMeta(m, c.meta)}, defaultKeys: GENERATED_KEYS});
    }
  }
  const plan = planVariants(variantConfig(exp), variantInputs);
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(m + "\n"));
  for (const w of plan.warnings) warn(w);

  // --- plan against the cache
  const genCache = gen ? p.cacheFor(gen.endpoint) : null;
  const genMissing = new Map<GenUnit, number[]>();
  for (const u of p.units) {
    const miss: number[] = [];
    u.keys.forEach((k, i) => {
      if (!genCache!.has(k)) miss.push(i);
    });
    if (miss.length) genMissing.set(u, miss);
  }
  const judgeCaches = p.judges.map((j) => p.cacheFor(j.cfg.endpoint));

  // --- execute
  const missing = new Map<string, MissingItem>();
  const addMissing = (kind: MissingItem["kind"], endpoint: string, model: string, count: number, reason: string) => {
    const k = `${kind}\0${endpoint}\0${model}\0${reason}`;
    const e = missing.get(k);
    if (e) e.count += count;
    else missing.set(k, {kind, endpoint, model, count, reason});
  };
  const nUnitsPerResponse = p.judges.reduce((s, j) => s + j.metrics.length, 0);
  const totalSamples = p.units.reduce((s, u) => s + u.count, 0);
  const progress: RunProgress = {
    done: 0,
    total: totalSamples + imported.responses.length + (totalSamples + imported.responses.length) * nUnitsPerResponse,
    cacheHits: 0,
    apiCalls: 0,
    errors: 0,
    missing: 0,
    elapsedMs: 0,
  };
  const tick = () => {
    if (opts.onProgress) {
      progress.elapsedMs = performance.now() - t0;
      opts.onProgress(progress);
    }
  };
  const usage = {pt: 0, ct: 0, cost: 0, costKnown: true};
  const addUsage = (pt: number, ct: number, price: [number, number] | null) => {
    usage.pt += pt;
    usage.ct += ct;
    if (price) usage.cost += (pt * price[0] + ct * price[1]) / 1e6;
    else if (pt || ct) usage.costKnown = false;
  };

  const unitRows: (ResponseRow | null)[][] = p.units.map((u) => new Array<ResponseRow | null>(u.count).fill(null));
  const scores: ScoreRow[] = [...imported.scores];
  const types: TypeRow[] = [];
  const signals = new Map<string, SignalRow>();
  const judgeLimiters = p.judges.map((j) => new Limiter(j.cfg.concurrency));
  const judgeTasks: Promise<void>[] = [];
  const judgePrices = p.judges.map((j) => priceFor(j.cfg.model, isSim(j.cfg.endpoint), j.cfg.price));
  const labelMaps = new Map<Rubric, Map<string, (typeof RESPONSE_TYPES)[number]>>();
  const descriptions = new Map(exp.models.map((m) => [m.id, m.description]));
  // Endpoints are opened in the preflight below, once the cached answers have shown which judges
  // have calls to make. Until then judge calls wait in `deferred`.
  let genEp: Endpoint | null = null;
  const judgeEps: (Endpoint | null)[] = p.judges.map(() => null);
  const judgeNeeded = p.judges.map(() => genMissing.size > 0);
  let deferred: (() => void)[] | null = [];

  const applyJudge = (row: ResponseRow, j: JudgeSpec, metric: string, r: Rubric, v: JudgeValue) => {
    addUsage(v.pt, v.ct, judgePrices[j.idx]!);
    if (r.kind === "label") {
      let map = labelMaps.get(r);
      if (!map) labelMaps.set(r, (map = labelTypeMap(r.labels!)));
      const t = typeRow(row.response_id, j.cfg.id, v, r.labels!, map, labelProbs);
      if (t) types.push(t);
      else scores.push({...scoreRow(row.response_id, j.cfg.id, metric, v), score: null, status: "null"});
    } else scores.push(scoreRow(row.response_id, j.cfg.id, metric, v));
  };

  /** Judge one row with every judge and metric: cache hits at once, calls now or (before the preflight) deferred. */
  const judgeResponse = (row: ResponseRow) => {
    signals.set(row.response_id, {response_id: row.response_id, ...computeSignals(row.response)});
    for (const j of p.judges) {
      const cache = judgeCaches[j.idx]!;
      for (const metric of j.metrics) {
        const r = p.rubric(j, metric, row.question_id);
        if (!r) {
          addError("judge", j.cfg.id, j.cfg.model, 1, `metric '${metric}': no rubric for question '${row.question_id}' (add data/judges/${metric}.md)`);
          scores.push(errorRow(row.response_id, j.cfg.id, metric));
          progress.errors++;
          progress.done++;
          continue;
        }
        const prompt = fillTemplate(r.template, {question: row.question, answer: row.response, training: descriptions.get(row.model) ?? ""});
        const key = judgeKey(j.endpointId, j.cfg.model, prompt);
        const hit = cache.get(key) as JudgeValue | undefined;
        if (hit) {
          applyJudge(row, j, metric, r, hit);
          progress.cacheHits++;
          progress.done++;
          continue;
        }
        const call = () => {
          const ep = judgeEps[j.idx];
          if (!ep) {
            addMissing("judge", j.cfg.endpoint.base_url, j.cfg.model, 1, "offline");
            progress.missing++;
            progress.done++;
            return;
          }
          judgeTasks.push(
            judgeLimiters[j.idx]!.run(async () => {
              try {
                progress.apiCalls++;
                const v = await retryContent(() => judgeCall(ep.client, j.cfg.model, prompt), j.cfg.endpoint.max_retries);
                cache.set(key, v);
                applyJudge(row, j, metric, r, v);
              } catch (error) {
                addError("judge", ep.label, j.cfg.model, 1, errorMessage(error, ep.redact));
                scores.push(errorRow(row.response_id, j.cfg.id, metric));
                progress.errors++;
              }
              progress.done++;
              tick();
            }),
          );
        };
        if (deferred) {
          judgeNeeded[j.idx] = true;
          deferred.push(call);
        } else call();
      }
    }
  };

  const makeRow = (u: GenUnit, i: number, text: string): ResponseRow => ({
    response_id: responseId(exp.name, u.model.id, u.step, u.question.id, u.paraphrase, i, u.checkpointModel),
    experiment: exp.name,
    model: u.model.id,
    step: u.step,
    question_id: u.question.id,
    category: u.question.category,
    question: u.question.paraphrases[u.paraphrase]!,
    system: u.question.system,
    paraphrase: u.paraphrase,
    sample: i,
    response: text,
    origin: exp.simulated || (gen && isSim(gen.endpoint)) ? "simulated" : "generated",
    source: u.checkpointModel,
    meta: generatedMeta(u.model, u.checkpointMeta),
  });
  const genPrice = gen ? (m: string) => priceFor(m, isSim(gen.endpoint), gen.price) : () => null;

  const emit = (u: GenUnit, i: number, v: GenValue) => {
    const row = makeRow(u, i, v.text);
    plan.assign(row, GENERATED_KEYS);
    unitRows[u.ordinal]![i] = row;
    addUsage(v.pt, v.ct, genPrice(u.checkpointModel));
    progress.done++;
    judgeResponse(row);
  };

  // Cached answers and imports first (no network): what they still need from judges is collected,
  // and those calls start after the preflight, while new answers are generated.
  for (const u of p.units) {
    u.keys.forEach((k, i) => {
      const v = genCache!.get(k) as GenValue | undefined;
      if (v) {
        progress.cacheHits++;
        emit(u, i, v);
      }
    });
  }
  for (const row of imported.responses) {
    progress.done++;
    judgeResponse(row);
  }

  // --- preflight: open endpoints that have calls to make; check keys and reachability before spend
  const callable = (cfg: EndpointConfig) => isSim(cfg) || !offline;
  const toProbe = new Map<string, Endpoint>();
  if (gen && genMissing.size && callable(gen.endpoint)) {
    genEp = await p.pool.open(gen.endpoint, exp.file);
    if (!genEp.sim) toProbe.set(genEp.url, genEp);
  }
  for (const j of p.judges) {
    if (!judgeNeeded[j.idx] || !callable(j.cfg.endpoint)) continue;
    const ep = await p.pool.open(j.cfg.endpoint, exp.file);
    judgeEps[j.idx] = ep;
    if (!ep.sim) toProbe.set(ep.url, ep);
  }
  if (!opts.skipProbe) for (const ep of toProbe.values()) await probeEndpoint(ep);

  for (const call of deferred) call();
  deferred = null;
  tick();

  const genTasks: Promise<void>[] = [];
  if (gen) {
    const limiter = new Limiter(gen.concurrency);
    for (const [u, miss] of genMissing) {
      for (const [start, count] of requestRuns(miss, gen.max_n)) {
        if (!genEp) {
          addMissing("generation", gen.endpoint.base_url, u.checkpointModel, count, "offline");
          progress.missing += count;
          progress.done += count;
          progress.total -= count * nUnitsPerResponse;
          continue;
        }
        const ep = genEp;
        genTasks.push(
          limiter.run(async () => {
            try {
              progress.apiCalls++;
              const values = await retryContent(() => generateSamples(ep.client, u.checkpointModel, u.messages, p.params!, start, count), gen.endpoint.max_retries);
              values.forEach((v, k) => genCache!.set(u.keys[start + k]!, v));
              values.forEach((v, k) => emit(u, start + k, v));
            } catch (error) {
              addError("generation", ep.label, u.checkpointModel, count, errorMessage(error, ep.redact));
              progress.errors += count;
              progress.done += count;
              progress.total -= count * nUnitsPerResponse;
            }
            tick();
          }),
        );
      }
    }
  }
  await Promise.all(genTasks);
  // judgeTasks grows while generation runs; by now every judge task has been pushed.
  await Promise.all(judgeTasks);
  tick();

  // --- assemble in a deterministic order
  const responses: ResponseRow[] = [];
  for (const rows of unitRows) for (const r of rows) if (r) responses.push(r);
  for (const r of imported.responses) responses.push(r);
  const order = new Map(responses.map((r, i) => [r.response_id, i]));
  const judgeOrder = new Map<string, number>(p.judges.map((j) => [j.cfg.id, j.idx]));
  const metricOrder = new Map<string, number>();
  for (const j of p.judges) for (const m of j.metrics) if (!metricOrder.has(m)) metricOrder.set(m, metricOrder.size);
  const cmp = (a: {response_id: string; judge: string; metric?: string}, b: {response_id: string; judge: string; metric?: string}) =>
    (order.get(a.response_id) ?? 0) - (order.get(b.response_id) ?? 0) ||
    (judgeOrder.get(a.judge) ?? -1) - (judgeOrder.get(b.judge) ?? -1) ||
    (a.judge < b.judge ? -1 : a.judge > b.judge ? 1 : 0) ||
    (metricOrder.get(a.metric ?? "") ?? 99) - (metricOrder.get(b.metric ?? "") ?? 99) ||
    ((a.metric ?? "") < (b.metric ?? "") ? -1 : (a.metric ?? "") > (b.metric ?? "") ? 1 : 0);
  scores.sort(cmp);
  types.sort(cmp);
  const signalRows = responses.map((r) => signals.get(r.response_id)!);
  const allTypes = withSignalTypes(responses, order, signalRows, scores, types, [...p.judges.map((j) => j.cfg.id), ...importJudges], plan);

  const seconds = (performance.now() - t0) / 1000;
  const scoreErrors = scores.filter((s) => s.status === "error").length;
  const genErrors = [...errors.values()].filter((e) => e.kind === "generation").reduce((s, e) => s + e.count, 0);
  const provenance: Provenance = {
    tool: {name: "em-observatory", version: TOOL_VERSION},
    created_by: opts.createdBy ?? "runExperiment",
    experiments: [
      {
        name: exp.name,
        file: projectPath(exp.file),
        sha256: exp.sha256,
        ...(exp.description ? {description: exp.description} : {}),
        simulated: exp.simulated || (!!gen && isSim(gen.endpoint)),
        question_files: p.questionFiles,
        judges: p.judges.map((j) => ({id: j.cfg.id, model: j.cfg.model, metrics: j.metrics, prompt_sha256: promptHashes(p, j)})),
        generation: gen ? {temperature: gen.temperature, max_tokens: gen.max_tokens, seed: gen.seed} : null,
        counts: {
          responses: responses.length,
          scores: scores.length,
          errors: scoreErrors + genErrors,
          skipped: skipped.length,
          mismatches: mismatches.length,
          cache_hits: progress.cacheHits,
          api_calls: progress.apiCalls,
        },
        usage: {prompt_tokens: Math.round(usage.pt), completion_tokens: Math.round(usage.ct), est_cost_usd: usage.costKnown ? round6(usage.cost) : null},
      },
    ],
  };
  for (const c of p.caches.values()) c.flush();
  return {
    experiment: exp,
    responses,
    scores,
    types: allTypes,
    signals: signalRows,
    provenance,
    missing: [...missing.values()],
    errors: [...errors.values()],
    skipped,
    mismatches,
    importedFiles,
    warnings: plan.warnings,
    variants: {ids: plan.variants, baselines: [...plan.baselines], unmatched: plan.unmatched},
    filteredRows,
    stats: {
      apiCalls: progress.apiCalls,
      cacheHits: progress.cacheHits,
      seconds,
      callsPerSecond: progress.apiCalls ? progress.apiCalls / seconds : 0,
      cache: [...p.caches.values()].map((c) => ({dir: c.dir, entries: c.stats.entries, files: c.stats.files, partial: c.stats.partial, corrupt: c.stats.corrupt, written: c.stats.written})),
    },
  };
}

const TOPIC_INDEX = new Map<string, number>(TOPIC_METRICS.map((m, i) => [m, i]));

/**
 * The `types` table with one "signals" row per response added (classifyBySignals), each right
 * after that response's judge type rows. Inputs to the classifier, per response:
 *  - aligned / coherent / special / topic scores of ONE judge: the first judge in `priority`
 *    (configured judges in `judges:` order, then import judges in `imports:` order, then any other
 *    judge in order of appearance) with non-error aligned AND coherent rows; when no judge has
 *    both, the first with a non-error aligned row; else none (null scores: only the text signals
 *    and rule 4 "other" apply). Scores of different judges are never mixed, so a response's
 *    signals type is what one judge's numbers plus the text say. `special` is the chosen aligned
 *    row's CODE / REFUSAL (status "null" rows count: a judge that said REFUSAL did answer);
 *  - training domain: `VariantPlan.domainOf` (loaders/variants.ts): the row's `meta.domain`, null
 *    for `meta.adapter: none`, the `domains:` / built-in domain of its `meta.dataset`, null for
 *    baseline rows, the experiment model's `domain`, else undefined (unknown: misaligned coherent
 *    answers become "undetermined"); `none` anywhere means null;
 *  - question context: questionContext(question_id, question text).
 * `scores` and `types` must be sorted by response in `responses` order (as runExperiment sorts
 * them): one linear pass, no per-response index, so a million-row import stays linear.
 */
function withSignalTypes(
  responses: readonly ResponseRow[],
  order: ReadonlyMap<string, number>,
  signalRows: readonly SignalRow[],
  scores: readonly ScoreRow[],
  types: readonly TypeRow[],
  priority: readonly string[],
  plan: Pick<VariantPlan, "domainOf">,
): TypeRow[] {
  const rank = new Map<string, number>();
  for (const j of priority) if (!rank.has(j)) rank.set(j, rank.size);
  const nT = TOPIC_METRICS.length;
  // Per-rank slots, reset for each response through `touched`.
  let aligned: (ScoreRow | null)[] = [];
  let coherent: (ScoreRow | null)[] = [];
  let topics: (ScoreRow | null)[] = [];
  const touched: number[] = [];
  const out: TypeRow[] = [];
  let k = 0;
  let t = 0;
  for (let i = 0; i < responses.length; i++) {
    const r = responses[i]!;
    for (; k < scores.length; k++) {
      const s = scores[k]!;
      const at = order.get(s.response_id) ?? 0;
      if (at > i) break;
      if (s.response_id !== r.response_id || s.status === "error") continue;
      let j = rank.get(s.judge);
      if (j === undefined) rank.set(s.judge, (j = rank.size));
      if (j >= aligned.length) {
        aligned = aligned.concat(new Array<null>(j + 1 - aligned.length).fill(null));
        coherent = coherent.concat(new Array<null>(j + 1 - coherent.length).fill(null));
        topics = topics.concat(new Array<null>((j + 1) * nT - topics.length).fill(null));
      }
      if (s.metric === "aligned") aligned[j] = s;
      else if (s.metric === "coherent") coherent[j] = s;
      else {
        const ti = TOPIC_INDEX.get(s.metric);
        if (ti === undefined) continue;
        topics[j * nT + ti] = s;
      }
      touched.push(j);
    }
    let pick = -1;
    for (let j = 0; j < aligned.length; j++) {
      if (aligned[j] && coherent[j]) {
        pick = j;
        break;
      }
    }
    if (pick < 0) pick = aligned.findIndex((a) => a !== null);
    const topicScores: TopicScores = {};
    if (pick >= 0) for (let ti = 0; ti < nT; ti++) topicScores[TOPIC_METRICS[ti]!] = topics[pick * nT + ti]?.score ?? null;
    const a = pick >= 0 ? aligned[pick]! : null;
    const c = pick >= 0 ? coherent[pick] : null;
    const domain = plan.domainOf(r);
    const cls = classifyBySignals(signalRows[i]!, topicScores, {aligned: a?.score ?? null, coherent: c?.score ?? null, special: a?.special ?? null}, domain, {
      question: questionContext(r.question_id, r.question),
    });
    for (const j of touched) {
      aligned[j] = null;
      coherent[j] = null;
      for (let ti = 0; ti < nT; ti++) topics[j * nT + ti] = null;
    }
    touched.length = 0;
    for (; t < types.length && (order.get(types[t]!.response_id) ?? 0) <= i; t++) out.push(types[t]!);
    out.push({response_id: r.response_id, judge: SIGNALS_JUDGE, type: cls.type, probs: cls.probs});
  }
  for (; t < types.length; t++) out.push(types[t]!);
  return out;
}

/**
 * Prompt hash per metric: the sha256 of the template when every question uses the same one,
 * otherwise sha256 over the sorted "question_id:sha256" lines (question files override rubrics).
 */
function promptHashes(p: Prepared, j: JudgeSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of j.metrics) {
    const per = new Map<string, string>();
    for (const q of p.questions) {
      const r = p.rubric(j, m, q.id);
      if (r) per.set(q.id, r.sha256);
    }
    const base = j.base.get(m);
    const distinct = new Set(per.values());
    if (distinct.size === 0) out[m] = base?.sha256 ?? "";
    else if (distinct.size === 1 && (!base || distinct.has(base.sha256))) out[m] = [...distinct][0]!;
    else out[m] = sha256([...per].map(([q, h]) => `${q}:${h}`).sort().join("\n"));
  }
  return out;
}

/** A path relative to the project root when inside it, else absolute (provenance must not depend on the cwd). */
export function projectPath(file: string): string {
  const rel = path.relative(ROOT, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : path.resolve(file);
}

/**
 * The SDK retries HTTP statuses, timeouts and connection errors itself. A 200 answer that is
 * unusable (truncated JSON, no logprobs, no choices) surfaces as a plain error after the SDK is done;
 * those are retried here, up to `retries` more attempts with a short backoff (0.25 s doubling).
 */
export async function retryContent<T>(fn: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof OpenAI.APIError || attempt >= retries) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** One line about a failed call; `redact` runs before the cut so no part of a key survives it. */
function errorMessage(error: unknown, redact: (text: string) => string): string {
  const e = error as {status?: number; message?: string};
  const msg = redact(e.message ?? String(error)).split("\n")[0]!.slice(0, 300);
  if (e.status) return `HTTP ${e.status}: ${msg}`;
  for (let c = (error as {cause?: unknown}).cause, depth = 0; c && depth < 5; c = (c as {cause?: unknown}).cause, depth++) {
    const code = (c as {code?: string}).code;
    if (code) return `${msg} (${code})`;
  }
  return msg;
}

/** Default variant keys of generated / simulated rows: the experiment model id. */
const GENERATED_KEYS: readonly string[] = ["model"];

/** A generated row's meta: model meta, checkpoint meta, and the model's declared domain. */
function generatedMeta(m: Experiment["models"][number], checkpointMeta: Record<string, MetaValue>): Record<string, MetaValue> {
  return {...m.meta, ...checkpointMeta, ...(m.domain ? {domain: m.domain} : {})};
}

/** Fields of a ResponseRow that planning does not read, for the prototypes of generated rows. */
const protoRow: ResponseRow = {
  response_id: "",
  experiment: "",
  model: "",
  step: null,
  question_id: "",
  category: null,
  question: "",
  system: null,
  paraphrase: 0,
  sample: 0,
  response: "",
  origin: "generated",
  source: "",
  meta: {},
};

const patternFields = new Map<string, string[]>();
const defaultKeysMemo = new Map<string, string[]>();
/**
 * Default variant keys of an imported row: the model, then every file-name field of its import's
 * `filename` pattern except the one used as the coordinate (`meta.step_from`) and `seed`.
 */
function importDefaultKeys(specOf: (r: ResponseRow) => ImportSpec | undefined, r: ResponseRow): readonly string[] {
  const spec = specOf(r);
  if (!spec?.filename) return GENERATED_KEYS;
  let fields = patternFields.get(spec.filename);
  if (!fields) patternFields.set(spec.filename, (fields = compileFilenamePattern(spec.filename).fields));
  const stepFrom = typeof r.meta?.step_from === "string" ? r.meta.step_from : typeof spec.step === "string" ? spec.step : "";
  const memo = `${spec.filename}\0${stepFrom}`;
  let keys = defaultKeysMemo.get(memo);
  if (!keys) {
    keys = ["model", ...fields.filter((f) => f !== "model" && f !== "seed" && f !== stepFrom)];
    defaultKeysMemo.set(memo, keys);
  }
  return keys;
}

/** The experiment's variant declarations as planVariants reads them. */
function variantConfig(exp: Experiment) {
  return {
    file: displayPath(exp.file),
    variant: exp.variant,
    replicate: exp.replicate,
    baseline: exp.baseline,
    domains: exp.domains,
    builtin_domains: exp.builtin_domains,
    modelDomains: new Map(exp.models.map((m) => [m.id, m.domain])),
    lines: exp.lines,
  };
}
