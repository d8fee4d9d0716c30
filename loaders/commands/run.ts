// `em run`: generate and judge the responses of one or more experiments, write the tables.
// Progress goes to stderr; the summary (or the --dry-run plan) to stdout; warnings about the data
// (imported scores that disagree with their own judge probabilities) to stderr.
import path from "node:path";
import {parseArgs} from "node:util";
import {experimentFiles, loadExperiment} from "../experiment.ts";
import {EXIT, SpentError, UsageError, refuseRepeatedOptions} from "../exit-codes.ts";
import {ensureWritableDir, removeCreated} from "../writable.ts";
import {ProgressLine, compact, duration} from "../progress.ts";
import {ROOT, displayPath, experimentFileLabel} from "../paths.ts";
import {SIGNALS_JUDGE, planExperiment, runExperiment, type RunResult} from "../run/index.ts";
import {writeTables} from "../tables.ts";
import {skippedLines} from "../skipped.ts";
import {modelNamingRule} from "../import/spec.ts";
import {judgeInjection} from "../../src/lib/signals.ts";
import {formatMismatch, mergeProvenance} from "../dataset.ts";
// --- scale (issue 17) ---
import {BATCH_DISCOUNT, type ScaleOptions, type ScaleReport} from "../batch/index.ts";
import {formatShard, parseShard} from "../shard.ts";
// --- end scale ---

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
  --batch            judge calls through the Batch API (50% price; results within 24 h):
                     JSONL files uploaded, batch ids kept in <cache>/batches/ so a rerun or
                     \`em batch wait\` resumes after a restart (docs/scale.md)
  --batch-max-requests N  requests per batch file (default 50000)
  --batch-max-bytes N     bytes per batch file (default 209715200)
  --batch-poll SECONDS    poll interval (default 30; 0.1 for the simulator)
  --batch-rounds N        new batches for failed or expired lines before the
                          synchronous path (default 2)
  --batch-url PATH        request path of the lines (default /v1/chat/completions;
                          Azure OpenAI: /chat/completions)
  --max-requests N   most samples + judge calls an experiment may plan (default 1000000):
                     a bigger plan (a \`samples: 1e8\` typo) is refused at once, --dry-run too
  --shard K/N        only shard K of N (by request key): run every shard, each into its
                     own cache, then \`em cache merge\` them (docs/scale.md)
  -h, --help         this help

Imported scores that differ from the score recomputed from the row's judge
probabilities are counted and the first few listed on stderr (the file's score is kept).

Exit status: 0 done; 1 bad input, missing api key or unreachable endpoint (before any spend,
nothing written); 2 usage (unknown or repeated option); 3 some calls failed after retries (tables
written with status "error" rows; rerun to retry them); 4 calls were paid, then the run stopped
(disk full or unwritable cache or --out: results in the cache are kept and a rerun pays only for
the rest; no tables written). docs/reliability.md.

A second \`em run\` on a cache in use waits for the first (naming its pid, host and start time)
and then reads what the first paid for; a lock left by a killed run is taken over.
`;

/** Imported files and mismatches listed by name in the summary; the rest are counted. */
const MAX_LISTED = 5;

const money = (x: number | null) => (x === null ? "unknown" : `$${x < 0.01 && x > 0 ? x.toFixed(4) : x.toFixed(2)}`);

export async function run(argv: string[]): Promise<number> {
  const {values, tokens} = parseArgs({
    args: argv,
    tokens: true,
    options: {
      experiment: {type: "string", multiple: true},
      out: {type: "string"},
      cache: {type: "string"},
      "dry-run": {type: "boolean", default: false},
      offline: {type: "boolean", default: false},
      quiet: {type: "boolean", default: false},
      batch: {type: "boolean", default: false},
      "batch-max-requests": {type: "string"},
      "batch-max-bytes": {type: "string"},
      "batch-poll": {type: "string"},
      "batch-rounds": {type: "string"},
      "batch-url": {type: "string"},
      shard: {type: "string"},
      "max-requests": {type: "string"},
      help: {type: "boolean", short: "h", default: false},
    },
    strict: true,
    allowPositionals: false,
  });
  refuseRepeatedOptions(tokens, ["experiment"]);
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  // --- scale (issue 17): checked before anything is read or written ---
  const scale: ScaleOptions = {};
  if (values.shard !== undefined) scale.shard = parseShard(values.shard);
  const posInt = (name: string, v: string | undefined, min = 1): number | undefined => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new Error(`--${name} '${v}': expected a whole number >= ${min}`);
    return x;
  };
  const batchFlags = ["batch-max-requests", "batch-max-bytes", "batch-poll", "batch-rounds", "batch-url"] as const;
  for (const f of batchFlags) if (values[f] !== undefined && !values.batch) throw new Error(`--${f} needs --batch`);
  if (values.batch) {
    const poll = values["batch-poll"];
    if (poll !== undefined && !(Number(poll) > 0)) throw new Error(`--batch-poll '${poll}': expected seconds > 0`);
    const url = values["batch-url"];
    if (url !== undefined && !url.startsWith("/")) throw new Error(`--batch-url '${url}': expected a path such as /v1/chat/completions`);
    scale.batch = {
      maxRequests: posInt("batch-max-requests", values["batch-max-requests"]),
      maxBytes: posInt("batch-max-bytes", values["batch-max-bytes"]),
      pollMs: poll === undefined ? undefined : Number(poll) * 1000,
      rounds: posInt("batch-rounds", values["batch-rounds"], 0),
      url,
    };
  }
  // --- end scale ---
  const maxRequests = posInt("max-requests", values["max-requests"]);
  const files = values.experiment?.length ? values.experiment.map((f) => path.resolve(f)) : experimentFiles();
  if (!files.length) {
    process.stderr.write("em run: no experiment files (data/experiments/*.yaml is empty; pass --experiment FILE)\n");
    return EXIT.badInput;
  }
  const cacheDir = values.cache ? path.resolve(values.cache) : undefined;
  // Every experiment file is read and checked before the first one runs: a later file's error
  // (or two files with one name, whose rows would be merged and double-counted) must not come
  // after the earlier files' calls were paid.
  const names = new Map<string, string>();
  for (const file of files) {
    const e = await loadExperiment(file);
    const prev = names.get(e.name);
    if (prev === file) throw new UsageError(`${displayPath(file)} is given twice`);
    if (prev)
      throw new Error(
        `experiment name '${e.name}' is used by both ${displayPath(prev)} and ${displayPath(file)} (line ${e.lines.name ?? 1}); names must be unique`,
      );
    names.set(e.name, file);
  }

  if (values["dry-run"]) return dryRun(files, {cacheDir, maxRequests, scale});

  const outDir = path.resolve(values.out ?? path.join(ROOT, ".em/run"));
  // The output folder is created and probed before any call (`--out` on a file used to fail only
  // after every call was made); folders made here are removed again if the run fails first.
  const created = ensureWritableDir(outDir, "--out");
  const results: (RunResult & ScaleReport)[] = [];
  try {
    for (const file of files) {
      const progress = values.quiet ? null : new ProgressLine({label: path.basename(file)});
      try {
        const runOpts = {
          cacheDir,
          maxRequests,
          offline: values.offline,
          onProgress: progress?.update,
          createdBy: ["em", "run", ...argv].join(" "),
          createdDirs: created,
        };
        // scale (issue 17): batch / shard runs go through the same runExperiment with the scale options
        results.push(
          scale.batch || scale.shard
            ? await runExperiment(file, {...runOpts, ...scale, batch: scale.batch && {...scale.batch, onEvent: (m) => void process.stderr.write(m + "\n")}})
            : await runExperiment(file, runOpts),
        );
      } finally {
        progress?.end();
      }
    }
  } catch (error) {
    removeCreated(created);
    throw error;
  }
  try {
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
  } catch (error) {
    // The calls are paid and cached by now: this is not "bad input, nothing spent" (exit 1).
    const calls = results.reduce((s, r) => s + r.stats.apiCalls, 0);
    const code = (error as NodeJS.ErrnoException).code;
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const msg = `--out ${displayPath(outDir)}: writing the tables failed (${code ? code + ": " : ""}${why}); no table was replaced.`;
    if (!calls) throw new Error(msg);
    throw new SpentError(
      `${msg} ${calls} call(s) were paid and their results are in the cache: run the same command again (with space, or another --out) to write the tables without paying again.`,
    );
  }

  return printSummary(results, outDir);
}

/** `--dry-run`: one line per generation endpoint and judge of every experiment, the costs, the assumptions; calls nothing. */
async function dryRun(
  files: readonly string[],
  {cacheDir, maxRequests, scale}: {cacheDir: string | undefined; maxRequests: number | undefined; scale: ScaleOptions},
): Promise<number> {
  let total: number | null = 0;
  const out: string[] = [];
  let keysMissing = 0;
  for (const file of files) {
    const plan = await planExperiment(file, {cacheDir, maxRequests});
    out.push(`${plan.experiment.name} (${displayPath(file)})`);
    for (const l of plan.lines) {
      const key = l.key_env ? ` key ${l.key_env} ${l.key_set ? "set" : "NOT SET"}` : "";
      if (l.key_env && !l.key_set && l.requests > 0) keysMissing++;
      out.push(
        `  ${l.kind === "generation" ? "generate" : "judge " + l.id}: ${l.endpoint} ${l.model}: ${compact(l.units)} ${l.kind === "generation" ? "samples" : "calls"}, ${compact(l.cached)} cached, ${compact(l.requests)} requests${l.follow_ups_max ? `, up to ${compact(l.follow_ups_max)} follow-ups` : ""}, ~${compact(l.est_prompt_tokens)} prompt + ${compact(l.est_completion_tokens)} completion tokens, ${money(l.est_cost_usd)}${key}`,
      );
    }
    // --- scale (issue 17): judge calls in batch mode cost BATCH_DISCOUNT of the list price ---
    if (scale.batch) {
      for (const l of plan.lines) if (l.kind === "judge" && l.est_cost_usd !== null) l.est_cost_usd *= BATCH_DISCOUNT;
      const costs = plan.lines.filter((l) => l.requests > 0).map((l) => l.est_cost_usd);
      plan.est_cost_usd = costs.some((c) => c === null) ? null : costs.reduce<number>((sum, c) => sum + (c ?? 0), 0);
      out.push(`  judge calls through the Batch API at ${BATCH_DISCOUNT * 100}% of the list price (figures above include it)`);
    }
    // --- end scale ---
    out.push(`  estimated cost: ${money(plan.est_cost_usd)}`);
    total = total === null || plan.est_cost_usd === null ? null : total + plan.est_cost_usd;
    if (file === files[files.length - 1]) out.push(`assumptions: ${plan.assumptions.join("; ")}`);
  }
  out.push(`total estimated cost: ${money(total)}`);
  if (keysMissing) out.push(`warning: ${keysMissing} endpoint(s) with calls to make have no api key set; a real run would stop before any call`);
  process.stdout.write(out.join("\n") + "\n");
  return 0;
}

/**
 * The run's summary on stdout (per experiment: counts, calls, cost; failures, oversize prompts,
 * missing calls, imports file by file, skipped rows) and its warnings on stderr (score mismatches,
 * empty or NUL answers, judge-prompt injection). Returns the exit code: 3 when calls failed, else 0.
 */
function printSummary(results: readonly (RunResult & ScaleReport)[], outDir: string): number {
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
    // --- scale (issue 17) ---
    if (r.batch) {
      const b = r.batch;
      lines.push(
        `  batch: ${compact(b.lines)} requests in ${b.batches} batch(es) (${compact(b.bytes)} bytes, ${b.httpRequests} HTTP requests), ${b.resumed} resumed; ${compact(b.ok)} results cached, ${b.failed} failed and ${b.expired} expired lines (${b.resubmitted} sent again, ${b.sync} through the synchronous path), ${b.lost} batch(es) unknown to the server; judge cost at ${BATCH_DISCOUNT * 100}% of list`,
      );
    }
    if (r.shard) {
      const sh = r.shard;
      lines.push(
        `  shard ${formatShard(sh.spec)}: ${compact(sh.units)} of ${compact(sh.unitsTotal)} generation units${sh.importedCallsTotal ? `, ${compact(sh.importedCalls)} of ${compact(sh.importedCallsTotal)} judge calls on imports` : ""}; tables hold this shard only: merge the caches (em cache merge) and rebuild`,
      );
    }
    // --- end scale ---
    for (const e of r.errors) lines.push(`  failed: ${e.count} ${e.kind} (${e.endpoint} ${e.model}): ${e.message}`);
    if (c.counts.oversize_cut || c.counts.oversize_refused)
      lines.push(
        `  oversize: ${c.counts.oversize_cut ?? 0} judge prompt(s) had their answer cut to max_prompt_chars, ${c.counts.oversize_refused ?? 0} not sent (in provenance.json counts)`,
      );
    for (const m of r.missing) lines.push(`  missing: ${m.count} ${m.kind} (${m.endpoint} ${m.model}): ${m.reason}`);
    if (r.importedFiles.length) {
      const files = r.importedFiles;
      lines.push(
        `  imported ${files.length} file(s): ${compact(files.reduce((s, f) => s + f.responses, 0))} responses, ${compact(files.reduce((s, f) => s + f.skipped, 0))} skipped rows, ${compact(r.mismatches.length)} score mismatches`,
      );
      // How each entry names its models: a glob over files named alike gives every model one name.
      for (const [i, spec] of r.experiment.imports.entries()) lines.push(`    imports[${i}]: ${modelNamingRule(spec)}`);
      // Every file's rows are accounted for (imported + skipped = read); the list is in provenance.json too.
      for (const f of files) {
        lines.push(
          `    ${experimentFileLabel(path.dirname(r.experiment.file), f.file)} (${f.format}): ${f.rows} rows read = ${f.responses} imported + ${f.skipped} skipped${f.null_scores ? `; ${f.null_scores} empty/NaN score cells (missing scores)` : ""}${f.not_judged ? `; ${f.not_judged} answer(s) x judge with no score cell at all (not judged by that judge)` : ""}${f.empty_responses ? `; ${f.empty_responses} empty answer(s) (kept and judged)` : ""}${f.missing_metrics ? `; no ${f.missing_metrics.map((m) => `"${m}"`).join(", ")} column (metrics:): imported without it` : ""}`,
        );
      }
    }
    if (r.mismatches.length) {
      warnings.push(
        `em run: ${r.experiment.name}: ${r.mismatches.length} imported score(s) differ from the score recomputed from the row's judge probabilities (the file's score is kept):`,
      );
      for (const m of r.mismatches.slice(0, MAX_LISTED)) warnings.push(`  ${formatMismatch(m)}`);
      if (r.mismatches.length > MAX_LISTED) warnings.push(`  ... and ${r.mismatches.length - MAX_LISTED} more`);
    }
    if (r.skipped.length) {
      lines.push(`  skipped ${r.skipped.length} imported row(s):`);
      lines.push(...skippedLines(r.skipped, "    "));
    }
    // Generated answers that are empty or hold NUL bytes are judged as given, but never silently (issue 23;
    // imported ones are counted per file above, NUL ones skipped).
    const generated = r.responses.filter((x) => x.origin !== "imported");
    const emptyGen = generated.filter((x) => x.response.trim() === "").length;
    const nulGen = generated.filter((x) => x.response.includes("\u0000")).length;
    if (emptyGen || nulGen)
      warnings.push(
        `em run: ${r.experiment.name}: of ${generated.length} generated answer(s), ${emptyGen} empty and ${nulGen} holding NUL bytes (judged as given; check the model's endpoint)`,
      );
    // Answers that talk to their judge: their scores may be moved by the answer itself, not its quality.
    const injected = r.responses.flatMap((x) => {
      const phrase = judgeInjection(x.response);
      return phrase ? [{id: x.response_id, phrase}] : [];
    });
    if (injected.length) {
      warnings.push(`em run: ${r.experiment.name}: ${injected.length} answer(s) address the judge (possible judge-prompt injection; check their scores):`);
      for (const x of injected.slice(0, MAX_LISTED)) warnings.push(`  ${x.id}: "${x.phrase.slice(0, 60)}"`);
      if (injected.length > MAX_LISTED) warnings.push(`  ... and ${injected.length - MAX_LISTED} more`);
    }
    for (const cs of s.cache)
      if (cs.partial || cs.corrupt)
        lines.push(`  cache ${displayPath(cs.dir)}: ${cs.partial} cut-off line(s) from an interrupted run and ${cs.corrupt} unreadable line(s) skipped`);
    failed += c.counts.errors;
  }
  lines.push(`tables: ${displayPath(outDir)}`);
  if (failed) lines.push(`${failed} call(s) failed after retries; run again to retry them (results are cached, failures are not)`);
  if (warnings.length) process.stderr.write(warnings.join("\n") + "\n");
  process.stdout.write(lines.join("\n") + "\n");
  return failed ? EXIT.callsFailed : EXIT.ok;
}
