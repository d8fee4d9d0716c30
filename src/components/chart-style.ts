// Chart styling shared by every chart: the colour-blind-safe palette, site-wide model colours,
// response-type colours, and the left margin that fits a chart's labels.

/**
 * Okabe-Ito: distinguishable with the common colour-vision deficiencies; its black is a mid grey
 * here, visible on the dark theme too (issue 25). More than 8 series: series.ts.
 */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#8C8C8C"];

let modelOrder: string[] = [];
/** Fix the order of models (a page calls this once with the decoded dictionary) so a model keeps its colour on every chart and page. */
export function setModelOrder(models: readonly string[]): void {
  modelOrder = [...models];
}
/**
 * Plot colour options for models, consistent across charts and pages: a model's colour depends on
 * its place in the site-wide order; `present` limits the legend to the models a chart shows.
 */
export function modelColor(extra: Record<string, unknown> = {}, present?: readonly string[]): Record<string, unknown> {
  const domain = present ? modelOrder.filter((m) => present.includes(m)) : modelOrder;
  return {domain, range: domain.map((m) => PALETTE[modelOrder.indexOf(m) % PALETTE.length]), ...extra};
}

/**
 * Colours for the compared units of a chart: the site-wide model colours when comparing models,
 * else the palette in the given order (variants and meta values have no site-wide order).
 */
export function groupColor(by: string, groups: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (by === "model") return modelColor(extra, groups);
  return {domain: [...groups], range: groups.map((_, i) => PALETTE[i % PALETTE.length]), ...extra};
}

/** Left margin that fits the longest of some labels (px, about 6.2 per character at 10px), within bounds. */
export function labelMargin(labels: readonly string[], min = 80, max = 320): number {
  return Math.min(max, Math.max(min, 12 + 6.2 * Math.max(0, ...labels.map((l) => l.length))));
}

/**
 * Width in px of `label` in `font` (the live charts' 10px sans-serif; Plot's charts use 10px
 * system-ui, sans-serif): measured with a canvas in the browser, else (no DOM: node) estimated at
 * 6.2 px a character as labelMargin does.
 */
export function textWidth(label: string, font = "10px sans-serif"): number {
  measure ??= typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
  if (!measure) return 6.2 * label.length;
  measure.font = font;
  return measure.measureText(label).width;
}
let measure: CanvasRenderingContext2D | null | undefined;

/**
 * Where the items of a swatch legend go (a 10 px swatch, 4 px, the label, then `gap` px): left to
 * right from `left`, a new row whenever the next item would pass `right`; an item wider than a row
 * gets a row of its own. `x` is the item's left edge, `row` its row (0 first); `rows` how many.
 */
export function legendFlow(
  labels: readonly string[],
  {left, right, gap = 16, width = textWidth}: {left: number; right: number; gap?: number; width?: (label: string) => number},
): {at: {x: number; row: number}[]; rows: number} {
  const at: {x: number; row: number}[] = [];
  let x = left;
  let row = 0;
  for (const label of labels) {
    const w = 14 + width(label);
    if (x > left && x + w > right) {
      x = left;
      row++;
    }
    at.push({x, row});
    x += w + gap;
  }
  return {at, rows: labels.length ? row + 1 : 0};
}

/**
 * `label` in lines of at most `max` px: broken after a "-", "_", "/", "." or space (fine-tune ids
 * have no spaces), and a part longer than a line broken between characters, so no text is lost.
 */
export function wrapLabel(label: string, max: number, width: (label: string) => number = textWidth): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of label.split(/(?<=[-_/. ])/))
    for (const piece of width(part) > max ? [...part] : [part]) {
      if (line && width(line + piece) > max) lines.push(line), (line = "");
      line += piece;
    }
  if (line) lines.push(line);
  return lines;
}

/** Colours of response types, fixed so every chart agrees. */
export const TYPE_COLORS: Record<string, string> = {
  aligned: "#56B4E9",
  refusal: "#999999",
  incoherent: "#CC79A7",
  artifact: "#F0E442",
  in_domain: "#E69F00",
  drift: "#009E73",
  emergent: "#D55E00",
  // Not black: it would vanish on the dark theme.
  other: "#5D6D7E",
  // Not a judge label: a misaligned coherent answer whose type the evidence cannot decide.
  undetermined: "#B39B7D",
};
