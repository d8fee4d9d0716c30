// /sensitivity's live views in real Chromium against the built demo site (issue 28): a threshold
// change moves only the per-question rows that must move (keyedMarks with keptInPlace: the fewest
// single moves, counted by a MutationObserver on the real DOM; one node per question: its label,
// bar and value are one row group), the rows stay in rate order on screen and in the document (what
// a screen reader and a copy read), each with its own label and value, and the state the controls
// set reaches the URL (written once a burst of changes is over) and comes back from it on reload.
import {test} from "node:test";
import assert from "node:assert/strict";
import type {Page} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, waitForUrl, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();

async function open(path: string): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  // tsx names the functions passed to page.evaluate through a helper the page lacks.
  await page.addInitScript({content: "globalThis.__name = (f) => f;"});
  await page.goto(site.server.url + path, {waitUntil: "load"});
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

/** What the per-question chart and the headline show, in document order. */
async function shown(page: Page): Promise<{rate: string; aligned: string; coherent: string; rule: string; bars: string[]; values: string[]; labels: string[]}> {
  return page.evaluate(() => {
    const chart = document.querySelector('[data-chart="em-by-question"] svg')!;
    const texts = (sel: string) => [...chart.querySelectorAll(sel)].map((n) => n.textContent ?? "");
    const value = (id: string) => (document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement | HTMLSelectElement).value;
    return {
      rate: document.querySelector('[data-testid="em-rate"]')?.textContent?.trim() ?? "",
      aligned: value("aligned-threshold"),
      coherent: value("coherent-threshold"),
      rule: value("rule"),
      bars: texts('g[aria-label="bar"] rect title'),
      values: texts('g[aria-label="bar"] .em-question-value'),
      labels: texts('g[aria-label="bar"] .em-question-label'),
    };
  });
}

test("/sensitivity: a threshold change moves the fewest bars (n minus a longest run kept in order), and every bar, label and value stays in rate order", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  try {
    // Cut pairs from a seeded walk (the same every run), far enough apart to reorder the questions.
    const cuts: [number, number][] = [];
    let seed = 28;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 40; i++) cuts.push([5 + Math.floor(next() * 90), 5 + Math.floor(next() * 90)]);
    const report = await page.evaluate((cuts) => {
      const chart = document.querySelector('[data-chart="em-by-question"] svg')!;
      const group = (label: string) => chart.querySelector(`g[aria-label="${label}"]`)!;
      const set = (id: string, v: number) => {
        const input = document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`)!;
        input.value = String(v);
        input.dispatchEvent(new Event("input", {bubbles: true}));
      };
      /** Longest strictly increasing run of `xs` (ignoring -1), O(n²). */
      const lis = (xs: number[]) => {
        const best = xs.map(() => 0);
        for (let i = 0; i < xs.length; i++) if (xs[i]! >= 0) best[i] = 1 + Math.max(0, ...xs.slice(0, i).map((x, j) => (x >= 0 && x < xs[i]! ? best[j]! : 0)));
        return Math.max(0, ...best);
      };
      const problems: string[] = [];
      let moves = 0;
      let fewest = 0;
      let reordered = 0;
      let changes = 0;
      for (const [a, c] of cuts)
        for (const [id, v] of [
          ["aligned-threshold", a],
          ["coherent-threshold", c],
        ] as const) {
          const bars = group("bar");
          const before = [...bars.children];
          const records: MutationRecord[] = [];
          const obs = new MutationObserver((r) => records.push(...r));
          obs.observe(bars, {childList: true});
          set(id, v);
          records.push(...obs.takeRecords());
          obs.disconnect();
          changes++;
          const after = [...bars.children];
          // Inserting a mark is one added node (a move: removed, then added); a dropped one is only removed.
          moves += records.reduce((n, r) => n + r.addedNodes.length, 0);
          const from = after.map((el) => before.indexOf(el));
          fewest += after.length - lis(from);
          if (from.some((x, i) => i > 0 && x < from[i - 1]!)) reordered++;
          // Document order is the order on screen, by rate (largest first): rows (one group per
          // question: label, bar, value, in that order) at increasing heights in the svg's units.
          const at = `${id} ${v} (change ${changes})`;
          // Top of an element's box in the svg's units: its box plus the translations of the groups around it.
          const svgY = (n: Element) => {
            let y = (n as SVGGraphicsElement).getBBox().y;
            for (let p = n.parentElement; p && p !== chart; p = p.parentElement)
              y += (p as unknown as SVGGElement).transform?.baseVal.consolidate()?.matrix.f ?? 0;
            return y;
          };
          const parts = after.map((row) => ({
            tags: [...row.children].map((c) => c.tagName + (c.getAttribute("class") ? `.${c.getAttribute("class")}` : "")).join(" "),
            bar: row.querySelector("rect"),
            label: row.querySelector(".em-question-label"),
            value: row.querySelector(".em-question-value"),
          }));
          parts.forEach((p, i) => {
            if (p.tags !== "text.em-question-label rect text.em-question-value") problems.push(`${at}: row ${i} holds ${p.tags}`);
          });
          if (problems.length) break;
          for (const kind of ["bar", "label", "value"] as const) {
            const y = parts.map((p) => svgY(p[kind]!));
            if (y.some((w, i) => i > 0 && !(w > y[i - 1]!))) problems.push(`${at}: ${kind}s out of order on screen (y ${y.join(" ")})`);
          }
          const widths = parts.map((p) => Number(p.bar!.getAttribute("width")));
          if (widths.some((w, i) => i > 0 && w > widths[i - 1]! + 1e-9)) problems.push(`${at}: bars not by rate (widths ${widths.join(" ")})`);
          // Each row's label and value are its bar's: the bar's tooltip starts with the label and gives
          // the value as its rate, and they sit on the bar's line.
          parts.forEach((p, i) => {
            const title = p.bar!.querySelector("title")?.textContent ?? "";
            const label = p.label!.textContent ?? "";
            const value = p.value!.textContent ?? "";
            if (!title.startsWith(label) || !title.includes(`: ${value} of `)) problems.push(`${at}: row ${i} bar "${title}" beside "${label}" ${value}`);
            const mid = svgY(p.bar!) + p.bar!.getBBox().height / 2;
            for (const t of [p.label!, p.value!]) {
              const b = (t as SVGGraphicsElement).getBBox();
              const ty = svgY(t);
              if (!(ty <= mid && mid <= ty + b.height))
                problems.push(`${at}: row ${i} text "${t.textContent}" (${ty}..${ty + b.height}) off its bar's line (${mid})`);
            }
          });
        }
      return {problems, moves, fewest, reordered, bars: group("bar").children.length};
    }, cuts);
    assert.deepEqual(report.problems, []);
    assert.ok(report.bars >= 5, `the demo has questions to reorder (${report.bars} bars)`);
    assert.ok(report.reordered >= 10, `the walk reorders the bars (${report.reordered} of ${2 * cuts.length} changes)`);
    assert.equal(report.moves, report.fewest, "bars inserted or moved, over the walk: the fewest that give the new order");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("/sensitivity: the state set by a burst of threshold changes reaches the URL, and a reload from it shows the same page", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  let url: string;
  let before: Awaited<ReturnType<typeof shown>>;
  try {
    await page.evaluate(() => {
      const set = (id: string, v: number) => {
        const input = document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`)!;
        input.value = String(v);
        input.dispatchEvent(new Event("input", {bubbles: true}));
      };
      // A drag: one input event per value.
      for (let v = 30; v <= 47; v++) set("aligned-threshold", v);
      for (let v = 50; v >= 35; v--) set("coherent-threshold", v);
    });
    // Written once the controls are left alone (store.ts URL_QUIET_MS), in idle time.
    url = (await waitForUrl(page, (u) => u.searchParams.get("aligned") === "47", "the burst's last aligned cut in the URL")).href;
    await waitForPage(page);
    const params = new URL(url).searchParams;
    assert.equal(params.get("rule"), "custom");
    assert.equal(params.get("aligned"), "47");
    assert.equal(params.get("coherent"), "35");
    assert.equal(params.get("experiment"), "demo");
    before = await shown(page);
    assert.equal(before.aligned, "47");
    assert.equal(before.coherent, "35");
    assert.ok(before.bars.length > 0);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
  const again = await open(new URL(url).pathname + new URL(url).search);
  try {
    assert.deepEqual(await shown(again.page), before, "the page opened from the URL shows what the changes showed");
    assert.equal(describeProblems(again.problems), "");
  } finally {
    await again.close();
  }
});

test("/sensitivity: a threshold change writes the headline's and the surface marker's text in place (no text node replaced, an unchanged text not written) and shows every number it moved", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  try {
    const report = await page.evaluate(() => {
      const kpis = document.querySelector('[data-testid="sensitivity-kpis"]')!;
      const surface = document.querySelector('[data-chart="threshold-surface"] svg:last-of-type')!;
      const set = (v: number) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]')!;
        input.value = String(v);
        input.dispatchEvent(new Event("input", {bubbles: true}));
      };
      const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "";
      // The first change switches the rule to custom; the second moves the cut only (the labels of the
      // broad rate, the coherent share... stay as they are).
      set(60);
      const before = {
        rate: text("em-rate"),
        count: text("em-count"),
        rule: text("rule-description"),
        marker: [...surface.querySelectorAll("text")].map((t) => t.textContent).join("|"),
      };
      const records: MutationRecord[] = [];
      const obs = new MutationObserver((r) => records.push(...r));
      for (const root of [kpis, surface]) obs.observe(root, {subtree: true, childList: true, characterData: true, characterDataOldValue: true});
      set(20);
      records.push(...obs.takeRecords());
      obs.disconnect();
      const after = {
        rate: text("em-rate"),
        count: text("em-count"),
        rule: text("rule-description"),
        marker: [...surface.querySelectorAll("text")].map((t) => t.textContent).join("|"),
      };
      const where = (n: Node) =>
        (n.nodeType === 3 ? n.parentElement : (n as Element))?.closest("[data-testid]")?.getAttribute("data-testid") ?? n.parentElement?.tagName ?? "?";
      return {
        before,
        after,
        replaced: records
          .filter((r) => r.type === "childList")
          .map((r) => `${where(r.target)}: ${r.removedNodes.length} removed, ${r.addedNodes.length} added`),
        unchanged: records.filter((r) => r.type === "characterData" && r.oldValue === r.target.textContent).map((r) => `${where(r.target)}: "${r.oldValue}"`),
        written: records.filter((r) => r.type === "characterData").length,
        countHook: (document.querySelector('[data-testid="em-count"]') as HTMLElement).dataset.nEm,
      };
    });
    assert.deepEqual(report.replaced, [], "text nodes replaced by the second change");
    assert.deepEqual(report.unchanged, [], "texts rewritten with the same text");
    // Written in place is still written: what the cut moved is shown, and only that.
    assert.notEqual(report.after.rate, report.before.rate, "the EM rate follows the cut");
    assert.notEqual(report.after.count, report.before.count, "the count follows the cut");
    assert.notEqual(report.after.marker, report.before.marker, "the surface's marker label follows the cut");
    assert.match(report.after.rule, /aligned < 20\b/, "the rule's description follows the cut");
    assert.ok(report.written >= 3, `texts written in place (${report.written})`);
    assert.equal(report.after.count.split(" / ")[0]!.replace(/,/g, ""), report.countHook, "the count's hook matches its text");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("/sensitivity: EM by type keeps its bars across threshold changes (a type whose count falls to zero is hidden in place, not detached and added back), and shows exactly the nonzero counts", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  try {
    const report = await page.evaluate(() => {
      const bars = document.querySelector('[data-chart="em-by-type"] svg g[aria-label="bar"]')!;
      const set = (v: number) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]')!;
        input.value = String(v);
        input.dispatchEvent(new Event("input", {bubbles: true}));
      };
      const seen = new Set<Node>(bars.children);
      const problems: string[] = [];
      let removed = 0;
      let readded = 0;
      let hiddenMax = 0;
      // The site bench's sequence (bench/lib/sensitivity-page.ts thresholdValues): alternating low and high aligned cuts.
      for (let i = 0; i < 16; i++) {
        const v = i % 2 ? 20 + (i % 7) : 55 + (i % 7);
        const records: MutationRecord[] = [];
        const obs = new MutationObserver((r) => records.push(...r));
        obs.observe(bars, {childList: true});
        set(v);
        records.push(...obs.takeRecords());
        obs.disconnect();
        for (const r of records) {
          removed += r.removedNodes.length;
          for (const n of r.addedNodes) if (seen.has(n)) readded++;
          for (const n of r.addedNodes) seen.add(n);
        }
        const rects = [...bars.querySelectorAll("rect")];
        const hidden = rects.filter((r) => getComputedStyle(r).visibility === "hidden");
        hiddenMax = Math.max(hiddenMax, hidden.length);
        // A shown bar has a count and a width; a hidden one is not painted (no box).
        for (const r of rects) {
          const title = r.querySelector("title")?.textContent ?? "";
          const n = Number(/: (\d+) EM answers/.exec(title)?.[1] ?? Number.NaN);
          // A hidden bar is not painted and not under the pointer (no tooltip).
          if (getComputedStyle(r).visibility === "hidden") {
            const box = r.getBoundingClientRect();
            const hit = box.width > 0 ? document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) : null;
            if (hit === r) problems.push(`aligned ${v}: a hidden bar is under the pointer (${title})`);
          } else if (!(n > 0) || !(Number(r.getAttribute("width")) > 0)) problems.push(`aligned ${v}: shown bar "${title}" width ${r.getAttribute("width")}`);
        }
      }
      return {problems, removed, readded, hiddenMax, bars: bars.children.length};
    });
    assert.deepEqual(report.problems, []);
    assert.equal(report.removed, 0, "bars detached over the walk");
    assert.equal(report.readded, 0, "bars added back over the walk");
    assert.ok(report.hiddenMax > 0, `the walk takes some type's count to zero (${report.hiddenMax} bars hidden at most, of ${report.bars})`);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});
