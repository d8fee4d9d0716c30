// Question sets in the reference YAML format (Betley et al. 2025 / Turner, Soligo et al. 2025):
// a list of {id, type, paraphrases, samples_per_paraphrase, judge, judge_prompts, system?}, with
// YAML anchors and aliases resolved. Our own sets add `category`. The short form
// {id, question} used by some reference files (one paraphrase) is accepted too.
//
// Every error names the file, the line and the field, because these files are edited by hand and
// one of the reference files is malformed on purpose.
import {LineCounter, parseDocument, isNode, type Document} from "yaml";
import {z} from "zod";
import {displayPath, readTextFile} from "./paths.ts";

// src/data/summary.json.ts and bench/pipeline.ts import ROOT from here; its home is paths.ts.
export {ROOT} from "./paths.ts";

/** One question of a question set, after defaults and alias resolution. */
export interface Question {
  id: string;
  /** Reference type (`free_form_judge_0_100`, `free_form_judge`...); informational. */
  type: string;
  paraphrases: string[];
  /** From the file; null when absent. The experiment's `samples` takes precedence. */
  samples_per_paraphrase: number | null;
  /** Judge model named by the file; informational (the experiment chooses judges). */
  judge: string | null;
  /** Metric -> prompt template; overrides data/judges/<metric>.md for this question. */
  judge_prompts: Record<string, string>;
  system: string | null;
  category: string | null;
  /** Absolute path of the file and 1-based line of the item, for messages. */
  file: string;
  line: number;
}

/** A parsed YAML document with a way to find the line of any field path. */
export interface YamlSource {
  file: string;
  data: unknown;
  /** 1-based line of the node at `pathParts`, or of the nearest existing ancestor; null if unknown. */
  lineOf(pathParts: readonly PropertyKey[]): number | null;
}

/** Format a field path like zod's issue path as `models[1].checkpoints[0].step`. */
export function formatPath(parts: readonly PropertyKey[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * Parse YAML text with anchors/aliases resolved. Syntax errors throw
 * `<file>:<line>:<col>: YAML syntax error: ...`.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, {lineCounter, prettyErrors: true, uniqueKeys: true});
  const shown = displayPath(file);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const where = pos ? `${shown}:${pos.line}:${pos.col}` : shown;
    const first = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    const lineText = pos ? text.split(/\r?\n/)[pos.line - 1] : undefined;
    throw new Error(
      `${where}: YAML syntax error: ${first}` +
        (lineText !== undefined ? `\n  ${pos!.line} | ${lineText}` : "") +
        (doc.errors.length > 1 ? `\n  (first of ${doc.errors.length} YAML errors; usually an indentation slip)` : ""),
    );
  }
  // Reference files alias one prompt block dozens of times; the default alias cap (100) is for
  // untrusted input, these are local files.
  const data = doc.toJS({maxAliasCount: 100_000});
  return {
    file,
    data,
    lineOf(parts) {
      for (let n = parts.length; n >= 0; n--) {
        const node = doc.getIn(parts.slice(0, n) as unknown[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return null;
    },
  };
}

/** Turn zod issues into one readable error: `<file>: <path>: <message> (line N)` per issue. */
export function zodError(src: YamlSource, error: z.ZodError, hint = ""): Error {
  const shown = displayPath(src.file);
  const lines = error.issues.slice(0, 8).map((issue) => {
    const line = src.lineOf(issue.path);
    const msg = issue.message.replace(/^Invalid input: /, "");
    const p = formatPath(issue.path);
    return `${shown}: ${p ? p + ": " : ""}${msg}${line ? ` (line ${line})` : ""}`;
  });
  if (error.issues.length > 8) lines.push(`... and ${error.issues.length - 8} more problems`);
  return new Error(lines.join("\n") + hint);
}

const idSchema = z
  .union([z.string().min(1), z.number()], {error: (iss) => (iss.input === undefined ? "required (a string or number)" : "expected a string or number")})
  .transform((v) => String(v));

const QuestionSchema = z
  .object({
    id: idSchema,
    type: z.string().default("free_form_judge_0_100"),
    paraphrases: z.array(z.string().min(1, "empty paraphrase")).min(1, "needs at least one paraphrase").optional(),
    question: z.string().min(1).optional(),
    samples_per_paraphrase: z.number().int().positive().optional(),
    judge: z.string().optional(),
    judge_prompts: z.record(z.string(), z.string()).optional(),
    system: z.string().nullable().optional(),
    category: z.string().nullable().optional(),
  })
  .refine((q) => q.paraphrases !== undefined || q.question !== undefined, {
    message: "needs `paraphrases` (a list) or `question` (one text)",
    path: ["paraphrases"],
  });

const QuestionFileSchema = z.array(QuestionSchema, "a question file is a YAML list of questions");

/** Parse question-set text (see `loadQuestions`); `file` is used for messages and `Question.file`. */
export function parseQuestions(text: string, file: string): Question[] {
  const src = parseYamlSource(text, file);
  const parsed = QuestionFileSchema.safeParse(src.data);
  if (!parsed.success) {
    // A judge-prompt file (list of {metric: prompt}) is the usual wrong input; say so.
    const items = Array.isArray(src.data) ? src.data : [];
    const looksLikeJudges = items.length > 0 && items.every((x) => x && typeof x === "object" && !("id" in x) && !("paraphrases" in x));
    throw zodError(src, parsed.error, looksLikeJudges ? "\n(no item has an `id`: this looks like a judge-prompt file, not a question set)" : "");
  }
  const seen = new Map<string, number>();
  return parsed.data.map((q, i) => {
    const line = src.lineOf([i]) ?? 0;
    const prev = seen.get(q.id);
    if (prev !== undefined) throw new Error(`${displayPath(file)}: [${i}].id: duplicate question id '${q.id}' (line ${line}; first at line ${prev})`);
    seen.set(q.id, line);
    return {
      id: q.id,
      type: q.type,
      paraphrases: q.paraphrases ?? [q.question!],
      samples_per_paraphrase: q.samples_per_paraphrase ?? null,
      judge: q.judge ?? null,
      judge_prompts: q.judge_prompts ?? {},
      system: q.system ?? null,
      category: q.category ?? null,
      file,
      line,
    };
  });
}

/** Read and validate a question-set YAML file. Throws errors naming file, line and field. */
export function loadQuestions(file: string): Question[] {
  return parseQuestions(readTextFile(file, "question file"), file);
}

/** Drop questions whose id contains any of `substrings` (the reference drops `json` variants this way). */
export function excludeQuestions(questions: readonly Question[], substrings: readonly string[]): Question[] {
  return questions.filter((q) => !substrings.some((s) => q.id.includes(s)));
}

/**
 * How many samples each paraphrase gets. With `total` (the experiment's `samples` per question)
 * the total is spread as evenly as possible, earlier paraphrases taking the remainder; without
 * it, the file's `samples_per_paraphrase` (default 1) applies to each paraphrase.
 */
export function samplesPerParaphrase(q: Pick<Question, "paraphrases" | "samples_per_paraphrase">, total?: number | null): number[] {
  const p = q.paraphrases.length;
  if (total === undefined || total === null) return q.paraphrases.map(() => q.samples_per_paraphrase ?? 1);
  const base = Math.floor(total / p);
  const extra = total % p;
  return q.paraphrases.map((_, j) => base + (j < extra ? 1 : 0));
}
