// The mutable state of one run, in one object: progress counters, grouped errors and missing work,
// token usage, and the rows collected so far. The execution (execute.ts) is the only writer.
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../../src/lib/schema.ts";
import type {Usage} from "./provenance.ts";
import type {ErrorItem, MissingItem, RunOptions, RunProgress} from "./types.ts";

export class RunState {
  readonly progress: RunProgress;
  /** Failures grouped by kind, endpoint and model (first message kept). */
  readonly errors = new Map<string, ErrorItem>();
  /** Work offline mode skipped, grouped by kind, endpoint, model and reason. */
  readonly missing = new Map<string, MissingItem>();
  readonly usage: Usage = {pt: 0, ct: 0, cost: 0, costKnown: true};
  /** Generated rows by unit ordinal and sample index; null until the answer arrives (or when it never does). */
  readonly unitRows: (ResponseRow | null)[][];
  readonly scores: ScoreRow[];
  readonly types: TypeRow[] = [];
  readonly signals = new Map<string, SignalRow>();

  /**
   * @param unitCounts samples per generation unit, in unit order
   * @param importedResponses imported rows, judged like generated ones
   * @param judgeCallsPerResponse judge calls each response needs (judges x metrics)
   */
  constructor(
    private readonly t0: number,
    private readonly onProgress: RunOptions["onProgress"],
    unitCounts: readonly number[],
    importedResponses: number,
    importedScores: readonly ScoreRow[],
    readonly judgeCallsPerResponse: number,
  ) {
    this.unitRows = unitCounts.map((n) => new Array<ResponseRow | null>(n).fill(null));
    const samples = unitCounts.reduce((s, n) => s + n, 0);
    const responses = samples + importedResponses;
    this.progress = {
      done: 0,
      total: responses + responses * judgeCallsPerResponse,
      cacheHits: 0,
      apiCalls: 0,
      errors: 0,
      missing: 0,
      coalesced: 0,
      elapsedMs: 0,
    };
    // Imported scores first; judge results are appended as they arrive.
    this.scores = importedScores.slice();
  }

  addError(kind: ErrorItem["kind"], endpoint: string, model: string, count: number, message: string): void {
    const k = `${kind}\0${endpoint}\0${model}`;
    const e = this.errors.get(k);
    if (e) e.count += count;
    else this.errors.set(k, {kind, endpoint, model, count, message});
  }

  addMissing(kind: MissingItem["kind"], endpoint: string, model: string, count: number, reason: string): void {
    const k = `${kind}\0${endpoint}\0${model}\0${reason}`;
    const e = this.missing.get(k);
    if (e) e.count += count;
    else this.missing.set(k, {kind, endpoint, model, count, reason});
  }

  /** Tokens of one answer or judge result; a null price makes the total cost unknown. */
  addUsage(pt: number, ct: number, price: [number, number] | null): void {
    this.usage.pt += pt;
    this.usage.ct += ct;
    if (price) this.usage.cost += (pt * price[0] + ct * price[1]) / 1e6;
    else if (pt || ct) this.usage.costKnown = false;
  }

  /** Samples that will never arrive (offline, or failed): done, and the judge calls they would have needed leave the total. */
  dropSamples(count: number): void {
    this.progress.done += count;
    this.progress.total -= count * this.judgeCallsPerResponse;
  }

  tick(): void {
    if (this.onProgress) {
      this.progress.elapsedMs = performance.now() - this.t0;
      this.onProgress(this.progress);
    }
  }
}
