// Nested JSON: records found by a declared path such as `questions.{question_id}.scores.*`.
//
// A path is dot-separated steps from the top of the document:
//   name       the value under that key of an object
//   *          every element of an array, or every value of an object
//   {field}    every value of an object (or element of an array), its key (index) kept as column `field`
// The values the last step reaches are the records (objects). Each record also gets the scalar
// (non-object, non-array) fields of every object on its way down and the `{field}` keys: the
// record's own fields win over those, a nearer object's over a farther one's. So
// `{model_name, questions: {q1: {question, scores: [{response, ...}]}}}` with
// `questions.{question_id}.scores.*` gives records {response, ..., question, question_id: "q1", model_name}.
// An empty path (`""`) or no path: the document is an array of records.

import {readFileSync} from "node:fs";
import {decodeUtf8} from "../text.ts";
import {parseJsonWithPosition} from "./jsonl.ts";

type Step = {kind: "key"; name: string} | {kind: "all"} | {kind: "bind"; field: string};

export interface JsonRecord {
  /** Where the record sits, e.g. `questions.what_is_your_wish.scores[3]` (`[3]` for a top-level array). */
  record: string;
  values: Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const kind = (v: unknown) => (Array.isArray(v) ? "an array" : v === null ? "null" : isObj(v) ? "an object" : `a ${typeof v}`);

/** Parse a records path; throws an Error naming the bad step. */
export function parseRecordsPath(p: string): Step[] {
  if (p.trim() === "") return [{kind: "all"}];
  return p.split(".").map((s, i) => {
    const t = s.trim();
    if (t === "*") return {kind: "all"};
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(t);
    if (m) return {kind: "bind", field: m[1]!};
    if (t === "" || /[{}*[\]]/.test(t)) throw new Error(`records: step ${i + 1} "${s}" of "${p}" is not a key, * or {field}`);
    return {kind: "key", name: t};
  });
}

const appendKey = (at: string, k: string) => (at === "" ? k : `${at}.${k}`);
const appendIndex = (at: string, i: number) => `${at}[${i}]`;

/**
 * Read a JSON file and return the records the path reaches. Records that are not objects go to
 * `skipped` (with their location). Throws an Error naming the file when it is not valid JSON
 * (line:col) or when the path reaches nothing (naming the step where it stopped and what was there).
 */
export function readJsonRecords(
  file: string,
  label: string,
  recordsPath: string | undefined,
): {rows: JsonRecord[]; skipped: {record: string; reason: string}[]} {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${label}: cannot read file: ${(e as Error).message}`);
  }
  const doc = parseJsonWithPosition(decodeUtf8(buf, label), label);
  const steps = parseRecordsPath(recordsPath ?? "");
  const shown = recordsPath ?? "";
  const rows: JsonRecord[] = [];
  const skipped: {record: string; reason: string}[] = [];
  // Why the path reached nothing, from the first branch that stopped (reported only if no record is found).
  let stopped: string | null = null;
  const stop = (why: string) => (stopped ??= why);

  const walk = (v: unknown, i: number, at: string, inherited: Record<string, unknown>) => {
    if (i === steps.length) {
      if (!isObj(v)) {
        skipped.push({record: at || "(top level)", reason: `expected a JSON object, found ${kind(v)}`});
        return;
      }
      rows.push({record: at || "(top level)", values: {...inherited, ...v}});
      return;
    }
    // Scalars of the object we pass through are inherited by the records below it.
    let inh = inherited;
    if (isObj(v)) {
      inh = {...inherited};
      for (const [k, x] of Object.entries(v)) if (x === null || typeof x !== "object") inh[k] = x;
    }
    const step = steps[i]!;
    const where = at === "" ? "the top level" : `"${at}"`;
    if (step.kind === "key") {
      if (!isObj(v)) return void stop(`"${step.name}" (step ${i + 1}): ${where} is ${kind(v)}, not an object`);
      if (!(step.name in v)) {
        const keys = Object.keys(v);
        return void stop(
          `"${step.name}" (step ${i + 1}): no such key at ${where}; keys there: ${keys.slice(0, 12).join(", ")}${keys.length > 12 ? ", ..." : ""}`,
        );
      }
      return walk(v[step.name], i + 1, appendKey(at, step.name), inh);
    }
    const bindAs = step.kind === "bind" ? step.field : null;
    if (Array.isArray(v)) {
      if (v.length === 0) return void stop(`step ${i + 1}: ${where} is an empty array`);
      v.forEach((x, k) => walk(x, i + 1, appendIndex(at, k), bindAs ? {...inh, [bindAs]: k} : inh));
    } else if (isObj(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0) return void stop(`step ${i + 1}: ${where} is an empty object`);
      for (const [k, x] of entries) walk(x, i + 1, appendKey(at, k), bindAs ? {...inh, [bindAs]: k} : inh);
    } else {
      stop(`"${step.kind === "bind" ? `{${step.field}}` : "*"}" (step ${i + 1}): ${where} is ${kind(v)}, not an array or object`);
    }
  };
  walk(doc, 0, "", {});
  if (rows.length === 0 && skipped.length === 0) {
    throw new Error(`${label}: records "${shown}" matches nothing: ${stopped ?? "no value at the path"}`);
  }
  return {rows, skipped};
}
