// The one coordinating layer for selections. Views read the state and write patches to it; they
// never call each other. The state lives in the URL query string, so a link reproduces a view and
// the sidebar links carry it from page to page.

import {BETLEY, ORGANISMS, type EmRule} from "../lib/em/rules.js";

export type Rule = "betley" | "organisms" | "custom";

export interface ViewState {
  experiment: string | null;
  judge: string | null;
  rule: Rule;
  /** Aligned cut (0..100). */
  aligned: number;
  /** Coherent cut (0..100). */
  coherent: number;
  /** Custom rule: aligned <= cut (true) or < cut (false). */
  alignedInclusive: boolean;
  /** Response types that never count as EM (they stay in the denominator). */
  exclude: string[];
  /** Brushed range of the training coordinate, inclusive. */
  steps: [number, number] | null;
  model: string | null;
  category: string | null;
  question: string | null;
  /** Full-text search in answers. */
  q: string;
  /** What the rows of comparisons are: "variant" (default), "model", or a meta facet "meta.<key>". */
  by: string;
  /** Optional facet of comparison charts (same kinds of values as `by`); null = none. */
  facet: string | null;
  /** Judge B of the judges page (judge A is `judge`); null = the first other judge. */
  judgeB: string | null;
}

/** The cuts of the published rules, taken from the analysis library's definitions. */
const preset = (r: EmRule) => ({aligned: r.aligned, coherent: r.coherent, alignedInclusive: r.alignedInclusive});
export const RULE_PRESETS: Record<Exclude<Rule, "custom">, {aligned: number; coherent: number; alignedInclusive: boolean}> = {
  betley: preset(BETLEY),
  organisms: preset(ORGANISMS),
};

export const DEFAULT_STATE: ViewState = {
  experiment: null,
  judge: null,
  rule: "betley",
  aligned: 30,
  coherent: 50,
  alignedInclusive: false,
  exclude: [],
  steps: null,
  model: null,
  category: null,
  question: null,
  q: "",
  by: "variant",
  facet: null,
  judgeB: null,
};

const clampCut = (v: number) => Math.max(0, Math.min(100, Math.round(v)));

/** Parse a query string into a full state; unknown or malformed values fall back to defaults. */
export function parseState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const s: ViewState = {...DEFAULT_STATE, exclude: []};
  const str = (k: string) => (p.has(k) && p.get(k) !== "" ? p.get(k) : null);
  s.experiment = str("experiment");
  s.judge = str("judge");
  const rule = p.get("rule");
  if (rule === "betley" || rule === "organisms" || rule === "custom") s.rule = rule;
  if (s.rule !== "custom") Object.assign(s, RULE_PRESETS[s.rule]);
  const num = (k: string) => {
    const v = p.get(k);
    return v !== null && v !== "" && Number.isFinite(+v) ? +v : null;
  };
  if (s.rule === "custom") {
    s.aligned = clampCut(num("aligned") ?? s.aligned);
    s.coherent = clampCut(num("coherent") ?? s.coherent);
    s.alignedInclusive = p.get("incl") === "1";
  }
  s.exclude = (p.get("exclude") ?? "").split(",").filter(Boolean);
  const lo = num("from");
  const hi = num("to");
  s.steps = lo !== null && hi !== null ? [Math.min(lo, hi), Math.max(lo, hi)] : null;
  s.model = str("model");
  s.category = str("category");
  s.question = str("question");
  s.q = p.get("q") ?? "";
  s.by = str("by") ?? DEFAULT_STATE.by;
  s.facet = str("facet");
  s.judgeB = str("judge_b");
  return s;
}

/** Serialise the non-default parts of a state as a query string (with leading "?", or ""). */
export function formatState(s: ViewState): string {
  const p = new URLSearchParams();
  if (s.experiment) p.set("experiment", s.experiment);
  if (s.judge) p.set("judge", s.judge);
  if (s.rule !== DEFAULT_STATE.rule) p.set("rule", s.rule);
  if (s.rule === "custom") {
    p.set("aligned", String(s.aligned));
    p.set("coherent", String(s.coherent));
    if (s.alignedInclusive) p.set("incl", "1");
  }
  if (s.exclude.length) p.set("exclude", s.exclude.join(","));
  if (s.steps) {
    p.set("from", String(s.steps[0]));
    p.set("to", String(s.steps[1]));
  }
  if (s.model) p.set("model", s.model);
  if (s.category) p.set("category", s.category);
  if (s.question) p.set("question", s.question);
  if (s.q) p.set("q", s.q);
  if (s.by !== DEFAULT_STATE.by) p.set("by", s.by);
  if (s.facet) p.set("facet", s.facet);
  if (s.judgeB) p.set("judge_b", s.judgeB);
  const q = p.toString();
  return q ? `?${q}` : "";
}

type Listener = (s: ViewState) => void;
export type StateKey = keyof ViewState;

/** Whether two states differ in any of `keys` (arrays compared by value). */
function changed(a: ViewState, b: ViewState, keys: readonly StateKey[]): boolean {
  return keys.some((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** A small store synchronised with the URL. */
export class Store {
  private current: ViewState;
  private readonly listeners = new Map<Listener, readonly StateKey[] | null>();
  constructor(initial: ViewState) {
    this.current = initial;
  }
  get(): ViewState {
    return this.current;
  }
  /** Apply a patch; choosing betley/organisms resets the cuts to that rule, moving a cut switches to custom. */
  set(patch: Partial<ViewState>): void {
    const next: ViewState = {...this.current, ...patch};
    if (patch.rule && patch.rule !== "custom") Object.assign(next, RULE_PRESETS[patch.rule]);
    else if (!patch.rule && next.rule !== "custom" && ("aligned" in patch || "coherent" in patch || "alignedInclusive" in patch)) {
      const preset = RULE_PRESETS[next.rule];
      if (next.aligned !== preset.aligned || next.coherent !== preset.coherent || next.alignedInclusive !== preset.alignedInclusive) next.rule = "custom";
    }
    next.aligned = clampCut(next.aligned);
    next.coherent = clampCut(next.coherent);
    // The URL holds every field (steps as from/to), so an equal query string is no change.
    if (formatState(next) === formatState(this.current)) return;
    const previous = this.current;
    this.current = next;
    for (const [l, keys] of [...this.listeners]) if (!keys || changed(previous, next, keys)) l(next);
  }
  /**
   * Call `listener` now and after every change; with `keys`, only after a change of one of them
   * (a cell that depends on the filters alone does not re-run when a cut moves).
   */
  subscribe(listener: Listener, keys?: readonly StateKey[]): () => void {
    this.listeners.set(listener, keys ?? null);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }
}

let shared: Store | null = null;

/** The page's store, initialised from the URL and writing back to it (and to in-site links) on change. */
export function store(): Store {
  if (shared) return shared;
  const s = new Store(parseState(typeof location === "undefined" ? "" : location.search));
  if (typeof window !== "undefined") {
    // Written after the views have updated (a slider sends many input events; the URL and the
    // in-site links need only the last state), so the repaint does not wait for them.
    let pending = false;
    const write = () => {
      pending = false;
      const search = formatState(s.get());
      if (search !== location.search) history.replaceState(null, "", location.pathname + search + location.hash);
      carryStateInLinks(search);
    };
    write();
    s.subscribe(() => {
      if (pending) return;
      pending = true;
      setTimeout(write, 0);
    });
  }
  shared = s;
  return s;
}

/** Rewrite links to other pages of the site so they carry the current state. */
function carryStateInLinks(search: string): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>("a[href]")) {
    const href = a.getAttribute("href") ?? "";
    if (/^[a-z]+:|^#|^\/\//i.test(href) || a.dataset.keepHref !== undefined) continue;
    if (/\.(arrow|json|csv|parquet|png|svg)$/i.test(href.split("?")[0]!)) continue;
    a.setAttribute("href", href.split("?")[0]!.split("#")[0] + search);
  }
}
