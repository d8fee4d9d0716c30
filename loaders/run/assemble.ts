// The end of a run (issue 23 split of execute.ts): the tables in a deterministic order, the
// signal types, provenance with its counts and judge-token audit, or the exit-4 error of a run
// stopped by a failed cache write.
import type {ResponseRow, ScoreRow, TypeRow} from "../../src/lib/schema.ts";
import type {EmRule} from "../../src/lib/em/rules.ts";
import {auditJudgeTokens, judgeTokenWarnings, type SplitMark} from "../../src/lib/judge-score.ts";
import type {CacheWriteError} from "../cache.ts";
import {SpentError} from "../exit-codes.ts";
import type {VariantPlan} from "../variants.ts";
import type {Imported} from "./imports.ts";
import type {Prepared} from "./prepare.ts";
import {buildProvenance} from "./provenance.ts";
import {withSignalTypes} from "./signal-types.ts";
import type {RunState} from "./run-state.ts";
import type {RunOptions, RunResult} from "./types.ts";
import type {OversizeCount} from "./execution.ts";

/** Provenance counts of oversize judge prompts (issue 23): cut and refused, each only when not 0. */
function oversizeCounts(oversize: readonly (OversizeCount | undefined)[]): {oversize_cut?: number; oversize_refused?: number} {
  const refused = oversize.reduce((s, o) => s + (o?.refused ?? 0), 0);
  const cut = oversize.reduce((s, o) => s + (o ? o.prompts - o.refused : 0), 0);
  return {...(cut ? {oversize_cut: cut} : {}), ...(refused ? {oversize_refused: refused} : {})};
}

/**
 * The run stopped on a failed cache write (disk full): what was paid, what is safe in the cache,
 * what a rerun will pay for. Exit 4 ("spent, then stopped"); no tables are written.
 */
export function stoppedError(e: CacheWriteError, p: Prepared, calls: number, notDone: number): SpentError {
  const saved = [...p.caches.values()].reduce((s, c) => s + c.saved, 0);
  const lost = [...p.caches.values()].reduce((s, c) => s + (c.failed?.lost ?? 0), 0);
  return new SpentError(
    `${p.experiment.name}: stopped after ${calls} paid call(s): cache ${e.dir}: write failed (${e.code}${e.code === "ENOSPC" ? ": no space left on device" : ""}). ` +
      `Safe: ${saved} result(s) this run wrote to the cache (a rerun does not pay for them again). ` +
      `Lost: ${lost} paid result(s) that could not be written (a rerun pays for them again); ${notDone} unit(s) of work not done. ` +
      `No tables were written. Free space (or fix the folder) and run the same command again.`,
  );
}

/** The tables in a deterministic order, the signals types, provenance and stats. */
export function assemble(
  p: Prepared,
  opts: RunOptions,
  t0: number,
  state: RunState,
  imported: Imported,
  variants: VariantPlan,
  splitMarks: ReadonlyMap<ScoreRow, SplitMark>,
  oversize: readonly (OversizeCount | undefined)[],
): RunResult {
  const {scores, types, progress} = state;
  const responses: ResponseRow[] = [];
  for (const rows of state.unitRows) for (const r of rows) if (r) responses.push(r);
  for (const r of imported.responses) responses.push(r);
  const order = new Map(responses.map((r, i) => [r.response_id, i]));
  const judgeOrder = new Map<string, number>(p.judges.map((j) => [j.cfg.id, j.idx]));
  const metricOrder = new Map<string, number>();
  for (const j of p.judges) for (const m of j.metrics) if (!metricOrder.has(m)) metricOrder.set(m, metricOrder.size);
  const cmp = (a: ScoreRow | TypeRow, b: ScoreRow | TypeRow) => {
    const am = "metric" in a ? a.metric : "";
    const bm = "metric" in b ? b.metric : "";
    return (
      (order.get(a.response_id) ?? 0) - (order.get(b.response_id) ?? 0) ||
      (judgeOrder.get(a.judge) ?? -1) - (judgeOrder.get(b.judge) ?? -1) ||
      (a.judge < b.judge ? -1 : a.judge > b.judge ? 1 : 0) ||
      (metricOrder.get(am) ?? 99) - (metricOrder.get(bm) ?? 99) ||
      (am < bm ? -1 : am > bm ? 1 : 0)
    );
  };
  scores.sort(cmp);
  types.sort(cmp);
  const signalRows = responses.map((r) => state.signals.get(r.response_id)!);
  const questionDomains = new Map<string, string | null>();
  for (const q of p.questions) if (q.domain !== undefined) questionDomains.set(q.id, q.domain);
  const priority = [...p.judges.map((j) => j.cfg.id), ...imported.judges];
  const typesWith = (typing: {rule?: EmRule; topicCut?: number}): TypeRow[] =>
    withSignalTypes(responses, order, signalRows, scores, types, priority, variants, {
      ...(typing.rule ? {rule: typing.rule} : {}),
      topicCut: typing.topicCut ?? p.experiment.topic_cut,
      questionDomains,
    });
  const allTypes = typesWith({...(opts.typingRule ? {rule: opts.typingRule} : {}), ...(opts.topicCut !== undefined ? {topicCut: opts.topicCut} : {})});

  const seconds = (performance.now() - t0) / 1000;
  const scoreErrors = scores.filter((s) => s.status === "error").length;
  const genErrors = [...state.errors.values()].filter((e) => e.kind === "generation").reduce((s, e) => s + e.count, 0);
  const provenance = buildProvenance(
    p,
    opts.createdBy ?? "runExperiment",
    {
      responses: responses.length,
      scores: scores.length,
      errors: scoreErrors + genErrors,
      skipped: imported.skipped.length,
      mismatches: imported.mismatches.length,
      cache_hits: progress.cacheHits,
      api_calls: progress.apiCalls,
      ...oversizeCounts(oversize),
    },
    state.usage,
    imported.files,
  );
  // Judge answers the score reader may misread (issue 23): counted, on stderr and in provenance.
  const tokenAudit = auditJudgeTokens(scores.filter((s) => s.status !== "error").map((s) => (splitMarks.has(s) ? {...s, split: splitMarks.get(s)!} : s)));
  const tokenWarnings = judgeTokenWarnings(tokenAudit).map((w) => `em run: ${p.experiment.name}: ${w}`);
  if (tokenWarnings.length) {
    const warn = opts.onWarning ?? ((m: string) => process.stderr.write(m + "\n"));
    for (const w of tokenWarnings) warn(w);
    provenance.experiments[0]!.judge_tokens = tokenAudit.map((a) => ({...a, warnings: judgeTokenWarnings([a])})).filter((a) => a.warnings.length > 0);
  }
  for (const c of p.caches.values()) c.flush();
  return {
    experiment: p.experiment,
    responses,
    scores,
    types: allTypes,
    typesWith,
    signals: signalRows,
    provenance,
    missing: [...state.missing.values()],
    errors: [...state.errors.values()],
    skipped: imported.skipped,
    mismatches: imported.mismatches,
    importedFiles: imported.files,
    warnings: [...variants.warnings, ...tokenWarnings],
    variants: {ids: variants.variants, baselines: [...variants.baselines], unmatched: variants.unmatched},
    filteredRows: imported.filteredRows,
    stats: {
      apiCalls: progress.apiCalls,
      cacheHits: progress.cacheHits,
      coalesced: progress.coalesced,
      seconds,
      callsPerSecond: progress.apiCalls ? progress.apiCalls / seconds : 0,
      cache: [...p.caches.values()].map((c) => ({
        dir: c.dir,
        entries: c.stats.entries,
        files: c.stats.files,
        partial: c.stats.partial,
        corrupt: c.stats.corrupt,
        written: c.stats.written,
      })),
    },
  };
}
