// The stored tables (loaders/tables.ts) of a small judged dataset, for the tests of the site files
// built from them (site-files, site-points-files).
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../../src/lib/schema.ts";
import {responseRow, scoreRow} from "./judged.ts";

/**
 * `n` answers with both scores from judge "j" (mass 0.9, probs {10: 0.4, 90: 0.6}): experiments
 * e2, e1 in turn, models m0..m2, steps 0..300; ids out of row order (`r{(i * 7919) % 10007}`, so a
 * sort by id shows), texts with "gold" or "silver" for search; no types, signals or experiments.
 */
export function siteTables(n: number) {
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  for (let i = 0; i < n; i++) {
    const id = `r${(i * 7919) % 10007}`;
    responses.push(
      responseRow(i, {
        response_id: id,
        experiment: i % 2 ? "e1" : "e2",
        model: `m${i % 3}`,
        step: (i % 4) * 100,
        response: `answer ${i} river ${i % 7 ? "gold" : "silver"}`,
      }),
    );
    for (const metric of ["aligned", "coherent"] as const)
      scores.push(scoreRow(id, "j", metric, (i * (metric === "aligned" ? 7.3 : 3.1)) % 100, {mass: 0.9, probs: {"10": 0.4, "90": 0.6}}));
  }
  return {
    responses,
    scores,
    types: [] as TypeRow[],
    signals: [] as SignalRow[],
    provenance: {tool: {name: "em-observatory" as const, version: "0"}, created_by: "test", experiments: []},
  };
}
