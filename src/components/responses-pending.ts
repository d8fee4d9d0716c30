// /responses' controls before its points (issue 28): the filters, the rule and the search box are
// real controls from the first paint, bound to the page's store, their options from first.json
// (experiments, judges, each experiment's models and categories: a few kB). Using one asks for the
// points (`demand`) and writes the store, which the live page opens on, so the choice made before
// the points is the one they are shown under; the build's first page follows it where the build
// has one (responses-first-view.ts firstResponses). The step strip and the downloads draw from the
// points: a button loads them. Nothing here imports the points, the engine or a chart library.
import {el, loading} from "./ui.js";
import {formatState, store, type Store, type ViewState} from "./store.js";
import {selectControl, thresholdControls} from "./controls.js";
import {LIST_KEYS, onDemand, searchInput, type Demand} from "./responses-first-view.js";
import type {FirstPaint} from "../lib/site-first.js";

/** The experiment a state shows with first.json's lists: its own when listed, else the first (as the pages default). */
function experimentOf(table: FirstPaint, s: ViewState): string | null {
  return s.experiment !== null && table.experiments.includes(s.experiment) ? s.experiment : (table.experiments[0] ?? null);
}

/**
 * The filters' selects before the points: experiment, judge, model and category with first.json's
 * options (model and category only when the build lists them: `filters`), showing the defaults the
 * live page resolves (the first experiment, its first judge). An experiment change resets a judge,
 * model or category the new experiment does not have, as the live page does (selection.ts
 * resolveDefaults).
 */
function pendingSelects(selection: Store, table: FirstPaint, stops: (() => void)[]): HTMLElement[] {
  const judges = (s: ViewState) => table.judges[experimentOf(table, s) ?? ""] ?? [];
  const filters = (s: ViewState) => table.filters?.[experimentOf(table, s) ?? ""];
  let experiment = selection.get().experiment;
  const stop = selection.subscribe((s) => {
    if (s.experiment === experiment) return;
    experiment = s.experiment;
    const patch: Partial<ViewState> = {};
    if (s.judge !== null && !judges(s).includes(s.judge)) patch.judge = null;
    if (s.model !== null && !filters(s)?.models.includes(s.model)) patch.model = null;
    if (s.category !== null && !filters(s)?.categories.includes(s.category)) patch.category = null;
    if (Object.keys(patch).length) selection.set(patch);
  });
  stops.push(stop);
  const option = (v: string) => ({value: v, label: v});
  const made = [
    selectControl(selection, "experiment", table.experiments.map(option), "Experiment", "experiment", undefined, (s) => experimentOf(table, s)),
    selectControl(
      selection,
      "judge",
      (s) => judges(s).map(option),
      "Judge",
      "judge",
      undefined,
      (s) => (s.judge !== null && judges(s).includes(s.judge) ? s.judge : (judges(s)[0] ?? null)),
    ),
  ];
  if (table.filters) {
    made.push(selectControl(selection, "model", (s) => [{value: null, label: "all models"}, ...(filters(s)?.models ?? []).map(option)], "Model"));
    made.push(
      selectControl(
        selection,
        "category",
        (s) => {
          const categories = filters(s)?.categories ?? [];
          return [{value: null, label: categories.length ? "all categories" : "(no categories)"}, ...categories.map(option)];
        },
        "Category",
      ),
    );
  }
  return made;
}

/**
 * The controls before the points: the filters (once first.json is in: pendingSelects), the search
 * box (typing in it loads the points; what was typed is searched once they are in), the rule, and a
 * button for the step strip and the downloads, which draw from every answer's scores. A change of
 * any of them asks for the points; a status says what is loading once asked. The live controls
 * replace these (the page removes them and the live bar takes `input`).
 */
function pendingControls(selection: Store, input: HTMLInputElement, demand: Demand, first: Promise<FirstPaint | null>, stops: (() => void)[]): HTMLElement {
  const button = el("button", {type: "button", "data-testid": "responses-load"}, "Step strip, downloads");
  const note = el(
    "span",
    {class: "em-muted", "data-testid": "responses-pending-note"},
    "Choices apply to the first answers at once where the build has them; the rest load with every answer's scores on first use.",
  );
  const asked = () => {
    button.disabled = true;
    note.replaceWith(loading("Loading the scores…"));
  };
  if (demand.asked) asked();
  else void demand.wanted.then(asked);
  button.addEventListener("click", () => demand.want());
  input.addEventListener("input", () => demand.want(), {once: true});
  // Any change of what the list shows (the search is asked for by the box itself, before the store has it).
  let opened = false;
  const stop = selection.subscribe(
    () => {
      if (opened) demand.want();
    },
    LIST_KEYS.filter((k) => k !== "q"),
  );
  opened = true;
  stops.push(stop);
  const filters = el("span", {class: "em-controls", "data-testid": "responses-pending-filters"});
  void first.then(
    (table) => {
      if (table) filters.replaceWith(...pendingSelects(selection, table, stops));
    },
    () => undefined,
  );
  return el(
    "div",
    {"data-testid": "responses-pending"},
    el("div", {class: "em-controls"}, filters, el("label", {class: "em-control"}, el("span", {}, "Search"), input), button, note),
    thresholdControls(selection),
  );
}

/** A muted line in place of a view that needs the points, until they are in. */
function pendingNote(testid: string, text: string): HTMLElement {
  return el("p", {class: "em-muted", "data-testid": testid}, text);
}

/**
 * Remove the pending bar once the live bar `live` is shown, moving the focus to the same control of
 * it (by test id, id or label) with what was typed in it and not committed yet (the rule's question
 * filter commits on change), so points that arrive while a control is in use take nothing from it;
 * to the search box when `typing` (the live bar has taken it over: responses-live.ts).
 */
function handOver(bar: HTMLElement, input: HTMLInputElement, live: HTMLElement, typing: boolean): void {
  const active = document.activeElement;
  bar.remove();
  if (typing) return input.focus();
  if (!(active instanceof HTMLElement) || !bar.contains(active)) return;
  const key = active.dataset.testid ? `[data-testid="${active.dataset.testid}"]` : active.id ? `#${active.id}` : null;
  const label = active.getAttribute("aria-label");
  const twin =
    (key && live.querySelector<HTMLElement>(key)) ||
    [...live.querySelectorAll<HTMLElement>("[aria-label]")].find((e) => e.getAttribute("aria-label") === label);
  if (!twin) return;
  if (active instanceof HTMLInputElement && twin instanceof HTMLInputElement && active.type === "text" && twin.value !== active.value) {
    twin.value = active.value;
    twin.setSelectionRange(active.selectionStart, active.selectionEnd);
  }
  twin.focus();
}

/**
 * What /responses shows until its points are in: the demand for them, the page's store, the search
 * box, the pending bar (real filters and rule: pendingControls) and a note for the answers that
 * address their judge. `search()`: the store's state as a query, what the points loader starts on
 * (a judge chosen before the points is among the first loaded). `handOver(live, typing)`: the
 * live bar `live` is shown, the pending one goes (handOver).
 */
export function pendingPage(first: Promise<FirstPaint | null>): {
  demand: Demand;
  selection: Store;
  search(): string;
  input: HTMLInputElement;
  bar: HTMLElement;
  injected: HTMLElement;
  handOver(live: HTMLElement, typing: boolean): void;
} {
  const demand = onDemand();
  const selection = store();
  const input = searchInput(selection.get().q);
  const injected = pendingNote("injected-pending", "Listed once the scores are loaded (search, a control above, or scroll past the first page).");
  // The bar's own subscriptions end when the live bar takes over (its selects' and rule's follow the store, detached).
  const stops: (() => void)[] = [];
  const bar = pendingControls(selection, input, demand, first, stops);
  const over = (live: HTMLElement, typing: boolean) => {
    for (const stop of stops.splice(0)) stop();
    handOver(bar, input, live, typing);
  };
  return {demand, selection, search: () => formatState(selection.get()), input, bar, injected, handOver: over};
}
