// Turn the shared selection (state.ts) into row masks over the decoded points (points.ts).
// One pass over typed arrays: fast enough to run on every input event at a million rows.
import type {Store, ViewState} from "./store.js";
import {codeOf, facetColumn, type FacetColumn, type MetaColumn, type Points} from "./points.js";
import {questionFilter} from "../lib/em/question-ids.js";

export type Facet = "experiment" | "judge" | "model" | "category" | "question" | "steps";

/**
 * Mask of the rows that match the state. Facets listed in `ignore` are not applied (a chart that
 * shows all models ignores "model"; a brushable chart ignores its own "steps"). The rule's question
 * filter (`state.questions`, e.g. organisms' "!*json*") always applies: it is part of the rule, as in
 * `em summarize`.
 */
export function selectionMask(points: Points, state: ViewState, ignore: readonly Facet[] = []): Uint8Array {
  // Several cells of a page ask for the same mask on every state change (a threshold change moves
  // no filter): remember the last few per decoded table. Callers must not modify the result.
  // An ignored facet is the same as no filter on it: equal keys share one mask (and what is cached on it).
  const on = <T>(facet: Facet, v: T) => (ignore.includes(facet) ? null : v);
  const key = JSON.stringify([
    on("experiment", state.experiment),
    on("judge", state.judge),
    on("model", state.model),
    on("category", state.category),
    on("question", state.question),
    on("steps", state.steps),
    state.questions,
  ]);
  let memo = maskMemo.get(points);
  if (!memo) maskMemo.set(points, (memo = new Map()));
  const hit = memo.get(key);
  if (hit) return hit;
  const mask = computeMask(points, state, ignore);
  if (memo.size >= 16) memo.delete(memo.keys().next().value as string);
  memo.set(key, mask);
  return mask;
}

const maskMemo = new WeakMap<Points, Map<string, Uint8Array>>();

function computeMask(points: Points, state: ViewState, ignore: readonly Facet[]): Uint8Array {
  const skip = new Set(ignore);
  const filters: [Int32Array, number][] = [];
  const add = (facet: Facet, column: "experiment" | "judge" | "model" | "category" | "question_id", value: string | null) => {
    if (!skip.has(facet) && value !== null) filters.push([points.codes[column], codeOf(points, column, value)]);
  };
  add("experiment", "experiment", state.experiment);
  add("judge", "judge", state.judge);
  add("model", "model", state.model);
  add("category", "category", state.category);
  add("question", "question_id", state.question);
  const steps = skip.has("steps") ? null : state.steps;
  const keepQuestion = questionFilter(state.questions ?? []);
  const dropped = points.dicts.question_id.map((id) => !keepQuestion(id));
  const qcodes = points.codes.question_id;
  const anyDropped = dropped.some(Boolean);
  // One tight loop per condition, each clearing the rows it rejects (a loop over the conditions
  // inside the loop over the rows, destructuring each, cost several times more per row).
  const n = points.n;
  const mask = new Uint8Array(n).fill(1);
  for (const [codes, code] of filters) for (let i = 0; i < n; ++i) if (codes[i] !== code) mask[i] = 0;
  if (anyDropped) {
    const drop = Uint8Array.from(dropped, (d) => (d ? 1 : 0));
    for (let i = 0; i < n; ++i) {
      const q = qcodes[i]!;
      if (q >= 0 && drop[q] === 1) mask[i] = 0;
    }
  }
  if (steps) {
    const step = points.step;
    const [lo, hi] = steps;
    for (let i = 0; i < n; ++i) if (!(step[i]! >= lo && step[i]! <= hi)) mask[i] = 0;
  }
  return mask;
}

// Results per (memoised) mask: the control bar asks for its options on every state change, and a
// cut move changes no mask. Callers must not modify the returned arrays.
const distinctMemo = new WeakMap<Uint8Array, Map<string, string[]>>();
const facetMemo = new WeakMap<Uint8Array, ReturnType<typeof computeFacetOptions>>();

/** Distinct values of a string column among masked rows, in dictionary order. */
export function distinct(points: Points, column: keyof Points["codes"], mask?: Uint8Array): string[] {
  if (!mask) return computeDistinct(points, column);
  let memo = distinctMemo.get(mask);
  if (!memo) distinctMemo.set(mask, (memo = new Map()));
  let hit = memo.get(column);
  if (!hit) memo.set(column, (hit = computeDistinct(points, column, mask)));
  return hit;
}

function computeDistinct(points: Points, column: keyof Points["codes"], mask?: Uint8Array): string[] {
  const seen = new Uint8Array(points.dicts[column].length);
  const codes = points.codes[column];
  for (let i = 0; i < points.n; ++i) if ((!mask || mask[i]) && codes[i]! >= 0) seen[codes[i]!] = 1;
  return points.dicts[column].filter((_, i) => seen[i]);
}

/** Sorted distinct training coordinates among masked rows. */
export function distinctSteps(points: Points, mask?: Uint8Array): number[] {
  const set = new Set<number>();
  for (let i = 0; i < points.n; ++i) if ((!mask || mask[i]) && !Number.isNaN(points.step[i])) set.add(points.step[i]!);
  return [...set].sort((a, b) => a - b);
}

/**
 * Make a state consistent with the data: the first experiment when none (or an unknown one) is
 * chosen, its first judge when the judge is not in it, and no model / category / question filter
 * that the experiment does not have. Returns only the fields that change.
 */
export function resolveDefaults(points: Points, state: ViewState): Partial<ViewState> {
  const patch: Partial<ViewState> = {};
  const experiments = points.dicts.experiment;
  const experiment = state.experiment && experiments.includes(state.experiment) ? state.experiment : (experiments[0] ?? null);
  if (experiment !== state.experiment) patch.experiment = experiment;
  const inExperiment = selectionMask(points, {...state, experiment}, ["judge", "model", "category", "question", "steps"]);
  const judges = distinct(points, "judge", inExperiment);
  if (!state.judge || !judges.includes(state.judge)) patch.judge = judges[0] ?? null;
  if (state.model !== null && !distinct(points, "model", inExperiment).includes(state.model)) patch.model = null;
  if (state.category !== null && !distinct(points, "category", inExperiment).includes(state.category)) patch.category = null;
  if (state.question !== null && !distinct(points, "question_id", inExperiment).includes(state.question)) patch.question = null;
  // A comparison key the experiment does not have (a meta facet of another experiment): back to variants.
  const facets: string[] = facetOptions(points, inExperiment).map((o) => o.value);
  if (!facets.includes(state.by)) patch.by = "variant";
  if (state.facet !== null && !facets.includes(state.facet)) patch.facet = null;
  return patch;
}

/** Keep the store consistent with the data now and whenever the experiment changes. */
export function bindDefaults(store: Store, points: Points): void {
  store.set(resolveDefaults(points, store.get()));
  let experiment = store.get().experiment;
  store.subscribe((s) => {
    if (s.experiment === experiment) return;
    experiment = s.experiment;
    const patch = resolveDefaults(points, s);
    if (Object.keys(patch).length) store.set(patch);
  });
}

/** Values of a column within the state's experiment, for the options of a select. */
export function optionsIn(points: Points, column: "judge" | "model" | "category" | "question_id", state: ViewState): string[] {
  return distinct(points, column, selectionMask(points, state, ["judge", "model", "category", "question", "steps"]));
}

/**
 * What rows can be compared by within the masked rows: the fine-tuned variant, the model, and every
 * meta facet column that labels groups of answers in the masked rows' experiment (dataset, rank,
 * seed, a prompt condition...): decided at build time by groupLabelProblem, the rule `em summarize
 * --by` warns by (Points.facets), not a value recorded per answer such as an imported is_em, a
 * per-question count or a timestamp. Here only narrowed to the masked rows: a column listed for
 * every experiment among them, with 2+ values there. Variant first: it is the unit researchers
 * compare (base model x dataset x hyper-parameters).
 */
export function facetOptions(points: Points, mask: Uint8Array): {value: FacetColumn; label: string; values: string[]}[] {
  let hit = facetMemo.get(mask);
  if (!hit) facetMemo.set(mask, (hit = computeFacetOptions(points, mask)));
  return hit;
}

function computeFacetOptions(points: Points, mask: Uint8Array): {value: FacetColumn; label: string; values: string[]}[] {
  const out: {value: FacetColumn; label: string; values: string[]}[] = [];
  const valuesOf = (column: FacetColumn) => {
    const col = facetColumn(points, column);
    if (!col) return [];
    const seen = new Uint8Array(col.values.length);
    for (let i = 0; i < points.n; ++i) if (mask[i] && col.codes[i]! >= 0) seen[col.codes[i]!] = 1;
    return col.values.filter((_, i) => seen[i]);
  };
  out.push({value: "variant", label: "variant", values: valuesOf("variant")});
  out.push({value: "model", label: "model", values: valuesOf("model")});
  const experiments = distinct(points, "experiment", mask);
  const listed = (column: MetaColumn) => experiments.length > 0 && experiments.every((e) => points.facets?.[e]?.includes(column));
  for (const column of Object.keys(points.meta) as MetaColumn[]) {
    // A meta key named like a row column (an import's `{model}` file-name field) would list "model"
    // twice; the row's own column is the one every page and `em summarize --by model` group by.
    if (column === "meta.model" || column === "meta.variant" || !listed(column)) continue;
    const values = valuesOf(column);
    if (values.length >= 2) out.push({value: column, label: column.slice(5), values});
  }
  return out;
}

/**
 * Judge B of /judges as the state asks, else the first judge other than A: what the page compares
 * and what its Judge B select shows (the URL names judge B only when chosen). Null when A is the
 * experiment's only judge: there is nothing to compare it with.
 */
export function judgeBOf(judges: readonly string[], judgeA: string | null, wanted: string | null): string | null {
  if (wanted && judges.includes(wanted) && wanted !== judgeA) return wanted;
  return judges.find((j) => j !== judgeA) ?? null;
}
