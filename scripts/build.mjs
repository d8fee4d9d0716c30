#!/usr/bin/env node
// `npm run build`: build the site with no outside host.
// 1. Framework asks the npm registry for versions of its own lazy client imports (react, leaflet...)
//    even when no page uses them; an empty folder per name in its npm cache answers that offline.
// 2. Framework re-runs a data loader only when its output is missing, and never notices changes in
//    the modules a loader imports: the site data step (loaders/site-data.ts) writes every src/data/
//    loader's output into Framework's loader cache on every build, before Framework starts (the
//    pipeline's and the dataset's own caches keep rebuilds free), and removes any other output there.
// 3. Run `observable build`, then check dist/ for references to outside hosts.
// `--prepare` (`npm run dev`): steps 1 and 2 only, the data step with real files instead of stand-ins,
// then `observable preview` serves what the step wrote (no loader runs).
import {spawn} from "node:child_process";
import {totalmem} from "node:os";
import {existsSync, mkdirSync, rmSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import {join, dirname, resolve} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {syncDocs} from "./docs-site.mjs";
import {placeStandIns} from "./stand-ins.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "src/.observablehq/cache");

const LAZY_CLIENT_IMPORTS = [
  "react@19.3.1",
  "react-dom@19.3.1",
  "@observablehq/sample-datasets@1.0.1",
  "lodash@4.18.1",
  "arquero@8.0.3",
  "apache-arrow@21.2.0",
  "d3@7.9.2",
  "echarts@6.1.0",
  "htl@1.0.0",
  "leaflet@1.9.4",
  "mapbox-gl@3.32.0",
  "@observablehq/plot@0.6.17",
  "topojson-client@3.1.0",
  "d3-dsv@3.0.2",
];
for (const name of LAZY_CLIENT_IMPORTS) mkdirSync(join(cache, "_npm", name), {recursive: true});
// The Docs section: docs/*.md copied to src/docs/ as pages (scripts/docs-site.mjs).
syncDocs(root);
// `--output DIR`: build into DIR instead of dist/ (the browser tests build the examples beside the
// demo's dist/). Framework takes the output folder only from its config, so a small config next to
// the real one re-exports it with `output` replaced.
const args = process.argv.slice(2);
let outDir = join(root, "dist");
const at = args.indexOf("--output");
if (at >= 0) {
  if (!args[at + 1]) {
    console.error("build: --output needs a folder");
    process.exit(2);
  }
  outDir = resolve(args[at + 1]);
  args.splice(at, 2);
  const config = join(root, `.observablehq.output-${process.pid}.config.js`);
  writeFileSync(config, `import config from "./observablehq.config.js";\nexport default {...config, output: ${JSON.stringify(outDir)}};\n`);
  const removeConfig = () => rmSync(config, {force: true});
  process.on("exit", removeConfig);
  // Node's default for these signals ends the process without its exit handlers (a Ctrl-C left the
  // config behind). Remove it, then end by the signal as before once every listener has run, unless
  // one is still registered (the rule of loaders/scratch.ts).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
    process.once(signal, () => {
      removeConfig();
      setImmediate(() => process.listenerCount(signal) === 0 && process.kill(process.pid, signal));
    });
  args.push("--config", config);
}
const framework = join(root, "node_modules/@observablehq/framework/dist/bin/observable.js");
// The data loaders (Framework runs each as its own Node process, inheriting NODE_OPTIONS) hold an
// import's rows as objects while the tables are written (~1 KB per response): Node's default heap
// (~4 GB here) ends a 2M-row build with "heap out of memory". Allow up to 3/4 of the machine's RAM
// unless the caller chose a limit (docs/benchmarks.md: build memory; a streaming import is the fix).
const heapMb = Math.floor((totalmem() / 2 ** 20) * 0.75);
const nodeOptions = /--max-old-space-size/.test(process.env.NODE_OPTIONS ?? "")
  ? process.env.NODE_OPTIONS
  : `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=${Math.max(4096, heapMb)}`.trim();
// The site data step (loaders/site-data.ts): the dataset and every src/data/ loader's output computed
// in one process (the size-dependent files in two lanes, loaders/site-files.ts) and put where
// Framework keeps a loader's output, so Framework starts no loader process (~1.3 s each), in a
// build and in the preview server alike. Unchanged outputs are not rewritten; on a failure nothing
// stale is left for Framework to use.
const prepare = process.argv.includes("--prepare");
const dataCache = join(cache, "data");
const clock = performance.now();
const since = (t) => ((performance.now() - t) / 1000).toFixed(1);
// The step and Framework end with this process, however it ends (SIGKILL too): each one's stdin is a
// pipe nothing is written to, which the kernel closes when this process ends, and it exits when it
// sees that (EM_TIED_TO_PARENT, scripts/tie-to-parent.mjs, preloaded), and so do the step's lanes.
// spawnSync would leave the step and its import lanes, or Framework, running for minutes after a
// stopped build.
const TIE = pathToFileURL(join(root, "scripts/tie-to-parent.mjs")).href;
function runTied(what, nodeArgs, env) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ["--import", TIE, ...nodeArgs], {
      cwd: root,
      stdio: ["pipe", "inherit", "inherit"],
      env: {...env, EM_TIED_TO_PARENT: String(process.pid)},
    });
    child.stdin.on("error", () => {});
    child.on("error", (e) => {
      console.error(`build: ${what} could not start: ${e.message}`);
      resolvePromise({status: 1, signal: null});
    });
    child.on("exit", (status, signal) => resolvePromise({status, signal}));
  });
}
// EM_BUILD_PID: the dataset and site files the step uses are leased for this build until it ends (placeStandIns links them
// into dist/ after Framework): no other build prunes them meanwhile (loaders/lease.ts).
const step = await runTied("the site data step", ["--import", "tsx", join(root, "loaders/site-data.ts"), cache, ...(prepare ? ["--dev"] : [])], {
  ...process.env,
  NODE_OPTIONS: nodeOptions,
  EM_BUILD_PID: String(process.pid),
});
if (step.status !== 0) {
  rmSync(dataCache, {recursive: true, force: true});
  console.error(`build: the site data step failed (exit ${step.status ?? step.signal})`);
  process.exit(step.status || 1);
}
if (prepare) {
  // The preview server watches pages, components and the loader files, not the experiments and
  // their inputs: the data is what this step computed now (docs/site.md).
  console.error(
    `dev: site data ready (${since(clock)} s). After changing an experiment file, its imports, questions, rubrics or the cache, stop and rerun \`npm run dev\`.`,
  );
  process.exit(0);
}
console.error(`build: site data step ${since(clock)} s`);
const frameworkClock = performance.now();
const result = await runTied("Framework", [framework, "build", ...args], {...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true", NODE_OPTIONS: nodeOptions});
if (result.status !== 0) process.exit(result.status ?? 1);
console.error(`build: Framework ${since(frameworkClock)} s`);
const checkClock = performance.now();

// The files that grow with the responses (texts.parquet, search.bin, the points...) reach dist/
// here, not through Framework: Framework reads every data file whole to hash and copy it (and
// Node's readFile stops at 2 GiB), so the step gave it a stand-in naming the file and its sha256
// (loaders/site-data.ts, STAND_IN); Framework copied the stand-in under a hashed name that changes
// with the real file, and the real file takes its place (a hard link, or the kernel's copy).
try {
  placeStandIns(join(cache, "site-data.json"), outDir);
} catch (e) {
  console.error(`build: ${e.message}`);
  process.exit(1);
}

// DuckDB-WASM's browser bundle carries getJsDelivrBundles(), a helper we never call that builds
// CDN URLs. Neutralise its base URL so dist/ names no outside host at all. (The .wasm binary also
// contains the extension repository's name; extension auto-install and auto-load are off in
// src/components/db.ts, and the browser tests fail on any request to another host.)
const CDN_BASE = "https://cdn.jsdelivr.net/npm/";
function neutralise(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) neutralise(path);
    else if (entry.endsWith(".js")) {
      const text = readFileSync(path, "utf8");
      if (text.includes(CDN_BASE)) writeFileSync(path, text.replaceAll(CDN_BASE, "./offline-disabled/"));
    }
  }
}
if (existsSync(join(outDir, "_node/@duckdb"))) neutralise(join(outDir, "_node/@duckdb"));

// Nothing in dist/ may point at an outside host the browser would contact.
const OUTSIDE = /https?:\/\/(cdn\.jsdelivr\.net|unpkg\.com|esm\.sh|fonts\.googleapis\.com|fonts\.gstatic\.com|extensions\.duckdb\.org)/;
const offenders = [];
function scan(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) scan(path);
    else if (/\.(html|js|css|json)$/.test(entry) && OUTSIDE.test(readFileSync(path, "utf8"))) offenders.push(path);
  }
}
scan(outDir);
if (offenders.length) {
  console.error(`build: ${outDir} references outside hosts in:\n  ${offenders.join("\n  ")}`);
  process.exit(1);
}
console.error(
  `build: dist/ checked: no references to outside hosts (stand-ins placed and dist/ checked in ${since(checkClock)} s; whole build ${since(clock)} s)`,
);
