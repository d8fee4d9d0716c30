// `npm run validate [-- --smoke] [--seed N] [--only name,...] [--rows PATTERN] [--reps N] [--merge other.json,...]`: the validity harness (issue 22).
// Runs every `bench/validity/*.section.ts` (each a seeded simulation through the product's own
// functions) with one seed, then writes `docs/validity.md` (a table per section: quantity, regime,
// kind, nominal, estimate, Monte-Carlo s.e., replicates, verdict; the command and date) and
// `bench/results/validity.json`. `--smoke` runs every section in its seconds-long mode and prints
// the document to stdout without writing anything (the unit test does the same in-process).
// `--only a,b` reruns those sections and rewrites the files with the other sections kept from the
// last run with the same seed (each section says when it ran). `--rows PATTERN` (a regular
// expression on "quantity | regime") reruns only the matching rows of sections that support it
// (regimeSection's), `--reps N` with N replicates per regime; the rerun rows replace the same rows
// of the last run's JSON (same seed), each carrying its own command and date (shown in its note).
import {existsSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {join, relative} from "node:path";
import {pathToFileURL} from "node:url";
import {parseArgs} from "node:util";
import {ROOT} from "../../loaders/paths.ts";
import {wilsonZ} from "../../src/lib/em/wilson.ts";
import {POWER_QUANTITIES, STATISTICS} from "./statistics.ts";
import {rowKey, type ValidityOptions, type ValidityRow, type ValiditySection} from "./types.ts";

export const VALIDITY_DIR = join(ROOT, "bench/validity");
/** Width of the accepted band around a nominal coverage (95% -> 93-97%) or above a nominal error rate. */
export const TOLERANCE = 0.02;

export type Verdict =
  | "ok"
  | "approximate: flagged in product"
  | "conservative: labelled in product"
  | "undecided: within MC error of the band"
  | "FAIL"
  | "reported";

/**
 * A row's verdict. Coverage: ok within nominal +- TOLERANCE (93-97% for a 95% interval). Error
 * rate: ok at or below nominal + TOLERANCE (a conservative test keeps its promise). Power (nominal
 * null): "reported". Outside the band: "approximate: flagged in product" when the product says so
 * beside the number in that regime; else "undecided: within MC error of the band" when the Wilson 95%
 * interval of the Monte-Carlo proportion (k = estimate x reps of reps) still reaches the band, so the run
 * cannot tell a calibrated interval from a miscalibrated one (at 400 reps an exactly-95% interval reads
 * outside 93-97% in ~5% of rows; 20 of 20 covered is as consistent with 95% as with 100%): more reps
 * decide it, it is not counted as ok (above the band: ok or conservative; below it: ok or under-covering); else,
 * for an interval that covers significantly MORE than nominal (the Wilson interval's lower end above the
 * band) and that the product labels conservative with its measured coverage wherever it shows it
 * (row.labelled_conservative), "conservative: labelled in product": it keeps its promise of at least 95%,
 * wider than it need be, and says so; else "FAIL". Wilson rather than estimate +- 1.96 sqrt(p(1-p)/reps),
 * whose width is 0 at 0% or 100%.
 */
export function verdict(row: Pick<ValidityRow, "kind" | "nominal" | "estimate" | "reps" | "flagged_in_product" | "labelled_conservative">): Verdict {
  if (row.kind === "power" || row.nominal === null) return "reported";
  const ok = row.kind === "coverage" ? Math.abs(row.estimate - row.nominal) <= TOLERANCE + 1e-12 : row.estimate <= row.nominal + TOLERANCE + 1e-12;
  if (ok) return "ok";
  if (row.flagged_in_product) return "approximate: flagged in product";
  const [lo, hi] = wilsonZ(Math.round(row.estimate * row.reps), row.reps, 1.96);
  const reaches =
    row.kind === "coverage" ? hi >= row.nominal - TOLERANCE - 1e-12 && lo <= row.nominal + TOLERANCE + 1e-12 : lo <= row.nominal + TOLERANCE + 1e-12;
  if (reaches) return "undecided: within MC error of the band";
  return row.kind === "coverage" && row.estimate > row.nominal + TOLERANCE && row.labelled_conservative === true ? "conservative: labelled in product" : "FAIL";
}

/** Problems with a row's shape (empty when well formed): fields, ranges, and mc_se = sqrt(p(1-p)/reps). */
export function rowProblems(row: ValidityRow): string[] {
  const out: string[] = [];
  const where = `${row.section ?? "?"} / ${row.quantity ?? "?"} / ${row.regime ?? "?"}`;
  for (const k of ["section", "quantity", "regime"] as const)
    if (typeof row[k] !== "string" || row[k] === "") out.push(`${where}: ${k} must be a non-empty string`);
  if (!["coverage", "error_rate", "power"].includes(row.kind)) out.push(`${where}: kind '${String(row.kind)}'`);
  if (row.nominal !== null && !(row.nominal > 0 && row.nominal < 1)) out.push(`${where}: nominal ${row.nominal} not in (0, 1)`);
  if (row.kind !== "power" && row.nominal === null) out.push(`${where}: ${row.kind} needs a nominal value`);
  if (!(Number.isInteger(row.reps) && row.reps > 0)) out.push(`${where}: reps ${row.reps}`);
  if (!(row.estimate >= 0 && row.estimate <= 1)) out.push(`${where}: estimate ${row.estimate} not in [0, 1]`);
  const se = Math.sqrt((row.estimate * (1 - row.estimate)) / row.reps);
  if (!(Math.abs(row.mc_se - se) <= 1e-9 + 1e-6 * se)) out.push(`${where}: mc_se ${row.mc_se}, expected sqrt(p(1-p)/reps) = ${se}`);
  if (typeof row.flagged_in_product !== "boolean") out.push(`${where}: flagged_in_product must be boolean`);
  if (row.labelled_conservative !== undefined && typeof row.labelled_conservative !== "boolean")
    out.push(`${where}: labelled_conservative must be boolean when present`);
  return out;
}

/** The section files, sorted by name. */
export function sectionFiles(dir = VALIDITY_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".section.ts"))
    .sort()
    .map((f) => join(dir, f));
}

export async function loadSections(files = sectionFiles()): Promise<ValiditySection[]> {
  const out: ValiditySection[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(f).href)) as {section?: ValiditySection};
    if (!mod.section || typeof mod.section.run !== "function" || typeof mod.section.name !== "string")
      throw new Error(`${relative(ROOT, f)}: must export \`section: ValiditySection\` (name, run)`);
    out.push(mod.section);
  }
  return out;
}

export interface SectionResult {
  name: string;
  seconds: number;
  rows: ValidityRow[];
  /** When this section was run (ISO); `--only` keeps the other sections of the last full run. */
  date?: string;
  /** The command that ran this section (`npm run validate` or `npm run validate -- --only NAME`); absent in runs before it was recorded. */
  command?: string;
}

/** Run each section with the same options, timing it; a row problem throws (nothing is written). */
export async function runSections(
  sections: readonly ValiditySection[],
  options: ValidityOptions,
  log: (s: string) => void = () => {},
): Promise<SectionResult[]> {
  const out: SectionResult[] = [];
  for (const s of sections) {
    const t0 = performance.now();
    log(`[validate] ${s.name}${options.smoke ? " (smoke)" : ""}...`);
    const rows = await s.run(options);
    const problems = rows.flatMap(rowProblems);
    if (!rows.length) problems.push(`${s.name}: no rows${options.rows ? ` match --rows ${options.rows.source}` : ""}`);
    if (problems.length) throw new Error(`section ${s.name}: malformed rows:\n  ${problems.slice(0, 10).join("\n  ")}`);
    const seconds = (performance.now() - t0) / 1000;
    log(` ${rows.length} rows in ${seconds.toFixed(1)} s\n`);
    out.push({name: s.name, seconds, rows, date: new Date().toISOString()});
  }
  return out;
}

/** A row's note, and when it was rerun alone (`--rows`), by which command and when. */
function noteOf(x: ValidityRow): string {
  const run = x.run ? `rerun alone at ${x.reps} reps by \`${x.run.command}\` (${x.run.date.slice(0, 16).replace("T", " ")} UTC)` : "";
  return [x.note ?? "", run].filter(Boolean).join("; ");
}

const pct = (x: number | null, d = 1) => (x === null ? "–" : `${(100 * x).toFixed(d)}%`);
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * The index above the sections (bench/validity/statistics.ts): per statistic a page or `em summarize`
 * shows, its functions, the rows measuring it (count, verdicts, sections) and the regimes no row
 * measures; "no row" where none does; then any row quantity the index does not name.
 */
export function renderIndex(results: readonly SectionResult[]): string[] {
  const all = results.flatMap((r) => r.rows);
  const indexed = new Set<string>();
  const lines = [
    "## Index: each statistic the product shows, its function and its rows",
    "",
    "Every interval, p-value, test and credible / none decision a page or `em summarize` shows (bench/validity/statistics.ts), the",
    "src/lib function that computes it (the pages and the CLI call the same one), and the rows below that measure it.",
    "",
    "| statistic | shown on | function | rows (verdicts; sections) | regimes users meet that no row measures |",
    "|---|---|---|---|---|",
  ];
  for (const s of STATISTICS) {
    const qs = new Set([...s.quantities, ...Object.keys(POWER_QUANTITIES).filter((q) => POWER_QUANTITIES[q] === s.statistic)]);
    for (const q of qs) indexed.add(q);
    const rows = all.filter((r) => qs.has(r.quantity));
    const by = (v: Verdict) => rows.filter((r) => verdict(r) === v).length;
    const counts = (
      [
        [by("ok"), "ok"],
        [by("approximate: flagged in product"), "approximate"],
        [by("conservative: labelled in product"), "conservative"],
        [by("undecided: within MC error of the band"), "undecided"],
        [by("FAIL"), "**FAIL**"],
        [by("reported"), "power"],
      ] as [number, string][]
    )
      .filter(([n]) => n > 0)
      .map(([n, v]) => `${n} ${v}`)
      .join(", ");
    const sections = [...new Set(rows.map((r) => r.section))].join(", ");
    const measured = rows.length ? `${rows.length} (${counts}; ${sections})` : "**no row**";
    const fns = s.functions.map((x) => `\`${x.name}\` (${x.path})`).join(", ");
    lines.push(`| ${cell(s.statistic)} | ${cell(s.shown)} | ${cell(fns)} | ${measured} | ${cell(s.unmeasured ?? "–")} |`);
  }
  const stray = [...new Set(all.map((r) => r.quantity))].filter((q) => !indexed.has(q));
  lines.push("");
  if (stray.length) lines.push(`Rows whose quantity the index does not name: ${stray.map((q) => `"${cell(q)}"`).join(", ")}.`, "");
  return lines;
}

/** docs/validity.md from the results. */
/** The full-run command: every section, one seed. */
export const FULL_COMMAND = "npm run validate";

export function renderMarkdown(results: readonly SectionResult[], meta: {command: string; date: string; seed: number; smoke: boolean}): string {
  const all = results.flatMap((r) => r.rows);
  const count = (v: Verdict) => all.filter((r) => verdict(r) === v).length;
  const total = results.reduce((a, r) => a + r.seconds, 0);
  const lines = [
    "# Validity: do the intervals and tests keep their promise?",
    "",
    `Written by \`${meta.command}\` on ${meta.date} (seed ${meta.seed}${meta.smoke ? ", SMOKE mode: few replicates, not evidence" : ""}; sections total ${total.toFixed(0)} s on this machine). Do not edit by hand.`,
    `Full run (every section): \`${FULL_COMMAND}\`; one section: \`${FULL_COMMAND} -- --only NAME\` (reruns it and keeps the others from the last run with the same seed). Each section was run by:`,
    "",
    "| section | command | run (UTC) | seconds |",
    "|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.command ? `\`${r.command}\`` : "not recorded (run before commands were recorded)"} | ${r.date ? r.date.slice(0, 16).replace("T", " ") : "–"} | ${r.seconds.toFixed(0)} |`,
    ),
    "",
    "Each row is a seeded simulation through the product's own functions (the ones `em summarize` and the",
    "pages call). *estimate* is the share of simulated data sets whose interval covered the truth (coverage)",
    "or whose test rejected (error rate); *MC s.e.* = sqrt(p(1-p)/reps). Verdict: **ok** when a 95% interval",
    `covers within 93-97% (nominal +- ${Math.round(TOLERANCE * 100)} points) or a test's error rate is at most nominal + ${Math.round(TOLERANCE * 100)} points;`,
    "**approximate: flagged in product** when it does not but the product prints a note beside that number in",
    "that regime (the row's note says in how many data sets); **undecided** when it is outside the band but the Wilson",
    "95% interval of the Monte-Carlo proportion still reaches the band (this many data sets cannot tell it from a calibrated",
    "one, e.g. 20 of 20 covered: more reps decide it; not counted as ok; above the band it is ok or conservative, below it ok or",
    "under-covering); **conservative: labelled in product** when an interval covers significantly MORE than nominal (the Wilson",
    "interval's lower end above the band: it keeps its promise of at least 95% but is wider than it need be) and the product",
    "labels it conservative with its measured coverage wherever it shows it (not by widening the band: without that label it is a FAIL);",
    "**FAIL** otherwise.",
    "",
    `Summary: ${all.length} rows; ${count("ok")} ok, ${count("approximate: flagged in product")} approximate (flagged in product), ${count("conservative: labelled in product")} conservative (labelled in product), ${count("undecided: within MC error of the band")} undecided (within MC error of the band), ${count("FAIL")} FAIL, ${count("reported")} reported (power).`,
    "",
    ...renderIndex(results),
  ];
  for (const r of results) {
    lines.push(
      `## ${r.name}`,
      "",
      `${r.rows.length} rows, ${r.seconds.toFixed(1)} s${r.date ? `, run ${r.date.slice(0, 16).replace("T", " ")} UTC` : ""}${r.command ? ` by \`${r.command}\`` : ""}.`,
      "",
    );
    lines.push("| quantity | regime | kind | nominal | estimate | MC s.e. | reps | verdict | note |", "|---|---|---|---|---|---|---|---|---|");
    for (const x of r.rows)
      lines.push(
        `| ${cell(x.quantity)} | ${cell(x.regime)} | ${x.kind} | ${x.nominal === null ? "–" : `${+(100 * x.nominal).toFixed(1)}%`} | ${pct(x.estimate)} | ${pct(x.mc_se)} | ${x.reps} | ${verdict(x) === "FAIL" ? "**FAIL**" : verdict(x)} | ${cell(noteOf(x))} |`,
      );
    lines.push("");
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const {values} = parseArgs({
    options: {
      smoke: {type: "boolean", default: false},
      seed: {type: "string", default: "20261205"},
      only: {type: "string"},
      merge: {type: "string"},
      rows: {type: "string"},
      reps: {type: "string"},
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) {
    process.stderr.write(`npm run validate: --seed must be a non-negative integer, got '${values.seed}'\n`);
    return 2;
  }
  if (values.merge) return mergeResults(values.merge.split(","), seed);
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps > 0)) {
    process.stderr.write(`npm run validate: --reps must be a positive integer, got '${values.reps}'\n`);
    return 2;
  }
  let rows: RegExp | undefined;
  if (values.rows !== undefined) {
    try {
      rows = new RegExp(values.rows);
    } catch (e) {
      process.stderr.write(`npm run validate: --rows '${values.rows}' is not a regular expression: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
  }
  let files = sectionFiles();
  if (values.only) {
    const want = values.only.split(",").map((s) => s.trim());
    const names = files.map((f) => f.slice(f.lastIndexOf("/") + 1).replace(/\.section\.ts$/, ""));
    for (const w of want)
      if (!names.includes(w)) {
        process.stderr.write(`npm run validate: unknown section '${w}' (sections: ${names.join(", ")})\n`);
        return 2;
      }
    files = files.filter((_, i) => want.includes(names[i]!));
  }
  const sections = await loadSections(files);
  if (rows || reps !== undefined) {
    const cannot = sections.filter((s) => !s.rowOptions).map((s) => s.name);
    if (cannot.length) {
      process.stderr.write(
        `npm run validate: --rows / --reps: section(s) ${cannot.join(", ")} cannot rerun single rows or change reps (use --only with sections built by regimeSection)\n`,
      );
      return 2;
    }
  }
  const jsonPath = join(ROOT, "bench/results/validity.json");
  // `--rows`: the rerun rows replace rows of the last run, so it must exist with this seed and hold those sections.
  const last = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, "utf8")) as {seed: number; date: string; sections: SectionResult[]}) : null;
  if (rows && !values.smoke) {
    const missing = sections.filter((s) => !last || last.seed !== seed || !last.sections.some((x) => x.name === s.name)).map((s) => s.name);
    if (missing.length) {
      process.stderr.write(
        `npm run validate: --rows replaces rows of the last run (bench/results/validity.json, seed ${seed}), which has no section ${missing.join(", ")}${last && last.seed !== seed ? ` (it was run with seed ${last.seed})` : ""}: run the section first\n`,
      );
      return 2;
    }
  }
  let results = await runSections(sections, {smoke: values.smoke, seed, rows, reps}, (s) => process.stderr.write(s));
  const quote = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  const flags = `${values.smoke ? " --smoke" : ""}${values.seed !== "20261205" ? ` --seed ${seed}` : ""}${rows ? ` --rows ${quote(values.rows!)}` : ""}${reps !== undefined ? ` --reps ${reps}` : ""}`;
  const command = `${FULL_COMMAND}${flags || values.only ? " --" : ""}${flags}${values.only ? ` --only ${values.only}` : ""}`;
  for (const r of results) r.command = values.only ? `${FULL_COMMAND} --${flags} --only ${r.name}` : command;
  if (rows && !values.smoke && last) {
    results = replaceRows(last, results, new Date().toISOString());
    for (const r of results) process.stderr.write(`[validate] ${r.name}: ${r.rows.filter((x) => x.run?.date).length} row(s) rerun alone so far\n`);
  }
  // `--only NAME` (not smoke): rerun those sections and keep the others from the last full run's
  // JSON, so one slow section can be refreshed without rerunning every other one.
  else if (values.only && !values.smoke && last && last.seed === seed) {
    const fresh = new Map(results.map((r) => [r.name, r]));
    const kept = last.sections.map((r) => fresh.get(r.name) ?? {...r, date: r.date ?? last.date});
    for (const r of results) if (!last.sections.some((x) => x.name === r.name)) kept.push(r);
    results = kept;
  }

  const md = renderMarkdown(results, {command, date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC", seed, smoke: values.smoke});
  if (values.smoke) {
    process.stdout.write(md + "\n");
    return 0;
  }
  writeFileSync(join(ROOT, "docs/validity.md"), md + "\n");
  const json = {seed, date: new Date().toISOString(), sections: results.map((r) => ({...r, rows: r.rows.map((x) => ({...x, verdict: verdict(x)}))}))};
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + "\n");
  process.stderr.write(`[validate] wrote docs/validity.md and bench/results/validity.json\n`);
  return 0;
}

type ResultsFile = {seed: number; date: string; sections: SectionResult[]};

/**
 * `--rows`: the last run's sections with each rerun row (of `fresh`, sections run with --rows)
 * in place of the row with its key (rowKey) in the same section, or added after its rows when
 * the section had none; the rerun rows carry their section's command and `now`. The sections keep
 * their own command and date (the rows they ran), and sections not rerun are kept as they were.
 */
export function replaceRows(last: ResultsFile, fresh: readonly SectionResult[], now: string): SectionResult[] {
  const byName = new Map(fresh.map((r) => [r.name, r]));
  return last.sections.map((r) => {
    const f = byName.get(r.name);
    if (!f) return {...r, date: r.date ?? last.date};
    const redo = new Map(f.rows.map((x) => [rowKey(x), {...x, run: {command: f.command ?? "", date: now}}]));
    const had = new Set(r.rows.map(rowKey));
    const rows = r.rows.map((x) => redo.get(rowKey(x)) ?? x);
    for (const [k, x] of redo) if (!had.has(k)) rows.push(x);
    return {...r, date: r.date ?? last.date, rows};
  });
}

/**
 * `--merge A.json,B.json`: no section is run. Sections of other results files (e.g. another
 * branch's `bench/results/validity.json`, same seed) join the current file's; per section name the
 * newer run wins. Then docs/validity.md is rewritten from the merged results.
 */
function mergeResults(files: string[], seed: number): number {
  const jsonPath = join(ROOT, "bench/results/validity.json");
  const read = (f: string): ResultsFile => JSON.parse(readFileSync(f, "utf8")) as ResultsFile;
  const byName = new Map<string, SectionResult>();
  for (const f of [jsonPath, ...files]) {
    if (!existsSync(f)) {
      process.stderr.write(`npm run validate: --merge: ${f} does not exist\n`);
      return 2;
    }
    const r = read(f);
    if (r.seed !== seed) {
      process.stderr.write(`npm run validate: --merge: ${f} was run with seed ${r.seed}, not ${seed}\n`);
      return 2;
    }
    for (const s of r.sections) {
      const x = {...s, date: s.date ?? r.date};
      const have = byName.get(s.name);
      if (!have || (x.date ?? "") > (have.date ?? "")) byName.set(s.name, x);
    }
  }
  const results = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  const date = new Date().toISOString();
  writeFileSync(
    join(ROOT, "docs/validity.md"),
    renderMarkdown(results, {command: `${FULL_COMMAND} -- --merge ...`, date: date.slice(0, 16).replace("T", " ") + " UTC", seed, smoke: false}) + "\n",
  );
  writeFileSync(
    jsonPath,
    JSON.stringify({seed, date, sections: results.map((r) => ({...r, rows: r.rows.map((x) => ({...x, verdict: verdict(x)}))}))}, null, 2) + "\n",
  );
  process.stderr.write(`[validate] merged ${results.length} sections into docs/validity.md and bench/results/validity.json\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`npm run validate: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
