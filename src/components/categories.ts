// Category and question slices: EM per category and model, the per-question plot with the
// AVERAGE column of the reference papers, and a model x question heatmap.
import * as Plot from "@observablehq/plot";
import {interpolatePuOr, interpolateYlOrRd} from "d3";
import {benjaminiHochberg, holm} from "../lib/em/multiplicity.js";
import {baselineDiff} from "../lib/em/view-summary.js";
import type {EmRule} from "../lib/em/rules.js";
import {keyBy, summarizeGroups, type Group} from "./engine.js";
import type {Points} from "./points.js";
import {baselinesOf} from "./variant-chart.js";
import {pct} from "./ui.js";
import {groupColor, labelMargin} from "./chart-style.js";
import {colorOptions, inkOn, symbolOptions, type SeriesSystem} from "./series.js";

// Plot centres a ramp legend's end labels on its ends: margins keep "-100 pp" or "0%" whole.
// (Legend options ride on the scale; Plot's scale typings do not list them.)
const LEGEND_ROOM = {marginLeft: 24, marginRight: 24} as Record<string, unknown>;

/**
 * How a question id reads on an axis: its text when the data has it (site-schema.ts questionLabel),
 * else the id. Axes and domains stay keyed by id; tooltips show the text with the id.
 */
export type QuestionText = (id: string) => string;

/** "text [id]" when the text differs from the id, else the id. */
const withId = (text: QuestionText, id: string) => (text(id) === id ? id : `${text(id)} [${id}]`);

/** Bottom margin (px) for labels rotated by -40°: ~6.2 px a character times sin 40°, plus the tick; at least `min`. */
function rotatedRoom(labels: readonly string[], min = 110): number {
  return Math.max(min, Math.ceil(16 + 6.2 * Math.sin((40 * Math.PI) / 180) * Math.max(8, ...labels.map((l) => l.length))));
}

export interface Row {
  model: string;
  label: string;
  category: string;
  rate: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
  k: number;
}

export function rowsOf(groups: Group[], labelPart: number, categoryPart: number | null, modelPart: number): Row[] {
  return groups.map((g) => ({
    model: g.parts[modelPart]!,
    label: g.parts[labelPart]! || "none",
    category: categoryPart === null ? "" : g.parts[categoryPart]! || "none",
    rate: g.em_rate,
    lo: g.ci?.[0] ?? null,
    hi: g.ci?.[1] ?? null,
    n: g.n_scored,
    k: g.n_em,
  }));
}

/** The AVERAGE row per compared unit: the mean of its per-question rates (macro) with its interval. */
export function averageRows(groups: readonly Group[]): Row[] {
  return groups.map((g) => ({
    model: g.parts[0]!,
    label: "AVERAGE",
    category: "",
    rate: g.macro_em_rate,
    lo: g.macro_ci?.[0] ?? null,
    hi: g.macro_ci?.[1] ?? null,
    n: 0,
    k: 0,
  }));
}

/**
 * EM per category (facets) and model (colour), with intervals. With a series system (series.ts),
 * colours follow it, and from its direct-label count each bar is named on the y axis.
 */
export function categoryBars(rows: Row[], {width, by = "model", series}: {width: number; by?: string; series?: SeriesSystem}): SVGSVGElement | HTMLElement {
  const models = [...new Set(rows.map((r) => r.model))];
  const direct = series?.direct ?? false;
  const categoryMargin = labelMargin(
    rows.map((r) => r.label),
    direct ? 60 : 130,
  );
  const margin = direct ? labelMargin(models, 80) : categoryMargin;
  const rowH = direct ? 14 : 16;
  return Plot.plot({
    width: Math.max(width, margin + 240 + (direct ? categoryMargin : 0)),
    height: 60 + rowH * rows.length,
    marginLeft: margin,
    marginRight: direct ? categoryMargin : 20,
    x: {label: "EM rate →", tickFormat: "%", grid: true},
    // Many series: each bar names its series (colour alone cannot tell 24 apart), categories go right.
    y: direct ? {label: null, domain: series!.keys.filter((k) => models.includes(k)), tickSize: 0} : {label: null, axis: null},
    fy: {label: null, axis: direct ? "right" : "left"},
    // Up to 8 series keep the site-wide colours (a model keeps its colour across pages).
    color: direct ? colorOptions(series!, {legend: true}) : groupColor(by, models, {legend: true}),
    marks: [
      Plot.barX(rows, {
        fy: "label",
        y: "model",
        x: "rate",
        fill: "model",
        ariaLabel: "model",
        tip: true,
        title: (r: Row) => `${r.label} · ${r.model}: ${pct(r.rate)} (${r.k}/${r.n})`,
      }),
      Plot.ruleY(rows, {fy: "label", y: "model", x1: "lo", x2: "hi", stroke: "currentColor"}),
      Plot.ruleX([0]),
    ],
  });
}

/** Per-question EM with intervals, one dot per model, and the AVERAGE (macro) column last. */
export function questionPlot(
  rows: Row[],
  averages: Row[],
  {width, by = "model", series, text = (id) => id}: {width: number; by?: string; series?: SeriesSystem; text?: QuestionText},
): SVGSVGElement | HTMLElement {
  const present = new Set(rows.map((r) => r.model));
  // In the system's order (grouped series side by side), else as they come.
  const models = series ? series.keys.filter((k) => present.has(k)) : [...present];
  // Many series: a symbol per series within its group, so shade and symbol tell members apart.
  const symbols = series?.direct;
  const order = [...new Set(rows.sort((a, b) => a.category.localeCompare(b.category) || a.label.localeCompare(b.label)).map((r) => r.label)), "AVERAGE"];
  const all = [...rows, ...averages.map((a) => ({...a, label: "AVERAGE"}))];
  const bottom = rotatedRoom(order.map(text));
  // The first column's label, rotated -40°, reaches left of its column by ~cos 40° x its width.
  const left = Math.max(50, Math.ceil(6.2 * Math.cos((40 * Math.PI) / 180) * text(order[0] ?? "").length) - 10);
  return Plot.plot({
    width: Math.max(width, 400),
    height: 260 + bottom,
    marginBottom: bottom,
    marginLeft: left,
    fx: {domain: order, label: null, tickRotate: -40, padding: 0.1, tickFormat: text},
    x: {domain: models, axis: null, padding: 0.3},
    y: {label: "↑ EM rate", tickFormat: "%", grid: true},
    color: symbols ? colorOptions(series, {legend: false}) : groupColor(by, models, {legend: true}),
    ...(symbols ? {symbol: {...symbolOptions(series), legend: true}} : {}),
    marks: [
      Plot.ruleX(all, {fx: "label", x: "model", y1: "lo", y2: "hi", stroke: "model", strokeOpacity: 0.6}),
      Plot.dot(all, {
        fx: "label",
        x: "model",
        y: "rate",
        fill: "model",
        ...(symbols ? {symbol: "model"} : {}),
        ariaLabel: "model",
        r: 3.5,
        tip: true,
        title: (r: Row) => `${withId(text, r.label)} · ${r.model}: ${pct(r.rate)}${r.n ? ` (${r.k}/${r.n})` : ""}`,
      }),
      Plot.ruleY([0]),
    ],
  });
}

/** Model x question heatmap of EM rates. */
export function modelQuestionHeatmap(rows: Row[], {width, text = (id) => id}: {width: number; text?: QuestionText}): SVGSVGElement | HTMLElement {
  // Rows without a rate (no answer passed the coherent cut) draw nothing, not a 0.
  const questions = [...new Set(rows.sort((a, b) => a.category.localeCompare(b.category) || a.label.localeCompare(b.label)).map((r) => r.label))];
  const models = [...new Set(rows.map((r) => r.model))];
  // Room for the unit names, and for the first question's text, rotated -40°, reaching left of its column.
  const margin = Math.max(labelMargin(models, 120), Math.ceil(6.2 * Math.cos((40 * Math.PI) / 180) * text(questions[0] ?? "").length) - 10);
  // The colour domain is fixed here so each label's ink can be chosen against its own cell.
  const max = Math.max(1e-9, ...rows.map((r) => r.rate ?? 0));
  const cell = (r: Row) => interpolateYlOrRd((r.rate ?? 0) / max);
  const bottom = rotatedRoom(questions.map(text));
  return Plot.plot({
    width: Math.max(width, margin + 40 + 12 * questions.length),
    height: 60 + 24 * models.length + bottom,
    marginLeft: margin,
    marginBottom: bottom,
    x: {domain: questions, label: null, tickRotate: -40, tickFormat: text},
    y: {domain: models, label: null},
    color: {scheme: "YlOrRd", domain: [0, max], label: "EM rate", legend: true, tickFormat: "%", unknown: "#e8e8e8", ...LEGEND_ROOM},
    marks: [
      Plot.cell(rows, {
        x: "label",
        y: "model",
        fill: "rate",
        tip: true,
        title: (r: Row) => `${r.model} · ${withId(text, r.label)} (${r.category}): ${pct(r.rate)} (${r.k}/${r.n})`,
      }),
      Plot.text(rows, {
        x: "label",
        y: "model",
        text: (r: Row) => (r.rate === null ? "" : Math.round(r.rate * 100).toString()),
        fontSize: 9,
        fill: (r: Row) => inkOn(cell(r)),
      }),
    ],
  });
}

/** One variant's EM minus its baseline's in one category (or question). */
export interface BaselineCategoryRow {
  variant: string;
  baseline: string;
  category: string;
  diff: number;
  lo: number | null;
  hi: number | null;
  method: string;
  paired: number;
  /** Why the interval is approximate (pairedTallyDiff's note, as `em summarize --baseline` prints it), or null: the cell reads "≈". */
  approximate: string | null;
  /** Two-sided p of no difference (the interval inverted), and Holm / Benjamini-Hochberg adjusted over every cell of the chart. */
  p: number | null;
  p_holm: number | null;
  p_bh: number | null;
}

/**
 * Per variant with a baseline and per category (`part` = "category", or "question_id" when the
 * questions carry none): EM(variant) - EM(baseline) on the same slice, with the library's
 * question-paired interval (pairedTallyDiff, as `em summarize --baseline --by variant,category`).
 */
export function baselineByCategory(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  part: "category" | "question_id",
): BaselineCategoryRow[] {
  const baselines = baselinesOf(points, mask);
  if (!baselines.size) return [];
  const groups = new Map(summarizeGroups(points, mask, rule, keyBy(points, ["variant", part]), {exclude}).map((g) => [g.id, g]));
  const out: BaselineCategoryRow[] = [];
  let seed = 0;
  for (const g of groups.values()) {
    const [variant, category] = [g.parts[0]!, g.parts[1]!];
    const base = baselines.get(variant);
    const bg = base ? groups.get(`${base}\u0001${category}`) : undefined;
    if (!base || !bg) continue;
    const d = baselineDiff(g, bg, {seed: seed++});
    if (d)
      out.push({
        variant,
        baseline: base,
        category: category || "none",
        diff: d.diff,
        lo: d.ci?.[0] ?? null,
        hi: d.ci?.[1] ?? null,
        method: d.method,
        paired: d.n_questions_paired,
        approximate: d.approximate,
        p: d.p_value,
        p_holm: null,
        p_bh: null,
      });
  }
  // The chart's cells are one family: adjust over all of them.
  const ph = holm(out.map((r) => r.p));
  const pb = benjaminiHochberg(out.map((r) => r.p));
  out.forEach((r, i) => {
    r.p_holm = ph[i]!;
    r.p_bh = pb[i]!;
  });
  return out;
}

/**
 * Variant x category (or question) heatmap of the difference, diverging around 0; each cell reads
 * "+12" (percentage points), bold where the Holm-adjusted p (over every cell) is at most 0.05,
 * with a "*" where only the Benjamini-Hochberg-adjusted p is and "≈" where the interval is
 * approximate (as the tables mark rates); the tip gives the interval, the raw and adjusted p-values
 * and why the interval is approximate.
 */
export function baselineCategoryChart(
  rows: BaselineCategoryRow[],
  {width, text = (id) => id}: {width: number; text?: QuestionText},
): SVGSVGElement | HTMLElement {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const cats = [...new Set(rows.map((r) => r.category))];
  const max = Math.max(0.05, ...rows.map((r) => Math.abs(r.diff)));
  // The reversed PuOr ramp over [-max, max], as Plot draws it: each label's ink is chosen against its cell.
  const cell = (r: BaselineCategoryRow) => interpolatePuOr(1 - (r.diff + max) / (2 * max));
  // Room for the longest rotated (-40°) column label: ~6.2 px a character times sin 40°, plus the tick.
  const bottom = rotatedRoom(cats.map(text), 0);
  const sure = (r: BaselineCategoryRow) => r.p_holm !== null && r.p_holm <= 0.05;
  const fdr = (r: BaselineCategoryRow) => !sure(r) && r.p_bh !== null && r.p_bh <= 0.05;
  const pText = (p: number | null) => (p === null ? "–" : p < 0.001 ? "<0.001" : p.toFixed(3));
  return Plot.plot({
    // A cell of "+44≈" needs ~44 px; "+44" ~34.
    width: Math.max(width, 120 + (rows.some((r) => r.approximate) ? 44 : 34) * cats.length),
    height: bottom + 30 + 22 * variants.length,
    marginLeft: labelMargin(variants),
    marginBottom: bottom,
    x: {label: null, domain: cats, tickRotate: -40, tickFormat: text},
    y: {label: null, domain: variants},
    color: {
      type: "diverging",
      scheme: "PuOr",
      reverse: true,
      domain: [-max, max],
      label: "EM(variant) − EM(baseline)",
      legend: true,
      ...LEGEND_ROOM,
      tickFormat: (d: number) => `${Math.round(d * 100)} pp`,
    },
    marks: [
      Plot.cell(rows, {
        x: "category",
        y: "variant",
        fill: "diff",
        inset: 0.5,
        tip: true,
        title: (r: BaselineCategoryRow) =>
          `${r.variant} − ${r.baseline}, ${withId(text, r.category)}: ${pct(r.diff)} (95% CI ${r.lo === null ? "–" : pct(r.lo)} to ${r.hi === null ? "–" : pct(r.hi)}; ${r.method === "newcombe" ? "unpaired" : `paired over ${r.paired} questions`})\np ${pText(r.p)}, Holm ${pText(r.p_holm)}, BH ${pText(r.p_bh)} (${rows.length} comparisons)${r.approximate ? `\n≈ approximate interval: ${r.approximate}` : ""}`,
      }),
      // Plot's fontWeight is a constant, not a channel: one text mark per weight.
      ...([true, false] as const).map((bold) =>
        Plot.text(
          rows.filter((r) => sure(r) === bold),
          {
            x: "category",
            y: "variant",
            text: (r: BaselineCategoryRow) => `${r.diff >= 0 ? "+" : ""}${Math.round(r.diff * 100)}${fdr(r) ? "*" : ""}${r.approximate ? "≈" : ""}`,
            fontWeight: bold ? "bold" : "normal",
            fontSize: 10,
            fill: (r: BaselineCategoryRow) => inkOn(cell(r)),
          },
        ),
      ),
    ],
  });
}
