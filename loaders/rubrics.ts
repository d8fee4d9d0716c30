// Judge rubrics: data/judges/<metric>.md = optional YAML front matter (kind, labels) + a prompt
// template with {question}, {answer} and (type rubric) {training} placeholders.
// A question file's own judge_prompts override the rubric for that question (score kind).
import {existsSync} from "node:fs";
import path from "node:path";
import {z} from "zod";
import {ROOT, displayPath, readTextFile} from "./paths.ts";
import {parseYamlSource, schemaKeys, zodError} from "./yaml.ts";
import {sha256} from "./hash.ts";
import type {Question} from "./questions.ts";
import {templateProblem} from "./rubric-template.ts";

/** Default rubric folder. */
export const JUDGES_DIR = path.join(ROOT, "data/judges");

export interface Rubric {
  metric: string;
  /** "score": 0..100 via the reference logprob algorithm; "label": one of `labels` via labelProbs. */
  kind: "score" | "label";
  labels: string[] | null;
  template: string;
  /** sha256 (hex) of the template text: recorded in provenance. */
  sha256: string;
  /** Where the template came from (rubric file or question file). */
  file: string;
}

const FrontMatter = z
  .object({
    kind: z.enum(["score", "label"]).default("score"),
    labels: z
      .array(z.union([z.string(), z.number()]).transform(String))
      .min(2)
      .optional(),
    description: z.string().optional(),
  })
  .strict()
  .refine((f) => f.kind !== "label" || f.labels, {message: "a label rubric needs `labels`", path: ["labels"]});

/** Parse rubric text (front matter optional). The template is the body with surrounding blank lines removed. */
export function parseRubric(text: string, metric: string, file: string): Rubric {
  let body = text.replace(/^\uFEFF/, "");
  let front: unknown = {};
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(body);
  if (m) {
    // The front matter starts on line 2 (after `---`): a leading newline makes reported lines file lines.
    const src = parseYamlSource("\n" + m[1]!, file);
    front = src.data ?? {};
    const parsed = FrontMatter.safeParse(front);
    if (!parsed.success) throw zodError(src, parsed.error, "", schemaKeys(FrontMatter));
    front = parsed.data;
    body = body.slice(m[0].length);
  } else if (/^---[ \t]*\r?\n/.test(body)) {
    // An opening `---` with no closing one: the front matter would be sent to the judge as prompt text.
    throw new Error(`${displayPath(file)}: rubric '${metric}': front matter opened with '---' on line 1 is never closed (add a line '---' after it)`);
  } else {
    front = FrontMatter.parse({});
  }
  const f = front as z.infer<typeof FrontMatter>;
  const template = body.replace(/^\s*\n/, "").replace(/\s+$/, "");
  const problem = templateProblem(template);
  if (problem) throw new Error(`${displayPath(file)}: rubric '${metric}' ${problem}`);
  return {metric, kind: f.kind, labels: f.labels ?? null, template, sha256: sha256(template), file};
}

/** Load data/judges/<metric>.md (or from `dir`). Throws naming the file when missing or malformed. */
export function loadRubric(metric: string, dir: string = JUDGES_DIR): Rubric {
  const file = path.join(dir, `${metric}.md`);
  if (!existsSync(file)) throw new Error(`no rubric for metric '${metric}': ${displayPath(file)} does not exist`);
  return parseRubric(readTextFile(file, "rubric"), metric, file);
}

/** Rubric for one question: the question file's `judge_prompts[metric]` when present, else `base`. */
export function rubricFor(question: Question, metric: string, base: Rubric | null): Rubric {
  const own = question.judge_prompts[metric];
  if (own !== undefined) {
    return {metric, kind: "score", labels: null, template: own, sha256: sha256(own), file: question.file};
  }
  if (!base)
    throw new Error(
      `metric '${metric}': no rubric data/judges/${metric}.md and question '${question.id}' (${displayPath(question.file)}:${question.line}) has no judge_prompts.${metric}`,
    );
  return base;
}

/** A judge prompt within its size limit: `cut` characters were removed from the answer (0 when it fit). */
export interface JudgePrompt {
  prompt: string;
  cut: number;
}

/**
 * The judge prompt for one answer, at most `maxChars` characters (UTF-16 code units) long: when
 * the filled template is longer, the answer is cut (never the rubric or the question) and a
 * marker line saying how much was cut is appended to it, so the judge knows it sees a prefix.
 * A template and question alone longer than the limit keep a 200-character answer prefix.
 */
export function judgePrompt(template: string, vars: {question: string; answer: string; training?: string}, maxChars = Infinity): JudgePrompt {
  const full = fillTemplate(template, vars);
  if (full.length <= maxChars) return {prompt: full, cut: 0};
  const uses = (template.match(/\{answer\}/g) ?? []).length || 1;
  const marker = (n: number) => `\n[... ${n} characters of this answer cut: the judge prompt limit is ${maxChars} characters]`;
  const room = Math.floor((maxChars - (full.length - uses * vars.answer.length) - uses * marker(vars.answer.length).length) / uses);
  let keep = Math.max(200, Math.min(vars.answer.length, room));
  // Never split a surrogate pair.
  if (keep > 0 && /[\uD800-\uDBFF]/.test(vars.answer[keep - 1] ?? "")) keep--;
  const cut = vars.answer.length - keep;
  return {prompt: fillTemplate(template, {...vars, answer: vars.answer.slice(0, keep) + marker(cut)}), cut};
}

/**
 * Fill a template. Only the known placeholders {question}, {answer}, {training} are replaced, in
 * one pass, so braces inside answers or other template text (JSON, code) are left as they are.
 */
export function fillTemplate(template: string, vars: {question: string; answer: string; training?: string}): string {
  return template.replace(/\{(question|answer|training)\}/g, (_, name: "question" | "answer" | "training") => vars[name] ?? "");
}
