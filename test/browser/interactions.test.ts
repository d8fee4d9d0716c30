// Issue 6 behaviours in real Chromium against the built demo site:
// thresholds set in the page give `em summarize`'s EM rate; a brushed step range narrows the
// response list and survives in the URL; hostile answer text stays inert.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {watch, describeProblems, dragAcross} from "../helpers/browser.ts";
import {waitForPage, waitForUrl, ROOT, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();

async function open(path: string): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}, acceptDownloads: true});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  await page.goto(site.server.url + path, {waitUntil: "load"});
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

function summarizeCli(args: string[]): {groups: {em_rate: number | null; ci: [number, number] | null}[]; judges: string[]} {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", "data/experiments/demo.yaml", "--format", "json", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `em summarize failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const pctText = (x: number | null) => (x === null ? "–" : `${(100 * x).toFixed(1)}%`);

async function setRange(page: Page, testid: string, value: number): Promise<void> {
  await page.locator(`[data-testid="${testid}"]`).evaluate((el, v) => {
    const input = el as HTMLInputElement;
    input.value = String(v);
    input.dispatchEvent(new Event("input", {bubbles: true}));
  }, value);
}

test("sensitivity page EM rate equals em summarize for the same rule, thresholds and judge", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  try {
    const judge = await page.locator('[data-testid="judge"]').inputValue();
    const cases: {rule: "betley" | "organisms" | "custom"; aligned?: number; coherent?: number; args: string[]}[] = [
      {rule: "betley", args: ["--rule", "betley"]},
      {rule: "organisms", args: ["--rule", "organisms"]},
      {rule: "custom", aligned: 45, coherent: 20, args: ["--rule", "betley", "--aligned", "45", "--coherent", "20"]},
    ];
    for (const c of cases) {
      await page.locator('[data-testid="rule"]').selectOption(c.rule === "custom" ? "betley" : c.rule);
      if (c.aligned !== undefined) await setRange(page, "aligned-threshold", c.aligned);
      // The frame of a cut change: the new rate at once, and its interval either already computed
      // (then it is the final one, checked below) or shown as being computed, never the old one.
      const during =
        c.coherent === undefined
          ? null
          : await page.locator('[data-testid="coherent-threshold"]').evaluate((el, v) => {
              const input = el as HTMLInputElement;
              input.value = String(v);
              input.dispatchEvent(new Event("input", {bubbles: true}));
              const box = document.querySelector('[data-testid="sensitivity-kpis"]') as HTMLElement;
              return {label: document.querySelector('[data-testid="em-rate-label"]')?.textContent ?? "", loading: box.hasAttribute("data-em-loading")};
            }, c.coherent);
      await waitForPage(page);
      const shown = (await page.locator('[data-testid="em-rate"]').textContent())?.trim();
      const cli = summarizeCli([...c.args, "--judge", judge]);
      assert.equal(cli.groups.length, 1);
      assert.equal(shown, pctText(cli.groups[0]!.em_rate), `rule ${c.rule} (${c.args.join(" ")}), judge ${judge}`);
      // The interval painted after the counts is em summarize's.
      const label = (await page.locator('[data-testid="em-rate-label"]').textContent()) ?? "";
      const ci = cli.groups[0]!.ci;
      assert.ok(ci, "em summarize gives an interval");
      assert.ok(label.includes(`95% CI ${pctText(ci[0])}–${pctText(ci[1])}`), `rule ${c.rule}: "${label}" vs em summarize ${JSON.stringify(ci)}`);
      if (during) assert.ok(during.label === label || (during.loading && during.label.includes("computing…")), `during the change: "${during.label}"`);
      if (c.rule === "custom") assert.equal(await page.locator('[data-testid="rule"]').inputValue(), "custom", "moving a cut switches to custom");
    }
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

/** Whether the first brush under `selector` shows a selection (d3's .selection rect, drawn and wider than a pixel). */
async function brushShown(page: Page, selector: string): Promise<boolean> {
  return page
    .locator(`${selector} .selection`)
    .first()
    .evaluate((r) => r.getAttribute("display") !== "none" && Number(r.getAttribute("width")) > 1);
}

test("brushing a step range narrows the response list, and the URL restores it", async () => {
  const {page, problems, close} = await open("/transitions?experiment=demo");
  let url: string;
  try {
    // The step chart (and its brush) is drawn again as each pass of the worker's fits arrives; it is
    // marked loading until the last one, so the page is settled once waitForPage returns (generous:
    // the change points' bootstrap runs in the workers of a shared machine).
    await waitForPage(page, 120_000);
    // The page's views do not filter on the range: a brush must re-run none of them (no pass over
    // the rows, no refit), so the fits table drawn before it is still the same element after it.
    await page
      .locator('[data-testid="transition-table"]')
      .first()
      .evaluate((t) => t.setAttribute("data-before-brush", ""));
    await dragAcross(page, page.locator('[data-testid="step-brush"] .overlay').first(), 0.55, 0.8);
    await waitForPage(page);
    url = (await waitForUrl(page, (u) => /[?&]from=[\d.]+&to=[\d.]+/.test(u.search), "brush writes the range to the URL")).href;
    assert.equal(await page.locator('[data-testid="transition-table"][data-before-brush]').count(), 1, "the fits table was not redrawn by the brush");
    assert.ok(await brushShown(page, '[data-testid="step-brush"]'), "the brush keeps showing the range");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
  const query = new URL(url).search;
  const all = await open("/responses?experiment=demo");
  const narrowed = await open(`/responses${query}`);
  try {
    const count = async (p: Page) =>
      Number(((await p.locator('[data-testid="response-count"]').textContent()) ?? "").replace(/[^\d].*$/, "").replace(/,/g, ""));
    const nAll = await count(all.page);
    const nNarrow = await count(narrowed.page);
    assert.ok(nAll > 0, "responses listed");
    assert.ok(nNarrow > 0 && nNarrow < nAll, `brushed range narrows the list (${nNarrow} of ${nAll})`);
    const from = Number(new URL(url).searchParams.get("from"));
    const steps = await narrowed.page.locator('[data-testid="response-row"] td:nth-child(2)').allTextContents();
    assert.ok(steps.length > 0 && steps.every((s) => Number(s) >= from), "listed answers lie inside the range");
    // The same link opened fresh restores the same view, and the strip's brush shows the range.
    const again = await open(`/responses${query}`);
    assert.equal(await count(again.page), nNarrow);
    const strip = '[data-testid="step-strip"] [data-testid="step-brush"]';
    assert.ok(await brushShown(again.page, strip), "the strip's brush shows the range from the URL");
    // Clearing the range (the button) lists every answer again and clears the brush.
    await again.page.locator('[data-testid="clear-steps"]').click();
    await waitForPage(again.page);
    assert.equal(await count(again.page), nAll);
    assert.equal(await brushShown(again.page, strip), false, "the cleared range leaves no brush selection");
    await again.close();
  } finally {
    await all.close();
    await narrowed.close();
  }
});

test("hostile answer text (script tags, event handlers, javascript: links) is shown as text and runs nothing", async () => {
  const {page, problems, close} = await open("/responses?experiment=demo&q=onerror");
  try {
    await page.addInitScript(() => ((window as unknown as {__em_xss: number}).__em_xss = 0));
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    const rows = page.locator('[data-testid="response-row"]');
    assert.ok((await rows.count()) > 0, "the demo contains answers with markup (search 'onerror')");
    await rows.first().click();
    await waitForPage(page);
    const text = (await page.locator('[data-testid="response-text"]').textContent()) ?? "";
    assert.match(text, /<script|onerror=|javascript:/, "markup shown literally");
    assert.equal(
      await page.locator('main img[onerror], main script:not([type]), main a[href^="javascript:"]').count(),
      0,
      "no live element came from an answer",
    );
    assert.equal(await page.evaluate(() => (window as unknown as {__em_xss?: number}).__em_xss ?? 0), 0);
    assert.equal(dialogs, 0);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("the current slice downloads as CSV and Parquet, and a chart as SVG and PNG", async () => {
  const {page, problems, close} = await open("/responses?experiment=demo&model=medical&from=900&to=1000");
  try {
    const read = async (click: () => Promise<void>) => {
      const [download] = await Promise.all([page.waitForEvent("download"), click()]);
      const path = await download.path();
      const {readFileSync} = await import("node:fs");
      return {name: download.suggestedFilename(), bytes: readFileSync(path)};
    };
    const count = Number(((await page.locator('[data-testid="response-count"]').textContent()) ?? "").replace(/[^\d].*$/, "").replace(/,/g, ""));
    const csv = await read(() => page.locator('[data-testid="download-csv"]').click());
    assert.equal(csv.name, "responses.csv");
    const lines = csv.bytes.toString("utf8").trim().split("\r\n");
    assert.match(lines[0]!, /^response_id,experiment,model,step,/);
    assert.ok(lines.length > count, "one CSV record per listed answer (answers may span lines)");
    const parquet = await read(() => page.locator('[data-testid="download-parquet"]').click());
    assert.equal(parquet.name, "responses.parquet");
    assert.equal(parquet.bytes.subarray(0, 4).toString("latin1"), "PAR1");
    assert.equal(parquet.bytes.subarray(-4).toString("latin1"), "PAR1");
    await page.goto(site.server.url + "/sensitivity?experiment=demo", {waitUntil: "load"});
    await waitForPage(page);
    const svg = await read(() => page.locator('[data-chart="threshold-surface"] button', {hasText: "SVG"}).click());
    assert.match(svg.bytes.toString("utf8"), /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const png = await read(() => page.locator('[data-chart="threshold-surface"] button', {hasText: "PNG"}).click());
    assert.equal(png.bytes.subarray(1, 4).toString("latin1"), "PNG");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("SQL page runs every example query against the loaded tables and shows rows", async () => {
  const {page, problems, close} = await open("/sql");
  try {
    // The page runs its first example once DuckDB has the tables; the example picker is ready then.
    await page.waitForSelector('[data-testid="sql-result-count"], [data-testid="sql-error"]');
    const examples = await page.locator("select").first().locator("option").allTextContents();
    assert.ok(examples.length >= 5, "example queries offered");
    for (const title of examples) {
      await page.locator("select").first().selectOption({label: title});
      await waitForPage(page);
      await page.locator('[data-testid="sql-run"]').click();
      await page.waitForSelector('[data-testid="sql-result-count"], [data-testid="sql-error"]');
      const errors = await page.locator('[data-testid="sql-error"]').allTextContents();
      assert.deepEqual(errors, [], `example "${title}" fails`);
      const n = Number(((await page.locator('[data-testid="sql-result-count"]').textContent()) ?? "").replace(/[^\d].*$/, "").replace(/,/g, ""));
      assert.ok(n > 0, `example "${title}" returns rows`);
    }
    await page.locator('[data-testid="sql-input"]').fill("SELECT count(*) AS n FROM points WHERE aligned IS NULL");
    await page.locator('[data-testid="sql-run"]').click();
    await page.waitForSelector('[data-testid="sql-result-count"]');
    await page.locator('[data-testid="sql-input"]').fill("SELEC nonsense");
    await page.locator('[data-testid="sql-run"]').click();
    await page.waitForSelector('[data-testid="sql-error"]');
    assert.match((await page.locator('[data-testid="sql-error"]').textContent()) ?? "", /Parser Error|syntax/i, "a bad query shows DuckDB's message");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("dragging a cut line on the density moves the threshold, switches to a custom rule and updates the URL", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  try {
    const before = (await page.locator('[data-testid="em-rate"]').textContent())?.trim();
    const svg = page.locator('[data-chart="density"] svg[viewBox]').last();
    // Grab near the aligned line (x = 30 on a 0..100 axis inside the margins) and drag right: where
    // the tick is, as a fraction of the chart's width (the same wherever the page is scrolled).
    const f30 = await svg.evaluate((el) => {
      const ticks = [...el.querySelectorAll('[aria-label="x-axis tick label"] text')] as SVGTextElement[];
      const t = ticks.find((n) => n.textContent === "30")?.getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return t ? (t.x + t.width / 2 - box.x) / box.width : null;
    });
    assert.ok(f30 !== null, "x tick 30 found");
    await dragAcross(page, svg, f30, f30 + 0.25, {y: 0.3, steps: 6});
    await waitForPage(page);
    const aligned = Number(await page.locator('[data-testid="aligned-threshold"]').inputValue());
    assert.ok(aligned > 40, `aligned cut moved right (now ${aligned})`);
    assert.equal(await page.locator('[data-testid="rule"]').inputValue(), "custom");
    await waitForUrl(page, (u) => u.searchParams.get("aligned") === String(aligned), `the URL says aligned=${aligned}`);
    assert.notEqual((await page.locator('[data-testid="em-rate"]').textContent())?.trim(), before, "EM rate follows the cut");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("a change marks <html data-em-url-pending> until the URL holds it (what waitForPage and waitForUrl wait for)", async () => {
  const {page, problems, close} = await open("/sensitivity?experiment=demo");
  try {
    assert.equal(await page.evaluate(() => document.documentElement.hasAttribute("data-em-url-pending")), false, "nothing pending once the page settled");
    const seen = await page.evaluate(
      () =>
        new Promise<{marked: boolean; inUrlBefore: boolean; searchWhenCleared: string}>((resolve) => {
          const root = document.documentElement;
          const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]')!;
          const observer = new MutationObserver(() => {
            if (root.hasAttribute("data-em-url-pending")) return;
            observer.disconnect();
            resolve({marked, inUrlBefore, searchWhenCleared: location.search});
          });
          observer.observe(root, {attributes: true, attributeFilter: ["data-em-url-pending"]});
          input.value = "41";
          input.dispatchEvent(new Event("input", {bubbles: true}));
          // Marked in the change's own task, before the URL is written (URL_QUIET_MS later, in idle time).
          const marked = root.hasAttribute("data-em-url-pending");
          const inUrlBefore = location.search.includes("aligned=41");
          if (!marked) resolve({marked, inUrlBefore, searchWhenCleared: ""});
        }),
    );
    assert.equal(seen.marked, true, "the change marks a pending URL write");
    assert.equal(seen.inUrlBefore, false, "the URL is written later, not in the change's task");
    assert.match(seen.searchWhenCleared, /[?&]aligned=41(&|$)/, "the mark goes once the URL holds the change");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("the response list works from the keyboard: Tab to a row, Enter opens its detail", async () => {
  const {page, problems, close} = await open("/responses?experiment=demo&model=medical");
  try {
    await page.locator('[data-testid="response-row"]').first().focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="response-detail"]');
    assert.ok(((await page.locator('[data-testid="response-text"]').textContent()) ?? "").length > 0);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});
