// Off-main-thread fits for the transitions page: a small pool of module workers
// (transitions-worker.ts) that run fit jobs, and a cache of their results keyed by the inputs
// (per selection and rule), so a selection seen before shows its fits at once.
// Where no worker can start (Node, the unit tests; a browser without module workers) the same
// job runs on the main thread after a task break, with the same numbers.
import {runFitJob, type FitJob, type FitResult} from "./transitions-compute.js";

interface Slot {
  worker: Worker;
  /** The job this worker runs now (one at a time, so a queued job can still be overtaken). */
  running: Queued | null;
}

interface Queued {
  id: number;
  job: FitJob;
  transfer: Transferable[];
  priority: Priority;
  /** performance.now() when the job was queued. */
  queued: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * "now": what the page is waiting for (fits, the grid someone asked for); "background": work whose
 * result can come later (the change-point bootstrap), run only when no "now" job waits.
 */
export type Priority = "now" | "background";

/** Where fit jobs run: "worker" or "main thread" (the page shows it in a data attribute for tests). */
export let fitEngine: "worker" | "main thread" = typeof Worker === "function" ? "worker" : "main thread";

let pool: Slot[] | null | undefined;
const queue: Queued[] = [];
let nextId = 1;

function inline<J extends FitJob>(job: J): Promise<FitResult<J>> {
  fitEngine = "main thread";
  // A task break first, so whatever the page painted so far reaches the screen before the fits block it.
  return new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(runFitJob(job));
      } catch (error) {
        reject(error as Error);
      }
    }, 0),
  );
}

/**
 * Hand queued jobs to idle workers. "now" jobs first; background jobs only while no "now" job runs
 * or waits, and only once the page's main thread has been idle (it may be about to ask for more),
 * so they never take a core from work the page is waiting for. A "now" job never waits for
 * background work: when no worker is free, one background job is stopped (terminate: a
 * computation in a worker cannot be interrupted otherwise), goes back to the queue, and a fresh
 * worker takes the "now" job. Background jobs carry no transfers, so they can be posted again.
 */
function dispatch(idle = false): void {
  if (!pool) {
    // No worker left: whatever still waits runs here.
    for (const q of queue.splice(0)) inline(q.job).then(q.resolve, q.reject);
    return;
  }
  const urgentWaiting = () => queue.some((q) => q.priority === "now");
  const urgentRunning = () => pool!.some((slot) => slot.running?.priority === "now");
  for (const slot of pool) {
    if (slot.running || !queue.length) continue;
    const urgent = queue.findIndex((q) => q.priority === "now");
    if (urgent < 0 && (!idle || urgentRunning())) break;
    const q = queue.splice(urgent >= 0 ? urgent : 0, 1)[0]!;
    slot.running = q;
    slot.worker.postMessage({id: q.id, job: q.job}, q.transfer);
  }
  if (urgentWaiting()) {
    const victim = pool.find((slot) => slot.running?.priority === "background");
    if (victim && workerUrl) {
      const stopped = victim.running!;
      victim.worker.terminate();
      victim.running = null;
      const firstBackground = queue.findIndex((q) => q.priority === "background");
      queue.splice(firstBackground < 0 ? queue.length : firstBackground, 0, stopped);
      victim.worker = startWorker(workerUrl, victim);
      dispatch();
      return;
    }
  }
  if (!idle && queue.some((q) => q.priority === "background") && !urgentWaiting() && !urgentRunning()) whenIdle();
}

let idleQueued = false;
/** Dispatch background jobs at the main thread's next idle period (requestIdleCallback, else a timer). */
function whenIdle(): void {
  if (idleQueued) return;
  idleQueued = true;
  const run = () => {
    idleQueued = false;
    dispatch(true);
  };
  if (typeof requestIdleCallback === "function") requestIdleCallback(run, {timeout: 3000});
  else setTimeout(run, 200);
}

let workerUrl: string | null = null;

function startWorker(url: string, slot: Slot): Worker {
  const worker = new Worker(url, {type: "module"});
  worker.onmessage = (event: MessageEvent<{id?: number; result?: unknown; error?: string; ms?: number}>) => {
    const q = slot.running;
    if (event.data.id === undefined || !q || q.id !== event.data.id) return;
    slot.running = null;
    // A User Timing entry per job (queued -> answered; detail: the worker's own compute time), for
    // the benchmark and for anyone profiling the page.
    performance.measure(`em-fit ${q.job.kind} (${q.priority})`, {start: q.queued, detail: {computeMs: event.data.ms ?? null}});
    if (event.data.error !== undefined) q.reject(new Error(`transitions worker: ${event.data.error}`));
    else q.resolve(event.data.result);
    dispatch();
  };
  // The module failed to load or threw outside a job: this worker is gone; its job runs elsewhere.
  worker.onerror = (event) => {
    event.preventDefault();
    console.warn(`transitions worker failed (${event.message || "module did not load"}); its jobs move on`);
    worker.terminate();
    pool = pool?.filter((s) => s !== slot) ?? null;
    if (pool && pool.length === 0) pool = null;
    if (slot.running) {
      // Its transferred buffers went with it: only jobs without transfers can be retried.
      const q = slot.running;
      slot.running = null;
      if (q.transfer.length) q.reject(new Error("transitions worker failed"));
      else queue.unshift(q);
    }
    dispatch();
  };
  return worker;
}

/**
 * The worker pool, started on first use: two workers (the series fits split across them), or one
 * on a single-core machine. null when workers cannot start here.
 */
function workers(): Slot[] | null {
  if (pool !== undefined) return pool;
  if (typeof Worker !== "function" || typeof import.meta.resolve !== "function") return (pool = null);
  try {
    const url = import.meta.resolve("./transitions-worker.js");
    const n = Math.max(1, Math.min(2, globalThis.navigator?.hardwareConcurrency ?? 2));
    pool = Array.from({length: n}, () => {
      const slot = {running: null} as unknown as Slot;
      slot.worker = startWorker(url, slot);
      return slot;
    });
    workerUrl = url;
  } catch {
    pool = null;
  }
  return pool;
}

/** Start the workers now (module load and parse overlap the page's data download). */
export function warmUp(): void {
  workers();
}

/** Run one job off the main thread (on the next idle worker), or inline where no worker runs. */
export function runOffThread<J extends FitJob>(
  job: J,
  {transfer = [], priority = "now"}: {transfer?: Transferable[]; priority?: Priority} = {},
): Promise<FitResult<J>> {
  if (!workers()) return inline(job);
  return new Promise<FitResult<J>>((resolve, reject) => {
    queue.push({id: nextId++, job, transfer, priority, queued: performance.now(), resolve: resolve as (v: unknown) => void, reject});
    dispatch();
  });
}

/** How many workers run jobs (0: fits run on the main thread). */
export function poolSize(): number {
  return workers()?.length ?? 0;
}

const CACHE_SIZE = 256;
const cache = new Map<string, Promise<unknown>>();
const settled = new Map<string, unknown>();

/** The cached promise for `key` (most recently used last), or undefined. */
export function cacheGet<T>(key: string): Promise<T> | undefined {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit as Promise<T> | undefined;
}

/**
 * Cache `promise` under `key`: `peekFit` returns its value once settled; a failure is forgotten so
 * a later call retries. The oldest entries go past CACHE_SIZE.
 */
export function cachePut<T>(key: string, promise: Promise<T>): Promise<T> {
  const p = promise.then(
    (value) => {
      if (cache.get(key) === p) settled.set(key, value);
      return value;
    },
    (error) => {
      if (cache.get(key) === p) {
        cache.delete(key);
        settled.delete(key);
      }
      throw error;
    },
  );
  cache.set(key, p);
  while (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
    settled.delete(oldest);
  }
  return p;
}

/** Results by key, computed once: the same key returns the first call's promise. */
export function cachedFit<T>(key: string, compute: () => Promise<T>): Promise<T> {
  return cacheGet<T>(key) ?? cachePut(key, compute());
}

/** A settled cached result (undefined when not computed or still running). */
export function peekFit<T>(key: string): T | undefined {
  return settled.get(key) as T | undefined;
}
