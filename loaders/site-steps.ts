// The per-step EM counts /transitions fits from before its points arrive (issue 28): for every
// experiment, each of its judges and each preset rule, with the default "series by" key, the
// tallies the page computes for the state a link `?experiment=E&judge=J&rule=R` opens with, by the
// page's own functions (resolveDefaults, selectionMask, ruleOf, seriesTallies), so the first fits
// are the fits the page shows once its points are in. The file's size grows with experiments x
// judges x presets x series x coordinate values, never with the responses.
import {decodePoints, type FacetColumn, type Points} from "../src/components/points.ts";
import {selectionMask} from "../src/components/selection.ts";
import {ruleOf} from "../src/components/engine.ts";
import {seriesTallies} from "../src/components/transitions-controller.ts";
import {presetStates} from "./site-presets.ts";
import {stepsKey, type StepsEntry, type StepsTable} from "../src/lib/site-steps.ts";

/**
 * The per-step table of a points table (the bytes of points.arrow). Empty points: no entries.
 * Counts are answers (EM answers k and the rule's denominator n per coordinate value).
 */
export function stepTallies(pointsBytes: Uint8Array | Points): StepsTable {
  const points = pointsBytes instanceof Uint8Array ? decodePoints(pointsBytes) : pointsBytes;
  const {experiments, judges, states} = presetStates(points);
  const entries: StepsEntry[] = [];
  for (const s of states) {
    const mask = selectionMask(points, s, ["steps", "model"]);
    // declared: null; the page chooses the fitting scale from `xs` and the experiment's declared scale.
    const t = seriesTallies(points, mask, ruleOf(s), s.exclude, {by: s.by as FacetColumn});
    const xs = new Set<number>();
    for (let i = 0; i < points.n; ++i) if (mask[i] && !Number.isNaN(points.step[i]!)) xs.add(points.step[i]!);
    entries.push({key: stepsKey(s), names: t.names, series: t.series, xs: [...xs].sort((a, b) => a - b)});
  }
  return {version: 1, experiments, judges, entries};
}
