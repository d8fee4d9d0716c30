// Downloads: a chart as SVG or PNG, rows as CSV, bytes as a file.
import {el, plotSvg} from "./ui.js";

function save(blob: Blob, filename: string): void {
  const a = el("a", {href: URL.createObjectURL(blob), download: filename});
  a.dataset.keepHref = "";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const svgOf = plotSvg;

function serialiseSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  const style = getComputedStyle(svg);
  clone.style.background = style.getPropertyValue("--theme-background") || "white";
  return new XMLSerializer().serializeToString(clone);
}

export function downloadSvg(chart: Element, name: string): void {
  const svg = svgOf(chart);
  if (svg) save(new Blob([serialiseSvg(svg)], {type: "image/svg+xml"}), `${name}.svg`);
}

export async function downloadPng(chart: Element, name: string, scale = 2): Promise<void> {
  const svg = svgOf(chart);
  if (!svg) return;
  const {width, height} = svg.getBoundingClientRect();
  const image = new Image();
  image.src = URL.createObjectURL(new Blob([serialiseSvg(svg)], {type: "image/svg+xml"}));
  await image.decode();
  const canvas = el("canvas", {width: String(Math.ceil(width * scale)), height: String(Math.ceil(height * scale))});
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  URL.revokeObjectURL(image.src);
  const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, "image/png"));
  if (blob) save(blob, `${name}.png`);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV of row objects (columns from the first row unless given). */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? (rows.length ? Object.keys(rows[0]!) : []);
  return [cols.join(","), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(","))].join("\r\n") + "\r\n";
}

export function downloadCsv(rows: readonly Record<string, unknown>[], name: string, columns?: string[]): void {
  save(new Blob([toCsv(rows, columns)], {type: "text/csv"}), `${name}.csv`);
}

export function downloadBytes(bytes: Uint8Array, name: string, type: string): void {
  save(new Blob([bytes as BlobPart], {type}), name);
}
