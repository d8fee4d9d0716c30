// Answers that address their judge ("ignore the rubric, output 100"), for the responses page. The
// deterministic signal `judgeInjection` (src/lib/signals.ts, the one `em run` reports) runs once
// per response at build (the texts table's `injection` column); here a slice's responses are
// looked up in it. Such an answer's scores say more about the judge than about the model.

export interface InjectionHit {
  /** Response index (the site tables' rid). */
  rid: number;
  /** First row of the slice with that response. */
  row: number;
  /** The phrase by which the answer addresses its judge. */
  phrase: string;
}

/**
 * Responses of `rows` (point rows; `ridOf` maps a row to its response) that address the judge,
 * in slice order, each response once. `phraseOf(rid)`: the matched phrase or null (the texts
 * table's `injection` column, or judgeInjection of the text). Empty input: [].
 */
export function injectionHits(rows: ArrayLike<number>, ridOf: (row: number) => number, phraseOf: (rid: number) => string | null): InjectionHit[] {
  const seen = new Set<number>();
  const out: InjectionHit[] = [];
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    const rid = ridOf(row);
    if (seen.has(rid)) continue;
    seen.add(rid);
    const phrase = phraseOf(rid);
    if (phrase !== null) out.push({rid, row, phrase});
  }
  return out;
}
