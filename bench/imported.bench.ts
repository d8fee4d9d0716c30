// Sections "imported" and "imported-10m" of `npm run bench` (issue 28): real builds of imported
// checkpoint sweeps from both bench generators, then the pages of each built site in headless
// Chromium, then parity with `em summarize` on the same data.
//   - generator a: bench/import-scale.ts's sweep (4 models x 20 checkpoints x 48 questions,
//     ~300-character answers of one 60-word vocabulary, one judge);
//   - generator b: bench/lib/sweep-b.ts, written independently of the project's own generators
//     (varied lengths and words, 6 categories, ~3% empty aligned cells, one judge without types).
//
//   node --import tsx bench/imported.bench.ts                       # 1M, both generators
//   IMPORTED_SIZES=10000000 IMPORTED_GENERATORS=b node --import tsx bench/imported.bench.ts  # 10M
//
// Env: IMPORTED_SIZES (comma-separated responses, default 1000000), IMPORTED_GENERATORS (default
// "a,b"), BROWSER=0 (builds only), SECTION (result file name, default "imported"; bench/run.ts
// passes "imported-10m" for the on-demand 10M run), IMPORTED_REUSE_BUILD=1 (time the pages of the
// last build of the same sweep again instead of building), IMPORTED_BASELINE (a result file of an
// earlier run, shown as "before" columns), IMPORTED_DIR_PREFIX (folders of the sweeps; default
// import-scale's). BENCH_SMOKE=1: 3,000 responses, both generators.
import {spawnSync} from "node:child_process";
import {execFileSync} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import {ROOT} from "../loaders/paths.ts";
import {B_JUDGE} from "./lib/sweep-b.ts";
import {buildImported, gb, type ImportBuild} from "./lib/import-build.ts";
import {SMOKE, commandLine, fmtMs, writeSection, type Verdict} from "./lib/results.ts";

const SECTION = process.env.SECTION ?? "imported";
const SIZES = (process.env.IMPORTED_SIZES ?? (SMOKE ? "3000" : "1000000")).split(",").map((s) => Number(s.trim().replace(/_/g, "")));
const GENERATORS = (process.env.IMPORTED_GENERATORS ?? "a,b").split(",").map((s) => s.trim());
const BROWSER = process.env.BROWSER !== "0";
for (const n of SIZES) if (!Number.isInteger(n) || n < 1) throw new Error(`IMPORTED_SIZES: not a positive integer: ${process.env.IMPORTED_SIZES}`);
for (const g of GENERATORS) if (g !== "a" && g !== "b") throw new Error(`IMPORTED_GENERATORS: a or b, got '${g}'`);

type BuildRun = ImportBuild & {
  /** Timed by an earlier run (IMPORTED_REUSE_BUILD=1), not by this one. */
  reused?: boolean;
};
interface PageRun {
  row: Record<string, string>;
  num: Record<string, number | null>;
  notes: string[];
  /** bench/site.bench.ts's raw measurements by "<key>:<what>" (searches, thresholdChanges, brush...). */
  raw?: Record<string, unknown>;
}

/** The per-query times kept in the result file: every search and threshold change (what the p95s are of). */
const keptRaw = (raw: PageRun["raw"]) => Object.fromEntries(Object.entries(raw ?? {}).filter(([k]) => /:(searches|thresholdChanges)$/.test(k)));

const log = (m: string) => process.stderr.write(`[imported.bench] ${m}\n`);
const experimentOf = (g: string, n: number) => (g === "b" ? `sweep-b-${n}` : `import-scale-${n}-1`);
const judgeOf = (g: string) => (g === "b" ? B_JUDGE : "judge0");
/** A column's label in the section's table: generator and size ("b: 10,000,000"). */
const labelOf = (g: string, n: number) => `${g}: ${n.toLocaleString("en")}`;

/** Where a sweep's files, memo and built site live: import-scale's default folders, or IMPORTED_DIR_PREFIX-<generator>-<n>. */
const dirOf = (g: string, n: number) =>
  process.env.IMPORTED_DIR_PREFIX ? `${process.env.IMPORTED_DIR_PREFIX}-${g}-${n}` : g === "b" ? `/tmp/em-import-scale-b-${n}` : `/tmp/em-import-scale-${n}-1`;

function build(g: string, n: number): BuildRun {
  const dir = dirOf(g, n);
  if (process.env.IMPORTED_REUSE_BUILD === "1") {
    const saved = join(dir, "build-result.json");
    if (existsSync(saved) && existsSync(join(dir, "dist/index.html"))) {
      log(`generator ${g}, ${n.toLocaleString("en")} responses: the build of ${saved} (IMPORTED_REUSE_BUILD=1)`);
      return {...(JSON.parse(readFileSync(saved, "utf8")) as BuildRun), reused: true};
    }
  }
  log(`generator ${g}, ${n.toLocaleString("en")} responses: generate (once) and build`);
  return buildImported({responses: n, generator: g, dir});
}

function pages(run: BuildRun, g: string, n: number, tmp: string): PageRun {
  const out = join(tmp, `pages-${g}-${n}.json`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/site.bench.ts")], {
    cwd: ROOT,
    env: {...process.env, SITE_DIST: run.dist, SITE_EXPERIMENT: experimentOf(g, n), SITE_JUDGE: judgeOf(g), SITE_N: String(n), SITE_OUT: out},
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`bench/site.bench.ts on ${run.dist} failed (exit ${r.status})`);
  return JSON.parse(readFileSync(out, "utf8")) as PageRun;
}

/** `em summarize`'s overall EM count and denominator (betley, the pages' default rule) on the build's memoised dataset. */
function summarize(run: BuildRun, g: string): {nEm: number; nScored: number; seconds: number} {
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin/em.js"), "summarize", "--experiment", join(run.dir, "experiment.yaml"), "--judge", judgeOf(g), "--format", "json"],
    {cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28, env: {...process.env, EM_DATASET_MEMO: join(run.dir, "memo")}},
  );
  if (r.status !== 0) throw new Error(`em summarize on ${run.dir} failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  const g0 = (JSON.parse(r.stdout) as {groups: {n_em: number; n_scored: number}[]}).groups[0]!;
  return {nEm: g0.n_em, nScored: g0.n_scored, seconds: (performance.now() - t) / 1000};
}

interface Col {
  label: string;
  build: BuildRun;
  page: PageRun | null;
  parity: string;
  parityOk: boolean | null;
}

const commit = (() => {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {cwd: ROOT, encoding: "utf8"}).trim();
  } catch {
    return "unknown";
  }
})();

/** Write the section with the columns done so far (a long run killed midway keeps what it measured). */
function report(measured: Col[]): Verdict[] {
  // IMPORTED_BASELINE: an earlier result file of this script (the code before a change): its
  // columns come first, labelled with its commit, so before and after sit in one table.
  const baseline: Col[] = [];
  const file = process.env.IMPORTED_BASELINE;
  if (file) {
    const r = JSON.parse(readFileSync(file, "utf8")) as {raw: {commit: string; cols: (Col & {row?: Record<string, string>; num: PageRun["num"] | null})[]}};
    for (const c of r.raw.cols)
      baseline.push({...c, label: `before (${r.raw.commit}) ${c.label}`, page: c.num ? {row: c.row ?? {}, num: c.num, notes: []} : null});
  }
  const cols = [...baseline, ...measured];
  const rows: string[][] = [
    ["build time", ...cols.map((c) => `${c.build.seconds.toFixed(1)} s${c.build.reused ? " (timed by an earlier run)" : ""}`)],
    ["peak memory (process tree)", ...cols.map((c) => gb(c.build.peakTreeRssGB))],
    ["largest process", ...cols.map((c) => gb(c.build.peakProcessRssGB))],
    [
      "points.arrow (bytes per response)",
      ...cols.map((c) => `${((c.build.pointsBytes ?? 0) / 1e6).toFixed(1)} MB (${c.build.pointsBytesPerResponse ?? "n/a"})`),
    ],
    ["page EM count = em summarize (betley, overall)", ...cols.map((c) => c.parity)],
  ];
  const labels = [...new Set(cols.flatMap((c) => Object.keys(c.page?.row ?? {})))];
  for (const l of labels) rows.push([l, ...cols.map((c) => c.page?.row[l] ?? "")]);

  const verdicts: Verdict[] = [];
  for (const c of measured) {
    const n = c.build.responses;
    const big = n >= 5_000_000;
    const tag = `[${c.label}]`;
    verdicts.push({
      target: `build <= ${big ? "20 min" : "120 s"} (${big ? "10M" : "1M"} imported responses, one judge) ${tag}`,
      measured: `${c.build.seconds.toFixed(0)} s`,
      pass: c.build.seconds <= (big ? 1200 : 120),
    });
    verdicts.push({
      target: `build <= ${big ? 8 : 2} GB peak (process tree) ${tag}`,
      measured: gb(c.build.peakTreeRssGB),
      pass: c.build.peakTreeRssGB <= (big ? 8 : 2),
    });
    if (!c.page) continue;
    const num = c.page.num;
    const v = (target: string, x: number | null | undefined, show: (x: number) => string, ok: (x: number) => boolean): Verdict =>
      x === null || x === undefined || !Number.isFinite(x)
        ? {target: `${target} ${tag}`, measured: "not measured", pass: null}
        : {target: `${target} ${tag}`, measured: show(x), pass: ok(x)};
    verdicts.push(
      v(
        "/sensitivity: EM rate shown <= 1.0 s after <= 5 MB transferred",
        num.sensitivityShown,
        (x) => `${fmtMs(x)} after ${((num.sensitivityFirstBytes ?? NaN) / 1e6).toFixed(1)} MB`,
        (x) => x <= 1000 && (num.sensitivityFirstBytes ?? Infinity) <= 5e6,
      ),
      v(
        "/sensitivity: numeric data <= 6 bytes per response",
        num.sensitivityBytesPerResponse,
        (x) => `${x.toFixed(1)} bytes`,
        (x) => x <= 6,
      ),
      v("threshold change, every view redrawn: p95 <= 16 ms", num.thresholdSettledP95, fmtMs, (x) => x <= 16),
      v(
        "threshold change >= 5x faster than DuckDB-WASM",
        num.duckMedian != null && num.thresholdSettledMedian != null && num.duckSame === 1 ? num.duckMedian / num.thresholdSettledMedian : null,
        (x) => `${x.toFixed(2)}x`,
        (x) => x >= 5,
      ),
      v("/transitions fits shown <= 1.5 s", num["/transitions:shown"], fmtMs, (x) => x <= 1500),
      v("step brush to the response list updated: p95 <= 50 ms", num.brushP95, fmtMs, (x) => x <= 50),
      v(
        "/responses first rows <= 1.5 s, <= 10 MB transferred until the network is idle",
        num.responsesFirstRows,
        (x) => `${fmtMs(x)}; ${((num.responsesBytesIdle ?? NaN) / 1e6).toFixed(1)} MB until idle`,
        (x) => x <= 1500 && (num.responsesBytesIdle ?? Infinity) <= 10e6,
      ),
      v("/responses: search over every answer <= 300 ms (p95)", num.searchP95, fmtMs, (x) => x <= 300),
      {target: `numbers equal em summarize ${tag}`, measured: c.parity, pass: c.parityOk},
    );
    // Issue 28: "live cuts ready <= 5 s at 10M": every view of /sensitivity able to follow a cut, i.e.
    // the frame after the last DOM change of the open (the live views wait for the points and their tallies).
    if (big)
      verdicts.push({
        ...v(
          "/sensitivity: live cuts ready <= 5 s at 10M (all charts done: the frame after the last DOM change)",
          num.sensitivitySettled,
          fmtMs,
          (x) => x <= 5000,
        ),
        key: "live-cuts-10m",
      });
  }

  writeSection({
    section: SECTION,
    title: SECTION === "imported" ? "Imported sweeps, both generators (issue 28)" : "Imported sweeps at 10M (issue 28, on demand)",
    command: commandLine("bench/imported.bench.ts", ["IMPORTED_SIZES", "IMPORTED_GENERATORS", "BROWSER", "SECTION", "BENCH_SMOKE"]),
    method: [
      "Each column: `bench/import-scale.ts` writes the sweep's CSV files once under /tmp (generator a: its own 4 models x 20 checkpoints x 48 questions, ~300-character answers over a 60-word vocabulary; " +
        "generator b: `bench/lib/sweep-b.ts`, written without the project's generators: 5 models x 25 checkpoints, 6 categories x 10 questions, log-normal answer lengths over a 5,000-word Zipf vocabulary with line breaks, quotes and non-ASCII text, ~3% empty aligned cells, one judge without types, the importer's alternative column names), " +
        "then runs `scripts/build.mjs` with `EM_EXPERIMENTS` set to the sweep's experiment file and a fresh dataset memo, sampling the RSS of the build's whole process tree every 100 ms.",
      "Then `bench/site.bench.ts` with `SITE_DIST` opens the built site itself (not synthetic files written over it) in headless Chromium: the same measurements as the site section, on /sensitivity?experiment=<sweep>&judge=<its judge>&by=model and the other pages. " +
        "Parity: the page's first `em-count` (default rule, betley) against `em summarize --experiment <sweep> --judge <judge> --format json` on the same memoised dataset.",
    ],
    tables: [{head: ["measure", ...cols.map((c) => c.label)], rows}],
    verdicts,
    notes: [`Total bench time: ${fmtMs(performance.now() - started)}; commit ${commit}.`, ...measured.flatMap((c) => c.page?.notes ?? [])],
    raw: {
      commit,
      baseline: file ?? null,
      cols: measured.map((c) => ({
        label: c.label,
        build: c.build,
        row: c.page?.row ?? null,
        num: c.page?.num ?? null,
        times: keptRaw(c.page?.raw),
        parity: c.parity,
        parityOk: c.parityOk,
      })),
    },
  });
  return verdicts;
}

const started = performance.now();
const tmp = mkdtempSync(join(os.tmpdir(), "em-imported-bench-"));
const cols: Col[] = [];
try {
  for (const n of SIZES)
    for (const g of GENERATORS) {
      const b = build(g, n);
      log(`generator ${g}: built in ${b.seconds} s, peak ${b.peakTreeRssGB} GB`);
      const page = BROWSER ? pages(b, g, n, tmp) : null;
      let parity = "not checked (BROWSER=0)";
      let parityOk: boolean | null = null;
      if (page) {
        // The build and page figures are written before em summarize runs (minutes at 10M), so a run
        // stopped during it keeps them, with parity unknown.
        report([...cols, {label: labelOf(g, n), build: b, page, parity: "unknown (em summarize still running)", parityOk: null}]);
        const pg = {nEm: page.num.firstNEm, nScored: page.num.firstNScored};
        // A summarize that cannot read the study (10M: out of memory) is a parity miss, not a lost run:
        // the build and page figures above are kept in the result file.
        let cli: ReturnType<typeof summarize> | null = null;
        try {
          cli = summarize(b, g);
        } catch (e) {
          const why = String(e instanceof Error ? e.message : e);
          parityOk = false;
          parity = `em summarize failed (${/heap out of memory|Allocation failed|NewStringFromUtf8/.test(why) ? "out of memory" : why.split("\n")[0]!.slice(0, 160)}); page ${pg.nEm} / ${pg.nScored}`;
        }
        if (cli) {
          parityOk = pg.nEm === cli.nEm && pg.nScored === cli.nScored;
          parity = `${parityOk ? "equal" : "DIFFERENT"}: page ${pg.nEm} / ${pg.nScored}, em summarize ${cli.nEm} / ${cli.nScored}`;
        }
        log(`generator ${g}: parity ${parity}`);
      }
      cols.push({label: labelOf(g, n), build: b, page, parity, parityOk});
      report(cols);
    }
} finally {
  rmSync(tmp, {recursive: true, force: true});
}
for (const x of report(cols)) process.stdout.write(`${x.pass === null ? "----" : x.pass ? "PASS" : "MISS"} ${x.target}: ${x.measured}\n`);
