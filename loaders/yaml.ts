// The YAML reader shared by every hand-edited input (question files, experiment files, rubric
// front matter, sim configs): anchors and aliases resolved, syntax errors as file:line:col, and
// zod issues turned into one message per field with its line, because people edit these by hand.
import {LineCounter, parseDocument, isMap, isNode, isScalar, type Document} from "yaml";
import type {z} from "zod";
import {displayPath} from "./paths.ts";

/** A parsed YAML document with a way to find the line of any field path. */
export interface YamlSource {
  file: string;
  data: unknown;
  /** 1-based line of the node at `pathParts`, or of the nearest existing ancestor; null if unknown. */
  lineOf(pathParts: readonly PropertyKey[]): number | null;
  /** 1-based line of the key `key` in the mapping at `parent` (where an unknown key is written); falls back to lineOf. */
  keyLineOf(parent: readonly PropertyKey[], key: string): number | null;
  /** The text of the scalar at `pathParts` as written (`01`, `1.0`), or null when it is not a plain scalar. */
  sourceOf(pathParts: readonly PropertyKey[]): string | null;
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
    keyLineOf(parent, key) {
      const map = parent.length ? doc.getIn(parent as unknown[], true) : doc.contents;
      if (isMap(map)) {
        for (const pair of map.items) {
          if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
        }
      }
      return this.lineOf([...parent, key]);
    },
    sourceOf(parts) {
      const node = doc.getIn(parts as unknown[], true);
      return isScalar(node) && typeof node.source === "string" ? node.source : null;
    },
  };
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest of `known` to `word` when it is close enough to be a typo (distance <= 1 for short
 * words, <= 2 from 5 characters, <= 3 from 12; case-insensitive; a plural `s` or a prefix also counts), or null.
 */
export function didYouMean(word: string, known: Iterable<string>): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    if (k === word) continue;
    const kl = k.toLowerCase();
    let dist = editDistance(w, kl);
    if (w === kl + "s" || kl === w + "s" || w === kl) dist = Math.min(dist, 0.5);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  const limit = w.length >= 12 ? 3 : w.length >= 5 ? 2 : 1;
  return best !== null && bestD <= limit ? best : null;
}

/** `; did you mean 'x'?` or "". */
export function suggestion(word: string, known: Iterable<string>): string {
  const s = didYouMean(word, known);
  return s ? `; did you mean '${s}'?` : "";
}

/**
 * Every object key a zod schema accepts anywhere inside it (through arrays, unions, optionals,
 * defaults, pipes, records): the vocabulary for "did you mean" on an unknown key. A zod issue
 * does not carry the allowed keys, and a typo is almost always of a key the file format has.
 */
export function schemaKeys(schema: z.ZodType, out = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (seen.has(schema)) return out;
  seen.add(schema);
  const def = (schema as unknown as {_zod?: {def?: Record<string, unknown>}})._zod?.def;
  if (!def) return out;
  const visit = (x: unknown) => {
    if (x && typeof x === "object" && "_zod" in x) schemaKeys(x as z.ZodType, out, seen);
  };
  if (def.type === "object" && def.shape && typeof def.shape === "object") {
    for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
      out.add(k);
      visit(v);
    }
  }
  for (const key of ["innerType", "element", "valueType", "in", "out", "left", "right", "schema"]) visit(def[key]);
  for (const key of ["options", "items"]) if (Array.isArray(def[key])) (def[key] as unknown[]).forEach(visit);
  return out;
}

/**
 * Turn zod issues into one readable error: `<file>: <path>: <message> (line N)` per issue.
 * With `vocabulary` (the keys the format knows, e.g. `schemaKeys(Schema)`), an unknown key close
 * to a known one says "did you mean".
 */
export function zodError(src: YamlSource, error: z.ZodError, hint = "", vocabulary?: Iterable<string>): Error {
  const shown = displayPath(src.file);
  const known = vocabulary ? [...vocabulary] : [];
  const lines = error.issues.slice(0, 8).map((issue) => {
    if (issue.code === "unrecognized_keys") {
      // Name the key itself (and its line), not just the object holding it.
      return issue.keys
        .map((k) => {
          const line = src.keyLineOf(issue.path, k);
          const p = formatPath(issue.path);
          return `${shown}: ${p ? p + ": " : ""}Unrecognized key: "${k}"${suggestion(k, known)}${line ? ` (line ${line})` : ""}`;
        })
        .join("\n");
    }
    const line = src.lineOf(issue.path);
    const msg = issue.message.replace(/^Invalid input: /, "");
    const p = formatPath(issue.path);
    return `${shown}: ${p ? p + ": " : ""}${msg}${line ? ` (line ${line})` : ""}`;
  });
  if (error.issues.length > 8) lines.push(`... and ${error.issues.length - 8} more problems`);
  return new Error(lines.join("\n") + hint);
}
