// How the pages print a summary's intervals and ranges: strict EM as a range, a range's text, an
// interval method's label. No imports (types only), so the first-paint module of /sensitivity
// (components/sensitivity-kpis.ts) loads them without the interval code (issue 28).
import type {Interval} from "./intervals.js";
import type {GroupSummary} from "./summary.js";

/**
 * Strict EM to show as a range: the summary's `strict_em_range` when strict EM is not a point
 * (`strict_em_rate` null because some EM answers are undetermined or untyped) and the ends differ.
 * Null when strict EM is a point (show `strict_em_rate`) or the denominator is empty.
 */
export function strictRange(g: Pick<GroupSummary, "strict_em_rate" | "strict_em_range">): Interval | null {
  if (g.strict_em_rate !== null || !g.strict_em_range) return null;
  return g.strict_em_range[1] > g.strict_em_range[0] ? g.strict_em_range : null;
}

/**
 * A strict-EM range as text, percent with one decimal ("2.9%–3.1%"), or two decimals when the ends
 * would print alike ("2.88%–2.94%"): a range must never read as a point.
 */
export function rangeText(r: Interval): string {
  const one = (x: number) => `${(100 * x).toFixed(1)}%`;
  const two = (x: number) => `${(100 * x).toFixed(2)}%`;
  return one(r[0]) === one(r[1]) ? `${two(r[0])}–${two(r[1])}` : `${one(r[0])}–${one(r[1])}`;
}

/** A rate interval's method as the pages show it (the JSON keeps the `ci_method` code). Null: "n/a". */
export function ciMethodLabel(method: string | null | undefined): string {
  const labels: Record<string, string> = {
    wilson: "Wilson, one question",
    stratified_wilson: "Wilson, questions as strata",
    cluster_wilson: "over questions: logit-normal profile likelihood if they look over-dispersed, else design-effect Wilson",
    crossed_seeds_questions: "seeds x questions",
    cluster_bootstrap: "cluster bootstrap",
  };
  return method ? (labels[method] ?? method.replaceAll("_", " ")) : "n/a";
}

/**
 * A count as `toLocaleString("en-US")` prints an integer ("1,234,567"), without Intl: the first
 * Intl call of a page loads ICU's locale data (38-282 ms for one toLocaleString() in a fresh
 * headless Chromium page on this machine under load), and the first paint of /sensitivity must not
 * wait for it (issue 28). Other numbers (not safe integers) go to toLocaleString("en-US").
 */
export function countText(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/**
 * What the CODE / REFUSAL shares divide by (`n_special_known`): only answers whose source records
 * whether the judge said CODE or REFUSAL (judged here, or imported with probabilities or the word).
 * Plain imported numbers leave the denominator, so it can be smaller than the group's answers.
 */
export const SPECIAL_DENOMINATOR = "answers whose judge output records CODE / REFUSAL";

/**
 * A group's CODE or REFUSAL answers with their denominator: `k` of `n` (`n_special_known`) and the
 * rate k / n. The count is the rate times its denominator (exact: the rate is that quotient). Null
 * when no answer records it (plain imported numbers), never a measured-looking 0.
 */
export function specialShare(
  g: Pick<GroupSummary, "code_rate" | "refusal_rate" | "n_special_known">,
  which: "code" | "refusal",
): {k: number; n: number; rate: number} | null {
  const rate = which === "code" ? g.code_rate : g.refusal_rate;
  if (rate === null || rate === undefined || !(g.n_special_known > 0)) return null;
  return {k: Math.round(rate * g.n_special_known), n: g.n_special_known, rate};
}

/**
 * CODE and REFUSAL with their shared denominator in words, as the pages print them:
 * "CODE 1.0% (4 / 400), REFUSAL 0.5% (2 / 400) of the answers whose judge output records CODE / REFUSAL";
 * "CODE / REFUSAL not recorded by this source" when no answer records them.
 */
export function specialText(g: Pick<GroupSummary, "code_rate" | "refusal_rate" | "n_special_known"> | null | undefined): string {
  const code = g ? specialShare(g, "code") : null;
  const refusal = g ? specialShare(g, "refusal") : null;
  if (!code || !refusal) return "CODE / REFUSAL not recorded by this source";
  const one = (s: {k: number; n: number; rate: number}) => `${(100 * s.rate).toFixed(1)}% (${countText(s.k)} / ${countText(s.n)})`;
  return `CODE ${one(code)}, REFUSAL ${one(refusal)} of the ${SPECIAL_DENOMINATOR}`;
}
