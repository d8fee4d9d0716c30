// Issue 12, "one analysis path": the pages' numbers equal `em summarize`'s for the same selection.
//  - The transitions page's fits (verdict, p for a constant rate, midpoint, interval, width, floor,
//    ceiling, onset, the seeded change point, the counts per coordinate) and its midpoint-over-
//    thresholds grid equal `em summarize --by variant --transition --sensitivity --format json`,
//    on the demo and on imported examples (steering-sweep: credible grid cells; lora-alpha: series
//    without a coordinate, which still take their seed index). The page fits in a worker and
//    publishes its fits in an inert JSON element (data-testid="transition-numbers") once the
//    change points' bootstrap is done; the grid is computed on demand (the "compute" button) and
//    published as data-testid="transition-grid-numbers".
//  - The response list's EM flags, under type exclusions, count what the sensitivity page and the
//    CLI count (and the exclusion changes the count, so the test can fail).
import {test, before, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {serveStatic, type StaticServer} from "../../loaders/static-server.ts";
import {launch, watch, describeProblems} from "../helpers/browser.ts";
import {buildSite, siteBuiltOn, waitForPage, ROOT} from "../helpers/site.ts";
import {
  midpointCellNumbers,
  transitionNumbersOfJson as transitionNumbersOf,
  type MidpointCellNumbers,
  type TransitionNumbers,
} from "../../src/lib/em/view-transition.ts";

const SHARED = join(ROOT, "..", "shared", "data");
const hasShared = existsSync(SHARED);
const EXAMPLES = ["data/experiments/examples/steering-sweep.yaml", "data/experiments/examples/lora-alpha.yaml"];

let demo: StaticServer;
let examples: StaticServer | null = null;
let browser: Browser;

before(async () => {
  await buildSite();
  demo = await serveStatic(join(ROOT, "dist"));
  if (hasShared) {
    examples = await serveStatic(await siteBuiltOn("parity", EXAMPLES));
  }
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await demo?.close();
  await examples?.close();
});

async function open(
  server: StaticServer,
  path: string,
  selector: string,
): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(90_000);
  const problems = watch(page, server.url);
  await page.goto(server.url + path, {waitUntil: "load"});
  await page.waitForSelector(selector, {state: "attached"});
  await waitForPage(page);
  return {page, problems, close: () => context.close()};
}

/** A series of `em summarize --transition --sensitivity --format json` (the fields compared; it carries more). */
type CliTransition = Omit<TransitionNumbers, "key"> & {key: Record<string, unknown>; sensitivity: (MidpointCellNumbers & {judge: string})[]};

function cli(file: string, args: string[]): {judges: string[]; transitions?: CliTransition[]; groups: {n_em: number; n_scored: number}[]} {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", file, "--format", "json", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, `em summarize ${args.join(" ")} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** What both sides report per series and per grid cell: the field lists live in src/lib (view-transition.ts). */
const project = (t: CliTransition) => transitionNumbersOf(String(t.key.variant), t);

interface PageNumbers {
  experiment: string;
  judge: string;
  by: string;
  scale: string;
  engine: string;
  series: TransitionNumbers[];
}

interface GridNumbers {
  series: string;
  judge: string;
  scale: string;
  cells: MidpointCellNumbers[];
}

/**
 * Equal, with real numbers to 1e-6 relative: run in Node, the page's code gives the CLI's numbers
 * bit for bit; Chromium's Math.exp / Math.log may differ from Node's in the last bit, which the
 * maximum-likelihood fit carries to ~1e-9. Integers, verdicts, keys and nulls must match exactly.
 */
function assertClose(actual: unknown, expected: unknown, where: string, path = "", rel = 1e-6): void {
  if (typeof expected === "number" && typeof actual === "number" && !Number.isInteger(expected)) {
    // Relative, or 1e-9 absolute for values at a bound (a floor of 1e-13 is a floor of 0).
    const tol = Math.max(rel * Math.abs(expected), 1e-9);
    assert.ok(Math.abs(actual - expected) <= tol, `${where}${path}: ${actual} vs ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(
      Array.isArray(actual) && actual.length === expected.length,
      `${where}${path}: ${JSON.stringify(actual)?.slice(0, 200)} vs ${JSON.stringify(expected).slice(0, 200)}`,
    );
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, where, `${path}[${i}]`, rel));
    return;
  }
  if (expected && typeof expected === "object") {
    assert.ok(actual && typeof actual === "object", `${where}${path}: ${JSON.stringify(actual)} vs an object`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${where}${path}: keys`);
    for (const [k, v] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[k], v, where, `${path}.${k}`, rel);
    return;
  }
  assert.equal(actual, expected, `${where}${path}`);
}

const readJson = async <T>(page: Page, testid: string): Promise<T> => JSON.parse((await page.locator(`[data-testid="${testid}"]`).textContent()) ?? "null");

/** Ask for the midpoint grid (the page computes it on demand) and wait until it is shown for `series`. */
async function gridOf(page: Page, series: string): Promise<GridNumbers> {
  // A DOM click: Playwright's click scrolls the button into view first, which already asks the page
  // for the grid and replaces the button before the click lands (see transitions-worker.test.ts).
  await page.evaluate(() => (document.querySelector('[data-testid="midpoint-grid-compute"]') as HTMLButtonElement | null)?.click());
  await page.waitForFunction((n) => JSON.parse(document.querySelector('[data-testid="transition-grid-numbers"]')?.textContent ?? "{}").series === n, series);
  return readJson<GridNumbers>(page, "transition-grid-numbers");
}

/** Open the transitions page, compare its fits and the grid of each listed series with the CLI's. */
async function checkTransitions(server: StaticServer, file: string, experiment: string, gridSeries: string[]): Promise<number> {
  const {page, problems, close} = await open(server, `/transitions?experiment=${encodeURIComponent(experiment)}`, '[data-testid="transition-numbers"]');
  try {
    const shown = await readJson<PageNumbers>(page, "transition-numbers");
    assert.equal(shown.experiment, experiment);
    assert.equal(shown.by, "variant");
    assert.equal(shown.engine, "worker", "the fits ran in the page's worker");
    // On demand: nothing computed the grid while the page opened.
    assert.equal(await page.locator('[data-testid="transition-grid-numbers"]').count(), 0, "the grid waits to be asked for");
    const out = cli(file, ["--judge", shown.judge, "--by", "variant", "--transition", "--sensitivity"]);
    const transitions = out.transitions ?? [];
    assert.ok(transitions.length > 0, "the CLI fits at least one series");
    assertClose(shown.series, transitions.map(project), `${experiment}: the page's fits vs em summarize --transition`);
    let credibleCells = 0;
    for (const name of gridSeries) {
      // (Selecting the series already shown changes nothing.)
      await page
        .locator("form select", {has: page.locator("option", {hasText: name})})
        .last()
        .selectOption({label: name});
      const grid = await gridOf(page, name);
      await waitForPage(page);
      assert.equal(grid.judge, shown.judge);
      const group = transitions.find((t) => String(t.key.variant) === name);
      assert.ok(group, `the CLI has series ${name}`);
      const expected = group.sensitivity.filter((c) => c.judge === shown.judge).map(midpointCellNumbers);
      assert.equal(expected.length, 42, "6 aligned x 7 coherent cuts");
      // Grid cells are fitted without a profile and some sit on a flat likelihood (few answers past
      // a strict cut), where the engines' last-bit differences move the optimum by up to ~1e-4
      // relative (measured: demo / fiction, aligned 20 / coherent 70). Verdicts stay exact.
      assertClose(grid.cells, expected, `${experiment} / ${name}: the midpoint grid vs em summarize --sensitivity`, "", 1e-3);
      credibleCells += expected.filter((c) => c.midpoint !== null).length;
    }
    assert.equal(describeProblems(problems), "", `problems on /transitions of ${experiment}`);
    return credibleCells;
  } finally {
    await close();
  }
}

test("demo: transitions page fits and midpoint grid = em summarize --transition --sensitivity", async () => {
  const credible = await checkTransitions(demo, "data/experiments/demo.yaml", "demo", ["medical", "fiction"]);
  assert.ok(credible > 0, "some grid cells are credible (midpoints compared, not only nulls)");
});

test("imported steering sweep: fits and grids = em summarize (credible cells included)", {
  skip: !hasShared && `reference data not found at ${SHARED}`,
}, async () => {
  const credible = await checkTransitions(examples!, EXAMPLES[0]!, "example-steering-sweep", ["steered / 32", "steered / 36"]);
  assert.ok(credible > 0, "some grid cells are credible");
});

test("imported LoRA alpha: series without a coordinate keep their place and seed, as in em summarize", {
  skip: !hasShared && `reference data not found at ${SHARED}`,
}, async () => {
  await checkTransitions(examples!, EXAMPLES[1]!, "example-lora-alpha", []);
});

test("response list EM flags = sensitivity page EM count = em summarize, under type exclusions", async () => {
  const count = async (path: string, testid: string) => {
    // The counts carry their attributes only once computed (pending: "computing…", none).
    const {page, problems, close} = await open(demo, path, `[data-testid="${testid}"][data-n-scored]`);
    try {
      const el = page.locator(`[data-testid="${testid}"]`);
      const n = {em: Number(await el.getAttribute("data-n-em")), scored: Number(await el.getAttribute("data-n-scored"))};
      assert.equal(describeProblems(problems), "", `problems on ${path}`);
      return {n, page, close};
    } catch (e) {
      await close();
      throw e;
    }
  };
  const judge = cli("data/experiments/demo.yaml", []).judges[0]!;
  const results: Record<string, number> = {};
  for (const exclude of ["", "in_domain,drift"]) {
    const q = `?experiment=demo&judge=${encodeURIComponent(judge)}${exclude ? `&exclude=${exclude}` : ""}`;
    const sens = await count(`/sensitivity${q}`, "em-count");
    await sens.close();
    const list = await count(`/responses${q}`, "response-em-count");
    // Rows shown flagged EM never have an excluded type.
    const flaggedTypes = await list.page.locator('[data-testid="response-row"][data-em] td:nth-child(7)').allTextContents();
    await list.close();
    const want = cli("data/experiments/demo.yaml", ["--judge", judge, ...(exclude ? ["--exclude-types", exclude] : [])]).groups[0]!;
    assert.deepEqual(list.n, sens.n, `exclude=${exclude || "none"}: response list vs sensitivity page`);
    assert.deepEqual(sens.n, {em: want.n_em, scored: want.n_scored}, `exclude=${exclude || "none"}: sensitivity page vs em summarize`);
    for (const t of flaggedTypes) assert.ok(!exclude.split(",").includes(t.trim()) || !exclude, `a row of excluded type ${t} is flagged EM`);
    results[exclude || "none"] = list.n.em;
  }
  assert.ok(
    results["in_domain,drift"]! < results.none!,
    `excluding in_domain and drift lowers the EM count (${results.none} -> ${results["in_domain,drift"]})`,
  );
});
