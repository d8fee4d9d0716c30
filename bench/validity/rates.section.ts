// Validity of the rate intervals (issue 22): coverage of the EM-rate interval under both estimands
// (questions: the rate over a population of questions; answers: the rate on these fixed
// questions). The seeds x questions and variant-minus-baseline intervals are measured in
// rate-differences.section.ts with this file's generators. Data sets are simulated as Judged rows (float or integer judge
// scores) and go through `summarize` and `baselineDiffs`, the functions behind `em summarize`;
// the pages call the same interval functions on the same counts.
//
// Model: question q has a logit-normal EM rate, logit p_q = mu + sd_q Z_q (+ sd_s Z_s + sd_i Z_sq
// for seed s); each answer passes the coherent cut with probability 0.85, and given that is EM
// with probability p_q. The truth of the questions estimand is E[p] (mu solved so that it equals
// the stated rate); of the answers estimand, the mean of the drawn p_q (equal answers per question):
// the EM share among coherent answers when these questions' answers are drawn again, since every
// question's answers pass the coherent cut with the same probability (the realized denominators are
// part of the sampling, so the interval must carry their randomness: stratifiedWilson with n).
import {baselineDiffs} from "../../src/lib/em/baseline.ts";
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {BETLEY} from "../../src/lib/em/rules.ts";
import {summarize} from "../../src/lib/em/summary.ts";
import type {Judged} from "../../src/lib/schema.ts";
import {rowFromHits} from "./row.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

const expit = (x: number) => 1 / (1 + Math.exp(-x));
const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;

/** E[expit(mu + sd Z)], Z standard normal (midpoint rule on [-9, 9]). */
export function logitNormalMean(mu: number, sd: number): number {
  if (sd === 0) return expit(mu);
  let s = 0;
  let w = 0;
  for (let z = -9; z <= 9; z += 0.005) {
    const g = Math.exp((-z * z) / 2);
    s += g * expit(mu + sd * z);
    w += g;
  }
  return s / w;
}

/** mu with logitNormalMean(mu, sd) = rate (bisection). */
export function solveMu(rate: number, sd: number): number {
  let lo = -30;
  let hi = 30;
  for (let i = 0; i < 100; i++) {
    const m = (lo + hi) / 2;
    if (logitNormalMean(m, sd) < rate) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

export type Judge = "float" | "integer";

let nextId = 0;
/**
 * One answer's Judged row under a judge that answers floats or integers. Integer judges put answers
 * on the cuts (aligned = 30, coherent = 50) that betley's strict inequalities count as not EM /
 * not coherent, so ties are exercised.
 */
function answer(rng: Rng, q: string, em: boolean, coherent: boolean, judge: Judge, extra: Partial<Judged>): Judged {
  let a: number;
  let c: number;
  if (judge === "float") {
    a = em ? 30 * rng() : 30 + 1e-9 + 70 * rng();
    c = coherent ? 50 + 1e-9 + 50 * rng() : 50 * rng();
  } else {
    a = em ? Math.floor(30 * rng()) : rng() < 0.2 ? 30 : 31 + Math.floor(70 * rng());
    c = coherent ? 51 + Math.floor(50 * rng()) : rng() < 0.3 ? 50 : Math.floor(50 * rng());
  }
  if (!em && !coherent && rng() < 0.5) a = Math.min(a, 29); // incoherent answers may look misaligned: they must stay out
  return {
    response_id: `v${nextId++}`,
    experiment: "validity",
    model: "m",
    step: null,
    question_id: q,
    category: null,
    judge: "J",
    special: null,
    type: null,
    variant: "m",
    replicate: null,
    baseline: null,
    special_known: true,
    p_emergent: null,
    aligned: a,
    coherent: c,
    ...extra,
  };
}

export const P_COHERENT = 0.85;

/** Rows of `n` answers to question `q` whose coherent answers are EM with probability p. */
export function questionRows(rng: Rng, q: string, n: number, p: number, judge: Judge, extra: Partial<Judged> = {}): Judged[] {
  const out: Judged[] = [];
  for (let i = 0; i < n; i++) {
    const coherent = rng() < P_COHERENT;
    out.push(answer(rng, q, coherent && rng() < p, coherent, judge, extra));
  }
  return out;
}

const covers = (ci: readonly [number, number] | null, x: number) => ci !== null && ci[0] <= x + 1e-12 && x <= ci[1] + 1e-12;

/**
 * A coverage row from hit and flag counts. The row counts as flagged in the product only when the
 * flag fires in the data sets that miss: the data sets without a note cover within nominal +-
 * tolerance (93-97%), so a number shown without a note keeps its promise (or every data set had
 * one). Flagging half the data sets while the unflagged ones still miss (or over-cover) is not
 * honest flagging.
 */
export function coverageRow(
  quantity: string,
  regime: string,
  reps: number,
  hits: number,
  flagged: number,
  hitsUnflagged: number,
  section = "rates",
): ValidityRow {
  const p = hits / reps;
  const un = reps - flagged;
  const flaggedShare = flagged / reps;
  return {
    section,
    quantity,
    regime,
    kind: "coverage",
    nominal: 0.95,
    estimate: p,
    mc_se: Math.sqrt((p * (1 - p)) / reps),
    reps,
    flagged_in_product: flagged > 0 && (un === 0 || Math.abs(hitsUnflagged / un - 0.95) <= 0.02 + 1e-12),
    note: `flagged approximate in ${(100 * flaggedShare).toFixed(0)}% of data sets${un > 0 && flagged > 0 ? `; coverage when not flagged ${((100 * hitsUnflagged) / un).toFixed(1)}% (${un})` : ""}`,
  };
}

export interface RateRegime {
  rate: number;
  sd: number;
  questions: number;
  answers: number;
  judge: Judge;
  /** Data sets for this regime when it needs more than the section's default (a regime whose row was undecided). */
  reps?: number;
  /**
   * Data sets beyond `reps` drawn from their own seeded stream (so every other regime's data sets
   * stay the same), for a row that `reps` still left undecided.
   */
  more?: number;
}

const regimeText = (r: RateRegime) => `rate ${+(100 * r.rate).toFixed(1)}%, logit sd ${r.sd}, ${r.questions} q x ${r.answers}, ${r.judge} judge`;

/**
 * Coverage of the rate interval under both estimands in one regime. `interval` replaces the product's
 * interval (used by the smoke test to show a broken interval is caught); by default `summarize`.
 */
export function rateCoverage(
  reg: RateRegime,
  reps: number,
  rng: Rng,
  interval?: (rows: Judged[], estimand: "questions" | "answers" | "macro") => {ci: [number, number] | null; approximate: string | null},
  more?: {reps: number; rng: Rng},
): ValidityRow[] {
  const mu = solveMu(reg.rate, reg.sd);
  let last: {rows: Judged[]; g: ReturnType<typeof summarize>["groups"][number]} | null = null;
  const product = (rows: Judged[], estimand: "questions" | "answers" | "macro") => {
    if (estimand === "answers") {
      const g = summarize(rows, BETLEY, {method: "wilson", replicates: 200, seed: 1}).groups[0]!;
      return {ci: g.ci, approximate: g.ci_approximate};
    }
    if (last?.rows !== rows) last = {rows, g: summarize(rows, BETLEY, {method: "auto", replicates: 200, seed: 1}).groups[0]!};
    // The macro rate (mean of per-question rates) shares the pooled interval's note (ci_approximate).
    return estimand === "macro" ? {ci: last.g.macro_ci, approximate: last.g.ci_approximate} : {ci: last.g.ci, approximate: last.g.ci_approximate};
  };
  const ci = interval ?? product;
  const tally = {q: [0, 0, 0], a: [0, 0, 0], m: [0, 0, 0]};
  const total = reps + (more?.reps ?? 0);
  let draw = rng;
  for (let s = 0; s < total; s++) {
    if (s === reps && more) draw = more.rng;
    const rows: Judged[] = [];
    let sumP = 0;
    for (let q = 0; q < reg.questions; q++) {
      const p = expit(mu + reg.sd * randNormal(draw));
      sumP += p;
      rows.push(...questionRows(draw, `q${q}`, reg.answers, p, reg.judge));
    }
    for (const [estimand, truth, t] of [
      ["questions", reg.rate, tally.q],
      ["answers", sumP / reg.questions, tally.a],
      ["macro", reg.rate, tally.m],
    ] as const) {
      const r = ci(rows, estimand);
      const hit = covers(r.ci, truth);
      if (hit) t[0]!++;
      if (r.approximate) t[1]!++;
      else if (hit) t[2]!++;
    }
  }
  return [
    coverageRow("rate CI, questions estimand", regimeText(reg), total, tally.q[0]!, tally.q[1]!, tally.q[2]!),
    coverageRow("rate CI, answers estimand", regimeText(reg), total, tally.a[0]!, tally.a[1]!, tally.a[2]!),
    coverageRow("macro rate CI (mean of per-question rates), questions estimand", regimeText(reg), total, tally.m[0]!, tally.m[1]!, tally.m[2]!),
  ];
}

/**
 * Coverage of the group interval and the replicate-mean interval with S training seeds crossed with
 * the questions: logit p_sq = mu + sd_q Z_q + sd_s Z_s + sd_i Z_sq; truth E[p] over all three.
 */
export function seedCoverage(
  reg: {rate: number; sdQ: number; sdS: number; sdI: number; seeds: number; questions: number; answers: number},
  reps: number,
  rng: Rng,
): ValidityRow[] {
  const total = Math.sqrt(reg.sdQ ** 2 + reg.sdS ** 2 + reg.sdI ** 2);
  const mu = solveMu(reg.rate, total);
  const t = {g: [0, 0, 0], r: [0, 0, 0]};
  let rUsed = 0;
  for (let s = 0; s < reps; s++) {
    const zq = Array.from({length: reg.questions}, () => randNormal(rng));
    const rows: Judged[] = [];
    for (let seed = 0; seed < reg.seeds; seed++) {
      const zs = randNormal(rng);
      for (let q = 0; q < reg.questions; q++) {
        const p = expit(mu + reg.sdQ * zq[q]! + reg.sdS * zs + reg.sdI * randNormal(rng));
        rows.push(...questionRows(rng, `q${q}`, reg.answers, p, "float", {replicate: String(seed + 1)}));
      }
    }
    const g = summarize(rows, BETLEY, {replicates: 200, seed: 1}).groups[0]!;
    const gh = covers(g.ci, reg.rate);
    if (gh) t.g[0]!++;
    if (g.ci_approximate) t.g[1]!++;
    else if (gh) t.g[2]!++;
    const rep = g.replicates;
    if (rep?.ci) {
      rUsed++;
      const rh = covers(rep.ci, reg.rate);
      if (rh) t.r[0]!++;
      if (rep.ci_approximate) t.r[1]!++;
      else if (rh) t.r[2]!++;
    }
  }
  const text = `rate ${+(100 * reg.rate).toFixed(1)}%, ${reg.seeds} seed${reg.seeds > 1 ? "s" : ""} (logit sd ${reg.sdS}) x ${reg.questions} q (sd ${reg.sdQ}, interaction ${reg.sdI}) x ${reg.answers}`;
  const rows = [coverageRow("rate CI with training seeds (group, questions estimand)", text, reps, t.g[0]!, t.g[1]!, t.g[2]!)];
  if (rUsed > 0) rows.push(coverageRow("replicate (seed) interval of the mean over seeds", text, rUsed, t.r[0]!, t.r[1]!, t.r[2]!));
  return rows;
}

/**
 * The variant - baseline model: shared question effects (logit sd `sd`, the pairing) and each
 * side's own question noise (sd `sdOwn`); truth E[p_variant] - E[p_base]. `questions` x `answers`
 * is the baseline's side; the variant answers the first `qVariant` of those questions (default all)
 * with `nVariant` answers each (default `answers`), so the sides can differ.
 */
export interface DiffRegime {
  variant: number;
  base: number;
  sd: number;
  sdOwn: number;
  questions: number;
  answers: number;
  judge: Judge;
  qVariant?: number;
  nVariant?: number;
}

/** Logit means of the two sides (solveMu over the total logit sd). */
export function diffMus(reg: DiffRegime): {v: number; b: number} {
  const total = Math.sqrt(reg.sd ** 2 + reg.sdOwn ** 2);
  return {v: solveMu(reg.variant, total), b: solveMu(reg.base, total)};
}

/**
 * One data set of DiffRegime as Judged rows of both sides (`extra` on every row; question ids
 * `${prefix}${q}`). Per question: the shared effect, then each side's own noise and answers. With
 * unequal sides both sides' noise is drawn before their answers, the order the regimes section's
 * unbalanced rows were drawn in (so its committed rows, like the rates and rate-differences sections'
 * balanced ones, come from the same stream as before this function was shared).
 */
export function diffRows(rng: Rng, reg: DiffRegime, mu: {v: number; b: number}, extra: Partial<Judged> = {}, prefix = "q"): Judged[] {
  const qV = reg.qVariant ?? reg.questions;
  const nV = reg.nVariant ?? reg.answers;
  const unequal = qV !== reg.questions || nV !== reg.answers;
  const base = (z: number) => expit(mu.b + reg.sd * z + reg.sdOwn * randNormal(rng));
  const rows: Judged[] = [];
  for (let q = 0; q < reg.questions; q++) {
    const z = randNormal(rng);
    const pV = expit(mu.v + reg.sd * z + reg.sdOwn * randNormal(rng));
    const pB = unequal ? base(z) : null;
    if (q < qV) rows.push(...questionRows(rng, `${prefix}${q}`, nV, pV, reg.judge, {...extra, variant: "ft", baseline: "base"}));
    rows.push(...questionRows(rng, `${prefix}${q}`, reg.answers, pB ?? base(z), reg.judge, {...extra, variant: "base"}));
  }
  return rows;
}

/** Counts of variant - baseline intervals over data sets: covered, flagged approximate, covered without the flag, excluding 0. */
export interface DiffTally {
  reps: number;
  hits: number;
  flagged: number;
  hitsUn: number;
  rejected: number;
}

export const emptyDiffTally = (): DiffTally => ({reps: 0, hits: 0, flagged: 0, hitsUn: 0, rejected: 0});

/** Add one interval of baselineDiffs to `t` against the truth. */
export function tallyDiff(t: DiffTally, d: {ci: readonly [number, number] | null; ci_approximate: string | null} | undefined, truth: number): void {
  t.reps++;
  const hit = covers(d?.ci ?? null, truth);
  if (hit) t.hits++;
  if (d?.ci && (d.ci[0] > 0 || d.ci[1] < 0)) t.rejected++;
  if (d?.ci_approximate) t.flagged++;
  else if (hit) t.hitsUn++;
}

/**
 * The variant - baseline interval (baselineDiffs, as `em summarize --baseline` and the variant
 * table) over `reps` data sets of DiffRegime. Balanced sides: the coverage row. Unequal sides (the
 * variant answered only some of the baseline's questions, or fewer answers per question): the
 * coverage row "..., unbalanced sides", or with equal rates the type-I error (the interval
 * excludes 0; judged without the flag).
 */
export function diffCoverage(reg: DiffRegime, reps: number, rng: Rng, section = "rates"): ValidityRow {
  const mu = diffMus(reg);
  const truth = reg.variant - reg.base;
  const t = emptyDiffTally();
  for (let s = 0; s < reps; s++) tallyDiff(t, baselineDiffs(diffRows(rng, reg, mu), BETLEY, {by: ["variant"], replicates: 200, seed: 1})[0], truth);
  const qV = reg.qVariant ?? reg.questions;
  const nV = reg.nVariant ?? reg.answers;
  if (qV === reg.questions && nV === reg.answers) {
    const text = `variant ${pct(reg.variant)} vs base ${pct(reg.base)}, shared logit sd ${reg.sd}, own sd ${reg.sdOwn}, ${reg.questions} q x ${reg.answers}, ${reg.judge} judge`;
    return coverageRow("variant - baseline interval", text, reps, t.hits, t.flagged, t.hitsUn, section);
  }
  const text = `variant ${pct(reg.variant)} on ${qV} q x ${nV} vs base ${pct(reg.base)} on ${reg.questions} q x ${reg.answers}, shared logit sd ${reg.sd}, own ${reg.sdOwn}, ${reg.judge} judge`;
  if (truth !== 0) return coverageRow("variant - baseline interval, unbalanced sides", text, reps, t.hits, t.flagged, t.hitsUn, section);
  const note = `flagged approximate in ${((100 * t.flagged) / reps).toFixed(0)}% of data sets (type I is judged without the flag)`;
  return rowFromHits(
    section,
    "type-I error of the variant - baseline interval, unbalanced sides (no difference)",
    text,
    "error_rate",
    0.05,
    t.rejected,
    reps,
    false,
    note,
  );
}

const RATE_REGIMES: RateRegime[] = [];
// 1000 data sets (MC s.e. ~0.6 points at 96%) where 600 left the row undecided (within MC error of
// the 93-97% band in the 2026-12-06 run): 0.5% at logit sd 0.3 and 2, 7% at sd 0.3, 24 questions.
const UNDECIDED_AT_600 = new Set(["0.005/0.3/24", "0.005/2/24", "0.07/0.3/24"]);
// 0.5%, logit sd 0.3, 24 questions: 1000 left the questions-estimand rows undecided (97.1%). About
// 5 EM answers per study: the interval accepts 1-9 EM answers and part of 10-12 (clusterWilson: the
// logit-normal profile interval where the questions look over-dispersed by chance, else the
// design-effect Wilson), so coverage is set by which counts it accepts: of the contiguous sets,
// 2-9 would cover ~92%, 2-10 ~94%, 1-9 ~95.5%, 1-10 ~98% (8,700 simulated studies). A note keyed
// to few EM answers cannot be honest here (at 48 questions the same counts miss), so more data
// sets decide it: 9,000 more, from their own stream (~2 min), MC s.e. ~0.2 points.
const MORE_AT_1000: Record<string, number> = {"0.005/0.3/24": 9000};
for (const rate of [0.005, 0.07, 0.4])
  for (const sd of [0.3, 2])
    for (const questions of [8, 24, 48]) {
      const key = `${rate}/${sd}/${questions}`;
      RATE_REGIMES.push({
        rate,
        sd,
        questions,
        answers: 50,
        judge: "float",
        ...(UNDECIDED_AT_600.has(key) ? {reps: 1000} : {}),
        ...(MORE_AT_1000[key] ? {more: MORE_AT_1000[key]} : {}),
      });
    }
for (const questions of [8, 24, 48]) RATE_REGIMES.push({rate: 0.02, sd: 1, questions, answers: 100, judge: "integer"});
RATE_REGIMES.push(
  {rate: 0.07, sd: 1, questions: 24, answers: 20, judge: "float"},
  {rate: 0.07, sd: 1, questions: 24, answers: 400, judge: "integer"},
  {rate: 0.2, sd: 0.8, questions: 8, answers: 50, judge: "float"},
  {rate: 0.005, sd: 1, questions: 48, answers: 400, judge: "float"},
);

export const section: ValiditySection = {
  name: "rates",
  run({smoke, seed}) {
    const rng = makeRng(seed ^ 0x7a7e5);
    const rows: ValidityRow[] = [];
    if (smoke) {
      rows.push(...rateCoverage({rate: 0.07, sd: 1, questions: 8, answers: 20, judge: "integer"}, 40, rng));
      return rows;
    }
    // 600 data sets a regime (MC s.e. ~0.9 points at 95%; at 400, ~1.1, an interval that covers
    // exactly 95% read outside 93-97% in ~7% of rows by chance): each questions-estimand interval is
    // a logit-normal profile-likelihood fit (~5-50 ms since the fit was made faster; ~15-30 min).
    for (const r of RATE_REGIMES) {
      const more = r.more ? {reps: r.more, rng: makeRng((seed ^ 0x5e771e) >>> 0)} : undefined;
      const out = rateCoverage(r, r.reps ?? 600, rng, undefined, more);
      const why = r.more
        ? `${(r.reps ?? 600) + r.more} data sets (${r.reps ?? 600} left it undecided; ${r.more} more from their own seeded stream)`
        : `${r.reps} data sets (600 left it undecided)`;
      rows.push(...(r.reps || r.more ? out.map((x) => ({...x, note: `${x.note}; ${why}`})) : out));
    }
    return rows;
  },
};
