// `npm run bench [-- section ...]`: run the benchmark sections (default: all, in document order),
// each as its own Node process (a section's memory never inflates the next one's), then assemble
// docs/benchmarks.md from every section's result file (bench/write.ts). A failing section stops
// the run with its exit code and the document is not rewritten.
// Env is passed through: RESPONSES / REPS for the site section, SAMPLES / LATENCY / CONCURRENCY / RUNS for
// the pipeline, ROWS for the analysis, BENCH_SMOKE=1 for tiny sizes everywhere. "imported-10m" runs
// only when named.
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {ROOT} from "../loaders/paths.ts";
import {SECTIONS, writeDoc} from "./write.ts";

const SCRIPTS: Record<(typeof SECTIONS)[number], string> = {
  analysis: "bench/analysis.bench.ts",
  pipeline: "bench/pipeline-target.ts",
  site: "bench/site.bench.ts",
  build: "bench/build.bench.ts",
  imported: "bench/imported.bench.ts",
  "imported-10m": "bench/imported.bench.ts",
  mechanism: "bench/mechanism.bench.ts",
};
/** Env a section's script runs with (on top of the caller's). */
const SECTION_ENV: Partial<Record<(typeof SECTIONS)[number], Record<string, string>>> = {
  // ~3.5 GB of CSV and a long build: only when asked by name (`npm run bench -- imported-10m`).
  "imported-10m": {SECTION: "imported-10m", IMPORTED_SIZES: "10000000", IMPORTED_GENERATORS: "b"},
};
/** Sections run only when named. */
const ON_DEMAND: readonly string[] = ["imported-10m"];

const asked = process.argv.slice(2);
for (const a of asked)
  if (!(SECTIONS as readonly string[]).includes(a)) {
    process.stderr.write(`npm run bench: unknown section '${a}' (sections: ${SECTIONS.join(", ")})\n`);
    process.exit(2);
  }
const run = asked.length ? SECTIONS.filter((s) => asked.includes(s)) : SECTIONS.filter((s) => !ON_DEMAND.includes(s));
for (const s of run) {
  process.stderr.write(`[bench] ${s}: node --import tsx ${SCRIPTS[s]}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, SCRIPTS[s])], {cwd: ROOT, stdio: "inherit", env: {...process.env, ...SECTION_ENV[s]}});
  if (r.status !== 0) {
    process.stderr.write(`[bench] ${s} failed (exit ${r.status ?? r.signal}); docs/benchmarks.md not rewritten\n`);
    process.exit(r.status ?? 1);
  }
}
writeDoc();
