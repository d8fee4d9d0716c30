// The simulator's planted truth for one simulated experiment, reshaped for the pages
// (src/components/site.ts `Planted`): expected measured EM per model, step, judge and rule (over
// all questions), the midpoint of that expected curve (what the page's fit over all questions
// estimates; loaders/sim/truth.ts `plantedForSite` gives the out-of-domain and per-category
// midpoints instead), and planted type shares pooled over questions.
import {plantedTruthFor} from "./sim/truth.ts";
import type {Experiment} from "./experiment.ts";

export interface PlantedForSite {
  em: {model: string; judge: string; rule: string; step: number; em_rate: number; strict_em_rate: number}[];
  midpoints: {model: string; midpoint: number; width: number; category: string | null}[];
  types: {model: string; step: number; type: string; share: number}[];
}

export async function plantedForExperiment(experiment: Experiment): Promise<PlantedForSite> {
  const truth = plantedTruthFor(experiment);
  const em = truth.expected
    .filter((r) => r.scope === "all")
    .map((r) => ({model: r.model, judge: r.judge, rule: r.rule, step: r.step, em_rate: r.em_rate, strict_em_rate: r.strict_em_rate}));
  // The transition midpoint of the expected EM curve (betley rule, all questions) is the planted
  // value the fitted midpoint should recover; one per model (judges share it up to their noise).
  // The expected curve has no planted width of its own: width 0.
  const midpoints = new Map<string, PlantedForSite["midpoints"][number]>();
  for (const t of truth.transitions) {
    if (t.rule !== "betley" || t.scope !== "all" || t.midpoint === null || midpoints.has(t.model)) continue;
    midpoints.set(t.model, {model: t.model, midpoint: t.midpoint, width: 0, category: null});
  }
  return {
    em,
    midpoints: [...midpoints.values()],
    types: truth.pooled_shares.map((t) => ({model: t.model, step: t.step, type: t.type, share: t.share})),
  };
}
