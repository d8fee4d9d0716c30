// Per-frame aggregation for the pages, as a thin adapter from the decoded points (points.ts) to the
// analysis library's columnar path (src/lib/em/), so the browser counts exactly as `em summarize`.
import type {EmRule} from "../lib/em/rules.js";
import {aggregateColumns, combineCodes, type CodeColumn, type EmColumns, type GroupTally} from "../lib/em/columnar.js";
import {summarizeTally, groupSeed, strictSeedCells, withSeeds, UNSEEDED, type GroupSummary, type SeedCells} from "../lib/em/summary.js";
import {buildSurfaces, type ThresholdSurface} from "../lib/em/surface.js";
import {IncrementalTallies, incrementalShape, supportsIncremental} from "../lib/em/incremental.js";
import {makeRng} from "../lib/em/prng.js";
import {tieIndex, tiesByGroup, tiesFromIndex, type TieIndex, type TieReport} from "../lib/em/ties.js";
import {baseQuestionId} from "../lib/em/question-ids.js";
import type {ClusterCounts} from "../lib/em/wilson.js";
import {RESPONSE_TYPES, type ResponseType} from "../lib/schema.js";
import {facetColumn, type FacetColumn, type Points} from "./points.js";

export {ruleOf} from "./store.js";

const columnsCache = new WeakMap<Points, EmColumns>();

/** The points as the analysis library's columns (cached per decoded table). */
export function columnsOf(points: Points): EmColumns {
  let cols = columnsCache.get(points);
  if (cols) return cols;
  // Tallies read a type only for answers the rule counts as EM, so they take `em_type`: the type
  // judge's type, or the signals classifier's type-if-EM, which no aligned / coherent cut changes
  // (src/lib/signals.ts emTypeBySignals). Strict EM then follows the rule bar without typing again.
  const typeIndex = points.dicts.em_type.map((t) => RESPONSE_TYPES.indexOf(t as ResponseType));
  const special = points.dicts.special.map((s) => (s === "CODE" ? 1 : s === "REFUSAL" ? 2 : 0));
  const type = new Int8Array(points.n);
  const specials = new Uint8Array(points.n);
  for (let i = 0; i < points.n; ++i) {
    const t = points.codes.em_type[i]!;
    type[i] = t >= 0 ? typeIndex[t]! : -1;
    const s = points.codes.special[i]!;
    specials[i] = s >= 0 ? special[s]! : 0;
  }
  // The cluster of the question-level bootstrap and macro rate: the site's estimand is the
  // questions one, under which `_json` / `_template` variants fold into their base question (one
  // cluster, as `em summarize` folds them by default). Per-question views group by the raw ids.
  const {codes: question, questions} = foldedQuestions(points.codes.question_id, points.dicts.question_id);
  cols = {
    length: points.n,
    aligned: points.aligned,
    coherent: points.coherent,
    special: specials,
    specialKnown: points.special_known,
    pEmergent: points.p_emergent,
    type,
    inDomain: points.in_domain,
    question,
    questions,
    alignedBin: points.alignedBin,
    coherentBin: points.coherentBin,
  };
  columnsCache.set(points, cols);
  return cols;
}

/** Question codes with format variants folded into their base question (baseQuestionId); -1 stays -1. */
export function foldedQuestions(codes: Int32Array, ids: readonly string[]): {codes: Int32Array; questions: string[]} {
  const questions: string[] = [];
  const index = new Map<string, number>();
  const map = ids.map((id) => {
    const base = baseQuestionId(id);
    let c = index.get(base);
    if (c === undefined) index.set(base, (c = questions.push(base) - 1));
    return c;
  });
  if (questions.length === ids.length && map.every((c, i) => c === i)) return {codes, questions};
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! >= 0 ? map[codes[i]!]! : codes[i]!;
  return {codes: out, questions};
}

/** Rows grouped by some columns: a group code per row (-1 = left out) and each group's key parts. */
export interface Grouping {
  codes: Int32Array;
  /** `codes` with -1 replaced by 0 (rows left out are masked instead), as aggregateColumns wants; `codes` itself when no row is left out. Neither is written to. */
  groups: Int32Array;
  parts: string[][];
}

const groupingCache = new WeakMap<Points, Map<string, Grouping>>();

/**
 * Group rows by string columns and/or the step, by the library's grouping (combineCodes,
 * src/lib/em/columnar.ts: one pass over the dictionary codes where they are, only combinations that
 * occur, first-seen order as `em summarize` groups); this builds the columns and caches. Cached per
 * decoded table, so a threshold change reuses it. Rows with a null step (measured without a
 * coordinate: a base model) are left out (code -1) when grouping by step, unless `keepNullStep`:
 * then they keep their groups, as `em summarize --by ...,step` keeps its null step, with step part
 * "", but numbered after every group with a step (in first-seen order among themselves), whereas
 * `em summarize` numbers every group in first-seen order. So a null-step group's index, and with it
 * its bootstrap stream (groupSeed(seed, g)), differs from the CLI's: a bootstrap over such groups is
 * not index-stable against the CLI (summarizeByStep, the one caller, uses replicates: 0).
 * `placed` / `unplaced` split such groups' summaries.
 */
export function keyBy(points: Points, columns: readonly (FacetColumn | "step")[], {keepNullStep = false}: {keepNullStep?: boolean} = {}): Grouping {
  const keep = keepNullStep && columns.includes("step");
  const id = columns.join(",") + (keep ? "|null-step" : "");
  let cache = groupingCache.get(points);
  if (!cache) groupingCache.set(points, (cache = new Map()));
  const cached = cache.get(id);
  if (cached) return cached;
  const grouping = groupRows(points, columns, keep);
  cache.set(id, grouping);
  return grouping;
}

/** A column of keyBy: its codes for combineCodes (null: a column the table lacks) and each code's label. */
interface KeyColumn {
  column: CodeColumn | null;
  labels: string[];
}

function keyColumn(points: Points, c: FacetColumn | "step"): KeyColumn {
  const n = points.n;
  if (c === "step") {
    const values = [...new Set(points.step)].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const index = new Map(values.map((v, i) => [v, i]));
    const codes = new Int32Array(n);
    const step = points.step;
    // Steps come in runs (rows are written per checkpoint): look the value up only when it changes.
    let last = NaN;
    let code = values.length;
    for (let i = 0; i < n; i++) {
      const v = step[i]!;
      if (v !== last) {
        last = v;
        code = Number.isNaN(v) ? values.length : index.get(v)!;
      }
      codes[i] = code;
    }
    return {column: {codes, size: values.length + 1, skip: values.length}, labels: [...values.map(String), ""]};
  }
  const col = facetColumn(points, c);
  // A column the table lacks groups every row as null (one group), rather than failing the page.
  if (!col) return {column: null, labels: [""]};
  // Dictionary codes, -1 = null: code + 1, so 0 = null.
  return {column: {codes: col.codes, size: col.values.length + 1, shift: 1}, labels: ["", ...col.values]};
}

function groupRows(points: Points, columns: readonly (FacetColumn | "step")[], keep = false): Grouping {
  const all = columns.map((c) => keyColumn(points, c));
  // The columns a table lacks are one constant code each: they add nothing to a key, only "" to each group's parts.
  const present = all.flatMap((c) => (c.column ? [c.column] : []));
  const {codes, parts: codeParts, left} = combineCodes(points.n, present, {keepSkipped: keep});
  const parts = codeParts.map((p) => {
    let k = 0;
    return all.map((c) => (c.column ? c.labels[p[k++]!]! : ""));
  });
  // aggregateColumns wants a group for every row: the rows left out go to group 0 (they are masked out).
  let groups = codes;
  if (left) {
    groups = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) groups[i] = codes[i]! < 0 ? 0 : codes[i]!;
  }
  return {codes, groups, parts};
}

export interface Group extends GroupSummary {
  /** The group's key string ("\u0001"-joined column values). */
  id: string;
  parts: string[];
  /** Per question code: EM answers and denominator (for question-paired comparisons). */
  qk: Float64Array;
  qd: Float64Array;
  /** Per question code: strict EM answers and strict EM's denominator (withTrainingSeeds' strict interval). */
  qks: Float64Array;
  qds: Float64Array;
}

/**
 * EM summaries (with intervals) per group of masked rows, same fields as `em summarize` JSON;
 * groups without a masked row are left out. Bootstrap replicates default to 400 here
 * (interactive); the CLI uses 2000. `replicates: 0` skips intervals' bootstrap cost (Wilson only).
 * `follow: true` for a view that re-asks as the cuts move (see talliesOf); `cross`: the other
 * grouping the page's views of the same rows follow (see talliesOf).
 */
export function summarizeGroups(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  grouping: Grouping,
  {
    exclude = [],
    replicates = 400,
    seed = 0,
    follow = false,
    cross = null,
  }: {exclude?: readonly string[]; replicates?: number; seed?: number; follow?: boolean; cross?: Grouping | null} = {},
): Group[] {
  const {parts} = grouping;
  if (!parts.length) return [];
  const tallies = talliesOf(points, mask, rule, grouping, exclude, follow, cross);
  const out: Group[] = [];
  tallies.forEach((t, g) => {
    if (t.n === 0) return;
    const summary = replicates > 0 ? summarizeTally({}, t, makeRng(groupSeed(seed, g)), {replicates}) : summarizeTally({}, t, makeRng(0), {method: "wilson"});
    out.push({...summary, id: parts[g]!.join("\u0001"), parts: parts[g]!, qk: t.qk, qd: t.qd, qks: t.qks, qds: t.qds});
  });
  return out;
}

/**
 * Per-coordinate summaries grouped by `columns` then the step (summarizeGroups over keyBy(points,
 * [...columns, "step"])), followed by the masked rows measured without a coordinate (a base model,
 * a baseline: step null) with "" as their step part (keyBy's `keepNullStep`: one grouping, one
 * pass), so a chart can draw them as a reference across the range. `placed` / `unplaced` split them.
 */
export function summarizeByStep(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  columns: readonly FacetColumn[],
  options: {exclude?: readonly string[]; replicates?: number} = {},
): Group[] {
  return summarizeGroups(points, mask, rule, keyBy(points, [...columns, "step"], {keepNullStep: true}), options);
}

/** The groups with a step (step the last part, as summarizeByStep's): the points of a series along the coordinate. */
export const placed = <G extends {parts: readonly string[]}>(groups: readonly G[]): G[] => groups.filter((g) => g.parts[g.parts.length - 1] !== "");

/** The groups measured without a step (step part ""): a base model's or baseline's reference. */
export const unplaced = <G extends {parts: readonly string[]}>(groups: readonly G[]): G[] => groups.filter((g) => g.parts[g.parts.length - 1] === "");

/**
 * The groups (of `summarizeGroups` or `summarizeAll` over the same mask, grouped by `columns`) with
 * their training seeds taken into account: withSeeds, the function `em summarize` applies, so a
 * group with 2+ seeds gets the seeds x questions interval and its `replicates` summary, as in the
 * CLI. Rows without a replicate id beside seeded ones are one more seed ("(unseeded)"); groups
 * with no replicate id, or spanning several variants, are returned as they are. `intervals: false` (groups summarized with
 * `replicates: 0`, answers-level Wilson) keeps their interval and adds only `replicates`. `follow`
 * as in summarizeGroups (views whose cuts move).
 */
export function withTrainingSeeds<G extends Group>(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  columns: readonly (FacetColumn | "step")[],
  groups: readonly G[],
  {exclude = [], intervals = true, follow = false}: {exclude?: readonly string[]; intervals?: boolean; follow?: boolean} = {},
): G[] {
  if (!points.dicts.replicate.length || !groups.length) return [...groups];
  const seeds = new Map<string, {ids: string[]; rates: (number | null)[]; cells: ClusterCounts[]; strict: ClusterCounts[]; named: boolean}>();
  for (const r of summarizeGroups(points, mask, rule, keyBy(points, [...columns, "replicate"]), {exclude, replicates: 0, follow})) {
    const rep = r.parts[columns.length]!;
    const id = r.parts.slice(0, columns.length).join("\u0001");
    let e = seeds.get(id);
    if (!e) seeds.set(id, (e = {ids: [], rates: [], cells: [], strict: [], named: false}));
    if (rep !== "") e.named = true;
    e.ids.push(rep === "" ? UNSEEDED : rep);
    e.rates.push(r.em_rate);
    e.cells.push({k: r.qk, d: r.qd});
    e.strict.push(strictSeedCells({qks: r.qks, qds: r.qds, qd: r.qd}));
  }
  // Seeds are replicates of one fine-tuned variant: groups spanning several variants are left as they are (as in summarize).
  const variants = new Map<string, number>();
  for (const r of summarizeGroups(points, mask, rule, keyBy(points, [...columns, "variant"]), {exclude, replicates: 0, follow})) {
    const id = r.parts.slice(0, columns.length).join("\u0001");
    variants.set(id, (variants.get(id) ?? 0) + 1);
  }
  return groups.map((g) => {
    const e = seeds.get(g.id);
    if (!e?.named || (variants.get(g.id) ?? 0) > 1) return g;
    const cells: SeedCells = e;
    return withSeeds(g, cells, {method: intervals ? "auto" : "wilson"});
  });
}

/**
 * One summary over all masked rows (null when nothing is selected). With `follow`, the total of the
 * per-question tallies (`cross`: the page's other grouping of these rows, as its views pass it).
 */
export function summarizeAll(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  options: {exclude?: readonly string[]; replicates?: number; follow?: boolean; cross?: Grouping | null} = {},
): Group | null {
  // The total of the per-question tallies (the same instance the per-question views follow): one
  // IncrementalTallies fewer per selection, same numbers as one group over every row.
  const hit =
    options.follow && supportsIncremental(rule)
      ? incrementalFor(points, mask, rule, keyBy(points, PER_QUESTION), options.exclude ?? [], options.cross ?? null)
      : null;
  if (!hit) return summarizeGroups(points, mask, rule, keyBy(points, []), {...options, follow: false, cross: null})[0] ?? null;
  const {replicates = 400} = options;
  const t = hit.inc.total();
  if (t.n === 0) return null;
  const summary = replicates > 0 ? summarizeTally({}, t, makeRng(groupSeed(0, 0)), {replicates}) : summarizeTally({}, t, makeRng(0), {method: "wilson"});
  return {...summary, id: "", parts: [], qk: t.qk, qd: t.qd, qks: t.qks, qds: t.qds};
}

/** The grouping of per-question views (and the overall total). */
export const PER_QUESTION = ["question_id", "category"] as const;

/** EM rate at every integer (aligned cut, coherent cut): index [a * 101 + c], NaN when empty. */
export function surfaceGrid(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[] = []): Float64Array {
  const entry = surfaceOf(points, mask, exclude);
  const shape = `${rule.alignedInclusive}|${rule.coherentInclusive}|${rule.denominator}|${rule.nulls}|${rule.requireCoherent !== false}`;
  let grid = entry.grids.get(shape);
  if (!grid) entry.grids.set(shape, (grid = entry.surface.grid(rule)));
  return grid;
}

/** The selection's threshold surface (one pass, cached per rows, mask and exclusions: a cut move reuses it). */
function surfaceOf(points: Points, mask: Uint8Array, exclude: readonly string[]): SurfaceEntry {
  const key = `${idOf(points)}|${idOf(mask)}|${exclude.join(",")}`;
  let entry = surfaceCache.get(key);
  if (!entry) {
    const [surface] = buildSurfaces(columnsOf(points), {mask, exclude: exclude as ResponseType[]});
    entry = {surface: surface!, grids: new Map(), ties: null};
    remember(surfaceCache, key, entry, 4);
  }
  return entry;
}

/**
 * The ties of the selection at the rule's cuts: tiesByGroup's report for one group (the CLI's),
 * read from the selection's cached threshold surface and tie index (tiesFromIndex) at integer
 * cuts, so a cut change costs no pass over the rows; tiesByGroup itself for other cuts.
 */
export function tiesAt(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[] = []): TieReport | null {
  if (
    !Number.isInteger(rule.aligned) ||
    !Number.isInteger(rule.coherent) ||
    Math.min(rule.aligned, rule.coherent) < 0 ||
    Math.max(rule.aligned, rule.coherent) > 100
  )
    return tiesByGroup(columnsOf(points), rule, {mask, exclude: exclude as ResponseType[]})[0] ?? null;
  const entry = surfaceOf(points, mask, exclude);
  entry.ties ??= tieIndex(columnsOf(points), mask);
  return tiesFromIndex(entry.ties, rule, (r) => entry.surface.rate(r.aligned, r.coherent, r));
}

// Identity of masks and groupings (objects the selection and keyBy memoise), for cache keys.
const ids = new WeakMap<object, number>();
let nextId = 0;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ++nextId));
  return id;
}

/** Insert into a small least-recently-built cache (the values hold tens of MB at a million rows). */
function remember<V>(cache: Map<string, V>, key: string, value: V, max: number): void {
  if (cache.size >= max) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

interface SurfaceEntry {
  surface: ThresholdSurface;
  grids: Map<string, Float64Array>;
  ties: TieIndex | null;
}
const surfaceCache = new Map<string, SurfaceEntry>();
/** An IncrementalTallies with the groupings it was built for (`cross`: its second grouping, or null). */
interface IncrementalEntry {
  inc: IncrementalTallies;
  main: Grouping;
  cross: Grouping | null;
}
const incrementalCache = new Map<string, IncrementalEntry>();

/**
 * Tallies per group at the rule's cuts. With `follow` (views whose cuts move, e.g. /sensitivity's)
 * and integer cuts, through an IncrementalTallies kept per (rows, groupings, exclusions, rule
 * shape): a cut move then touches only the answers between the old and the new cut instead of
 * every row; building it costs ~4 passes, so views that do not follow the cuts take one
 * aggregateColumns pass. `cross`: a second grouping of the same rows that other views of the page
 * follow (e.g. /sensitivity's compare-by column beside its per-question groups): both groupings
 * are then tallied by one instance (IncrementalTallies' `cross`), so a cut move moves one set of
 * counts, whichever grouping asks first. Same numbers either way (test/unit/lib/em/incremental.test.ts,
 * test/unit/components/engine.test.ts).
 */
function talliesOf(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  grouping: Grouping,
  exclude: readonly string[],
  follow: boolean,
  cross: Grouping | null = null,
): GroupTally[] {
  const {groups, parts} = grouping;
  const hit = follow && supportsIncremental(rule) ? incrementalFor(points, mask, rule, grouping, exclude, cross) : null;
  if (hit) return hit.side === "cross" ? hit.inc.crossTallies() : hit.inc.tallies();
  return aggregateColumns(columnsOf(points), rule, {groups, nGroups: parts.length, exclude: exclude as ResponseType[], mask: groupedMask(mask, grouping)});
}

/**
 * Whether a cut change of this selection is counted incrementally already (summarizeAll with
 * `follow` and the same `cross`: its IncrementalTallies is built), rather than by a pass over the rows.
 */
export function followsCuts(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[] = [], cross: Grouping | null = null): boolean {
  if (!supportsIncremental(rule)) return false;
  return incrementalCache.has(incrementalKey(points, mask, rule, keyBy(points, PER_QUESTION), exclude, cross).key);
}

/** Whether a grouping keeps every row (no code -1): only such groupings share an instance. */
const keepsEvery = new WeakMap<Grouping, boolean>();
function keepsAll(grouping: Grouping): boolean {
  let all = keepsEvery.get(grouping);
  if (all === undefined) {
    all = true;
    const {codes} = grouping;
    for (let i = 0; i < codes.length; i++)
      if (codes[i]! < 0) {
        all = false;
        break;
      }
    keepsEvery.set(grouping, all);
  }
  return all;
}

/**
 * The cache key of (rows, mask, groupings, exclusions, rule shape): a pair of groupings is one key
 * in either order; `cross` counts only when both groupings keep every row (a row one grouping
 * leaves out must not leave the other's tallies) and differ from each other.
 */
function incrementalKey(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  grouping: Grouping,
  exclude: readonly string[],
  cross: Grouping | null,
): {key: string; cross: Grouping | null} {
  const paired = cross !== null && cross !== grouping && keepsAll(grouping) && keepsAll(cross) ? cross : null;
  const g = idOf(grouping);
  const groupings = paired ? [g, idOf(paired)].sort((a, b) => a - b).join("+") : String(g);
  return {key: `${idOf(points)}|${idOf(mask)}|${groupings}|${exclude.join(",")}|${incrementalShape(rule)}`, cross: paired};
}

/**
 * The IncrementalTallies of (rows, groupings, exclusions, rule shape), at the rule's cuts, and
 * which of its groupings `grouping` is ("groups": tallies(), "cross": crossTallies()).
 */
function incrementalFor(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  grouping: Grouping,
  exclude: readonly string[],
  cross: Grouping | null = null,
): {inc: IncrementalTallies; side: "groups" | "cross"} | null {
  const {key, cross: paired} = incrementalKey(points, mask, rule, grouping, exclude, cross);
  const build = (): IncrementalEntry => {
    const {groups, parts} = grouping;
    const inc = new IncrementalTallies(columnsOf(points), rule, {
      groups,
      nGroups: parts.length,
      ...(paired ? {cross: {groups: paired.groups, nGroups: paired.parts.length}} : {}),
      exclude: exclude as ResponseType[],
      mask: groupedMask(mask, grouping),
    });
    const entry = {inc, main: grouping, cross: paired};
    remember(incrementalCache, key, entry, 6);
    return entry;
  };
  let entry = incrementalCache.get(key);
  if (!entry) {
    // Built at the first call: the first numbers of a selection come from the instance (its build
    // is about the cost of the aggregateColumns passes that gave the page's first numbers before
    // it was built in idle time: the headline, per-question and EM-by-type views each made one,
    // and the instance was built after them anyway). In a browser the cut lines through the cuts
    // (a pass over the answers each, through the flip functions, so those are compiled before the
    // first drag) are built when the page is idle; a walk across the cut range first, as before,
    // rebuilt the lines at every corner.
    entry = build();
    const built = entry;
    const idle = (globalThis as {requestIdleCallback?: (f: () => void, o?: {timeout: number}) => number}).requestIdleCallback;
    idle?.(
      () => {
        if (incrementalCache.get(key) === built) built.inc.prepareLines();
      },
      {timeout: 500},
    );
  } else {
    // Most recently used last, so the eviction drops the stalest.
    incrementalCache.delete(key);
    incrementalCache.set(key, entry);
  }
  entry.inc.setCuts(rule);
  return {inc: entry.inc, side: entry.main === grouping ? "groups" : "cross"};
}

/** The selection's rows that the grouping keeps (code >= 0: e.g. a null step is left out when grouping by step). */
function groupedMask(mask: Uint8Array, grouping: Grouping): Uint8Array {
  // A grouping that keeps every row (most: only a grouping by step leaves rows out) keeps the mask as it is.
  if (keepsAll(grouping)) return mask;
  const {codes} = grouping;
  const m = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; ++i) m[i] = mask[i]! & (codes[i]! >= 0 ? 1 : 0);
  return m;
}
