// The views of the overview page (src/index.md), one per cell: each takes the page's context and
// returns what the cell displays (a fragment: empty when there is nothing to show).
import {describeRule, type EmRule} from "../lib/em/rules.js";
import type {ExperimentInfo} from "../lib/site-summary.js";
import {planAxis} from "./axis.js";
import {keyBy, placed, ruleOf, summarizeByStep, summarizeGroups, unplaced, withTrainingSeeds, type Group} from "./engine.js";
import {auditBlock} from "./overview-audit.js";
import {seriesOf, seriesSystem} from "./series.js";
import {lastStepMask} from "./last-step.js";
import {emOverTrainingChart, overviewTable, plantedTypeChart, plantedTypeRows} from "./overview.js";
import type {Page} from "./page.js";
import type {FacetColumn, Points} from "./points.js";
import {ruleNotes, ruleNotesElement} from "./rule-notes.js";
import {distinctSteps, optionsIn, selectionMask} from "./selection.js";
import {experimentBanner, experimentInfo} from "./site.js";
import type {ViewState} from "./store.js";
import {sweepHeatmaps, sweepKey} from "./sweep.js";
import {openIds} from "./texts-store.js";
import {el} from "./ui.js";
import {groupColor} from "./chart-style.js";
import {downloadCsv} from "./downloads.js";
import {figure} from "./figure.js";
import {facetLabelOf, variantChart, variantRows, variantTable} from "./variant-chart.js";
import {componentsRows, componentsTable, driftBanner, planner, questionSetRows, questionSetTable} from "./overview-plan.js";
import type {ImportedLabels} from "./audit.js";

/** What the overview's views read: the experiment, rule, selection and the EM summary per step. */
export interface OverviewContext {
  points: Points;
  state: ViewState;
  info: ExperimentInfo | null;
  rule: EmRule;
  /** The experiment's rows (every judge, model, step, category and question). */
  mask: Uint8Array;
  steps: number[];
  /** Two or more coordinate values: rates along training, else one rate per compared unit. */
  hasCoordinate: boolean;
  finalStep: number | null;
  by: FacetColumn;
  byLabel: string;
  facet: FacetColumn | null;
  /** Per (compared unit, judge, step): the EM summary (empty without a coordinate). */
  perStep: Group[];
}

const fragment = (...nodes: Node[]): DocumentFragment => {
  const f = document.createDocumentFragment();
  f.append(...nodes);
  return f;
};

/** The overview's context for a state (one summary pass per step when there is a coordinate). */
export function overviewContext(page: Page, state: ViewState): OverviewContext {
  const {points, summary} = page;
  const rule = ruleOf(state);
  const mask = selectionMask(points, state, ["judge", "model", "steps", "category", "question"]);
  const steps = distinctSteps(points, mask);
  const hasCoordinate = steps.length >= 2;
  const by = state.by as FacetColumn;
  return {
    points,
    state,
    info: experimentInfo(summary, state.experiment),
    rule,
    mask,
    steps,
    hasCoordinate,
    finalStep: steps.length ? steps[steps.length - 1]! : null,
    by,
    byLabel: facetLabelOf(by),
    facet: (state.facet ?? null) as FacetColumn | null,
    perStep: hasCoordinate ? summarizeByStep(points, mask, rule, [by, "judge"], {exclude: state.exclude, replicates: 0}) : [],
  };
}

/** Banner, the experiment's description, the rule in words and the notes on what the rule leaves out. */
export function overviewHeader(page: Page, ctx: OverviewContext): DocumentFragment {
  const {points, state, info, rule} = ctx;
  const notes = ruleNotesElement();
  notes.update(ruleNotes(points, selectionMask(points, state, ["model", "steps", "category", "question"]), rule, state.exclude), rule);
  return fragment(
    experimentBanner(page.summary, state.experiment),
    ...(info ? [el("p", {}, el("strong", {}, info.name + ": "), info.description || "(no description)")] : []),
    el("p", {class: "em-muted"}, describeRule(rule) + (state.exclude.length ? `; excluded types: ${state.exclude.join(", ")}` : "")),
    notes.node,
  );
}

/**
 * The rates: without a coordinate, one rate per compared unit (variant by default) with intervals,
 * replicates and baselines, as a chart and a table; with one, the overview table (overall, at the
 * final step, per step). Then the table's CSV download.
 */
export function overviewRates(ctx: OverviewContext, width: number): DocumentFragment {
  const {points, state, mask, rule, steps, by, byLabel, facet, info} = ctx;
  const out = fragment();
  let table: {element: HTMLElement; data: Record<string, unknown>[]};
  if (!ctx.hasCoordinate) {
    const vrows = variantRows(points, mask, rule, {by, facet, exclude: state.exclude});
    out.append(
      el("h3", {}, `EM per ${byLabel}${facet ? `, by ${facetLabelOf(facet)}` : ""}`),
      vrows.length
        ? figure(variantChart(vrows, {width, byLabel}), {
            name: "em-by-variant",
            caption: `Sorted by EM rate. ${steps.length === 1 ? `Every answer has ${info?.coordinate ?? "step"} ${steps[0]}.` : "This experiment has no training coordinate, so there is no curve: the rates are compared directly."} Intervals: over questions: logit-normal profile likelihood when they look over-dispersed, else design-effect Wilson (seeds x questions with 2+ training seeds; Wilson for a single question); hover a bar: an interval that may cover less than 95% says why.`,
          })
        : el("p", {class: "em-muted"}, "No scored answer in this selection."),
    );
    table = variantTable(vrows, {byLabel, facetLabel: facet ? facetLabelOf(facet) : null, coherence: rule.requireCoherent !== false});
  } else {
    const units = keyBy(points, [by, "judge"]);
    // With 2+ training seeds a unit's interval spans seeds x questions, as in `em summarize` (withTrainingSeeds).
    const finalMask = lastStepMask(points, mask, units);
    const atFinal = withTrainingSeeds(points, finalMask, rule, [by, "judge"], summarizeGroups(points, finalMask, rule, units, {exclude: state.exclude}), {
      exclude: state.exclude,
    });
    const overall = withTrainingSeeds(points, mask, rule, [by, "judge"], summarizeGroups(points, mask, rule, units, {exclude: state.exclude}), {
      exclude: state.exclude,
    });
    table = overviewTable({
      overall,
      atFinal,
      perStep: ctx.perStep,
      info,
      rule: state.rule,
      finalStep: ctx.finalStep,
      byLabel,
      coherence: rule.requireCoherent !== false,
    });
  }
  const save = el("button", {type: "button", class: "em-link"}, "Download this table (CSV)");
  save.addEventListener("click", () => downloadCsv(table.data, `overview-${state.experiment}`));
  // Wider than a narrow page (eleven columns): it scrolls in its own box, not the page sideways.
  out.append(el("div", {class: "em-table-scroll"}, table.element));
  if (table.data.some((d) => d.final_ci_approximate))
    out.append(
      el(
        "p",
        {class: "em-muted", "data-testid": "overview-ci-note"},
        "≈: this interval may cover less than 95% (hover it for the reason and the method: over questions, a logit-normal profile likelihood when they look over-dispersed, else design-effect Wilson; or seeds × questions when a variant has 2+ training seeds).",
      ),
    );
  out.append(save);
  return out;
}

/**
 * Variance components per compared unit (at the last coordinate when there is one) and the planner
 * (issue 26). Its own mask, rule and coordinate test, from the state alone (not the context's cell,
 * which re-runs with the page width and would reset the planner).
 */
export function overviewComponents(page: Page, state: ViewState): DocumentFragment {
  const {points} = page;
  const info = experimentInfo(page.summary, state.experiment);
  const by = state.by as FacetColumn;
  const own = selectionMask(points, state, ["judge", "model", "steps", "category", "question"]);
  const coordinate = distinctSteps(points, own).length >= 2;
  const at = coordinate ? lastStepMask(points, own, keyBy(points, [by, "judge"])) : own;
  const crows = componentsRows(variantRows(points, at, ruleOf(state), {by, facet: null, exclude: state.exclude}));
  const primary = info?.primary_questions ?? null;
  const sets = questionSetRows(points, at, primary, (m) => variantRows(points, m, ruleOf(state), {by, facet: null, exclude: state.exclude}));
  const drift = driftBanner(info);
  return fragment(
    ...(drift ? [drift] : []),
    ...(sets.length && primary ? [questionSetTable(sets, primary)] : []),
    el("h3", {}, `Where the uncertainty comes from, and what to run next`),
    el(
      "p",
      {class: "em-muted"},
      `Each ${facetLabelOf(by)}'s EM rate varies between training seeds, between questions and between answers to one question. Counted answers are those in the rule's denominator per seed and question (a mean over them), not the answers sampled: answers the rule leaves out (incoherent, unscored) do not count. Standard deviations in percentage points (method of moments on the probability scale; intervals in em summarize --components), in brackets each one's share of the variance of the rate${coordinate ? ` at the last ${info?.coordinate ?? "step"}` : ""}; the last column names what shrinks the interval most. One seed: the seed spread is unknown, not zero; two seeds: their two rates, since a spread needs three or more. The planner simulates studies from two of them and prices the judge calls of each design from the pipeline's price table; em plan does the same from the command line.`,
    ),
    componentsTable(crows),
    planner(crows),
  );
}

/**
 * Raw EM beside the human-audit corrected EM (labels imported as judge human, or this browser's).
 * ids.parquet (`idsUrl`) is read only when this browser holds labels of the experiment, and then
 * only the pages holding those ids.
 */
export async function overviewAudit(ctx: OverviewContext, imported: ImportedLabels, idsUrl: string): Promise<HTMLElement> {
  const {points, state} = ctx;
  const auditMask = selectionMask(points, state, ["model", "steps", "category", "question"]);
  const responseIds = async (ids: readonly string[]) => (await openIds(idsUrl))(ids);
  return auditBlock(points, auditMask, ctx.rule, state.exclude, {experiment: state.experiment as string, judge: state.judge, imported, responseIds});
}

/** EM along the coordinate per compared unit and judge, and a 2-D sweep's heatmaps when a second ordered key crosses it. */
export function trainingFigures(ctx: OverviewContext, width: number): DocumentFragment {
  if (!ctx.hasCoordinate) return fragment();
  const {points, state, mask, info, by, byLabel, perStep} = ctx;
  const coordinate = info?.coordinate ?? "step";
  const plan = planAxis(
    placed(perStep).map((g) => Number(g.parts[2])),
    info?.coordinate_scale,
  );
  const groups = [...new Set(perStep.map((g) => g.parts[0]!))];
  const judges = [...new Set(perStep.map((g) => g.parts[1]))];
  // One series per unit (and judge, when several): colours, dashes, labels and panels from series.ts.
  const series =
    judges.length > 1
      ? seriesSystem(
          perStep.map((g) => `${g.parts[0]} · ${g.parts[1]}`),
          (k) => k.split(" · ")[1]!,
        )
      : seriesOf(points, by, groups);
  const out = fragment(
    el("h3", {}, `EM along ${coordinate}, per ${byLabel} and judge`),
    figure(emOverTrainingChart(perStep, {width, coordinate, plan, series, color: judges.length > 1 ? undefined : groupColor(by, groups)}), {
      name: "em-over-training",
      caption: `Lines: EM rate per ${byLabel}${judges.length > 1 ? " and judge" : ""} at each ${coordinate}, drawn as measured (a rise and a collapse stay visible), over its 95% interval band (over questions: logit-normal profile likelihood or design-effect Wilson): a step inside the band of its neighbours is not evidence of a change. A ${coordinate} where no answer passes the coherent cut has no EM rate and no point.${unplaced(perStep).length ? ` Dotted lines across the chart: units measured without a ${coordinate} (base models, baselines), with their band.` : ""}${series.direct ? " Each line is named at its right end." : ""}${series.panels ? ` One panel per group (shared scales).` : ""}${plan.type === "log" ? ` Log axis (${plan.reason === "declared" ? "declared in the experiment file" : "the values span orders of magnitude"})${plan.zero ? "; 0 is drawn at the left as the base" : ""}.` : ""} Fits and onsets on the phase transition page.`,
    }),
  );
  const key = sweepKey(points, mask, by, coordinate);
  const heat = key ? sweepHeatmaps(points, mask, ctx.rule, state.exclude, key, {width, coordinate}) : null;
  if (heat && key)
    out.append(
      el("h3", {}, `${key.label} × ${coordinate}`),
      figure(heat, {
        name: "sweep-heatmap",
        caption: `A 2-D sweep: every cell pools the answers at one (${key.label}, ${coordinate}). EM "n/a": no answer passes the coherent cut there (coherence collapsed).`,
      }),
    );
  return out;
}

/** Simulated data only: the planted mixture of response types beside what the type judge measured. */
export function plantedTypesFigure(ctx: OverviewContext, width: number): DocumentFragment {
  const {points, state, info, finalStep, mask} = ctx;
  if (!info?.planted?.types?.length || finalStep === null) return fragment();
  const judge = optionsIn(points, "judge", state)[0]!;
  return fragment(
    el("h3", {}, `Planted vs measured response types at ${info.coordinate} ${finalStep}`),
    figure(plantedTypeChart(plantedTypeRows(points, mask, info.planted.types, {judge, step: finalStep}), {width, judge}), {
      name: "planted-vs-measured-types",
      caption:
        "Bars: share of each response type as labelled by the type judge (argmax); ticks: the simulator's planted share. They differ where the simulated type judge confuses types, as a real one would.",
    }),
  );
}
