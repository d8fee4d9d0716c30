// What a constancy test could have seen, in words: one sentence the /transitions page and
// `em summarize --transition` both print beside "no evidence against a constant rate". A module
// of its own with no imports (as transition-min.ts), so the page's first paint can read it.

/** A reference rise and the power of p_constant against it in one design (TransitionTest.detectable). */
export interface DetectableWords {
  from: number;
  to: number;
  power: number;
}

const pct0 = (v: number): string => `${Math.round(100 * v)}%`;
/** A power in words: "about" a whole percent, "over 99%" and "under 1%" at the ends (never a bare 100% or 0%). */
const power = (v: number): string => (v > 0.99 ? "over 99%" : v < 0.01 ? "under 1%" : `about ${pct0(v)}`);

/**
 * "in this design (these values, answers per value and their spread) the trend test finds a rise
 * from 2% to 30% about 94% of the time and one from 5% to 15% about 61% of the time; a smaller
 * rise can go unseen" (empty without powers). The powers are constancyPower's
 * (src/lib/em/transition-test.ts); docs/validity.md, transitions-few, sets them beside simulated
 * power ("about": up to 16 points high for 5% -> 15%).
 */
export function detectableText(
  detectable: readonly DetectableWords[] | null | undefined,
  test: string | null | undefined,
  misfitP: number | null = null,
): string {
  if (!detectable?.length) return "";
  const name = test === "trend" ? "the trend test" : test === "logistic_lr" ? "the logistic test" : "the test";
  const parts = detectable.map((d, i) => `${i === 0 ? "a rise" : "one"} from ${pct0(d.from)} to ${pct0(d.to)} ${power(d.power)} of the time`);
  const seen = `in this design (these values, answers per value and their spread) ${name} finds ${parts.join(" and ")}; a smaller rise can go unseen`;
  return misfitP !== null && misfitP < 0.05 ? `${seen}; ${misfitText(misfitP)}` : seen;
}

/**
 * Beside "no evidence" from the trend test when its straight line misses the rates by more than
 * binomial noise (TransitionTest.misfit_p < 0.05): the spread may be a rise and fall, not noise.
 */
export function misfitText(p: number): string {
  const shown = p < 0.001 ? "< 0.001" : `= ${p.toFixed(3)}`;
  return `but the rates scatter about a straight trend far more than sampling noise (p ${shown}): a rise and fall the trend test cannot see, or answers that differ between questions; this design cannot tell which, so whether the rate changes is unknown`;
}
