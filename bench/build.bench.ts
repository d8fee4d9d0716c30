// Section "build" of `npm run bench`: a real `npm run build` on imported checkpoint sweeps
// (bench/import-scale.ts: generates the import files once under /tmp, then runs the build with a
// fresh dataset memo and samples the memory of the whole process tree), at the issue-13 sizes.
//
//   node --import tsx bench/build.bench.ts
//
// Env: BUILD_SIZES (comma-separated RESPONSES:JUDGES, default "1000000:1,1000000:2": 1M responses
// with one judge, and 2M scored rows from two judges' imports); add "10000000:1" for the 10M import
// (it takes about ten times the 1M build). BENCH_SMOKE=1: "2000:1".
import {buildImported, gb, type ImportBuild} from "./lib/import-build.ts";
import {SMOKE, commandLine, writeSection, type Verdict} from "./lib/results.ts";

const sizes = (process.env.BUILD_SIZES ?? (SMOKE ? "2000:1" : "1000000:1,1000000:2")).split(",").map((s) => {
  const [n, j] = s.split(":").map(Number);
  if (!Number.isInteger(n) || n! < 1 || (j !== 1 && j !== 2)) throw new Error(`BUILD_SIZES: expected RESPONSES:JUDGES (JUDGES 1 or 2), got '${s}'`);
  return {n: n!, judges: j};
});

const runs: ImportBuild[] = [];
for (const {n, judges} of sizes) {
  process.stderr.write(`[bench] build: ${n.toLocaleString("en")} responses per judge x ${judges}\n`);
  runs.push(buildImported({responses: n, judges}));
}

const verdicts: Verdict[] = [];
for (const r of runs) {
  const label =
    r.responses >= 5_000_000
      ? `${(r.responses / 1e6).toFixed(0)}M-row import`
      : r.judges === 1
        ? "1M responses, one judge"
        : `${(r.responses / 1e6).toFixed(0)}M scored rows, two judges`;
  if (r.responses >= 5_000_000)
    verdicts.push({
      target: `${label}: completes within 8 GB (time reported)`,
      measured: `${r.seconds.toFixed(0)} s, ${gb(r.peakTreeRssGB)}`,
      pass: r.peakTreeRssGB <= 8,
    });
  else if (!SMOKE) {
    verdicts.push({target: `build <= 3 min (${label})`, measured: `${r.seconds.toFixed(0)} s`, pass: r.seconds <= 180});
    verdicts.push({target: `build <= 4 GB peak (${label})`, measured: `${gb(r.peakTreeRssGB)} (process tree)`, pass: r.peakTreeRssGB <= 4});
  }
}
if (!runs.some((r) => r.responses >= 5_000_000))
  verdicts.push({target: "10M-row import completes within 8 GB (time reported)", measured: 'not run (BUILD_SIZES="10000000:1")', pass: null});

writeSection({
  section: "build",
  title: "Build on imported sweeps",
  command: commandLine("bench/build.bench.ts", ["BUILD_SIZES", "BENCH_SMOKE"]),
  method: [
    "Each size runs `bench/import-scale.ts`: seeded CSV imports (4 models x 20 checkpoints x 48 questions, ~300-character answers of varied words, a third of the scores integers, 3% empty), an experiment file importing them, then `scripts/build.mjs` (what `npm run build` runs) with `EM_EXPERIMENTS` set to it and a fresh dataset memo, so the import is paid as on a first build. Peak memory: the largest sum of RSS over the build's process tree (Framework and the loader it runs), sampled every 100 ms; the largest single process from `/usr/bin/time`.",
  ],
  tables: [
    {
      head: ["responses", "judges", "build time", "peak memory (process tree)", "largest process", "points.arrow", "bytes per response"],
      rows: runs.map((r) => [
        r.responses.toLocaleString("en"),
        String(r.judges),
        `${r.seconds.toFixed(1)} s`,
        gb(r.peakTreeRssGB),
        gb(r.peakProcessRssGB),
        r.pointsBytes === null ? "n/a" : `${(r.pointsBytes / 1e6).toFixed(1)} MB`,
        r.pointsBytesPerResponse === null ? "n/a" : r.pointsBytesPerResponse.toFixed(2),
      ]),
    },
  ],
  verdicts,
  notes: [],
  raw: runs,
});
