// Which fields label groups of answers (what a page's "Compare by" offers and what `em summarize
// --by` accepts without a warning): the same rule for the site and the CLI.

/** At most this many distinct values for a field to label groups (more is per-answer data). */
export const MAX_GROUP_VALUES = 64;

/** An ISO date-time ("2026-01-14T15:32:55", "2026-01-14 15:32"): when something was written, not a condition. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/**
 * A field as codes, one per row: `codes[i]` indexes `values` (-1: no value), e.g. a meta column of
 * the points table. `units[i]` and `questions[i]` are the row's unit (one trained checkpoint under
 * one condition: model x variant x replicate x coordinate) and question, as any dense codes.
 */
export interface GroupLabelInput {
  codes: ArrayLike<number>;
  values: readonly string[];
  units: ArrayLike<number>;
  questions: ArrayLike<number>;
  /** Rows to look at (1 = in); all rows without. */
  mask?: ArrayLike<number>;
}

/**
 * Whether a field labels groups of answers, a condition of how they were made (a dataset, a rank, a
 * seed, a system-prompt condition, a kind of question), rather than something recorded per answer
 * (is_em, a per-question EM count of the authors' summary, a file's timestamp). Null when it does,
 * else why not, as a clause ("varies within one unit's answers to one question"). A field labels
 * groups when, among the rows looked at:
 * - it takes 2 to MAX_GROUP_VALUES distinct values (one compares nothing; more is per-answer data);
 * - every unit has one value of it, or every question has one (it describes who answered or what was
 *   asked, not the answer): a variant or replicate key always does;
 * - its values are not date-times (when a file was written is not a condition of the answers).
 * Rows without a value are left out. Linear in the rows.
 */
export function groupLabelProblem({codes, values, units, questions, mask}: GroupLabelInput): string | null {
  const seen = new Uint8Array(values.length);
  let distinct = 0;
  let unitsMax = 0;
  let questionsMax = 0;
  for (let i = 0; i < codes.length; ++i) {
    if (mask && !mask[i]) continue;
    const c = codes[i]!;
    if (c < 0) continue;
    if (!seen[c]) {
      seen[c] = 1;
      ++distinct;
    }
    if (units[i]! > unitsMax) unitsMax = units[i]!;
    if (questions[i]! > questionsMax) questionsMax = questions[i]!;
  }
  if (distinct < 2) return "takes one value";
  if (distinct > MAX_GROUP_VALUES) return `takes more than ${MAX_GROUP_VALUES} values`;
  if (values.every((v, k) => !seen[k] || DATE_TIME.test(v))) return "holds date-times";
  const constantWithin = (of: ArrayLike<number>, size: number): boolean => {
    const first = new Int32Array(size + 1).fill(-1);
    for (let i = 0; i < codes.length; ++i) {
      if (mask && !mask[i]) continue;
      const c = codes[i]!;
      if (c < 0) continue;
      const u = of[i]!;
      if (u < 0) continue;
      if (first[u] === -1) first[u] = c;
      else if (first[u] !== c) return false;
    }
    return true;
  };
  if (constantWithin(units, unitsMax) || constantWithin(questions, questionsMax)) return null;
  return "varies among one checkpoint's answers and among one question's answers (a value recorded per answer)";
}

/**
 * Dense codes of `keys` in first-seen order (equal keys, equal codes), e.g. the unit or the question
 * of each row for groupLabelProblem.
 */
export function denseCodes<K>(n: number, keyOf: (i: number) => K): Int32Array {
  const ids = new Map<K, number>();
  const out = new Int32Array(n);
  // Keys come in runs (rows are written per checkpoint and question): look up only a changed key.
  let last: K | undefined;
  let lastId = -1;
  for (let i = 0; i < n; ++i) {
    const k = keyOf(i);
    if (lastId >= 0 && k === last) {
      out[i] = lastId;
      continue;
    }
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    out[i] = lastId = id;
    last = k;
  }
  return out;
}
