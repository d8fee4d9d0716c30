// An import-only experiment streamed into the dataset's tables (issue 28): each file's rows go, a
// chunk at a time, through what runExperiment does to imported rows (question filter, variant,
// signals, signal types, score order) into a TableSink (DuckDB, bounded memory), so no process
// holds every response as an object. Everything else (generation, judges, labels, variant
// declarations) takes runExperiment's path; `streamable` says which experiments qualify.
//
// Held in memory for the whole experiment: what is bounded by the number of groups, files or
// rejected rows (sample counters, one representative row per distinct variant keys, skipped rows
// and mismatches, the judge-token audit's counts). CSV, JSONL, Parquet and `sql:` files are read
// in chunks (loaders/import/); a nested JSON document or an Inspect log is parsed whole. With
// several files, they are read in lanes (processes) at once and their rows taken in file order:
// loaders/run/stream-lanes.ts.
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../../src/lib/schema.ts";
import {auditJudgeTokens, judgeTokenWarnings, type JudgeTokenAudit} from "../../src/lib/judge-score.ts";
import {computeSignals} from "../../src/lib/signals.ts";
import type {Experiment} from "../experiment.ts";
import {importJudges, type ImportResult, type ImportSpec} from "../import/index.ts";
import {displayPath} from "../paths.ts";
import {importEntry} from "./imports.ts";
import {questionFilter} from "../question-filter.ts";
import type {TableSink} from "../tables.ts";
import {checkDomainMetrics, planVariants} from "../variants.ts";
import {prepare, type Prepared} from "./prepare.ts";
import {buildProvenance, type Usage} from "./provenance.ts";
import {variantConfig, variantInputs} from "./rows.ts";
import {withSignalTypes} from "./signal-types.ts";
import type {RunOptions, RunResult} from "./types.ts";

/**
 * Whether runExperiment's result for `exp` can be computed by streamImports: imports only (no
 * models, generation, judges or judge anchors), no `variant` / `replicate` / `baseline` /
 * `domains` declarations (their plan needs every row first), no human-label imports.
 * EM_STREAM_IMPORT=0 turns streaming off (every experiment takes runExperiment's path).
 */
export function streamable(exp: Experiment): boolean {
  if (process.env.EM_STREAM_IMPORT === "0") return false;
  return (
    exp.imports.length > 0 &&
    exp.models.length === 0 &&
    !exp.generation &&
    exp.judges.length === 0 &&
    !exp.judge_anchor &&
    exp.variant === undefined &&
    exp.replicate === undefined &&
    exp.baseline === undefined &&
    exp.domains === undefined &&
    exp.imports.every((s) => s.format !== "labels")
  );
}

/** What runExperiment returns besides the tables (the tables went to the sink). */
export type StreamResult = Pick<RunResult, "experiment" | "provenance" | "skipped" | "mismatches" | "importedFiles" | "warnings" | "missing" | "errors">;

/** Meta keys whose values the variant plan reads (besides an import's default variant keys). */
const PLAN_KEYS = new Set(["file", "step_from", "seed", "domain", "adapter", "dataset"]);

const text = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));

/**
 * Import every file of a streamable experiment into `sink`, with the same rows, order and values
 * as runExperiment (offline; it calls nothing). Throws as runExperiment does (file:line messages);
 * the sink then holds part of the rows and must not be written.
 */
export async function streamImports(file: string, sink: TableSink, opts: StreamOptions = {}): Promise<StreamResult> {
  const p = await prepare(file, {offline: true});
  try {
    return await run(p, sink, opts);
  } finally {
    await p.pool.close();
  }
}

/** What the chunks of an import add up to besides their rows (merged over import lanes: stream-lanes.ts). */
export interface ChunkState {
  /** One representative row per distinct planning keys, by those keys, in order of first appearance. */
  proxies: Map<string, ResponseRow>;
  metricsSeen: Set<string>;
  /** The judge-token audit, summed over chunks, by JSON [judge, metric]. */
  audit: Map<string, JudgeTokenAudit>;
  counts: {responses: number; scores: number};
}

export const newChunkState = (): ChunkState => ({proxies: new Map(), metricsSeen: new Set(), audit: new Map(), counts: {responses: 0, scores: 0}});

/** Add audit `a` into `into` (its fields are per-answer counts and any-answer flags). */
export function addAudit(into: Map<string, JudgeTokenAudit>, key: string, a: JudgeTokenAudit): void {
  const b = into.get(key);
  if (!b) into.set(key, a);
  else
    for (const k of Object.keys(a) as (keyof JudgeTokenAudit)[]) {
      const v = a[k];
      if (typeof v === "number") (b[k] as number) += v;
      else if (typeof v === "boolean") (b[k] as boolean) ||= v;
    }
}

/** The judges of an experiment's imports, in `imports:` order. */
export function importJudgeList(exp: Experiment): string[] {
  const judges: string[] = [];
  for (const s of exp.imports) for (const j of importJudges(s)) if (!judges.includes(j)) judges.push(j);
  return judges;
}

/**
 * What runExperiment does to a chunk of imported rows (question filter, variant, signals, signal
 * types, score order), the rows then appended to `sink` and the chunk's knowledge added to `st`.
 * `specOf` is the import spec of a row by its file, as known while the rows stream.
 */
export function chunkHandler(
  p: Prepared,
  sink: TableSink,
  st: ChunkState,
  specOf: (r: ResponseRow) => ImportSpec | undefined,
): (chunk: Pick<ImportResult, "responses" | "scores">) => Promise<void> {
  const exp = p.experiment;
  // Without variant / baseline declarations a row's variant, replicate and domain depend on the row
  // alone: the plan of no rows assigns them; the plan over one representative row per distinct
  // planning keys (run) gives the checks and warnings planVariants makes over all rows.
  const rowPlan = planVariants(variantConfig(exp), []);
  const keepQuestion = questionFilter(exp);
  const questionDomains = new Map<string, string | null>();
  for (const q of p.questions) if (q.domain !== undefined) questionDomains.set(q.id, q.domain);
  const judges = importJudgeList(exp);
  const {proxies, metricsSeen, audit, counts} = st;

  return async (chunk) => {
    let responses = chunk.responses;
    let scores = chunk.scores;
    if (keepQuestion) {
      const dropped = new Set<string>();
      responses = responses.filter((r) => keepQuestion(r.question_id) || (dropped.add(r.response_id), false));
      if (dropped.size) scores = scores.filter((x) => !dropped.has(x.response_id));
    }
    const order = new Map<string, number>();
    const signals: SignalRow[] = [];
    for (const [i, r] of responses.entries()) {
      order.set(r.response_id, i);
      const defaultKeys = variantInputs(exp, [r], specOf)[0]!.defaultKeys;
      rowPlan.assign(r, defaultKeys);
      // replicate: `seed` when any row has one (planVariants' default key); a row without one then fails the final plan.
      r.replicate = text(r.meta?.seed);
      signals.push({response_id: r.response_id, ...computeSignals(r.response)});
      // The row's planning keys: which meta keys it has, and the values of the planning ones; the
      // proxy row (built only for a new key) carries just that.
      let key = JSON.stringify(r.model) + JSON.stringify(r.source);
      const m = r.meta ?? {};
      for (const k in m) {
        const v = m[k];
        if (v !== null && v !== undefined) key += JSON.stringify(k) + (PLAN_KEYS.has(k) || defaultKeys.includes(k) ? JSON.stringify(v) : "true");
      }
      if (!proxies.has(key)) {
        const meta: Record<string, string | number | boolean | null> = {};
        for (const [k, v] of Object.entries(m)) if (v !== null && v !== undefined) meta[k] = PLAN_KEYS.has(k) || defaultKeys.includes(k) ? v : true;
        proxies.set(key, {...r, response: "", question: "", meta});
      }
    }
    // runExperiment's score order (assemble): by response, then judge, then metric (no configured judges or metrics here).
    const cmp = (a: ScoreRow, b: ScoreRow) =>
      order.get(a.response_id)! - order.get(b.response_id)! ||
      (a.judge < b.judge ? -1 : a.judge > b.judge ? 1 : 0) ||
      (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0);
    // Scores come in that order from every reader: the check is one pass, the (stable) sort the exception.
    let sorted = true;
    for (let k = 1; sorted && k < scores.length; k++) sorted = cmp(scores[k - 1]!, scores[k]!) <= 0;
    if (!sorted) scores = [...scores].sort(cmp);
    for (const s of scores) metricsSeen.add(s.metric);
    for (const a of auditJudgeTokens(scores.filter((s) => s.status !== "error"))) addAudit(audit, JSON.stringify([a.judge, a.metric]), a);
    const types: TypeRow[] = withSignalTypes(responses, order, signals, scores, [], judges, rowPlan, {topicCut: exp.topic_cut, questionDomains});
    await sink.responses(responses);
    await sink.scores(scores);
    await sink.types(types);
    await sink.signals(signals);
    counts.responses += responses.length;
    counts.scores += scores.length;
  };
}

/** streamImports' options: runExperiment's, and where progress lines go (none by default). */
export type StreamOptions = Pick<RunOptions, "createdBy" | "onWarning"> & {onProgress?: (line: string) => void};

async function run(p: Prepared, sink: TableSink, opts: StreamOptions): Promise<StreamResult> {
  const exp = p.experiment;
  if (!streamable(exp) || p.units.length || p.judges.length) throw new Error(`${displayPath(exp.file)}: internal error: not an import-only experiment`);
  const cfg = variantConfig(exp);
  const importedBy = new Map<string, number>();
  const specOf = (r: ResponseRow) => {
    const i = importedBy.get(String(r.meta?.file ?? ""));
    return i === undefined ? undefined : exp.imports[i];
  };
  const out: Pick<ImportResult, "skipped" | "mismatches" | "files"> = {skipped: [], mismatches: [], files: []};
  // Import lanes (stream-lanes.ts): the files read in parallel processes when there are several and
  // enough bytes, the rows then taken in file order; else one file after another here.
  const lanes = await import("./stream-lanes.ts");
  const tasks = lanes.lanePlan(exp);
  let st: ChunkState;
  if (tasks) st = await lanes.runLanes(p, tasks, sink, importedBy, out, opts.onProgress);
  else {
    st = newChunkState();
    const onRows = chunkHandler(p, sink, st, specOf);
    for (const [i, spec] of exp.imports.entries()) await importEntry(exp, i, spec, importedBy, out, onRows);
  }
  const {proxies, metricsSeen, audit, counts} = st;

  // The checks runExperiment makes over all rows, over one row per distinct planning keys.
  const plan = planVariants(
    cfg,
    [...proxies.values()].map((row) => ({row, defaultKeys: variantInputs(exp, [row], specOf)[0]!.defaultKeys})),
  );
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(m + "\n"));
  for (const w of plan.warnings) warn(w);
  if (!metricsSeen.has("type")) checkDomainMetrics(displayPath(exp.file), plan, proxies.values(), metricsSeen);

  const usage: Usage = {pt: 0, ct: 0, cost: 0, costKnown: true};
  const provenance = buildProvenance(
    p,
    opts.createdBy ?? "runExperiment",
    {
      responses: counts.responses,
      scores: counts.scores,
      errors: 0,
      skipped: out.skipped.length,
      mismatches: out.mismatches.length,
      cache_hits: 0,
      api_calls: 0,
    },
    usage,
    out.files,
  );
  const tokenAudit = [...audit.values()];
  const tokenWarnings = judgeTokenWarnings(tokenAudit).map((w) => `em run: ${exp.name}: ${w}`);
  if (tokenWarnings.length) {
    for (const w of tokenWarnings) warn(w);
    provenance.experiments[0]!.judge_tokens = tokenAudit.map((a) => ({...a, warnings: judgeTokenWarnings([a])})).filter((a) => a.warnings.length > 0);
  }
  return {
    experiment: exp,
    provenance,
    skipped: out.skipped,
    mismatches: out.mismatches,
    importedFiles: out.files,
    warnings: [...plan.warnings, ...tokenWarnings],
    missing: [],
    errors: [],
  };
}
