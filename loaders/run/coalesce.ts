// Identical requests in flight at the same time share one call. Two experiment models served by
// one checkpoint (every demo organism starts from `sim:base`), or two judges with one model on one
// endpoint, ask for byte-identical completions; without this a cold run pays for each of them
// (issue 13 measured 239 chat requests for 158 distinct bodies). A request identical to one that
// already finished is a cache hit instead, because results are cached before the call settles.

/**
 * Shares one promise per key while it is pending. The first caller's `fn` runs; a caller with the
 * same key before it settles gets the same promise (and the same error, if it fails). The key is
 * forgotten once the call settles, so memory stays bounded by the calls in flight.
 */
export class InFlight<T> {
  private pending = new Map<string, Promise<T>>();
  /** `shared` is true when the result comes from a call that was already in flight. */
  run(key: string, fn: () => Promise<T>): {result: Promise<T>; shared: boolean} {
    const running = this.pending.get(key);
    if (running) return {result: running, shared: true};
    const result = fn().finally(() => this.pending.delete(key));
    this.pending.set(key, result);
    return {result, shared: false};
  }
}

/**
 * Identity of one generation request: the cache keys of the samples it asks for. A sample key
 * covers endpoint, model, messages, sampling parameters and index, and a request for samples
 * start..start+count-1 sends exactly those (n = count, seed = seed + start), so equal keys mean an
 * equal request body.
 */
export function genRequestKey(sampleKeys: readonly string[], start: number, count: number): string {
  return sampleKeys.slice(start, start + count).join(",");
}
