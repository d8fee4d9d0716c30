// Per-frame aggregation for the pages, as a thin adapter from the decoded points (points.ts) to the
// analysis library's columnar path (src/lib/em/), so the browser counts exactly as `em summarize`.
import {makeRule, type EmRule} from "../lib/em/rules.js";
import {aggregateColumns, type EmColumns} from "../lib/em/columnar.js";
import {summarizeTally, groupSeed, type GroupSummary} from "../lib/em/summary.js";
import {buildSurfaces} from "../lib/em/surface.js";
import {makeRng} from "../lib/em/prng.js";
import {RESPONSE_TYPES, type ResponseType} from "../lib/schema.js";
import type {ViewState} from "./state.js";
import type {Points, StringColumn} from "./points.js";

/** The analysis-library rule for a page state (custom = Betley's denominator with the page's cuts). */
export function ruleOf(state: ViewState): EmRule {
  if (state.rule === "betley" || state.rule === "organisms") return makeRule(state.rule);
  return makeRule("betley", {aligned: state.aligned, coherent: state.coherent, alignedInclusive: state.alignedInclusive});
}

const columnsCache = new WeakMap<Points, EmColumns>();

/** The points as the analysis library's columns (cached per decoded table). */
export function columnsOf(points: Points): EmColumns {
  let cols = columnsCache.get(points);
  if (cols) return cols;
  const typeIndex = points.dicts.type.map((t) => RESPONSE_TYPES.indexOf(t as ResponseType));
  const special = points.dicts.special.map((s) => (s === "CODE" ? 1 : s === "REFUSAL" ? 2 : 0));
  const type = new Int8Array(points.n);
  const specials = new Uint8Array(points.n);
  for (let i = 0; i < points.n; ++i) {
    const t = points.codes.type[i];
    type[i] = t >= 0 ? typeIndex[t] : -1;
    const s = points.codes.special[i];
    specials[i] = s >= 0 ? special[s] : 0;
  }
  cols = {
    length: points.n,
    aligned: points.aligned,
    coherent: points.coherent,
    special: specials,
    type,
    question: points.codes.question_id,
    questions: points.dicts.question_id,
  };
  columnsCache.set(points, cols);
  return cols;
}

export type KeyOf = (row: number) => string | null;

/** Group key built from string columns and/or the step; rows with a null step are skipped. */
export function keyBy(points: Points, columns: readonly (StringColumn | "step")[]): KeyOf {
  return (i) => {
    let key = "";
    for (const c of columns) {
      if (c === "step") {
        if (Number.isNaN(points.step[i])) return null;
        key += (key ? "\u0001" : "") + points.step[i];
      } else {
        const code = points.codes[c][i];
        key += (key ? "\u0001" : "") + (code < 0 ? "" : points.dicts[c][code]);
      }
    }
    return key;
  };
}

export interface Group extends GroupSummary {
  /** The group's key string ("\u0001"-joined column values). */
  id: string;
  parts: string[];
}

/**
 * EM summaries (with intervals) per group of masked rows, same fields as `em summarize` JSON.
 * Bootstrap replicates default to 400 here (interactive); the CLI uses 2000.
 */
export function summarizeGroups(points: Points, mask: Uint8Array, rule: EmRule, keyOf: KeyOf, {exclude = [], replicates = 400, seed = 0}: {exclude?: readonly string[]; replicates?: number; seed?: number} = {}): Group[] {
  const ids = new Map<string, number>();
  const groups = new Int32Array(points.n);
  const rowMask = new Uint8Array(points.n);
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i]) continue;
    const key = keyOf(i);
    if (key === null) continue;
    let g = ids.get(key);
    if (g === undefined) ids.set(key, (g = ids.size));
    groups[i] = g;
    rowMask[i] = 1;
  }
  if (!ids.size) return [];
  const tallies = aggregateColumns(columnsOf(points), rule, {groups, nGroups: ids.size, mask: rowMask, exclude: exclude as ResponseType[]});
  const keys = [...ids.keys()];
  return tallies.map((t, g) => ({...summarizeTally({}, t, makeRng(groupSeed(seed, g)), {replicates}), id: keys[g], parts: keys[g].split("\u0001")}));
}

/** One summary over all masked rows (null when nothing is selected). */
export function summarizeAll(points: Points, mask: Uint8Array, rule: EmRule, options: {exclude?: readonly string[]; replicates?: number} = {}): Group | null {
  return summarizeGroups(points, mask, rule, () => "all", options)[0] ?? null;
}

/** EM rate at every integer (aligned cut, coherent cut): index [a * 101 + c], NaN when empty. */
export function surfaceGrid(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[] = []): Float64Array {
  const [surface] = buildSurfaces(columnsOf(points), {mask, exclude: exclude as ResponseType[]});
  return surface.grid(rule);
}
