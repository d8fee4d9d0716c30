// Validity of strict EM's interval (issue 22) on the simulator's planted truth. Strict EM is the
// share, among answers to questions OUTSIDE the training domain, of answers the rule counts as EM
// and the type judge labels `emergent`. Each data set is drawn the way the simulator generates:
// m questions drawn with replacement from the bank's questions of data/questions/core.yaml (the
// questions estimand: questions are a sample of a population), n answers per question, each a
// planted type from the organism's curves at a coordinate (loaders/sim/organisms.ts typeShares)
// and a text drawn uniformly from that (question, type) group of the answer bank; the simulated
// judge's aligned / coherent scores and type label of a text are the ones the server answers
// (loaders/sim/truth.ts judgedScores). The in-domain questions (the organism's own domain) are
// answered too and flagged `question_in_domain`, so the product must leave them out of the
// denominator. The truth: the ratio of the expected strict-EM count to the expected denominator
// over every out-of-domain bank question (equal weights), computed exactly from every text of
// every group, as truth.ts does for the rates. Measured: how often `summarize`'s strict_ci holds
// it (Betley's rule, the default questions estimand, cluster Wilson over questions).
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {parse as parseYaml} from "yaml";
import {ROOT} from "../../loaders/paths.ts";
import {groupFor, type AnswerInfo} from "../../loaders/sim/bank.ts";
import {QUESTIONS} from "../../loaders/sim/bank-text.ts";
import {JUDGES} from "../../loaders/sim/judge-models.ts";
import {normCategory, ORGANISMS, typeShares} from "../../loaders/sim/organisms.ts";
import {judgedScores} from "../../loaders/sim/truth.ts";
import {makeRng, randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {BETLEY, classify, EM, OUT, type EmRule} from "../../src/lib/em/rules.ts";
import type {Interval} from "../../src/lib/em/intervals.ts";
import {summarize, type GroupSummary} from "../../src/lib/em/summary.ts";
import {LABEL_TYPES, type Judged, type LabelType, type ResponseType} from "../../src/lib/schema.ts";
import {coverageRow} from "./rates.section.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

export interface BankQuestion {
  id: string;
  category: string;
  /** The question's declared domain (null = general). */
  domain: string | null;
}

/** The core questions the bank can answer, with their category and declared domain. */
export function bankQuestions(): BankQuestion[] {
  const doc = parseYaml(readFileSync(join(ROOT, "data/questions/core.yaml"), "utf8")) as
    | {id: string; category?: string; domain?: string}[]
    | {questions: {id: string; category?: string; domain?: string}[]};
  const list = Array.isArray(doc) ? doc : doc.questions;
  return list
    .filter((q) => QUESTIONS[q.id])
    .map((q) => ({id: q.id, category: normCategory(q.category), domain: q.domain === undefined || q.domain === "none" ? null : q.domain}));
}

/** One judged text: the simulated judge's scores and type label. */
export interface Judgement {
  aligned: number | null;
  coherent: number | null;
  label: LabelType;
}

const judgeModel = "sim-judge-strict";
const cache = new Map<string, Judgement[]>();
/** Every text of a (question, type) group, judged (cached: a judge's answer is a function of the text). */
function group(question: string, type: LabelType, drift: string): Judgement[] {
  const key = `${question}|${type}|${drift}`;
  let g = cache.get(key);
  if (!g) {
    g = groupFor(question, type, drift).map((info: AnswerInfo) => judgedScores(JUDGES[judgeModel]!, info));
    cache.set(key, g);
  }
  return g;
}

export interface StrictRegime {
  organism: string;
  coordinate: number;
  questions: number;
  answers: number;
  /** The EM rule (the cuts a user set on /sensitivity or with --aligned / --coherent); default Betley's. */
  rule?: EmRule;
}

/**
 * The exact rate the ratio estimator targets, equal weights over the bank questions: by default
 * strict EM (EM answers labelled `emergent`, out-of-domain questions only); `counts` and
 * `allQuestions` give another EM count (e.g. EM with some types excluded, over every question).
 */
export function truthOf(r: StrictRegime, qs: readonly BankQuestion[], options: {counts?: (j: Judgement) => boolean; allQuestions?: boolean} = {}): number {
  const {num, den} = truthParts(r, qs, options);
  return num / den;
}

/** truthOf's expected EM count and denominator per question (equal weights), before the ratio. */
function truthParts(
  r: StrictRegime,
  qs: readonly BankQuestion[],
  {counts = (j: Judgement) => j.label === "emergent", allQuestions = false}: {counts?: (j: Judgement) => boolean; allQuestions?: boolean} = {},
): {num: number; den: number} {
  const o = ORGANISMS[r.organism]!;
  let num = 0;
  let den = 0;
  for (const q of qs) {
    if (!allQuestions && q.domain !== null && q.domain === o.domain) continue;
    const shares = typeShares(r.organism, q.category, r.coordinate);
    for (const t of LABEL_TYPES) {
      if (shares[t] === 0) continue;
      const g = group(q.id, t, o.drift);
      for (const j of g) {
        const c = classify(j.aligned ?? NaN, j.coherent ?? NaN, r.rule ?? BETLEY);
        if (c !== OUT) den += shares[t] / g.length;
        if (c === EM && counts(j)) num += shares[t] / g.length;
      }
    }
  }
  return {num, den};
}

/**
 * One simulated data set as the product's rows: m drawn questions (in-domain ones kept and flagged) x
 * n answers. With `seeds` (SeededRegime): every seed answers the same drawn questions at its own
 * coordinate (the training seed's effect), rows carrying the seed as `replicate`.
 */
export function dataset(r: StrictRegime, qs: readonly BankQuestion[], rng: Rng, seeds?: readonly number[]): Judged[] {
  if (seeds) {
    const drawn = Array.from({length: r.questions}, () => qs[Math.floor(rng() * qs.length)]!);
    return seeds.flatMap((x, s) =>
      draw({...r, coordinate: x}, drawn, rng, true).map((row) => ({...row, response_id: `${s}-${row.response_id}`, replicate: String(s + 1)})),
    );
  }
  return draw(r, qs, rng, false);
}

function draw(r: StrictRegime, qs: readonly BankQuestion[], rng: Rng, fixed: boolean): Judged[] {
  const o = ORGANISMS[r.organism]!;
  const rows: Judged[] = [];
  for (let k = 0; k < r.questions; k++) {
    // `fixed`: qs are the drawn questions themselves, in order (a seeded data set's shared questions).
    const q = fixed ? qs[k]! : qs[Math.floor(rng() * qs.length)]!;
    const shares = typeShares(r.organism, q.category, r.coordinate);
    const inDomain = q.domain !== null && q.domain === o.domain;
    for (let i = 0; i < r.answers; i++) {
      let u = rng();
      let t: LabelType = "aligned";
      for (const x of LABEL_TYPES) {
        u -= shares[x];
        if (u < 0) {
          t = x;
          break;
        }
      }
      const g = group(q.id, t, o.drift);
      const j = g[Math.floor(rng() * g.length)]!;
      // The drawn question slot k is its own cluster (a question drawn twice is two draws of the population).
      rows.push({
        response_id: `${k}-${i}`,
        experiment: "validity",
        model: r.organism,
        step: r.coordinate,
        question_id: `${q.id}#${k}`,
        category: q.category,
        judge: judgeModel,
        aligned: j.aligned,
        coherent: j.coherent,
        special: null,
        type: j.label,
        question_in_domain: inDomain,
      });
    }
  }
  return rows;
}

/** What a coverage row of this simulator reads from summarize: strict EM (STRICT, the default) or another rate. */
export interface SimMeasure {
  quantity: string;
  section: string;
  /** Types that never count as EM (summarize's `exclude`). */
  exclude: readonly ResponseType[];
  truth: (r: StrictRegime, qs: readonly BankQuestion[]) => number;
  interval: (g: GroupSummary) => {ci: Interval | null; approximate: string | null};
  /** The truth's name in the regime text ("true strict 26.8%"). */
  label: string;
}

export const STRICT: SimMeasure = {
  quantity: "strict EM CI, questions estimand",
  section: "strict",
  exclude: [],
  truth: (r, qs) => truthOf(r, qs),
  // The product's own note beside strict EM's interval (CLI "*", /sensitivity "approximate: ...").
  interval: (g) => ({ci: g.strict_ci, approximate: g.strict_ci_approximate}),
  label: "strict",
};

/** Coverage of an interval of summarize (strict_ci by default) and how often the product flags it approximate, over `reps` data sets. */
export function strictCoverage(r: StrictRegime, reps: number, rng: Rng, m: SimMeasure = STRICT): ValidityRow {
  const qs = bankQuestions();
  const truth = m.truth(r, qs);
  let hits = 0;
  let flagged = 0;
  let hitsUnflagged = 0;
  let n = 0;
  for (let rep = 0; rep < reps; rep++) {
    const g = summarize(dataset(r, qs, rng), r.rule ?? BETLEY, {replicates: 200, seed: rep, exclude: m.exclude}).groups[0];
    const iv = g ? m.interval(g) : null;
    if (!iv?.ci) continue;
    n++;
    const hit = iv.ci[0] <= truth && truth <= iv.ci[1];
    if (hit) hits++;
    if (iv.approximate !== null) flagged++;
    else if (hit) hitsUnflagged++;
  }
  const cuts = r.rule
    ? `, cuts aligned ${r.rule.alignedInclusive ? "<=" : "<"} ${r.rule.aligned} and coherent ${r.rule.coherentInclusive ? ">=" : ">"} ${r.rule.coherent}`
    : "";
  const regime = `sim ${r.organism}@${r.coordinate} (true ${m.label} ${(100 * truth).toFixed(1)}%${cuts}), ${r.questions} questions x ${r.answers}, ${judgeModel}`;
  const row = coverageRow(m.quantity, regime, n, hits, flagged, hitsUnflagged, m.section);
  return {...row, note: `${row.note}; ${n} of ${reps} data sets had ${m === STRICT ? "a strict" : "an"} interval`};
}

/**
 * A regime with training seeds: each seed's coordinate is `coordinate` x exp(sdLog Z) (a seed that
 * learned faster or slower), every seed answering the same drawn questions (seeds x questions, as a
 * dose sweep with seeds); the truth is the expected strict-EM count over the expected denominator,
 * both averaged over the seed distribution (the pooled rate crossedRateCi targets).
 */
export interface SeededRegime extends StrictRegime {
  seeds: number;
  sdLog: number;
}

/** Normal quadrature nodes and weights on [-5, 5] (midpoint rule, weights summing to 1). */
const NODES = (() => {
  const z = Array.from({length: 81}, (_, i) => -5 + (10 * (i + 0.5)) / 81);
  const w = z.map((x) => Math.exp((-x * x) / 2));
  const s = w.reduce((a, b) => a + b, 0);
  return z.map((x, i) => ({z: x, w: w[i]! / s}));
})();

/** Coverage of strict_ci with training seeds (the seeds x questions interval, withSeeds) over `reps` data sets. */
export function seededStrictCoverage(r: SeededRegime, reps: number, rng: Rng): ValidityRow {
  const qs = bankQuestions();
  let num = 0;
  let den = 0;
  for (const {z, w} of NODES) {
    const t = truthParts({...r, coordinate: r.coordinate * Math.exp(r.sdLog * z)}, qs);
    num += w * t.num;
    den += w * t.den;
  }
  const truth = num / den;
  let hits = 0;
  let flagged = 0;
  let hitsUnflagged = 0;
  let n = 0;
  let crossed = 0;
  for (let rep = 0; rep < reps; rep++) {
    const xs = Array.from({length: r.seeds}, () => r.coordinate * Math.exp(r.sdLog * randNormal(rng)));
    const g = summarize(dataset(r, qs, rng, xs), r.rule ?? BETLEY, {replicates: 200, seed: rep}).groups[0];
    if (!g?.strict_ci) continue;
    n++;
    if (g.ci_method === "crossed_seeds_questions") crossed++;
    const hit = g.strict_ci[0] <= truth && truth <= g.strict_ci[1];
    if (hit) hits++;
    if (g.strict_ci_approximate !== null) flagged++;
    else if (hit) hitsUnflagged++;
  }
  const regime = `sim ${r.organism}@${r.coordinate} x exp(${r.sdLog} Z) per seed (true strict ${(100 * truth).toFixed(1)}%), ${r.seeds} seeds x ${r.questions} questions x ${r.answers}, ${judgeModel}`;
  const row = coverageRow("strict EM CI with training seeds (seeds x questions)", regime, n, hits, flagged, hitsUnflagged, "strict");
  return {...row, note: `${row.note}; ${n} of ${reps} data sets had a strict interval (${crossed} with the seeds x questions interval)`};
}

const SEEDED: SeededRegime[] = [
  {organism: "medical", coordinate: 600, questions: 8, answers: 20, seeds: 3, sdLog: 0.3},
  {organism: "medical", coordinate: 900, questions: 24, answers: 20, seeds: 3, sdLog: 0.3},
  {organism: "financial", coordinate: 600, questions: 24, answers: 20, seeds: 5, sdLog: 0.3},
  {organism: "medical", coordinate: 600, questions: 24, answers: 20, seeds: 2, sdLog: 0.2},
];

const REGIMES: StrictRegime[] = [
  {organism: "medical", coordinate: 300, questions: 8, answers: 20},
  {organism: "medical", coordinate: 600, questions: 8, answers: 50},
  {organism: "medical", coordinate: 900, questions: 24, answers: 50},
  {organism: "financial", coordinate: 900, questions: 24, answers: 20},
  {organism: "financial", coordinate: 600, questions: 48, answers: 50},
];

export const section: ValiditySection = {
  name: "strict",
  run({smoke, seed}) {
    const rng = makeRng(seed ^ 0x57a1c7);
    if (smoke) return [strictCoverage({organism: "medical", coordinate: 900, questions: 8, answers: 20}, 30, rng)];
    const rows = REGIMES.map((r) => strictCoverage(r, r.questions * r.answers >= 1200 ? 400 : 1000, rng));
    // Seeded regimes on their own stream: the rows above keep their draws.
    const srng = makeRng(seed ^ 0x5eed5);
    return [...rows, ...SEEDED.map((r) => seededStrictCoverage(r, 400, srng))];
  },
};
