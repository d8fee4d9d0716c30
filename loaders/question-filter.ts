// Question filters of an experiment file: `exclude_questions` (id substrings, the original key),
// `questions_include` and `questions_exclude` (ids or globs). One predicate for generation and
// imports, so an experiment's question set is the same whichever way its answers arrive.
import {globToRegExp} from "../src/lib/em/question-ids.ts";
import {canonicalQuestionId} from "./import/filename.ts";

export interface QuestionFilterConfig {
  exclude_questions: readonly string[];
  questions_include?: readonly string[] | undefined;
  questions_exclude: readonly string[];
}

/**
 * An id pattern: a glob (`*`, `?`, `[a-z]`, `{a,b}`) or, without glob syntax, the exact id (the analysis
 * library's matcher, shared with `em summarize --questions`). An exact id follows the one id rule
 * (canonicalQuestionId: `1.0` names question `1`).
 */
function idMatcher(p: string): (id: string) => boolean {
  const re = globToRegExp(/[*?[{]/.test(p) ? p : canonicalQuestionId(p));
  return (id) => re.test(id);
}

/** True for the question ids the experiment keeps; null when it filters nothing (the common case). */
export function questionFilter(cfg: QuestionFilterConfig): ((id: string) => boolean) | null {
  const include = cfg.questions_include?.map(idMatcher) ?? null;
  const exclude = cfg.questions_exclude.map(idMatcher);
  const subs = cfg.exclude_questions;
  if (!include && !exclude.length && !subs.length) return null;
  return (id) => (!include || include.some((m) => m(id))) && !exclude.some((m) => m(id)) && !subs.some((s) => id.includes(s));
}
