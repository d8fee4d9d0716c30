// Layout defects a researcher sees, in real Chromium: a chart legend passing the chart's right edge
// (/sensitivity, eight demo categories), model names cut at the /judges bar chart's left edge (a
// fixture with ids as long as real fine-tune names, test/fixtures/site/long-labels.yaml), a DuckDB
// DECIMAL column that the /sql quick chart did not read as a number, and a page-width change that
// reset the /sql editor to the example query; and no page of the demo scrolls sideways at 800 px
// (the overview's eleven-column table made the whole page 984 px wide).
import {test} from "node:test";
import assert from "node:assert/strict";
import type {Browser, Page} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {siteBuiltOn, sitePages, useBuiltSite, waitForPage} from "../helpers/site.ts";
import {serveStatic, type StaticServer} from "../../loaders/static-server.ts";

const site = useBuiltSite();

async function open(browser: Browser, server: StaticServer, path: string, width = 1280) {
  const context = await browser.newContext({viewport: {width, height: 900}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, server.url);
  await page.goto(server.url + path, {waitUntil: "load"});
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

/** The legend items of a chart's svg: their boxes in the svg's own units, the svg's width and where its first bar starts. */
async function legendOf(page: Page, chart: string) {
  return page.evaluate((chart) => {
    const svg = [...document.querySelectorAll(`[data-chart="${chart}"] svg`)].at(-1) as SVGSVGElement;
    const items = [...svg.querySelectorAll('g[aria-label="legend"] > g')].map((g) => {
      const box = (g as SVGGElement).getBBox();
      const m = (g as SVGGElement).transform.baseVal.consolidate()!.matrix;
      return {text: g.textContent ?? "", x1: m.e + box.x, x2: m.e + box.x + box.width, y1: m.f + box.y, y2: m.f + box.y + box.height};
    });
    // A bar's top in the svg's units: its box plus the translation of its row (the per-question chart's rows are groups).
    const bars = [...svg.querySelectorAll('g[aria-label="bar"] rect')].map(
      (r) => (r as SVGRectElement).getBBox().y + ((r.parentElement as unknown as SVGGElement).transform?.baseVal.consolidate()?.matrix.f ?? 0),
    );
    return {width: svg.viewBox.baseVal.width, items, firstBar: Math.min(...bars)};
  }, chart);
}

for (const width of [1280, 800]) {
  test(`/sensitivity at ${width} px: the per-question and type legends stay inside their charts, items apart and above the bars`, async () => {
    const {page, problems, close} = await open(site.browser, site.server, "/sensitivity?experiment=demo", width);
    try {
      await page.waitForSelector('[data-chart="em-by-question"] svg g[aria-label="legend"] > g');
      for (const chart of ["em-by-question", "em-by-type"]) {
        const {width: w, items, firstBar} = await legendOf(page, chart);
        // The demo has eight question categories and nine response types: a wrapping case at both widths.
        assert.ok(items.length >= 6, `${chart}: ${items.length} legend items`);
        for (const it of items) {
          assert.ok(it.x2 <= w + 0.5, `${chart} at ${width} px: legend item "${it.text}" ends at ${it.x2.toFixed(1)} past the chart's ${w} px`);
          assert.ok(it.y2 <= firstBar, `${chart}: legend item "${it.text}" (bottom ${it.y2.toFixed(1)}) reaches the first bar (${firstBar})`);
        }
        for (let i = 0; i < items.length; i++)
          for (let j = i + 1; j < items.length; j++) {
            const a = items[i]!;
            const b = items[j]!;
            const apart = a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1;
            assert.ok(apart, `${chart}: legend items "${a.text}" and "${b.text}" overlap`);
          }
      }
      assert.equal(describeProblems(problems), "");
    } finally {
      await close();
    }
  });
}

/** Open /sql on the demo, run `sql` once the example's result is there, then `check` the page once the new result (chart, no-chart sentence or error) shows. */
async function onSqlPage(sql: string, check: (page: Page) => Promise<void>): Promise<void> {
  const {page, problems, close} = await open(site.browser, site.server, "/sql?experiment=demo");
  try {
    await page.waitForSelector('[data-testid="sql-result-count"]');
    await page.locator('[data-testid="sql-input"]').fill(sql);
    await page.locator('[data-testid="sql-run"]').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-chart="query-chart"] svg g[aria-label="bar"], [data-testid="query-chart-none"], [data-testid="sql-error"]'),
    );
    await check(page);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
}

test("/sql: a DECIMAL column is a number to the quick chart (bars of avg(aligned)::DECIMAL by category)", async () => {
  const sql = "SELECT category, avg(aligned)::DECIMAL(5,2) AS mean_aligned FROM points WHERE experiment = 'demo' GROUP BY category ORDER BY category";
  await onSqlPage(sql, async (page) => {
    const none = await page.locator('[data-testid="query-chart-none"]').allTextContents();
    assert.deepEqual(none, [], "a chart, not the sentence saying why there is none");
    assert.equal(await page.locator('[data-chart="query-chart"] svg g[aria-label="bar"] rect').count(), 8, "one bar per demo category");
    // The values are the decimals' values (0..100), not their unscaled integers (x100).
    const ticks = await page.locator('[data-chart="query-chart"] svg [aria-label="x-axis tick label"] text').allTextContents();
    const top = Math.max(...ticks.map((t) => Number(t.replace(/,/g, ""))));
    assert.ok(top > 0 && top <= 100, `x axis ends at ${top} (ticks ${ticks.join(" ")})`);
  });
});

test("/sql: a page-width change keeps the query typed and its result, redrawn at the new width", async () => {
  const sql = "SELECT model, avg(aligned) AS mean_aligned FROM points WHERE experiment = 'demo' GROUP BY model ORDER BY model";
  await onSqlPage(sql, async (page) => {
    const chart = page.locator('[data-chart="query-chart"] svg').first();
    const before = await chart.getAttribute("width");
    await page.setViewportSize({width: 700, height: 900});
    await page.waitForFunction((before) => document.querySelector('[data-chart="query-chart"] svg')?.getAttribute("width") !== before, before);
    await waitForPage(page);
    assert.equal(await page.locator('[data-testid="sql-input"]').inputValue(), sql, "the editor keeps the query");
    assert.equal(await page.locator('[data-chart="query-chart"] svg g[aria-label="bar"] rect').count(), 3, "the result of that query is still shown");
    const after = Number(await chart.getAttribute("width"));
    assert.ok(after < Number(before) && after <= 700, `chart width ${before} -> ${after}`);
  });
});

test("/judges: long model names fit the bar chart's left margin, whole, on several lines when they must, apart from each other", {
  timeout: 900_000,
}, async () => {
  const server = await serveStatic(await siteBuiltOn("layout-long-labels", ["test/fixtures/site/long-labels.yaml"]));
  try {
    for (const width of [1280, 800]) {
      const {page, problems, close} = await open(site.browser, server, "/judges?experiment=fixture-long-labels", width);
      try {
        await page.waitForSelector('[data-chart="em-by-judge"] svg');
        const labels = await page.evaluate(() => {
          // The chart's own svg: the last (the colour legend's swatches come first).
          const svg = [...document.querySelectorAll('[data-chart="em-by-judge"] svg')].at(-1) as SVGSVGElement;
          const left = svg.getBoundingClientRect().left;
          return [...svg.querySelectorAll('g[aria-label="fy-axis tick label"] text')].map((t) => ({
            shown: [...t.childNodes]
              .filter((n) => n.nodeType === Node.TEXT_NODE || (n as Element).tagName === "tspan")
              .map((n) => n.textContent)
              .join(""),
            title: t.querySelector("title")?.textContent ?? null,
            x1: t.getBoundingClientRect().left - left,
            top: t.getBoundingClientRect().top,
            bottom: t.getBoundingClientRect().bottom,
          }));
        });
        assert.equal(labels.length, 2, `two models on the axis: ${JSON.stringify(labels)}`);
        for (const l of labels) {
          assert.ok(l.x1 >= 0, `at ${width} px the label "${l.shown}" starts ${l.x1.toFixed(1)} px left of the chart`);
          const whole = l.title ?? l.shown;
          assert.match(
            whole,
            /^Qwen2\.5-Coder-32B-Instruct_(bad-medical|risky-financial)-advice_lora-r32-a64_lr1e-5_seed3$/,
            "the whole name, shown or in the tooltip",
          );
        }
        // The two names differ only in the middle: what is shown tells them apart, and they do not overlap.
        assert.notEqual(labels[0]!.shown, labels[1]!.shown);
        assert.ok(labels[0]!.bottom <= labels[1]!.top || labels[1]!.bottom <= labels[0]!.top, `the two names overlap: ${JSON.stringify(labels)}`);
        assert.equal(describeProblems(problems), "");
      } finally {
        await close();
      }
    }
  } finally {
    await server.close();
  }
});

test("no page of the demo is wider than an 800 px window (a wide table scrolls in its own box)", {timeout: 600_000}, async () => {
  const wide: string[] = [];
  for (const {path} of sitePages()) {
    const {page, problems, close} = await open(site.browser, site.server, `${path}?experiment=demo`, 800);
    try {
      const {scroll, client} = await page.evaluate(() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth}));
      if (scroll > client) wide.push(`${path}: ${scroll} px wide in an ${client} px window`);
      assert.equal(describeProblems(problems), "", path);
    } finally {
      await close();
    }
  }
  assert.deepEqual(wide, []);
});

for (const width of [1280, 800]) {
  test(`/responses at ${width} px: every column head and every step, score, type and EM cell is shown whole (only question and answer previews are cut)`, async () => {
    const {page, problems, close} = await open(site.browser, site.server, "/responses?experiment=demo", width);
    try {
      await page.waitForSelector('[data-testid="response-row"]:not([aria-busy])');
      const cut = await page.evaluate(() => {
        const table = document.querySelector('[data-testid="response-table"]')!;
        const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent ?? "");
        const out: string[] = [];
        for (const row of table.querySelectorAll("thead tr, tbody tr[data-testid='response-row']"))
          [...row.children].forEach((cell, i) => {
            const c = cell as HTMLElement;
            // The question and the answer are previews by design (one line, whole in the detail).
            if (c.tagName === "TD" && (heads[i] === "question" || heads[i] === "answer")) return;
            // A cell is cut when its content is wider than its box, or a label inside it passes its edge.
            const box = c.getBoundingClientRect();
            const inner = [...c.querySelectorAll("span")].some((s) => s.getBoundingClientRect().right > box.right + 0.5);
            if (c.scrollWidth > c.clientWidth + 1 || inner) out.push(`${heads[i]}: "${c.textContent}" (${c.scrollWidth} px in ${c.clientWidth})`);
          });
        return [...new Set(out)];
      });
      assert.deepEqual(cut, [], `cells cut at ${width} px`);
      assert.equal(describeProblems(problems), "");
    } finally {
      await close();
    }
  });
}

// Judge ids as long as real ones ("gpt-4o-2024-08-06", 112 px in the list's font) were cut at 800 px
// (9% of the table: 66 px), whole only in the tooltip: the judge column fits its widest id.
test("/responses at 800 and 1280 px: long judge ids are shown whole in the list, whichever judge is selected", {timeout: 900_000}, async () => {
  const server = await serveStatic(await siteBuiltOn("layout-long-labels", ["test/fixtures/site/long-labels.yaml"]));
  try {
    for (const width of [800, 1280])
      for (const judge of ["gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022-judge"]) {
        const {page, problems, close} = await open(site.browser, server, `/responses?experiment=fixture-long-labels&judge=${judge}`, width);
        try {
          await page.waitForSelector('[data-testid="responses-live"] [data-testid="response-row"]:not([aria-busy])');
          const cells = await page.evaluate(() => {
            const table = document.querySelector('[data-testid="responses-live"] [data-testid="response-table"]')!;
            const at = [...table.querySelectorAll("thead th")].findIndex((th) => th.textContent === "judge");
            const q = [...table.querySelectorAll("thead th")].findIndex((th) => th.textContent === "question");
            return [...table.querySelectorAll("tbody tr[data-testid='response-row']")].map((tr) => {
              const td = tr.children[at] as HTMLElement;
              return {text: td.textContent, scroll: td.scrollWidth, client: td.clientWidth, question: (tr.children[q] as HTMLElement).clientWidth};
            });
          });
          assert.ok(cells.length > 0, "rows in the list");
          for (const c of cells) {
            assert.equal(c.text, judge, "the selected judge's rows");
            assert.ok(c.scroll <= c.client, `at ${width} px the judge "${c.text}" is cut: ${c.scroll} px in ${c.client}`);
            assert.ok(c.question >= 60, `the question preview keeps some width: ${c.question} px`);
          }
          assert.equal(describeProblems(problems), "");
        } finally {
          await close();
        }
      }
  } finally {
    await server.close();
  }
});
