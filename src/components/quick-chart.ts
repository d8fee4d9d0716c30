// The automatic chart of a /sql query result: what it draws (quickChartSpec, no DOM) and the
// drawing (quickChart). A result it cannot draw gets a sentence saying why, never a chart with
// collapsed scales or negative geometry.
import * as Plot from "@observablehq/plot";
import {el} from "./ui.js";

type Row = Record<string, unknown>;

/** Column names read as a training coordinate. */
const COORDINATE = /^(step|epoch|scale|lora_scale|coordinate|checkpoint|x)$/i;
/** Room for the bar labels (px) and Plot's right margin. */
const BAR_MARGIN_LEFT = 160;
const BAR_MARGIN_RIGHT = 20;
/** Plot's default margins of a line chart with a y axis on the left (px). */
const LINE_MARGINS = 40 + 20;
/** The narrowest plot area (px, inside the margins) a chart is drawn in. */
export const MIN_PLOT_WIDTH = 100;

export type QuickChartSpec =
  | {kind: "line"; width: number; x: string; y: string; series: string | undefined}
  | {kind: "bars"; width: number; height: number; x: string; label: string; fill: string | undefined; rows: Row[]; domain: [number, number] | undefined}
  | {kind: "none"; reason: string};

/**
 * What the chart of a query result draws, at `width` px. With a coordinate column (step, epoch,
 * scale...) holding at least two distinct values and another number column: a line per first text
 * column. Otherwise: bars of the first rate-like number column (else the last number column) by the
 * first text column (the first 80 rows with a value), coloured by the second text column when there
 * is one (bars of a label stack), on Plot's axis, or from 0 to 1 when every value is 0 (Plot would
 * collapse the scale and draw each bar across the whole plot). Columns that are all NULL
 * count as neither (a coordinate column of an experiment without steps draws no empty axis).
 * `none` with the reason, as a sentence, when the result has nothing to draw (no rows, no label or
 * number column, only NULLs) or the plot area inside the margins would be under MIN_PLOT_WIDTH px.
 */
export function quickChartSpec(rows: readonly Row[], {width}: {width: number}): QuickChartSpec {
  if (!rows.length) return {kind: "none", reason: "No chart: the query returned no rows."};
  const columns = Object.keys(rows[0]!);
  const empty = (c: string) => rows.every((r) => r[c] === null || r[c] === undefined);
  const numeric = columns.filter((c) => !empty(c) && rows.every((r) => r[c] === null || typeof r[c] === "number"));
  const text = columns.filter((c) => !empty(c) && !numeric.includes(c));
  const coordinate = numeric.find((c) => COORDINATE.test(c));
  const distinct = coordinate ? new Set(rows.map((r) => r[coordinate]).filter((v) => v !== null)).size : 0;
  const tooNarrow = (margins: number) =>
    ({
      kind: "none",
      reason: `No chart: ${Math.max(0, Math.floor(width))} px is too narrow to draw it (it needs ${margins + MIN_PLOT_WIDTH} px); widen the window.`,
    }) as const;
  if (coordinate && distinct >= 2) {
    const y = [...numeric].reverse().find((c) => c !== coordinate);
    if (!y) return {kind: "none", reason: `No chart: the result has a coordinate (${coordinate}) but no other number column to draw along it.`};
    if (!(width - LINE_MARGINS >= MIN_PLOT_WIDTH)) return tooNarrow(LINE_MARGINS);
    return {kind: "line", width, x: coordinate, y, series: text[0]};
  }
  // No usable coordinate: it is not a measure either.
  const measures = numeric.filter((c) => !COORDINATE.test(c));
  const x = measures.find((c) => /rate|share|mean|avg|pearson|corr/i.test(c)) ?? measures.at(-1);
  const label = text[0];
  if (!x || !label)
    return {
      kind: "none",
      reason: `No chart: bars need a text column to label them and a number column to draw${!x && !label ? "; this result has neither" : !x ? `; this result has no number column${coordinate ? ` besides the coordinate ${coordinate}` : ""}` : "; this result has no text column"}.`,
    };
  const shown = rows.slice(0, 80).filter((r) => r[x] !== null);
  if (!shown.length) return {kind: "none", reason: `No chart: every value of ${x} in the first 80 rows is NULL.`};
  if (!(width - BAR_MARGIN_LEFT - BAR_MARGIN_RIGHT >= MIN_PLOT_WIDTH)) return tooNarrow(BAR_MARGIN_LEFT + BAR_MARGIN_RIGHT);
  const labels = new Set(shown.map((r) => r[label])).size;
  return {kind: "bars", width, height: 50 + 20 * labels, x, label, fill: text[1], rows: shown, domain: shown.every((r) => r[x] === 0) ? [0, 1] : undefined};
}

/** The chart of a query result as its spec says (quickChartSpec on the same rows), or for none the sentence saying why. */
export function quickChart(rows: readonly Row[], spec: QuickChartSpec): SVGElement | HTMLElement {
  if (spec.kind === "none") return el("p", {class: "em-muted", "data-testid": "query-chart-none"}, spec.reason);
  if (spec.kind === "line") {
    const {x, y, series} = spec;
    return Plot.plot({
      width: spec.width,
      grid: true,
      color: series ? {legend: true} : undefined,
      marks: [Plot.line(rows, {x, y, stroke: series, sort: x}), Plot.dot(rows, {x, y, fill: series, r: 2.5, tip: true})],
    });
  }
  const {x, label, fill} = spec;
  return Plot.plot({
    width: spec.width,
    marginLeft: BAR_MARGIN_LEFT,
    marginRight: BAR_MARGIN_RIGHT,
    height: spec.height,
    x: spec.domain ? {domain: spec.domain} : undefined,
    color: fill ? {legend: true} : undefined,
    marks: [Plot.barX(spec.rows, {y: label, x, fill: fill ?? "#0072B2", tip: true, sort: fill ? undefined : {y: "-x"}}), Plot.ruleX([0])],
  });
}
