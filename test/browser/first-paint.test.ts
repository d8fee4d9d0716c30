// Issue 28: /sensitivity paints its headline numbers from the build's first-paint table before the
// points arrive. The points download is held back (Playwright route) until the test has read the
// first numbers: they are shown, marked as precomputed, and equal `em summarize`'s for the link's
// rule; once the points arrive the live numbers replace them with the same text. A state the
// table does not have (a model filter) shows no number until the points arrive.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import type {Route} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {onPage, openResponsesLive, type OpenedPage} from "../helpers/responses.ts";
import {waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();
const pctText = (x: number | null) => (x === null ? "–" : `${(100 * x).toFixed(1)}%`);

function cli(args: string[]): {n_em: number; n_scored: number; em_rate: number | null} {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", "data/experiments/demo.yaml", "--format", "json", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, `em summarize failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as {groups: {n_em: number; n_scored: number; em_rate: number | null}[]}).groups[0]!;
}

/** Open `path` with points.arrow held until `release()` (the page's other files load normally), run `check`, assert no page problem, close. */
const onHeld = (path: string, check: (opened: OpenedPage) => Promise<void>) =>
  onPage(site, path, {hold: true, waitUntil: "commit", viewport: {width: 1280, height: 1000}}, check);

for (const rule of ["betley", "organisms"] as const) {
  test(`/sensitivity?rule=${rule}: the EM rate is shown before the points arrive, = em summarize, then the live number is the same`, async () => {
    await onHeld(`/sensitivity?experiment=demo&rule=${rule}`, async ({page, release}) => {
      const kpis = page.locator('[data-testid="sensitivity-kpis"]');
      await kpis.waitFor();
      assert.equal(await kpis.getAttribute("data-em-first"), "build", "painted from the build's table");
      const count = page.locator('[data-testid="em-count"]');
      const first = {
        rate: (await page.locator('[data-testid="em-rate"]').textContent())?.trim(),
        nEm: Number(await count.getAttribute("data-n-em")),
        nScored: Number(await count.getAttribute("data-n-scored")),
      };
      assert.equal(await page.locator('[data-testid="aligned-threshold"]').count(), 0, "the points have not arrived: no controls yet");
      await release();
      await page.locator('[data-testid="sensitivity-kpis"][data-em-first="live"]').waitFor();
      await waitForPage(page);
      // The judge the page chose (its select exists once the points are there).
      const judge = await page.locator('[data-testid="judge"]').inputValue();
      const c = cli(["--rule", rule, "--judge", judge]);
      assert.deepEqual(first, {rate: pctText(c.em_rate), nEm: c.n_em, nScored: c.n_scored}, `first paint = em summarize --rule ${rule} --judge ${judge}`);
      assert.ok(c.n_em > 0, "some EM answers: the comparison can fail");
      assert.equal((await page.locator('[data-testid="em-rate"]').textContent())?.trim(), first.rate, "the live number is the precomputed one");
      assert.equal(Number(await count.getAttribute("data-n-em")), first.nEm);
    });
  });
}

test("/sensitivity with a filter the build did not precompute shows no number before the points", async () => {
  await onHeld("/sensitivity?experiment=demo&category=__none__&from=1&to=2", async ({page, release}) => {
    const kpis = page.locator('[data-testid="sensitivity-kpis"]');
    await kpis.waitFor();
    assert.equal(await kpis.getAttribute("data-em-first"), "none");
    assert.doesNotMatch((await page.locator('[data-testid="em-rate"]').textContent()) ?? "", /\d/, "no number that is not the state's");
    // Pending, visibly and for readers: "computing…", no count hooks, a loading mark (tests wait on it).
    const count = page.locator('[data-testid="em-count"]');
    assert.equal((await count.textContent())?.trim(), "computing…");
    for (const a of ["data-n-em", "data-n-scored"]) assert.equal(await count.getAttribute(a), null, `no ${a} before the count is computed`);
    assert.equal(await page.locator('[data-testid="strict-em-rate"]').getAttribute("data-n-strict"), null);
    assert.equal(await kpis.getAttribute("data-em-loading"), "summary");
    await release();
    await page.locator('[data-testid="sensitivity-kpis"][data-em-first="live"]').waitFor();
    await waitForPage(page);
    // Then the computed count, attributes and text together (this filter selects no answer: 0 / 0 is the count).
    assert.equal(await kpis.getAttribute("data-em-loading"), null);
    assert.deepEqual(
      [await count.getAttribute("data-n-em"), await count.getAttribute("data-n-scored"), (await count.textContent())?.trim()],
      ["0", "0", "0 / 0"],
    );
  });
});

test("/sensitivity: the first number waits for no heavy module (points decoder, engine, charts, Arrow, Plot, d3 all held back)", async () => {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  const heavy = [
    /\/_file\/data\/points\.[0-9a-f]+\.arrow/,
    /\/_import\/components\/(sensitivity|sensitivity-views|engine|points|charts|page|live-charts)\.[0-9a-f]+\.js/,
    /\/_(node|npm)\/(apache-arrow|@observablehq\/plot|d3)[@-]/,
  ];
  const held: Route[] = [];
  const seen = new Set<string>();
  let released = false;
  for (const pattern of heavy)
    await page.route(pattern, (route) => {
      seen.add(String(pattern));
      if (released) void route.continue();
      else held.push(route);
    });
  try {
    // Not preloaded either: on HTTP/1.1 first.json would queue behind every preloaded module.
    const html = await (await fetch(`${site.server.url}/sensitivity`)).text();
    const preloads = [...html.matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(
      preloads.some((p) => p.includes("sensitivity-kpis")),
      "the first-paint module is preloaded",
    );
    assert.deepEqual(
      preloads.filter((p) => heavy.slice(1).some((h) => h.test(p))),
      [],
      "no heavy module preloaded",
    );
    await page.goto(`${site.server.url}/sensitivity?experiment=demo`, {waitUntil: "commit"});
    await page.locator('[data-testid="sensitivity-kpis"][data-em-first="build"]').waitFor();
    assert.match((await page.locator('[data-testid="em-rate"]').textContent()) ?? "", /^\d+\.\d%$/, "the first number is shown");
    // The points and the views module (sensitivity-views) are asked for at once and held; Arrow,
    // Plot and d3 are imported only by held modules, so not asked for yet. (With sensitivity-views
    // not held, its own Plot / d3 imports raced this check and failed it once under CI load.)
    assert.ok(seen.has(String(heavy[0])), "the points were requested with the first number's data");
    assert.ok(!seen.has(String(heavy[2])), "Arrow, Plot and d3 were not requested before the first number");
    assert.ok(held.length > 0);
    released = true;
    for (const r of held.splice(0)) await r.continue();
    await page.locator('[data-testid="sensitivity-kpis"][data-em-first="live"]').waitFor();
    await waitForPage(page);
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});

/** The fits table's rows: verdict attribute, then the cells' text (series, verdict, floor, ceiling, midpoint...). */
async function tableText(page: import("playwright-core").Page, scope: string): Promise<string[][]> {
  return page
    .locator(`${scope} [data-testid="transition-table"] tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) => [r.getAttribute("data-verdict") ?? "", ...[...r.querySelectorAll("td, th")].map((c) => (c.textContent ?? "").trim())]),
    );
}

/** The worker pool's jobs so far (one User Timing entry each: "em-fit <kind> (<priority>)"). */
async function fitJobs(page: import("playwright-core").Page): Promise<string[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType("measure")
      .map((m) => m.name)
      .filter((n) => n.startsWith("em-fit")),
  );
}

test("/transitions: the build's final fits are shown before the points arrive, with no fit; the page's own table has the same numbers and runs no fit for them", async () => {
  await onHeld("/transitions?experiment=demo", async ({page, release}) => {
    const first = page.locator('[data-testid="transitions-first"]');
    await first.locator('[data-testid="transition-table"]').waitFor();
    assert.equal(await first.getAttribute("data-em-first"), "build", "painted from the build's table");
    const table = first.locator('[data-testid="transition-table"]');
    assert.equal(await table.getAttribute("data-fit-stage"), "complete", "the build's fits are final: intervals and change points in");
    assert.equal(await first.locator("[data-em-loading], [aria-busy=true], [data-em-pending]").count(), 0, "no loading mark on final numbers");
    assert.equal(
      await page.locator('[data-testid="phase-transition"], figure[data-chart="phase-transition"]').count(),
      0,
      "the points have not arrived: no chart yet",
    );
    assert.deepEqual(await fitJobs(page), [], "no fit job ran for the first table");
    const before = await tableText(page, '[data-testid="transitions-first"]');
    assert.ok(before.length >= 2, "several series fitted");
    assert.ok(
      before.every((r) => r[0] !== ""),
      "every row has a verdict",
    );
    assert.ok(
      before.some((r) => r[0] === "credible" && /\d – \d/.test(r.join(" "))),
      "a credible transition with its interval is shown",
    );
    await release();
    await waitForPage(page);
    assert.equal(await page.locator('[data-testid="transitions-first"]').count(), 0, "the first table is gone once the page's own is in");
    assert.equal(await page.locator('[data-testid="transition-table"]').first().getAttribute("data-fit-stage"), "complete");
    // Every cell: the page's final table (every pass) is the build's.
    assert.deepEqual(await tableText(page, ""), before, "the same series, verdicts, fits, intervals, onsets and change points");
    // The change-point bootstrap is the only background job: none ran (the build's change points were used).
    assert.deepEqual(
      (await fitJobs(page)).filter((n) => n.includes("(background)")),
      [],
      "no change-point bootstrap in the worker",
    );
  });
});

test("/transitions?rule=organisms: the build's counts, fitted in the worker (the build fits only the default rule), then the page's own table", async () => {
  await onHeld("/transitions?experiment=demo&rule=organisms", async ({page, release}) => {
    const first = page.locator('[data-testid="transitions-first"]');
    await first.locator('[data-testid="transition-table"]').waitFor();
    assert.equal(await first.getAttribute("data-em-first"), "build");
    assert.equal(await first.locator('[data-testid="transition-table"]').getAttribute("data-fit-stage"), "fits", "pass 1 only: intervals pending");
    const before = await tableText(page, '[data-testid="transitions-first"]');
    assert.ok(before.length >= 2, "several series fitted");
    await release();
    await waitForPage(page);
    assert.equal(await page.locator('[data-testid="transitions-first"]').count(), 0);
    // The live table may have moved on to intervals and change points: compare what pass 1 fills
    // (verdict, series, verdict text, floor, ceiling, midpoint; merged cells for no transition).
    assert.deepEqual(
      (await tableText(page, "")).map((r) => r.slice(0, 6)),
      before.map((r) => r.slice(0, 6)),
      "the same series, verdicts and fitted numbers",
    );
  });
});

test("/transitions with a filter the build did not precompute shows no first table", async () => {
  await onHeld("/transitions?experiment=demo&rule=custom&aligned=20", async ({page, release}) => {
    const first = page.locator('[data-testid="transitions-first"]');
    await first.waitFor({state: "attached"});
    assert.equal(await first.getAttribute("data-em-first"), "none");
    assert.equal(await page.locator('[data-testid="transition-table"]').count(), 0);
    await release();
    await page.locator('[data-testid="transition-table"]').waitFor();
  });
});

test("/responses: the build's first page lists answers and opens a detail before the points arrive; its HTML preloads no chart, Arrow or engine module", async () => {
  const html = await (await fetch(`${site.server.url}/responses`)).text();
  const preloads = [...html.matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(
    preloads.some((p) => /responses-first-view\./.test(p)),
    `the first page's module is preloaded: ${preloads.join(" ")}`,
  );
  const heavy = preloads.filter((p) => /plot|apache-arrow|\/d3|duckdb|arquero|@stdlib|\/points\.|\/engine\.|responses-live\./.test(p));
  assert.deepEqual(heavy, [], "no heavy module before the first page");
  await onHeld("/responses?experiment=demo", async ({page, release}) => {
    const first = page.locator('[data-em-first="build"]');
    await first.locator('[data-testid="response-row"]:not([aria-busy])').first().waitFor();
    const row = first.locator('[data-testid="response-row"]').nth(1);
    const [model, step, question] = await row.locator("td").evaluateAll((tds) => tds.slice(0, 3).map((t) => t.textContent ?? ""));
    const answer = (await row.locator("td").last().textContent()) ?? "";
    await row.click();
    const text = page.locator('[data-testid="response-detail"] [data-testid="response-text"]');
    await text.waitFor();
    assert.ok(answer.length > 1 && (await text.textContent())!.startsWith(answer.replace(/…$/, "")), "the detail shows the clicked answer");
    const head = (await page.locator('[data-testid="response-detail"] h3').textContent()) ?? "";
    assert.ok(head.startsWith(`${model} · step ${step}`), `detail heading ${head} (row ${model} ${step} ${question})`);
    assert.equal(await page.locator('[data-testid="responses-live"]').count(), 0, "the points have not arrived: no live list yet");
    await release();
    // The points load on first use (issue 28: /responses loads nothing it does not show).
    await openResponsesLive(page);
    await waitForPage(page);
    assert.equal(await page.locator('[data-em-first="build"]').count(), 0, "the first page is replaced by the live list");
    assert.ok(((await text.textContent()) ?? "").length > 0, "the detail opened before the points stays open");
    // The live list fetches the exact scores of its rows in view, also those whose texts the first page read.
    const scores = await page
      .locator('[data-testid="responses-live"] [data-testid="response-row"]')
      .evaluateAll((rows) => rows.flatMap((r) => [...r.querySelectorAll("td")].slice(4, 6).map((td) => td.textContent ?? "")));
    assert.ok(scores.length > 0 && scores.every((t) => !t.includes("–")), `exact scores, not score bins: ${scores.slice(0, 12).join(" ")}`);
  });
});
