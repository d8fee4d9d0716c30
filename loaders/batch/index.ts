// Scale-out options of a run (issue 17): batch mode for judge calls and a shard of the work.
// Kept out of loaders/run/types.ts so the run's own option type stays as it is; runExperiment
// accepts `RunOptions & ScaleOptions` and returns `RunResult & ScaleReport`.
import type {ShardSpec} from "../shard.ts";
import type {BatchOptions, BatchStats} from "./runner.ts";

export {BatchRunner, type BatchOptions, type BatchStats} from "./runner.ts";
export {readRecords, type BatchRecord} from "./store.ts";

/** The Batch API's price: 50% of the synchronous list price (OpenAI and Azure global batch). */
export const BATCH_DISCOUNT = 0.5;

export interface ScaleOptions {
  /** Judge calls through the Batch API. */
  batch?: BatchOptions;
  /** Only this shard's share of the work. */
  shard?: ShardSpec;
}

export interface ScaleReport {
  batch?: BatchStats;
  /** Generation units and imported judge calls this shard owns, of all. */
  shard?: {spec: ShardSpec; units: number; unitsTotal: number; importedCalls: number; importedCallsTotal: number};
}
