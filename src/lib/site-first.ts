// The contract between the build's first-paint table (loaders/site-first.ts, src/data/first.json)
// and the pages that paint from it before their points arrive: the entry shape and the key that
// says which view state an entry answers.
import type {GroupSummary} from "./em/summary.js";

/** The state fields the headline numbers depend on (not the compare-by, facet, search or judge B). */
export interface FirstPaintState {
  experiment: string | null;
  judge: string | null;
  rule: string;
  aligned: number;
  coherent: number;
  alignedInclusive: boolean;
  coherentInclusive: boolean;
  denominator: string;
  nulls: string;
  requireCoherent: boolean;
  questions: readonly string[];
  exclude: readonly string[];
  steps: readonly [number, number] | null;
  model: string | null;
  category: string | null;
  question: string | null;
}

/** One precomputed summary (em summarize's JSON fields) and the state it is the answer for. */
export interface FirstPaintEntry {
  key: string;
  summary: GroupSummary & {id: string; parts: string[]};
}

export interface FirstPaint {
  version: 1;
  /** Experiments in the order the pages default to (the first is the default). */
  experiments: string[];
  /** Judges per experiment in the pages' default order. */
  judges: Record<string, string[]>;
  entries: FirstPaintEntry[];
  /**
   * Per experiment, the models and categories its rows have, in the order the pages' selects list
   * them (selection.ts optionsIn), so /responses offers its filters before its points arrive.
   * Absent in older builds.
   */
  filters?: Record<string, {models: string[]; categories: string[]}>;
  /**
   * Where each judge's rows sit in points.arrow (one compact IPC stream per judge, concatenated:
   * loaders/site-points.ts encodePointsSegments), so a page fetches only the judges it shows by
   * byte range. Absent: load the whole file.
   */
  points?: PointsSegment[];
  /** The same for points-exact.arrow (the exact scores, one stream per judge: encodePointsFull). */
  exact?: PointsSegment[];
}

/** One judge's compact points in points.arrow: bytes [start, end). */
export interface PointsSegment {
  judge: string;
  start: number;
  end: number;
}

/** The key of a state: every field the headline numbers depend on, in a fixed order. */
export function firstPaintKey(s: FirstPaintState): string {
  return JSON.stringify([
    s.experiment,
    s.judge,
    s.rule,
    s.aligned,
    s.coherent,
    s.alignedInclusive,
    s.coherentInclusive,
    s.denominator,
    s.nulls,
    s.requireCoherent,
    [...s.questions],
    [...s.exclude],
    s.steps,
    s.model,
    s.category,
    s.question,
  ]);
}

/**
 * The precomputed summary for a state parsed from a URL, or null when the table has none (a filter,
 * a custom cut, an unknown experiment or judge: the page then waits for its live numbers). An absent
 * experiment or judge is the first one, as the pages choose it.
 */
export function firstPaintFor(table: FirstPaint, s: FirstPaintState): FirstPaintEntry["summary"] | null {
  const key = firstKeyFor(table, s);
  return key === null ? null : (table.entries.find((e) => e.key === key)?.summary ?? null);
}

/**
 * The key of a state parsed from a URL in a table of precomputed states, an absent experiment or
 * judge being the first one, as the pages choose it; null for an unknown experiment.
 */
export function firstKeyFor(table: Pick<FirstPaint, "experiments" | "judges">, s: FirstPaintState): string | null {
  const experiment = s.experiment ?? table.experiments[0] ?? null;
  if (experiment === null || !table.experiments.includes(experiment)) return null;
  const judges = table.judges[experiment] ?? [];
  const judge = s.judge !== null && judges.includes(s.judge) ? s.judge : (judges[0] ?? null);
  return firstPaintKey({...s, experiment, judge});
}
