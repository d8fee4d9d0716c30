// `em report`: reproducible report pages (docs/reports.md).
//   em report new NAME --experiment FILE   scaffold src/reports/NAME.md with a pinned selection
//   em report check [NAME...]              rebuild every number a report pins and compare it with
//                                          the built site (dist/), exit 1 on any difference
//   em report pdf NAME                     print the built report to dist/reports/NAME.pdf
// The report build (`buildReport`) is also what the pages' data loader runs: every number on a
// report page is one field of the JSON of an `em summarize` command, and the build obtains that JSON
// by running exactly that command (the summarize command's own option parser and library call), so the page, the check and a
// reader's terminal print the same bytes for the same inputs.
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import path from "node:path";
import {parseArgs} from "node:util";
import {parse as parseYaml} from "yaml";
import {
  allQueries,
  commandText,
  parseReportSpec,
  ReportSpecError,
  summarizeArgv,
  type QuerySpec,
  type ReportSpec,
  type ReportProvenance,
} from "../../src/lib/report-spec.ts";
import type {SummarizeJson} from "../../src/lib/report-number.ts";
import {globFiles} from "../import/glob.ts";
import {ROOT, displayPath, projectPath} from "../paths.ts";
import {scaffold} from "../report/scaffold.ts";
import {serveStatic} from "../static-server.ts";

export const REPORTS_DIR = path.join(ROOT, "src/reports");

export const USAGE = `Usage: em report <new|check|pdf> ...

  em report new NAME --experiment FILE [--judge ID] [--force] [--out FILE]
        write src/reports/NAME.md (or FILE): a report page with the experiment, judge, rule, cuts
        and every variant pinned in its front matter, a headline number, a chart per view (each
        variant read at its own last step) and the provenance block
  em report check [NAME ...] [--dist DIR]
        rebuild the numbers of each report (default: all in src/reports/) by running their
        \`em summarize\` commands, and compare them with the built site (default dist/); exit 1
        when a number differs or a report is missing from the build
  em report pdf NAME [--dist DIR] [--out FILE]
        print the built report to a PDF with headless Chromium (default dist/reports/NAME.pdf)

Front matter keys, the report components and an example: docs/reports.md.
`;

/** One query of a built report: the command and its output. */
export interface BuiltQuery {
  spec: QuerySpec;
  argv: string[];
  command: string;
  output: SummarizeJson;
}

/** What a report page reads (src/reports/data/[report].json.ts writes it). */
export interface ReportData {
  name: string;
  file: string;
  title: string;
  spec: ReportSpec;
  queries: Record<string, BuiltQuery>;
  /** null when `missing` is set: nothing was read. */
  provenance: ReportProvenance | null;
  /** The experiment's import patterns that match no file on this machine (the report is then built as a notice). */
  missing?: string[];
}

/**
 * The import patterns of an experiment that match no file, as "imports[i]: PATTERN". A report over
 * data that is not on this machine (the shipped replication report needs ../shared, which a user's
 * clone does not have) is built as a page that says so instead of failing the whole site build.
 */
export function missingImports(imports: readonly {files: string | string[]}[], baseDir: string): string[] {
  const out: string[] = [];
  imports.forEach((spec, i) => {
    for (const p of typeof spec.files === "string" ? [spec.files] : spec.files)
      if (globFiles(p, baseDir).length === 0) out.push(`imports[${i}] ${path.relative(ROOT, path.resolve(baseDir, p)) || p} (no such file)`);
  });
  return out;
}

/** Front matter of a Markdown page (`---` YAML `---`), or null when there is none. */
export function frontMatter(text: string, file: string): Record<string, unknown> | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!m) return null;
  let data: unknown;
  try {
    data = parseYaml(m[1]!);
  } catch (e) {
    throw new ReportSpecError(file, "(front matter)", `not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
}

/** Report names: what `em report new` accepts and `/reports/<name>` serves. */
const REPORT_NAME = /^[a-z0-9][a-z0-9-]{0,60}$/;

export function reportFile(name: string): string {
  if (!REPORT_NAME.test(name)) throw new Error(`report name '${name}' must be lower-case letters, digits and - (it becomes /reports/${name})`);
  return path.join(REPORTS_DIR, `${name}.md`);
}

export function reportNames(): string[] {
  if (!existsSync(REPORTS_DIR)) return [];
  return readdirSync(REPORTS_DIR)
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/**
 * `em summarize ARGV` in this process: the command's own option parser and library call
 * (buildSummary), its warnings on stderr, and its JSON as `--format json` prints it.
 */
export async function runSummarize(argv: string[]): Promise<SummarizeJson> {
  const [{parseSummarizeArgs}, {buildSummary}, {warnIncomplete}] = await Promise.all([
    import("../summarize/options.ts"),
    import("../summarize/index.ts"),
    import("./summarize.ts"),
  ]);
  const parsed = parseSummarizeArgs(argv);
  if (parsed.kind !== "options")
    throw new Error(
      `em summarize ${argv.join(" ")}: ${parsed.kind === "help" ? "--help prints no JSON" : "give exactly one of --experiment FILE or --data DIR"}`,
    );
  const out = await buildSummary(parsed.options);
  warnIncomplete(out);
  // Through the JSON text, as a reader's terminal gets it (undefined fields dropped).
  return JSON.parse(JSON.stringify(out)) as SummarizeJson;
}

const sha256File = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Which front-matter key an `em summarize` error is about (its messages name the option). */
function keyOfError(message: string, query: string, q: QuerySpec, spec: ReportSpec): string {
  const base = `report.queries.${query}`;
  if (/^--judge/.test(message)) return q.judge !== undefined ? `${base}.judge` : "report.judge";
  if (/^--by/.test(message)) return `${base}.by`;
  if (/^--questions/.test(message)) return q.questions !== undefined ? `${base}.questions` : "report.questions";
  if (/^--aligned|^--coherent|rule/.test(message)) return q.rule !== undefined || q.aligned !== undefined ? base : "report.rule";
  return spec.experiment && /experiment|ENOENT|cannot read/i.test(message) ? "report.experiment" : base;
}

/**
 * Build one report's data: check its front matter, run every query's `em summarize` command and
 * collect provenance. Throws ReportSpecError (naming the file and key) on bad front matter: an
 * unknown experiment, judge, rule or response type, a cut out of range, a column not in the data,
 * a pinned variant that does not exist.
 */
export async function buildReport(name: string, opts: {onQuery?: (name: string, command: string) => void} = {}): Promise<ReportData> {
  return buildReportAt(reportFile(name), name, opts);
}

/** `buildReport` for a page at any path (tests check front-matter errors on files outside src/reports/). */
export async function buildReportAt(file: string, name: string, {onQuery}: {onQuery?: (name: string, command: string) => void} = {}): Promise<ReportData> {
  const rel = path.relative(ROOT, file);
  if (!existsSync(file)) throw new Error(`${rel}: no such report (reports: ${reportNames().join(", ") || "none"})`);
  const fm = frontMatter(readFileSync(file, "utf8"), rel) ?? {};
  const spec = parseReportSpec(fm.report, rel);
  const experimentPath = path.resolve(ROOT, spec.experiment);
  if (!existsSync(experimentPath) || !statSync(experimentPath).isFile())
    throw new ReportSpecError(
      rel,
      "report.experiment",
      `no experiment file ${spec.experiment} (paths are relative to the project root, e.g. data/experiments/demo.yaml)`,
    );
  const {experimentFiles, loadExperiment} = await import("../experiment.ts");
  const title0 = typeof fm.title === "string" ? fm.title : name;
  // EM_EXPERIMENTS narrows a build to some experiments: a report about another one is built as a
  // notice (no summarize, no import read), as for data not on this machine, instead of its numbers.
  if (process.env.EM_EXPERIMENTS?.trim() && !experimentFiles().includes(experimentPath)) {
    const listed = experimentFiles().map((f) => path.relative(ROOT, f));
    return {
      name,
      file: rel,
      title: title0,
      spec,
      queries: {},
      provenance: null,
      missing: [`${spec.experiment} is not in EM_EXPERIMENTS (this build covers ${listed.slice(0, 5).join(", ")}${listed.length > 5 ? ", ..." : ""})`],
    };
  }
  let experiment: Awaited<ReturnType<typeof loadExperiment>>;
  try {
    experiment = await loadExperiment(experimentPath);
  } catch (e) {
    throw new ReportSpecError(rel, "report.experiment", `${spec.experiment} is not a valid experiment file: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (experiment.primary_questions && !spec.question_set)
    throw new ReportSpecError(
      rel,
      "report.question_set",
      `${spec.experiment} declares primary_questions: state which set this report uses (question_set: primary, exploratory or all)`,
    );
  if (!experiment.primary_questions && spec.question_set && spec.question_set !== "all")
    throw new ReportSpecError(rel, "report.question_set", `${spec.experiment} declares no primary_questions`);
  const title = typeof fm.title === "string" ? fm.title : name;
  const missing = missingImports(experiment.imports, path.dirname(experimentPath));
  if (missing.length) return {name, file: rel, title, spec, queries: {}, provenance: null, missing};
  const queries: Record<string, BuiltQuery> = {};
  for (const [qname, q] of Object.entries(allQueries(spec))) {
    const argv = summarizeArgv(spec, q);
    const command = commandText(argv);
    onQuery?.(qname, command);
    let output: SummarizeJson;
    try {
      output = await runSummarize(argv);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new ReportSpecError(rel, keyOfError(message, qname, q, spec), `${command} failed: ${message}`);
    }
    queries[qname] = {spec: q, argv, command, output};
  }
  // A pinned judge or variant that the data does not have is a front-matter error, not an empty chart.
  const first = Object.values(queries)[0]!.output as SummarizeJson & {judges_available?: string[]};
  if (spec.judge && first.judges_available && !first.judges_available.includes(spec.judge))
    throw new ReportSpecError(rel, "report.judge", `no scores from judge '${spec.judge}' in ${spec.experiment} (judges: ${first.judges_available.join(", ")})`);
  if (spec.variants) {
    const withCompare = Object.values(queries).find((b) => b.output.by.includes(spec.compare));
    if (!withCompare)
      throw new ReportSpecError(
        rel,
        "report.variants",
        `no query groups by '${spec.compare}' (report.compare), so the pinned variants cannot be checked; add one, e.g. \`by: [${spec.compare}]\`, or a sweep`,
      );
    const present = new Set(withCompare.output.groups.map((g) => String((g.key as Record<string, unknown>)[spec.compare])));
    for (const v of spec.variants)
      if (!present.has(v))
        throw new ReportSpecError(rel, "report.variants", `no ${spec.compare} '${v}' in ${spec.experiment} (values: ${[...present].slice(0, 20).join(", ")})`);
  }
  return {
    name,
    file: rel,
    title,
    spec,
    queries,
    provenance: await provenanceOf(spec, experimentPath, experiment.name, Object.values(queries)),
  };
}

async function provenanceOf(spec: ReportSpec, experimentPath: string, experimentName: string, built: BuiltQuery[]): Promise<ReportProvenance> {
  const {runExperiment} = await import("../run/index.ts");
  const r = await runExperiment(experimentPath, {offline: true, createdBy: "em report"});
  const p = r.provenance.experiments.find((e) => e.name === experimentName) ?? r.provenance.experiments[0]!;
  const dir = path.dirname(experimentPath);
  const imports = r.importedFiles.map((f) => {
    const abs = path.resolve(dir, f.file);
    return {file: path.relative(ROOT, abs), sha256: existsSync(abs) ? sha256File(abs) : "(missing)", format: String(f.format), responses: f.responses};
  });
  return {
    tool: r.provenance.tool,
    experiment: {
      name: p.name,
      file: path.relative(ROOT, experimentPath),
      sha256: p.sha256,
      description: p.description ?? null,
      simulated: p.simulated,
      coordinate: r.experiment.coordinate,
    },
    question_files: p.question_files.map((q) => ({file: path.relative(ROOT, path.resolve(dir, q.file)), sha256: q.sha256})),
    imports,
    judges: p.judges,
    generation: p.generation,
    seeds: {bootstrap: built[0]?.output.bootstrap.seed ?? 0, generation: p.generation?.seed ?? null},
    counts: {responses: p.counts.responses, scores: p.counts.scores},
    rebuild: [
      "npm install",
      `npx em run --experiment ${spec.experiment} --dry-run   # what a rebuild would call (nothing when the cache is complete)`,
      "npm run build   # the site, this report included",
      `npx em report check   # every number of every report, rebuilt and compared`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// em report new

async function cmdNew(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      experiment: {type: "string"},
      judge: {type: "string"},
      force: {type: "boolean", default: false},
      title: {type: "string"},
      out: {type: "string"},
    },
  });
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new Error("em report new: give one NAME (e.g. em report new my-study --experiment data/experiments/demo.yaml)");
  if (!values.experiment) throw new Error("em report new: --experiment FILE is required");
  // The name is checked either way: the page's data file is data/NAME.json.
  const page = reportFile(name);
  const file = values.out ? path.resolve(values.out) : page;
  if (existsSync(file) && !values.force) throw new Error(`${displayPath(file)} exists (--force overwrites it)`);
  // In the front matter: relative to the project root when inside it, else absolute (never ../ out of it).
  const experiment = projectPath(path.resolve(values.experiment));
  if (!existsSync(path.resolve(ROOT, experiment))) throw new Error(`--experiment: no such file ${values.experiment}`);
  // Learn the judges, the variants and whether there is a coordinate from the data itself, so the
  // scaffold builds as written.
  const probeBy = (by: string) =>
    runSummarize(["--experiment", experiment, ...(values.judge ? ["--judge", values.judge] : []), "--by", by, "--format", "json"]) as Promise<
      SummarizeJson & {judges_available: string[]}
    >;
  // Data without a coordinate (e.g. one rate per variant) has no step to group by: probe by variant.
  const probe = await probeBy("variant,step").catch((e: unknown) => {
    if (e instanceof Error && /column 'step' has no values/.test(e.message)) return probeBy("variant");
    throw e;
  });
  const judge = probe.judges[0];
  if (!judge) {
    const shown = displayPath(path.resolve(ROOT, experiment));
    throw new Error(`--experiment: ${shown} has no judged answers yet (run \`em run --experiment ${shown}\` first)`);
  }
  const variants = [...new Set(probe.groups.map((g) => String((g.key as Record<string, unknown>).variant)))];
  const steps = new Set(probe.groups.map((g) => (g.key as Record<string, unknown>).step).filter((s) => typeof s === "number"));
  mkdirSync(path.dirname(file), {recursive: true});
  // Every variant: a report that silently drops some would misstate the study.
  writeFileSync(file, scaffold(name, experiment, judge, "variant", variants, steps.size >= 2, values.title ?? `Report: ${name}`));
  process.stdout.write(
    `wrote ${displayPath(file)} (experiment ${displayPath(path.resolve(ROOT, experiment))}, judge ${judge}, ${variants.length} variant${variants.length === 1 ? "" : "s"}); ${
      // A page written elsewhere (--out) is not built until it is in src/reports/.
      file === page
        ? `build with \`npm run build\`, served at /reports/${name}`
        : `to build it, move it to ${displayPath(page)} (\`npm run build\` builds src/reports/)`
    }\n`,
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------
// em report check

/** The built copy of a report's data in a site build (Framework hashes file names). */
export function builtReportData(dist: string, name: string): string | null {
  const dir = path.join(dist, "_file/reports/data");
  if (!existsSync(dir)) return null;
  const hit = readdirSync(dir).find((f) => f.startsWith(`${name}.`) && f.endsWith(".json") && /^[0-9a-f]{8}$/.test(f.slice(name.length + 1, -5)));
  return hit ? path.join(dir, hit) : null;
}

/** Numeric leaves that differ between two JSON values, as "path: a != b" (at most `limit`). */
export function jsonDiff(a: unknown, b: unknown, at = "", out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      jsonDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`, out, limit);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at || "(root)"}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
  return out;
}

async function cmdCheck(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {dist: {type: "string"}}});
  const dist = path.resolve(values.dist ?? path.join(ROOT, "dist"));
  const names = positionals.length ? positionals : reportNames();
  if (!names.length) throw new Error(`no reports in ${displayPath(REPORTS_DIR)}/`);
  let bad = 0;
  for (const name of names) {
    const built = builtReportData(dist, name);
    if (!built) {
      process.stdout.write(`${name}: not in the build ${dist} (run npm run build)\n`);
      bad++;
      continue;
    }
    const published = JSON.parse(readFileSync(built, "utf8")) as ReportData;
    const fresh = await buildReport(name);
    if (fresh.missing?.length || published.missing?.length) {
      // Nothing to compare is not a pass: say which side lacks the data.
      const which = fresh.missing?.length ? `its data is not on this machine (${fresh.missing.join("; ")})` : "the build was made without its data";
      process.stdout.write(`${name}: not checked: ${which}\n`);
      bad++;
      continue;
    }
    const diffs: string[] = [];
    for (const [q, b] of Object.entries(fresh.queries)) {
      const p = published.queries[q];
      if (!p) diffs.push(`query ${q}: not in the published report`);
      else if (p.command !== b.command) diffs.push(`query ${q}: the published command was ${p.command}`);
      else
        for (const d of jsonDiff(p.output.groups, b.output.groups, "groups").concat(
          jsonDiff(p.output.transitions, b.output.transitions, "transitions"),
          jsonDiff(p.output.baseline_diffs, b.output.baseline_diffs, "baseline_diffs"),
        ))
          diffs.push(`query ${q}: ${d}`);
    }
    for (const q of Object.keys(published.queries)) if (!fresh.queries[q]) diffs.push(`query ${q}: published but no longer in the front matter`);
    if (diffs.length) {
      bad++;
      process.stdout.write(`${name}: ${diffs.length} difference(s) between the build and a fresh run:\n  ${diffs.join("\n  ")}\n`);
    } else process.stdout.write(`${name}: ${Object.keys(fresh.queries).length} queries rebuilt, every number equal to the build\n`);
  }
  return bad ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// em report pdf

/** Print a built report to PDF with Chromium (CHROMIUM_PATH, default /usr/bin/chromium). Returns the PDF's path. */
export async function printReport(name: string, {dist = path.join(ROOT, "dist"), out}: {dist?: string; out?: string} = {}): Promise<string> {
  reportFile(name);
  if (!existsSync(path.join(dist, "reports", `${name}.html`))) throw new Error(`${path.join(dist, "reports", name + ".html")} is not built (npm run build)`);
  const target = path.resolve(out ?? path.join(dist, "reports", `${name}.pdf`));
  const {chromium} = await import("playwright-core");
  const server = await serveStatic(dist);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({viewport: {width: 1100, height: 1400}});
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}/reports/${name}`, {waitUntil: "networkidle"});
    // Every report ends with its provenance block; charts are drawn by then.
    await page.waitForSelector('[data-testid="report-provenance"]', {timeout: 60_000});
    await page.waitForFunction(() => !document.querySelector("observablehq-loading") && !document.querySelector("[data-em-loading]"), undefined, {
      timeout: 60_000,
    });
    if (errors.length) throw new Error(`the report page failed: ${errors.join("; ")}`);
    await page.emulateMedia({media: "print"});
    mkdirSync(path.dirname(target), {recursive: true});
    await page.pdf({
      path: target,
      format: "A4",
      printBackground: true,
      margin: {top: "16mm", bottom: "16mm", left: "14mm", right: "14mm"},
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: `<div style="font: 8px sans-serif; width: 100%; text-align: center; color: #666"><span class="title"></span> · <span class="pageNumber"></span>/<span class="totalPages"></span></div>`,
    });
  } finally {
    await browser.close();
    await server.close();
  }
  return target;
}

async function cmdPdf(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {dist: {type: "string"}, out: {type: "string"}}});
  if (positionals.length !== 1) throw new Error("em report pdf: give one NAME");
  const file = await printReport(positionals[0]!, {...(values.dist ? {dist: path.resolve(values.dist)} : {}), ...(values.out ? {out: values.out} : {})});
  process.stdout.write(`wrote ${displayPath(file)}\n`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    process.stdout.write(USAGE);
    return sub ? 0 : 2;
  }
  if (sub === "new") return cmdNew(rest);
  if (sub === "check") return cmdCheck(rest);
  if (sub === "pdf") return cmdPdf(rest);
  process.stderr.write(`em report: unknown subcommand '${sub}'\n\n${USAGE}`);
  return 2;
}
