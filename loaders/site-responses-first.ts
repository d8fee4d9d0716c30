// The first page of /responses, computed at build time (issue 28): for every preset state the page
// can open with, the counts and first FIRST_LINES lines of the list by the page's own functions
// (responseRows, pointsSource) over the same compact points, so the page paints the lines before it
// downloads the points and the live list that replaces them shows the same lines.
// The file grows with experiments x judges x presets, never with the responses.
import {decodePoints, type Points} from "../src/components/points.ts";
import {selectionMask} from "../src/components/selection.ts";
import {ruleOf} from "../src/components/engine.ts";
import {responseRows} from "../src/components/responses.ts";
import {pointsSource} from "../src/components/response-lines.ts";
import {EM} from "../src/lib/em/view-flags.ts";
import {FIRST_LINES, type ResponsesFirst, type ResponsesFirstEntry} from "../src/lib/responses-first.ts";
import {firstPaintKey} from "../src/lib/site-first.ts";
import {presetStates} from "./site-presets.ts";

/** The first-page table of a points table (the bytes of points.arrow). Empty points: no entries. */
export function responsesFirst(pointsBytes: Uint8Array | Points, lines = FIRST_LINES): ResponsesFirst {
  const points = pointsBytes instanceof Uint8Array ? decodePoints(pointsBytes) : pointsBytes;
  const {experiments, judges, states} = presetStates(points);
  const entries: ResponsesFirstEntry[] = [];
  for (const s of states) {
    const slice = responseRows(points, null, selectionMask(points, s), ruleOf(s), {exclude: s.exclude, limit: lines});
    const src = pointsSource(points, slice.top, (i) => slice.flags[i] === EM);
    entries.push({
      key: firstPaintKey(s),
      total: slice.rows.length,
      nEm: slice.nEm,
      nScored: slice.nScored,
      // The list's own projection of a row (response-lines.ts): the lines the live list draws.
      lines: Array.from({length: src.length}, (_, k) => src.line(k)),
    });
  }
  return {version: 1, experiments, judges, entries};
}
