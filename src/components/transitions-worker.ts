// Module worker of the transitions page: runs fit jobs (transitions-compute.ts) off the main
// thread, so the page paints its measured points while the logistic fits run. Started by
// transitions-fits.ts with new Worker(import.meta.resolve("./transitions-worker.js"), {type:
// "module"}); Framework builds it like any local module (its imports of ../lib/em/*.js and of
// npm packages are rewritten to the built files), and the CSP's worker-src 'self' allows it.
import {runFitJob, type FitJob} from "./transitions-compute.js";

interface WorkerScope {
  onmessage: ((event: MessageEvent<{id: number; job: FitJob}>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (event) => {
  const {id, job} = event.data;
  const t0 = performance.now();
  try {
    const result = runFitJob(job);
    scope.postMessage({id, result, ms: performance.now() - t0});
  } catch (error) {
    scope.postMessage({id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error)});
  }
};
// Tell the page the module (and every import) loaded: jobs posted before this still queue in order.
scope.postMessage({ready: true});
