// The simulator's planted truth for one simulated experiment, in the shape the pages read
// (src/components/site.ts `Planted`). Filled in from loaders/sim once the simulator lands.
import type {Experiment} from "./experiment.ts";

export async function plantedForExperiment(experiment: Experiment): Promise<null> {
  void experiment;
  return null;
}
