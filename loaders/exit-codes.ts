// The one exit-code table of every `em` command (docs/reliability.md "Exit codes").
//   0  done
//   1  bad input: a file, field, column or option value the inputs do not support; a missing api
//      key or an unreachable endpoint (always before any spend); nothing written
//   2  usage: no or unknown command, unknown or repeated option, missing or conflicting options
//   3  calls failed after retries: the tables were written with error rows; rerun to retry them
//   4  spent, then stopped: calls were made (and paid), then the run could not go on (a full disk
//      under the cache or --out, an unwritable cache); what reached the cache is safe and a rerun
//      does not pay for it again; no tables were written
export const EXIT = {ok: 0, badInput: 1, usage: 2, callsFailed: 3, spentStopped: 4} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command-line problem (exit 2), as opposed to a problem with the inputs (exit 1). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A failure after calls were paid for (exit 4): the message says what is safe in the cache and what
 * a rerun will pay for. Never used before the first call (that is bad input, exit 1).
 */
export class SpentError extends Error {
  override name = "SpentError";
}

/** Exit code for an error escaping a command: SpentError 4, node's parseArgs errors and UsageError usage (2), the rest bad input (1). */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof SpentError) return EXIT.spentStopped;
  if (error instanceof UsageError) return EXIT.usage;
  const code = (error as {code?: unknown}).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) return EXIT.usage;
  return EXIT.badInput;
}

/**
 * Refuse an option given twice (parseArgs would silently keep its last value): a UsageError
 * naming it. `tokens` are parseArgs's `tokens` (call it with `tokens: true`); `repeatable` options
 * (multiple: true) may repeat.
 */
export function refuseRepeatedOptions(tokens: readonly {kind: string; name?: string}[] | undefined, repeatable: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const t of tokens ?? []) {
    if (t.kind !== "option" || t.name === undefined || repeatable.includes(t.name)) continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} given twice; give each option once`);
    seen.add(t.name);
  }
}
