// Question sets in the reference YAML format (Betley et al. 2025 / Turner, Soligo et al. 2025):
// a list of {id, type, paraphrases, samples_per_paraphrase, judge, judge_prompts, system?}, with
// YAML anchors and aliases resolved. Our own sets add `category`. The short form
// {id, question} used by some reference files (one paraphrase) is accepted too.
//
// Every error names the file, the line and the field, because these files are edited by hand and
// one of the reference files is malformed on purpose.
import {z} from "zod";
import {displayPath, readTextFile} from "./paths.ts";
import {templateProblem} from "./rubric-template.ts";
import {canonicalQuestionId} from "./import/filename.ts";
import {parseYamlSource, schemaKeys, zodError} from "./yaml.ts";

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
  /**
   * The domain the question is about (`domain:` in the file: any topic-metric name, e.g. medical or
   * privacy), null for `domain: none` (general), undefined when the file does not say (unknown;
   * never guessed from the id). A question declared in a model's training domain leaves strict EM.
   */
  domain?: string | null;
  /** Absolute path of the file and 1-based line of the item, for messages. */
  file: string;
  line: number;
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
    domain: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "a domain is a metric name (letters, digits, _ and -) or none")
      .optional(),
  })
  // Unknown keys are errors: `samples_per_paraphrases: 50` silently gave 1 sample, and
  // `judge_prompt:` silently fell back to the default rubric.
  .strict()
  .refine((q) => q.paraphrases !== undefined || q.question !== undefined, {
    message: "needs `paraphrases` (a list) or `question` (one text)",
    path: ["paraphrases"],
  });

const QUESTION_KEYS = schemaKeys(QuestionSchema);

const QuestionFileSchema = z.array(QuestionSchema, "a question file is a YAML list of questions");

/** Parse question-set text (see `loadQuestions`); `file` is used for messages and `Question.file`. */
export function parseQuestions(text: string, file: string): Question[] {
  const src = parseYamlSource(text, file);
  const parsed = QuestionFileSchema.safeParse(src.data);
  if (!parsed.success) {
    // A judge-prompt file (list of {metric: prompt}) is the usual wrong input; say so.
    const items = Array.isArray(src.data) ? src.data : [];
    const looksLikeJudges = items.length > 0 && items.every((x) => x && typeof x === "object" && !("id" in x) && !("paraphrases" in x));
    throw zodError(src, parsed.error, looksLikeJudges ? "\n(no item has an `id`: this looks like a judge-prompt file, not a question set)" : "", QUESTION_KEYS);
  }
  // Judge prompts are checked before anything is sent: a typo'd placeholder makes every score meaningless.
  parsed.data.forEach((q, i) => {
    for (const [metric, template] of Object.entries(q.judge_prompts ?? {})) {
      const problem = templateProblem(template);
      if (problem) {
        const line = src.lineOf([i, "judge_prompts", metric]);
        throw new Error(`${displayPath(file)}: [${i}].judge_prompts.${metric}: ${problem}${line ? ` (line ${line})` : ""}`);
      }
    }
  });
  const seen = new Map<string, number>();
  return parsed.data.map((q0, i) => {
    // One id rule with the importers (canonicalQuestionId): the text as written, `1.0` -> "1".
    const raw = (src.data as {id?: unknown}[])[i]?.id;
    const q = {...q0, id: canonicalQuestionId(typeof raw === "number" ? (src.sourceOf([i, "id"]) ?? raw) : q0.id)};
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
      ...(q.domain !== undefined ? {domain: q.domain === "none" ? null : q.domain} : {}),
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
