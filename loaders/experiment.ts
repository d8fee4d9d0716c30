// Experiment files (data/experiments/*.yaml): schema, validation with errors naming file + field,
// path resolution, and the list of experiments the site covers (EM_EXPERIMENTS overrides it).
import {existsSync, readdirSync} from "node:fs";
import path from "node:path";
import {z} from "zod";
import {globFiles, hasMagic} from "./import/glob.ts";
import {ImportSpecSchema, type ImportSpec} from "./import/index.ts";
import {ROOT, displayPath, readTextFile} from "./paths.ts";
import {parseYamlSource, schemaKeys, zodError, type YamlSource} from "./yaml.ts";
import {sha256} from "./hash.ts";
import {BaselineSchema, DomainNameSchema, DomainsSchema, ReplicateSchema, VariantSchema} from "./variants.ts";

/** `judge_anchor:` of an experiment file (judge drift anchors, loaders/run/drift.ts; defined here so the run does not import back into the experiment). */
export const JudgeAnchorSchema = z
  .object({
    /** Anchors picked from this run's answers: the n with the smallest sha256 of their response id (stable while the answers are). */
    n: z.number().int().min(2).max(1000).optional(),
    /** A JSONL file (relative to the experiment file) of {question_id, question, answer}: fixed anchors. */
    file: z.string().min(1).optional(),
    /** Score points: a mean shift up to this is not drift. */
    tolerance: z.number().positive().default(3),
    /** Level of the paired test. */
    alpha: z.number().gt(0).lt(1).default(0.05),
  })
  .strict()
  .refine((a) => (a.n === undefined) !== (a.file === undefined), {
    message: "give either `n` (anchors picked from this run's answers) or `file` (a JSONL of {question_id, question, answer}), exactly one",
  });
export type JudgeAnchor = z.infer<typeof JudgeAnchorSchema>;

const metaValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * Why a base_url is unusable, or null: it must be `sim` or an http(s) URL without credentials.
 * Keys come only from env vars (api_key_env): a URL is printed in messages and is the endpoint's
 * cache identity, so a key inside it would leak into logs.
 */
function baseUrlProblem(u: string): string | null {
  if (u === "sim") return null;
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return "expected an http(s) URL or `sim`";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "expected an http(s) URL or `sim`";
  const keyish = [...url.searchParams.keys()].find((k) => /key|token|secret|passw|auth|sig/i.test(k));
  if (url.username || url.password || keyish) {
    return `credentials do not belong in the URL (${url.username || url.password ? "user:password@" : `?${keyish}=`}); put the key in an environment variable and name it in api_key_env`;
  }
  return null;
}

/** An OpenAI-compatible endpoint. `base_url: sim` = the in-process simulator. */
export const EndpointSchema = z
  .object({
    base_url: z
      .string()
      .min(1)
      .default("https://api.openai.com/v1")
      .superRefine((u, ctx) => {
        const problem = baseUrlProblem(u);
        if (problem) ctx.addIssue({code: "custom", message: problem});
      }),
    /** Env var holding the key. Default OPENAI_API_KEY for api.openai.com, none otherwise. */
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name")
      .optional(),
    /** Stable cache identity instead of base_url (e.g. when a server moves host). */
    cache_id: z.string().min(1).optional(),
    /**
     * More servers of the same models (vLLM replicas, same adapters, same key env var): requests
     * go round-robin over base_url and these. They share base_url's cache identity, so adding or
     * removing a replica never changes a cache key.
     */
    replicas: z
      .array(
        z.string().superRefine((u, ctx) => {
          const problem = u === "sim" ? "a replica must be an http(s) URL, not sim" : baseUrlProblem(u);
          if (problem) ctx.addIssue({code: "custom", message: problem});
        }),
      )
      .optional(),
    /** Simulator config (path relative to the experiment file, or inline); sim endpoints only. */
    config: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    timeout_s: z.number().positive().default(120),
    max_retries: z.number().int().min(0).default(5),
  })
  .strict();
export type EndpointConfig = z.infer<typeof EndpointSchema>;

const GenerationSchema = z
  .object({
    endpoint: EndpointSchema,
    temperature: z.number().min(0).default(1),
    max_tokens: z.number().int().positive().default(600),
    top_p: z.number().positive().max(1).optional(),
    seed: z.number().int().default(0),
    concurrency: z.number().int().positive().default(16),
    /** Largest `n` per request; 1 for servers that do not support n. */
    max_n: z.number().int().positive().default(128),
    /** USD per 1M tokens [prompt, completion], for the cost estimate of self-hosted or unlisted models. */
    price: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
    /**
     * Longest generation prompt (characters of the system prompt + question text) sent. A longer
     * question is an error naming its file and line before anything is spent (a question is the
     * experiment itself: it is never cut silently). The judge's limit is the judge's own.
     */
    max_prompt_chars: z.number().int().min(1000).default(60_000),
  })
  .strict();

const CheckpointSchema = z
  .object({
    step: z.number().nullable().default(null),
    model: z.string().min(1),
    meta: z.record(z.string(), metaValue).default({}),
  })
  .strict();

const ModelSchema = z
  .object({
    id: z.string().min(1),
    description: z.string().default(""),
    /** Training domain: any name, whose topic metric is the metric of that name; `none` = no fine-tuning domain (a base model); absent = unknown. */
    domain: DomainNameSchema.optional(),
    meta: z.record(z.string(), metaValue).default({}),
    /** Shorthand for one checkpoint without a coordinate. */
    model: z.string().min(1).optional(),
    checkpoints: z.array(CheckpointSchema).min(1).optional(),
  })
  .strict()
  .refine((m) => (m.model === undefined) !== (m.checkpoints === undefined), {
    message: "give either `checkpoints` or `model` (exactly one)",
    path: ["checkpoints"],
  });

const JudgeSchema = z
  .object({
    id: z.string().min(1),
    endpoint: EndpointSchema.default(EndpointSchema.parse({})),
    model: z.string().min(1),
    metrics: z
      .array(z.string().regex(/^[A-Za-z0-9_-]+$/, "metric ids are letters, digits, _ and -"))
      .min(1)
      .superRefine((ms, ctx) => {
        // A metric listed twice would be judged (and paid for) twice, its scores counted twice.
        ms.forEach((m, i) => {
          if (ms.indexOf(m) < i) ctx.addIssue({code: "custom", message: `metric '${m}' is listed twice (each call would be paid for twice)`, path: [i]});
        });
      }),
    concurrency: z.number().int().positive().default(32),
    price: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
    /**
     * Longest judge prompt (characters, rubric + question + answer) sent; a longer one has its
     * answer cut to fit (`oversize: truncate`, counted and reported) or is not sent (`refuse`:
     * an error row with the reason). A 5 MB answer is never sent as a 5 MB prompt.
     */
    max_prompt_chars: z.number().int().min(1000).default(60_000),
    oversize: z.enum(["truncate", "refuse"]).default("truncate"),
  })
  .strict();

/** The experiment-file schema; `imports` entries are validated by the importer's ImportSpecSchema afterwards. */
export const ExperimentSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected an id (letters, digits, . _ -)"),
    description: z.string().default(""),
    simulated: z.boolean().default(false),
    coordinate: z.string().default("step"),
    /** How the coordinate is spaced (a hint for axes and fits): `log` for LoRA ranks, alphas, scales. */
    coordinate_scale: z.enum(["linear", "log"]).default("linear"),
    questions: z.array(z.string()).default([]),
    /** Question-id substrings to drop (generation and imports). */
    exclude_questions: z.array(z.string()).default([]),
    /** Question ids or globs (`*`, `?`, `[a-z]`) to keep; absent = all. Applies to generation and imports. */
    questions_include: z.array(z.union([z.string().min(1), z.number()]).transform(String)).optional(),
    /** Question ids or globs to drop (generation and imports). */
    questions_exclude: z.array(z.union([z.string().min(1), z.number()]).transform(String)).default([]),
    /** Keys identifying a fine-tuned variant (`model` or meta keys); docs/importing.md. */
    variant: VariantSchema.optional(),
    /** Key whose value is the replicate (training seed); default `seed` when rows have one; `none` for none. */
    replicate: ReplicateSchema.optional(),
    baseline: BaselineSchema.optional(),
    /** Training domain per dataset name (the rows' meta `dataset`), on top of the built-in names. */
    domains: DomainsSchema.optional(),
    /** Use the built-in domains of the reference datasets' names (loaders/variants.ts BUILTIN_DOMAINS). */
    builtin_domains: z.boolean().default(true),
    /** Topic cut 0..100: an EM answer is about its training domain when that domain's topic score >= this. */
    topic_cut: z.number().min(0).max(100).default(50),
    samples: z.number().int().positive().optional(),
    cache: z.string().optional(),
    generation: GenerationSchema.optional(),
    models: z.array(ModelSchema).default([]),
    judges: z.array(JudgeSchema).default([]),
    imports: z.array(z.unknown()).default([]),
    /** Training logs and adapter checkpoints (issue 27); validated by loaders/mechanism/index.ts. */
    mechanism: z.unknown().optional(),
    /**
     * The pre-registered (primary) question set (issue 26): question ids or globs, or a file
     * (relative to this one) listing them: a question YAML file (its items' ids) or one id per line.
     * Numbers on it are reported apart from the exploratory rest (`em summarize --question-set`).
     */
    primary_questions: z.union([z.array(z.union([z.string().min(1), z.number()]).transform(String)).min(1), z.string().min(1)]).optional(),
    /** Judge drift anchors, judged again at every run (issue 26; loaders/run/drift.ts). */
    judge_anchor: JudgeAnchorSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.models.length && !e.generation) ctx.addIssue({code: "custom", message: "models need a `generation` section", path: ["generation"]});
    if (e.models.length && !e.questions.length) ctx.addIssue({code: "custom", message: "models need `questions`", path: ["questions"]});
    const ids = new Set<string>();
    e.models.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({code: "custom", message: `duplicate model id '${m.id}'`, path: ["models", i, "id"]});
      ids.add(m.id);
      const steps = new Set<number | null>();
      (m.checkpoints ?? []).forEach((c, j) => {
        if (steps.has(c.step)) ctx.addIssue({code: "custom", message: `duplicate ${e.coordinate} ${c.step}`, path: ["models", i, "checkpoints", j, "step"]});
        steps.add(c.step);
      });
    });
    const jids = new Set<string>();
    e.judges.forEach((j, i) => {
      if (jids.has(j.id)) ctx.addIssue({code: "custom", message: `duplicate judge id '${j.id}'`, path: ["judges", i, "id"]});
      jids.add(j.id);
      if (j.id === "signals") ctx.addIssue({code: "custom", message: "'signals' is reserved for the no-judge classifier", path: ["judges", i, "id"]});
    });
  });

type Parsed = z.infer<typeof ExperimentSchema>;

/** Keys an experiment file may use anywhere (import entries included), for "did you mean". */
const EXPERIMENT_KEYS: Set<string> = schemaKeys(ImportSpecSchema, schemaKeys(ExperimentSchema));

export interface Checkpoint {
  step: number | null;
  model: string;
  meta: Record<string, string | number | boolean | null>;
}
export interface ModelSpec extends Omit<Parsed["models"][number], "model" | "checkpoints"> {
  checkpoints: Checkpoint[];
}

/** A validated experiment with absolute paths. */
export interface Experiment extends Omit<Parsed, "questions" | "cache" | "models" | "imports" | "primary_questions"> {
  /** The primary question set's ids or globs (a file resolved to its ids); null when none is declared. */
  primary_questions: string[] | null;
  /** Absolute path of the experiment file and sha256 of its bytes. */
  file: string;
  sha256: string;
  /** Absolute question-file paths. */
  questions: string[];
  /** Absolute cache folder, or null for the default. */
  cache: string | null;
  models: ModelSpec[];
  /** Import specs as validated by loaders/import (ImportSpecSchema, defaults applied). */
  imports: ImportSpec[];
  /** 1-based line of each top-level key of the file (for errors found once the rows are known). */
  lines: Partial<Record<string, number>>;
}

/**
 * Resolve a path written in an experiment file: against the file's folder first, then against the
 * project root. When neither exists the error names both candidates.
 */
export function resolveExperimentPath(p: string, experimentFile: string, what = "file"): string {
  if (path.isAbsolute(p)) {
    if (!existsSync(p)) throw new Error(`${displayPath(experimentFile)}: ${what} ${p} does not exist`);
    return p;
  }
  const a = path.resolve(path.dirname(experimentFile), p);
  if (existsSync(a)) return a;
  const b = path.resolve(ROOT, p);
  if (existsSync(b)) return b;
  throw new Error(`${displayPath(experimentFile)}: ${what} '${p}' not found (looked at ${displayPath(a)} and ${displayPath(b)})`);
}

/** Transform the coordinate key: with `coordinate: epoch`, checkpoints may say `epoch: 3` instead of `step: 3`. */
function normaliseCoordinate(data: unknown): unknown {
  if (!data || typeof data !== "object") return data;
  const d = data as Record<string, unknown>;
  const coord = typeof d.coordinate === "string" ? d.coordinate : "step";
  if (coord === "step" || !Array.isArray(d.models)) return data;
  return {
    ...d,
    models: d.models.map((m) =>
      m && typeof m === "object" && Array.isArray((m as {checkpoints?: unknown}).checkpoints)
        ? {
            ...m,
            checkpoints: (m as {checkpoints: unknown[]}).checkpoints.map((c) => {
              if (!c || typeof c !== "object" || !(coord in c) || "step" in c) return c;
              const {[coord]: v, ...rest} = c as Record<string, unknown>;
              return {...rest, step: v};
            }),
          }
        : m,
    ),
  };
}

/** Ids of a primary_questions file: a question YAML file's item ids, or one id (or glob) per line (# comments). */
function primaryIds(text: string, file: string): string[] {
  let ids: string[];
  if (/\.ya?ml$/i.test(file)) {
    const data = parseYamlSource(text, file).data;
    if (!Array.isArray(data)) throw new Error(`${displayPath(file)}: primary_questions: expected a question file (a YAML list of items with \`id\`)`);
    ids = data.map((q, i) => {
      const id = q && typeof q === "object" ? (q as {id?: unknown}).id : undefined;
      if (typeof id !== "string" && typeof id !== "number") throw new Error(`${displayPath(file)}: item ${i + 1}: field 'id' missing`);
      return String(id);
    });
  } else
    ids = text
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean);
  if (!ids.length) throw new Error(`${displayPath(file)}: primary_questions: the file lists no question id`);
  return ids;
}

/** Parse and validate experiment text. `file` is used for messages and relative paths. */
export async function parseExperiment(text: string, file: string): Promise<Experiment> {
  const src: YamlSource = parseYamlSource(text, file);
  // The top level in plain words (issue 23): zod said "expected object, received null / array".
  const shown = displayPath(file);
  const top = src.data;
  if (top === null || top === undefined)
    throw new Error(`${shown}: the file is empty (or only comments); an experiment file is a YAML mapping with at least \`name:\` (docs/pipeline.md)`);
  if (Array.isArray(top)) {
    const questionLike = top.some((x) => x !== null && typeof x === "object" && ("paraphrases" in x || "id" in x));
    throw new Error(
      `${shown}: is a YAML list${questionLike ? " of questions: this looks like a question file; list it under `questions:` in an experiment file" : ""}; an experiment file is a YAML mapping (name:, questions:, models:, judges:...)`,
    );
  }
  if (typeof top !== "object")
    throw new Error(`${shown}: holds a single ${typeof top} value; an experiment file is a YAML mapping (name:, questions:, models:, judges:...)`);
  const parsed = ExperimentSchema.safeParse(normaliseCoordinate(src.data));
  if (!parsed.success) throw zodError(src, parsed.error, "", EXPERIMENT_KEYS);
  const e = parsed.data;
  const issues: z.core.$ZodIssue[] = [];
  const configured = new Set(e.judges.map((j) => j.id));
  const imports = e.imports.map((spec, i) => {
    const r = ImportSpecSchema.safeParse(spec);
    if (!r.success) {
      for (const issue of r.error.issues) issues.push({...issue, path: ["imports", i, ...issue.path]});
      return null;
    }
    // Configured judges also score imported responses: a shared id would give two rows per (response, judge, metric).
    // The entry's judge and any judge its `metrics:` entries name.
    const judgeAt: [string, (string | number)[]][] = [[r.data.judge, ["judge"]]];
    for (const [k, m] of Object.entries(r.data.metrics ?? {})) if (typeof m !== "string" && m.judge) judgeAt.push([m.judge, ["metrics", k, "judge"]]);
    for (const [judge, at] of judgeAt) {
      if (judge !== "signals" && !configured.has(judge)) continue;
      const why =
        judge === "signals"
          ? "'signals' is reserved for the no-judge classifier"
          : `'${judge}' is also the id of a configured judge (which scores imported responses too); give the import its own judge id`;
      issues.push({code: "custom", message: why, path: ["imports", i, ...at], input: judge});
    }
    return r.data;
  });
  if (issues.length) throw zodError(src, new z.ZodError(issues), "", EXPERIMENT_KEYS);
  const questions = e.questions.map((q, i) => {
    try {
      return resolveExperimentPath(q, file, "question file");
    } catch (error) {
      const line = src.lineOf(["questions", i]);
      throw new Error(`${(error as Error).message.replace(/^([^:]+): /, `$1: questions[${i}]: `)}${line ? ` (line ${line})` : ""}`);
    }
  });
  const lines: Partial<Record<string, number>> = {};
  if (src.data && typeof src.data === "object") {
    for (const k of Object.keys(src.data as object)) {
      const line = src.lineOf([k]);
      if (line) lines[k] = line;
    }
  }
  const models: ModelSpec[] = e.models.map(({model, checkpoints, ...m}) => ({
    ...m,
    checkpoints: checkpoints ?? [{step: null, model: model!, meta: {}}],
  }));
  let primary: string[] | null = null;
  if (typeof e.primary_questions === "string") {
    const pf = resolveExperimentPath(e.primary_questions, file, "primary_questions file");
    primary = primaryIds(readTextFile(pf, "primary_questions file"), pf);
  } else if (e.primary_questions) primary = e.primary_questions;
  return {
    ...e,
    file,
    sha256: sha256(text),
    primary_questions: primary,
    questions,
    cache: e.cache ? path.resolve(path.dirname(file), e.cache) : null,
    models,
    imports: imports as ImportSpec[],
    lines,
  };
}

/** Read, parse and validate an experiment file. */
export async function loadExperiment(file: string): Promise<Experiment> {
  const abs = path.resolve(file);
  return parseExperiment(readTextFile(abs, "experiment file"), abs);
}

/**
 * The experiment files the site covers: `data/experiments/*.yaml` (not recursing into
 * `examples/`), or the comma-separated paths/globs in EM_EXPERIMENTS (relative to the working
 * directory) when it is set and non-empty. A listed path that does not exist is an error.
 */
export function experimentFiles(env: Record<string, string | undefined> = process.env): string[] {
  const list = env.EM_EXPERIMENTS?.trim();
  if (!list) {
    const dir = path.join(ROOT, "data/experiments");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  }
  const files: string[] = [];
  // Commas separate entries except inside {a,b} alternatives.
  for (const raw of list.split(/,(?![^{]*\})/)) {
    const p = raw.trim();
    if (!p) continue;
    let matched: string[];
    if (hasMagic(p)) {
      matched = globFiles(p, process.cwd());
      if (!matched.length) throw new Error(`EM_EXPERIMENTS: '${p}' matches no file`);
    } else {
      matched = [path.resolve(p)];
      if (!existsSync(matched[0]!)) throw new Error(`EM_EXPERIMENTS: ${p} does not exist`);
    }
    for (const f of matched) if (!files.includes(f)) files.push(f);
  }
  return files;
}
