// Shared by the bench scripts: order statistics, the machine description, and the JSON result
// file each section writes (bench/results/<section>.json). bench/write.ts assembles
// docs/benchmarks.md from those files only, so a number in the document always comes from a run.
import {execFileSync} from "node:child_process";
import {mkdirSync, readFileSync, writeFileSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import {ROOT} from "../../loaders/paths.ts";

export const RESULTS_DIR = process.env.BENCH_RESULTS ?? join(ROOT, "bench/results");
/** Small sizes everywhere: the harness is exercised in seconds (test/unit/bench/run.test.ts). */
export const SMOKE = process.env.BENCH_SMOKE === "1";

/** Nearest-rank quantile (q in 0..1) of the finite values; NaN when there are none. */
export function quantile(xs: readonly number[], q: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Median (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Timing summary of repeated measurements (ms). */
export interface Dist {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function dist(xs: readonly number[]): Dist {
  const s = xs.filter(Number.isFinite);
  return {
    n: s.length,
    median: median(s),
    p95: quantile(s, 0.95),
    min: s.length ? Math.min(...s) : NaN,
    max: s.length ? Math.max(...s) : NaN,
  };
}

export interface Machine {
  cpu: string;
  cpus: number;
  ramGB: number;
  node: string;
  chromium: string | null;
  os: string;
  /** 1-minute load average when the section finished: the machine is shared, so timings depend on it. */
  load1: number;
  /** The bench process's nice value (os.getPriority()): a bench run at a negative nice beside other work gets the cores first, but still shares caches and memory bandwidth. */
  nice?: number;
}

/** The Chromium the browser benches launch (`--version`), or null when it is not there. */
export function chromiumVersion(): string | null {
  try {
    return execFileSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", ["--version"], {
      encoding: "utf8",
      timeout: 20_000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cpus: cpus.length,
    ramGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    chromium: chromiumVersion(),
    os: `${os.type()} ${os.release()}`,
    load1: +os.loadavg()[0]!.toFixed(2),
    nice: os.getPriority(),
  };
}

/**
 * The stable names of targets that the document matches across sections (bench/write.ts
 * UNMEASURED: a target no section measures by default, dropped from the list once a verdict with its
 * key is there), whatever a run's target text says (sizes, tags).
 */
export type TargetKey = "live-cuts-10m";

/** A target of issue 13 and what this run measured for it. `pass` null = could not be decided. */
export interface Verdict {
  target: string;
  measured: string;
  pass: boolean | null;
  /** The target's stable name, when the document matches it (TargetKey). */
  key?: TargetKey;
}

/**
 * Keys of the verdicts in result files written before verdicts had keys, by their exact target text
 * (those files are not rewritten until their section runs again).
 */
const LEGACY_KEYS: Record<string, TargetKey> = {
  "/sensitivity: live cuts ready <= 5 s at 10M (all charts done: the frame after the last DOM change) [b: 10,000,000]": "live-cuts-10m",
};

/** One section's result file. `tables` are rendered as Markdown tables in this order. */
export interface SectionResult {
  section: string;
  title: string;
  /** The exact command that produced this file. */
  command: string;
  date: string;
  machine: Machine;
  smoke: boolean;
  /** Paragraphs printed before the tables (method; no numbers typed in by hand). */
  method: string[];
  tables: {caption?: string; head: string[]; rows: string[][]}[];
  verdicts: Verdict[];
  notes: string[];
  /** Raw numbers, for whoever wants more than the tables. */
  raw: unknown;
}

/** The command line that is running, as a user would type it (env vars that change the run first). */
export function commandLine(script: string, envKeys: readonly string[]): string {
  const env = envKeys.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
  const args = process.argv.slice(2);
  return [...env, "node --import tsx", script, ...args].join(" ");
}

export function writeSection(r: Omit<SectionResult, "date" | "machine" | "smoke">): string {
  mkdirSync(RESULTS_DIR, {recursive: true});
  const file = join(RESULTS_DIR, `${r.section}${SMOKE ? ".smoke" : ""}.json`);
  const full: SectionResult = {...r, date: new Date().toISOString(), machine: machine(), smoke: SMOKE};
  writeFileSync(file, JSON.stringify(full, null, 2) + "\n");
  process.stderr.write(`[bench] wrote ${file}\n`);
  return file;
}

export function readSection(file: string): SectionResult {
  const r = JSON.parse(readFileSync(file, "utf8")) as SectionResult;
  return {...r, verdicts: r.verdicts.map((v) => (v.key || !LEGACY_KEYS[v.target] ? v : {...v, key: LEGACY_KEYS[v.target]}))};
}

export const fmtMs = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? "n/a"
    : x >= 10_000
      ? `${(x / 1000).toFixed(1)} s`
      : x >= 100
        ? `${Math.round(x)} ms`
        : `${x.toFixed(1)} ms`;
export const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
