// The page scaffold every analysis page starts from: decode the points, read the summary, open
// the shared store with the data's defaults, and build the control bar from a list of names, so
// a page is prose plus a few calls (Framework's examples keep pages that way).
import {decodePoints, type Points} from "./points.js";
import type {PointsLoader} from "./points-loader.js";
import {bindDefaults, facetOptions, judgeBOf, optionsIn, selectionMask} from "./selection.js";
import {store, type StateKey, type Store, type ViewState} from "./store.js";
import {el} from "./ui.js";
import {setModelOrder} from "./chart-style.js";
import {selectControl, thresholdControls, typeToggles} from "./controls.js";
import type {Summary} from "../lib/site-summary.js";
import {RESPONSE_TYPES} from "../lib/schema.js";

export interface Page {
  points: Points;
  summary: Summary;
  selection: Store;
  /** Where more judges' rows come from when the page loaded only some (points-loader.ts). */
  loader?: PointsLoader;
}

/**
 * Decode points.arrow (or the judges' parts of it a loader has), keep the model colours stable,
 * open the store and make it consistent with the data. With a loader, the judge it was asked for
 * last is selected once its rows are in.
 */
export function openPage(pointsBytes: ArrayBuffer | Uint8Array | readonly Uint8Array[], summary: Summary, loader?: PointsLoader): Page {
  const points = decodePoints(pointsBytes);
  setModelOrder(points.dicts.model);
  const selection = store();
  bindDefaults(selection, points);
  const wanted = loader?.requested;
  if (wanted && loader.has(wanted.judge) && optionsIn(points, "judge", selection.get()).includes(wanted.judge))
    selection.set(wanted.key === "judge" ? {judge: wanted.judge} : {judgeB: wanted.judge});
  if (loader) loader.requested = null;
  return {points, summary, selection, loader};
}

/** The mark of a judge whose rows are not loaded yet in the judge select (its option label). */
const NOT_LOADED = " ↓";

/** Every judge of the state's experiment: first.json's (loaded or not) with a loader, else the loaded rows'. */
function judgesOf(page: Page, s: ViewState): string[] {
  return page.loader?.judgesOf(s.experiment) ?? optionsIn(page.points, "judge", s);
}

/**
 * The judge select. With a loader, it offers every judge of the experiment (first.json), and a
 * judge whose rows are not loaded yet (marked NOT_LOADED, explained in a short note beside the
 * select rather than in the option, which would widen it) is loaded when chosen: the select and
 * every view stay on the current judge, with a visible status in place of the note, until its rows
 * are in and the page reopens on them.
 */
function judgeControl(page: Page, key: "judge" | "judgeB", label: string, testid: string): HTMLElement {
  const {points, selection, loader} = page;
  let unloaded = false;
  const options = (s: ViewState) => {
    const loaded = optionsIn(points, "judge", s);
    const all = loader?.judgesOf(s.experiment) ?? [];
    unloaded = all.some((j) => !loaded.includes(j));
    return [...all, ...loaded.filter((j) => !all.includes(j))].map((j) => ({value: j, label: loaded.includes(j) ? j : `${j}${NOT_LOADED}`}));
  };
  // Judge B shows the judge the page compares (the first other judge when the URL names none), not a blank.
  const shown =
    key === "judgeB"
      ? (s: ViewState) =>
          judgeBOf(
            options(s).map((o) => o.value),
            s.judge,
            s.judgeB,
          )
      : undefined;
  if (!loader) return selectControl(selection, key, options, label, testid, undefined, shown);
  const note = el("span", {class: "em-points-note", "data-testid": "points-note"}, `${NOT_LOADED.trim()} loads when chosen`);
  const status = el("span", {class: "em-points-loading", role: "status", "data-testid": "points-loading"});
  status.hidden = true;
  const control = selectControl(
    selection,
    key,
    options,
    label,
    testid,
    (judge) => {
      if (judge === null || loader.has(judge)) return false;
      loader.requested = {key, judge};
      note.hidden = true;
      status.hidden = false;
      status.textContent = `Loading judge ${judge}'s scores…`;
      loader.load([judge]).catch((error: unknown) => {
        status.textContent = `Could not load judge ${judge}'s scores: ${error instanceof Error ? error.message : String(error)}`;
      });
      return true;
    },
    shown,
  );
  control.title = `Judges marked ${NOT_LOADED.trim()}: their scores are downloaded when chosen (the page loads only the judges it shows).`;
  selection.subscribe(() => (note.hidden = !unloaded || !status.hidden), ["experiment"]);
  control.append(note, status);
  return control;
}

/**
 * Load judges' rows a view needs that the page has not (e.g. the default judge B of /judges): a
 * status line while they load (the page reopens on them), or the error. Nothing to load: an empty
 * element.
 */
export function loadJudges(loader: PointsLoader | undefined, judges: readonly (string | null)[]): HTMLElement {
  const missing = [...new Set(judges.filter((j): j is string => j !== null && !loader?.has(j)))];
  const status = el("span", {class: "em-points-loading", role: "status", "data-testid": "points-loading"});
  if (!loader || !missing.length) return status;
  const names = missing.join(", ");
  status.textContent = `Loading judge${missing.length === 1 ? "" : "s"} ${names}'s scores…`;
  loader.load(missing).catch((error: unknown) => {
    status.textContent = `Could not load judge${missing.length === 1 ? "" : "s"} ${names}'s scores: ${error instanceof Error ? error.message : String(error)}`;
  });
  return status;
}

/** An observe-style callback for Framework's Generators.observe, optionally on some keys only. */
export function watchState(page: Page, keys?: readonly StateKey[]): (notify: (s: ViewState) => void) => () => void {
  return (notify) => page.selection.subscribe(notify, keys);
}

/** Per points table, per experiment: whether it has a step axis (hasStepAxis). */
const stepAxes = new WeakMap<Points, Map<string, boolean>>();

/**
 * Whether `experiment` has two or more values of its coordinate (step) in the points (rows with no
 * value skipped): a training axis to brush. A scan that stops at the
 * second value (only an experiment without one reads all its rows), once per experiment and table.
 */
export function hasStepAxis(points: Points, experiment: string | null): boolean {
  let known = stepAxes.get(points);
  if (!known) stepAxes.set(points, (known = new Map()));
  const key = experiment ?? "";
  let has = known.get(key);
  if (has === undefined) {
    const e = points.dicts.experiment.indexOf(key);
    const codes = points.codes.experiment;
    let first = Number.NaN;
    has = false;
    for (let i = 0; i < points.n && !has; i++) {
      const v = points.step[i]!;
      if (codes[i] !== e || Number.isNaN(v)) continue;
      if (Number.isNaN(first)) first = v;
      else if (v !== first) has = true;
    }
    known.set(key, has);
  }
  return has;
}

export type Control = "experiment" | "judge" | "judgeB" | "model" | "category" | "by" | "facet" | "clearSteps";

const inExperiment = (page: Page, s: ViewState) => selectionMask(page.points, s, ["judge", "model", "category", "question", "steps"]);

/**
 * The control bar: the named selects in order (labels may be renamed per page, e.g. "Series by").
 * `shown[c]`: control c is shown only while it holds for the state, checked when the experiment
 * changes (e.g. no series picker on /transitions for an experiment without a coordinate). Judge B
 * is shown only for an experiment with two judges or more; with one, the judge select is labelled
 * "Judge" whatever `labels.judge` says (a "Judge A" beside no judge B would promise a comparison).
 */
export function controlBar(
  page: Page,
  controls: readonly Control[],
  labels: Partial<Record<Control, string>> = {},
  shown: Partial<Record<Control, (s: ViewState) => boolean>> = {},
): HTMLElement {
  const {points, selection} = page;
  const label = (c: Control, fallback: string) => labels[c] ?? fallback;
  const made = controls.map((c): HTMLElement => {
    switch (c) {
      case "experiment":
        return selectControl(
          selection,
          "experiment",
          points.dicts.experiment.map((e) => ({value: e, label: e})),
          label(c, "Experiment"),
          "experiment",
        );
      case "judge":
        return judgeControl(page, "judge", label(c, "Judge"), "judge");
      case "judgeB":
        return judgeControl(page, "judgeB", label(c, "Judge B"), "judge-b");
      case "model":
        return selectControl(
          selection,
          "model",
          (s) => [{value: null, label: "all models"}, ...optionsIn(points, "model", s).map((m) => ({value: m, label: m}))],
          label(c, "Model"),
        );
      case "category":
        return selectControl(
          selection,
          "category",
          (s) => [
            {value: null, label: optionsIn(points, "category", s).length ? "all categories" : "(no categories)"},
            ...optionsIn(points, "category", s).map((v) => ({value: v, label: v})),
          ],
          label(c, "Category"),
        );
      case "by":
        return selectControl(
          selection,
          "by",
          (s) => facetOptions(points, inExperiment(page, s)).map((o) => ({value: o.value, label: `${o.label} (${o.values.length})`})),
          label(c, "Compare by"),
          "compare-by",
        );
      case "facet":
        return selectControl(
          selection,
          "facet",
          (s) => [
            {value: null, label: "no facets"},
            ...facetOptions(points, inExperiment(page, s))
              .filter((o) => o.value !== s.by)
              .map((o) => ({value: o.value, label: `${o.label} (${o.values.length})`})),
          ],
          label(c, "Facet by"),
          "facet-by",
        );
      case "clearSteps": {
        const button = el("button", {type: "button", "data-testid": "clear-steps"}, label(c, "Clear step range"));
        button.addEventListener("click", () => selection.set({steps: null}));
        return button;
      }
    }
  });
  const paired = (s: ViewState) => judgesOf(page, s).length >= 2;
  const judgeAt = controls.indexOf("judge");
  const visible = controls.includes("judgeB") ? {judgeB: paired, ...shown} : shown;
  if (controls.includes("judgeB") && judgeAt >= 0 && labels.judge) {
    const text = made[judgeAt]!.querySelector("span")!;
    selection.subscribe((s) => (text.textContent = paired(s) ? label("judge", "Judge") : "Judge"), ["experiment"]);
  }
  controls.forEach((c, i) => {
    const when = visible[c];
    // style, not the hidden attribute: .em-control sets its own display
    if (c === "clearSteps") {
      // Only while a range is set (nothing to clear otherwise). A range on an experiment without a
      // step axis (a link, or one brushed on another experiment) keeps every answer out: the button
      // stays, saying so, as the way back.
      const button = made[i]!;
      const text = label(c, "Clear step range");
      selection.subscribe(
        (s) => {
          const axis = hasStepAxis(points, s.experiment);
          button.style.display = s.steps !== null && (when?.(s) ?? true) ? "" : "none";
          button.textContent = axis ? text : `${text} (this experiment has no steps)`;
        },
        ["experiment", "steps"],
      );
    } else if (when) selection.subscribe((s) => (made[i]!.style.display = when(s) ? "" : "none"), ["experiment"]);
  });
  return el("div", {class: "em-controls"}, ...made);
}

/** Rule and cuts, and (optionally) the response-type exclusions. */
export function ruleBar(page: Page, {exclusions = false}: {exclusions?: boolean} = {}): HTMLElement {
  const box = el("div", {}, thresholdControls(page.selection));
  if (exclusions)
    box.append(
      typeToggles(
        page.selection,
        RESPONSE_TYPES.filter((t) => t !== "emergent" && t !== "aligned"),
      ),
    );
  return box;
}
