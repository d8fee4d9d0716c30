// The change point (changePoint, transition-change.ts) in words: one rule and one text that the
// /transitions fits table and `em summarize --transition` both print. A split is a location only
// when its bootstrap p is below the transitions' level; otherwise the test found no change point,
// and a series whose usable rates are all equal (LR 0: every split fits as well as one rate) has
// no split to test at all, so no p is shown. No imports but the import-free constants, so the
// page's first paint can read it.
import {TRANSITION_ALPHA} from "./transition-min.js";

/** The fields of a ChangePoint (or of its `em summarize` JSON) these words read. */
export interface ChangePointFields {
  before: number;
  after: number;
  lr: number;
  p_value: number;
}

export interface ChangePointReading {
  /** True: a change point at before | after; false: none found (or every rate equal); null: no test (fewer than 2 usable points). */
  found: boolean | null;
  /** Every usable rate equal (LR 0): there is no split to test. */
  equal: boolean;
  /** "110 | 220 (p = 0.002)", "none (p = 0.640)", "none (every rate equal)", or "–" without a test. */
  text: string;
}

/** A bootstrap p in words: "= 0.640", "< 0.001". */
const pWords = (p: number): string => (p < 0.001 ? "< 0.001" : `= ${p.toFixed(3)}`);

/** The rule and the words: a location only when p < alpha (default TRANSITION_ALPHA, the level of the table's other tests). */
export function changePointReading(cp: ChangePointFields | null | undefined, alpha: number = TRANSITION_ALPHA): ChangePointReading {
  if (!cp) return {found: null, equal: false, text: "–"};
  // maxSplit's LR is >= 0 and is 0 only when every split's two rates equal the pooled one.
  if (!(cp.lr > 1e-12)) return {found: false, equal: true, text: "none (every rate equal)"};
  if (cp.p_value < alpha) return {found: true, equal: false, text: `${cp.before} | ${cp.after} (p ${pWords(cp.p_value)})`};
  return {found: false, equal: false, text: `none (p ${pWords(cp.p_value)})`};
}
