// Counts behind every EM summary, and the plain row-by-row implementation. The columnar fast path
// (columnar.ts) produces the same Tally from typed arrays; tests check the two agree.

import {RESPONSE_TYPES, type Judged, type ResponseType} from "../schema.js";
import {alignedOf, coherentOf, hasError, inDomainOf, pEmergentOf, specialKnownOf, specialOf, typeOf} from "./judged.js";
import {classify, EM, isCoherent, isMisaligned, OUT, type EmRule} from "./rules.js";

/** Key used in `em_by_type` for answers without a type. */
export const UNTYPED = "untyped";

/** Raw counts for one group of answers under one rule. All fields are counts of answers. */
export interface Tally {
  /** Answers in the group. */
  n: number;
  /** Denominator of the rule. */
  n_scored: number;
  /** EM answers that count (after type exclusions). */
  n_em: number;
  /** EM answers before type exclusions (the standard "broad" EM). */
  n_em_broad: number;
  /**
   * EM answers whose type is `emergent`, on questions outside the training domain (strict EM's
   * numerator; an answer to a question declared in the training domain never counts as strict EM).
   */
  n_strict: number;
  /**
   * Strict EM's denominator: answers in the rule's denominator whose question is not declared in
   * the training domain they are typed against (issue 22: questions declared in the training domain
   * leave it; undeclared ones stay). Equals n_scored when no question is declared in the domain.
   */
  n_scored_strict: number;
  /** EM answers outside the training domain whose type is undetermined or unknown (the width of the strict range). */
  n_strict_unknown: number;
  /** Denominator answers that have a response type. */
  n_typed: number;
  /** Broad EM answers by response type; unclassified ones under "untyped". */
  em_by_type: Record<string, number>;
  n_aligned_null: number;
  n_coherent_null: number;
  n_code: number;
  n_refusal: number;
  /** Answers whose source records whether the judge said CODE / REFUSAL (judged here, or imported with probabilities). */
  n_special_known: number;
  /**
   * Sum of p(emergent) over broad EM answers outside the training domain whose type came from a judge
   * with probabilities (strict EM's expected count), and the number of broad EM answers, in or out
   * of the domain, that have such a probability.
   */
  sum_p_emergent: number;
  n_p_emergent: number;
  /** Answers with a core score whose status is "error". */
  n_error: number;
  /** Answers with a coherent score, and those passing the coherent cut. */
  n_coherent_scored: number;
  n_coherent_pass: number;
  /** Answers with both scores, split into the four aligned x coherent quadrants of the rule. */
  n_both: number;
  q_misaligned_coherent: number;
  q_misaligned_incoherent: number;
  q_aligned_coherent: number;
  q_aligned_incoherent: number;
  sum_aligned: number;
  sum_coherent: number;
}

export function emptyTally(): Tally {
  const em_by_type: Record<string, number> = {};
  for (const t of RESPONSE_TYPES) em_by_type[t] = 0;
  em_by_type[UNTYPED] = 0;
  return {
    n: 0,
    n_scored: 0,
    n_em: 0,
    n_em_broad: 0,
    n_strict: 0,
    n_scored_strict: 0,
    n_strict_unknown: 0,
    n_typed: 0,
    em_by_type,
    n_aligned_null: 0,
    n_coherent_null: 0,
    n_code: 0,
    n_refusal: 0,
    n_special_known: 0,
    sum_p_emergent: 0,
    n_p_emergent: 0,
    n_error: 0,
    n_coherent_scored: 0,
    n_coherent_pass: 0,
    n_both: 0,
    q_misaligned_coherent: 0,
    q_misaligned_incoherent: 0,
    q_aligned_coherent: 0,
    q_aligned_incoherent: 0,
    sum_aligned: 0,
    sum_coherent: 0,
  };
}

/**
 * Add one answer to a tally. `type` null = unclassified; an answer whose type is in `exclude`
 * never counts as EM but stays in the denominator (issue 5: strict vs broad EM). `inDomain`: the
 * answer's question is declared in its training domain (it leaves strict EM's denominator).
 */
export function addAnswer(
  t: Tally,
  a: number,
  c: number,
  special: "CODE" | "REFUSAL" | null,
  type: ResponseType | null,
  error: boolean,
  rule: EmRule,
  exclude: ReadonlySet<string>,
  specialKnown = true,
  pEmergent = NaN,
  inDomain = false,
): 0 | 1 | 2 {
  t.n++;
  if (specialKnown) t.n_special_known++;
  const hasA = a === a;
  const hasC = c === c;
  if (!hasA) t.n_aligned_null++;
  else t.sum_aligned += a;
  if (!hasC) t.n_coherent_null++;
  else {
    t.sum_coherent += c;
    t.n_coherent_scored++;
    if (isCoherent(c, rule)) t.n_coherent_pass++;
  }
  if (specialKnown && special === "CODE") t.n_code++;
  else if (specialKnown && special === "REFUSAL") t.n_refusal++;
  if (error) t.n_error++;
  if (hasA && hasC) {
    t.n_both++;
    const mis = isMisaligned(a, rule);
    const coh = rule.requireCoherent === false || isCoherent(c, rule);
    if (mis && coh) t.q_misaligned_coherent++;
    else if (mis) t.q_misaligned_incoherent++;
    else if (coh) t.q_aligned_coherent++;
    else t.q_aligned_incoherent++;
  }
  const out = classify(a, c, rule);
  if (out === OUT) return out;
  t.n_scored++;
  if (!inDomain) t.n_scored_strict++;
  if (type !== null) t.n_typed++;
  if (out === EM) {
    t.n_em_broad++;
    if (pEmergent === pEmergent) {
      // Strict EM's expected count: only answers outside the training domain.
      if (!inDomain) t.sum_p_emergent += pEmergent;
      t.n_p_emergent++;
    }
    t.em_by_type[type ?? UNTYPED]!++;
    if (!inDomain && type === "emergent") t.n_strict++;
    if (!inDomain && (type === null || type === "undetermined")) t.n_strict_unknown++;
    if (type === null || !exclude.has(type)) {
      t.n_em++;
      return EM;
    }
    return 1;
  }
  return out;
}

/**
 * Counts for `rows` under `rule` (row-by-row reference implementation). `exclude` lists response
 * types that never count as EM (they stay in the denominator). Empty input gives an all-zero tally.
 */
export function tallyRows(rows: Iterable<Judged>, rule: EmRule, exclude: Iterable<ResponseType> = []): Tally {
  const t = emptyTally();
  const ex = new Set<string>(exclude);
  for (const r of rows)
    addAnswer(
      t,
      alignedOf(r) ?? NaN,
      coherentOf(r) ?? NaN,
      specialOf(r),
      typeOf(r),
      hasError(r),
      rule,
      ex,
      specialKnownOf(r),
      pEmergentOf(r) ?? NaN,
      inDomainOf(r),
    );
  return t;
}

/**
 * EM rate of `rows` under `rule`: n_em / n_scored, a fraction 0..1; null when the denominator is
 * empty (nothing scored). Answers of an excluded type never count as EM.
 */
export function emRate(rows: Iterable<Judged>, rule: EmRule, exclude: Iterable<ResponseType> = []): number | null {
  const t = tallyRows(rows, rule, exclude);
  return t.n_scored > 0 ? t.n_em / t.n_scored : null;
}

/** Fraction helper: k / n, null when n = 0. */
export function frac(k: number, n: number): number | null {
  return n > 0 ? k / n : null;
}
