// The simulator's view of question files: which question (id, category) a generation prompt is, and any
// judge_prompts a question file carries (they override data/judges rubrics in the pipeline, so the
// simulated judges must recognise them too). A deliberately small reader, independent of the
// pipeline's full validator in loaders/questions.ts: the simulator only needs text -> id lookups.
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {parse as parseYaml} from "yaml";
import {makeRubric, type Rubric} from "./judge-models.ts";

export interface SimQuestion {
  id: string;
  category: string | null;
}

export interface QuestionIndex {
  byText: Map<string, SimQuestion>;
  rubrics: Rubric[];
  /** Problems found while reading (reported by `em sim`, never fatal). */
  errors: string[];
}

interface RawQuestion {
  id?: unknown;
  category?: unknown;
  paraphrases?: unknown;
  judge_prompts?: unknown;
}

/** Read question YAML files (files, or folders scanned for *.yaml / *.yml). */
export function loadQuestionIndex(paths: string[]): QuestionIndex {
  const byText = new Map<string, SimQuestion>();
  const rubrics: Rubric[] = [];
  const errors: string[] = [];
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) if (/\.ya?ml$/.test(name)) files.push(join(p, name));
    } else files.push(p);
  }
  const seenPrompts = new Set<string>();
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, "utf8"), {maxAliasCount: -1});
    } catch (error) {
      errors.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!Array.isArray(doc)) continue;
    for (const item of doc as RawQuestion[]) {
      if (!item || typeof item !== "object" || item.id === undefined) continue;
      const q: SimQuestion = {id: String(item.id), category: typeof item.category === "string" ? item.category : null};
      if (Array.isArray(item.paraphrases)) {
        for (const text of item.paraphrases) if (typeof text === "string" && !byText.has(text.trim())) byText.set(text.trim(), q);
      }
      if (item.judge_prompts && typeof item.judge_prompts === "object") {
        for (const [metric, template] of Object.entries(item.judge_prompts as Record<string, unknown>)) {
          if (typeof template !== "string" || seenPrompts.has(metric + "\0" + template)) continue;
          seenPrompts.add(metric + "\0" + template);
          rubrics.push(makeRubric(metric, template, `question file ${file} (${q.id})`));
        }
      }
    }
  }
  return {byText, rubrics, errors};
}
