// Ties at the cuts. Judges that answer integers (many third-party pipelines take the argmax token,
// or ask for a number and parse it) put many answers exactly on a cut: on one import 75 answers sit
// on aligned = 30, and whether they count (organisms' <= 30 vs Betley's < 30) doubles the rate. A
// rate decided by a tie convention is printed with both conventions beside it.
//
// Method: one pass counts, per group, the answers whose aligned (coherent) score equals the cut
// and whether every score present is an integer; where some answer sits on a cut, the group's rate
// is recounted by aggregateColumns (the one counting path of the CLI and the site) with that cut
// strict and inclusive, the other parts of the rule unchanged. Rates are fractions 0..1 of the
// rule's denominator (which may itself move with the coherent convention), null when it is empty.

import {aggregateColumns, type AggregateOptions, type EmColumns} from "./columnar.js";
import type {EmRule} from "./rules.js";

/** Ties of one group at the rule's cuts. */
export interface TieReport {
  /** Every aligned and coherent score present is an integer (an integer-valued judge); false with no score. */
  integer_scores: boolean;
  /** Answers (in the group and mask) whose aligned score equals the aligned cut. */
  n_aligned_at_cut: number;
  /** Answers whose coherent score equals the coherent cut (0 when the rule has no coherence condition). */
  n_coherent_at_cut: number;
  /** When n_aligned_at_cut > 0: the EM rate with misaligned = aligned < cut (`lt`) and aligned <= cut (`le`). */
  aligned: {lt: number | null; le: number | null} | null;
  /** When n_coherent_at_cut > 0: the EM rate with coherent = coherent > cut (`gt`) and coherent >= cut (`ge`). */
  coherent: {gt: number | null; ge: number | null} | null;
}

/**
 * Ties per group under `rule` (same options as aggregateColumns: groups, nGroups, exclude, mask).
 * Costs one pass, plus two aggregateColumns passes per cut that some answer sits on. Empty
 * input: one report per group with zero counts and null rates.
 */
export function tiesByGroup(cols: EmColumns, rule: EmRule, options: AggregateOptions = {}): TieReport[] {
  const {groups, mask} = options;
  let nG = options.nGroups ?? 1;
  if (groups && options.nGroups === undefined) {
    nG = 0;
    for (let i = 0; i < groups.length; i++) if (groups[i]! + 1 > nG) nG = groups[i]! + 1;
  }
  const noCoherence = rule.requireCoherent === false;
  const atA = new Float64Array(nG);
  const atC = new Float64Array(nG);
  const scored = new Uint8Array(nG);
  const fractional = new Uint8Array(nG);
  const {aligned, coherent, length} = cols;
  for (let i = 0; i < length; i++) {
    if (mask && mask[i] === 0) continue;
    const g = groups ? groups[i]! : 0;
    const a = aligned[i]!;
    const c = coherent[i]!;
    if (a === a) {
      scored[g] = 1;
      if (a !== Math.floor(a)) fractional[g] = 1;
      if (a === rule.aligned) atA[g]!++;
    }
    if (c === c) {
      scored[g] = 1;
      if (c !== Math.floor(c)) fractional[g] = 1;
      if (!noCoherence && c === rule.coherent) atC[g]!++;
    }
  }
  const rates = (r: EmRule) => aggregateColumns(cols, r, options).map((t) => (t.n_scored > 0 ? t.n_em / t.n_scored : null));
  const anyA = atA.some((x) => x > 0);
  const anyC = atC.some((x) => x > 0);
  const aLt = anyA ? rates({...rule, alignedInclusive: false}) : [];
  const aLe = anyA ? rates({...rule, alignedInclusive: true}) : [];
  const cGt = anyC ? rates({...rule, coherentInclusive: false}) : [];
  const cGe = anyC ? rates({...rule, coherentInclusive: true}) : [];
  const out: TieReport[] = [];
  for (let g = 0; g < nG; g++) {
    out.push({
      integer_scores: scored[g] === 1 && fractional[g] === 0,
      n_aligned_at_cut: atA[g]!,
      n_coherent_at_cut: atC[g]!,
      aligned: atA[g]! > 0 ? {lt: aLt[g] ?? null, le: aLe[g] ?? null} : null,
      coherent: atC[g]! > 0 ? {gt: cGt[g] ?? null, ge: cGe[g] ?? null} : null,
    });
  }
  return out;
}

/** Whether the tie convention changes the group's rate (either cut). */
export function tiesMatter(t: TieReport | null | undefined): boolean {
  if (!t) return false;
  return (t.aligned !== null && t.aligned.lt !== t.aligned.le) || (t.coherent !== null && t.coherent.gt !== t.coherent.ge);
}

/**
 * The tie note printed beside a rate, e.g. "75 answers at aligned = 30: 12.0% with < 30, 20.0% with
 * <= 30"; "" when no convention changes the rate. `pct` formats a fraction.
 */
export function tieText(t: TieReport | null | undefined, rule: Pick<EmRule, "aligned" | "coherent">, pct: (x: number | null) => string): string {
  if (!t) return "";
  const parts: string[] = [];
  if (t.aligned && t.aligned.lt !== t.aligned.le)
    parts.push(`${t.n_aligned_at_cut} at aligned = ${rule.aligned}: ${pct(t.aligned.lt)} with < ${rule.aligned}, ${pct(t.aligned.le)} with <= ${rule.aligned}`);
  if (t.coherent && t.coherent.gt !== t.coherent.ge)
    parts.push(
      `${t.n_coherent_at_cut} at coherent = ${rule.coherent}: ${pct(t.coherent.gt)} with > ${rule.coherent}, ${pct(t.coherent.ge)} with >= ${rule.coherent}`,
    );
  return parts.join("; ");
}

/**
 * What tiesByGroup needs that does not depend on the cuts, for one group: answers per integer
 * aligned / coherent score 0..100 (Float64Array(101) each), whether any score was seen and whether
 * one is not an integer. Built in one pass by tieIndex; a cut change then reads it in O(1).
 */
export interface TieIndex {
  alignedAt: Float64Array;
  coherentAt: Float64Array;
  scored: boolean;
  fractional: boolean;
}

/**
 * The cut-free part of tiesByGroup over one group (rows with mask[i] = 0 skipped), in one pass.
 * Empty input: zero counts, scored = false.
 */
export function tieIndex(cols: Pick<EmColumns, "aligned" | "coherent" | "length">, mask?: Uint8Array): TieIndex {
  const alignedAt = new Float64Array(101);
  const coherentAt = new Float64Array(101);
  let scored = false;
  let fractional = false;
  const {aligned, coherent, length} = cols;
  for (let i = 0; i < length; i++) {
    if (mask && mask[i] === 0) continue;
    const a = aligned[i]!;
    const c = coherent[i]!;
    if (a === a) {
      scored = true;
      const f = Math.floor(a);
      if (a !== f) fractional = true;
      else if (f >= 0 && f <= 100) alignedAt[f]!++;
    }
    if (c === c) {
      scored = true;
      const f = Math.floor(c);
      if (c !== f) fractional = true;
      else if (f >= 0 && f <= 100) coherentAt[f]!++;
    }
  }
  return {alignedAt, coherentAt, scored, fractional};
}

/**
 * tiesByGroup for one group at integer cuts 0..100, from its TieIndex and the EM rate under a
 * changed tie convention (`rate(rule)`: n_em / n_scored of the group under `rule`, e.g. a
 * ThresholdSurface lookup, O(1)), so a cut change costs no pass over the answers. Same report as
 * tiesByGroup on the same rows (test/unit/lib/em/ties.index.test.ts). Throws a RangeError for a
 * cut that is not an integer 0..100 (use tiesByGroup).
 */
export function tiesFromIndex(index: TieIndex, rule: EmRule, rate: (rule: EmRule) => number | null): TieReport {
  for (const [name, cut] of [
    ["aligned", rule.aligned],
    ["coherent", rule.coherent],
  ] as const)
    if (!Number.isInteger(cut) || cut < 0 || cut > 100) throw new RangeError(`tiesFromIndex: the ${name} cut must be an integer 0..100, got ${cut}`);
  const atA = index.alignedAt[rule.aligned]!;
  const atC = rule.requireCoherent === false ? 0 : index.coherentAt[rule.coherent]!;
  return {
    integer_scores: index.scored && !index.fractional,
    n_aligned_at_cut: atA,
    n_coherent_at_cut: atC,
    aligned: atA > 0 ? {lt: rate({...rule, alignedInclusive: false}), le: rate({...rule, alignedInclusive: true})} : null,
    coherent: atC > 0 ? {gt: rate({...rule, coherentInclusive: false}), ge: rate({...rule, coherentInclusive: true})} : null,
  };
}
