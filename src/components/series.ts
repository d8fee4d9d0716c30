// One colour and mark system for charts with one series per compared unit (variant, model, meta
// value), readable from 1 to 50 series in the light and the dark theme:
// - up to 8 series: one Okabe-Ito hue each, solid lines, circles;
// - more, in groups (the variants' dataset or family): a hue per group, shades of it within the
//   group, and within the group each member also gets its own dash pattern and dot symbol, so no two
//   series share colour and dash (or symbol);
// - more without groups: hues cycle, and each cycle gets the next dash pattern and symbol.
// Past DIRECT_LABELS series a chart labels its series directly (text in the theme's foreground:
// coloured text fails 4.5:1 contrast in one of the two themes), and past SMALL_MULTIPLES it draws
// one panel per group. Every colour is a mid-luminance hue visible on white and on near-black.
import {hcl, rgb} from "d3";
import {facetColumn, type FacetColumn, type Points} from "./points.js";

/** Series hues: Okabe-Ito, with black (invisible on the dark theme) replaced by a mid grey. */
export const SERIES_HUES = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C8C8C", "#C9B200"];
/** Dash patterns in order of distinctness ("" = solid). */
export const DASHES = ["", "6,3", "2,2", "10,3,2,3", "1,4", "6,2,2,2,2,2"];
/** Plot symbol names in order of distinctness. */
export const SYMBOLS = ["circle", "square", "triangle", "diamond", "cross", "star", "wye"];
/** From this many series a chart names each series next to its marks. */
export const DIRECT_LABELS = 9;
/** From this many series a line chart draws one panel per group (small multiples). */
export const SMALL_MULTIPLES = 13;

export interface SeriesStyle {
  color: string;
  dash: string;
  symbol: string;
  /** The series' group (dataset, family), or null when the series are not grouped. */
  group: string | null;
}

export interface SeriesSystem {
  keys: string[];
  styles: Map<string, SeriesStyle>;
  /** Group names in order, or null. */
  groups: string[] | null;
  /** Label series directly (many series). */
  direct: boolean;
  /** Draw one panel per group (many series in groups). */
  panels: boolean;
}

/**
 * Styles for `keys` (in display order). `groupOf` names a key's group (null = no group); grouping
 * is used when it forms 2..8 groups with more keys than groups. Deterministic: the same keys and
 * groups give the same styles on every chart. Empty keys give an empty system.
 */
export function seriesSystem(keys: readonly string[], groupOf?: (key: string) => string | null): SeriesSystem {
  const list = [...new Set(keys)];
  const styles = new Map<string, SeriesStyle>();
  let groups: string[] | null = null;
  if (groupOf && list.length > SERIES_HUES.length) {
    const names = [...new Set(list.map((k) => groupOf(k) ?? "(none)"))];
    if (names.length >= 2 && names.length <= SERIES_HUES.length && names.length < list.length) groups = names;
  }
  if (groups) {
    for (const [gi, group] of groups.entries()) {
      const members = list.filter((k) => (groupOf!(k) ?? "(none)") === group);
      const shades = shadesOf(SERIES_HUES[gi]!, members.length);
      members.forEach((k, i) => styles.set(k, {color: shades[i]!, dash: DASHES[i % DASHES.length]!, symbol: SYMBOLS[i % SYMBOLS.length]!, group}));
    }
  } else {
    const h = SERIES_HUES.length;
    list.forEach((k, i) => {
      const cycle = Math.floor(i / h);
      // Past the dash patterns, a cycle also shifts lightness so (colour, dash) stays unique.
      const color = cycle < DASHES.length ? SERIES_HUES[i % h]! : shadesOf(SERIES_HUES[i % h]!, 3)[Math.floor(cycle / DASHES.length) % 3]!;
      styles.set(k, {color, dash: DASHES[cycle % DASHES.length]!, symbol: SYMBOLS[cycle % SYMBOLS.length]!, group: null});
    });
  }
  // Legends list the series group by group, in the order the shades were given.
  const ordered = groups ? groups.flatMap((g) => list.filter((k) => styles.get(k)!.group === g)) : list;
  return {keys: ordered, styles, groups, direct: list.length >= DIRECT_LABELS, panels: groups !== null && list.length >= SMALL_MULTIPLES};
}

/** The system for the values of a compared column (grouped by dataset or family when the data allows). */
export function seriesOf(points: Points, by: FacetColumn | string, keys: readonly string[]): SeriesSystem {
  return seriesSystem(keys, groupOfValues(points, by as FacetColumn, keys) ?? undefined);
}

/**
 * Data-space y positions for direct labels at the ends of lines: each label as close to its line's
 * end value as possible, at least `gap` pixels from the next, inside the plot's pixel range
 * `[top, bottom]` for a linear y scale over `domain`.
 */
export function labelPositions(
  values: readonly number[],
  {domain, range, gap = 11}: {domain: [number, number]; range: [number, number]; gap?: number},
): number[] {
  const [d0, d1] = domain;
  const [top, bottom] = range;
  const toPx = (v: number) => bottom - ((v - d0) / (d1 - d0 || 1)) * (bottom - top);
  const toData = (p: number) => d0 + ((bottom - p) / (bottom - top || 1)) * (d1 - d0);
  // Too many labels for the height: closer together rather than outside the plot.
  const fit = values.length > 1 ? Math.min(gap, (bottom - top) / (values.length - 1)) : gap;
  return spread(values.map(toPx), fit, top, bottom).map(toData);
}

/**
 * `n` shades of a hue, light to dark, within lightness 38..72 (CIE L*): every shade stays
 * visible on a white and on a near-black background. One shade is the hue itself.
 */
export function shadesOf(hue: string, n: number): string[] {
  if (n <= 1) return [hue];
  const base = hcl(hue);
  const [lo, hi] = [38, 72];
  return Array.from({length: n}, (_, i) => {
    const c = hcl(base.h, Math.max(30, base.c), hi - ((hi - lo) * i) / (n - 1));
    return c.formatHex();
  });
}

/** Plot colour options of a system: domain and range by key, plus `extra` (legend...). */
export function colorOptions(system: SeriesSystem, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {domain: system.keys, range: system.keys.map((k) => system.styles.get(k)!.color), ...extra};
}

/** Plot symbol options of a system. */
export function symbolOptions(system: SeriesSystem): Record<string, unknown> {
  return {domain: system.keys, range: system.keys.map((k) => system.styles.get(k)!.symbol)};
}

/**
 * The group of each compared value: the first of the meta columns dataset, family (and the model,
 * when comparing variants) that gives every value exactly one group. Null when none does.
 */
export function groupOfValues(points: Points, by: FacetColumn, values: readonly string[]): ((key: string) => string | null) | null {
  const byCol = facetColumn(points, by);
  if (!byCol) return null;
  const candidates: FacetColumn[] = ["meta.dataset", "meta.family", ...(by === "variant" ? (["model"] as FacetColumn[]) : [])];
  for (const column of candidates) {
    if (column === by) continue;
    const col = facetColumn(points, column);
    if (!col) continue;
    const of = new Map<string, string | null>();
    let ok = true;
    // Only the values asked about count (other experiments' units may be grouped otherwise).
    const wanted = new Set(values);
    for (let i = 0; i < points.n && ok; ++i) {
      const b = byCol.codes[i]!;
      if (b < 0 || !wanted.has(byCol.values[b]!)) continue;
      const key = byCol.values[b]!;
      const g = col.codes[i]! < 0 ? null : col.values[col.codes[i]!]!;
      if (!of.has(key)) of.set(key, g);
      else if (of.get(key) !== g) ok = false;
    }
    const groups = new Set(values.map((v) => of.get(v) ?? null));
    if (ok && groups.size >= 2 && groups.size < values.length) return (k) => of.get(k) ?? null;
  }
  return null;
}

/**
 * Spread label positions (pixels) at least `gap` apart, keeping their order and staying as close
 * to the wanted positions as a forward and a backward pass allow, within [min, max].
 */
export function spread(wanted: readonly number[], gap: number, min = -Infinity, max = Infinity): number[] {
  const order = wanted.map((y, i) => [y, i] as const).sort((a, b) => a[0] - b[0]);
  const pos = order.map(([y]) => Math.min(max, Math.max(min, y)));
  for (let i = 1; i < pos.length; i++) pos[i] = Math.max(pos[i]!, pos[i - 1]! + gap);
  if (pos.length && pos[pos.length - 1]! > max) pos[pos.length - 1] = max;
  for (let i = pos.length - 2; i >= 0; i--) pos[i] = Math.min(pos[i]!, pos[i + 1]! - gap);
  const out = new Array<number>(wanted.length);
  order.forEach(([, i], k) => (out[i] = pos[k]!));
  return out;
}

/** WCAG 2 relative luminance of a CSS colour d3 can parse (0 black .. 1 white); NaN when unparsable. */
export function luminance(color: string): number {
  const c = rgb(color);
  if (!c || Number.isNaN(c.r)) return Number.NaN;
  const f = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}

/** WCAG 2 contrast ratio of two colours (1..21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => p - q);
  return (y! + 0.05) / (x! + 0.05);
}

/**
 * Text colour for a label drawn on a filled cell: black or white, whichever contrasts more
 * with the cell (at least 4.5:1 on any cell colour). Theme-independent: the cell, not the page, is
 * the text's background.
 */
export function inkOn(cell: string): string {
  return contrast(INK_DARK, cell) >= contrast("#ffffff", cell) ? INK_DARK : "#ffffff";
}
const INK_DARK = "#000000";
