// DOM building shared by the components: elements with text children (model output stays
// inert), text and attributes written only when they change, the loading placeholder, a Plot
// chart's SVG, and the one percentage format.

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

/**
 * Show `value` as the text of `el` (an element holding text only; inert, as `el`'s text children),
 * writing nothing when it already shows it, else the data of its one text node. Assigning
 * textContent replaces that node even with the same text: the old text leaves layout and the new
 * one is shaped and laid out again (a trace of a threshold change on /sensitivity: the headline's
 * labels, rewritten unchanged on every change, were most of the text the change laid out).
 */
export function setText(el: Element, value: string): void {
  const node = el.firstChild;
  if (node !== null && node.nodeType === 3 && node.nextSibling === null) {
    if ((node as Text).data !== value) (node as Text).data = value;
  } else if (value !== "" || node !== null) el.textContent = value;
}

/** Set attribute `name` of `el` to `value` unless it has that value already (no mutation, no style invalidation). */
export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
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
