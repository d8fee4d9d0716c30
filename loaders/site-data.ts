// Every output of the site's data loaders (src/data/NAME.ts), by NAME, and the step that writes
// them all in one process before Framework starts: `npm run build` (scripts/build.mjs, issue 28) and
// `npm run dev` (scripts/build.mjs --prepare, with --dev) alike.
//
// Why: Framework runs its data loaders one after another, each a Node + tsx process (~1.3 s to
// start, 13 loaders), and the first one to need the size-dependent files computed them all while
// the others waited. The step instead computes the dataset and every site file once (siteFiles,
// with its two lanes), then puts each output where Framework looks for a loader's output
// (src/.observablehq/cache/data/NAME): Framework finds them and runs no loader. In a build the
// files that grow with N reach Framework as stand-ins and dist/ after it (STAND_IN,
// scripts/stand-ins.mjs), never bytes through a pipe or whole in a process; for the preview server
// (`--dev`), which serves the cached file itself, they are copies of the real files, dated after
// their loaders so the server finds them fresh. A loader still computes its own output if Framework
// runs it (an output the step did not write, or a loader file edited while the server runs): the
// same function as the step, so the bytes are the same (test/unit/loaders/site-data.test.ts).
import {
  closeSync,
  constants,
  copyFileSync,
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
      not_judged: (e.import_files ?? []).reduce((a, f) => a + (f.not_judged ?? 0), 0),
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
const STAND_IN = new Set(["texts.parquet", "details.parquet", "ids.parquet", "search.bin", "points.arrow", "points-exact.arrow"]);
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

/** A file's identity (device, inode, size, mtime): the same file, unchanged, while it stays the same. */
function fileId(file: string): string {
  const st = statSync(file);
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** sha256 of `file`, 1 MB at a time; reused from `known` when the file (device, inode, size, mtime) is the one it was computed for. */
function fileSha256(file: string, known: Map<string, string>): string {
  const id = fileId(file);
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

/** A real file copied into the cache for the preview server (`dev`): which source file it was, and the copy's identity. */
interface Copy {
  name: string;
  from: string;
  to: string;
}

/**
 * The site data step: every output of OUTPUTS written into `cacheDir`/data (src/.observablehq/cache/data,
 * where Framework looks for a loader's output), from one dataset and one siteFiles call. For a
 * build, the outputs that grow with N as stand-ins (STAND_IN), listed in standInManifest(cacheDir)
 * for build.mjs; with `dev` (the preview server of `npm run dev`, which serves the cached files
 * themselves), copies of the real files, and every output dated no earlier than its loader file, so
 * the server finds each one fresh and runs no loader. An output whose bytes did not change is not
 * touched (a copy: same source file, copy untouched since); anything else in the folder (the output
 * of a loader not listed here, a Framework error marker) is removed, so Framework runs that loader
 * itself. Each output is written to a temporary name and renamed: a failure leaves no partial file.
 */
export async function writeSiteData(cacheDir: string, {dev = false}: {dev?: boolean} = {}): Promise<WriteReport> {
  const input = await inputs();
  const outDir = path.join(cacheDir, "data");
  mkdirSync(outDir, {recursive: true});
  const manifestFile = standInManifest(cacheDir);
  // Hashes computed by an earlier build, by file identity: a cached rebuild reads no big file.
  const known = new Map<string, string>();
  // The copies an earlier dev step made, by name: an unchanged one is not copied again.
  const copied = new Map<string, Copy>();
  try {
    const old = JSON.parse(readFileSync(manifestFile, "utf8")) as {standIns: (StandIn & {id: string})[]; copies?: Copy[]};
    for (const s of old.standIns) known.set(s.id, s.sha256);
    for (const c of old.copies ?? []) copied.set(c.name, c);
  } catch {
    // no earlier manifest
  }
  const standIns: (StandIn & {id: string})[] = [];
  const copies: Copy[] = [];
  const report: WriteReport = {written: [], unchanged: [], removed: []};
  // Dev: an output older than its loader file would be "stale" to the preview server, which would run the loader.
  const freshen = (dest: string, name: string) => {
    if (dev && statSync(dest).mtimeMs < statSync(path.join(ROOT, "src/data", `${name}.ts`)).mtimeMs) {
      const now = new Date();
      utimesSync(dest, now, now);
    }
  };
  for (const [name, make] of Object.entries(OUTPUTS)) {
    const dest = path.join(outDir, name);
    const tmp = `${dest}.step-${process.pid}`;
    const t0 = performance.now();
    const out = await make(input);
    // One line per step that takes time (the first output waits for the dataset and every site file).
    const took = (performance.now() - t0) / 1000;
    if (took >= 0.5)
      process.stderr.write(`em: site data: ${name}${name === "texts.parquet" ? " (the dataset and every site file)" : ""} in ${took.toFixed(1)} s\n`);
    if (dev && typeof out !== "string" && STAND_IN.has(name)) {
      const from = fileId(out.file);
      const before = copied.get(name);
      if (before?.from === from && existsSync(dest) && fileId(dest) === before.to) {
        freshen(dest, name);
        copies.push({name, from, to: fileId(dest)});
        report.unchanged.push(name);
        continue;
      }
      // The kernel's copy (a reflink where the file system has them): never whole in this process.
      copyFileSync(out.file, tmp, constants.COPYFILE_FICLONE);
      renameSync(tmp, dest);
      freshen(dest, name);
      copies.push({name, from, to: fileId(dest)});
      report.written.push(name);
      continue;
    }
    let bytes: Buffer;
    if (typeof out === "string") bytes = Buffer.from(out);
    else if (STAND_IN.has(name)) {
      const st = statSync(out.file);
      const sha256 = fileSha256(out.file, known);
      const text = `${STAND_IN_MAGIC}${name} ${st.size} ${sha256}\n`;
      standIns.push({name, file: out.file, size: st.size, sha256, text, id: fileId(out.file)});
      bytes = Buffer.from(text);
    } else bytes = readFileSync(out.file); // first.json, responses-first.json: sizes that do not grow with N
    if (existsSync(dest) && statSync(dest).size === bytes.length && readFileSync(dest).equals(bytes)) {
      freshen(dest, name);
      report.unchanged.push(name);
      continue;
    }
    writeFileSync(tmp, bytes);
    // A stand-in is dated 1970: older than its loader, so a preview server started on a build's
    // cache (`observable preview` by hand, not `npm run dev`) runs the loader instead of serving it.
    if (standIns.at(-1)?.name === name) utimesSync(tmp, 0, 0);
    renameSync(tmp, dest);
    freshen(dest, name);
    report.written.push(name);
  }
  for (const entry of readdirSync(outDir)) {
    if (entry in OUTPUTS) continue;
    rmSync(path.join(outDir, entry), {recursive: true, force: true});
    report.removed.push(entry);
  }
  writeFileSync(`${manifestFile}.step-${process.pid}`, JSON.stringify({standIns, copies}));
  renameSync(`${manifestFile}.step-${process.pid}`, manifestFile);
  return report;
}

// The step: `node --import tsx loaders/site-data.ts CACHE_DIR [--dev]` (scripts/build.mjs).
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, "loaders/site-data.ts")) {
  const args = process.argv.slice(2);
  const dev = args.includes("--dev");
  const [cacheDir, ...rest] = args.filter((a) => a !== "--dev");
  if (!cacheDir || rest.length) {
    process.stderr.write(
      "usage: site-data.ts CACHE_DIR [--dev] (Framework's cache, src/.observablehq/cache; outputs go to CACHE_DIR/data; --dev: real files for the preview server, not stand-ins)\n",
    );
    process.exit(2);
  }
  const started = performance.now();
  process.stderr.write(`em: site data: modules loaded ${process.uptime().toFixed(1)} s after the process started\n`);
  const r = await writeSiteData(path.resolve(cacheDir), {dev});
  process.stderr.write(
    `em: site data: ${r.written.length} written, ${r.unchanged.length} unchanged${r.removed.length ? `, ${r.removed.length} other removed (${r.removed.join(", ")})` : ""} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
