// Framework data loader: small metadata every page needs before any table arrives: experiments,
// their models (descriptions, training domain, metadata, checkpoints), judges, provenance,
// counts of what is missing or failed, and the simulator's planted truth for simulated experiments.
import path from "node:path";
import {loadDataset} from "../../loaders/dataset.js";
import {loadExperiment} from "../../loaders/experiment.js";
import {ROOT} from "../../loaders/paths.js";
import {plantedForSite, plantedTruthFor} from "../../loaders/sim/truth.js";

const dataset = await loadDataset();
// Keys the pipeline is adding to experiment files (issue 11); read defensively until every
// experiment schema on main has them.
type Issue11Keys = {coordinate_scale?: string; variant?: unknown; replicate?: unknown};
const experiments = [];
for (const e of dataset.provenance.experiments) {
  const experiment = await loadExperiment(path.resolve(ROOT, e.file));
  const extra = experiment as typeof experiment & Issue11Keys;
  experiments.push({
    name: e.name,
    description: e.description ?? experiment.description,
    simulated: e.simulated,
    coordinate: experiment.coordinate,
    // Only a declared log scale is passed on: the schema's default ("linear") cannot be told from a
    // declared one, and the site chooses log by itself for values spanning orders of magnitude.
    coordinate_scale: extra.coordinate_scale === "log" ? "log" : null,
    variant_keys: Array.isArray(extra.variant) ? extra.variant.map(String) : typeof extra.variant === "string" ? [extra.variant] : null,
    replicate_key: typeof extra.replicate === "string" ? extra.replicate : null,
    file: e.file,
    sha256: e.sha256,
    models: experiment.models.map((m) => ({
      id: m.id,
      description: m.description ?? null,
      domain: m.domain ?? null,
      meta: m.meta ?? {},
      steps: m.checkpoints.map((c) => c.step),
    })),
    judges: e.judges,
    generation: e.generation,
    counts: e.counts,
    usage: e.usage,
    missing: dataset.missing.filter((m) => m.experiment === e.name).length,
    errors: dataset.errors.filter((m) => m.experiment === e.name).length,
    skipped: dataset.skipped.filter((m) => m.experiment === e.name).length,
    planted: e.simulated ? plantedForSite(plantedTruthFor(experiment)) : null,
  });
}
process.stdout.write(JSON.stringify({tool: dataset.provenance.tool, experiments}));
