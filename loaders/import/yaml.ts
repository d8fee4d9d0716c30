// YAML reading with positions in errors: `file:line:col: message`. Anchors and aliases are resolved
// by the `yaml` package. loaders/questions.ts reports errors the same way.

import {readFileSync} from "node:fs";
import {parseAllDocuments} from "yaml";

/**
 * Parse one YAML document from a file. Throws an Error whose message starts with
 * `<label>:<line>:<col>:` (1-based, from the parser's own position) on the first syntax error,
 * and names the file when it cannot be read or holds several documents. An empty file gives null.
 */
export function parseYamlFile(file: string, label = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
  }
  return parseYamlText(text, label);
}

/** As parseYamlFile, on text already in memory. */
export function parseYamlText(text: string, label: string): unknown {
  const docs = parseAllDocuments(text);
  if (docs.length > 1) throw new Error(`${label}: expected one YAML document, found ${docs.length}`);
  const doc = docs[0];
  if (!doc) return null;
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `${label}:${pos.line}:${pos.col}` : `${label}`;
    const first = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new Error(`${where}: invalid YAML: ${first}`);
  }
  return doc.toJS({maxAliasCount: 10_000});
}
