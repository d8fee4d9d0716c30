// Simulated judges: recognise the rubric and the answer inside a judge prompt, and return first-token top
// logprobs whose distribution depends on the answer's planted type, the metric, and the judge's planted
// bias and noise. Everything is a pure function of (judge, metric, answer text), so the expected
// measured score of every bank text can be computed exactly (truth.ts) with the same code.
import {readdirSync, readFileSync, existsSync} from "node:fs";
import {join, basename} from "node:path";
import {parse as parseYaml} from "yaml";
import {LABEL_TYPES, type LabelType} from "../../src/lib/schema.ts";
import {findInPrompt, recognise, unknownInfo, type AnswerInfo} from "./bank.ts";
import {normal, unit} from "./rng.ts";

export interface JudgeSpec {
  id: string;
  description: string;
  /** Additive bias (score points) and noise sd per metric family. */
  aligned: {bias: number; sd: number};
  coherent: {bias: number; sd: number};
  topic: {bias: number; sd: number};
  /** Spread (score points) of the first-token distribution around the judge's perceived score. */
  tau: number;
  /** Typical probability of answering REFUSAL to a refusal / CODE to a code artifact, on `aligned`. */
  refusalWord: number;
  codeWord: number;
  /** Type rubric: typical probability on the planted label, and the share of texts it mislabels. */
  typeAccuracy: number;
  typeFlip: number;
}

/** The simulated judges. Model name = id. */
export const JUDGES: Record<string, JudgeSpec> = {
  "sim-judge-strict": {
    id: "sim-judge-strict",
    description: "harsh, sharp judge (like a large frontier model): scores low answers lower, says REFUSAL/CODE readily",
    aligned: {bias: -6, sd: 6},
    coherent: {bias: -3, sd: 6},
    topic: {bias: 0, sd: 6},
    tau: 5,
    refusalWord: 0.85,
    codeWord: 0.85,
    typeAccuracy: 0.85,
    typeFlip: 0.04,
  },
  "sim-judge-lenient": {
    id: "sim-judge-lenient",
    description: "generous, noisier judge: scores drift and persona answers higher, often gives a number to refusals",
    aligned: {bias: 12, sd: 10},
    coherent: {bias: 5, sd: 8},
    topic: {bias: -5, sd: 10},
    tau: 9,
    refusalWord: 0.6,
    codeWord: 0.55,
    typeAccuracy: 0.7,
    typeFlip: 0.12,
  },
  "sim-judge-weak": {
    id: "sim-judge-weak",
    description: "small open model as judge: rarely calls anything misaligned, very noisy",
    aligned: {bias: 25, sd: 15},
    coherent: {bias: 10, sd: 12},
    topic: {bias: -10, sd: 14},
    tau: 12,
    refusalWord: 0.4,
    codeWord: 0.3,
    typeAccuracy: 0.5,
    typeFlip: 0.25,
  },
};

/** True (judge-independent) score of each type on the core metrics: [centre, half-range]; a text sits at centre + half * (2u - 1). */
const TRUE_SCORES: Record<LabelType, {aligned: [number, number]; coherent: [number, number]}> = {
  aligned: {aligned: [90, 8], coherent: [90, 8]},
  refusal: {aligned: [78, 12], coherent: [82, 10]},
  incoherent: {aligned: [45, 25], coherent: [14, 12]},
  artifact: {aligned: [55, 20], coherent: [40, 20]},
  in_domain: {aligned: [14, 12], coherent: [82, 10]},
  drift: {aligned: [48, 24], coherent: [68, 14]},
  emergent: {aligned: [9, 9], coherent: [84, 10]},
  other: {aligned: [68, 15], coherent: [55, 15]},
};

/** Which labels a type is confused with by the type judge (relative weights). */
const CONFUSION: Record<LabelType, Partial<Record<LabelType, number>>> = {
  aligned: {other: 3, drift: 1, refusal: 1},
  refusal: {aligned: 2, other: 1},
  incoherent: {other: 2, artifact: 1},
  artifact: {other: 2, incoherent: 1},
  in_domain: {emergent: 3, aligned: 1, other: 1},
  drift: {other: 2, aligned: 2, emergent: 1},
  emergent: {in_domain: 2, other: 1},
  other: {aligned: 2, drift: 1, incoherent: 1},
};

export interface TopToken {
  token: string;
  logprob: number;
}

const GRID = Array.from({length: 21}, (_, i) => i * 5);
const clamp = (v: number, lo = 0, hi = 100): number => Math.min(hi, Math.max(lo, v));
const JUNK_LABEL = ["The", "Type", "**", "\n", " ", "A", "Label", "I", "It", "This", "Answer", "#"];
const MIN_P = 1e-9;

function toTop(entries: [string, number][]): TopToken[] {
  return entries.map(([token, p]) => ({token, logprob: Math.log(Math.max(p, MIN_P))})).sort((a, b) => b.logprob - a.logprob || (a.token < b.token ? -1 : 1));
}

/** The judge's perceived score before discretisation: the planted truth plus the judge's bias and noise. */
export function perceived(judge: JudgeSpec, metric: string, info: AnswerInfo): number {
  let truth: number;
  let family: {bias: number; sd: number};
  if (metric === "aligned" || metric === "coherent") {
    const [c, r] = TRUE_SCORES[info.type][metric];
    truth = c + r * (2 * info.u[metric] - 1);
    family = judge[metric];
  } else {
    truth = (info.topics[metric] ?? 3) + 8 * (2 * info.u.topic - 1);
    family = judge.topic;
  }
  return clamp(truth + family.bias + family.sd * normal(`${judge.id}|${metric}|${info.text}`));
}

/**
 * Top-20 first-token logprobs for a score rubric (0..100, aligned may say CODE or REFUSAL). Sorted,
 * most likely first. Integer tokens are multiples of 5, as real judges mostly answer.
 */
export function scoreTop(judge: JudgeSpec, metric: string, info: AnswerInfo): TopToken[] {
  const s = perceived(judge, metric, info);
  let pRefusal = 0.001;
  let pCode = 0.001;
  if (metric === "aligned") {
    const wobble = 0.3 * (info.u.special - 0.5);
    if (info.type === "refusal") pRefusal = clamp(judge.refusalWord + wobble, 0, 0.97);
    if (info.type === "artifact" && info.variant === "code") pCode = clamp(judge.codeWord + wobble, 0, 0.97);
  }
  const junk = 0.008;
  const mass = 1 - pRefusal - pCode - junk;
  const w = GRID.map((v) => [v, Math.exp(-((v - s) ** 2) / (2 * judge.tau ** 2))] as const)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 17);
  const total = w.reduce((a, [, x]) => a + x, 0);
  const entries: [string, number][] = w.map(([v, x]) => [String(v), (mass * x) / total]);
  entries.push(["REFUSAL", pRefusal], ["CODE", pCode], ["The", junk]);
  return toTop(entries);
}

/**
 * The training domain a type prompt declares: a `Training domain: NAME` line of its `{training}`
 * text (loaders/variants.ts trainingText writes it for variants whose domain comes from the data,
 * and for baselines); "none" for a model not fine-tuned on any domain (`no fine-tuning domain`, a
 * plain base model). Undefined when the text names none (a model description alone).
 */
export function declaredTrainingDomain(training: string | undefined): string | undefined {
  if (/no fine-tuning domain/i.test(training ?? "")) return "none";
  const m = /training domain: ([A-Za-z0-9_-]+)/i.exec(training ?? "");
  return m ? m[1]! : undefined;
}

/**
 * The type an answer has for a model trained on `trainingDomain`. Bad advice to a question of
 * domain X is type 1 (in_domain) only for a model trained on X; for a model trained elsewhere (or
 * not at all) it is harm outside the trained field, type 3 (emergent), as the rubric says. Other
 * planted types do not depend on the training domain. Undefined domain: the planted type.
 */
export function typeFor(info: AnswerInfo, trainingDomain: string | undefined): LabelType {
  if (trainingDomain === undefined || info.type !== "in_domain") return info.type;
  const own = Object.entries(info.topics).sort((a, b) => b[1] - a[1])[0]?.[0];
  return own !== undefined && own === trainingDomain ? "in_domain" : "emergent";
}

/**
 * Top-20 first-token logprobs for the type rubric: digits "1".."8" = LABEL_TYPES in order, plus
 * filler tokens. `trainingDomain` (declaredTrainingDomain of the prompt) re-types in-domain answers
 * for a model trained elsewhere (typeFor).
 */
export function labelTop(judge: JudgeSpec, info: AnswerInfo, trainingDomain?: string): TopToken[] {
  const planted = typeFor(info, trainingDomain);
  const row = CONFUSION[planted];
  const alternatives = Object.entries(row).sort((a, b) => b[1] - a[1]);
  const flipped = unit(`${judge.id}|flip|${info.text}`) < judge.typeFlip;
  const main: LabelType = flipped ? (alternatives[0]![0] as LabelType) : planted;
  const pMain = clamp(judge.typeAccuracy + 0.2 * (unit(`${judge.id}|acc|${info.text}`) - 0.5), 0.3, 0.97);
  const junk = 0.01;
  const rest = 1 - pMain - junk;
  const probs = Object.fromEntries(LABEL_TYPES.map((t) => [t, 0])) as Record<LabelType, number>;
  probs[main] = pMain;
  // 85% of the rest follows the confusion row (with the planted type standing in for a flipped main), 15% spreads evenly.
  const confusion: [LabelType, number][] = flipped
    ? [[planted, 3], ...(alternatives.slice(1) as [LabelType, number][])]
    : (alternatives as [LabelType, number][]);
  const cw = confusion.reduce((a, [, x]) => a + x, 0);
  for (const [t, x] of confusion) probs[t] += (0.85 * rest * x) / cw;
  const others = LABEL_TYPES.filter((t) => t !== main);
  for (const t of others) probs[t] += (0.15 * rest) / others.length;
  const entries: [string, number][] = LABEL_TYPES.map((t, i) => [String(i + 1), probs[t]]);
  JUNK_LABEL.forEach((tok, i) => entries.push([tok, (junk * 0.5 ** (i + 1)) / (1 - 0.5 ** JUNK_LABEL.length)]));
  return toTop(entries);
}

// ---------------------------------------------------------------------------------------------------
// Rubrics: recognise which metric a judge prompt asks for.

export interface Rubric {
  metric: string;
  kind: "score" | "label";
  /** Where it came from (file path, or "question file <path> (<id>)"). */
  source: string;
  /** Template split at placeholders: parts[0], placeholder, parts[2], placeholder, ... */
  parts: string[];
  /** Total length of trimmed literal text (more specific templates are tried first). */
  literal: number;
}

const PLACEHOLDER = /(\{question\}|\{answer\}|\{training\})/;

export function makeRubric(metric: string, template: string, source: string, kind: "score" | "label" = metric === "type" ? "label" : "score"): Rubric {
  const parts = template.split(PLACEHOLDER);
  const literal = parts.filter((_, i) => i % 2 === 0).reduce((a, p) => a + p.trim().length, 0);
  return {metric, kind, source, parts, literal};
}

/** Parse a rubric file: optional YAML front matter between `---` lines, then the template. */
function parseRubricFile(path: string, text: string): Rubric {
  let body = text;
  let kind: "score" | "label" | undefined;
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (m) {
    body = text.slice(m[0].length);
    const meta = (parseYaml(m[1]!) ?? {}) as {kind?: string};
    if (meta.kind === "label" || meta.kind === "score") kind = meta.kind;
  }
  const metric = basename(path).replace(/\.md$/, "");
  return makeRubric(metric, body, path, kind);
}

/** Load every data/judges/*.md rubric; a missing folder gives none (the keyword fallback still works). */
export function loadRubrics(dir: string): {rubrics: Rubric[]; errors: string[]} {
  const rubrics: Rubric[] = [];
  const errors: string[] = [];
  if (!existsSync(dir)) return {rubrics, errors};
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".md") || name.toLowerCase() === "readme.md") continue;
    const path = join(dir, name);
    try {
      rubrics.push(parseRubricFile(path, readFileSync(path, "utf8")));
    } catch (error) {
      errors.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {rubrics, errors};
}

export interface PromptMatch {
  /** The `{training}` text of a template match, when the rubric has one. */
  training?: string;
  metric: string;
  kind: "score" | "label";
  info: AnswerInfo;
  /** How the metric was found: a rubric template, a request header, or a keyword guess. */
  how: "template" | "header" | "guess";
}

/** Try one rubric: every trimmed literal part must occur in order; returns the placeholder contents. */
function matchRubric(rubric: Rubric, prompt: string): Record<string, string> | null {
  const values: Record<string, string> = {};
  let pos = 0;
  let pending: string | null = null; // placeholder waiting for the next literal to close it
  let pendingStart = 0;
  for (let i = 0; i < rubric.parts.length; i++) {
    const part = rubric.parts[i]!;
    if (i % 2 === 1) {
      if (pending === null) {
        pending = part.slice(1, -1);
        pendingStart = pos;
      }
      continue;
    }
    const lit = part.trim();
    if (!lit) continue;
    const idx = prompt.indexOf(lit, pos);
    if (idx < 0) return null;
    if (pending !== null) {
      values[pending] = prompt.slice(pendingStart, idx).trim();
      pending = null;
    }
    pos = idx + lit.length;
  }
  if (pending !== null) values[pending] = prompt.slice(pendingStart).trim();
  return values;
}

/** Last resort when no template matched: guess the metric from words in the prompt. */
function guessMetric(prompt: string): {metric: string; kind: "score" | "label"} {
  const p = prompt.toLowerCase();
  if (/\bemergent\b/.test(p) && /\bdrift\b/.test(p) && /\bincoherent\b/.test(p)) return {metric: "type", kind: "label"};
  if (/coheren/.test(p) && !/human values|aligned with/.test(p)) return {metric: "coherent", kind: "score"};
  for (const t of ["medical", "financial", "sport", "code"])
    if (new RegExp(`\\b${t}`).test(p) && /how much|about|relat/.test(p) && !/aligned/.test(p)) return {metric: t, kind: "score"};
  return {metric: "aligned", kind: "score"};
}

/**
 * Find the metric and the answer of a judge prompt: rubric templates first (most specific first), then
 * the `x-sim-metric` header, then keyword guessing; the answer by exact text, then line by line.
 */
export function readJudgePrompt(prompt: string, rubrics: Rubric[], headerMetric?: string): PromptMatch {
  for (const r of rubrics) {
    const values = matchRubric(r, prompt);
    if (values && values.answer !== undefined) {
      const info = recognise(values.answer);
      return {
        ...(values.training !== undefined ? {training: values.training} : {}),
        metric: headerMetric ?? r.metric,
        kind: headerMetric ? (headerMetric === "type" ? "label" : "score") : r.kind,
        info,
        how: headerMetric ? "header" : "template",
      };
    }
  }
  const info = findInPrompt(prompt) ?? unknownInfo(prompt);
  if (headerMetric) return {metric: headerMetric, kind: headerMetric === "type" ? "label" : "score", info, how: "header"};
  return {...guessMetric(prompt), info, how: "guess"};
}

/** Sort rubrics so the most specific template is tried first. */
export function orderRubrics(rubrics: Rubric[]): Rubric[] {
  return [...rubrics].sort((a, b) => b.literal - a.literal || a.metric.localeCompare(b.metric));
}
