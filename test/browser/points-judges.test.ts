// Issue 28: points.arrow holds one stream per judge; every page downloads only the judges it shows
// (by byte range, where first.json says), and another judge's rows when that judge is chosen: with
// a visible status meanwhile, the select and the numbers staying on the current judge, then the
// numbers `em summarize` gives for the chosen judge.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import type {Page, Route} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, waitForUrl, ROOT, useBuiltSite} from "../helpers/site.ts";
import {openResponsesLive} from "../helpers/responses.ts";
import {decodePoints} from "../../src/components/points.ts";
import {compareJudgesOn, describeAgreement} from "../../src/components/judge-compare.ts";
import {selectionMask} from "../../src/components/selection.ts";
import {DEFAULT_STATE, parseState} from "../../src/components/store.ts";
import {POINTS_COLUMNS} from "../../src/lib/site-schema.ts";
import {tableFromIPC} from "apache-arrow";
import {parse} from "csv-parse/sync";
import {ruleOf} from "../../src/components/engine.ts";

const site = useBuiltSite();
const POINTS = /\/_file\/data\/points\.[0-9a-f]+\.arrow/;

function cli(args: string[]): {n_em: number; n_scored: number} {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", "data/experiments/demo.yaml", "--format", "json", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, `em summarize failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as {groups: {n_em: number; n_scored: number}[]}).groups[0]!;
}

/** The Range header (or "whole file") of each points.arrow request `page` makes, and the last such URL. */
function pointsRequests(page: Page): {ranges: string[]; url: () => string} {
  const ranges: string[] = [];
  let last = "";
  page.on("request", (r) => {
    if (!POINTS.test(r.url())) return;
    last = r.url();
    ranges.push(r.headers().range ?? "whole file");
  });
  return {ranges, url: () => last};
}

test("/sensitivity: only the shown judge's points are downloaded; another judge's load when chosen, with a status and no number of the wrong judge meanwhile", async () => {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  const {ranges, url} = pointsRequests(page);
  let hold = false;
  const held: Route[] = [];
  await page.route(POINTS, (route) => {
    if (hold) held.push(route);
    else void route.continue();
  });
  try {
    await page.goto(`${site.server.url}/sensitivity?experiment=demo`, {waitUntil: "commit"});
    await page.locator('[data-testid="sensitivity-kpis"][data-em-first="live"]').waitFor();
    await waitForPage(page);
    const select = page.locator('[data-testid="judge"]');
    const judge = await select.inputValue();
    const judges = await select.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(judges.length >= 2, `the demo's experiment has several judges (${judges.join(", ")})`);
    const other = judges.find((j) => j !== judge)!;
    // One range request, for part of the file.
    const size = (await (await fetch(url())).arrayBuffer()).byteLength;
    assert.equal(ranges.length, 1, `points requests: ${ranges.join("; ")}`);
    const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(ranges[0]!) ?? [];
    assert.ok(from !== undefined && Number(to) - Number(from) + 1 < size, `${ranges[0]} of a ${size}-byte file`);
    const before = {
      rate: await page.locator('[data-testid="em-rate"]').textContent(),
      nEm: await page.locator('[data-testid="em-count"]').getAttribute("data-n-em"),
    };
    const c0 = cli(["--judge", judge]);
    assert.equal(Number(before.nEm), c0.n_em, "the shown judge's numbers = em summarize");

    hold = true;
    await select.selectOption(other);
    const status = page.locator('[data-testid="points-loading"]');
    await status.waitFor({state: "visible"});
    assert.match((await status.textContent()) ?? "", new RegExp(`Loading judge ${other.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    while (!held.length) await page.waitForTimeout(50);
    assert.equal(await select.inputValue(), judge, "the select stays on the shown judge while the other loads");
    assert.equal(await page.locator('[data-testid="em-rate"]').textContent(), before.rate, "the numbers stay the shown judge's");
    assert.equal(await page.locator('[data-testid="em-count"]').getAttribute("data-n-em"), before.nEm);
    hold = false;
    for (const r of held.splice(0)) await r.continue();
    await page.waitForFunction((j) => (document.querySelector('[data-testid="judge"]') as HTMLSelectElement | null)?.value === j, other);
    await waitForPage(page);
    await waitForUrl(page, (u) => u.searchParams.get("judge") === other, "the URL says the judge shown");
    const c1 = cli(["--judge", other]);
    const count = page.locator('[data-testid="em-count"]');
    assert.deepEqual(
      [Number(await count.getAttribute("data-n-em")), Number(await count.getAttribute("data-n-scored"))],
      [c1.n_em, c1.n_scored],
      `judge ${other} = em summarize --judge ${other}`,
    );
    assert.notDeepEqual([c0.n_em, c0.n_scored], [c1.n_em, c1.n_scored], "the judges differ: the check can fail");
    assert.equal(ranges.length, 2, `one more range request: ${ranges.join("; ")}`);
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});

// Every page loads points.arrow through the same range loader (points-loader.ts): the judge it shows.
const ONE_JUDGE_PAGES = ["/categories", "/transitions", "/audit", "/responses"];

test("/categories, /transitions, /audit and /responses download only the shown judge's byte range of points.arrow; the judge select marks the others", async () => {
  for (const path of ONE_JUDGE_PAGES) {
    const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}});
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const problems = watch(page, site.server.url);
    const {ranges, url} = pointsRequests(page);
    try {
      await page.goto(`${site.server.url}${path}?experiment=demo`, {waitUntil: "commit"});
      // /responses downloads the points on first use: the controls' button.
      if (path === "/responses") await openResponsesLive(page);
      const select = page.locator('[data-testid="judge"]');
      await select.waitFor();
      await waitForPage(page);
      assert.ok(url(), `${path}: points.arrow requested`);
      const size = (await (await fetch(url())).arrayBuffer()).byteLength;
      assert.equal(ranges.length, 1, `${path}: points requests: ${ranges.join("; ")}`);
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(ranges[0]!) ?? [];
      assert.ok(from !== undefined && Number(to) - Number(from) + 1 < size, `${path}: ${ranges[0]} of a ${size}-byte file`);
      // The judge not loaded is offered, marked (not widened by a phrase), and the note says what the mark means.
      const labels = await select.locator("option").evaluateAll((os) => os.map((o) => o.textContent ?? ""));
      assert.equal(labels.length, 2, `${path}: both judges offered (${labels.join(", ")})`);
      assert.equal(labels.filter((l) => l.endsWith(" ↓")).length, 1, `${path}: one judge marked not loaded (${labels.join(", ")})`);
      assert.ok(!labels.some((l) => l.includes("loads when chosen")), `${path}: no phrase in the options`);
      assert.equal((await page.locator('[data-testid="points-note"]').textContent())?.trim(), "↓ loads when chosen");
      assert.ok(await page.locator('[data-testid="points-note"]').isVisible(), `${path}: the note is shown`);
      assert.equal(describeProblems(problems), "", path);
    } finally {
      await context.close();
    }
  }
});

const EXACT = /\/_file\/data\/points-exact\.[0-9a-f]+\.arrow/;
/** The built site's data file `stem.<hash>.ext`. */
function builtFile(stem: string, ext: string): string {
  const dir = join(site.root, "_file/data");
  const hits = readdirSync(dir).filter((f) => new RegExp(`^${stem}\\.[0-9a-f]+\\.${ext}$`).test(f));
  assert.equal(hits.length, 1, `${stem}.<hash>.${ext} in ${dir}: ${hits.join(", ")}`);
  return join(dir, hits[0]!);
}

/** A fresh page (downloads accepted) recording the Range header ("whole file" without one) of each points-exact.arrow request. */
async function exactPage() {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}, acceptDownloads: true});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  const requests: string[] = [];
  page.on("request", (r) => {
    if (EXACT.test(r.url())) requests.push(r.headers().range ?? "whole file");
  });
  return {context, page, problems, requests};
}

test("the exact scores are written once: points-exact.arrow, no points-full.arrow", () => {
  const files = readdirSync(join(site.root, "_file/data"));
  assert.deepEqual(
    files.filter((f) => /^points-full\./.test(f)),
    [],
  );
  assert.ok(builtFile("points-exact", "arrow"));
});

test("/judges downloads the exact scores of judges A and B only (points-exact.arrow by range), and shows what the whole exact table gives for them", async () => {
  const {context, page, problems, requests: ranges} = await exactPage();
  try {
    await page.goto(`${site.server.url}/judges?experiment=demo`, {waitUntil: "commit"});
    const agreement = page.locator('[data-testid="judge-agreement"]');
    await agreement.waitFor();
    await waitForPage(page);
    assert.equal(ranges.length, 2, `one range per judge compared: ${ranges.join("; ")}`);
    assert.ok(
      ranges.every((r) => /^bytes=\d+-\d+$/.test(r)),
      ranges.join("; "),
    );
    const a = await page.locator('[data-testid="judge"]').inputValue();
    // Judge B: the URL names none, so the first other judge of the experiment, and the select shows it (it was blank).
    const dir = join(site.root, "_file/data");
    const firstFile = readdirSync(dir).find((f) => /^first\.[0-9a-f]+\.json$/.test(f))!;
    const judges = (JSON.parse(readFileSync(join(dir, firstFile), "utf8")) as {judges: Record<string, string[]>}).judges.demo!;
    const b = await page.locator('[data-testid="judge-b"]').inputValue();
    assert.equal(
      b,
      judges.find((j) => j !== a),
      `the Judge B select shows the judge compared (judges: ${judges.join(", ")})`,
    );
    // The same comparison from the whole exact table (points-exact.arrow, every judge) in Node.
    const points = decodePoints(readFileSync(builtFile("points-exact", "arrow")));
    const state = {...DEFAULT_STATE, experiment: "demo", judge: a};
    const cmp = compareJudgesOn(points, selectionMask(points, state, ["judge"]), a, b, ruleOf(state));
    assert.ok(cmp.pairs.length > 0);
    assert.equal((await agreement.textContent())?.trim(), describeAgreement(cmp));
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});

test("/sql: the `points` table is every stream of points-exact.arrow, appended: the file's columns, and per judge the rows, scores and EM counts the whole exact file decoded in Node gives", async () => {
  const {context, page, problems, requests} = await exactPage();
  try {
    await page.goto(`${site.server.url}/sql?experiment=demo`, {waitUntil: "commit"});
    await page.waitForSelector('[data-testid="sql-result-count"]');
    await waitForPage(page);
    assert.deepEqual(requests, ["whole file"], "the SQL page reads points-exact.arrow once, whole");
    const cell = async (sql: string): Promise<string> => {
      await page.locator('[data-testid="sql-input"]').fill(sql);
      await page.locator('[data-testid="sql-run"]').click();
      await page.waitForFunction(() => !document.querySelector(".em-sql-out .em-loading"));
      await page.waitForSelector('[data-testid="sql-result-count"], [data-testid="sql-error"]');
      const error = await page.locator('[data-testid="sql-error"]').allTextContents();
      assert.deepEqual(error, [], sql);
      return (await page.locator(".em-sql-out table tbody tr td").allTextContents()).find((t) => t.startsWith("@"))?.slice(1) ?? "";
    };
    const bytes = readFileSync(builtFile("points-exact", "arrow"));
    const segments = (JSON.parse(readFileSync(builtFile("first", "json"), "utf8")) as {exact: {judge: string}[]}).exact;
    assert.ok(segments.length >= 2, `the demo has several judges (${segments.length} streams): the test covers appending`);
    const schema = tableFromIPC(bytes).schema.fields.map((f) => f.name);
    assert.deepEqual(
      schema.filter((c) => c in POINTS_COLUMNS),
      Object.keys(POINTS_COLUMNS),
      "every documented column",
    );
    const columns = await cell("SELECT '@' || string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns() WHERE table_name = 'points'");
    assert.equal(columns, schema.join(","));
    const perJudge = await cell(
      `SELECT '@' || string_agg(judge || ':' || n || ':' || n_a || ':' || n_c || ':' || n_em || ':' || n_rid || ':' || n_values || ':' || n_type, ';' ORDER BY judge) FROM (
        SELECT judge, count(*) AS n, count(aligned) AS n_a, count(coherent) AS n_c, count(*) FILTER (WHERE aligned < 29.5 AND coherent > 50) AS n_em,
          count(DISTINCT rid) AS n_rid, count(DISTINCT aligned) AS n_values, count(type) AS n_type
        FROM points GROUP BY judge)`,
    );
    const p = decodePoints(bytes);
    const expected = [...p.dicts.judge]
      .sort()
      .map((judge) => {
        const code = p.dicts.judge.indexOf(judge);
        const rows = [...Array(p.n).keys()].filter((i) => p.codes.judge[i] === code);
        const valid = (a: Float64Array) => rows.filter((i) => !Number.isNaN(a[i]!));
        const em = rows.filter((i) => p.aligned[i]! < 29.5 && p.coherent[i]! > 50).length;
        const values = new Set(valid(p.aligned).map((i) => p.aligned[i]!)).size;
        const typed = rows.filter((i) => p.codes.type[i]! >= 0).length;
        return [judge, rows.length, valid(p.aligned).length, valid(p.coherent).length, em, new Set(rows.map((i) => p.rid[i]!)).size, values, typed].join(":");
      })
      .join(";");
    assert.equal(perJudge, expected);
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});

test("/responses: a download reads the exact scores of the judges the page loaded only (points-exact.arrow by range), and writes them", async () => {
  const {context, page, problems, requests} = await exactPage();
  try {
    const first = JSON.parse(readFileSync(builtFile("first", "json"), "utf8")) as {
      judges: Record<string, string[]>;
      exact: {judge: string; start: number; end: number}[];
    };
    const judge = first.judges.demo![0]!;
    const search = `?experiment=demo&model=medical&judge=${encodeURIComponent(judge)}`;
    await page.goto(`${site.server.url}/responses${search}`, {waitUntil: "commit"});
    await page.locator('[data-testid="download-csv"]').waitFor();
    await waitForPage(page);
    assert.deepEqual(requests, [], "nothing exact is read before a download");
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator('[data-testid="download-csv"]').click()]);
    const csv = parse(readFileSync((await download.path())!), {columns: true}) as Record<string, string>[];
    const ranges = first.exact.map((s) => `bytes=${s.start}-${s.end - 1}`);
    assert.ok(requests.length > 0 && requests.every((r) => ranges.includes(r)), `by the judges' ranges only: ${requests.join("; ")}`);
    assert.ok(requests.length < ranges.length, `not every judge's exact scores (${requests.length} of ${ranges.length})`);
    // The slice's exact scores, as the whole exact file decoded in Node gives them for the page's selection.
    const p = decodePoints(readFileSync(builtFile("points-exact", "arrow")));
    const mask = selectionMask(p, parseState(search));
    const num = (x: number) => (Number.isNaN(x) ? "" : String(x));
    const expected = [...Array(p.n).keys()]
      .filter((i) => mask[i])
      .map((i) => `${p.dicts.judge[p.codes.judge[i]!]}|${num(p.aligned[i]!)}|${num(p.coherent[i]!)}`);
    assert.ok(expected.length > 0);
    assert.ok(
      expected.some((x) => /\.\d/.test(x.split("|")[1]!)),
      "some exact score is not an integer (a bin would not show it)",
    );
    assert.deepEqual(csv.map((r) => `${r.judge}|${r.aligned}|${r.coherent}`).sort(), expected.sort());
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});

test("/transitions: the per-judge midpoints fit the judge loaded; a button loads the other judge (a status while it loads), then both are fitted", async () => {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(90_000);
  const problems = watch(page, site.server.url);
  const ranges: string[] = [];
  page.on("request", (r) => {
    if (POINTS.test(r.url())) ranges.push(r.headers().range ?? "whole file");
  });
  let hold = false;
  const held: Route[] = [];
  await page.route(POINTS, (route) => {
    if (hold) held.push(route);
    else void route.continue();
  });
  try {
    await page.goto(`${site.server.url}/transitions?experiment=demo`, {waitUntil: "commit"});
    const rows = page.locator('[data-testid="midpoint-by-judge"] tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1, "one judge loaded, one fitted");
    assert.equal(ranges.length, 1);
    hold = true;
    await page.locator('[data-testid="load-judges"]').click();
    // The midpoints' status (the judge select's own status is hidden).
    const status = page.locator('[data-testid="points-loading"]:not([hidden])');
    await status.waitFor({state: "visible"});
    assert.match((await status.textContent()) ?? "", /^Loading judge .+'s scores…$/);
    while (!held.length) await page.waitForTimeout(50);
    hold = false;
    for (const r of held.splice(0)) await r.continue();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="midpoint-by-judge"] tbody tr').length === 2);
    assert.equal(await page.locator('[data-testid="load-judges"]').count(), 0, "no judge left to load");
    assert.equal(ranges.length, 2, ranges.join("; "));
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});
