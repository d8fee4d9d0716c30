// The rows of the overview's experiments-at-a-glance table (drawn by overview.experimentsTable):
// one pooled EM per experiment, with the interval `em summarize --by experiment` prints.
import {summarizeAll, withTrainingSeeds, type Group} from "./engine.js";
import type {Points} from "./points.js";
import {distinctSteps, optionsIn, selectionMask} from "./selection.js";
import type {ViewState} from "./store.js";
import type {EmRule} from "../lib/em/rules.js";
import {experimentInfo, type ExperimentInfo, type Summary} from "../lib/site-summary.js";

/** One row of the experiments-at-a-glance table. */
export interface ExperimentRow {
  name: string;
  info: ExperimentInfo | null;
  judge: string | null;
  judges: string[];
  models: number;
  g: Group | null;
  /** No aligned / coherent score in the experiment's files: nothing to rate. */
  empty: boolean;
  /** The experiment's answers span two checkpoints (coordinate values) or more: its rate pools them. */
  checkpoints: boolean;
}

/**
 * A row's answer count as the table shows it: "unknown" when the build's summary has no entry for
 * the experiment (its count cannot be read there), never a measured-looking 0.
 */
export function answersText(row: Pick<ExperimentRow, "info">): string {
  return row.info ? row.info.counts.responses.toLocaleString() : "unknown";
}

/** Whether the row's answers are simulated or real, "unknown" without a summary entry (not a guessed "real"). */
export function dataText(row: Pick<ExperimentRow, "info">): string {
  return row.info ? (row.info.simulated ? "simulated" : "real") : "unknown";
}

/**
 * The rows of that table: one per experiment of the points (its first judge, all its checkpoints if
 * it has any, current rule and exclusions), then the experiments whose files hold no aligned / coherent score.
 * An experiment of one variant trained with 2+ seeds gets the seeds x questions interval
 * (withTrainingSeeds), as `em summarize --by experiment` and the variant table below it; with
 * several variants the seeds are no one population and the questions interval stays.
 */
export function experimentRows(points: Points, summary: Summary, state: ViewState, rule: EmRule): ExperimentRow[] {
  const rows: ExperimentRow[] = points.dicts.experiment.map((name) => {
    const s = {...state, experiment: name};
    const judges = optionsIn(points, "judge", s);
    const judge = judges[0] ?? null;
    const m = selectionMask(points, {...s, judge, model: null, category: null, question: null, steps: null});
    const info = experimentInfo(summary, name);
    const all = summarizeAll(points, m, rule, {exclude: state.exclude});
    return {
      name,
      info,
      judge,
      judges,
      models: info?.models.length || optionsIn(points, "model", s).length,
      g: all && withTrainingSeeds(points, m, rule, [], [all], {exclude: state.exclude})[0]!,
      empty: false,
      checkpoints: distinctSteps(points, m).length >= 2,
    };
  });
  for (const info of summary.experiments)
    if (!points.dicts.experiment.includes(info.name))
      rows.push({
        name: info.name,
        info,
        judge: null,
        judges: info.judges.map((j) => j.id),
        models: info.models.length,
        g: null,
        empty: true,
        checkpoints: false,
      });
  return rows;
}
