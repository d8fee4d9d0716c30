// Every output of the site's data loaders (src/data/NAME.ts), by NAME, and the build step that
// writes them all in one process before `observable build` (scripts/build.mjs, issue 28).
//
// Why: Framework runs its data loaders one after another, each a Node + tsx process (~1.3 s to
// start, 13 loaders), and the first one to need the size-dependent files computed them all under a
// lock while the others waited (loaders/site-files.ts). The build step instead computes the dataset
// and every site file once (siteFiles, with its two lanes), then puts each output where Framework
// looks for a loader's output (src/.observablehq/cache/data/NAME): Framework finds them fresh and
// runs no loader. The size-dependent files are hard links to the dataset's own files (a copy when
// another file system holds the memo), not bytes through a pipe. A loader still computes its own
// output when Framework runs it (`npm run dev`, or an output the step did not write): the same
// function as the step, so the bytes are the same (test/unit/loaders/site-data.test.ts).
import {closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync} from "node:fs";
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
  for (const e of dataset.provenance.experiments) declared[e.name] = (await loadExperiment(path.resolve(ROOT, e.file))).coordinate_scale === "log" ? "log" : null;
  return JSON.stringify(stepTallies(new Uint8Array(readFileSync((await files()).compact)), {declared, memo: fitMemo()}));
}

const file = (key: keyof SiteFiles) => async ({files}: Inputs) => ({file: (await files())[key]});

/** Every loader output the step writes, by its name under src/data/ (the loader is NAME.ts). Small outputs last: the files first. */
const OUTPUTS: Record<string, (inputs: Inputs) => Promise<Output>> = {
  "texts.parquet": file("texts"),
  "details.parquet": file("details"),
  "ids.parquet": file("ids"),
  "search.bin": file("search"),
  "points.arrow": file("compact"),
  "points-full.arrow": file("full"),
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
  /** Outputs written or linked anew. */
  written: string[];
  /** Outputs left as they were (same bytes, or already a link to the same file). */
  unchanged: string[];
  /** Other entries of the folder, removed (so Framework runs their loaders). */
  removed: string[];
}

/** Whether `a` and `b` are one file (a hard link) or hold the same bytes (compared 1 MB at a time). */
function sameFile(a: string, b: string): boolean {
  const sa = statSync(a);
  const sb = statSync(b);
  if (sa.dev === sb.dev && sa.ino === sb.ino) return true;
  if (sa.size !== sb.size) return false;
  const fa = openSync(a, "r");
  const fb = openSync(b, "r");
  try {
    const ba = Buffer.allocUnsafe(1 << 20);
    const bb = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < sa.size; ) {
      const n = readSync(fa, ba, 0, ba.length, at);
      if (n <= 0 || readSync(fb, bb, 0, n, at) !== n || !ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
      at += n;
    }
    return true;
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

/**
 * The build step: every output of OUTPUTS written into `outDir` (src/.observablehq/cache/data, where
 * Framework looks for a loader's output), from one dataset and one siteFiles call. An output whose
 * bytes (or linked file) did not change is not touched; anything else in `outDir` (the output of a
 * loader not listed here, a Framework error marker) is removed, so Framework runs that loader itself.
 * Each output is written to a temporary name and renamed: a failure leaves no partial file.
 */
export async function writeSiteData(outDir: string): Promise<WriteReport> {
  const input = await inputs();
  mkdirSync(outDir, {recursive: true});
  const report: WriteReport = {written: [], unchanged: [], removed: []};
  for (const [name, make] of Object.entries(OUTPUTS)) {
    const dest = path.join(outDir, name);
    const out = await make(input);
    const tmp = `${dest}.step-${process.pid}`;
    if (typeof out === "string") {
      const bytes = Buffer.from(out);
      if (existsSync(dest) && statSync(dest).size === bytes.length && readFileSync(dest).equals(bytes)) {
        report.unchanged.push(name);
        continue;
      }
      writeFileSync(tmp, bytes);
    } else {
      if (existsSync(dest) && sameFile(dest, out.file)) {
        report.unchanged.push(name);
        continue;
      }
      rmSync(tmp, {force: true});
      try {
        linkSync(out.file, tmp);
      } catch (e) {
        // Another file system (EM_DATASET_MEMO under /tmp), or no hard links: a copy (the kernel's, not through this process's memory).
        if (!["EXDEV", "EPERM", "ENOTSUP"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
        copyFileSync(out.file, tmp);
      }
    }
    renameSync(tmp, dest);
    report.written.push(name);
  }
  for (const entry of readdirSync(outDir)) {
    if (entry in OUTPUTS) continue;
    rmSync(path.join(outDir, entry), {recursive: true, force: true});
    report.removed.push(entry);
  }
  return report;
}

// The build step: `node --import tsx loaders/site-data.ts OUT_DIR` (scripts/build.mjs).
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, "loaders/site-data.ts")) {
  const outDir = process.argv[2];
  if (!outDir) {
    process.stderr.write("usage: site-data.ts OUT_DIR (Framework's loader cache, src/.observablehq/cache/data)\n");
    process.exit(2);
  }
  const started = performance.now();
  const r = await writeSiteData(path.resolve(outDir));
  process.stderr.write(
    `em: site data: ${r.written.length} written, ${r.unchanged.length} unchanged${r.removed.length ? `, ${r.removed.length} other removed (${r.removed.join(", ")})` : ""} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
