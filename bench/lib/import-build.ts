// The build-and-measure step the "build" and "imported" bench sections share: bench/import-scale.ts
// generates a sweep's import files (once), builds the site on them with a fresh dataset memo and
// prints one JSON line with the time and the peak memory of the build's process tree.
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {ROOT} from "../../loaders/paths.ts";

/** The result line of bench/import-scale.ts. Memory in GB; bytes of points.arrow. */
export interface ImportBuild {
  generator: string;
  /** Responses over all judges. */
  responses: number;
  judges: number;
  /** Folder of the sweep's files, memo and built site. */
  dir: string;
  /** The built site (dist/ under `dir`). */
  dist: string;
  exit: number;
  seconds: number;
  peakTreeRssGB: number;
  peakProcessRssGB: number | null;
  pointsBytes: number | null;
  pointsBytesPerResponse: number | null;
}

/**
 * Generate (once) and build `responses` imported responses per judge, `judges` judges, from
 * `generator` ("a": import-scale's own, "b": bench/lib/sweep-b.ts) in `dir` (default import-scale's).
 * Throws naming the size when the script prints no result line or the build fails.
 */
export function buildImported({responses, judges = 1, generator, dir}: {responses: number; judges?: number; generator?: string; dir?: string}): ImportBuild {
  const env: NodeJS.ProcessEnv = {...process.env, RESPONSES: String(responses), JUDGES: String(judges)};
  if (generator) env.GENERATOR = generator;
  if (dir) env.DIR = dir;
  const what = `${generator ? `GENERATOR=${generator} ` : ""}RESPONSES=${responses} JUDGES=${judges}`;
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/import-scale.ts")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  let run: ImportBuild;
  try {
    run = JSON.parse(line) as ImportBuild;
  } catch {
    throw new Error(`bench/import-scale.ts (${what}) printed no result line (exit ${r.status}): ${line.slice(0, 200)}`);
  }
  if (run.exit !== 0) throw new Error(`the build on ${what} failed (exit ${run.exit}); see its output above`);
  return run;
}

/** A memory figure for the tables: "1.23 GB", or "n/a" when it was not measured. */
export const gb = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(2)} GB`);
