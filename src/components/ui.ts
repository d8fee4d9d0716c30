// DOM building shared by the components: elements with text children (model output stays
// inert), the loading placeholder, a Plot chart's SVG, and the one percentage format.

/** A share (0..1) as a percentage with `digits` decimals; "–" for null, undefined and non-finite values. */
export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(digits)}%`;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  // Text children become text nodes: model output is never parsed as HTML.
  for (const c of children) node.append(c);
  return node;
}

/** A placeholder shown while something loads; tests wait until none is left on the page. */
export function loading(message = "Loading…"): HTMLElement {
  return el("div", {class: "em-loading", "data-em-loading": "", role: "status"}, message);
}

/** The main SVG of a Plot chart: the chart itself, or the last SVG child of its figure (legends come first). */
export function plotSvg(chart: Element): SVGSVGElement | null {
  if (chart.tagName.toLowerCase() === "svg") return chart as SVGSVGElement;
  const direct = chart.querySelectorAll<SVGSVGElement>(":scope > svg");
  return direct.length ? direct[direct.length - 1]! : chart.querySelector("svg");
}
