// From Judged rows to transition series: per-group points along the ordered coordinate, the
// transition analysis per group, and its sensitivity to the thresholds and the judge.

import type {Judged, ResponseType} from "../schema.js";
import {aggregateColumns, encodeGroups, encodeValues, toColumns} from "./columnar.js";
import {getColumn} from "./judged.js";
import {makeRng} from "./prng.js";
import type {EmRule} from "./rules.js";
import {groupSeed} from "./summary.js";
import {buildSurfaces} from "./surface.js";
import {analyzeTransition, fitLogistic, onset, type TransitionPoint, type TransitionResult} from "./transition.js";

/** Numeric coordinate of a row, or null when the column is missing or not a finite number. */
export function coordinateOf(row: Judged, coordinate: string): number | null {
  const v = getColumn(row, coordinate);
  const x = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(x) ? x : null;
}

/**
 * EM counts per coordinate value (sorted ascending) under `rule`. Rows without a numeric
 * coordinate are not used; their number is returned as `skipped`.
 */
export function transitionPoints(rows: readonly Judged[], rule: EmRule, {coordinate = "step", exclude = []}: {coordinate?: string; exclude?: readonly ResponseType[]} = {}): {points: TransitionPoint[]; skipped: number} {
  const keep = rows.filter((r) => coordinateOf(r, coordinate) !== null);
  const xs = keep.map((r) => coordinateOf(r, coordinate) as number);
  const enc = encodeValues(xs);
  const tallies = aggregateColumns(toColumns(keep, {precision: 64}), rule, {groups: enc.codes, nGroups: enc.values.length, exclude});
  const points = enc.values.map((x, i) => ({x, k: tallies[i].n_em, n: tallies[i].n_scored})).sort((a, b) => a.x - b.x);
  return {points, skipped: rows.length - keep.length};
}

export interface TransitionGroup extends TransitionResult {
  key: Record<string, unknown>;
  coordinate: string;
  /** Rows of the group without a numeric coordinate. */
  skipped: number;
}

/**
 * Transition analysis per group of `by` columns (the coordinate column itself is dropped from
 * `by`). Seeded per group like summarize. Groups with a single coordinate value still get
 * points (fit null, onset null).
 */
export function transitionsBy(rows: readonly Judged[], rule: EmRule, {by = [], coordinate = "step", exclude = [], seed = 0, confidence = 0.95, replicates = 999, profile = true}: {by?: readonly string[]; coordinate?: string; exclude?: readonly ResponseType[]; seed?: number; confidence?: number; replicates?: number; profile?: boolean} = {}): TransitionGroup[] {
  const cols = by.filter((c) => c !== coordinate);
  const {codes, keys} = encodeGroups(rows, cols);
  const parts: Judged[][] = keys.map(() => []);
  rows.forEach((r, i) => parts[codes[i]].push(r));
  return keys.map((key, g) => {
    const {points, skipped} = transitionPoints(parts[g], rule, {coordinate, exclude});
    const res = analyzeTransition(points, makeRng(groupSeed(seed, 1000003 + g)), {confidence, replicates, profile});
    return {key, coordinate, skipped, ...res};
  });
}

export interface SensitivityCell {
  judge: string;
  aligned: number;
  coherent: number;
  midpoint: number | null;
  ci: [number | null, number | null] | null;
  onset: number | null;
}

/**
 * How the fitted midpoint and the onset move over a grid of integer cuts and across judges
 * (each judge's rows separately; rows carry their judge in `judge`). One threshold surface per
 * (judge, coordinate value) makes each grid cell's counts O(1); each cell is then fitted.
 * The rule's inclusiveness, denominator and null handling are kept; only the cuts vary.
 * `profile` false (default) skips the midpoint intervals, which dominate the cost.
 */
export function transitionSensitivity(rows: readonly Judged[], rule: EmRule, {coordinate = "step", alignedCuts = [20, 30, 40, 50, 60, 70], coherentCuts = [10, 20, 30, 40, 50, 60, 70], exclude = [], profile = false}: {coordinate?: string; alignedCuts?: readonly number[]; coherentCuts?: readonly number[]; exclude?: readonly ResponseType[]; profile?: boolean} = {}): SensitivityCell[] {
  const keep = rows.filter((r) => coordinateOf(r, coordinate) !== null);
  const judges = encodeValues(keep.map((r) => String(r.judge)));
  const xs = encodeValues(keep.map((r) => coordinateOf(r, coordinate) as number));
  const nX = xs.values.length;
  const groups = new Int32Array(keep.length);
  for (let i = 0; i < keep.length; i++) groups[i] = judges.codes[i] * nX + xs.codes[i];
  const surfaces = buildSurfaces(toColumns(keep, {precision: 64}), {groups, nGroups: judges.values.length * nX, exclude});
  const out: SensitivityCell[] = [];
  judges.values.forEach((judge, j) => {
    for (const a of alignedCuts) {
      for (const c of coherentCuts) {
        const points = xs.values.map((x, xi) => {
          const cell = surfaces[j * nX + xi].cell(a, c, rule);
          return {x, k: cell.em, n: cell.denominator};
        });
        const fit = fitLogistic(points, {profile});
        out.push({judge, aligned: a, coherent: c, midpoint: fit ? fit.midpoint : null, ci: fit && profile ? fit.ci : null, onset: onset(points).x});
      }
    }
  });
  return out;
}
