// Skipped import rows as text lines, for `em run` and `em summarize`: every row's place (file:line,
// or file#record) up to a cap, then how many more; the count is always the exact one.

/** Rows listed by place before the rest are counted. */
export const MAX_SKIPPED = 20;

/**
 * One line per skipped row, `indent` + `file:line: reason`, at most `cap` of them, then
 * `indent + "... and N more" + more` (e.g. " (all in --format json)") when there are more.
 * Empty input: no lines.
 */
export function skippedLines(skipped: readonly {file: string; line?: number; reason: string}[], indent: string, more = "", cap = MAX_SKIPPED): string[] {
  const lines = skipped.slice(0, cap).map((x) => `${indent}${x.file}${x.line ? ":" + x.line : ""}: ${x.reason}`);
  if (skipped.length > cap) lines.push(`${indent}... and ${skipped.length - cap} more${more}`);
  return lines;
}
