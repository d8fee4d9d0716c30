// `em run`: generate and judge the responses of one or more experiments, write the tables.
// Progress goes to stderr; the summary (or the --dry-run plan) to stdout; warnings about the data
// (imported scores that disagree with their own judge probabilities) to stderr.
import path from "node:path";
import {parseArgs} from "node:util";
import {experimentFiles} from "../experiment.ts";
import {ProgressLine, compact, duration} from "../progress.ts";
import {ROOT, displayPath} from "../paths.ts";
import {SIGNALS_JUDGE, planExperiment, runExperiment, type RunResult} from "../run/index.ts";
import {writeTables} from "../tables.ts";
import {formatMismatch, mergeProvenance} from "../dataset.ts";

export const USAGE = `Usage: em run [options]

Generate answers and judge them for the experiments, then write the tables
(responses, scores, types, signals .parquet + provenance.json).

Options:
  --experiment FILE  experiment file (repeatable; default: data/experiments/*.yaml or EM_EXPERIMENTS)
  --out DIR          where to write the tables (default: .em/run)
  --cache DIR        cache folder for every endpoint (default: the experiment's \`cache\`,
                     data/cache for real endpoints, .em/cache for the simulator)
  --dry-run          print what would be called and the cost estimate; call nothing
  --offline          never call a non-simulator endpoint; report what is missing
  --quiet            no progress line
  -h, --help         this help

Imported scores that differ from the score recomputed from the row's judge
probabilities are counted and the first few listed on stderr (the file's score is kept).

Exit status: 0 done; 1 bad input, missing api key or unreachable endpoint (before any spend);
3 some calls failed after retries (tables written with status "error" rows; rerun to retry them).
`;

/** Imported files and mismatches listed by name in the summary; the rest are counted. */
const MAX_LISTED = 5;

const money = (x: number | null) => (x === null ? "unknown" : `$${x < 0.01 && x > 0 ? x.toFixed(4) : x.toFixed(2)}`);

export async function run(argv: string[]): Promise<number> {
  const {values} = parseArgs({
    args: argv,
    options: {
      experiment: {type: "string", multiple: true},
      out: {type: "string"},
      cache: {type: "string"},
      "dry-run": {type: "boolean", default: false},
      offline: {type: "boolean", default: false},
      quiet: {type: "boolean", default: false},
      help: {type: "boolean", short: "h", default: false},
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const files = values.experiment?.length ? values.experiment.map((f) => path.resolve(f)) : experimentFiles();
  if (!files.length) {
    process.stderr.write("em run: no experiment files (data/experiments/*.yaml is empty; pass --experiment FILE)\n");
    return 1;
  }
  const cacheDir = values.cache ? path.resolve(values.cache) : undefined;

  if (values["dry-run"]) {
    let total: number | null = 0;
    const out: string[] = [];
    let keysMissing = 0;
    for (const file of files) {
      const plan = await planExperiment(file, {cacheDir});
      out.push(`${plan.experiment.name} (${displayPath(file)})`);
      for (const l of plan.lines) {
        const key = l.key_env ? ` key ${l.key_env} ${l.key_set ? "set" : "NOT SET"}` : "";
        if (l.key_env && !l.key_set && l.requests > 0) keysMissing++;
        out.push(
          `  ${l.kind === "generation" ? "generate" : "judge " + l.id}: ${l.endpoint} ${l.model}: ${compact(l.units)} ${l.kind === "generation" ? "samples" : "calls"}, ${compact(l.cached)} cached, ${compact(l.requests)} requests, ~${compact(l.est_prompt_tokens)} prompt + ${compact(l.est_completion_tokens)} completion tokens, ${money(l.est_cost_usd)}${key}`,
        );
      }
      out.push(`  estimated cost: ${money(plan.est_cost_usd)}`);
      total = total === null || plan.est_cost_usd === null ? null : total + plan.est_cost_usd;
      if (file === files[files.length - 1]) out.push(`assumptions: ${plan.assumptions.join("; ")}`);
    }
    out.push(`total estimated cost: ${money(total)}`);
    if (keysMissing) out.push(`warning: ${keysMissing} endpoint(s) with calls to make have no api key set; a real run would stop before any call`);
    process.stdout.write(out.join("\n") + "\n");
    return 0;
  }

  const outDir = path.resolve(values.out ?? path.join(ROOT, ".em/run"));
  const results: RunResult[] = [];
  for (const file of files) {
    const progress = values.quiet ? null : new ProgressLine({label: path.basename(file)});
    try {
      results.push(await runExperiment(file, {cacheDir, offline: values.offline, onProgress: progress?.update, createdBy: ["em", "run", ...argv].join(" ")}));
    } finally {
      progress?.end();
    }
  }
  await writeTables(outDir, {
    responses: results.flatMap((r) => r.responses),
    scores: results.flatMap((r) => r.scores),
    types: results.flatMap((r) => r.types),
    signals: results.flatMap((r) => r.signals),
    provenance: mergeProvenance(
      results.map((r) => r.provenance),
      ["em", "run", ...argv].join(" "),
    ),
  });

  const lines: string[] = [];
  const warnings: string[] = [];
  let failed = 0;
  for (const r of results) {
    const c = r.provenance.experiments[0]!;
    const s = r.stats;
    const signalTypes = r.types.filter((t) => t.judge === SIGNALS_JUDGE).length;
    lines.push(
      `${r.experiment.name}: ${compact(c.counts.responses)} responses, ${compact(c.counts.scores)} scores, ` +
        `${compact(r.types.length - signalTypes)} judge types + ${compact(signalTypes)} signals types; ` +
        `${compact(s.apiCalls)} API calls (${s.callsPerSecond.toFixed(0)}/s), ${s.coalesced ? `${compact(s.coalesced)} identical requests shared, ` : ""}${compact(s.cacheHits)} cache hits, ${c.counts.errors} errors, ` +
        `${duration(s.seconds)}; tokens ${compact(c.usage.prompt_tokens)} prompt + ${compact(c.usage.completion_tokens)} completion, cost ${money(c.usage.est_cost_usd)}`,
    );
    for (const e of r.errors) lines.push(`  failed: ${e.count} ${e.kind} (${e.endpoint} ${e.model}): ${e.message}`);
    for (const m of r.missing) lines.push(`  missing: ${m.count} ${m.kind} (${m.endpoint} ${m.model}): ${m.reason}`);
    if (r.importedFiles.length) {
      const files = r.importedFiles;
      lines.push(`  imported ${files.length} file(s): ${compact(files.reduce((s, f) => s + f.responses, 0))} responses, ${compact(files.reduce((s, f) => s + f.skipped, 0))} skipped rows, ${compact(r.mismatches.length)} score mismatches`);
      for (const f of files.slice(0, MAX_LISTED)) lines.push(`    ${f.file} (${f.format}): ${compact(f.responses)} responses, ${compact(f.skipped)} skipped`);
      if (files.length > MAX_LISTED) lines.push(`    ... and ${files.length - MAX_LISTED} more file(s)`);
    }
    if (r.mismatches.length) {
      warnings.push(`em run: ${r.experiment.name}: ${r.mismatches.length} imported score(s) differ from the score recomputed from the row's judge probabilities (the file's score is kept):`);
      for (const m of r.mismatches.slice(0, MAX_LISTED)) warnings.push(`  ${formatMismatch(m)}`);
      if (r.mismatches.length > MAX_LISTED) warnings.push(`  ... and ${r.mismatches.length - MAX_LISTED} more`);
    }
    if (r.skipped.length) lines.push(`  skipped ${r.skipped.length} imported row(s), e.g. ${r.skipped[0]!.file}${r.skipped[0]!.line ? ":" + r.skipped[0]!.line : ""}: ${r.skipped[0]!.reason}`);
    for (const cs of s.cache) if (cs.partial || cs.corrupt) lines.push(`  cache ${displayPath(cs.dir)}: ${cs.partial} cut-off line(s) from an interrupted run and ${cs.corrupt} unreadable line(s) skipped`);
    failed += c.counts.errors;
  }
  lines.push(`tables: ${displayPath(outDir)}`);
  if (failed) lines.push(`${failed} call(s) failed after retries; run again to retry them (results are cached, failures are not)`);
  if (warnings.length) process.stderr.write(warnings.join("\n") + "\n");
  process.stdout.write(lines.join("\n") + "\n");
  return failed ? 3 : 0;
}
