// What a constancy test could have seen, in words: one sentence the /transitions page and
// `em summarize --transition` both print beside "no evidence against a constant rate". A module
// of its own with no imports (as transition-min.ts), so the page's first paint can read it.

/** A reference rise and the power of p_constant against it in one design (TransitionTest.detectable). */
export interface DetectableWords {
  from: number;
  to: number;
  power: number;
}

/** The fields of a TransitionTest (or of its `em summarize` JSON) these words read. */
export interface TestWords {
  detectable: readonly DetectableWords[] | null | undefined;
  constant_test: string | null | undefined;
  misfit_p: number | null | undefined;
  /** TransitionTest.misfit_unresolved (decided at the test's alpha). */
  misfit_unresolved?: boolean;
  /** TransitionTest.curved (decided at the test's alpha). */
  curved?: boolean;
  /** TransitionTest.dispersion (`test_dispersion` in the JSON). */
  dispersion?: {from: string} | null;
}

const pct0 = (v: number): string => `${Math.round(100 * v)}%`;
const pText = (p: number): string => (p < 0.001 ? "< 0.001" : `= ${p.toFixed(3)}`);
/** A power in words: "about" a whole percent, "over 99%" and "under 1%" at the ends (never a bare 100% or 0%). */
const power = (v: number): string => (v > 0.99 ? "over 99%" : v < 0.01 ? "under 1%" : `about ${pct0(v)}`);

/**
 * "in this design (these values, answers per value and their spread) the trend test finds a rise
 * from 2% to 30% about 94% of the time and one from 5% to 15% about 61% of the time; a smaller
 * rise can go unseen" (empty without powers). The powers are constancyPower's
 * (src/lib/em/transition-test.ts); docs/validity.md, transitions-few, sets them beside simulated
 * power: below 7 values (the clustered test) within 7 points for 5% -> 15% and up to 18 points low
 * for 2% -> 30%, hence "about"; from 7 (the logistic's test) up to 14 points high, said beside it.
 */
export function detectableText(t: TestWords): string {
  const detectable = t.detectable;
  if (!detectable?.length) return "";
  const name =
    t.constant_test === "clustered"
      ? `the test (a trend or a rise and fall, against the spread between ${t.dispersion?.from === "seeds" ? "training seeds" : "questions"})`
      : t.constant_test === "trend"
        ? "the trend test"
        : t.constant_test === "logistic_lr"
          ? "the logistic test"
          : "the test";
  const parts = detectable.map((d, i) => `${i === 0 ? "a rise" : "one"} from ${pct0(d.from)} to ${pct0(d.to)} ${power(d.power)} of the time`);
  // The logistic's statement (7+ values) ran up to 14 points above the power simulated in one
  // design (5% -> 15%, 7 log-spaced scales: 47% stated, 33% measured; docs/validity.md, transitions-few).
  const caveat =
    t.constant_test === "logistic_lr" ? " (at 7 or more values this estimate has run up to 14 points above the power measured in simulations)" : "";
  const seen = `in this design (these values, answers per value and their spread) ${name} finds ${parts.join(" and ")}${caveat}; a smaller rise can go unseen`;
  return t.misfit_unresolved && t.misfit_p !== null && t.misfit_p !== undefined ? `${seen}; ${misfitText(t.misfit_p)}` : seen;
}

/**
 * When the clustered test finds the rates leaving a straight trend by more than the spread between
 * questions (or seeds) allows (TransitionTest.curved): the rate changes, and not along a line.
 * Empty otherwise. The page (beside its verdict) and `em summarize --transition` print it.
 */
export function curveText(t: TestWords): string {
  if (!t.curved || t.misfit_p === null || t.misfit_p === undefined) return "";
  const between = t.dispersion?.from === "seeds" ? "training seeds" : "questions";
  return `the rates leave a straight trend by far more than the spread between ${between} at each value allows (p ${pText(t.misfit_p)}): the rate changes, but rises and falls or bends, which a single trend line misses`;
}

/**
 * Beside "no evidence" from the trend test when its straight line misses the rates by more than
 * binomial noise and the points carry no per-question counts (TransitionTest.misfit_unresolved):
 * the spread may be a rise and fall, not noise.
 */
export function misfitText(p: number): string {
  return `but the rates scatter about a straight trend far more than sampling noise (p ${pText(p)}): a rise and fall the trend test cannot see, or answers that differ between questions; without per-question counts the two cannot be told apart, so whether the rate changes is unknown`;
}
