// The pipeline's public entry: run an experiment, or plan one without calling anything.
// Layout (one job per file): types.ts (options, progress, result, plan), prepare.ts (experiment,
// questions, rubrics, cache keys; no network), cost.ts (dry-run plan and cost), execute.ts (the run
// and its Execution), state.ts (the run's counters and rows), coalesce.ts (identical requests in
// flight share one call), imports.ts, rows.ts (generated rows, variant inputs), signal-types.ts
// (the "signals" types rows), provenance.ts, retries.ts.
export {SIGNALS_JUDGE} from "../../src/lib/em/judged.ts";
export {planExperiment, EST_ANSWER_SHARE} from "./cost.ts";
export {runExperiment} from "./execute.ts";
export {DEFAULT_CACHE_DIR, DEFAULT_SIM_CACHE_DIR} from "./prepare.ts";
export {TOOL_VERSION} from "./provenance.ts";
export {retryContent} from "./retries.ts";
export {responseId} from "./rows.ts";
export type {ErrorItem, MissingItem, Plan, PlanLine, RunOptions, RunProgress, RunResult, RunStats} from "./types.ts";
