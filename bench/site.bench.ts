// The site at scale: build-time table cost in Node and page timings in real headless Chromium, on
// seeded synthetic data (bench/synthetic.ts), with the same-run DuckDB-WASM comparison of issue 13.
// Writes bench/results/site.json; bench/write.ts puts it in docs/benchmarks.md.
//
//   node --import tsx bench/site.bench.ts
//
// Env: RESPONSES=100000,1000000 (sizes, comma-separated; the verdicts use the largest);
// GENERATORS=synthetic,b (which data: "synthetic" = bench/synthetic.ts's rows through the table
// functions; "b" = bench/lib/sweep-b.ts's CSV files, written by bench/import-scale.ts, imported by
// the real importer and turned into the site's files by the Framework data loaders themselves, so
// the bench data is not tuned to the code);
// DETAILS_MAX=1000000 (details.parquet is built only up to this many responses; above it
// an empty one is written and the detail view is not timed); REPS=20 (timed threshold changes, searches and DuckDB queries);
// BROWSER=0 (Node part only); PAGES=sensitivity,responses,transitions,categories (which pages the
// browser part opens; an A/B of one page need not time the others); CHROMIUM_PATH (default /usr/bin/chromium); KEEP=1 (keep the
// temporary sites).
//
// What to adapt when the build or the pages change: DATA_FILES (bench/lib/site-files.ts: every
// built data file, by stem and extension) with BUILDERS here (the synthetic bytes of each written
// one); DUCKDB_SOURCES and duckdbSql (what DuckDB-WASM loads and the SQL for the numbers
// /sensitivity shows); SENS_EXPERIMENT / SENS_JUDGE; the `pages` list in browserRun. Pages are
// timed by data-testid hooks only: em-rate, em-count (data-n-em, data-n-scored),
// aligned-threshold, response-row, response-count, response-search, response-detail,
// response-text, midpoint-by-judge, and figure[data-chart="model-question-heatmap"]. A missing
// hook or data file fails the run with its name; nothing is skipped silently.
//
// Browser part: dist/ (built by `npm run build` when missing) is copied to a temporary folder per
// size, its points / texts / details / summary files are overwritten with the synthetic ones (same
// hashed names: Framework serves whatever bytes are there), and the copy is served on 127.0.0.1.
// Each page is opened in a fresh browser context (cold: no HTTP cache). Times are the page's own
// performance.now(), i.e. milliseconds since navigation start.
import {spawnSync} from "node:child_process";
import {closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import type {Browser, Page} from "playwright-core";
import {encodePointsFull, encodePointsSegments, pointsData} from "../loaders/site-points.ts";
import {firstPaint} from "../loaders/site-first.ts";
import {responsesFirst} from "../loaders/site-responses-first.ts";
import {stepTallies} from "../loaders/site-steps.ts";
import {collect, writeDetails, writeIds, writeSearchIndex, writeTexts} from "../loaders/site-texts.ts";
import {synthesize, syntheticSummary, type SyntheticData} from "./synthetic.ts";
import {B_JUDGE} from "./lib/sweep-b.ts";
import {serveStatic} from "../loaders/static-server.ts";
import {launch, watch, describeProblems} from "../test/helpers/browser.ts";
import {waitForPage, ROOT} from "../test/helpers/site.ts";
import {commandLine, dist, fmtMs, writeSection, type Dist, type Verdict} from "./lib/results.ts";
import {checkDataFiles, DATA_FILES, dataFile, DataFilesChanged} from "./lib/site-files.ts";

const SIZES = (process.env.RESPONSES ?? "100000,1000000").split(",").map((s) => Number(s.trim().replace(/_/g, "")));
const DETAILS_MAX = Number(process.env.DETAILS_MAX ?? 1_000_000);
const REPS = Number(process.env.REPS ?? 20);
const BROWSER = process.env.BROWSER !== "0";
const GENERATORS = (process.env.GENERATORS ?? "synthetic,b").split(",").map((s) => s.trim());
for (const g of GENERATORS) if (g !== "synthetic" && g !== "b") throw new Error(`GENERATORS: synthetic or b, got '${g}'`);
const PAGES = (process.env.PAGES ?? "sensitivity,responses,transitions,categories").split(",").map((s) => s.trim());
for (const p of PAGES)
  if (!["sensitivity", "responses", "transitions", "categories"].includes(p))
    throw new Error(`PAGES: sensitivity, responses, transitions or categories, got '${p}'`);
const PAGE_TIMEOUT = 180_000;
for (const n of SIZES) if (!Number.isInteger(n) || n < 1) throw new Error(`RESPONSES: not a positive integer: ${process.env.RESPONSES}`);
if (!Number.isInteger(REPS) || REPS < 1 || REPS > 100) throw new Error(`REPS must be 1..100, got ${process.env.REPS}`);

type Row = Record<string, string>;
/** Rows and numbers per column (generator x size; see columnOf). */
const results = new Map<string, Row>();
/** Numbers per column for the verdicts (ms unless named otherwise). */
const nums = new Map<string, Record<string, number | null>>();
const raw: Record<string, unknown> = {};
const notes: string[] = [];

const mb = (bytes: number) => (bytes < 1e5 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
const ms = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const dms = (d: Dist) => `${fmtMs(d.median)} / ${fmtMs(d.p95)} (n=${d.n})`;

function log(message: string): void {
  process.stderr.write(`[site.bench] ${message}\n`);
}

function timed<T>(f: () => T): {value: T; ms: number} {
  const t0 = performance.now();
  const value = f();
  return {value, ms: performance.now() - t0};
}

/** Node part: synthesize, build the three tables, write them over the copy of dist/. */
/**
 * Synthetic contents of every "written" file of DATA_FILES (bench/lib/site-files.ts), by
 * `<stem>.<ext>`: the build's own table functions on the synthetic rows. `skipped` = the file got a
 * stand-in (the bench leaves that view's timing out). Adapt together with DATA_FILES when the
 * build's files change.
 */
const BUILDERS: Record<string, (data: SyntheticData, n: number) => {fn: string; bytes: Uint8Array | string; skipped?: string}> = {
  "points.arrow": (d) => ({fn: "encodePointsSegments", bytes: pointsOf(d)}),
  "points-exact.arrow": (d) => ({fn: "encodePointsSegments", bytes: exactSegmentsOf(d).bytes}),
  "texts.parquet": (d) => ({fn: "writeTexts", bytes: collect(writeTexts, d)}),
  // An empty details table keeps the site consistent when the real one is too big to build here.
  "details.parquet": (d, n) =>
    n <= DETAILS_MAX
      ? {fn: "writeDetails", bytes: collect(writeDetails, d)}
      : {fn: "writeDetails", bytes: collect(writeDetails, {responses: [], scores: [], types: []}), skipped: `> DETAILS_MAX=${DETAILS_MAX}`},
  "ids.parquet": (d) => ({fn: "writeIds", bytes: collect(writeIds, d)}),
  "search.bin": (d) => ({fn: "writeSearchIndex", bytes: collect(writeSearchIndex, d)}),
  "summary.json": (d) => ({fn: "syntheticSummary", bytes: JSON.stringify(syntheticSummary(d))}),
  "first.json": (d) => ({fn: "firstPaint", bytes: JSON.stringify({...firstPaint(pointsOf(d)), points: segmentsOf(d), exact: exactSegmentsOf(d).segments})}),
  "steps.json": (d) => ({fn: "stepTallies", bytes: JSON.stringify(stepTallies(pointsOf(d)))}),
  "responses-first.json": (d) => ({fn: "responsesFirst", bytes: JSON.stringify(responsesFirst(pointsOf(d)))}),
  // The synthetic questions have one text per id (what questionTextsFromDir picks from a dataset).
  "questions.json": (d) => {
    const texts: Record<string, Record<string, string>> = {};
    for (const r of d.responses) (texts[r.experiment] ??= {})[r.question_id] ??= r.question;
    return {fn: "questionTexts", bytes: JSON.stringify({texts, omitted: {}})};
  },
};

/** The points columns of a synthetic data set, made once (both points files read them). */
const dataMemo = new WeakMap<SyntheticData, ReturnType<typeof pointsData>>();
function pointsDataOf(d: SyntheticData): ReturnType<typeof pointsData> {
  let made = dataMemo.get(d);
  if (!made) dataMemo.set(d, (made = pointsData(d)));
  return made;
}
/** points.arrow of a synthetic data set as the build writes it (one stream per judge), made once (first.json and steps.json read it too). */
const pointsMemo = new WeakMap<SyntheticData, ReturnType<typeof encodePointsSegments>>();
function pointsSegmentsOf(d: SyntheticData): ReturnType<typeof encodePointsSegments> {
  let made = pointsMemo.get(d);
  if (!made) pointsMemo.set(d, (made = encodePointsSegments(pointsDataOf(d))));
  return made;
}
const pointsOf = (d: SyntheticData) => pointsSegmentsOf(d).bytes;
/** points-exact.arrow of a synthetic data set as the build writes it (exact scores, one stream per judge), made once. */
const exactMemo = new WeakMap<SyntheticData, ReturnType<typeof encodePointsSegments>>();
function exactSegmentsOf(d: SyntheticData): ReturnType<typeof encodePointsSegments> {
  let made = exactMemo.get(d);
  if (!made) exactMemo.set(d, (made = encodePointsSegments(pointsDataOf(d), encodePointsFull)));
  return made;
}
const segmentsOf = (d: SyntheticData) => pointsSegmentsOf(d).segments;

/** Node part: synthesize, build every written data file, write them over the copy of dist/. Returns the files skipped. */
function buildTables(n: number, site: string | null, row: Row): Set<string> {
  const skipped = new Set<string>();
  const gen = timed(() => synthesize({responses: n}));
  const data = gen.value;
  row["synthesize (not site code)"] = `${ms(gen.ms)} (${data.scores.length.toLocaleString("en")} score rows)`;
  log(`${n}: synthesized in ${ms(gen.ms)}`);
  for (const f of DATA_FILES) {
    if (f.role !== "written") continue;
    const name = `${f.stem}.${f.ext}`;
    const builder = BUILDERS[name];
    if (!builder) throw new DataFilesChanged(`bench/site.bench.ts: DATA_FILES lists ${name} as written but BUILDERS has no builder for it`);
    const t = timed(() => builder(data, n));
    const size = typeof t.value.bytes === "string" ? Buffer.byteLength(t.value.bytes) : t.value.bytes.byteLength;
    row[`${t.value.fn}: time`] = t.value.skipped ? `skipped (${t.value.skipped})` : ms(t.ms);
    row[`${name}: size`] = t.value.skipped ? "skipped" : mb(size);
    if (t.value.skipped) skipped.add(name);
    if (site) writeFileSync(dataFile(site, f.stem, f.ext), t.value.bytes);
    log(`${n}: ${t.value.fn} ${t.value.skipped ? "skipped" : `${ms(t.ms)}, ${mb(size)}`}`);
  }
  row["Node heap after tables"] = mb(process.memoryUsage().heapUsed);
  return skipped;
}

/**
 * Generator b's site files: bench/import-scale.ts writes bench/lib/sweep-b.ts's CSV files (once,
 * under the temporary folder; reused while complete), the real importer reads them into a fresh
 * dataset memo (timed on its own), then each "written" file of DATA_FILES is printed by its own
 * Framework data loader (src/data/<stem>.<ext>.ts) in a child process, as `npm run build` runs it.
 * Returns the pages' target. A loader that fails or is missing fails the run with its name.
 */
function importedTables(n: number, site: string | null, row: Row): {experiment: string; judge: string} {
  const dir = join(os.tmpdir(), `em-site-bench-b-${n}`);
  const env = {...process.env, GENERATOR: "b", RESPONSES: String(n), BUILD: "0", DIR: dir};
  const w = timed(() =>
    spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/import-scale.ts")], {cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"]}),
  );
  if (w.value.status !== 0) throw new Error(`bench/import-scale.ts (GENERATOR=b RESPONSES=${n} BUILD=0) failed (exit ${w.value.status})`);
  row["write the CSV files (not site code; reused when present)"] = ms(w.ms);
  const memo = join(dir, "site-bench-memo");
  rmSync(memo, {recursive: true, force: true});
  const loaderEnv = {...process.env, EM_EXPERIMENTS: join(dir, "experiment.yaml"), EM_DATASET_MEMO: memo};
  const imp = timed(() =>
    spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", "const {loadDataset} = await import('./loaders/dataset.ts'); await loadDataset({tables: []});"],
      {cwd: ROOT, env: loaderEnv, stdio: ["ignore", "ignore", "inherit"]},
    ),
  );
  if (imp.value.status !== 0) throw new Error(`the import of ${dir}/experiment.yaml failed (exit ${imp.value.status})`);
  row["import (loaders/dataset.ts on the CSV files, fresh memo)"] = ms(imp.ms);
  log(`${n} (b): imported in ${ms(imp.ms)}`);
  for (const f of DATA_FILES) {
    if (f.role !== "written") continue;
    const name = `${f.stem}.${f.ext}`;
    const loader = join(ROOT, "src/data", `${name}.ts`);
    if (!existsSync(loader)) throw new DataFilesChanged(`bench/site.bench.ts: DATA_FILES lists ${name} as written but there is no loader ${loader}`);
    // The loader's stdout goes straight to a file (a million answers' texts are hundreds of MB).
    const out = join(dir, `site-bench-${name}`);
    const fd = openSync(out, "w");
    const t = timed(() => spawnSync(process.execPath, ["--import", "tsx", loader], {cwd: ROOT, env: loaderEnv, stdio: ["ignore", fd, "inherit"]}));
    closeSync(fd);
    if (t.value.status !== 0) throw new Error(`loader ${name} on ${dir} failed (exit ${t.value.status ?? t.value.signal})`);
    const bytes = readFileSync(out);
    rmSync(out);
    row[`${name} loader: time`] = ms(t.ms);
    row[`${name}: size`] = mb(bytes.byteLength);
    if (site) writeFileSync(dataFile(site, f.stem, f.ext), bytes);
    log(`${n} (b): ${name} ${ms(t.ms)}, ${mb(bytes.byteLength)}`);
  }
  return {experiment: `sweep-b-${n}`, judge: B_JUDGE};
}

// Recorders installed before any page script: time of the first number in `em-rate` and of the
// first `response-row` (each with the frame after it), and of the frame after the last DOM change
// (the page is "open" when nothing changes any more).
type Timed = (act: () => void, changed: () => boolean, timeout: number) => Promise<[number | null, number]>;

function recorders(): void {
  type Rec = {
    first: number | null;
    paint: number | null;
    rowsPaint: number | null;
    /** /transitions: the frame after the first fits table appeared, what it was, and the frame after its numbers were final. */
    fitsPaint: number | null;
    fitsFrom: string | null;
    fitsFinalPaint: number | null;
    lastMutation: number;
    lastPaint: number;
    frameQueued: boolean;
  };
  const w = window as unknown as {__em: Rec};
  w.__em = {
    first: null,
    paint: null,
    rowsPaint: null,
    fitsPaint: null,
    fitsFrom: null,
    fitsFinalPaint: null,
    lastMutation: 0,
    lastPaint: 0,
    frameQueued: false,
  };
  let rowsSeen = false;
  let fitsSeen = false;
  // "The frame after": a message posted from an animation-frame callback runs after that frame's
  // rendering (style, layout, paint and commit on the main thread), whereas the callback itself
  // runs before them; timing at the callback left the renderer's work out of every "+ frame" time.
  const afterFrame = (cb: () => void) =>
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => cb();
      ch.port2.postMessage(0);
    });
  // Time `act` until `changed()` holds, plus one animation frame; then wait until the DOM has been
  // quiet for 300 ms (at most `timeout`), so the next measurement starts from a settled page.
  // Returns [ms to the change + frame, or null on timeout; ms to the frame after the last DOM change].
  (window as unknown as {__emTimed: Timed}).__emTimed = async (act, changed, timeout) => {
    const t0 = performance.now();
    w.__em.lastMutation = t0;
    w.__em.lastPaint = t0;
    const shown = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (obs.disconnect(), resolve(null)), timeout);
      const obs = new MutationObserver(() => {
        if (!changed()) return;
        obs.disconnect();
        clearTimeout(timer);
        afterFrame(() => resolve(performance.now() - t0));
      });
      obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
      act();
    });
    while (performance.now() - w.__em.lastMutation < 300 && performance.now() - t0 < timeout) await new Promise((r) => setTimeout(r, 50));
    return [shown, w.__em.lastPaint - t0];
  };
  new MutationObserver(() => {
    const now = performance.now();
    w.__em.lastMutation = now;
    if (!w.__em.frameQueued) {
      w.__em.frameQueued = true;
      afterFrame(() => {
        w.__em.frameQueued = false;
        w.__em.lastPaint = performance.now();
      });
    }
    if (w.__em.first === null) {
      const el = document.querySelector('[data-testid="em-rate"]');
      if (el && /\d/.test(el.textContent ?? "")) {
        w.__em.first = now;
        afterFrame(() => (w.__em.paint = performance.now()));
      }
    }
    if (!rowsSeen && document.querySelector('[data-testid="response-row"]')) {
      rowsSeen = true;
      afterFrame(() => (w.__em.rowsPaint = performance.now()));
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
  // /transitions: the first fits table (the build's, inside transitions-first, or the page's own)
  // and the first one whose numbers are final (stage "complete", no loading mark on it).
  const fits = new MutationObserver(() => {
    const table = document.querySelector<HTMLElement>('[data-testid="transition-table"]');
    if (!table) return;
    if (!fitsSeen) {
      fitsSeen = true;
      const box = table.closest<HTMLElement>('[data-testid="transitions-first"]');
      w.__em.fitsFrom = `${box ? `build (${box.dataset.emFirst})` : "page"}, stage ${table.dataset.fitStage ?? "?"}`;
      afterFrame(() => (w.__em.fitsPaint = performance.now()));
    }
    if (table.dataset.fitStage === "complete" && !table.closest("[data-em-loading]")) {
      fits.disconnect();
      afterFrame(() => (w.__em.fitsFinalPaint = performance.now()));
    }
  });
  fits.observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-em-loading", "data-fit-stage"]});
}

interface Heap {
  used: number;
  total: number;
  backing: number | null;
  rss: number | null;
}

/** JS heap and ArrayBuffer backing stores after a forced GC (CDP), and the largest renderer's resident memory (Linux /proc). */
async function heap(browser: Browser, page: Page): Promise<Heap> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const usage = (await cdp.send("Runtime.getHeapUsage")) as {usedSize: number; totalSize: number; backingStorageSize?: number};
  if (process.env.DEBUG_HEAP) log(JSON.stringify(usage));
  await cdp.detach();
  let rss: number | null = null;
  try {
    const bcdp = await browser.newBrowserCDPSession();
    const info = (await bcdp.send("SystemInfo.getProcessInfo")) as {processInfo: {type: string; id: number}[]};
    await bcdp.detach();
    for (const p of info.processInfo) {
      if (p.type !== "renderer") continue;
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, "utf8"))?.[1];
      if (kb) rss = Math.max(rss ?? 0, Number(kb) * 1024);
    }
  } catch {
    rss = null; // no /proc or no SystemInfo domain: report the JS heap only
  }
  return {used: usage.usedSize, total: usage.totalSize, backing: usage.backingStorageSize ?? null, rss};
}

// backingStorageSize (ArrayBuffers: the fetched files and decoded typed arrays) is outside the JS heap.
const heapText = (h: Heap) =>
  `${mb(h.used)} JS heap${h.backing === null ? "" : ` + ${mb(h.backing)} ArrayBuffers`}${h.rss === null ? "" : `; renderer RSS ${mb(h.rss)}`}`;

async function openPage(browser: Browser, url: string): Promise<{page: Page; problems: ReturnType<typeof watch>; close: () => Promise<void>}> {
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT);
  const problems = watch(page, new URL(url).origin);
  // tsx (esbuild keepNames) wraps named inner functions of page.evaluate callbacks in __name().
  await page.addInitScript({content: "globalThis.__name = (f) => f;"});
  await page.addInitScript(recorders);
  return {page, problems, close: () => context.close()};
}

/** Milliseconds since navigation start at which a data file finished downloading. */
async function fetched(page: Page, stem: string): Promise<number | null> {
  return page.evaluate((s) => {
    const e = performance.getEntriesByType("resource").find((r) => new RegExp(`/_file/data/${s}\\.[0-9a-f]+\\.`).test(r.name)) as
      | PerformanceResourceTiming
      | undefined;
    return e ? e.responseEnd : null;
  }, stem);
}

/** Bytes received (encoded bodies) by resources that finished by `until` ms (all when null), optionally only those whose URL matches `pattern`. */
async function bytesReceived(page: Page, until: number | null, pattern: string | null = null): Promise<number> {
  return page.evaluate(
    ({until, pattern}) => {
      const re = pattern ? new RegExp(pattern) : null;
      const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")] as PerformanceResourceTiming[];
      return entries.filter((e) => (until === null || e.responseEnd <= until) && (!re || re.test(e.name))).reduce((s, e) => s + e.encodedBodySize, 0);
    },
    {until, pattern},
  );
}

/**
 * The SQL giving the numbers a threshold change updates on /sensitivity for `judge` at cuts
 * (aligned < a, coherent > c; the custom rule a moved cut switches to): EM count and denominator
 * overall, per model (the compare-by the bench opens the page with) and per question, as one
 * GROUPING SETS query. Adapt it when the page's rule or the points columns change.
 */
function duckdbSql(table: string, experiment: string, judge: string, a: number, c: number): string {
  return `SELECT grouping(model) AS g_model, grouping(question_id) AS g_question, model, question_id,
  count(*) FILTER (WHERE coherent > ${c} AND aligned IS NOT NULL) AS n_scored,
  count(*) FILTER (WHERE coherent > ${c} AND aligned < ${a}) AS n_em
FROM ${table} WHERE experiment = '${experiment}' AND judge = '${judge}'
GROUP BY GROUPING SETS ((), (model), (question_id))`;
}

/** The page URL path of a built module `<stem>.<hash>.js` under dist/_import (db.js for DuckDB-WASM). */
function builtModule(site: string, folder: string, stem: string): string {
  const dir = join(site, "_import", folder);
  const hit = existsSync(dir) ? readdirSync(dir).find((f) => new RegExp(`^${stem}\\.[0-9a-f]+\\.js$`).test(f)) : undefined;
  if (!hit)
    throw new DataFilesChanged(
      `${dir}: no ${stem}.<hash>.js (the site's DuckDB module moved? adapt builtModule("${folder}", "${stem}") in bench/site.bench.ts)`,
    );
  return `/_import/${folder}/${hit}`;
}

// SITE_DIST: time a site built from real imports (bench/imported.bench.ts) instead of the synthetic
// files: no synthesis, SITE_EXPERIMENT / SITE_JUDGE name what the pages open, SITE_N its responses,
// and the numbers go to SITE_OUT (JSON) instead of the site section.
const SITE_DIST = process.env.SITE_DIST ?? null;
const SYNTHETIC_TARGET = {experiment: "synthetic", judge: "strict"};
/**
 * The data file DuckDB-WASM loads for the comparison, first present wins: the SQL page's points
 * table with exact scores and plain columns (points-exact.arrow: one stream per judge, which the
 * site's loadTable appends into one table; points.arrow in builds before it). It must be a
 * "written" entry of DATA_FILES.
 */
const DUCKDB_SOURCES: [string, string][] = [
  ["points-exact", "arrow"],
  ["points", "arrow"],
];

function duckdbSource(site: string): string {
  for (const [stem, ext] of DUCKDB_SOURCES) {
    try {
      return "/_file/data/" + dataFile(site, stem, ext).split("/").pop();
    } catch {
      // not in this build: try the next
    }
  }
  throw new DataFilesChanged(
    `${site}/_file/data: none of ${DUCKDB_SOURCES.map((x) => x.join(".")).join(", ")} for DuckDB-WASM; adapt DUCKDB_SOURCES in bench/site.bench.ts`,
  );
}

/** What the pages open (experiment, judge) and the column's key in `raw` and the logs. */
interface Target {
  experiment: string;
  judge: string;
  key: string;
}

/** Browser part for one column (generator x size). */
async function browserRun(n: number, site: string, row: Row, num: Record<string, number | null>, skipped: Set<string>, target: Target): Promise<void> {
  const {experiment: SENS_EXPERIMENT, judge: SENS_JUDGE, key} = target;
  const server = await serveStatic(site);
  const browser = await launch();
  const problems: string[] = [];
  const dbModule = builtModule(site, "components", "db");
  const pointsPath = duckdbSource(site);
  try {
    // 1. /sensitivity: first number, settle, threshold changes, then DuckDB-WASM in the same page.
    if (PAGES.includes("sensitivity")) {
      const {page, problems: p, close} = await openPage(browser, server.url);
      await page.goto(`${server.url}/sensitivity?experiment=${SENS_EXPERIMENT}&judge=${SENS_JUDGE}&by=model`, {waitUntil: "commit"});
      await page
        .waitForFunction(() => (window as unknown as {__em: {paint: number | null}}).__em.paint !== null, undefined, {timeout: PAGE_TIMEOUT})
        .catch((error: Error) => {
          throw new Error(`/sensitivity: no [data-testid="em-rate"] with a number within ${PAGE_TIMEOUT / 1000} s (hook renamed?): ${error.message}`);
        });
      const first = await page.evaluate(() => (window as unknown as {__em: {first: number; paint: number}}).__em);
      // The first numbers shown (default rule), for parity with em summarize (bench/imported.bench.ts).
      const firstCount = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="em-count"]') as HTMLElement | null;
        return c ? {nEm: Number(c.dataset.nEm), nScored: Number(c.dataset.nScored)} : null;
      });
      num.firstNEm = firstCount?.nEm ?? null;
      num.firstNScored = firstCount?.nScored ?? null;
      num.sensitivityFirstBytes = await bytesReceived(page, first.paint);
      row["/sensitivity: bytes received before the EM rate was shown"] = mb(num.sensitivityFirstBytes);
      await waitForPage(page, PAGE_TIMEOUT);
      const settled = await page.evaluate(() => (window as unknown as {__em: {lastPaint: number}}).__em.lastPaint);
      const pointsAt = await fetched(page, "points");
      const dataBytes = await bytesReceived(page, null, "/_file/data/");
      row["points.arrow downloaded (since navigation)"] = ms(pointsAt);
      row["/sensitivity: data files transferred (bytes per response)"] = `${mb(dataBytes)} (${(dataBytes / n).toFixed(1)})`;
      num.sensitivityBytesPerResponse = dataBytes / n;
      const rateText = (await page.locator('[data-testid="em-rate"]').textContent())?.trim();
      row["/sensitivity: EM rate shown (first number + frame)"] = `${ms(first.paint)} (${rateText})`;
      num.sensitivityShown = first.paint;
      row["/sensitivity: all charts done (frame after the last DOM change)"] = ms(settled);
      num.sensitivitySettled = settled;
      row["/sensitivity: heap after load"] = heapText(await heap(browser, page));
      log(`${key}: /sensitivity first ${ms(first.paint)}, settled ${ms(settled)}`);
      // Alternate far-apart cuts so the rate's text changes every time (bounded: REPS + 1 changes,
      // each waiting at most 60 s). The first change also switches the rule to custom: reported apart.
      const values = Array.from({length: REPS + 1}, (_, i) => (i % 2 ? 20 + (i % 7) : 55 + (i % 7)));
      const changes = await page.evaluate(
        async ({values, timeout}) => {
          const timed = (window as unknown as {__emTimed: Timed}).__emTimed;
          const rate = () => document.querySelector('[data-testid="em-rate"]')?.textContent ?? "";
          const input = document.querySelector<HTMLInputElement>('[data-testid="aligned-threshold"]');
          if (!input) throw new Error("no aligned-threshold input");
          const out: {value: number; rate: string; shown: number | null; settled: number; sync: number}[] = [];
          for (const v of values) {
            const before = rate();
            let sync = Number.NaN;
            const [shown, settled] = await timed(
              () => {
                const t = performance.now();
                input.value = String(v);
                input.dispatchEvent(new Event("input", {bubbles: true}));
                // The views follow the store in its notification: the dispatch returns when they have updated their DOM.
                sync = performance.now() - t;
              },
              () => rate() !== before,
              timeout,
            );
            out.push({value: v, rate: rate(), shown, settled, sync});
          }
          return out;
        },
        {values, timeout: 60_000},
      );
      const timedChanges = changes.slice(1);
      const shownD = dist(timedChanges.map((c) => c.shown ?? NaN));
      const settledD = dist(timedChanges.map((c) => c.settled));
      const missed = timedChanges.filter((c) => c.shown === null).length;
      row["threshold change: EM rate updated + frame (median / p95)"] =
        dms(shownD) + (missed ? ` (${missed} of ${timedChanges.length} did not change the text)` : "");
      row["threshold change: every view redrawn, frame after the last DOM change (median / p95)"] = dms(settledD);
      // Beside it, not instead: the input event to the end of its dispatch (the views' synchronous
      // update, script and DOM writes, no style, layout or paint, no wait for a frame). Any work
      // a view leaves to a later task (the headline intervals when not cached) is not in it.
      const syncD = dist(timedChanges.map((c) => c.sync));
      row["threshold change: input to the end of the views' synchronous update, no frame (median / p95)"] = dms(syncD);
      num.thresholdSyncMedian = syncD.median;
      num.thresholdSyncP95 = syncD.p95;
      row["first threshold change (switches to custom): rate / every view"] = `${ms(changes[0]!.shown)} / ${ms(changes[0]!.settled)}`;
      num.thresholdShownMedian = shownD.median;
      num.thresholdShownP95 = shownD.p95;
      num.thresholdSettledMedian = settledD.median;
      num.thresholdSettledP95 = settledD.p95;
      raw[`${key}:thresholdChanges`] = changes;
      // The floor of this measurement: the same timer around a DOM change that costs nothing (an
      // attribute on <body>). "+ frame" waits for the next frame to be rendered, which may cost up to
      // a frame (16.7 ms at 60 Hz) whatever the page does: what stands above it is the page's work.
      const floor = await page.evaluate(
        async ({reps, timeout}) => {
          const timed = (window as unknown as {__emTimed: Timed}).__emTimed;
          const out: (number | null)[] = [];
          for (let i = 0; i < reps; i++) {
            const [shown] = await timed(
              () => (document.body.dataset.emBenchNoop = String(i)),
              () => true,
              timeout,
            );
            out.push(shown);
          }
          delete document.body.dataset.emBenchNoop;
          return out;
        },
        {reps: REPS, timeout: 5_000},
      );
      const floorD = dist(floor.map((x) => x ?? NaN));
      row["frame wait alone: a DOM change with no work, + frame (median / p95)"] = dms(floorD);
      num.frameFloorP95 = floorD.p95;
      raw[`${key}:frameFloor`] = floor;
      log(`${key}: threshold change median ${ms(shownD.median)}, every view ${ms(settledD.median)}`);

      // DuckDB-WASM, same page, the points bytes the SQL page loads, through the site's own db
      // module (the SQL page's setup): load the table once, then the query for the numbers each
      // cut shows.
      const last = changes[changes.length - 1]!.value;
      const duck = await page.evaluate(
        async ({dbModule, pointsPath, sqls, check}) => {
          const db = (await import(dbModule)) as {
            loadTable(name: string, source: ArrayBuffer): Promise<void>;
            queryArrow(sql: string): Promise<{numRows: number; toArray(): {toJSON(): Record<string, unknown>}[]}>;
          };
          const t0 = performance.now();
          const bytes = await (await fetch(pointsPath)).arrayBuffer();
          const fetchMs = performance.now() - t0;
          const t1 = performance.now();
          await db.loadTable("bench_points", bytes);
          const loadMs = performance.now() - t1;
          await db.queryArrow(sqls[0]!); // warm-up: the first query compiles DuckDB's code paths
          const times: number[] = [];
          let rows = 0;
          for (const sql of sqls) {
            const t = performance.now();
            const r = await db.queryArrow(sql);
            times.push(performance.now() - t);
            rows = r.numRows;
          }
          const overall = (await db.queryArrow(check))
            .toArray()
            .map((r) => r.toJSON())
            .find((r) => r.g_model === 1 && r.g_question === 1);
          const page = document.querySelector('[data-testid="em-count"]');
          return {
            fetchMs,
            loadMs,
            times,
            rows,
            duck: overall ? {nEm: Number(overall.n_em), nScored: Number(overall.n_scored)} : null,
            page: page ? {nEm: Number(page.getAttribute("data-n-em")), nScored: Number(page.getAttribute("data-n-scored"))} : null,
          };
        },
        {
          dbModule,
          pointsPath,
          sqls: timedChanges.map((c) => duckdbSql("bench_points", SENS_EXPERIMENT, SENS_JUDGE, c.value, 50)),
          check: duckdbSql("bench_points", SENS_EXPERIMENT, SENS_JUDGE, last, 50),
        },
      );
      const duckD = dist(duck.times);
      const same = duck.duck !== null && duck.page !== null && duck.duck.nEm === duck.page.nEm && duck.duck.nScored === duck.page.nScored;
      row["DuckDB-WASM: points table loaded (insertArrowFromIPCStream)"] = ms(duck.loadMs);
      row["DuckDB-WASM: query for the same numbers, overall + per model + per question (median / p95)"] = `${dms(duckD)} (${duck.rows} result rows)`;
      row["DuckDB-WASM check: its overall EM / denominator at the last cut = the page's em-count"] = same
        ? `yes (${duck.page!.nEm} / ${duck.page!.nScored})`
        : `NO: DuckDB ${duck.duck?.nEm} / ${duck.duck?.nScored}, page ${duck.page?.nEm} / ${duck.page?.nScored}`;
      row["speed-up over DuckDB-WASM: DuckDB median / page every-view median (p95 / p95)"] =
        `${(duckD.median / settledD.median).toFixed(2)}x (${(duckD.p95 / settledD.p95).toFixed(2)}x)`;
      num.duckMedian = duckD.median;
      num.duckP95 = duckD.p95;
      num.duckSame = same ? 1 : 0;
      raw[`${key}:duckdb`] = duck;
      log(`${key}: DuckDB-WASM load ${ms(duck.loadMs)}, query median ${ms(duckD.median)}; same numbers: ${same}`);
      problems.push(describeProblems(p));
      await close();
    }
    // 2. The other pages: open until nothing loads and nothing changes; check their content is there.
    const pages = (
      [
        ["/responses", '[data-testid="response-row"]'],
        ["/transitions", '[data-testid="transition-table"]'],
        ["/categories", 'figure[data-chart="model-question-heatmap"]'],
      ] as [string, string][]
    ).filter(([path]) => PAGES.includes(path.slice(1)));
    for (const [path, ready] of pages) {
      const {page, problems: p, close} = await openPage(browser, server.url);
      await page.goto(`${server.url}${path}?experiment=${encodeURIComponent(SENS_EXPERIMENT)}`, {waitUntil: "commit"});
      await page.waitForSelector(ready, {timeout: PAGE_TIMEOUT});
      // When the page's key content appeared (within Playwright's polling, a frame or so): on
      // /transitions the fits table, while the change points' bootstrap may still run in the background.
      const shown = await page.evaluate(() => performance.now());
      row[`${path}: key content shown (${ready})`] = ms(shown);
      num[`${path}:shown`] = shown;
      await waitForPage(page, PAGE_TIMEOUT);
      const settled = await page.evaluate(() => (window as unknown as {__em: {lastPaint: number}}).__em.lastPaint);
      const errors = await page.locator(".observablehq--error").count();
      row[`${path}: open (frame after the last DOM change)`] = ms(settled) + (errors ? ` (${errors} cell errors)` : "");
      num[`${path}:open`] = settled;
      if (path === "/transitions") {
        // The recorder's frames: the first fits table (whose numbers, from where) and the first with every number final.
        const fits = await page.evaluate(
          () => (window as unknown as {__em: {fitsPaint: number | null; fitsFrom: string | null; fitsFinalPaint: number | null}}).__em,
        );
        row["/transitions: fits shown (frame after the first fits table; drawn from)"] = `${ms(fits.fitsPaint)} (${fits.fitsFrom ?? "n/a"})`;
        row["/transitions: fits final (frame after the table had its intervals and change points, no loading mark)"] = ms(fits.fitsFinalPaint);
        num["/transitions:fitsPaint"] = fits.fitsPaint;
        num["/transitions:fitsFinal"] = fits.fitsFinalPaint;
        log(`${key}: /transitions fits shown ${ms(fits.fitsPaint)} (${fits.fitsFrom}), final ${ms(fits.fitsFinalPaint)}`);
      }
      if (path === "/responses") await responsesPage(page, key, row, num, !skipped.has("details.parquet"));
      row[`${path}: heap after load`] = heapText(await heap(browser, page));
      log(`${key}: ${path} ${ms(settled)}`);
      problems.push(describeProblems(p));
      await close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const text = problems.filter(Boolean).join("\n");
  if (text) notes.push(`${key}, browser problems:\n${text}`);
}

/** /responses: first rows, bytes before them, search timings, detail timings. */
async function responsesPage(page: Page, key: string, row: Row, num: Record<string, number | null>, details: boolean): Promise<void> {
  const rowsPaint = await page.evaluate(() => (window as unknown as {__em: {rowsPaint: number | null}}).__em.rowsPaint);
  const before = rowsPaint === null ? null : await bytesReceived(page, rowsPaint);
  row["/responses: first rows shown (+ frame) / bytes received before them"] = `${ms(rowsPaint)} / ${before === null ? "n/a" : mb(before)}`;
  num.responsesFirstRows = rowsPaint;
  num.responsesBytesBefore = before;
  // Everything the page fetched until it was open (the caller waited for the network to be idle).
  num.responsesBytesIdle = await bytesReceived(page, null);
  row["/responses: bytes received until the network is idle"] = mb(num.responsesBytesIdle);
  row["texts.arrow downloaded (since navigation)"] = ms(await fetched(page, "texts"));
  // The build's first page lists rows before the page's controls exist, and the points load on first
  // use (the controls' button; a search or a scroll past the first page would too): time nothing
  // before the live list.
  const loadButton = page.locator('[data-testid="responses-load"]');
  if ((await loadButton.count()) && (await loadButton.isEnabled())) await loadButton.click();
  for (const hook of ['[data-testid="responses-live"]', '[data-testid="response-search"]'])
    await page.waitForSelector(hook, {state: "attached", timeout: PAGE_TIMEOUT});
  row["/responses: answers listed"] = (await page.locator('[data-testid="response-count"]').textContent())?.trim() ?? "n/a";
  // Full-text search: from the input event (the page may debounce it) to the frame after the
  // answer count changed. Queries cycle through words that match and one that matches nothing.
  const words = ["seize", "doctor", "zzqx", "money", "advice"];
  const queries = Array.from({length: Math.max(3, REPS)}, (_, i) => words[i % words.length]! + (i >= words.length ? ` ${words[(i + 2) % words.length]}` : ""));
  const searches = await page.evaluate(
    async ({queries, timeout}) => {
      const timed = (window as unknown as {__emTimed: Timed}).__emTimed;
      const count = () => document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
      const input = document.querySelector<HTMLInputElement>('[data-testid="response-search"]');
      if (!input) throw new Error("no response-search input");
      const out: {query: string; count: string; ms: number | null}[] = [];
      for (const query of [...queries, ""]) {
        const before = count();
        const [shown] = await timed(
          () => {
            input.value = query;
            input.dispatchEvent(new Event("input", {bubbles: true}));
          },
          () => count() !== before,
          timeout,
        );
        out.push({query, count: count(), ms: shown});
      }
      return out;
    },
    {queries, timeout: 60_000},
  );
  raw[`${key}:searches`] = searches;
  // A query giving the same count as the one before changes nothing the bench can see: not timed.
  const searchD = dist(searches.slice(0, -1).map((x) => x.ms ?? NaN));
  const unchanged = searches.slice(0, -1).filter((x) => x.ms === null).length;
  row["/responses: search, input to new count + frame (median / p95)"] = dms(searchD) + (unchanged ? ` (${unchanged} queries left the count unchanged)` : "");
  num.searchP95 = searchD.p95;
  // Step brush on the page's strip (data-testid step-strip): a drag over a range of checkpoints,
  // from the mouseup (the brush writes the range then) to the frame after the answer count
  // changed. Ranges alternate so the count changes every time; the last one clears the range.
  const brushTimes = await page.evaluate(
    async ({reps, timeout}) => {
      const timed = (window as unknown as {__emTimed: Timed}).__emTimed;
      const overlay = document.querySelector<SVGRectElement>('[data-testid="step-strip"] [data-testid="step-brush"] .overlay');
      if (!overlay) throw new Error("no step-strip brush on /responses");
      const box = overlay.getBoundingClientRect();
      const count = () => document.querySelector('[data-testid="response-count"]')?.textContent ?? "";
      const y = box.top + box.height / 2;
      const mouse = (type: string, x: number, target: EventTarget) =>
        target.dispatchEvent(
          new MouseEvent(type, {bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0, buttons: type === "mouseup" ? 0 : 1}),
        );
      const out: (number | null)[] = [];
      for (let i = 0; i < reps; i++) {
        const a = box.left + box.width * (i % 2 ? 0.1 : 0.45);
        const b = box.left + box.width * (i % 2 ? 0.55 + (i % 5) * 0.05 : 0.9);
        mouse("mousedown", a, overlay);
        mouse("mousemove", (a + b) / 2, window);
        mouse("mousemove", b, window);
        const before = count();
        const [shown] = await timed(
          () => mouse("mouseup", b, window),
          () => count() !== before,
          timeout,
        );
        out.push(shown);
        await new Promise((r) => setTimeout(r, 150));
      }
      return out;
    },
    {reps: Math.max(3, Math.min(REPS, 12)), timeout: 60_000},
  );
  raw[`${key}:brush`] = brushTimes;
  const brushD = dist(brushTimes.map((x) => x ?? NaN));
  row["/responses: step brush, mouseup to new count + frame (median / p95)"] = dms(brushD);
  num.brushP95 = brushD.p95;
  // Detail: click a row, until the detail shows that response's text, plus a frame (not when the
  // details file was skipped: the view would show a stand-in).
  if (!details) {
    row["/responses: detail, click to its text shown + frame (median / p95)"] = "not measured (details file skipped, see DETAILS_MAX)";
    num.detailP95 = null;
    return;
  }
  const detailTimes = await page.evaluate(
    async ({reps, timeout}) => {
      const timed = (window as unknown as {__emTimed: Timed}).__emTimed;
      const text = () => document.querySelector('[data-testid="response-detail"]')?.textContent ?? "";
      const out: (number | null)[] = [];
      for (let i = 0; i < reps; i++) {
        const rows = document.querySelectorAll<HTMLElement>('[data-testid="response-row"]');
        const r = rows[(i * 3) % Math.max(1, rows.length)];
        if (!r) break;
        const before = text();
        const [shown] = await timed(
          () => r.click(),
          () => text() !== before && (document.querySelector('[data-testid="response-text"]')?.textContent ?? "").length > 0,
          timeout,
        );
        out.push(shown);
      }
      return out;
    },
    {reps: Math.min(REPS, 10), timeout: 30_000},
  );
  raw[`${key}:details`] = detailTimes;
  const detailD = dist(detailTimes.map((x) => x ?? NaN));
  row["/responses: detail, click to its text shown + frame (median / p95)"] = detailTimes.length ? dms(detailD) : "n/a (no rows)";
  num.detailP95 = detailTimes.length ? detailD.p95 : null;
}

/** Copy dist/ to `dest`; retried (at most 6 times, 10 s apart) while a concurrent build leaves it incomplete. */
async function copySite(dest: string): Promise<string> {
  const needed = ["sensitivity.html", "responses.html", "transitions.html", "categories.html"];
  for (let attempt = 1; ; attempt++) {
    rmSync(dest, {recursive: true, force: true});
    try {
      cpSync(join(ROOT, "dist"), dest, {recursive: true});
      for (const page of needed) if (!existsSync(join(dest, page))) throw new Error(`no ${page}`);
      checkDataFiles(dest);
      return dest;
    } catch (error) {
      if (error instanceof DataFilesChanged) throw error;
      if (attempt >= 6) throw new Error(`dist/ is incomplete (${(error as Error).message}); run npm run build and retry`);
      log(`dist/ incomplete (${(error as Error).message}), maybe a build is running; retrying in 10 s`);
      await new Promise((r) => setTimeout(r, 10_000));
    }
  }
}

/** SITE_DIST mode: the browser part on a built site; {row, num, notes} to SITE_OUT. */
async function builtSite(dir: string): Promise<void> {
  const n = Number(process.env.SITE_N);
  const target = {experiment: process.env.SITE_EXPERIMENT ?? "", judge: process.env.SITE_JUDGE ?? "", key: String(n)};
  if (!Number.isInteger(n) || n < 1 || !target.experiment || !target.judge) throw new Error("SITE_DIST needs SITE_N, SITE_EXPERIMENT and SITE_JUDGE");
  checkDataFiles(dir);
  const row: Row = {};
  const num: Record<string, number | null> = {};
  await browserRun(n, dir, row, num, new Set(), target);
  const out = process.env.SITE_OUT;
  if (!out) throw new Error("SITE_DIST needs SITE_OUT (the JSON file for the numbers)");
  writeFileSync(out, JSON.stringify({row, num, notes, raw}, null, 1));
}

/** A column of the table: generator and size. */
const columnOf = (g: string, n: number) => `${g === "b" ? "sweep-b (imported CSV)" : "synthetic"}, ${n.toLocaleString("en")} responses`;

async function main(): Promise<void> {
  if (SITE_DIST) return builtSite(SITE_DIST);
  const started = performance.now();
  if (BROWSER && !existsSync(join(ROOT, "dist/index.html"))) {
    log("dist/ missing: npm run build");
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], {cwd: ROOT, stdio: ["ignore", "ignore", "inherit"]});
    if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
  }
  const tmp = mkdtempSync(join(os.tmpdir(), "em-site-bench-"));
  try {
    for (const g of GENERATORS)
      for (const n of SIZES) {
        const key = columnOf(g, n);
        let site: string | null = null;
        if (BROWSER) {
          site = await copySite(join(tmp, `site-${g}-${n}`));
        }
        const row: Row = {};
        results.set(key, row);
        const skipped = g === "b" ? new Set<string>() : buildTables(n, site, row);
        const target = g === "b" ? importedTables(n, site, row) : SYNTHETIC_TARGET;
        const num: Record<string, number | null> = {};
        nums.set(key, num);
        if (BROWSER && site) {
          await browserRun(n, site, row, num, skipped, {...target, key});
          if (process.env.KEEP !== "1") rmSync(site, {recursive: true, force: true});
        }
      }
  } finally {
    if (process.env.KEEP === "1") log(`kept ${tmp}`);
    else rmSync(tmp, {recursive: true, force: true});
  }

  const labels = [...new Set([...results.values()].flatMap((r) => Object.keys(r)))];
  const largest = Math.max(...SIZES);
  const sizeNote = largest === 1_000_000 ? "" : ` [measured at ${largest.toLocaleString("en")} responses; the target is set at 1,000,000]`;
  // Issue 28's targets, for each generator at the largest size.
  const verdictsOf = (g: string): Verdict[] => {
    const at = nums.get(columnOf(g, largest)) ?? {};
    const tag = ` [${g === "b" ? "sweep-b, imported CSV" : "synthetic"}]${sizeNote}`;
    const v = (target: string, value: number | null | undefined, measured: (x: number) => string, ok: (x: number) => boolean): Verdict =>
      value === null || value === undefined || !Number.isFinite(value)
        ? {target: target + tag, measured: "not measured", pass: null}
        : {target: target + tag, measured: measured(value), pass: ok(value)};
    const ratio = at.duckMedian != null && at.thresholdSettledMedian != null ? at.duckMedian / at.thresholdSettledMedian : null;
    return [
      v(
        "/sensitivity: EM rate shown <= 1.0 s after <= 5 MB transferred",
        at.sensitivityShown,
        (x) => `${fmtMs(x)} after ${at.sensitivityFirstBytes == null ? "n/a" : mb(at.sensitivityFirstBytes)}`,
        (x) => x <= 1000 && at.sensitivityFirstBytes != null && at.sensitivityFirstBytes <= 5e6,
      ),
      v(
        "/sensitivity: numeric data <= 6 bytes per response transferred",
        at.sensitivityBytesPerResponse,
        (x) => `${x.toFixed(1)} bytes`,
        (x) => x <= 6,
      ),
      v(
        "threshold change to every view on the page redrawn: p95 <= 16 ms",
        at.thresholdSettledP95,
        (x) =>
          `${fmtMs(x)} (the same timer around no work: p95 ${at.frameFloorP95 == null ? "n/a" : fmtMs(at.frameFloorP95)}; input to the end of the views' synchronous update: p95 ${
            at.thresholdSyncP95 == null ? "n/a" : fmtMs(at.thresholdSyncP95)
          })`,
        (x) => x <= 16,
      ),
      at.duckSame === 0
        ? {
            target: "threshold change >= 5x faster than the DuckDB-WASM query for the same numbers" + tag,
            measured: "DuckDB's numbers differ from the page's (see the check row): no comparison",
            pass: null,
          }
        : v(
            "threshold change >= 5x faster than the DuckDB-WASM query for the same numbers",
            ratio,
            (x) => `${x.toFixed(2)}x (DuckDB median ${ms(at.duckMedian)}, page every-view median ${ms(at.thresholdSettledMedian)})`,
            (x) => x >= 5,
          ),
      v("step brush to the response list updated: p95 <= 50 ms (the strip on /responses)", at.brushP95, fmtMs, (x) => x <= 50),
      v(
        "/responses first rows <= 1.5 s, <= 10 MB transferred until the network is idle",
        at.responsesFirstRows,
        (x) => `${ms(x)}; ${at.responsesBytesIdle == null ? "n/a" : mb(at.responsesBytesIdle)} until idle`,
        (x) => x <= 1500 && at.responsesBytesIdle != null && at.responsesBytesIdle <= 10e6,
      ),
      v("/responses: search over every answer <= 300 ms (p95)", at.searchP95, fmtMs, (x) => x <= 300),
      v("/responses: detail of any response <= 300 ms after the click (p95)", at.detailP95, fmtMs, (x) => x <= 300),
      v("/transitions fits shown <= 1.5 s", at["/transitions:fitsPaint"] ?? at["/transitions:shown"], ms, (x) => x <= 1500),
    ];
  };
  const verdicts: Verdict[] = BROWSER ? GENERATORS.flatMap(verdictsOf) : [];
  writeSection({
    section: "site",
    title: "Site at scale",
    command: commandLine("bench/site.bench.ts", ["RESPONSES", "GENERATORS", "DETAILS_MAX", "REPS", "BROWSER", "PAGES", "BENCH_SMOKE"]),
    method: [
      "Synthetic data from `bench/synthetic.ts` (seed 1): 4 models x 21 steps x 48 questions, 2 judges (`strict`: aligned, coherent, domain topic, type; " +
        "`lenient`: aligned, coherent), ~300-character answers from a pool of 512 texts, ~3.4% of aligned scores null (CODE / REFUSAL), a third of the scores integers; " +
        "its files are made by the site's table functions on the synthetic rows.",
      "Sweep-b (imported CSV), so the bench data is not tuned to the code: `bench/import-scale.ts` (GENERATOR=b, BUILD=0) writes `bench/lib/sweep-b.ts`'s CSV files " +
        "(5 models x 25 checkpoints, 6 categories x 10 questions, log-normal answer lengths over a 5,000-word Zipf vocabulary with line breaks, quotes and non-ASCII text, " +
        "~3% empty aligned cells, scores with 0-6 decimals, one judge without types, the importer's alternative column names); the real importer reads them into a fresh " +
        "dataset memo, and every data file is printed by its own Framework data loader (`src/data/<name>.ts`) in a child process, as `npm run build` runs it. " +
        "The pages open `?experiment=sweep-b-<N>&judge=" +
        B_JUDGE +
        "`.",
      "Node part: each site table function runs once on the full data (a build is one run). Browser part: a copy of `dist/` with the synthetic data files " +
        "written over the built ones (same hashed names; `DATA_FILES` in bench/lib/site-files.ts lists every built data file and `BUILDERS` in the script makes each written one, and the run fails on a file it does not know), " +
        "served on 127.0.0.1 by `loaders/static-server.ts` (uncompressed), opened in headless Chromium, each page in a fresh context (cold, no HTTP cache). " +
        'Times are the page\'s `performance.now()` since navigation start; "open" = the frame after the last DOM change once the network is idle and no ' +
        '`[data-em-loading]` is left; bytes are encoded body sizes from the Resource Timing entries. "The frame after" / "+ frame" everywhere ends when that frame has been rendered: ' +
        "a message posted from its animation-frame callback, which runs after the frame's style, layout, paint and commit on the main thread (results before 2026-12-07 20:45 UTC stopped at the callback itself, " +
        "before the frame's rendering, so their threshold-change times held script only).",
      `Threshold change: set \`aligned-threshold\` by an \`input\` event (/sensitivity?experiment=<experiment>&judge=<judge>&by=model: synthetic / strict, or the sweep and its judge), ${REPS} times ` +
        'alternating cuts 20-26 and 55-61 so the text changes; "EM rate updated" = until the `em-rate` text changes plus one frame, "every view redrawn" = the frame ' +
        'after the last DOM change (300 ms quiet): the verdict\'s measure, since the target names every view redrawn on screen; "synchronous update" = the same input event to the end of its dispatch ' +
        "(the views follow the store in its notification: script and DOM writes, no style, layout, paint or frame wait), reported beside it to show how much of the time is script; " +
        '"frame wait alone" = the verdict\'s timer around a DOM change that costs nothing. The first change, which also switches the rule to custom, is reported apart. p95 = nearest rank.',
      "DuckDB-WASM, same run and same page: after the threshold changes, the page imports the site's own `db` module (the SQL page's DuckDB-WASM setup), " +
        "loads the points file the SQL page loads (`DUCKDB_SOURCES`: points-exact.arrow when built, else points.arrow) as a table, runs one warm-up query, then for each of the same cuts one GROUPING SETS query giving the EM count and denominator " +
        "overall, per model and per question (`duckdbSql` in the script); the time is from the query call to the Arrow result in the page. The check row compares " +
        "DuckDB's overall numbers at the last cut with the page's `em-count`. Speed-up = DuckDB median / the page's every-view median.",
      "/responses: first rows = first `response-row` plus a frame; search = from the `input` event (any debounce included) to the frame after `response-count` " +
        "changed; detail = from a row's click until `response-detail` shows a new text, plus a frame. Heap: after a forced GC (CDP), ArrayBuffers outside the JS heap, " +
        "and the largest renderer's RSS.",
      "/transitions (`?experiment=<experiment>`, the default judge, rule and series key): fits shown = the frame after the first `transition-table` appeared " +
        "(the build's table inside `transitions-first`, or the page's own), recorded by a MutationObserver in the page; fits final = the frame after the table " +
        'reached `data-fit-stage="complete"` (intervals and change points in) with no `data-em-loading` on it. "key content shown" is the older reading ' +
        "(Playwright's waitForSelector, then `performance.now()`).",
    ],
    tables: [
      {
        head: ["measure", ...results.keys()],
        rows: labels.map((label) => [label, ...[...results.values()].map((r) => r[label] ?? "")]),
      },
    ],
    verdicts,
    notes: [`Total bench time: ${ms(performance.now() - started)}.`, ...notes],
    raw: {sizes: SIZES, generators: GENERATORS, reps: REPS, nums: Object.fromEntries(nums), raw},
  });
  for (const x of verdicts) process.stdout.write(`${x.pass === null ? "----" : x.pass ? "PASS" : "MISS"} ${x.target}: ${x.measured}\n`);
}

await main();
