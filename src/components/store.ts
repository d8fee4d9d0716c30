// The one coordinating layer for selections. Views read the state and write patches to it; they
// never call each other. The state lives in the URL query string, so a link reproduces a view and
// the sidebar links carry it from page to page.

import {makeRule, RULES, type EmRule} from "../lib/em/rules.js";

/** The label of a series key (the "series by" column) as pages print it: a metadata column without its "meta." prefix. */
export const facetLabelOf = (column: string): string => (column.startsWith("meta.") ? column.slice(5) : column);

/** A preset of the analysis library (the same object `em summarize --rule NAME` uses) or "custom". */
export type Rule = keyof typeof RULES | "custom";

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
  /** Custom rule: coherent >= cut (true) or > cut (false). */
  coherentInclusive: boolean;
  /** Custom rule: the denominator, answers passing the coherent cut ("coherent") or all answers ("scored"). */
  denominator: EmRule["denominator"];
  /** Custom rule: an answer without a needed score leaves the denominator ("drop") or counts as not EM ("not_em"). */
  nulls: EmRule["nulls"];
  /** Custom rule: false = no coherence condition (EM is aligned below the cut alone). */
  requireCoherent: boolean;
  /** The rule's question filter (`questionFilter` patterns, e.g. "!*json*"); [] = all questions. */
  questions: string[];
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

/** The fields of the state that make up the rule. */
export const RULE_KEYS = ["aligned", "coherent", "alignedInclusive", "coherentInclusive", "denominator", "nulls", "requireCoherent", "questions"] as const;
export type RuleFields = Pick<ViewState, (typeof RULE_KEYS)[number]>;

/** A library rule as state fields. */
export function ruleFields(r: EmRule): RuleFields {
  return {
    aligned: r.aligned,
    coherent: r.coherent,
    alignedInclusive: r.alignedInclusive,
    coherentInclusive: r.coherentInclusive,
    denominator: r.denominator,
    nulls: r.nulls,
    requireCoherent: r.requireCoherent !== false,
    questions: [...(r.questions ?? [])],
  };
}

/**
 * The analysis-library rule for a page state: a preset is the library's own object (the one
 * `em summarize --rule NAME` uses, question filter included); custom is every rule field of the state.
 * (Here rather than in engine.ts, which re-exports it, so a page's first paint needs no engine.)
 */
export function ruleOf(state: ViewState): EmRule {
  if (state.rule !== "custom") return makeRule(state.rule);
  return makeRule("betley", {
    aligned: state.aligned,
    coherent: state.coherent,
    alignedInclusive: state.alignedInclusive,
    coherentInclusive: state.coherentInclusive,
    denominator: state.denominator,
    nulls: state.nulls,
    requireCoherent: state.requireCoherent,
    questions: state.questions,
  });
}

/** Every field of the published rules, taken from the analysis library's definitions (the CLI's presets). */
export const RULE_PRESETS = Object.fromEntries(Object.entries(RULES).map(([k, r]) => [k, ruleFields(r)])) as Record<Exclude<Rule, "custom">, RuleFields>;
const isPreset = (r: string | null): r is Exclude<Rule, "custom"> => r !== null && Object.hasOwn(RULE_PRESETS, r);
const sameRule = (a: RuleFields, b: RuleFields) => RULE_KEYS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));

export const DEFAULT_STATE: ViewState = {
  experiment: null,
  judge: null,
  rule: "betley",
  ...RULE_PRESETS.betley,
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
  if (rule === "custom" || isPreset(rule)) s.rule = rule;
  if (s.rule !== "custom") Object.assign(s, RULE_PRESETS[s.rule], {questions: [...RULE_PRESETS[s.rule].questions]});
  const num = (k: string) => {
    const v = p.get(k);
    return v !== null && v !== "" && Number.isFinite(+v) ? +v : null;
  };
  if (s.rule === "custom") {
    // Every flag of a custom rule is in the URL (absent = Betley's value), so a link carries any published rule.
    s.aligned = clampCut(num("aligned") ?? s.aligned);
    s.coherent = clampCut(num("coherent") ?? s.coherent);
    s.alignedInclusive = p.get("incl") === "1";
    s.coherentInclusive = p.get("cincl") === "1";
    s.denominator = p.get("den") === "scored" ? "scored" : "coherent";
    s.nulls = p.get("nulls") === "not_em" ? "not_em" : "drop";
    s.requireCoherent = p.get("coh") !== "0";
    s.questions = (p.get("questions") ?? "").split(",").filter(Boolean);
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
    if (s.coherentInclusive) p.set("cincl", "1");
    if (s.denominator !== "coherent") p.set("den", s.denominator);
    if (s.nulls !== "drop") p.set("nulls", s.nulls);
    if (!s.requireCoherent) p.set("coh", "0");
    if (s.questions.length) p.set("questions", s.questions.join(","));
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
  /** Apply a patch; choosing a preset resets every rule field to it, changing a rule field away from the preset switches to custom. */
  set(patch: Partial<ViewState>): void {
    const next: ViewState = {...this.current, ...patch};
    if (patch.rule && patch.rule !== "custom") Object.assign(next, RULE_PRESETS[patch.rule], {questions: [...RULE_PRESETS[patch.rule].questions]});
    else if (!patch.rule && next.rule !== "custom" && RULE_KEYS.some((k) => k in patch) && !sameRule(next, RULE_PRESETS[next.rule])) next.rule = "custom";
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

/**
 * How long the state must stay unchanged before the URL is rewritten (ms). history.replaceState
 * costs ~10 ms of main thread in Chromium (a profile at 200k, issue 28): once per change, it
 * delayed the frame after the next change of a slider drag. The state is in the URL once the
 * controls are left alone this long, or the page is hidden or left; links carry it when used.
 */
export const URL_QUIET_MS = 200;

/**
 * `f` called once after a burst of calls: when `quiet` ms have passed since the last one, then in
 * idle time (requestIdleCallback, at most `quiet` ms later; a timer where it is missing), so it
 * runs neither in the frame of a change nor right before the next one.
 */
export function coalesced(f: () => void, quiet: number): () => void {
  let last = 0;
  let waiting = false;
  const idle = (globalThis as {requestIdleCallback?: (cb: () => void, o?: {timeout: number}) => number}).requestIdleCallback;
  const check = () => {
    const left = last + quiet - performance.now();
    if (left > 0) return void setTimeout(check, left);
    waiting = false;
    f();
  };
  return () => {
    last = performance.now();
    if (waiting) return;
    waiting = true;
    setTimeout(() => (idle ? idle(check, {timeout: quiet}) : check()), quiet);
  };
}

/**
 * Set on <html> from a state change until the URL holds it (coalesced: URL_QUIET_MS, then idle
 * time), so a test or a tool reading the URL after a change knows when it is written
 * (test/helpers/site.ts waitForUrl). Set once per burst of changes, not on each.
 */
export const URL_PENDING_ATTRIBUTE = "data-em-url-pending";

let shared: Store | null = null;

/** The page's store, initialised from the URL and writing back to it (and to in-site links) on change. */
export function store(): Store {
  if (shared) return shared;
  const s = new Store(parseState(typeof location === "undefined" ? "" : location.search));
  if (typeof window !== "undefined") {
    const root = document.documentElement;
    let pending = false;
    const write = () => {
      const search = formatState(s.get());
      if (search !== location.search) history.replaceState(null, "", location.pathname + search + location.hash);
      if (pending) root.removeAttribute(URL_PENDING_ATTRIBUTE);
      pending = false;
    };
    write();
    // Every in-site link carries the state: all of them now, then each one when it is about to be
    // used (hovered, focused, pressed, clicked), not after every change: rewriting the sidebar's
    // links on each threshold change was DOM work in every frame of a slider drag (issue 28).
    carryStateInLinks(location.search, document.querySelectorAll<HTMLAnchorElement>("a[href]"));
    const carry = (e: Event) => {
      const a = (e.target as Element | null)?.closest?.("a[href]");
      if (a) carryStateInLinks(formatState(s.get()), [a as HTMLAnchorElement]);
    };
    for (const type of ["pointerover", "focusin", "pointerdown", "click", "auxclick", "contextmenu"]) document.addEventListener(type, carry, true);
    const later = coalesced(write, URL_QUIET_MS);
    s.subscribe(() => {
      if (!pending) root.setAttribute(URL_PENDING_ATTRIBUTE, "");
      pending = true;
      later();
    });
    // A page hidden or left within the quiet time still gets its last state into the URL (and its
    // history entry).
    const flush = () => write();
    addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flush());
  }
  shared = s;
  return s;
}

/** Rewrite links to other pages of the site so they carry the current state (`search`). */
function carryStateInLinks(search: string, links: Iterable<HTMLAnchorElement>): void {
  for (const a of links) {
    const href = a.getAttribute("href") ?? "";
    if (/^[a-z]+:|^#|^\/\//i.test(href) || a.dataset.keepHref !== undefined) continue;
    if (/\.(arrow|json|csv|parquet|png|svg)$/i.test(href.split("?")[0]!)) continue;
    const next = href.split("?")[0]!.split("#")[0] + search;
    if (next !== href) a.setAttribute("href", next);
  }
}
