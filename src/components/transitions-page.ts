// The views of the transitions page (src/transitions.md), one per cell: the page keeps the cells
// (which re-run when their inputs change) and the prose; each view here takes the page's context
// and returns what the cell displays (a fragment: empty when there is nothing to show).
import {GRID_CELL_SURFACES, type CoordinateScale} from "../lib/em/series.js";
import type {EmRule} from "../lib/em/rules.js";
import type {ExperimentInfo} from "../lib/site-summary.js";
import {planAxis, type AxisPlan} from "./axis.js";
import {ruleOf} from "./engine.js";
import {Inputs} from "./inputs.js";
import {controlBar, hasStepAxis, loadJudges, type Page} from "./page.js";
import type {FacetColumn, Points} from "./points.js";
import type {PointsLoader} from "./points-loader.js";
import {experimentBanner, experimentInfo} from "./site.js";
import {distinctSteps, optionsIn, selectionMask} from "./selection.js";
import {DEFAULT_STATE, type StateKey, type Store, type ViewState} from "./store.js";
import {seriesOf, type SeriesSystem} from "./series.js";
import {sweepHeatmaps, sweepKey} from "./sweep.js";
import {MIN_TRANSITION_POINTS} from "../lib/em/transition.js";
import {el, loading} from "./ui.js";
import {downloadCsv} from "./downloads.js";
import {figure} from "./figure.js";
import {afterPaint} from "./first-paint.js";
import {facetLabelOf} from "./variant-chart.js";
import type {MidpointCell} from "./transitions-compute.js";
import {fitEngine} from "./transitions-fits.js";
import type {FirstFits} from "./transitions-first.js";
import {
  cachedGrid,
  fitIntervals,
  fitTransitions,
  fitTransitionsFull,
  midpointGridOffThread,
  pendingTransitions,
  seriesMask,
  seedFits,
  seriesTallies,
  transitionNumbers,
  type FitState,
  type ModelTransition,
  type SeriesTallies,
} from "./transitions-controller.js";
import {categoryTransitions, midpointChart, qualityChart, transitionChart} from "./transitions-charts.js";
import {fitsTable, num3, numbersHook, transitionView} from "./transitions-table.js";
import {dataTable} from "./table.js";

/** What every view of the page reads: the selection's rows, rule, axis and per-series tallies. */
export interface TransitionsContext {
  points: Points;
  selection: Store;
  state: ViewState;
  info: ExperimentInfo | null;
  coordinate: string;
  declared: "log" | null;
  rule: EmRule;
  mask: Uint8Array;
  by: FacetColumn;
  plan: AxisPlan;
  tallies: SeriesTallies;
  /** Colours, dashes, direct labels and panels of the series (series.ts). */
  series: SeriesSystem;
  scale: CoordinateScale;
  /** Some series has an EM rate at two or more coordinate values. */
  hasCoordinate: boolean;
  /** Pass 1 (fits, tests, onsets) and all three passes (intervals, change points), as promises. */
  fits: Promise<ModelTransition[]>;
  fitsFull: Promise<ModelTransition[]>;
  /** Settles once the first fits are on screen: the charts below the fold wait for it. */
  fitsPainted: Promise<unknown>;
}

const fragment = (...nodes: Node[]): DocumentFragment => {
  const f = document.createDocumentFragment();
  f.append(...nodes);
  return f;
};

/**
 * The state the page's views depend on: every field but the brushed range, which no view here
 * filters on (the chart's brush shows it in place, interactors/step-brush.ts). A brush on this page
 * then re-runs no cell, so no pass over the rows: it only selects the answers other pages list.
 */
export const PAGE_KEYS: readonly StateKey[] = (Object.keys(DEFAULT_STATE) as StateKey[]).filter((k) => k !== "steps");

/**
 * The page's context for a state: one pass over the rows (the counts per series and coordinate);
 * the fits start in the worker pool (components/transitions-fits.ts), cached per tallies, i.e. per
 * (selection, rule), except those the build made (`first`: the first-paint box, whose fits seed them).
 */
export function transitionsContext(page: Page, state: ViewState, first?: FirstFits): TransitionsContext {
  const {points, summary, selection} = page;
  const info = experimentInfo(summary, state.experiment);
  const declared = info?.coordinate_scale ?? null;
  const rule = ruleOf(state);
  const mask = selectionMask(points, state, ["steps", "model"]);
  const by = state.by as FacetColumn;
  // The build's fits of the opening state: the passes of the same counts resolve from them (no worker job).
  if (first?.seed) seedFits(first.seed.tallies, first.seed.fits);
  const tallies = seriesTallies(points, mask, rule, state.exclude, {by, declared});
  const fits = fitTransitions(tallies);
  // One colour and dash per series, grouped by dataset or family when there are many (series.ts).
  const series = seriesOf(points, by, tallies.names);
  return {
    points,
    selection,
    state,
    info,
    coordinate: info?.coordinate ?? "step",
    declared,
    rule,
    mask,
    by,
    plan: planAxis(distinctSteps(points, mask), declared),
    tallies,
    series,
    scale: tallies.scale,
    hasCoordinate: tallies.series.some((s) => s.filter((p) => p.n > 0).length >= 2),
    fits,
    fitsFull: fitTransitionsFull(tallies),
    fitsPainted: fits.catch(() => null).then(afterPaint),
  };
}

/** The page's control bar; the series picker only for an experiment with a coordinate (the banner says why otherwise; the step-range button follows the same rule in controlBar). */
export function transitionsControls(page: Page): HTMLElement {
  return controlBar(page, ["experiment", "judge", "by", "category", "clearSteps"], {by: "Series by"}, {by: (s) => hasStepAxis(page.points, s.experiment)});
}

/**
 * The experiment banner, and for an experiment without a coordinate the one sentence that says what
 * is missing and how to add it; then `sections` (the page's part below the fits: every heading and
 * view there draws along the coordinate) is hidden, so no heading stands over nothing.
 */
export function transitionsHeader(page: Page, ctx: TransitionsContext, sections?: HTMLElement | null): DocumentFragment {
  const {state} = ctx;
  if (sections) sections.hidden = !ctx.hasCoordinate;
  if (ctx.hasCoordinate) return fragment(experimentBanner(page.summary, state.experiment));
  const docs = el("a", {href: "./docs/importing#coordinates", "data-testid": "no-coordinate-docs"}, "Coordinates in the import docs");
  return fragment(
    experimentBanner(page.summary, state.experiment),
    el(
      "p",
      {class: "em-banner", "data-testid": "no-coordinate"},
      `Nothing to show here: experiment “${state.experiment}” has no training coordinate with two or more values (no checkpoints, epochs or scales); to add one, give its answers a step (a column, a file-name field or a step key per import, or checkpoints per model): see `,
      docs,
      ".",
    ),
  );
}

/** The main chart: measured points at once, fits as they arrive (`fitted` null: still fitting). */
export function transitionFigure(ctx: TransitionsContext, fitted: FitState | null, width: number): DocumentFragment {
  if (!ctx.hasCoordinate) return fragment();
  const {state, coordinate, plan, scale} = ctx;
  const fig = figure(
    transitionChart(fitted?.transitions ?? pendingTransitions(ctx.tallies), {
      width,
      coordinate,
      planted: ctx.info?.planted ?? null,
      judge: state.judge,
      rule: state.rule,
      store: ctx.selection,
      plan,
      by: ctx.by,
      series: ctx.series,
    }),
    {
      name: "phase-transition",
      caption: `${ctx.series.direct ? "Each series is named at its right end" + (ctx.series.panels ? `; one panel per group (${(ctx.series.groups ?? []).join(", ")}), shared scales` : "") + ". " : ""}Drag across the chart to select a range of ${coordinate} (shaded; the answer list and every other page follow it).${plan.type === "log" ? ` Log axis (${plan.reason === "declared" ? "declared in the experiment file" : "geometrically spaced values"})${plan.zero ? "; 0 (the base) is drawn at the left" : ""}.` : ""} Fits are drawn only for credible transitions${scale === "log" ? ", on log10 of the coordinate" : ""}.`,
    },
  );
  if (!fitted) fig.prepend(loading("Fitting the logistic curves… (the measured rates are shown meanwhile)"));
  else markRedrawn(fig, fitted);
  return fragment(fig);
}

/**
/**
 * Marks a view drawn from fits that are not final (intervals or change points still computing in the
 * worker pool): the cell is drawn again when they arrive, so the view is busy (aria-busy) and a
 * loading mark (data-em-loading, which tests' waitForPage waits out) until its last drawing.
 */
function markRedrawn(view: HTMLElement, fitted: FitState): void {
  if (!fitted.intervalsPending && !fitted.changePending) return;
  view.dataset.emLoading = "";
  view.setAttribute("aria-busy", "true");
}

/**
 * The fits table (marked with the fit engine and stage) and, once every number is in, its CSV
 * download. `first`: the first-paint box shown meanwhile, removed once these fits are in.
 */
export function fitsView(ctx: TransitionsContext, fitted: FitState | null, first?: HTMLElement): DocumentFragment {
  // The build-time first fits (transitions-first.ts) stay until this view has its own.
  if (fitted || !ctx.hasCoordinate) first?.remove();
  if (!ctx.hasCoordinate) return fragment();
  if (!fitted && first?.isConnected && first.dataset.emFirst === "build") return fragment();
  if (!fitted) return fragment(loading(`Fitting ${ctx.tallies.names.length} series: verdicts, midpoints and onsets follow.`));
  const t = fitsTable(fitted.transitions, {
    byLabel: facetLabelOf(ctx.by),
    planted: ctx.info?.planted?.midpoints ?? null,
    intervalsPending: fitted.intervalsPending,
    changePending: fitted.changePending,
  });
  t.element.dataset.fitEngine = fitEngine;
  markRedrawn(t.element, fitted);
  // Which numbers are in: "fits" (verdicts, curves, midpoints, onsets), "intervals", "complete" (the change points too).
  t.element.dataset.fitStage = fitted.changePending ? (fitted.intervalsPending ? "fits" : "intervals") : "complete";
  // The CSV carries the intervals and change points too: offered once they are all in.
  if (fitted.changePending) return fragment(t.element);
  const save = el("button", {type: "button", class: "em-link"}, "Download fits (CSV)");
  save.addEventListener("click", () => downloadCsv(t.data, `transitions-${ctx.state.experiment}`));
  return fragment(t.element, save);
}

/** Coherence and mean alignment along the coordinate. */
export function qualityFigure(ctx: TransitionsContext, width: number): DocumentFragment {
  if (!ctx.hasCoordinate) return fragment(); // hidden with the sections (transitionsHeader)
  const {coordinate, plan, by} = ctx;
  return fragment(
    figure(qualityChart(pendingTransitions(ctx.tallies), {width, coordinate, plan, by, series: ctx.series}), {
      name: "coherence-alignment",
      caption: "Left: share of answers with coherent > 50. Right: mean aligned score / 100. A collapse in coherence removes answers from the EM denominator.",
    }),
  );
}

/** EM along the coordinate per question category, or why there is no split. */
export function categoryFigure(ctx: TransitionsContext, width: number): DocumentFragment {
  if (!ctx.hasCoordinate) return fragment(); // hidden with the sections (transitionsHeader)
  const {points, state, coordinate, plan, by} = ctx;
  const categories = optionsIn(points, "category", state).length;
  if (categories >= 2)
    return fragment(
      figure(
        categoryTransitions(points, selectionMask(points, state, ["steps", "model", "category"]), ctx.rule, state.exclude, {
          width,
          coordinate,
          plan,
          by,
          series: ctx.series,
        }),
        {
          name: "transition-by-category",
        },
      ),
    );
  return fragment(
    el(
      "p",
      {class: "em-muted", "data-testid": "no-categories"},
      categories ? "A single question category: the split equals the chart above." : "These questions carry no category: nothing to split by.",
    ),
  );
}

/** A 2-D sweep (a second ordered key crossed with the coordinate) as heatmaps, or why there is none. */
export function sweepFigure(ctx: TransitionsContext, width: number): DocumentFragment {
  if (!ctx.hasCoordinate) return fragment(); // hidden with the sections (transitionsHeader)
  const {points, mask, by, coordinate} = ctx;
  const key = sweepKey(points, mask, by, coordinate);
  const heat = key ? sweepHeatmaps(points, mask, ctx.rule, ctx.state.exclude, key, {width, coordinate}) : null;
  return fragment(
    heat && key
      ? figure(heat, {
          name: "sweep-heatmap",
          caption: `${key.label} × ${coordinate}: EM and coherence per cell. EM "n/a": no answer passes the coherent cut (coherence collapsed).`,
        })
      : el(
          "p",
          {class: "em-muted"},
          `No second ordered key crosses ${coordinate} here (a 2-D sweep such as layer × scale or rank × epochs shows as heatmaps).`,
        ),
  );
}

/** The series picker of the sensitivity section: the first series with a credible transition by default. */
export function seriesPicker(ctx: TransitionsContext, fits: readonly ModelTransition[]): HTMLElement {
  const names = fits.map((t) => t.model);
  const picker = Inputs.select(names, {
    label: facetLabelOf(ctx.by),
    value: names.find((m) => transitionView(fits.find((t) => t.model === m)!.result).show) ?? names[0],
  }) as HTMLElement;
  // No series to fit: the grid below says so; a picker would offer a choice that changes nothing.
  picker.hidden = !ctx.hasCoordinate;
  return picker;
}

/** The page's fits with their change points for the parity test (test/browser/parity.test.ts), as em summarize reports them. */
export function parityNumbers(ctx: TransitionsContext, fitsFull: readonly ModelTransition[]): HTMLScriptElement {
  const {state} = ctx;
  return numbersHook("transition-numbers", {
    experiment: state.experiment,
    judge: state.judge,
    by: ctx.by,
    exclude: state.exclude,
    scale: ctx.scale,
    engine: fitEngine,
    series: fitsFull.map(transitionNumbers),
  });
}

/**
 * Beside a grid that kept no per-question counts (SensitivityCell.monotone_pooled: 7+ values and
 * more values x questions than GRID_CELL_SURFACES): its rise-and-fall test is not the series'.
 */
function pooledNote(series: string, nCoord: number, coordinate: string): HTMLElement {
  return el(
    "p",
    {class: "em-muted", "data-testid": "midpoint-grid-pooled"},
    `${series} has ${nCoord} ${coordinate} values and too many questions (or seeds) for the grid to keep each one's counts at every threshold pair (at most ${GRID_CELL_SURFACES} values x questions per judge). ` +
      "The grid's “rises and falls” test therefore uses one dispersion of the pooled counts, where the series' own test uses each value's spread between questions: " +
      "at the same thresholds a grid cell's verdict can differ from the series' in the table above, in either direction.",
  );
}

/**
 * One series' midpoint at 42 threshold pairs (6 aligned x 7 coherent cuts): computed when asked
 * for (`wanted`: the button, or when the grid scrolls into view), in a worker, cached per
 * (selection, series, rule); a grid computed before shows at once.
 */
export function midpointGridView(
  ctx: TransitionsContext,
  series: string,
  {width, wanted, request, invalidation}: {width: number; wanted: boolean; request: () => void; invalidation: Promise<unknown>},
): HTMLElement {
  const {points, mask, state, by, rule, scale, coordinate} = ctx;
  const sensMask = seriesMask(points, mask, by, series);
  const nCoord = distinctSteps(points, sensMask).length;
  const key = JSON.stringify([state.experiment, state.judge, state.category, state.question, by, series, rule, state.exclude, scale]);
  const slot = el("div", {"data-testid": "midpoint-grid"});
  if (!ctx.hasCoordinate || nCoord < MIN_TRANSITION_POINTS) {
    // Said up front: no threshold pair can give a midpoint with fewer values than a fit needs.
    slot.append(
      el(
        "p",
        {class: "em-muted", "data-testid": "midpoint-grid-empty"},
        !ctx.hasCoordinate
          ? `No series has two or more ${coordinate} values: there is no midpoint to fit at any threshold pair.`
          : `${series} has ${nCoord} ${coordinate} value${nCoord === 1 ? "" : "s"}; a midpoint needs at least ${MIN_TRANSITION_POINTS}, at any threshold pair: nothing to fit.`,
      ),
    );
    return slot;
  }
  const show = (cells: MidpointCell[]) => {
    const anyMid = cells.some((c) => c.midpoint !== null);
    slot.replaceChildren(
      anyMid
        ? figure(midpointChart(cells, {width, coordinate, current: {aligned: state.aligned, coherent: state.coherent}}), {
            name: "midpoint-sensitivity",
            caption:
              "“none” = no credible transition at that threshold pair (no evidence against a constant rate, a smooth trend, a midpoint outside the range, a rise and fall, or too few points; hover for which).",
          })
        : el(
            "p",
            {class: "em-muted", "data-testid": "midpoint-grid-empty"},
            `No threshold pair gives a credible transition for ${series}: nothing to compare.`,
          ),
      ...(cells.some((c) => c.monotone_pooled) ? [pooledNote(series, nCoord, coordinate)] : []),
      // The grid's numbers for the parity test, as em summarize --sensitivity reports them.
      numbersHook("transition-grid-numbers", {series, judge: state.judge, scale, cells}),
    );
  };
  const done = cachedGrid(key);
  if (done) show(done);
  else if (wanted) {
    slot.append(loading(`Fitting ${series} at 42 threshold pairs…`));
    midpointGridOffThread(key, points, sensMask, rule, state.exclude, {judge: state.judge, scale}).then(
      (cells) => slot.isConnected && show(cells),
      (error) => slot.replaceChildren(el("p", {class: "em-error"}, `The midpoint grid failed: ${error.message}`)),
    );
  } else {
    const button = el("button", {type: "button", "data-testid": "midpoint-grid-compute"}, `Compute the midpoint over 42 threshold pairs for ${series}`);
    button.addEventListener("click", request);
    slot.append(button);
    const seen = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && request());
    seen.observe(slot);
    invalidation.then(() => seen.disconnect());
  }
  return slot;
}

/**
 * One series' midpoint, interval and onset under each judge of the experiment (fitted in the worker
 * pool). The page loads only the judge it shows (points-loader.ts): the judges whose rows are not
 * loaded get a button that loads them (the page then reopens with them), with a status meanwhile.
 */
export function judgeMidpointsView(ctx: TransitionsContext, series: string, loader?: PointsLoader): HTMLElement {
  const {points, state, by, declared} = ctx;
  if (!ctx.hasCoordinate) return el("div"); // the grid above says there is nothing to fit
  const judges = optionsIn(points, "judge", state);
  const missing = (loader?.judgesOf(state.experiment) ?? []).filter((j) => !judges.includes(j));
  const more = el("p", {});
  if (loader && missing.length) {
    const names = missing.join(", ");
    const button = el(
      "button",
      {type: "button", "data-testid": "load-judges"},
      `Fit under ${missing.length === 1 ? "judge" : "judges"} ${names} too (loads ${missing.length === 1 ? "its" : "their"} scores)`,
    );
    button.addEventListener("click", () => button.replaceWith(loadJudges(loader, missing)));
    more.append(button);
  }
  const slot = el("div", {}, loading(`Fitting ${series} under each judge…`));
  judgeMidpoints(
    points,
    judges.map((j) => ({judge: j, mask: selectionMask(points, {...state, judge: j}, ["steps", "model"])})),
    ctx.rule,
    state.exclude,
    {by, name: series, declared},
  ).then(
    (table) => slot.replaceChildren(table, more),
    (error) => slot.replaceChildren(el("p", {class: "em-error"}, `The per-judge fits failed: ${error.message}`)),
  );
  return slot;
}

/**
 * One series' midpoint, interval and onset under each judge (same rule, exclusions and scale rule),
 * fitted off the main thread (no change-point bootstrap: the table shows fits, verdicts and onsets,
 * none of which use it).
 */
async function judgeMidpoints(
  points: Points,
  masks: {judge: string; mask: Uint8Array}[],
  rule: EmRule,
  exclude: readonly string[],
  {by, name, declared}: {by: FacetColumn; name: string; declared: "log" | null},
): Promise<HTMLTableElement> {
  const rows = await Promise.all(
    masks.map(async ({judge, mask}) => {
      const tallies = seriesTallies(points, seriesMask(points, mask, by, name), rule, exclude, {by, declared});
      const t = (await fitIntervals(tallies)).find((x) => x.model === name);
      const v = t ? transitionView(t.result) : null;
      const show = Boolean(t && v?.show);
      return {
        judge,
        why: v?.why ?? "no answers",
        midpoint: show ? t!.result.fit!.midpoint : null,
        ci: show ? t!.result.fit!.ci : null,
        onset: show ? t!.result.onset.x : null,
      };
    }),
  );
  return dataTable(
    rows,
    [
      {label: "judge", value: (r) => r.judge},
      {label: "verdict", value: (r) => r.why},
      {label: "midpoint", value: (r) => num3(r.midpoint), num: true},
      {label: "95% CI", value: (r) => (r.ci ? `${num3(r.ci[0])} – ${num3(r.ci[1])}` : "–"), num: true},
      {label: "onset", value: (r) => (r.onset === null ? "none" : String(r.onset)), num: true},
    ],
    {testid: "midpoint-by-judge"},
  );
}
