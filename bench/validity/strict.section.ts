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
import {makeRng, type Rng} from "../../src/lib/em/prng.ts";
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
export function truthOf(
  r: StrictRegime,
  qs: readonly BankQuestion[],
  {counts = (j: Judgement) => j.label === "emergent", allQuestions = false}: {counts?: (j: Judgement) => boolean; allQuestions?: boolean} = {},
): number {
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
  return num / den;
}

/** One simulated data set as the product's rows: m drawn questions (in-domain ones kept and flagged) x n answers. */
export function dataset(r: StrictRegime, qs: readonly BankQuestion[], rng: Rng): Judged[] {
  const o = ORGANISMS[r.organism]!;
  const rows: Judged[] = [];
  for (let k = 0; k < r.questions; k++) {
    const q = qs[Math.floor(rng() * qs.length)]!;
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
    return REGIMES.map((r) => strictCoverage(r, r.questions * r.answers >= 1200 ? 400 : 1000, rng));
  },
};
