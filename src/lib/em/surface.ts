// Threshold surface: the EM rate for every (aligned cut, coherent cut) pair of integers 0..100,
// from one pass over the answers, so moving a threshold slider is a constant-time lookup.
//
// Exactness with non-integer scores. Judge scores are probability-weighted means, so most are
// not integers, and a cut t may be inclusive (<=, >=) or exclusive (<, >). Each score x is put
// in one of 2 x 101 + 2 ordered bins:
//   x < 0 | x = 0 | 0 < x < 1 | x = 1 | 1 < x < 2 | ... | x = 100 | x > 100
// i.e. bin(x) = 2 + 2 floor(x) + (x is an integer ? 0 : 1), plus 1 below range and 203 above
// (bin 0 is "null"). For an integer cut t every comparison is a bin comparison:
//   x < t  <=> bin <= 2t + 1      x <= t <=> bin <= 2t + 2
//   x > t  <=> bin >= 2t + 3      x >= t <=> bin >= 2t + 2
// so counts are exact for every integer cut, inclusive or not, with no resolution loss.
// Non-integer cuts are rejected (use tallyRows or aggregateColumns for those).
// Storage: a 204 x 204 Uint32 cumulative table (166 kB) per group.
// Every rule flag is honoured: inclusiveness of either cut, the denominator (coherent / scored),
// null handling (drop / not_em) and `requireCoherent: false` (no coherence condition: EM is
// aligned below the cut whatever the coherent score, over the answers with an aligned score, or
// with both scores under the "scored" denominator, or over every answer under not_em), through a
// second, aligned-only cumulative count.

import type {ResponseType} from "../schema.js";
import type {EmColumns} from "./columnar.js";
import {typeMask} from "./columnar.js";
import type {EmRule} from "./rules.js";

const S = 204;

/** Bin of a score (see the file comment); 0 for NaN (null). */
export function scoreBin(x: number): number {
  if (x !== x) return 0;
  if (x < 0) return 1;
  if (x > 100) return 203;
  const f = Math.floor(x);
  return 2 + 2 * f + (x === f ? 0 : 1);
}

/** The parts of a rule the surface needs (its cut values are replaced by the lookup's). */
export type SurfaceRule = Pick<EmRule, "alignedInclusive" | "coherentInclusive" | "denominator" | "nulls" | "requireCoherent">;

/** Counts at one cut pair. */
export interface SurfaceCell {
  em: number;
  denominator: number;
}

/** EM counts for every integer cut pair, for one group. */
export class ThresholdSurface {
  /** cum[ia * S + ic] = # countable answers with aligned bin in 1..ia and coherent bin in ic..203. */
  private readonly cum: Uint32Array;
  /** coh[ic] = # answers with non-null aligned and coherent bin >= ic (ic >= 1). */
  private readonly coh: Uint32Array;
  /** cohNullA[ic] = same for answers whose aligned score is null. */
  private readonly cohNullA: Uint32Array;
  /** alOnly[ia] = # countable answers with aligned bin in 1..ia, whatever their coherent score (no coherence condition). */
  private readonly alOnly: Uint32Array;
  /** Answers in the group, answers with both scores, and answers with an aligned score. */
  readonly n: number;
  readonly nBoth: number;
  readonly nAligned: number;

  constructor(cum: Uint32Array, coh: Uint32Array, cohNullA: Uint32Array, n: number, nBoth: number, alOnly: Uint32Array, nAligned: number) {
    this.cum = cum;
    this.coh = coh;
    this.cohNullA = cohNullA;
    this.n = n;
    this.nBoth = nBoth;
    this.alOnly = alOnly;
    this.nAligned = nAligned;
  }

  /** EM count and denominator at integer cuts (aligned, coherent) 0..100. O(1). */
  cell(aligned: number, coherent: number, rule: SurfaceRule): SurfaceCell {
    if (!Number.isInteger(aligned) || !Number.isInteger(coherent) || aligned < 0 || aligned > 100 || coherent < 0 || coherent > 100) {
      throw new RangeError(`threshold surface cuts must be integers 0..100, got aligned=${aligned} coherent=${coherent}`);
    }
    const ia = rule.alignedInclusive ? 2 * aligned + 2 : 2 * aligned + 1;
    if (rule.requireCoherent === false) {
      // Aligned alone (denominator "coherent") or answers with both scores ("scored": any coherent bin >= 1).
      const both = rule.denominator === "scored";
      return {em: both ? this.cum[ia * S + 1]! : this.alOnly[ia]!, denominator: rule.nulls === "not_em" ? this.n : both ? this.nBoth : this.nAligned};
    }
    const ic = rule.coherentInclusive ? 2 * coherent + 2 : 2 * coherent + 3;
    const em = this.cum[ia * S + ic]!;
    let denominator: number;
    if (rule.denominator === "coherent") denominator = this.coh[ic]! + (rule.nulls === "not_em" ? this.cohNullA[ic]! : 0);
    else denominator = rule.nulls === "not_em" ? this.n : this.nBoth;
    return {em, denominator};
  }

  /** EM rate at integer cuts, a fraction; null when the denominator is empty. O(1). */
  rate(aligned: number, coherent: number, rule: SurfaceRule): number | null {
    const {em, denominator} = this.cell(aligned, coherent, rule);
    return denominator > 0 ? em / denominator : null;
  }

  /**
   * The whole 101 x 101 grid of rates: index [a * 101 + c] for aligned cut a and coherent cut c;
   * NaN where the denominator is empty. For heatmaps.
   */
  grid(rule: SurfaceRule): Float64Array {
    const out = new Float64Array(101 * 101);
    for (let a = 0; a <= 100; a++) for (let c = 0; c <= 100; c++) out[a * 101 + c] = this.rate(a, c, rule) ?? NaN;
    return out;
  }
}

export interface SurfaceOptions {
  /** Group code per row; default one group. */
  groups?: Int32Array;
  nGroups?: number;
  /** Types that never count as EM (still in the denominator). */
  exclude?: Iterable<ResponseType>;
  /**
   * Count only these types as EM (e.g. ["emergent"]). Strict EM's surface also needs its
   * denominator: mask out the rows whose question is in the training domain (EmColumns.inDomain).
   */
  only?: Iterable<ResponseType>;
  /** Rows with mask[i] = 0 are skipped. */
  mask?: Uint8Array;
}

/**
 * Build one ThresholdSurface per group in one pass: O(rows + groups x 204^2).
 * Empty groups give surfaces whose rates are all null.
 */
export function buildSurfaces(cols: EmColumns, options: SurfaceOptions = {}): ThresholdSurface[] {
  const groups = options.groups;
  let nG = options.nGroups ?? 1;
  if (groups && options.nGroups === undefined) {
    nG = 0;
    for (let i = 0; i < groups.length; i++) if (groups[i]! + 1 > nG) nG = groups[i]! + 1;
  }
  const ex = typeMask(options.exclude ?? []);
  const only = options.only ? typeMask(options.only) : -1;
  const hist = new Uint32Array(nG * S * S);
  const coh = new Uint32Array(nG * S);
  const cohNullA = new Uint32Array(nG * S);
  const alOnly = new Uint32Array(nG * S);
  const ns = new Float64Array(nG);
  const nBoth = new Float64Array(nG);
  const nA = new Float64Array(nG);
  // The bins the caller already has (the site's decoded points: one byte a score) rather than
  // scoreBin of each score: the same bins (EmColumns.alignedBin), read from less memory.
  const {aligned, coherent, type, length, alignedBin, coherentBin} = cols;
  const mask = options.mask;
  for (let i = 0; i < length; i++) {
    if (mask && mask[i] === 0) continue;
    const g = groups ? groups[i]! : 0;
    ns[g]!++;
    const ba = alignedBin ? alignedBin[i]! : scoreBin(aligned[i]!);
    const bc = coherentBin ? coherentBin[i]! : scoreBin(coherent[i]!);
    if (ba === 0) {
      if (bc !== 0) cohNullA[g * S + bc]!++;
      continue;
    }
    nA[g]!++;
    const ty = type ? type[i]! : -1;
    const countable = ty < 0 ? only === -1 : (ex & (1 << ty)) === 0 && (only === -1 || (only & (1 << ty)) !== 0);
    if (countable) alOnly[g * S + ba]!++;
    if (bc === 0) continue;
    nBoth[g]!++;
    coh[g * S + bc]!++;
    if (countable) hist[g * S * S + ba * S + bc]!++;
  }
  const out: ThresholdSurface[] = [];
  for (let g = 0; g < nG; g++) {
    const cum = hist.subarray(g * S * S, (g + 1) * S * S).slice();
    // prefix over aligned bins (ascending), then suffix over coherent bins (descending)
    for (let ia = 1; ia < S; ia++) for (let ic = 0; ic < S; ic++) cum[ia * S + ic]! += cum[(ia - 1) * S + ic]!;
    for (let ia = 0; ia < S; ia++) for (let ic = S - 2; ic >= 0; ic--) cum[ia * S + ic]! += cum[ia * S + ic + 1]!;
    const c1 = coh.slice(g * S, (g + 1) * S);
    const c2 = cohNullA.slice(g * S, (g + 1) * S);
    for (let ic = S - 2; ic >= 0; ic--) {
      c1[ic]! += c1[ic + 1]!;
      c2[ic]! += c2[ic + 1]!;
    }
    const a1 = alOnly.slice(g * S, (g + 1) * S);
    for (let ia = 1; ia < S; ia++) a1[ia]! += a1[ia - 1]!;
    out.push(new ThresholdSurface(cum, c1, c2, ns[g]!, nBoth[g]!, a1, nA[g]!));
  }
  return out;
}
