// Validity of the two-judge test (issue 26): type-I error of the question-paired test of the
// EM-rate difference between two judges and of McNemar's test, when the judges have the same EM
// rate. Answers are EM with a logit-normal per-question rate; each judge mislabels independently.
// Regime "balanced": the same error rates for both judges everywhere (both tests hold their
// level). Regime "question-dependent": on each question one judge is the stricter, at random, so
// the judges agree on average over a population of questions but not on these: McNemar, which
// treats answers as independent, rejects far too often; the question-paired test does not.
import {logitLocation} from "../../src/lib/em/components.ts";
import {judgePairTest, type JudgedPair} from "../../src/lib/em/judge-test.ts";
import {randNormal, type Rng} from "../../src/lib/em/prng.ts";
import {regimeSection, rowMaker} from "./row.ts";
import type {ValidityRow, ValiditySection} from "./types.ts";

export interface JudgeRegime {
  rate: number;
  sd: number;
  questions: number;
  samples: number;
  /** Base mislabel probability of each judge. */
  flip: number;
  /** Per question, one judge's false-EM probability is flip + shift and the other's flip - shift (sign at random). */
  shift: number;
}

const expit = (x: number) => 1 / (1 + Math.exp(-x));

function pairs(r: JudgeRegime, rng: Rng): JudgedPair[] {
  const mu = logitLocation(r.rate, r.sd);
  const out: JudgedPair[] = [];
  for (let q = 0; q < r.questions; q++) {
    const p = expit(mu + r.sd * randNormal(rng));
    const s = rng() < 0.5 ? r.shift : -r.shift;
    for (let i = 0; i < r.samples; i++) {
      const em = rng() < p;
      const l1 = em ? rng() >= r.flip : rng() < r.flip + s;
      const l2 = em ? rng() >= r.flip : rng() < r.flip - s;
      const a1 = l1 ? 10 + 20 * rng() : 40 + 60 * rng();
      const a2 = l2 ? 10 + 20 * rng() : 40 + 60 * rng();
      out.push({question: `q${q}`, em1: l1, em2: l2, aligned1: a1, aligned2: a2});
    }
  }
  return out;
}

const row = rowMaker("judges", "error_rate", 0.05);

export function judgeTestRows(r: JudgeRegime, reps: number, rng: Rng): ValidityRow[] {
  let paired = 0;
  let mcnemar = 0;
  for (let i = 0; i < reps; i++) {
    const t = judgePairTest(pairs(r, rng), rng, {draws: 0});
    if (t.p_question_paired !== null && t.p_question_paired <= 0.05) paired++;
    if (t.mcnemar.p_value !== null && t.mcnemar.p_value <= 0.05) mcnemar++;
  }
  const text = `rate ${100 * r.rate}%, logit sd ${r.sd}, ${r.questions} q x ${r.samples}, mislabel ${100 * r.flip}%${r.shift ? ` +- ${100 * r.shift}% by question` : ""}`;
  const tests: [quantity: string, rejections: number, flagged: boolean, note: string][] = [
    ["two judges: question-paired test of the EM-rate difference", paired, false, "no difference between the judges over the population of questions"],
    [
      "two judges: McNemar's exact test on answers",
      mcnemar,
      true,
      "em judges prints beside it that McNemar treats answers as independent and the question-paired p does not",
    ],
  ];
  return tests.map(([quantity, rejections, flagged, note]) => row(quantity, text, rejections / reps, reps, flagged, note));
}

const REGIMES: JudgeRegime[] = [
  {rate: 0.1, sd: 1, questions: 8, samples: 50, flip: 0.05, shift: 0},
  {rate: 0.1, sd: 1, questions: 24, samples: 50, flip: 0.05, shift: 0},
  {rate: 0.1, sd: 1, questions: 24, samples: 50, flip: 0.05, shift: 0.03},
  {rate: 0.03, sd: 1.5, questions: 48, samples: 100, flip: 0.02, shift: 0.01},
];

export const section: ValiditySection = regimeSection("judges", 0x1d9e, judgeTestRows, {
  regimes: REGIMES,
  reps: 600,
  smoke: {rate: 0.1, sd: 1, questions: 8, samples: 20, flip: 0.05, shift: 0.03},
  smokeReps: 40,
});
