// The contract between the build's first page of /responses (loaders/site-responses-first.ts,
// src/data/responses-first.json) and the page, which draws it before its points arrive: for every
// preset state (site-presets.ts: experiment x judge x preset rule, no filter, no search) the
// selection's counts and its first lines in display order, as the live list would show them.
// Answers are not in the file: the page reads them by range from texts.parquet, like the live list.
import {firstKeyFor, type FirstPaintState} from "./site-first.js";

/** Lines per state: a screen of the list (560 px at ~30 px a line) and its overscan. */
export const FIRST_LINES = 30;

/** One line of the list as it is drawn before the exact scores load (score texts may be ranges). */
export interface FirstLine {
  rid: number;
  model: string;
  /** Training coordinate as text, "" when none. */
  step: string;
  question_id: string;
  judge: string;
  aligned: string;
  coherent: string;
  /** Response type, "" when none. */
  type: string;
  em: boolean;
}

export interface ResponsesFirstEntry {
  /** firstPaintKey of the state. */
  key: string;
  /** Answers in the selection, flagged EM, and in the rule's denominator (the counts line). */
  total: number;
  nEm: number;
  nScored: number;
  lines: FirstLine[];
}

export interface ResponsesFirst {
  version: 1;
  experiments: string[];
  judges: Record<string, string[]>;
  entries: ResponsesFirstEntry[];
}

/**
 * The precomputed first page for a state parsed from a URL, or null when there is none: a search,
 * a filter, a brushed range or a custom cut (the page then waits for its points).
 */
export function responsesFirstFor(table: ResponsesFirst, s: FirstPaintState & {q: string}): ResponsesFirstEntry | null {
  if (s.q.trim()) return null;
  const key = firstKeyFor(table, s);
  return key === null ? null : (table.entries.find((e) => e.key === key) ?? null);
}
