// The states the build precomputes first numbers for (issue 28): for every experiment, each of its
// judges and each preset rule, the state a link `?experiment=E&judge=J&rule=R` opens with, resolved
// by the page's own functions (resolveDefaults), so first.json and steps.json key the same states.
import type {Points} from "../src/components/points.ts";
import {distinct, resolveDefaults, selectionMask} from "../src/components/selection.ts";
import {DEFAULT_STATE, RULE_PRESETS, type Rule, type ViewState} from "../src/components/store.ts";

/** Experiments, each one's judges, and the opening state of every (experiment, judge, preset rule). */
export function presetStates(points: Points): {experiments: string[]; judges: Record<string, string[]>; states: ViewState[]} {
  const experiments = points.dicts.experiment;
  const judges: Record<string, string[]> = {};
  const states: ViewState[] = [];
  for (const experiment of experiments) {
    const inExperiment = selectionMask(points, {...DEFAULT_STATE, experiment}, ["judge", "model", "category", "question", "steps"]);
    judges[experiment] = distinct(points, "judge", inExperiment);
    for (const judge of judges[experiment]!) {
      for (const rule of Object.keys(RULE_PRESETS) as Exclude<Rule, "custom">[]) {
        const base = {...DEFAULT_STATE, experiment, judge, rule, ...RULE_PRESETS[rule], questions: [...RULE_PRESETS[rule].questions], exclude: []};
        states.push({...base, ...resolveDefaults(points, base)});
      }
    }
  }
  return {experiments, judges, states};
}
