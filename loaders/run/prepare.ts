// Preparation (no network): the experiment, its questions and rubrics loaded and checked, every
// generation unit with its cache keys, and the caches opened.
import {existsSync, readdirSync} from "node:fs";
import path from "node:path";
import type {MetaValue} from "../../src/lib/schema.ts";
import {Cache} from "../cache.ts";
import type {CacheLock} from "../cache-lock.ts";
import {endpointId, isSim, simCodeHash} from "../client/endpoints.ts";
import {EndpointPool} from "../client/sim-pool.ts";
import {loadExperiment, type EndpointConfig, type Experiment} from "../experiment.ts";
import {buildMessages, genKey, type ChatMessage, type SamplingParams} from "../generate.ts";
import {labelTypeMap} from "../judge.ts";
import {ROOT, displayPath, projectPath, readTextFile} from "../paths.ts";
import {questionFilter} from "../question-filter.ts";
import {parseQuestions, samplesPerParaphrase, type Question} from "../questions.ts";
import {sha256} from "../hash.ts";
import {JUDGES_DIR, loadRubric, rubricFor, type Rubric} from "../rubrics.ts";
import type {RunOptions} from "./types.ts";
import {KNOWN_METRICS} from "../import/index.ts";
import {didYouMean} from "../yaml.ts";

/** Default cache folders: paid results (committable) and simulator results (free, regenerable, ignored by git). */
export const DEFAULT_CACHE_DIR = path.join(ROOT, "data/cache");
export const DEFAULT_SIM_CACHE_DIR = path.join(ROOT, ".em/cache");

/** One prompt of one checkpoint: `count` samples with their cache keys. */
export interface GenUnit {
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

/** One configured judge: its endpoint identity and the base rubric of each metric. */
export interface JudgeSpec {
  idx: number;
  cfg: Experiment["judges"][number];
  endpointId: string;
  /** metric -> base rubric (null when only question files define it) */
  base: Map<string, Rubric | null>;
  metrics: string[];
}

/** Everything a run or a dry run needs, loaded and checked without any network. */
export interface Prepared {
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
  /** The cache folder of an endpoint (without opening it). */
  cacheDirFor(cfg: EndpointConfig): string;
  cacheFor(cfg: EndpointConfig): Cache<unknown>;
  /** Write locks taken by the run (execute.ts), released after the caches are closed. */
  locks: CacheLock[];
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

/**
 * A question's `judge_prompts` key that is not a metric anyone uses but is close to one
 * (`algned`) is a typo: the metric it meant would silently fall back to the default rubric.
 * Keys far from every metric (a reference file's `company`, `correct`) are other judges' prompts.
 */
function checkPromptMetrics(questions: readonly Question[], judges: readonly JudgeSpec[], judgesDir: string): void {
  const known = new Set<string>([...KNOWN_METRICS, ...judges.flatMap((j) => j.metrics)]);
  if (existsSync(judgesDir)) for (const f of readdirSync(judgesDir)) if (f.endsWith(".md")) known.add(f.slice(0, -3));
  for (const q of questions) {
    for (const k of Object.keys(q.judge_prompts)) {
      if (known.has(k)) continue;
      const close = didYouMean(k, known);
      if (close) throw new Error(`${displayPath(q.file)}: question '${q.id}' (line ${q.line}): judge_prompts.${k}: unknown metric; did you mean '${close}'?`);
    }
  }
}

/**
 * The question files an in-process simulator reads for this experiment: its own (so a new file
 * under data/questions is not part of the demo's cache identity); none given: all of data/questions.
 */
export function simQuestionFiles(exp: Experiment): string[] | undefined {
  return exp.questions.length ? exp.questions : undefined;
}

/**
 * Most samples + judge calls an experiment may plan without `--max-requests` (`maxRequests`): a
 * `samples: 1e8` typo must be refused at once, not fill memory with a plan (dry runs too).
 */
export const DEFAULT_MAX_REQUESTS = 1_000_000;

/** Refuse (before any key or unit is built) a plan of more samples + judge calls than `cap`. */
function checkRequestCap(exp: Experiment, questions: readonly Question[], judges: readonly JudgeSpec[], cap: number): void {
  let perCheckpoint = 0;
  for (const q of questions) for (const n of samplesPerParaphrase(q, exp.samples ?? null)) perCheckpoint += n;
  const checkpoints = exp.models.reduce((s, m) => s + m.checkpoints.length, 0);
  const samples = perCheckpoint * checkpoints;
  const calls = samples * judges.reduce((s, j) => s + j.metrics.length, 0);
  if (samples + calls <= cap) return;
  const where = exp.samples !== undefined ? ` (samples: ${exp.samples}, line ${exp.lines.samples ?? "?"})` : "";
  throw new Error(
    `${displayPath(exp.file)}: the experiment plans ${samples.toLocaleString("en-US")} samples + ${calls.toLocaleString("en-US")} judge calls${where}, ` +
      `more than the cap of ${cap.toLocaleString("en-US")} requests; if you mean it, pass --max-requests ${samples + calls}`,
  );
}

/**
 * Every generation prompt (system + question text, in characters) within
 * `generation.max_prompt_chars`; otherwise one error naming each question over it (file:line, id,
 * paraphrase, length; the first 5) and the setting, before anything is spent or written.
 */
function checkPromptSize(exp: Experiment, questions: readonly Question[]): void {
  const cap = exp.generation?.max_prompt_chars;
  if (cap === undefined || !exp.models.length) return;
  const over: string[] = [];
  for (const q of questions)
    q.paraphrases.forEach((text, j) => {
      const n = buildMessages(text, q.system).reduce((s, m) => s + m.content.length, 0);
      if (n > cap)
        over.push(
          `${displayPath(q.file)}:${q.line}: question '${q.id}' ${q.paraphrases.length > 1 ? `paraphrase ${j + 1} ` : ""}is ${n.toLocaleString("en-US")} characters`,
        );
    });
  if (!over.length) return;
  throw new Error(
    `${displayPath(exp.file)}: ${over.length} generation prompt(s) (system + question) over generation.max_prompt_chars ${cap.toLocaleString("en-US")}: ${over.slice(0, 5).join("; ")}${over.length > 5 ? `; ... and ${over.length - 5} more` : ""}. ` +
      `Nothing was sent; shorten the question(s) or raise max_prompt_chars`,
  );
}

/**
 * Load and check the experiment, its question files and rubrics; list every generation unit with
 * its cache keys; open the caches. Fails (naming file and field) before anything is spent.
 */
export async function prepare(file: string, opts: RunOptions): Promise<Prepared> {
  const experiment = await loadExperiment(file);
  const {questions, files: questionFiles} = loadAllQuestions(experiment);
  const pool = new EndpointPool();
  const needsSim = [experiment.generation?.endpoint, ...experiment.judges.map((j) => j.endpoint)].some((e) => e && isSim(e));
  const simVersion = needsSim ? simCodeHash(simQuestionFiles(experiment)) : "";
  const epId = (cfg: EndpointConfig) => endpointId(cfg, experiment.file, isSim(cfg) ? simVersion : "");

  const judgesDir = opts.judgesDir ?? JUDGES_DIR;
  const judges: JudgeSpec[] = experiment.judges.map((cfg, idx) => {
    const base = new Map<string, Rubric | null>();
    for (const m of cfg.metrics) base.set(m, existsSync(path.join(judgesDir, `${m}.md`)) ? loadRubric(m, judgesDir) : null);
    return {idx, cfg, endpointId: epId(cfg.endpoint), base, metrics: cfg.metrics};
  });
  checkPromptMetrics(questions, judges, judgesDir);
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

  checkRequestCap(experiment, questions, judges, opts.maxRequests ?? DEFAULT_MAX_REQUESTS);
  checkPromptSize(experiment, questions);

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
          units.push({
            ordinal: units.length,
            modelIdx,
            model,
            step: c.step,
            checkpointModel: c.model,
            checkpointMeta: c.meta,
            question: q,
            paraphrase: j,
            messages,
            count,
            keys,
          });
        });
      }
    }
  });

  const caches = new Map<string, Cache<unknown>>();
  const cacheDirFor = (cfg: EndpointConfig): string =>
    path.resolve(opts.cacheDir ?? experiment.cache ?? (isSim(cfg) ? DEFAULT_SIM_CACHE_DIR : DEFAULT_CACHE_DIR));
  const cacheFor = (cfg: EndpointConfig): Cache<unknown> => {
    const dir = cacheDirFor(cfg);
    let c = caches.get(dir);
    if (!c) caches.set(dir, (c = Cache.open(dir)));
    return c;
  };
  return {experiment, questions, questionFiles, genEndpointId, params, units, judges, rubric, pool, caches, cacheDirFor, cacheFor, locks: []};
}
