// A chart as a figure: the chart, its caption and SVG / PNG download buttons.
import {downloadPng, downloadSvg} from "./downloads.js";
import {el} from "./ui.js";

/** A chart with a caption and SVG / PNG download buttons. */
export function figure(chart: Element, {name, caption}: {name: string; caption?: string}): HTMLElement {
  const svgButton = el("button", {type: "button", class: "em-link", "aria-label": `Download ${name} as SVG`}, "SVG");
  const pngButton = el("button", {type: "button", class: "em-link", "aria-label": `Download ${name} as PNG`}, "PNG");
  // A live wrapper (data-em-live) swaps its chart when the selection changes: resolve it at click time.
  const target = () => (chart.hasAttribute("data-em-live") ? (chart.firstElementChild ?? chart) : chart);
  svgButton.addEventListener("click", () => downloadSvg(target(), name));
  pngButton.addEventListener("click", () => void downloadPng(target(), name));
  const tools = el("div", {class: "em-figure-tools"}, "Download ", svgButton, " ", pngButton);
  const fig = el("figure", {class: "em-figure", "data-chart": name}, chart);
  if (caption) fig.append(el("figcaption", {}, caption));
  fig.append(tools);
  return fig;
}
