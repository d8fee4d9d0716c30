// `em summarize` options: argv -> checked SummarizeOptions (usage text: loaders/commands/summarize.ts).
// Every check that needs no data runs here, so a bad option fails before anything is read.
import {numberOption, parseCommandOptions} from "../command-options.ts";
import {makeRule, RULES, type EmRule} from "../../src/lib/em/index.ts";
import {RESPONSE_TYPES, type ResponseType} from "../../src/lib/schema.ts";

/** What `em summarize` computes, checked; the library call (buildSummary) takes it. */
export interface SummarizeOptions {
  /** Exactly one of experiment / data. */
  experiment?: string;
  data?: string;
  cache?: string;
  rule: EmRule;
  exclude: ResponseType[];
  topicCut?: number;
  /** Raw --judge: an id, a comma list or "all"; undefined: the first judge present. */
  judge?: string;
  /** Raw --questions; undefined: the rule's own filter. */
  questions?: string;
  by: string[];
  foldVariants: boolean;
  noFoldVariants: boolean;
  estimand: "questions" | "answers";
  transition: boolean;
  /** --mechanism: with --transition and --experiment, change points of the training curves and their lag (issue 27). */
  mechanism?: boolean;
  coordinate?: string;
  coordinateScale: "auto" | "linear" | "log";
  sensitivity: boolean;
  baseline: boolean;
  /** --components: variance components per group (issue 26). */
  components: boolean;
  /** --question-set: the experiment's primary (pre-registered) questions, the exploratory rest, or all (issue 26). */
  questionSet?: "primary" | "exploratory" | "all";
  calibrate?: string;
  pivot?: string;
  format: "json" | "table" | "csv";
  seed: number;
  replicates: number;
  confidence: number;
}

/** parseSummarizeArgs' result: help asked, no single input source (usage), or the options. */
export type ParsedSummarize = {kind: "help"} | {kind: "no-source"} | {kind: "options"; options: SummarizeOptions};

/** A bad option value (exit 1; the message names the option). */
export function fail(msg: string): never {
  throw new Error(msg);
}

function bool(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === "true" || v === "1" || v === "yes") return true;
  if (v === "false" || v === "0" || v === "no") return false;
  return fail(`--${name} must be true or false, got '${v}'`);
}

/** A comma list, trimmed, empty items dropped; [] for undefined. */
export function list(v: string | undefined): string[] {
  return v === undefined
    ? []
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
}

/**
 * Parse and check `em summarize` argv. Throws UsageError (exit 2) for an option given twice and
 * node's parseArgs errors (unknown option), Error (exit 1) for a bad value.
 */
export function parseSummarizeArgs(argv: string[]): ParsedSummarize {
  const values = parseCommandOptions(argv, {
    experiment: {type: "string"},
    data: {type: "string"},
    rule: {type: "string", default: "betley"},
    aligned: {type: "string"},
    coherent: {type: "string"},
    "aligned-inclusive": {type: "string"},
    "coherent-inclusive": {type: "string"},
    denominator: {type: "string"},
    nulls: {type: "string"},
    "exclude-types": {type: "string"},
    "topic-cut": {type: "string"},
    judge: {type: "string"},
    by: {type: "string"},
    transition: {type: "boolean", default: false},
    mechanism: {type: "boolean", default: false},
    coordinate: {type: "string"},
    cache: {type: "string"},
    "coordinate-scale": {type: "string", default: "auto"},
    coherence: {type: "string"},
    questions: {type: "string"},
    "fold-variants": {type: "boolean", default: false},
    "no-fold-variants": {type: "boolean", default: false},
    estimand: {type: "string", default: "questions"},
    baseline: {type: "boolean", default: false},
    components: {type: "boolean", default: false},
    "question-set": {type: "string"},
    pivot: {type: "string"},
    sensitivity: {type: "boolean", default: false},
    format: {type: "string", default: "table"},
    seed: {type: "string", default: "0"},
    replicates: {type: "string", default: "2000"},
    confidence: {type: "string", default: "0.95"},
    calibrate: {type: "string"},
    help: {type: "boolean", short: "h", default: false},
  });
  if (values.help) return {kind: "help"};
  if (!values.experiment === !values.data) return {kind: "no-source"};
  const format = values.format;
  if (format !== "json" && format !== "table" && format !== "csv") fail(`--format must be json, table or csv, got '${format}'`);
  if (format === "csv" && (values.transition || values.baseline || values.components))
    fail(`--format csv holds one row per group and cannot carry --transition or --baseline results; use --format json (or table)`);
  if (values.mechanism && (!values.transition || !values.experiment))
    fail(`--mechanism goes with --transition and --experiment (the training logs and checkpoints are named in the experiment file's mechanism: section)`);
  const qset = values["question-set"];
  if (qset !== undefined && qset !== "primary" && qset !== "exploratory" && qset !== "all")
    fail(`--question-set must be primary, exploratory or all, got '${qset}'`);
  if (qset !== undefined && !values.experiment) fail(`--question-set goes with --experiment (its primary_questions name the set)`);
  if (values.cache && !values.experiment) fail(`--cache goes with --experiment (tables from --data carry their scores already)`);
  const ruleName = values.rule as string;
  if (!(ruleName in RULES)) fail(`--rule must be one of ${Object.keys(RULES).join(", ")}, got '${ruleName}'`);
  const estimand = values.estimand;
  if (estimand !== "questions" && estimand !== "answers") fail(`--estimand must be questions or answers, got '${estimand}'`);
  const denominator = values.denominator;
  if (denominator !== undefined && denominator !== "coherent" && denominator !== "scored")
    fail(`--denominator must be coherent or scored, got '${denominator}'`);
  const nulls = values.nulls;
  if (nulls !== undefined && nulls !== "drop" && nulls !== "not_em") fail(`--nulls must be drop or not_em, got '${nulls}'`);
  const rule: EmRule = makeRule(ruleName as keyof typeof RULES, {
    requireCoherent: bool("coherence", values.coherence),
    aligned: numberOption("aligned", values.aligned, 0, 100),
    coherent: numberOption("coherent", values.coherent, 0, 100),
    alignedInclusive: bool("aligned-inclusive", values["aligned-inclusive"]),
    coherentInclusive: bool("coherent-inclusive", values["coherent-inclusive"]),
    denominator: denominator as EmRule["denominator"] | undefined,
    nulls: nulls as EmRule["nulls"] | undefined,
  });
  const exclude = list(values["exclude-types"]);
  for (const t of exclude)
    if (!(RESPONSE_TYPES as readonly string[]).includes(t)) fail(`--exclude-types: unknown type '${t}' (expected ${RESPONSE_TYPES.join(", ")})`);
  const seed = numberOption("seed", values.seed, 0, 2 ** 32 - 1) as number;
  if (!Number.isInteger(seed)) fail(`--seed must be an integer, got '${values.seed}'`);
  const replicates = numberOption("replicates", values.replicates, 1, 1e6) as number;
  const confidence = numberOption("confidence", values.confidence, 0, 1) as number;
  if (confidence <= 0 || confidence >= 1) fail(`--confidence must be strictly between 0 and 1, got '${values.confidence}'`);
  const topicCut = numberOption("topic-cut", values["topic-cut"], 0, 100);
  if (topicCut !== undefined && !values.experiment)
    fail(`--topic-cut goes with --experiment (tables from --data carry the types \`em run\` wrote, with the experiment's topic_cut)`);
  if (values["fold-variants"] && values["no-fold-variants"]) fail(`--fold-variants and --no-fold-variants contradict each other; give one`);
  const scale = values["coordinate-scale"] as string;
  // Checked only with --transition (the option means nothing without it).
  if (values.transition && scale !== "auto" && scale !== "linear" && scale !== "log") fail(`--coordinate-scale must be auto, linear or log, got '${scale}'`);
  return {
    kind: "options",
    options: {
      ...(values.experiment !== undefined ? {experiment: values.experiment} : {}),
      ...(values.data !== undefined ? {data: values.data} : {}),
      ...(values.cache !== undefined ? {cache: values.cache} : {}),
      rule,
      exclude: exclude as ResponseType[],
      ...(topicCut !== undefined ? {topicCut} : {}),
      ...(values.judge !== undefined ? {judge: values.judge} : {}),
      ...(values.questions !== undefined ? {questions: values.questions} : {}),
      by: list(values.by),
      foldVariants: values["fold-variants"] as boolean,
      noFoldVariants: values["no-fold-variants"] as boolean,
      estimand,
      transition: values.transition as boolean,
      mechanism: values.mechanism as boolean,
      ...(values.coordinate !== undefined ? {coordinate: values.coordinate} : {}),
      coordinateScale: scale as SummarizeOptions["coordinateScale"],
      sensitivity: values.sensitivity as boolean,
      baseline: values.baseline as boolean,
      components: values.components as boolean,
      ...(qset !== undefined ? {questionSet: qset as "primary" | "exploratory" | "all"} : {}),
      ...(values.calibrate !== undefined ? {calibrate: values.calibrate} : {}),
      ...(values.pivot !== undefined ? {pivot: values.pivot} : {}),
      format,
      seed,
      replicates,
      confidence,
    },
  };
}
