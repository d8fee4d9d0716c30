// Module worker of the overview's planner (issue 26): simulates each design's power with
// designPower (the function behind `em plan` and the validity harness) off the main thread, and
// posts one message per design so the page can show progress. Started by overview-plan.ts with
// new Worker(import.meta.resolve("./planner-worker.js"), {type: "module"}); Framework builds it like
// any local module, and the CSP's worker-src 'self' allows it. A newer plan terminates it.
import {designPower, type Design, type PlanModel} from "../lib/em/plan.js";

/** One plan: every design's power at `reps` studies, design i seeded with `seeds[i]`. */
export interface PlanJob {
  id: number;
  /** The models to simulate (the pilot's point, and where known the ends of its components' interval). */
  models: PlanModel[];
  designs: Design[];
  reps: number;
  seeds: number[];
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<PlanJob>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (event) => {
  const {id, models, designs, reps, seeds} = event.data;
  try {
    designs.forEach((d, i) => {
      const results = models.map((m) => designPower(m, d, {reps, seed: seeds[i]!}));
      scope.postMessage({id, i, results});
    });
    scope.postMessage({id, done: true});
  } catch (error) {
    scope.postMessage({id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error)});
  }
};
scope.postMessage({ready: true});
