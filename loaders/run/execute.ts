// runExperiment: load an experiment file, generate (or read from cache) every answer, judge every
// answer with every configured judge and metric, import result files, and return the tables.
//
// Order of work, so that nothing is spent before everything that can fail cheaply has been checked:
//   1. load and validate the experiment, question files and rubrics (prepare.ts; errors name
//      file/line/field), read the imports and decide variants, replicates and baselines;
//   2. plan against the cache: cached answers and imports are judged from the cache at once; the
//      judge calls they still need are held back;
//   3. preflight: for each non-simulator endpoint that still has calls to make, the api key env
//      var must be set and GET /models must answer (offline mode skips those calls instead);
//   4. execute: generation requests (bounded per endpoint) feed judge calls (bounded per judge)
//      as soon as each answer arrives; results go to the cache before the call settles, and
//      identical requests in flight together share one call (coalesce.ts).
import path from "node:path";
import {lockCache} from "../cache-lock.ts";
import {checkDomainMetrics, planVariants} from "../variants.ts";
import {checkLabelRefs} from "../import/labels.ts";
import {readImports, type Imported} from "./imports.ts";
import {prepare, type GenUnit, type Prepared} from "./prepare.ts";
import {responseId, variantConfig, variantInputs} from "./rows.ts";
import {RunState} from "./run-state.ts";
import {ensureWritableDir} from "../writable.ts";
import {displayPath} from "../paths.ts";
import type {RunOptions, RunResult} from "./types.ts";
// --- scale (issue 17): batch mode and shards; the code lives in loaders/batch/ and loaders/shard.ts ---
import type {ScaleOptions, ScaleReport} from "../batch/index.ts";
import {owns} from "../shard.ts";
import {stampKeyScheme} from "../cache-merge.ts";
// --- end scale ---
import {Execution} from "./execution.ts";
import {driftText, judgeDrift, pickAnchors, readAnchorFile} from "./drift.ts";
import {assemble, stoppedError} from "./assemble.ts";

/**
 * Generate, judge and import everything an experiment file asks for.
 * Returns rows in a deterministic order (models, checkpoints, questions, paraphrases, samples as
 * listed; imports after; scores by response, judge, metric). Throws before any API call when a
 * needed key is missing or an endpoint is unreachable. Calls that fail after retries become
 * `errors` (and error score rows), are not cached, and are retried by the next run.
 */
export async function runExperiment(file: string, opts: RunOptions & ScaleOptions = {}): Promise<RunResult & ScaleReport> {
  const t0 = performance.now();
  const p = await prepare(file, opts);
  try {
    return await execute(p, opts, t0);
  } finally {
    try {
      for (const c of p.caches.values()) {
        try {
          c.close();
        } catch {
          // a failed write was already reported by the run (CacheWriteError)
        }
      }
      await p.pool.close();
    } finally {
      for (const l of p.locks) l.release();
    }
  }
}

async function execute(p: Prepared, opts: RunOptions & ScaleOptions, t0: number): Promise<RunResult & ScaleReport> {
  const exp = p.experiment;
  const imported: Imported = await readImports(exp);

  // Human labels (issue 16, loaders/import/labels.ts): every label must name an answer of this
  // experiment, checked before anything is spent. Generated ids are known from the plan.
  if (imported.labels.length) {
    const known = new Set<string>(imported.responses.map((r) => r.response_id));
    for (const u of p.units)
      for (let i = 0; i < u.count; i++) known.add(responseId(exp.name, u.model.id, u.step, u.question.id, u.paraphrase, i, u.checkpointModel));
    checkLabelRefs(imported.labels, known, exp.name);
  }

  // --- scale (issue 17): --shard K/N keeps the generation units this shard owns (after the label
  // check, which needs every answer id); their rows are renumbered so the tables keep their order.
  const unitsTotal = p.units.length;
  if (opts.shard) {
    const spec = opts.shard;
    p.units = p.units.filter((u) => owns(spec, u.keys[0]!)).map((u, i) => ({...u, ordinal: i}));
  }
  // --- end scale ---

  // Judge drift anchors from a file (issue 26): read (and checked) before anything is spent.
  const anchorFile = exp.judge_anchor?.file ? readAnchorFile(path.resolve(path.dirname(exp.file), exp.judge_anchor.file)) : null;

  // Variants, replicates, baselines: decided (and checked) before anything is spent.
  const variantRows = variantInputs(exp, imported.responses, imported.specOf);
  const variants = planVariants(variantConfig(exp), variantRows);
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(m + "\n"));
  for (const w of variants.warnings) warn(w);
  // Every declared training domain needs its topic metric (a judge metric or an imported column),
  // checked before anything is spent or written; unless a type judge types the answers (it reads
  // each model's description and needs no topic score).
  const metrics = new Set<string>(p.judges.flatMap((j) => j.metrics));
  for (const s of imported.scores) metrics.add(s.metric);
  if (!metrics.has("type"))
    checkDomainMetrics(
      displayPath(exp.file),
      variants,
      variantRows.map((v) => v.row),
      metrics,
    );

  // Every cache folder this run writes to is created and probed before the first call (a cache
  // under a regular file or on /proc used to fail, or spin, only after the calls were paid), then
  // locked before it is read: a second run on the same cache waits here and then reads what this
  // one paid for, instead of paying for it again (cache-lock.ts). Sorted, so two runs over the same
  // caches take their locks in one order.
  const gen = exp.generation;
  const dirs = [...new Set([...(gen ? [p.cacheDirFor(gen.endpoint)] : []), ...p.judges.map((j) => p.cacheDirFor(j.cfg.endpoint))])].sort();
  for (const dir of dirs) {
    const created = ensureWritableDir(dir, opts.cacheDir ? "--cache" : "cache folder");
    (opts.createdDirs ??= []).push(...created);
    p.locks.push(await lockCache(dir, {onWait: warn, command: opts.createdBy}));
  }

  // Plan against the cache.
  const genCache = gen ? p.cacheFor(gen.endpoint) : null;
  const genMissing = new Map<GenUnit, number[]>();
  for (const u of p.units) {
    const miss = u.keys.flatMap((k, i) => (genCache!.has(k) ? [] : [i]));
    if (miss.length) genMissing.set(u, miss);
  }
  const judgeCallsPerResponse = p.judges.reduce((s, j) => s + j.metrics.length, 0);
  const state = new RunState(
    t0,
    opts.onProgress,
    p.units.map((u) => u.count),
    imported.responses.length,
    imported.scores,
    judgeCallsPerResponse,
  );
  const run = new Execution(p, opts, state, variants, genMissing);
  if (opts.shard) run.shardImported = new Set(imported.responses.map((r) => r.response_id)); // scale (issue 17)

  run.emitCached();
  for (const row of imported.responses) {
    state.progress.done++;
    run.judgeResponse(row);
  }
  await run.preflight();
  // scale (issue 17): a cache this run writes into records this version's key scheme (em cache merge checks it);
  // after the preflight, so a run stopped by it leaves nothing behind (issue 14).
  if (state.progress.done < state.progress.total && !opts.offline) for (const c of p.caches.values()) stampKeyScheme(c.dir);
  await run.generate();
  await run.batches?.drain(); // scale (issue 17): every answer is in, so every batch request is queued
  // judgeTasks grows while generation runs; by now every judge task has been pushed.
  await Promise.all(run.judgeTasks);
  state.tick();
  for (const j of p.judges) {
    const o = run.oversize[j.idx];
    if (!o) continue;
    const w =
      `em run: ${exp.name}: judge ${j.cfg.id}: ${o.prompts} judge prompt(s) over max_prompt_chars ${j.cfg.max_prompt_chars}: ` +
      (j.cfg.oversize === "refuse"
        ? `${o.refused} not sent (oversize: refuse; error rows)`
        : `answers cut to fit, ${o.chars} characters cut in total (oversize: truncate; the prompt says so)`);
    warn(w);
    variants.warnings.push(w);
  }
  if (run.stopped) throw stoppedError(run.stopped, p, state.progress.apiCalls, state.progress.total - state.progress.done);

  // --- scale (issue 17) ---
  const report: ScaleReport = {};
  if (run.batches) report.batch = run.batches.stats;
  if (opts.shard)
    report.shard = {spec: opts.shard, units: p.units.length, unitsTotal, importedCalls: run.shardCalls.owned, importedCallsTotal: run.shardCalls.total};
  const result = {...assemble(p, opts, t0, state, imported, variants, run.splitMarks, run.oversize), ...report};
  // Judge drift (issue 26): the declared anchors judged again, outside the cache.
  if (exp.judge_anchor && !opts.shard) {
    const anchors = anchorFile ?? pickAnchors(result.responses, exp.judge_anchor.n!, (r) => run.trainingOf(r));
    const drift = await judgeDrift(p, anchors, exp.judge_anchor, {offline: opts.offline});
    for (const d of drift) warn(`em run: ${exp.name}: ${driftText(d)}`);
    result.provenance.experiments[0]!.judge_drift = drift.map(({mean_abs_change: _m, ...d}) => d);
  }
  return result;
  // --- end scale ---
}
