// Tallies that follow the cuts: the same GroupTally values as aggregateColumns (columnar.ts), kept
// up to date as the aligned and coherent cuts move, by touching only the answers whose side of a
// cut changes. A threshold slider then costs O(answers between the old and the new cut) plus
// O(groups x questions), not a pass over every row: at a million answers a one-point move touches
// ~1% of them.
//
// How. Each answer's scores are reduced to the ordered bins of surface.ts (scoreBin): for integer
// cuts every comparison the rule makes is a bin comparison, exactly (inclusive or not). Answers
// are sorted by aligned bin and by coherent bin once (counting sort). The state is the current
// bin thresholds and, per unit (a (group, question, in training domain or not) combination that
// some kept answer has: only those, so a per-question grouping's units are not groups x questions),
// the counts that depend on them:
//   coherent side:   answers passing the coherent cut (with / without an aligned score, typed or not)
//   aligned side:    answers below the aligned cut that have a coherent score
//   both (EM):       counts by response type, countable (not excluded), strict, p(emergent) sum
// Moving the aligned cut flips "misaligned" for the answers in the bins between the two cuts; each
// that is coherent enters or leaves the EM counts; the coherent cut likewise. Everything else in a
// tally does not depend on the cuts and is counted once.
//
// Jumps. A cut that jumps far (a click on the slider's track, a typed value) would flip a large
// share of the answers. For those each instance keeps, per cut line, the prefix sums over bins of
// what the flips add (a "line": for the aligned cut, at the coherent threshold it was built at, and
// the reverse), so a move along a valid line costs O(units x counts) whatever the distance. A line
// is built from one pass over the answers, when a move would flip more than a quarter of them or
// when asked (prepareLines, in idle time); it stays valid while the other cut does not move, and
// counts only when its size (bins x units x counts) fits LINE_BUDGET.
//
// Exactness: counts are integers, so equal to aggregateColumns's. The p(emergent) sum is kept in
// fixed point (units of 2^-31, exact integers in a double up to 2^53, i.e. ~4 million answers with
// p = 1), so it never drifts however often the cuts move; it differs from a plain float sum by at
// most 2^-32 per answer.
//
// Two groupings at once. With `cross` (a second grouping of the same rows, e.g. a page's compare-by
// column beside its per-question groups) a unit is (group, cross group, question, domain): the
// tallies per group (tallies()), per cross group (crossTallies()) and overall (total()) are sums of
// the same units, so one cut move serves every view of both groupings.
//
// Scope: integer cuts 0..100 and rules with a coherence condition (what the site offers). The
// rule's denominator and null handling are fixed per instance (they choose which counts form the
// denominator). `supports` says whether a rule fits; callers fall back to aggregateColumns.

import {RESPONSE_TYPES} from "../schema.js";
import type {ResponseType} from "../schema.js";
import {typeMask, type EmColumns, type GroupTally} from "./columnar.js";
import type {EmRule} from "./rules.js";
import {scoreBin} from "./surface.js";
import {emptyTally, UNTYPED} from "./tally.js";

const NB = 204; // score bins (surface.ts)
const NT = RESPONSE_TYPES.length + 1; // types + untyped
const EMERGENT = RESPONSE_TYPES.indexOf("emergent");
const FIXED = 2 ** 31;
const NO_PEM = 0xffffffff;
const COUNTABLE = 256;
/** Largest line (bins x units x counts, Float64 entries: 16 MB) an instance keeps, per cut. */
const LINE_BUDGET = 2 ** 21;

// Cut-dependent counts per unit.
const C = {cohA: 0, cohNullA: 1, cohTypedA: 2, cohTypedNullA: 3, misC: 4, em: 5, emCount: 6, emStrict: 7, pem: 8, npem: 9, emUnknown: 10, bytype: 11} as const;
const UNDETERMINED = RESPONSE_TYPES.indexOf("undetermined");
const NC = C.bytype + NT;
// Cut-independent counts per unit.
const B = {n: 0, anull: 1, cnull: 2, code: 3, refusal: 4, sknown: 5, error: 6, cscored: 7, both: 8, typedAll: 9, typedBoth: 10} as const;
const NBASE = B.typedBoth + 1;

export interface IncrementalOptions {
  groups?: Int32Array;
  nGroups?: number;
  /** A second grouping of the same rows (a code per row in 0..nGroups-1): its tallies are crossTallies(). */
  cross?: {groups: Int32Array; nGroups: number};
  exclude?: Iterable<ResponseType>;
  mask?: Uint8Array;
  /**
   * When a cut move reads a line (see "Jumps" above): "auto" (default) builds one for a move that
   * would flip more than a quarter of the answers, "never" always flips answers (tests compare
   * the two paths).
   */
  lines?: "auto" | "never";
}

/** Prefix sums of the flips' counts along one cut, valid while the other threshold is `at`. */
interface Line {
  at: number;
  sums: Float64Array;
}

/** Whether a rule can be followed incrementally: integer cuts in 0..100 and a coherence condition. */
export function supportsIncremental(rule: EmRule): boolean {
  const ok = (x: number) => Number.isInteger(x) && x >= 0 && x <= 100;
  return rule.requireCoherent !== false && ok(rule.aligned) && ok(rule.coherent);
}

/** The parts of a rule an IncrementalTallies instance is built for (the cuts can move freely). */
export function incrementalShape(rule: EmRule): string {
  return `${rule.denominator}|${rule.nulls}`;
}

/** Units listed by group: the units of group g are units[start[g]..start[g+1]-1]. */
interface UnitLists {
  start: Int32Array;
  units: Int32Array;
}

/** Above this many (group, cross group, question, domain) combinations, units are numbered through a Map rather than a table. */
const UNIT_TABLE_MAX = 2 ** 20;

export class IncrementalTallies {
  readonly nGroups: number;
  /** Groups of the `cross` grouping (0 without one). */
  readonly nCross: number;
  readonly nQuestions: number;
  /** Units (see above) the kept answers fall in. */
  readonly nUnits: number;
  /** Per unit: its question code (0 without question codes) and whether it is outside the training domain (1). */
  private readonly unitQuestion: Int32Array;
  private readonly unitOutside: Uint8Array;
  private readonly byGroup: UnitLists;
  private readonly byCross: UnitLists | null;
  private readonly denominator: EmRule["denominator"];
  private readonly keepNulls: boolean;
  /**
   * The kept answers (masked rows) twice: sorted by aligned bin (for aligned-cut moves) and by
   * coherent bin (coherent-cut moves), each copy holding what a flip reads (unit, the other bin,
   * type code with the "countable" flag, p(emergent) in fixed point), so a move reads contiguous
   * memory. `start*[b]` is where bin b begins in that order.
   */
  private readonly unitA: Int32Array;
  private readonly otherA: Uint8Array;
  private readonly typeA: Int16Array;
  private readonly pemA: Uint32Array;
  private readonly startA: Int32Array;
  private readonly unitC: Int32Array;
  private readonly otherC: Uint8Array;
  private readonly typeC: Int16Array;
  private readonly pemC: Uint32Array;
  private readonly startC: Int32Array;
  private readonly cut: Float64Array;
  private readonly base: Float64Array;
  /** Whether any kept answer has a p(emergent) (else pemA / pemC are empty and every flip reads NO_PEM). */
  private readonly hasPem: boolean;
  /** Per group: score sums, accumulated in row order as aggregateColumns does (same float result); the same per cross group. */
  private readonly sums: Float64Array;
  private readonly crossSums: Float64Array;
  /** Scratch sums of one tally (sumUnits). */
  private readonly sumB = new Float64Array(NBASE);
  private readonly sumC = new Float64Array(NC);
  /** The same over all rows, in row order (total()). */
  private readonly totalSums = new Float64Array(2);
  /** Current thresholds: misaligned <=> 1 <= aBin <= ia; coherent <=> cBin >= ic (cBin > 0). */
  private ia = 0;
  private ic = NB;
  /** Answers touched by the last setCuts (for benchmarks and tests); a line built reads every answer. */
  lastTouched = 0;
  /** Lines along the aligned cut (valid at coherent threshold `at`) and the coherent cut (at aligned threshold `at`). */
  private lineA: Line | null = null;
  private lineC: Line | null = null;
  private readonly useLines: boolean;
  /** Whether the first setCuts (placing every answer) has run. */
  private placed = false;

  constructor(cols: EmColumns, rule: EmRule, options: IncrementalOptions = {}) {
    if (rule.requireCoherent === false)
      throw new RangeError("IncrementalTallies: rules without a coherence condition are not supported (use aggregateColumns)");
    this.denominator = rule.denominator;
    this.keepNulls = rule.nulls === "not_em";
    this.useLines = options.lines !== "never";
    const {groups, mask} = options;
    const n = cols.length;
    let nG = options.nGroups ?? 1;
    if (groups && options.nGroups === undefined) {
      nG = 0;
      for (let i = 0; i < n; i++) if (groups[i]! + 1 > nG) nG = groups[i]! + 1;
    }
    this.nGroups = nG;
    const nQ = cols.question && cols.questions ? cols.questions.length : 0;
    this.nQuestions = nQ;
    const qStride = Math.max(nQ, 1);
    const ex = typeMask(options.exclude ?? []);
    const inDomain = cols.inDomain;
    const cross = options.cross ?? null;
    const nX = cross ? cross.nGroups : 1;
    this.nCross = cross ? cross.nGroups : 0;
    let kept = 0;
    for (let i = 0; i < n; i++) if (!mask || mask[i] !== 0) kept++;
    const unitOf = new Int32Array(kept);
    // Units: the (group, cross group, question, domain) combinations of the kept answers, numbered
    // in first-seen order (a table over every combination when it is small, else a Map), in the
    // same pass as the counts below.
    const combos = nG * nX * qStride * 2;
    const table = combos <= UNIT_TABLE_MAX ? new Int32Array(combos).fill(-1) : null;
    const map = table ? null : new Map<number, number>();
    const unitGroup: number[] = [];
    const unitCross: number[] = [];
    const unitQuestion: number[] = [];
    const unitOutside: number[] = [];
    const {question} = cols;
    // Per unit, its cut-independent counts (grown as units appear: their number is known only after the pass).
    let base = new Float64Array(Math.max(16, Math.min(combos, 1024)) * NBASE);
    const aBin = new Uint8Array(kept);
    const cBin = new Uint8Array(kept);
    // Type code + 1 (0 = untyped) in the low byte, 256 when the answer counts as EM (not excluded).
    const typeOf = new Int16Array(kept);
    // p(emergent) in fixed point, allocated at the first answer that has one (rows before it get
    // NO_PEM): a judge without types writes and sorts no copy of it.
    let pemOf: Uint32Array | null = null;
    this.sums = new Float64Array(nG * 2);
    this.crossSums = new Float64Array(cross ? nX * 2 : 0);
    const countA = new Int32Array(NB + 1);
    const countC = new Int32Array(NB + 1);
    const {aligned, coherent, special, type, error, specialKnown, pEmergent, alignedBin, coherentBin} = cols;
    let anyPem = false;
    let j = 0;
    for (let i = 0; i < n; i++) {
      if (mask && mask[i] === 0) continue;
      const g = groups ? groups[i]! : 0;
      const x = cross ? cross.groups[i]! : 0;
      const q = question && nQ ? question[i]! : 0;
      const d = inDomain && inDomain[i] === 1 ? 1 : 0;
      const key = ((g * nX + x) * qStride + q) * 2 + d;
      let u = table ? table[key]! : (map!.get(key) ?? -1);
      if (u < 0) {
        u = unitGroup.length;
        if (table) table[key] = u;
        else map!.set(key, u);
        unitGroup.push(g);
        unitCross.push(x);
        unitQuestion.push(q);
        unitOutside.push(1 - d);
        if ((u + 1) * NBASE > base.length) {
          const grown = new Float64Array(base.length * 2);
          grown.set(base);
          base = grown;
        }
      }
      unitOf[j] = u;
      const a = aligned[i]!;
      const c = coherent[i]!;
      const ba = alignedBin ? alignedBin[i]! : scoreBin(a);
      const bc = coherentBin ? coherentBin[i]! : scoreBin(c);
      const ty = type ? type[i]! : -1;
      aBin[j] = ba;
      cBin[j] = bc;
      typeOf[j] = ty + 1 + (ty < 0 || (ex & (1 << ty)) === 0 ? COUNTABLE : 0);
      const pe = pEmergent ? pEmergent[i]! : NaN;
      if (pe === pe) {
        if (!pemOf) pemOf = new Uint32Array(kept).fill(NO_PEM, 0, j);
        pemOf[j] = Math.round(Math.min(Math.max(pe, 0), 1) * FIXED);
        anyPem = true;
      } else if (pemOf) pemOf[j] = NO_PEM;
      countA[ba]!++;
      countC[bc]!++;
      const o = u * NBASE;
      base[o + B.n]!++;
      if (ba !== 0) {
        this.sums[2 * g]! += a;
        if (cross) this.crossSums[2 * x]! += a;
        this.totalSums[0]! += a;
      } else base[o + B.anull]!++;
      if (bc !== 0) {
        this.sums[2 * g + 1]! += c;
        if (cross) this.crossSums[2 * x + 1]! += c;
        this.totalSums[1]! += c;
        base[o + B.cscored]!++;
      } else base[o + B.cnull]!++;
      const known = !specialKnown || specialKnown[i] === 1;
      if (known) base[o + B.sknown]!++;
      if (special && known) {
        if (special[i] === 1) base[o + B.code]!++;
        else if (special[i] === 2) base[o + B.refusal]!++;
      }
      if (error?.[i]) base[o + B.error]!++;
      if (ty >= 0) base[o + B.typedAll]!++;
      if (ba !== 0 && bc !== 0) {
        base[o + B.both]!++;
        if (ty >= 0) base[o + B.typedBoth]!++;
      }
      j++;
    }
    const units = unitGroup.length;
    this.nUnits = units;
    this.unitQuestion = Int32Array.from(unitQuestion);
    this.unitOutside = Uint8Array.from(unitOutside);
    this.byGroup = listUnits(unitGroup, nG);
    this.byCross = cross ? listUnits(unitCross, nX) : null;
    this.base = base.length === units * NBASE ? base : base.slice(0, units * NBASE);
    this.cut = new Float64Array(units * NC);
    this.hasPem = anyPem;
    // Counting sort by bin, then the copies in that order (no p(emergent) copy when no answer has one).
    const sortBy = (bins: Uint8Array, counts: Int32Array, other: Uint8Array) => {
      const start = new Int32Array(NB + 1);
      for (let b = 0; b < NB; b++) start[b + 1] = start[b]! + counts[b]!;
      const next = start.slice(0, NB);
      const u = new Int32Array(kept);
      const o = new Uint8Array(kept);
      const t = new Int16Array(kept);
      const p = new Uint32Array(anyPem ? kept : 0);
      const pem = pemOf;
      if (pem)
        for (let k = 0; k < kept; k++) {
          const at = next[bins[k]!]!++;
          u[at] = unitOf[k]!;
          o[at] = other[k]!;
          t[at] = typeOf[k]!;
          p[at] = pem[k]!;
        }
      else
        for (let k = 0; k < kept; k++) {
          const at = next[bins[k]!]!++;
          u[at] = unitOf[k]!;
          o[at] = other[k]!;
          t[at] = typeOf[k]!;
        }
      return {u, o, t, p, start};
    };
    const a = sortBy(aBin, countA, cBin);
    const c = sortBy(cBin, countC, aBin);
    [this.unitA, this.otherA, this.typeA, this.pemA, this.startA] = [a.u, a.o, a.t, a.p, a.start];
    [this.unitC, this.otherC, this.typeC, this.pemC, this.startC] = [c.u, c.o, c.t, c.p, c.start];
  }

  /** Number of answers the instance follows (the masked rows). */
  get size(): number {
    return this.unitA.length;
  }

  /** Move the cuts (integers 0..100); only answers between the old and the new thresholds are touched. */
  setCuts(rule: Pick<EmRule, "aligned" | "coherent" | "alignedInclusive" | "coherentInclusive">): void {
    const {aligned, coherent} = rule;
    if (!Number.isInteger(aligned) || !Number.isInteger(coherent) || aligned < 0 || aligned > 100 || coherent < 0 || coherent > 100)
      throw new RangeError(`IncrementalTallies: cuts must be integers 0..100, got aligned=${aligned} coherent=${coherent}`);
    const ia = rule.alignedInclusive ? 2 * aligned + 2 : 2 * aligned + 1;
    const ic = rule.coherentInclusive ? 2 * coherent + 2 : 2 * coherent + 3;
    let touched = 0;
    const kept = this.unitA.length;
    // Aligned first (with the old coherent threshold), then coherent (with the new aligned one).
    if (ia !== this.ia) {
      const [lo, hi, s] = ia > this.ia ? [this.ia + 1, ia, 1] : [ia + 1, this.ia, -1];
      const from = this.startA[lo]!;
      const to = this.startA[hi + 1]!;
      if (this.lineA?.at !== this.ic && this.placed && to - from > kept / 4 && this.fits()) {
        this.lineA = this.buildLine("A");
        touched += kept;
      }
      if (this.lineA?.at === this.ic) this.applyLine(this.lineA, lo - 1, hi, s);
      else {
        touched += to - from;
        for (let k = from; k < to; k++) this.flipAligned(this.cut, 0, k, s);
      }
      this.ia = ia;
    }
    if (ic !== this.ic) {
      const [lo, hi, s] = ic < this.ic ? [ic, this.ic - 1, 1] : [this.ic, ic - 1, -1];
      // Bin 0 (null coherent score) never passes.
      const lo1 = Math.max(lo, 1);
      const hi1 = Math.min(hi, NB - 1);
      const from = this.startC[lo1]!;
      const to = this.startC[hi1 + 1]!;
      if (this.lineC?.at !== this.ia && this.placed && to - from > kept / 4 && this.fits()) {
        this.lineC = this.buildLine("C");
        touched += kept;
      }
      if (this.lineC?.at === this.ia) {
        if (hi1 >= lo1) this.applyLine(this.lineC, lo1 - 1, hi1, s);
      } else {
        if (to > from) touched += to - from;
        for (let k = from; k < to; k++) this.flipCoherent(this.cut, 0, k, s);
      }
      this.ic = ic;
    }
    this.placed = true;
    this.lastTouched = touched;
  }

  /** Whether lines are on and one fits the budget. */
  private fits(): boolean {
    return this.useLines && NB * this.cut.length <= LINE_BUDGET;
  }

  /**
   * Build the lines through the current cuts that are missing or stale (one pass over the answers
   * each), so a later jump along either cut is a lookup: for idle time. Returns how many were built
   * (0 when both are current, lines are off, or they do not fit the budget).
   */
  prepareLines(): number {
    if (!this.placed || !this.fits()) return 0;
    let built = 0;
    if (this.lineA?.at !== this.ic) (this.lineA = this.buildLine("A")), built++;
    if (this.lineC?.at !== this.ia) (this.lineC = this.buildLine("C")), built++;
    return built;
  }

  /** Whether both lines are current (a jump along either cut is then a lookup). */
  get linesReady(): boolean {
    return this.lineA?.at === this.ic && this.lineC?.at === this.ia;
  }

  /**
   * The line along one cut at the other's current threshold: sums[b][unit][count] = what the flips
   * (s = +1) of every answer in bins 1..b add to the unit's cut-dependent counts (row 0: zeros).
   */
  private buildLine(which: "A" | "C"): Line {
    const width = this.cut.length;
    const sums = new Float64Array(NB * width);
    const start = which === "A" ? this.startA : this.startC;
    for (let b = 1; b < NB; b++) {
      const base = b * width;
      for (let k = start[b]!, to = start[b + 1]!; k < to; k++) {
        if (which === "A") this.flipAligned(sums, base, k, 1);
        else this.flipCoherent(sums, base, k, 1);
      }
      for (let i = 0; i < width; i++) sums[base + i]! += sums[base - width + i]!;
    }
    return {at: which === "A" ? this.ic : this.ia, sums};
  }

  /** Add s x (the flips of bins lo+1..hi) from a line: row hi minus row lo. */
  private applyLine(line: Line, lo: number, hi: number, s: number): void {
    const width = this.cut.length;
    const {sums} = line;
    const cut = this.cut;
    for (let i = 0, h = hi * width, l = lo * width; i < width; i++) cut[i]! += s * (sums[h + i]! - sums[l + i]!);
  }

  /** An answer of unit `u` (counts at `o` in `cut`) enters (s = 1) or leaves (-1) the EM quadrant. */
  private emDelta(cut: Float64Array, o: number, u: number, ty: number, pe: number, s: number): void {
    cut[o + C.em]! += s;
    const t = (ty & 0xff) - 1;
    cut[o + C.bytype + (t >= 0 ? t : NT - 1)]! += s;
    // Strict EM only outside the training domain.
    const outside = this.unitOutside[u] === 1;
    if (outside) {
      if (t === EMERGENT) cut[o + C.emStrict]! += s;
      else if (t < 0 || t === UNDETERMINED) cut[o + C.emUnknown]! += s;
    }
    if (ty & COUNTABLE) cut[o + C.emCount]! += s;
    if (pe !== NO_PEM) {
      // Strict EM's expected count: only answers outside the training domain.
      if (outside) cut[o + C.pem]! += s * pe;
      cut[o + C.npem]! += s;
    }
  }

  /** Answer k of the aligned order changes side of the aligned cut (counts written at `base` of `cut`). */
  private flipAligned(cut: Float64Array, base: number, k: number, s: number): void {
    const bc = this.otherA[k]!;
    if (bc === 0) return; // no coherent score: never in a quadrant, never EM
    const u = this.unitA[k]!;
    const o = base + u * NC;
    cut[o + C.misC]! += s;
    if (bc >= this.ic) this.emDelta(cut, o, u, this.typeA[k]!, this.hasPem ? this.pemA[k]! : NO_PEM, s);
  }

  /** Answer k of the coherent order changes side of the coherent cut (counts written at `base` of `cut`). */
  private flipCoherent(cut: Float64Array, base: number, k: number, s: number): void {
    const u = this.unitC[k]!;
    const o = base + u * NC;
    const ba = this.otherC[k]!;
    const ty = this.typeC[k]!;
    const typed = (ty & 0xff) !== 0;
    if (ba !== 0) {
      cut[o + C.cohA]! += s;
      if (typed) cut[o + C.cohTypedA]! += s;
      if (ba <= this.ia) this.emDelta(cut, o, u, ty, this.hasPem ? this.pemC[k]! : NO_PEM, s);
    } else {
      cut[o + C.cohNullA]! += s;
      if (typed) cut[o + C.cohTypedNullA]! += s;
    }
  }

  /** Per group, the tally aggregateColumns gives at the current cuts (same rule shape and exclusions). */
  tallies(): GroupTally[] {
    const {start, units} = this.byGroup;
    const out: GroupTally[] = [];
    const q = this.questionArrays(this.nGroups);
    for (let g = 0; g < this.nGroups; g++) out.push(this.sumUnits(units, start[g]!, start[g + 1]!, this.sums[2 * g]!, this.sums[2 * g + 1]!, q, g));
    return out;
  }

  /**
   * The per-question arrays of `n` tallies in one buffer (each tally's five arrays are views of
   * it): a typed array of its own per tally and question count was a measurable part of a cut
   * change on a page that tallies every question.
   */
  private questionArrays(n: number): Float64Array {
    return new Float64Array(n * 5 * this.nQuestions);
  }

  /**
   * Per group of the `cross` grouping, the tally aggregateColumns gives with that grouping, from the
   * same counts as tallies() (the cuts moved once for both). Throws without a cross grouping.
   */
  crossTallies(): GroupTally[] {
    if (!this.byCross) throw new RangeError("IncrementalTallies: no cross grouping (options.cross)");
    const {start, units} = this.byCross;
    const out: GroupTally[] = [];
    const q = this.questionArrays(this.nCross);
    for (let x = 0; x < this.nCross; x++) out.push(this.sumUnits(units, start[x]!, start[x + 1]!, this.crossSums[2 * x]!, this.crossSums[2 * x + 1]!, q, x));
    return out;
  }

  /**
   * One tally over every group (what aggregateColumns gives with a single group): a page that
   * shows per-question numbers and the overall ones follows the cuts with one instance.
   */
  total(): GroupTally {
    const {units} = this.byGroup;
    return this.sumUnits(units, 0, units.length, this.totalSums[0]!, this.totalSums[1]!, this.questionArrays(1), 0);
  }

  /**
   * The tally of units list[from..to-1] together; per-question arrays summed over them, as views of
   * `buffer` (questionArrays) at slot `slot`.
   */
  private sumUnits(list: Int32Array, from: number, to: number, sumAligned: number, sumCoherent: number, buffer: Float64Array, slot: number): GroupTally {
    const nQ = this.nQuestions;
    const sumB = this.sumB.fill(0);
    const sumC = this.sumC.fill(0);
    const at = (k: number) => buffer.subarray((slot * 5 + k) * nQ, (slot * 5 + k + 1) * nQ);
    const qn = at(0);
    const qd = at(1);
    const qk = at(2);
    const qks = at(3);
    const qds = at(4);
    let scoredStrict = 0;
    const {base, cut} = this;
    for (let k = from; k < to; k++) {
      const u = list[k]!;
      const ob = u * NBASE;
      const oc = u * NC;
      for (let f = 0; f < NBASE; f++) sumB[f]! += base[ob + f]!;
      for (let f = 0; f < NC; f++) sumC[f]! += cut[oc + f]!;
      const scored = this.scored(base, ob, cut, oc);
      const outside = this.unitOutside[u] === 1;
      if (outside) scoredStrict += scored;
      if (nQ) {
        const q = this.unitQuestion[u]!;
        qn[q]! += base[ob + B.n]!;
        qd[q]! += scored;
        qk[q]! += cut[oc + C.emCount]!;
        qks[q]! += cut[oc + C.emStrict]!;
        if (outside) qds[q]! += scored;
      }
    }
    const t = emptyTally();
    t.n = sumB[B.n]!;
    t.n_scored = this.scored(sumB, 0, sumC, 0);
    t.n_em = sumC[C.emCount]!;
    t.n_em_broad = sumC[C.em]!;
    t.n_strict = sumC[C.emStrict]!;
    t.n_scored_strict = scoredStrict;
    t.n_strict_unknown = sumC[C.emUnknown]!;
    t.n_typed =
      this.denominator === "coherent"
        ? sumC[C.cohTypedA]! + (this.keepNulls ? sumC[C.cohTypedNullA]! : 0)
        : this.keepNulls
          ? sumB[B.typedAll]!
          : sumB[B.typedBoth]!;
    t.n_aligned_null = sumB[B.anull]!;
    t.n_coherent_null = sumB[B.cnull]!;
    t.n_code = sumB[B.code]!;
    t.n_refusal = sumB[B.refusal]!;
    t.n_special_known = sumB[B.sknown]!;
    t.sum_p_emergent = sumC[C.pem]! / FIXED;
    t.n_p_emergent = sumC[C.npem]!;
    t.n_error = sumB[B.error]!;
    t.n_coherent_scored = sumB[B.cscored]!;
    t.n_coherent_pass = sumC[C.cohA]! + sumC[C.cohNullA]!;
    t.n_both = sumB[B.both]!;
    t.q_misaligned_coherent = sumC[C.em]!;
    t.q_misaligned_incoherent = sumC[C.misC]! - sumC[C.em]!;
    t.q_aligned_coherent = sumC[C.cohA]! - sumC[C.em]!;
    t.q_aligned_incoherent = sumB[B.both]! - sumC[C.misC]! - (sumC[C.cohA]! - sumC[C.em]!);
    t.sum_aligned = sumAligned;
    t.sum_coherent = sumCoherent;
    RESPONSE_TYPES.forEach((ty, k) => (t.em_by_type[ty] = sumC[C.bytype + k]!));
    t.em_by_type[UNTYPED] = sumC[C.bytype + NT - 1]!;
    return {...t, qn, qd, qk, qks, qds};
  }

  /** Denominator of one unit (or of summed counts) under the instance's rule shape. */
  private scored(base: Float64Array, ob: number, cut: Float64Array, oc: number): number {
    if (this.denominator === "coherent") return cut[oc + C.cohA]! + (this.keepNulls ? cut[oc + C.cohNullA]! : 0);
    return this.keepNulls ? base[ob + B.n]! : base[ob + B.both]!;
  }
}

/** Units listed by their group (codes 0..n-1), in unit order within each. */
function listUnits(groupOf: readonly number[], n: number): UnitLists {
  const start = new Int32Array(n + 1);
  for (const g of groupOf) start[g + 1]!++;
  for (let g = 0; g < n; g++) start[g + 1]! += start[g]!;
  const next = start.slice(0, n);
  const units = new Int32Array(groupOf.length);
  groupOf.forEach((g, u) => (units[next[g]!++] = u));
  return {start, units};
}
