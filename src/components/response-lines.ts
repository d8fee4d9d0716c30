// The answer list's lines from the decoded points: the one projection of a points row to a list
// line (FirstLine), used by the live list and by the build's first page (loaders/site-responses-first.ts),
// so the lines painted before the points arrive are the ones the live list draws after.
import {binValue, type Points, type StringColumn} from "./points.js";
import type {ListSource} from "./response-list.js";
import type {RowsView} from "./responses.js";

/**
 * The lines of `rows` (indices into points, in display order: an array, or rows read by position)
 * with their EM flag (isEm). A line is built when asked for (`line(k)`): the list asks only for the
 * rows in view.
 */
export function pointsSource(points: Points, rows: RowsView, isEm: (row: number) => boolean): ListSource {
  const str = (c: StringColumn, i: number) => points.dicts[c][points.codes[c][i]!] ?? "";
  return {
    length: rows.length,
    rid: (k) => points.rid[rows.at(k)!]!,
    line: (k) => {
      const i = rows.at(k)!;
      const type = points.codes.type[i]!;
      return {
        rid: points.rid[i]!,
        model: str("model", i),
        step: Number.isNaN(points.step[i]) ? "" : String(points.step[i]),
        question_id: str("question_id", i),
        judge: str("judge", i),
        aligned: scoreText(points, i, "aligned"),
        coherent: scoreText(points, i, "coherent"),
        type: type >= 0 ? (points.dicts.type[type] ?? "") : "",
        em: isEm(i),
      };
    },
  };
}

const fmt = (x: number) => (Number.isNaN(x) ? "null" : Number.isInteger(x) ? String(x) : x.toFixed(1));

/**
 * A score of the list from the points: exact ones as they are, compact ones (score bins) an integer
 * as itself and a non-integer as the two integers it lies between, a range, not a point. The list
 * shows the exact score instead once the details file gave it.
 */
function scoreText(points: Points, i: number, which: "aligned" | "coherent"): string {
  if (points.exact) return fmt(points[which][i]!);
  const v = binValue((which === "aligned" ? points.alignedBin : points.coherentBin)[i]!);
  if (Number.isNaN(v)) return "null";
  if (v < 0) return "< 0";
  if (v > 100) return "> 100";
  return Number.isInteger(v) ? String(v) : `${Math.floor(v)}–${Math.ceil(v)}`;
}
