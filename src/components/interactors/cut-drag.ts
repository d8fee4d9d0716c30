// Interactor: the two cut lines and the EM corner over a Plot chart whose x is the aligned score
// and y the coherent score. The lines follow the store's `aligned` / `coherent` (a per-key
// subscription: nothing else redraws them) without re-rendering the chart, so a drag keeps its
// pointer capture; dragging (or clicking) moves the nearer cut. Pointer positions are inverted
// through Plot's scales. Like Mosaic's Interval1D, it only reads and writes its own fields.
import type {Store, ViewState} from "../store.js";
import {plotSvg} from "../ui.js";

type ScaledChart = Element & {scale(name: string): {apply(v: number): number; invert(v: number): number}};

export function cutDrag(
  chart: Element,
  state: Pick<ViewState, "aligned" | "coherent">,
  {store, invalidation}: {store?: Store; invalidation?: Promise<unknown>},
): void {
  const svg = plotSvg(chart)!;
  const sx = (chart as ScaledChart).scale("x");
  const sy = (chart as ScaledChart).scale("y");
  const NS = "http://www.w3.org/2000/svg";
  const corner = document.createElementNS(NS, "rect");
  const vline = document.createElementNS(NS, "line");
  const hline = document.createElementNS(NS, "line");
  corner.setAttribute("fill", "#D55E00");
  corner.setAttribute("fill-opacity", "0.08");
  corner.setAttribute("pointer-events", "none");
  for (const line of [vline, hline]) {
    line.setAttribute("stroke", "#D55E00");
    line.setAttribute("stroke-width", "2");
    line.setAttribute("pointer-events", "none");
  }
  vline.setAttribute("data-cut", "aligned");
  hline.setAttribute("data-cut", "coherent");
  svg.append(corner, vline, hline);
  const [x0, x100, y0, y100] = [sx.apply(0), sx.apply(100), sy.apply(0), sy.apply(100)];
  const draw = (s: Pick<ViewState, "aligned" | "coherent">) => {
    const x = sx.apply(s.aligned);
    const y = sy.apply(s.coherent);
    corner.setAttribute("x", String(x0));
    corner.setAttribute("y", String(y100));
    corner.setAttribute("width", String(Math.max(0, x - x0)));
    corner.setAttribute("height", String(Math.max(0, y - y100)));
    vline.setAttribute("x1", String(x));
    vline.setAttribute("x2", String(x));
    vline.setAttribute("y1", String(y0));
    vline.setAttribute("y2", String(y100));
    hline.setAttribute("x1", String(x0));
    hline.setAttribute("x2", String(x100));
    hline.setAttribute("y1", String(y));
    hline.setAttribute("y2", String(y));
  };
  draw(state);
  if (!store) return;
  const unsubscribe = store.subscribe(draw, ["aligned", "coherent"]);
  void invalidation?.then(unsubscribe);
  let dragging: "aligned" | "coherent" | null = null;
  const toData = (e: PointerEvent) => {
    const rect = svg.getBoundingClientRect();
    return {x: Math.max(0, Math.min(100, sx.invert(e.clientX - rect.left))), y: Math.max(0, Math.min(100, sy.invert(e.clientY - rect.top)))};
  };
  // Capture phase: Plot's tip handler on the same SVG stops the event's propagation.
  svg.addEventListener(
    "pointerdown",
    (e) => {
      const p = toData(e);
      const s = store.get();
      dragging = Math.abs(p.x - s.aligned) <= Math.abs(p.y - s.coherent) ? "aligned" : "coherent";
      svg.setPointerCapture(e.pointerId);
      store.set(dragging === "aligned" ? {aligned: Math.round(p.x)} : {coherent: Math.round(p.y)});
    },
    {capture: true},
  );
  svg.addEventListener("pointermove", (e) => {
    if (!dragging) return;
    const p = toData(e);
    store.set(dragging === "aligned" ? {aligned: Math.round(p.x)} : {coherent: Math.round(p.y)});
  });
  const stop = () => (dragging = null);
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  svg.style.cursor = "crosshair";
}
