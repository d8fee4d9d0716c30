// Judge prompt templates: the placeholders a template may use and the check every template passes
// (rubric files and a question file's own judge_prompts alike).
import {didYouMean} from "./yaml.ts";

/** The placeholders a judge template may use; anything else in `{identifier}` form is a typo. */
export const PLACEHOLDERS = ["question", "answer", "training"] as const;

/**
 * Why a judge template is unusable, or null: every `{identifier}` must be a known placeholder
 * ({answr} would be sent as is, every score then meaningless, and identical prompts would look
 * like cache hits) and `{answer}` must be there (a judge that never sees the answer scores nothing).
 * Braces around anything but a bare identifier (JSON, code) are left alone.
 */
export function templateProblem(template: string): string | null {
  for (const m of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    const name = m[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      const line = template.slice(0, m.index).split("\n").length;
      const close = didYouMean(name, PLACEHOLDERS);
      return `unknown placeholder {${name}} on template line ${line}${close ? `; did you mean {${close}}?` : ""} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`;
    }
  }
  if (!template.includes("{answer}")) return "has no {answer} placeholder (the judge would never see the answer)";
  return null;
}
