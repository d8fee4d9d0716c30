// A transition verdict in words, wherever a page or the CLI says why a transition is not credible
// (the /transitions midpoint grid's cells, the mechanism lag sentence). A verdict id is not a
// finding: `flat` would read as "the rate is constant", where the test found no evidence against a
// constant rate (what the design could have seen goes beside it: transition-words.ts). No imports,
// so a first paint may read it.

/** Why a transition is not credible, by verdict id (TransitionVerdict, src/lib/em/transition-test.ts). */
export const VERDICT_WORDS: Readonly<Record<string, string>> = {
  flat: "no evidence against a constant rate",
  smooth_trend: "the rate changes, but a smooth trend explains it as well as a step",
  outside_range: "the rate changes, but the fitted midpoint lies outside the observed values",
  non_monotone: "the rate rises and falls again",
  too_few_points: "too few values with an EM rate for a fit",
};

/** The words of a verdict id; an id without words (none today) with its underscores as spaces. */
export function verdictWords(verdict: string): string {
  return VERDICT_WORDS[verdict] ?? verdict.replace(/_/g, " ");
}

/**
 * What the constancy test found, said beside a verdict that does not say it (too_few_points: no
 * fit, but p_constant may be known): "the rate changes" (p_constant below alpha) or "no evidence
 * against a constant rate"; "" without a p (`changes` null or absent).
 */
export function changesWords(changes: boolean | null | undefined): string {
  return changes === true ? "the rate changes" : changes === false ? "no evidence against a constant rate" : "";
}

/** A verdict in words, with the constancy test's finding when the verdict does not say it (the page's words, the CLI's, a report's). */
export function verdictText(verdict: string, changes: boolean | null | undefined): string {
  const found = verdict === "too_few_points" ? changesWords(changes) : "";
  return found ? `${verdictWords(verdict)}; ${found}` : verdictWords(verdict);
}
