// The one exit-code table of every `em` command (docs/reliability.md "Exit codes").
//   0  done
//   1  bad input: a file, field, column or option value the inputs do not support; a missing api
//      key or an unreachable endpoint (always before any spend); nothing written
//   2  usage: no or unknown command, unknown or repeated option, missing or conflicting options
//   3  calls failed after retries: the tables were written with error rows; rerun to retry them
export const EXIT = {ok: 0, badInput: 1, usage: 2, callsFailed: 3} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command-line problem (exit 2), as opposed to a problem with the inputs (exit 1). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit code for an error escaping a command: node's parseArgs errors and UsageError are usage (2), the rest bad input (1). */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  const code = (error as {code?: unknown}).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) return EXIT.usage;
  return EXIT.badInput;
}

/** The table as printed at the end of every command's --help. */
export const EXIT_HELP =
  "Exit status: 0 done; 1 bad input (nothing written, nothing spent); 2 usage (unknown command or option, option given twice); 3 some calls failed after retries (tables written with error rows; rerun to retry them).";
