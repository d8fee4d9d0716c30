// Readability checks on a rendered page (test/browser/readable.test.ts): chart text contrast
// against the pixels actually behind it, overlapping labels, ticks drawn without a label, and
// series that share colour and dash. Everything is measured in the real browser.
import type {Page} from "playwright-core";

// tsx compiles with esbuild's keepNames, which wraps the named functions of the callbacks below in
// a `__name` helper that exists only in Node: define a do-nothing one in the page first.
const defineName = (page: Page) => page.evaluate("globalThis.__name ??= (f) => f");

export interface TextFinding {
  chart: string;
  text: string;
  ratio: number;
  fg: string;
  bg: string;
}

export interface OverlapFinding {
  chart: string;
  a: string;
  b: string;
}

export interface TickFinding {
  chart: string;
  axis: string;
  ticks: number;
  labels: number;
}

/**
 * Contrast of every visible SVG text in `main` (charts and their legends) against what is drawn
 * behind it: the texts are hidden, the page is screenshotted, and the most frequent colour inside
 * each text's box is its background (a halo stroke, when the text has one, is composited over it).
 * Returns the texts below `min` (WCAG 2 contrast ratio; 4.5 for normal text).
 */
export async function lowContrastTexts(page: Page, min = 4.5): Promise<{checked: number; low: TextFinding[]}> {
  await defineName(page);
  const texts = await page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] | null => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const p = m[1]!
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [p[0]!, p[1]!, p[2]!, p[3] ?? 1];
    };
    const out: {
      i: number;
      chart: string;
      text: string;
      fill: [number, number, number, number];
      halo: [number, number, number, number] | null;
      box: [number, number, number, number];
    }[] = [];
    const all = [...document.querySelectorAll<SVGTextElement>("main svg text")];
    all.forEach((t, i) => {
      const text = (t.textContent ?? "").trim();
      if (!text || t.closest('[aria-label="tip"]')) return;
      const r = t.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) return;
      const style = getComputedStyle(t);
      if (style.visibility !== "visible") return;
      const fill = parse(style.fill);
      if (!fill) return;
      let alpha = fill[3] * Number(style.fillOpacity || 1);
      for (let e: Element | null = t; e && e !== document.body; e = e.parentElement) alpha *= Number(getComputedStyle(e).opacity || 1);
      if (alpha < 0.05) return;
      const stroke = parse(style.stroke);
      const halo = stroke && Number.parseFloat(style.strokeWidth) >= 2 && style.paintOrder.startsWith("stroke") ? stroke : null;
      if (halo) halo[3] *= Number(style.strokeOpacity || 1);
      const chart = t.closest("[data-chart]")?.getAttribute("data-chart") ?? t.closest("figure, svg")?.getAttribute("aria-label") ?? "svg";
      t.setAttribute("data-em-contrast", String(i));
      out.push({
        i,
        chart,
        text: text.slice(0, 60),
        fill: [fill[0], fill[1], fill[2], alpha],
        halo,
        box: [r.left + scrollX, r.top + scrollY, r.width, r.height],
      });
    });
    return out;
  });
  if (!texts.length) return {checked: 0, low: []};
  await page.addStyleTag({content: "main svg text[data-em-contrast] { visibility: hidden !important; }"});
  const png = (await page.screenshot({fullPage: true, animations: "disabled"})).toString("base64");
  const low = await page.evaluate(
    async ({png, texts, min}) => {
      const img = new Image();
      img.src = `data:image/png;base64,${png}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d", {willReadFrequently: true})!;
      ctx.drawImage(img, 0, 0);
      const scale = img.width / document.documentElement.scrollWidth;
      const lum = ([r, g, b]: number[]) => {
        const f = (c: number) => {
          const s = c / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const over = (top: number[], bottom: number[]) => [0, 1, 2].map((k) => top[3]! * top[k]! + (1 - top[3]!) * bottom[k]!);
      const hex = (c: number[]) =>
        `#${c
          .slice(0, 3)
          .map((v) => Math.round(v).toString(16).padStart(2, "0"))
          .join("")}`;
      const found: {chart: string; text: string; ratio: number; fg: string; bg: string}[] = [];
      for (const t of texts) {
        const [x, y, w, h] = t.box.map((v) => Math.round(v * scale));
        if (w! < 1 || h! < 1 || x! < 0 || y! < 0 || x! + w! > canvas.width || y! + h! > canvas.height) continue;
        const data = ctx.getImageData(x!, y!, w!, h!).data;
        const counts = new Map<number, number>();
        for (let p = 0; p < data.length; p += 4) {
          const key = (data[p]! << 16) | (data[p + 1]! << 8) | data[p + 2]!;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        let best = 0;
        let bestN = -1;
        for (const [k, n] of counts) if (n > bestN) [best, bestN] = [k, n];
        let bg = [(best >> 16) & 255, (best >> 8) & 255, best & 255];
        if (t.halo) bg = over(t.halo, bg);
        const fg = over(t.fill, bg);
        const [l1, l2] = [lum(fg), lum(bg)];
        const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
        if (ratio < min) found.push({chart: t.chart, text: t.text, ratio: Math.round(ratio * 100) / 100, fg: hex(fg), bg: hex(bg)});
      }
      document.querySelectorAll("[data-em-contrast]").forEach((e) => e.removeAttribute("data-em-contrast"));
      return found;
    },
    {png, texts, min},
  );
  return {checked: texts.length, low};
}

/**
 * Pairs of visible texts in one SVG whose glyph boxes overlap (boxes are the texts' own bounding
 * boxes mapped through their transforms, so rotated tick labels are compared as rotated boxes),
 * where at least one of the two is an axis tick label (or `all` for every pair); and axes that
 * label some of the ticks they draw but not all.
 */
export async function labelProblems(page: Page, {all = false}: {all?: boolean} = {}): Promise<{overlaps: OverlapFinding[]; ticks: TickFinding[]}> {
  await defineName(page);
  return page.evaluate(
    ({all}) => {
      type Pt = {x: number; y: number};
      const quad = (t: SVGTextElement): Pt[] | null => {
        const b = t.getBBox();
        const m = t.getScreenCTM();
        if (!m || b.width < 1 || b.height < 1) return null;
        // Shrink by a pixel: glyph boxes of neighbouring labels that merely touch are not an overlap.
        const pts = [
          [b.x + 1, b.y + 1],
          [b.x + b.width - 1, b.y + 1],
          [b.x + b.width - 1, b.y + b.height - 1],
          [b.x + 1, b.y + b.height - 1],
        ];
        return pts.map(([x, y]) => new DOMPoint(x, y).matrixTransform(m)).map((p) => ({x: p.x, y: p.y}));
      };
      // Separating-axis test for two convex quadrilaterals.
      const separated = (a: Pt[], b: Pt[]) => {
        for (const poly of [a, b]) {
          for (let i = 0; i < poly.length; i++) {
            const p = poly[i]!;
            const q = poly[(i + 1) % poly.length]!;
            const nx = q.y - p.y;
            const ny = p.x - q.x;
            const proj = (s: Pt[]) => s.map((v) => v.x * nx + v.y * ny);
            const [pa, pb] = [proj(a), proj(b)];
            if (Math.max(...pa) <= Math.min(...pb) || Math.max(...pb) <= Math.min(...pa)) return true;
          }
        }
        return false;
      };
      const isTick = (t: Element) => !!t.closest('g[aria-label$="tick label"], .tick');
      const chartOf = (svg: Element) => svg.closest("[data-chart]")?.getAttribute("data-chart") ?? svg.getAttribute("aria-label") ?? "svg";
      const overlaps: {chart: string; a: string; b: string}[] = [];
      const ticks: {chart: string; axis: string; ticks: number; labels: number}[] = [];
      for (const svg of document.querySelectorAll<SVGSVGElement>("main svg")) {
        if (svg.parentElement?.closest("svg")) continue;
        const texts = [...svg.querySelectorAll<SVGTextElement>("text")]
          .filter((t) => (t.textContent ?? "").trim() && !t.closest('[aria-label="tip"]') && getComputedStyle(t).visibility === "visible")
          .map((t) => ({t, q: quad(t), tick: isTick(t)}))
          .filter((x) => x.q);
        for (let i = 0; i < texts.length; i++)
          for (let j = i + 1; j < texts.length; j++) {
            const [a, b] = [texts[i]!, texts[j]!];
            if (!all && !a.tick && !b.tick) continue;
            if (!separated(a.q!, b.q!)) overlaps.push({chart: chartOf(svg), a: a.t.textContent!.trim(), b: b.t.textContent!.trim()});
          }
        // Plot draws an axis as a tick group and a tick-label group per facet; compare within each parent.
        for (const g of svg.querySelectorAll('g[aria-label$="-axis tick"]')) {
          const label = g.parentElement?.querySelector(`:scope > g[aria-label="${g.getAttribute("aria-label")} label"]`);
          const n = g.querySelectorAll("path, line").length;
          const labelled = label ? [...label.querySelectorAll("text")].filter((t) => (t.textContent ?? "").trim()).length : 0;
          if (labelled > 0 && labelled < n) ticks.push({chart: chartOf(svg), axis: g.getAttribute("aria-label")!, ticks: n, labels: labelled});
        }
      }
      return {overlaps, ticks};
    },
    {all},
  );
}

export interface SeriesClash {
  chart: string;
  style: string;
  series: string[];
}

/**
 * Series drawn in a chart (each path of a line mark, each group of dots, identified by its
 * aria-label, which the charts set to the series name) that share stroke or fill colour and dash
 * pattern within one panel while at least one of them has no direct label (a text in the same
 * panel that reads the series name).
 */
export async function seriesClashes(page: Page, chart: string): Promise<{series: number; clashes: SeriesClash[]}> {
  await defineName(page);
  return page.evaluate((chart) => {
    const root = document.querySelector(`[data-chart="${chart}"]`);
    if (!root) return {series: 0, clashes: []};
    const clashes: {chart: string; style: string; series: string[]}[] = [];
    let total = 0;
    // A panel: Plot puts each facet's elements of a mark in an unlabelled <g transform> inside
    // the mark's labelled group; the same transform is the same facet across marks.
    for (const svg of root.querySelectorAll<SVGSVGElement>("svg")) {
      if (svg.parentElement?.closest("svg")) continue;
      const panels = new Map<string, Map<string, Set<string>>>();
      const labels = new Map<string, Set<string>>();
      const resolve = (e: Element): string => {
        const parent = e.parentElement;
        return parent && !parent.hasAttribute("aria-label") && parent.getAttribute("transform") ? parent.getAttribute("transform")! : "";
      };
      for (const e of svg.querySelectorAll('g[aria-label="line"] path[aria-label], g[aria-label="dot"] [aria-label], g[aria-label="bar"] rect[aria-label]')) {
        const name = e.getAttribute("aria-label")!;
        const style = getComputedStyle(e);
        const paint = e.tagName === "path" && style.fill === "none" ? style.stroke : style.fill !== "none" ? style.fill : style.stroke;
        const dash = style.strokeDasharray === "none" ? "" : style.strokeDasharray;
        const symbol = e.tagName === "path" && style.fill !== "none" ? (e.getAttribute("d") ?? "").replace(/[-\d.]+/g, "#").slice(0, 40) : e.tagName;
        const id = `${paint}|${dash}|${e.closest('g[aria-label="dot"]') ? symbol : "line"}`;
        const panel = resolve(e);
        if (!panels.has(panel)) panels.set(panel, new Map());
        const styles = panels.get(panel)!;
        if (!styles.has(id)) styles.set(id, new Set());
        styles.get(id)!.add(name);
      }
      for (const t of svg.querySelectorAll("text")) {
        const panel = resolve(t);
        if (!labels.has(panel)) labels.set(panel, new Set());
        labels.get(panel)!.add((t.textContent ?? "").trim());
        // Axis labels of a panel label the series drawn along that axis (bars named on the y axis).
        if (t.closest('g[aria-label$="tick label"]')) {
          if (!labels.has("*")) labels.set("*", new Set());
          labels.get("*")!.add((t.textContent ?? "").trim());
        }
      }
      for (const [panel, styles] of panels) {
        const names = new Set<string>();
        for (const [style, series] of styles) {
          for (const s of series) names.add(s);
          const direct = (s: string) => labels.get(panel)?.has(s) || labels.get("*")?.has(s);
          if (series.size > 1 && [...series].some((s) => !direct(s))) clashes.push({chart, style, series: [...series]});
        }
        total += names.size;
      }
    }
    return {series: total, clashes};
  }, chart);
}
