// The /categories page's views: the selection's rates by category, question and compared unit
// (one pass, categoryData), each view a function of that data. Questions read as their text where
// the data has it (questions.json); ids stay the keys, in the tooltips and in the CSV.
import type {Page} from "./page.js";
import type {ViewState} from "./store.js";
import {distinctSteps, optionsIn, selectionMask} from "./selection.js";
import {checkpointText} from "./checkpoint-text.js";
import {keyBy, ruleOf, summarizeGroups, withTrainingSeeds} from "./engine.js";
import {
  averageRows,
  baselineByCategory,
  baselineCategoryChart,
  categoryBars,
  modelQuestionHeatmap,
  questionPlot,
  rowsOf,
  type QuestionText,
  type Row,
} from "./categories.js";
import {seriesOf, type SeriesSystem} from "./series.js";
import type {FacetColumn} from "./points.js";
import {facetLabelOf} from "./variant-chart.js";
import {figure} from "./figure.js";
import {downloadCsv} from "./downloads.js";
import {el} from "./ui.js";
import {questionLabel, type QuestionTexts} from "../lib/site-schema.js";

export interface CategoryData {
  page: Page;
  state: ViewState;
  /** The selected answers (the page's filters, all compared units). */
  mask: Uint8Array;
  by: FacetColumn;
  byCategory: Row[];
  byQuestion: Row[];
  averages: Row[];
  categories: string[];
  series: SeriesSystem;
  /** A question id as it reads on an axis (its text, cut to 40 characters, else the id). */
  text: QuestionText;
  /** The full text, for the CSV (empty when the data has none). */
  fullText: (id: string) => string;
}

/** The selection's rates per category, per question (with the AVERAGE row per unit) and the series system. */
export function categoryData(page: Page, state: ViewState, questions: QuestionTexts | null): CategoryData {
  const {points} = page;
  const rule = ruleOf(state);
  const mask = selectionMask(points, state, ["model", "category", "question"]);
  // The store holds any column name; the control offers facet columns only.
  const by = state.by as FacetColumn;
  const exclude = state.exclude;
  // A unit's training seeds count as in `em summarize --by category,variant` (seeds x questions with 2+ seeds).
  const seeded = (cols: FacetColumn[]) =>
    withTrainingSeeds(points, mask, rule, cols, summarizeGroups(points, mask, rule, keyBy(points, cols), {exclude}), {exclude});
  const byCategory = rowsOf(seeded(["category", by]), 0, null, 1);
  const byQuestion = rowsOf(seeded(["question_id", "category", by]), 0, 1, 2);
  const perUnit = summarizeGroups(points, mask, rule, keyBy(points, [by]), {exclude});
  return {
    page,
    state,
    mask,
    by,
    byCategory,
    byQuestion,
    averages: averageRows(perUnit),
    categories: optionsIn(points, "category", state),
    // One colour and mark per compared unit, grouped by dataset or family when there are many (series.ts).
    series: seriesOf(
      points,
      by,
      perUnit.map((g) => g.parts[0]!),
    ),
    text: (id) => questionLabel(questions, state.experiment, id, 40),
    fullText: (id) => {
      const t = questionLabel(questions, state.experiment, id, Number.POSITIVE_INFINITY);
      return t === id ? "" : t;
    },
  };
}

/** Which checkpoints the rates pool (checkpointText) for the state's experiment, as a muted line, or nothing. */
export function checkpointNote(page: Page, state: ViewState): HTMLElement | DocumentFragment {
  const text = checkpointText(
    state.steps,
    distinctSteps(page.points, selectionMask(page.points, state, ["judge", "model", "category", "question", "steps"])).length,
  );
  return text === null ? document.createDocumentFragment() : el("p", {class: "em-muted", "data-testid": "checkpoint-note"}, text);
}

/** EM per category and compared unit, or a note when the questions carry no category. */
export function categoryView(d: CategoryData, {width}: {width: number}): HTMLElement {
  if (d.categories.length === 0)
    return el(
      "p",
      {class: "em-note", "data-testid": "no-categories"},
      "These questions carry no category (the imported files name none), so there is no split by category: the per-question view below is the finest split.",
    );
  return figure(categoryBars(d.byCategory, {width, by: d.by, series: d.series}), {
    name: "em-by-category",
    caption: `EM rate per category and ${facetLabelOf(d.by)} with 95% intervals over the category's questions (logit-normal profile likelihood when they look over-dispersed, else design-effect Wilson; seeds x questions when a unit holds 2+ training seeds, as em summarize).${d.categories.length === 1 ? " A single category: it equals the overall rate." : ""}`,
  });
}

/** EM(variant) - EM(baseline) per category (per question when there are none), with Holm and BH marks. */
export function baselineView(d: CategoryData, {width}: {width: number}): HTMLElement {
  const part = d.categories.length ? "category" : "question_id";
  const rows = baselineByCategory(d.page.points, d.mask, ruleOf(d.state), d.state.exclude, part);
  if (!rows.length)
    return el(
      "p",
      {class: "em-note", "data-testid": "no-baselines"},
      "No variant of this experiment declares a baseline (`baseline:` in the experiment file, docs/importing.md), so there is no difference to show.",
    );
  const tested = rows.filter((r) => r.p !== null).length;
  const holmed = rows.filter((r) => r.p_holm !== null && r.p_holm <= 0.05).length;
  const raw = rows.filter((r) => r.p !== null && r.p <= 0.05).length;
  return figure(baselineCategoryChart(rows, {width, text: part === "question_id" ? d.text : undefined}), {
    name: "baseline-by-category",
    caption: `EM(variant) − EM(baseline) per ${part === "category" ? "category" : "question (the questions carry no category)"}, in percentage points. ${tested} comparisons in this chart: bold where the Holm-adjusted p is at most 0.05 (family-wise error over all ${tested}; ${holmed} cells), * where only the Benjamini-Hochberg-adjusted p is (false discovery rate); ${raw} cells would pass unadjusted. ≈ marks a cell whose interval is approximate (${rows.filter((r) => r.approximate).length} cells: few questions, few EM answers or heavy clustering, as em summarize --baseline notes). p-values invert the question-paired interval (Newcombe where fewer than two questions are shared); hover a cell for its interval, p-values and why it is approximate.`,
  });
}

/** Per-question dots per compared unit with the AVERAGE column, and the CSV download of the rates. */
export function questionView(d: CategoryData, {width}: {width: number}): HTMLElement {
  const fig = figure(questionPlot(d.byQuestion, d.averages, {width, by: d.by, series: d.series, text: d.text}), {
    name: "em-by-question-and-model",
    caption: `Dots: EM rate per question and ${facetLabelOf(d.by)} (compare by is chosen on the overview); lines: 95% intervals, Wilson (seeds x questions when a unit holds 2+ training seeds, as em summarize). AVERAGE: mean of per-question rates with its bootstrap interval. Questions read as their text (cut to 40 characters); hover a dot for the full question and its id.`,
  });
  const save = el("button", {type: "button", class: "em-link"}, "Download per-question rates (CSV)");
  save.addEventListener("click", () =>
    downloadCsv(
      d.byQuestion.map((r) => ({...r, question: d.fullText(r.label)})),
      "em-by-question-model",
    ),
  );
  return el("div", {}, fig, save);
}

/** Compared unit x question heatmap of EM rates (percent in each cell). */
export function heatmapView(d: CategoryData, {width}: {width: number}): HTMLElement {
  return figure(modelQuestionHeatmap(d.byQuestion, {width, text: d.text}), {name: "model-question-heatmap", caption: "Numbers are EM rates in percent."});
}
