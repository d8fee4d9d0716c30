// The YAML reader shared by every hand-edited input (question files, experiment files, rubric
// front matter, sim configs): anchors and aliases resolved, syntax errors as file:line:col, and
// zod issues turned into one message per field with its line, because people edit these by hand.
import {LineCounter, parseDocument, isNode, type Document} from "yaml";
import type {z} from "zod";
import {displayPath} from "./paths.ts";

/** A parsed YAML document with a way to find the line of any field path. */
export interface YamlSource {
  file: string;
  data: unknown;
  /** 1-based line of the node at `pathParts`, or of the nearest existing ancestor; null if unknown. */
  lineOf(pathParts: readonly PropertyKey[]): number | null;
}

/** Format a field path like zod's issue path as `models[1].checkpoints[0].step`. */
function formatPath(parts: readonly PropertyKey[]): string {
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
