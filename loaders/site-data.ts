// Every output of the site's data loaders (src/data/NAME.ts), by NAME, and the build step that
// writes them all in one process before `observable build` (scripts/build.mjs, issue 28).
//
// Why: Framework runs its data loaders one after another, each a Node + tsx process (~1.3 s to
// start, 13 loaders), and the first one to need the size-dependent files computed them all under a
// lock while the others waited (loaders/site-files.ts). The build step instead computes the dataset
// and every site file once (siteFiles, with its two lanes), then puts each output where Framework
// looks for a loader's output (src/.observablehq/cache/data/NAME): Framework finds them and runs no
// loader. The files that grow with N reach Framework as stand-ins and dist/ after it (STAND_IN,
// scripts/stand-ins.mjs), never bytes through a pipe or whole in a process. A loader still computes its own
// output when Framework runs it (`npm run dev`, or an output the step did not write): the same
// function as the step, so the bytes are the same (test/unit/loaders/site-data.test.ts).
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import {createHash} from "node:crypto";
import path from "node:path";
import type {ExperimentInfo, Summary} from "../src/lib/site-summary.ts";
import {loadDataset, type Dataset} from "./dataset.ts";
import {loadExperiment} from "./experiment.ts";
import {siteMechanism} from "./mechanism/site.ts";
import {ROOT} from "./paths.ts";
import {plantedForSite, plantedTruthFor} from "./sim/truth.ts";
import {printFile, siteFiles, type SiteFiles} from "./site-files.ts";
import {labelsFromDir} from "./site-labels.ts";
import {questionTextsFromDir} from "./site-questions.ts";
import {stepTallies} from "./site-steps.ts";
import {fitMemo} from "./site-steps-memo.ts";

/** A loader's output: its text, or a file already written (printed or linked as it is). */
type Output = string | {file: string};

interface Inputs {
  dataset: Dataset;
  /** The size-dependent files, computed on first use (siteFiles: all of them at once). */
  files: () => Promise<SiteFiles>;
}

/** summary.json: small metadata every page needs before any table arrives (see src/data/summary.json.ts). */
async function summary({dataset}: Inputs): Promise<string> {
  const experiments: ExperimentInfo[] = [];
  for (const e of dataset.provenance.experiments) {
    const experiment = await loadExperiment(path.resolve(ROOT, e.file));
    experiments.push({
      name: e.name,
      description: e.description ?? experiment.description,
      simulated: e.simulated,
      coordinate: experiment.coordinate,
      // Only a declared log scale is passed on: the schema's default ("linear") cannot be told from a
      // declared one, and the site chooses log by itself for values spanning orders of magnitude.
      coordinate_scale: experiment.coordinate_scale === "log" ? "log" : null,
      variant_keys: Array.isArray(experiment.variant) ? experiment.variant.map(String) : typeof experiment.variant === "string" ? [experiment.variant] : null,
      replicate_key: typeof experiment.replicate === "string" ? experiment.replicate : null,
      file: e.file,
      sha256: e.sha256,
      models: experiment.models.map((m) => ({
        id: m.id,
        description: m.description ?? null,
        domain: m.domain ?? null,
        meta: m.meta ?? {},
        steps: m.checkpoints.map((c) => c.step),
      })),
      judges: e.judges,
      generation: e.generation,
      counts: e.counts,
      usage: e.usage,
      missing: dataset.missing.filter((m) => m.experiment === e.name).length,
      errors: dataset.errors.filter((m) => m.experiment === e.name).length,
      skipped: dataset.skipped.filter((m) => m.experiment === e.name).length,
      planted: e.simulated ? plantedForSite(plantedTruthFor(experiment)) : null,
      primary_questions: experiment.primary_questions,
      judge_drift: e.judge_drift ?? null,
    });
  }
  return JSON.stringify({tool: dataset.provenance.tool, experiments} satisfies Summary);
}

/** steps.json: per-step EM counts and their fits for the default selection (see src/data/steps.json.ts). */
async function steps({dataset, files}: Inputs): Promise<string> {
  // Each experiment's declared coordinate scale, as summary.json passes it to the page.
  const declared: Record<string, "log" | null> = {};
  for (const e of dataset.provenance.experiments)
    declared[e.name] = (await loadExperiment(path.resolve(ROOT, e.file))).coordinate_scale === "log" ? "log" : null;
  return JSON.stringify(stepTallies(new Uint8Array(readFileSync((await files()).compact)), {declared, memo: fitMemo()}));
}

const file =
  (key: keyof SiteFiles) =>
  async ({files}: Inputs) => ({file: (await files())[key]});

/** Every loader output the step writes, by its name under src/data/ (the loader is NAME.ts). Small outputs last: the files first. */
const OUTPUTS: Record<string, (inputs: Inputs) => Promise<Output>> = {
  "texts.parquet": file("texts"),
  "details.parquet": file("details"),
  "ids.parquet": file("ids"),
  "search.bin": file("search"),
  "points.arrow": file("compact"),
  "points-full.arrow": file("full"),
  "points-exact.arrow": file("exact"),
  "first.json": file("first"),
  "responses-first.json": file("responsesFirst"),
  "steps.json": steps,
  "summary.json": summary,
  "questions.json": async ({dataset}) => JSON.stringify(await questionTextsFromDir(dataset.dir)),
  "labels.json": async ({dataset}) => JSON.stringify({labels: await labelsFromDir(dataset.dir)}),
  "mechanism.json": async () => JSON.stringify(await siteMechanism()),
};

/** The names of the outputs the step writes (src/data/NAME.ts loaders). */
export const SITE_DATA_NAMES: readonly string[] = Object.keys(OUTPUTS);

async function inputs(): Promise<Inputs> {
  const dataset = await loadDataset({tables: []});
  let pending: Promise<SiteFiles> | null = null;
  return {dataset, files: () => (pending ??= siteFiles(dataset.dir))};
}

/** A Framework data loader's body: output NAME (one of SITE_DATA_NAMES) on stdout. */
export async function printSiteData(name: string): Promise<void> {
  const make = OUTPUTS[name];
  if (!make) throw new Error(`site data: no output named '${name}' (known: ${SITE_DATA_NAMES.join(", ")})`);
  const out = await make(await inputs());
  if (typeof out === "string") process.stdout.write(out);
  else printFile(out.file);
}

export interface WriteReport {
  /** Outputs written anew. */
  written: string[];
  /** Outputs left as they were (same bytes). */
  unchanged: string[];
  /** Other entries of the folder, removed (so Framework runs their loaders). */
  removed: string[];
}

/**
 * Outputs that grow with the responses (texts.parquet ~190 bytes a response). Framework's build reads
 * every data file whole to hash and copy it (and Node's readFile stops at 2 GiB), so in a build it
 * gets a stand-in instead: a few bytes naming the file and its sha256 (so the hashed name in dist/
 * still changes exactly when the file does), and scripts/build.mjs puts the real file in the
 * stand-in's place in dist/ after Framework (placeStandIns). Framework never holds them.
 */
const STAND_IN = new Set(["texts.parquet", "details.parquet", "ids.parquet", "search.bin", "points.arrow", "points-full.arrow", "points-exact.arrow"]);
/** The first bytes of every stand-in (build.mjs fails if one is left in dist/). */
export const STAND_IN_MAGIC = "em-site-data stand-in\n";

/** One stand-in: the output's name, the real file, its size and sha256, and the stand-in's text. */
export interface StandIn {
  name: string;
  file: string;
  size: number;
  sha256: string;
  text: string;
}

/** The manifest of the stand-ins, beside Framework's loader cache (`cacheDir`/site-data.json); read by scripts/build.mjs. */
export const standInManifest = (cacheDir: string) => path.join(cacheDir, "site-data.json");

/** sha256 of `file`, 1 MB at a time; reused from `known` when the file (device, inode, size, mtime) is the one it was computed for. */
function fileSha256(file: string, known: Map<string, string>): string {
  const st = statSync(file);
  const id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  const hit = known.get(id);
  if (hit) return hit;
  const h = createHash("sha256");
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  const sha = h.digest("hex");
  known.set(id, sha);
  return sha;
}

/**
 * The build step: every output of OUTPUTS written into `cacheDir`/data (src/.observablehq/cache/data,
 * where Framework looks for a loader's output), from one dataset and one siteFiles call; the outputs
 * that grow with N as stand-ins (STAND_IN), listed in standInManifest(cacheDir) for build.mjs. An
 * output whose bytes did not change is not touched; anything else in the folder (the output of a
 * loader not listed here, a Framework error marker) is removed, so Framework runs that loader itself.
 * Each output is written to a temporary name and renamed: a failure leaves no partial file.
 */
export async function writeSiteData(cacheDir: string): Promise<WriteReport> {
  const input = await inputs();
  const outDir = path.join(cacheDir, "data");
  mkdirSync(outDir, {recursive: true});
  const manifestFile = standInManifest(cacheDir);
  // Hashes computed by an earlier build, by file identity: a cached rebuild reads no big file.
  const known = new Map<string, string>();
  try {
    const old = JSON.parse(readFileSync(manifestFile, "utf8")) as {standIns: (StandIn & {id: string})[]};
    for (const s of old.standIns) known.set(s.id, s.sha256);
  } catch {
    // no earlier manifest
  }
  const standIns: (StandIn & {id: string})[] = [];
  const report: WriteReport = {written: [], unchanged: [], removed: []};
  for (const [name, make] of Object.entries(OUTPUTS)) {
    const dest = path.join(outDir, name);
    const out = await make(input);
    let bytes: Buffer;
    if (typeof out === "string") bytes = Buffer.from(out);
    else if (STAND_IN.has(name)) {
      const st = statSync(out.file);
      const sha256 = fileSha256(out.file, known);
      const text = `${STAND_IN_MAGIC}${name} ${st.size} ${sha256}\n`;
      standIns.push({name, file: out.file, size: st.size, sha256, text, id: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`});
      bytes = Buffer.from(text);
    } else bytes = readFileSync(out.file); // first.json, responses-first.json: sizes that do not grow with N
    if (existsSync(dest) && statSync(dest).size === bytes.length && readFileSync(dest).equals(bytes)) {
      report.unchanged.push(name);
      continue;
    }
    const tmp = `${dest}.step-${process.pid}`;
    writeFileSync(tmp, bytes);
    // A stand-in is dated 1970: older than its loader, so a preview server started on this cache
    // (`observable preview` without `npm run dev`'s clearing) runs the loader instead of serving it.
    if (standIns.at(-1)?.name === name) utimesSync(tmp, 0, 0);
    renameSync(tmp, dest);
    report.written.push(name);
  }
  for (const entry of readdirSync(outDir)) {
    if (entry in OUTPUTS) continue;
    rmSync(path.join(outDir, entry), {recursive: true, force: true});
    report.removed.push(entry);
  }
  writeFileSync(`${manifestFile}.step-${process.pid}`, JSON.stringify({standIns}));
  renameSync(`${manifestFile}.step-${process.pid}`, manifestFile);
  return report;
}

// The build step: `node --import tsx loaders/site-data.ts CACHE_DIR` (scripts/build.mjs).
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, "loaders/site-data.ts")) {
  const cacheDir = process.argv[2];
  if (!cacheDir) {
    process.stderr.write("usage: site-data.ts CACHE_DIR (Framework's cache, src/.observablehq/cache; outputs go to CACHE_DIR/data)\n");
    process.exit(2);
  }
  const started = performance.now();
  const r = await writeSiteData(path.resolve(cacheDir));
  process.stderr.write(
    `em: site data: ${r.written.length} written, ${r.unchanged.length} unchanged${r.removed.length ? `, ${r.removed.length} other removed (${r.removed.join(", ")})` : ""} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
