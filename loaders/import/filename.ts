// File-name patterns: `{model}_{dataset}[_S{seed}].csv` turns a file name into metadata fields.
// Reference result files carry the model, dataset, seed, layer or scale only in their names.

import type {MetaValue} from "../../src/lib/schema.ts";

export interface FilenamePattern {
  /** The pattern as written. */
  source: string;
  /** Field names in order of appearance. */
  fields: string[];
  /** Number of path segments the pattern spans (1 + the slashes it contains). */
  segments: number;
  regex: RegExp;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A decimal number as text: optional sign, digits with an optional fraction, optional exponent. */
export const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Compile a file-name pattern. Syntax:
 * - `{name}` captures one or more characters (not `/`), as few as possible, so
 *   `{model}_{dataset}` splits at the first `_` that lets the rest of the pattern match;
 * - `[...]` makes a part optional (`[_S{seed}]` matches `_S42` or nothing);
 * - `*` matches any run of characters except `/` without capturing;
 * - anything else matches literally. A pattern may contain `/` to use parent folder names
 *   (`layer_{layer}/judgements_scale_{scale}.csv`); it is matched against the file path's last segments.
 * Throws on unbalanced braces or brackets and on repeated field names.
 */
export function compileFilenamePattern(pattern: string): FilenamePattern {
  const fields: string[] = [];
  let re = "";
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "{") {
      const end = pattern.indexOf("}", i);
      if (end < 0) throw new Error(`filename pattern "${pattern}": unclosed "{" at character ${i + 1}`);
      const name = pattern.slice(i + 1, end).trim();
      if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new Error(`filename pattern "${pattern}": bad field name "${name}"`);
      if (fields.includes(name)) throw new Error(`filename pattern "${pattern}": field "${name}" appears twice`);
      fields.push(name);
      re += "([^/]+?)";
      i = end;
    } else if (c === "}") {
      throw new Error(`filename pattern "${pattern}": unmatched "}" at character ${i + 1}`);
    } else if (c === "[") {
      depth++;
      re += "(?:";
    } else if (c === "]") {
      if (depth === 0) throw new Error(`filename pattern "${pattern}": unmatched "]" at character ${i + 1}`);
      depth--;
      re += ")?";
    } else if (c === "*") {
      re += "[^/]*?";
    } else {
      re += escapeRe(c);
    }
  }
  if (depth !== 0) throw new Error(`filename pattern "${pattern}": unclosed "["`);
  return {source: pattern, fields, segments: pattern.split("/").length, regex: new RegExp(`^${re}$`)};
}

/**
 * The one rule for question ids (issue 23), used by question files and every importer alike: an id
 * is its text as written, trimmed, except that a plain decimal number without leading zeros is
 * written in its shortest form, so `1`, `1.0`, `+1` and `1e0` are the same question "1". Leading
 * zeros carry meaning and are kept (`01`, `007` are their own ids). Numbers (YAML, JSON, Parquet)
 * are their shortest decimal text; a question file's unquoted `id: 01` keeps its written text "01".
 */
export function canonicalQuestionId(v: string | number): string {
  if (typeof v === "number") return String(v);
  const t = v.trim();
  if (!NUMBER_RE.test(t) || /^[+-]?0\d/.test(t)) return t;
  const n = Number(t);
  return Number.isFinite(n) ? String(n) : t;
}

/** Turn a captured text into a meta value: integers and decimals become numbers, the rest stays text. */
export function metaValue(text: string): MetaValue {
  const t = text.trim();
  if (t === "") return null;
  if (NUMBER_RE.test(t)) {
    const n = Number(t);
    // Keep ids like "007" as text: the leading zeros carry meaning.
    if (Number.isFinite(n) && !/^[+-]?0\d/.test(t)) return n;
  }
  return t;
}

/**
 * Match a file path (any separators, `/` or `\`) against a compiled pattern.
 * Returns the captured fields (numbers where numeric; an optional part that did not match gives
 * null), or null when the name does not fit the pattern.
 */
export function matchFilename(p: FilenamePattern, filePath: string): Record<string, MetaValue> | null {
  const parts = filePath.split(/[\\/]/);
  const tail = parts.slice(-p.segments).join("/");
  const m = p.regex.exec(tail);
  if (!m) return null;
  const out: Record<string, MetaValue> = {};
  p.fields.forEach((f, k) => {
    const v = m[k + 1];
    out[f] = v === undefined ? null : metaValue(v);
  });
  return out;
}
