// The option parsing the `em` commands share (judges, plan, summarize): strict parseArgs with no
// positionals and no option given twice, and numeric option values checked against a range.
import {type ParseArgsConfig, parseArgs} from "node:util";
import {refuseRepeatedOptions} from "./exit-codes.ts";

/**
 * Parse `argv` against `options` strictly (no positionals). node's parseArgs errors (unknown
 * option, missing value) propagate, and an option given twice throws UsageError (both exit 2).
 */
export function parseCommandOptions<O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: O) {
  const {values, tokens} = parseArgs({args: argv, tokens: true, options, strict: true, allowPositionals: false});
  refuseRepeatedOptions(tokens);
  return values;
}

/**
 * The number given as `--name` (`v`, its raw text), checked to lie in lo..hi; undefined when the
 * option is absent. Empty, non-finite or out-of-range text throws an Error naming the option (exit 1).
 */
export function numberOption(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || x < lo || x > hi) throw new Error(`--${name} must be a number ${lo}..${hi}, got '${v}'`);
  return x;
}
