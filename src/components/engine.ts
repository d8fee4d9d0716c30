// Per-frame aggregation for the pages, as a thin adapter from the decoded points (points.ts) to the
// analysis library's columnar path (src/lib/em/), so the browser counts exactly as `em summarize`.
import {makeRule, type EmRule} from "../lib/em/rules.js";
import {aggregateColumns, combineCodes, type EmColumns} from "../lib/em/columnar.js";
import {summarizeTally, groupSeed, type GroupSummary} from "../lib/em/summary.js";
import {buildSurfaces} from "../lib/em/surface.js";
import {makeRng} from "../lib/em/prng.js";
import {RESPONSE_TYPES, type ResponseType} from "../lib/schema.js";
import type {ViewState} from "./store.js";
import {facetColumn, type FacetColumn, type Points} from "./points.js";

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
    const t = points.codes.type[i]!;
    type[i] = t >= 0 ? typeIndex[t]! : -1;
    const s = points.codes.special[i]!;
    specials[i] = s >= 0 ? special[s]! : 0;
  }
  cols = {
    length: points.n,
    aligned: points.aligned,
    coherent: points.coherent,
    special: specials,
    specialKnown: points.special_known,
    pEmergent: points.p_emergent,
    type,
    question: points.codes.question_id,
    questions: points.dicts.question_id,
  };
  columnsCache.set(points, cols);
  return cols;
}

/** Rows grouped by some columns: a group code per row (-1 = left out) and each group's key parts. */
export interface Grouping {
  codes: Int32Array;
  /** `codes` with -1 replaced by 0 (rows left out are masked instead), as aggregateColumns wants. */
  groups: Int32Array;
  parts: string[][];
}

const groupingCache = new WeakMap<Points, Map<string, Grouping>>();

/**
 * Group rows by string columns and/or the step: the library's combineCodes over dictionary codes
 * (integer keys, no per-row strings: a million rows group in a few milliseconds), in first-seen
 * order as `em summarize` groups. Cached per decoded table, so a threshold change reuses it. Rows
 * with a null step are left out (code -1) when grouping by step.
 */
export function keyBy(points: Points, columns: readonly (FacetColumn | "step")[]): Grouping {
  const id = columns.join(",");
  let cache = groupingCache.get(points);
  if (!cache) groupingCache.set(points, (cache = new Map()));
  const cached = cache.get(id);
  if (cached) return cached;
  const n = points.n;
  // Per column: a code per row in 0..size-1 and the label of each code; `skip` marks the code of
  // rows to leave out (a null step).
  const cols = columns.map((c) => {
    if (c === "step") {
      const values = [...new Set(points.step)].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      const index = new Map(values.map((v, i) => [v, i]));
      return {
        codes: Int32Array.from(points.step, (v) => (Number.isNaN(v) ? values.length : index.get(v)!)),
        labels: [...values.map(String), ""],
        skip: values.length,
      };
    }
    const col = facetColumn(points, c);
    // A column the table lacks groups every row as null (one group), rather than failing the page.
    if (!col) return {codes: new Int32Array(n), labels: [""], skip: -1};
    return {codes: Int32Array.from(col.codes, (x) => x + 1), labels: ["", ...col.values], skip: -1}; // 0 = null
  });
  // No column: every row in one group (combineCodes sees no rows without a column).
  const combined = cols.length
    ? combineCodes(
        cols.map((c) => c.codes),
        cols.map((c) => c.labels.length),
      )
    : {codes: new Int32Array(n), parts: n ? [[]] : []};
  // Drop the groups of left-out rows, keeping the others' first-seen order.
  const renumber = new Int32Array(combined.parts.length);
  const parts: string[][] = []!;
  combined.parts.forEach((p, g) => {
    renumber[g] = p.some((code, j) => code === cols[j]!.skip) ? -1 : parts.push(p.map((code, j) => cols[j]!.labels[code]!)) - 1;
  });
  const codes = Int32Array.from(combined.codes, (g) => renumber[g]!);
  const groups = Int32Array.from(codes, (c) => Math.max(c, 0));
  const grouping = {codes, groups, parts};
  cache.set(id, grouping);
  return grouping;
}

export interface Group extends GroupSummary {
  /** The group's key string ("\u0001"-joined column values). */
  id: string;
  parts: string[];
  /** Per question code: EM answers and denominator (for question-paired comparisons). */
  qk: Float64Array;
  qd: Float64Array;
}

/**
 * EM summaries (with intervals) per group of masked rows, same fields as `em summarize` JSON;
 * groups without a masked row are left out. Bootstrap replicates default to 400 here
 * (interactive); the CLI uses 2000. `replicates: 0` skips intervals' bootstrap cost (Wilson only).
 */
export function summarizeGroups(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  grouping: Grouping,
  {exclude = [], replicates = 400, seed = 0}: {exclude?: readonly string[]; replicates?: number; seed?: number} = {},
): Group[] {
  const {codes, groups, parts} = grouping;
  if (!parts.length) return [];
  const rowMask = new Uint8Array(points.n);
  for (let i = 0; i < points.n; ++i) rowMask[i] = mask[i]! & (codes[i]! >= 0 ? 1 : 0);
  const tallies = aggregateColumns(columnsOf(points), rule, {groups, nGroups: parts.length, mask: rowMask, exclude: exclude as ResponseType[]});
  const out: Group[] = [];
  tallies.forEach((t, g) => {
    if (t.n === 0) return;
    const summary = replicates > 0 ? summarizeTally({}, t, makeRng(groupSeed(seed, g)), {replicates}) : summarizeTally({}, t, makeRng(0), {method: "wilson"});
    out.push({...summary, id: parts[g]!.join("\u0001"), parts: parts[g]!, qk: t.qk, qd: t.qd});
  });
  return out;
}

/** One summary over all masked rows (null when nothing is selected). */
export function summarizeAll(points: Points, mask: Uint8Array, rule: EmRule, options: {exclude?: readonly string[]; replicates?: number} = {}): Group | null {
  return summarizeGroups(points, mask, rule, keyBy(points, []), options)[0] ?? null;
}

/** EM rate at every integer (aligned cut, coherent cut): index [a * 101 + c], NaN when empty. */
export function surfaceGrid(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[] = []): Float64Array {
  const [surface] = buildSurfaces(columnsOf(points), {mask, exclude: exclude as ResponseType[]});
  return surface!.grid(rule);
}
