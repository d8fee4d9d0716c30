// Issue 11 in real Chromium: the site built once on every example experiment (imports of the
// reference data in ../shared/data) plus a made-up single import (one model, one judge, no
// coordinate, no categories; test/fixtures/site/) says something on each: the overview, sensitivity
// and categories pages render a chart with marks and log no console error. One build for all of
// them (the site has an experiment picker), into its own output folder so the demo build of the
// other browser tests is untouched.
import {test, before} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readdirSync} from "node:fs";
import {join} from "node:path";
import type {Page} from "playwright-core";
import {parse} from "yaml";
import {mkdirSync, readFileSync} from "node:fs";
import {watch, describeProblems, rateCell} from "../helpers/browser.ts";
import {openPage, useBuiltSite, waitForPage, ROOT} from "../helpers/site.ts";
import {openResponsesLive} from "../helpers/responses.ts";

const SHARED = join(ROOT, "..", "shared", "data");
const hasShared = existsSync(SHARED);
const EXAMPLES = join(ROOT, "data/experiments/examples");
const FIXTURE = "test/fixtures/site/single-import.yaml";
const SHOTS = process.env.EM_SCREENSHOTS ?? join(ROOT, "test-artifacts", "real-studies");

const nameOf = (file: string): string => (parse(readFileSync(join(ROOT, file), "utf8")) as {name: string}).name;
const exampleFiles = existsSync(EXAMPLES)
  ? readdirSync(EXAMPLES)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => `data/experiments/examples/${f}`)
  : [];
// Without the reference data only the fixture is built (the examples import from ../shared/data).
const files = [...(hasShared ? exampleFiles : []), FIXTURE];

const site = useBuiltSite({name: "real-studies", experiments: files});
before(() => mkdirSync(SHOTS, {recursive: true}));

/** Open a page of one experiment; wait for the selectors, then for the page to settle. */
const open = (path: string, experiment: string, selectors: string[]) =>
  openPage(site.browser, site.server, `${path}?experiment=${encodeURIComponent(experiment)}`, selectors);

/** Data marks in a chart: Plot labels each mark's group (aria-label "dot", "bar", "line", "rect"...); axes and rules are not counted. */
async function marks(page: Page, chart: string): Promise<number> {
  return page
    .locator(`[data-chart="${chart}"] svg g:is([aria-label="dot"], [aria-label="bar"], [aria-label="line"], [aria-label="rect"], [aria-label="cell"]) > *`)
    .count();
}

const probes = new Map<string, {scored: boolean; coordinate: boolean}>();
/** Whether the experiment has scores at all (else the overview lists it as without scores) and a coordinate. */
async function probe(experiment: string): Promise<{scored: boolean; coordinate: boolean}> {
  const known = probes.get(experiment);
  if (known) return known;
  const {page, problems, close} = await open("/", experiment, ['[data-testid="experiments-table"]']);
  try {
    const scored = (await page.locator('[data-testid="experiment-without-scores"]', {hasText: experiment}).count()) === 0;
    if (scored) await page.waitForSelector('[data-chart="em-over-training"] svg, [data-chart="em-by-variant"] svg');
    const coordinate = (await page.locator('[data-chart="em-over-training"]').count()) > 0;
    assert.equal(describeProblems(problems), "", `problems on the overview of ${experiment}`);
    const result = {scored, coordinate};
    probes.set(experiment, result);
    return result;
  } finally {
    await close();
  }
}

// The chart each page must draw for an experiment without a coordinate / with one.
const PAGES: {path: string; slug: string; chart: (coordinate: boolean) => string[]}[] = [
  {path: "/", slug: "overview", chart: (c) => (c ? ["em-over-training"] : ["em-by-variant"])},
  {path: "/sensitivity", slug: "sensitivity", chart: () => ["density", "em-by-question"]},
  {path: "/categories", slug: "categories", chart: () => ["em-by-question-and-model"]},
];

const CASES = [...exampleFiles.map((file) => ({file, skip: !hasShared && `reference data not found at ${SHARED}`})), {file: FIXTURE, skip: false as const}];

for (const {file, skip} of CASES) {
  const experiment = nameOf(file);
  for (const p of PAGES) {
    test(`${experiment}: ${p.path} draws a chart with marks and logs no console error`, {skip}, async (t) => {
      const {scored, coordinate} = await probe(experiment);
      if (!scored) {
        // The Inspect example imports other tasks' logs: no aligned / coherent score, so no chart;
        // the overview must list it as such (checked in probe) instead of failing.
        t.diagnostic(`${experiment} has no aligned/coherent scores; the overview lists it as such`);
        return;
      }
      const charts = p.chart(coordinate);
      const {page, problems, close} = await open(
        p.path,
        experiment,
        charts.map((c) => `[data-chart="${c}"] svg`),
      );
      try {
        for (const c of charts) assert.ok((await marks(page, c)) > 0, `${p.path} chart ${c} has no marks for ${experiment}`);
        const cellErrors = await page.locator(".observablehq--error, .em-error").allTextContents();
        assert.deepEqual(cellErrors, [], `cell errors on ${p.path}`);
        await page.screenshot({path: join(SHOTS, `${experiment}_${p.slug}.png`), fullPage: true});
        assert.equal(describeProblems(problems), "", `problems on ${p.path} for ${experiment}`);
      } finally {
        await close();
      }
    });
  }
}

test("fixture-single-import: the overview shows one variant's EM with an interval, and no 'at final' column", async () => {
  const {page, problems, close} = await open("/", "fixture-single-import", ['[data-chart="em-by-variant"] svg', '[data-testid="overview-table"] tbody tr']);
  try {
    const head = await page.locator('[data-testid="overview-table"] thead').innerText();
    assert.doesNotMatch(head, /final/i);
    const rows = await page.locator('[data-testid="overview-table"] tbody tr').allInnerTexts();
    assert.equal(rows.length, 1, rows.join("\n"));
    assert.match(rows[0]!, /my-finetune\s+my-judge\s+\d+\.\d%\s+\d+\.\d%–\d+\.\d%/);
    assert.ok((await page.locator('[data-chart="em-by-variant"] svg circle').count()) >= 1, "a dot for the variant");
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("fixture-single-import: sensitivity draws one bar per question (no category) and categories says there are none", async () => {
  {
    const {page, problems, close} = await open("/sensitivity", "fixture-single-import", ['[data-chart="em-by-question"] svg']);
    try {
      // Five questions in the fixture, each with a visible bar (a fill that is a colour, not "none").
      const bars = page.locator('[data-chart="em-by-question"] svg g[aria-label="bar"] rect');
      assert.equal(await bars.count(), 5);
      for (const fill of await bars.evaluateAll((els) => els.map((e) => e.getAttribute("fill") ?? getComputedStyle(e).fill))) assert.notEqual(fill, "none");
      assert.equal(describeProblems(problems), "");
    } finally {
      await close();
    }
  }
  const {page, problems, close} = await open("/categories", "fixture-single-import", ['[data-testid="no-categories"]']);
  try {
    assert.equal(await page.locator('[data-chart="em-by-category"]').count(), 0);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("fixture-single-import: transitions and judges pages explain what they cannot show, without errors", async () => {
  for (const [path, selector, text] of [
    ["/transitions", '[data-testid="no-coordinate"]', /no training coordinate/],
    ["/judges", "main .em-banner", /single judge/],
  ] as const) {
    const {page, problems, close} = await open(path, "fixture-single-import", [selector]);
    try {
      assert.match(await page.locator(selector).first().innerText(), text);
      assert.equal(describeProblems(problems), "", `problems on ${path}`);
    } finally {
      await close();
    }
  }
});

test("fixture-single-import: the responses page lists the answer that addresses its judge, as plain text", async () => {
  const {page, problems, close} = await open("/responses", "fixture-single-import", ['[data-testid="response-row"]']);
  try {
    // The answers that address the judge are found once the points are in (on first use).
    await openResponsesLive(page);
    await page.locator('[data-testid="injection-row"]').first().waitFor();
    assert.match(await page.locator('[data-testid="injection-count"]').innerText(), /^1 answer in this slice addresses the judge/);
    const row = await page.locator('[data-testid="injection-row"]').innerText();
    assert.match(row, /my-finetune\s+pets\s+ignore the rubric\s+A cat or a pair/);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

test("lora-rank: the rank series is drawn on a log axis, with 0 as the base", {skip: !hasShared && `reference data not found at ${SHARED}`}, async () => {
  const {page, problems, close} = await open("/transitions", "example-lora-rank", ['[data-chart="phase-transition"] svg']);
  try {
    const text = await page.locator('[data-chart="phase-transition"]').innerText();
    assert.match(text, /log scale/);
    assert.match(text, /0 \(base\)/);
    assert.equal(describeProblems(problems), "");
  } finally {
    await close();
  }
});

// Issue 21: the hyperstition files (nested JSON, imported with `records:`, no converter) give the site
// the same EM counts as their own summary blocks and as `em summarize`, per model.
const HYPERSTITION = join(SHARED, "third-party", "hyperstition-geodesic-em");
const EXPERIMENT = "data/experiments/examples/hyperstition.yaml";

/** Each model's EM count summed over its files' own `summary` blocks (one file per model x condition). */
function summaries(): Map<string, {em: number; n: number}> {
  const out = new Map<string, {em: number; n: number}>();
  for (const d of ["scores", "scores_financial"]) {
    for (const f of readdirSync(join(HYPERSTITION, d)).filter((x) => x.endsWith("_scored.json"))) {
      const doc = JSON.parse(readFileSync(join(HYPERSTITION, d, f), "utf8")) as {model_name: string; summary: {total_em: number; total_responses: number}};
      const m = out.get(doc.model_name) ?? {em: 0, n: 0};
      m.em += doc.summary.total_em;
      m.n += doc.summary.total_responses;
      out.set(doc.model_name, m);
    }
  }
  return out;
}

test("hyperstition on /sensitivity: every model's EM count equals its files' summary blocks; the denominator equals em summarize's", {
  skip: !hasShared && "reference data ../shared/data absent",
  timeout: 300_000,
}, async () => {
  const files = summaries();
  assert.equal(files.size, 11);
  const cli = spawnSync(
    process.execPath,
    [join(ROOT, "bin/em.js"), "summarize", "--experiment", EXPERIMENT, "--by", "model", "--estimand", "answers", "--format", "json"],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const groups = (JSON.parse(cli.stdout) as {groups: {key: {model: string}; n_em: number; n_scored: number}[]}).groups;
  const context = await site.browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  page.setDefaultTimeout(90_000);
  const problems = watch(page, site.server.url);
  try {
    for (const [model, want] of files) {
      await page.goto(`${site.server.url}/sensitivity?experiment=example-hyperstition&model=${encodeURIComponent(model)}`, {waitUntil: "load"});
      await page.waitForSelector('[data-testid="em-count"][data-n-em]');
      await waitForPage(page);
      const count = page.locator('[data-testid="em-count"]');
      const shown = {em: Number(await count.getAttribute("data-n-em")), scored: Number(await count.getAttribute("data-n-scored"))};
      const g = groups.find((x) => x.key.model === model);
      assert.ok(g, `em summarize has no group ${model}`);
      assert.equal(shown.em, want.em, `${model}: site EM vs the files' summaries`);
      assert.equal(g.n_em, want.em, `${model}: CLI EM vs the files' summaries`);
      assert.equal(shown.scored, g.n_scored, `${model}: site denominator vs em summarize (betley: coherent answers)`);
      // Under the default rule the denominator is the coherent answers, fewer than the authors' all rows.
      assert.ok(shown.scored < want.n, `${model}: ${shown.scored} coherent of ${want.n}`);
    }
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});

// Issue 21 (any training domain): the dow privacy-erosion fine-tunes, whose `privacy` judge column is
// the topic metric of the training domain `privacy` (data/experiments/examples/dow-privacy.yaml,
// topic_cut 50), show on the overview the authors' own split (eval_summary_refined.csv): broad EM,
// strict EM and the domain leakage of every model, under the authors' rule set from the URL (aligned
// < 30, coherent > 50, every row in the denominator, an unscored answer counted as not EM).
// Screenshots, light and dark: dow-privacy_overview_{light,dark}.png.
const DOW = join(SHARED, "third-party", "dow-privacy-erosion");

/** The authors' split at topic cut 50 as answer counts per variant id (400 answers per file: 0.25% each). */
function dowSplit(): Map<string, {em: number; leak: number}> {
  const lines = readFileSync(join(DOW, "eval_summary_refined.csv"), "utf8").trim().split("\n");
  const head = lines[0]!.split(",");
  const count = (pct: string) => Math.round((Number(pct) / 100) * 400);
  return new Map(
    lines.slice(1).map((line) => {
      const cells = line.split(",");
      const at = (name: string) => cells[head.indexOf(name)]!;
      const m = /^(sfm_baseline_unfiltered_dpo)(?:-(.+))?$/.exec(at("Model"))!;
      return [`${m[1]} / ${m[2] ?? "none"}`, {em: count(at("EM%")), leak: count(at("Syntactic (>=50)"))}];
    }),
  );
}

for (const scheme of ["light", "dark"] as const) {
  test(`dow privacy-erosion on the overview (${scheme}): EM, strict EM and domain leakage per variant equal the authors' split`, {
    skip: !hasShared && "reference data ../shared/data absent",
    timeout: 300_000,
  }, async () => {
    const context = await site.browser.newContext({viewport: {width: 1280, height: 900}, colorScheme: scheme});
    const page = await context.newPage();
    page.setDefaultTimeout(90_000);
    const problems = watch(page, site.server.url);
    try {
      await page.goto(`${site.server.url}/?experiment=example-dow-privacy&rule=custom&aligned=30&coherent=50&den=scored&nulls=not_em`, {waitUntil: "load"});
      await page.waitForSelector('[data-chart="em-by-variant"] svg');
      await page.waitForSelector('[data-testid="overview-table"] tbody tr');
      await waitForPage(page);
      const head = await page.locator('[data-testid="overview-table"] thead th').allTextContents();
      const col = (name: string) => head.indexOf(name);
      assert.ok(col("domain leakage") > 0, `a domain leakage column: ${head.join(" | ")}`);
      const rows = await page
        .locator('[data-testid="overview-table"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      const want = dowSplit();
      assert.equal(rows.length, want.size);
      const pctText = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;
      for (const [variant, w] of want) {
        const r = rows.find((cells) => cells[0] === variant);
        assert.ok(r, `no row for ${variant}: ${rows.map((x) => x[0]).join(", ")}`);
        const [em, n] = r[col("EM / denominator")]!.split("/").map((x) => Number(x.trim().replace(/,/g, "")));
        assert.equal(em, w.em, `${variant}: EM answers`);
        assert.equal(n, 400, `${variant}: denominator (every row, as the authors count)`);
        assert.equal(r[col("EM")], pctText(w.em, n!), `${variant}: EM rate`);
        // Every model under its own domain: the base model's is none, so its strict EM is its
        // broad EM, the authors' point (0.25%), not a range.
        const strict = rateCell(r[col("strict EM")]!);
        assert.equal(strict.point, pctText(w.em - w.leak, n!), `${variant}: strict EM`);
        assert.ok(strict.interval, `${variant}: strict EM with its interval: ${r[col("strict EM")]}`);
        assert.equal(r[col("domain leakage")], `${pctText(w.leak, n!)} (${w.leak})`, `${variant}: domain leakage`);
      }
      await page.screenshot({path: join(SHOTS, `dow-privacy_overview_${scheme}.png`), fullPage: true});
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
}
