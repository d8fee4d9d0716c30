// The first numbers /sensitivity shows, computed at build time (issue 28): for every experiment,
// each of its judges and each preset rule, the headline summary of the state a link
// `?experiment=E&judge=J&rule=R` opens with, by the page's own functions over the same points
// table (resolveDefaults, selectionMask, ruleOf, summarizeAll), so the page can paint them before
// it downloads and decodes the points and the live numbers that replace them are the same.
// The file's size grows with experiments x judges x presets, never with the responses.
import {decodePoints, type Points} from "../src/components/points.ts";
import {distinct, selectionMask} from "../src/components/selection.ts";
import {ruleOf, summarizeAll} from "../src/components/engine.ts";
import {presetStates} from "./site-presets.ts";
import {DEFAULT_STATE} from "../src/components/store.ts";
import {firstPaintKey, type FirstPaint, type FirstPaintEntry} from "../src/lib/site-first.ts";

/**
 * The first-paint table of a points table (the bytes of points.arrow). Empty points: no entries.
 * Units as `em summarize --format json` (rates 0..1, counts of answers); qk / qd are left out.
 */
export function firstPaint(pointsBytes: Uint8Array | Points): FirstPaint {
  const points = pointsBytes instanceof Uint8Array ? decodePoints(pointsBytes) : pointsBytes;
  const {experiments, judges, states} = presetStates(points);
  const entries: FirstPaintEntry[] = [];
  for (const s of states) {
    const all = summarizeAll(points, selectionMask(points, s), ruleOf(s), {exclude: s.exclude, follow: true});
    if (!all) continue;
    const {qk: _qk, qd: _qd, ...summary} = all;
    entries.push({key: firstPaintKey(s), summary});
  }
  // The filters' options as the pages' selects compute them (optionsIn: the experiment's rows).
  const filters: NonNullable<FirstPaint["filters"]> = {};
  for (const experiment of experiments) {
    const inExperiment = selectionMask(points, {...DEFAULT_STATE, experiment}, ["judge", "model", "category", "question", "steps"]);
    filters[experiment] = {models: distinct(points, "model", inExperiment), categories: distinct(points, "category", inExperiment)};
  }
  return {version: 1, experiments, judges, entries, filters};
}
