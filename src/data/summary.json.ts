// Framework data loader: small metadata every page needs before any table arrives: experiments,
// their models (descriptions, training domain, metadata, checkpoints), judges, provenance,
// counts of what is missing or failed, and the simulator's planted truth for simulated experiments.
import path from "node:path";
import {loadDataset} from "../../loaders/dataset.js";
import {loadExperiment} from "../../loaders/experiment.js";
import {ROOT} from "../../loaders/paths.js";
import {plantedForSite, plantedTruthFor} from "../../loaders/sim/truth.js";
import type {ExperimentInfo, Summary} from "../lib/site-summary.js";

// Provenance and counts only: no table rows are read.
const dataset = await loadDataset({tables: []});
const experiments: ExperimentInfo[] = [];
for (const e of dataset.provenance.experiments) {
  const experiment = await loadExperiment(path.resolve(ROOT, e.file));
  experiments.push({
    name: e.name,
    description: e.description ?? experiment.description,
    simulated: e.simulated,
    coordinate: experiment.coordinate,
    // Only a declared log scale is passed on: the schema's default ("linear") cannot be told from a
    // declared one, and the site chooses log by itself for values spanning orders of magnitude.
    coordinate_scale: experiment.coordinate_scale === "log" ? "log" : null,
    variant_keys: Array.isArray(experiment.variant) ? experiment.variant.map(String) : typeof experiment.variant === "string" ? [experiment.variant] : null,
    replicate_key: typeof experiment.replicate === "string" ? experiment.replicate : null,
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
    primary_questions: experiment.primary_questions,
    judge_drift: e.judge_drift ?? null,
  });
}
process.stdout.write(JSON.stringify({tool: dataset.provenance.tool, experiments} satisfies Summary));
