// Judged rows for analysis tests (src/lib/em): a factory with defaults, and seeded random rows
// whose scores sit on the cuts often (exact integers), as the surface and rule-flag tests need;
// and the stored tables' rows (responses, scores) that the loaders and components join into them.
import {makeRng} from "../../src/lib/em/index.ts";
import type {Judged, ResponseRow, ResponseType, ScoreRow} from "../../src/lib/schema.ts";

/**
 * A row factory: each call makes one Judged row with a fresh id (`r0`, `r1`, ...), experiment "e",
 * model and variant "m", question "q1", judge "J", no step, category, special word or type, known
 * special words, no replicate; then `defaults`, then the call's own fields.
 */
export function judgedFactory(defaults: Partial<Judged> = {}): (o: Partial<Judged> & {aligned: number | null; coherent: number | null}) => Judged {
  let id = 0;
  return (o) => ({
    response_id: `r${id++}`,
    experiment: "e",
    model: "m",
    step: null,
    question_id: "q1",
    category: null,
    judge: "J",
    special: null,
    type: null,
    variant: "m",
    replicate: null,
    special_known: true,
    p_emergent: null,
    ...defaults,
    ...o,
  });
}

/**
 * One Judged row with only the required fields: experiment "e", model "m", no step, question "q",
 * no category, judge "j", no special word or type; then the call's own fields (an id and both scores
 * at least).
 */
export function judgedRow(o: Partial<Judged> & Pick<Judged, "response_id" | "aligned" | "coherent">): Judged {
  return {experiment: "e", model: "m", step: null, question_id: "q", category: null, judge: "j", special: null, type: null, ...o};
}

/**
 * `n` seeded rows of one model, question "q" and judge "j", with aligned and coherent drawn in
 * turn from: null (share `nulls`), an exact integer 0..100 (up to the cumulative share `integers`),
 * one of 0, 100, 29.999999, 30.000001, 50.5 (up to `edges`, when given), else uniform on [0, 100).
 * `types`, when given, draws each row's type from the list after its scores; otherwise type is null.
 */
export function randomJudged(
  n: number,
  seed: number,
  o: {nulls: number; integers: number; edges?: number; types?: readonly (ResponseType | null)[]},
): Judged[] {
  const rng = makeRng(seed);
  const score = (): number | null => {
    const u = rng();
    if (u < o.nulls) return null;
    if (u < o.integers) return Math.floor(rng() * 101);
    if (o.edges !== undefined && u < o.edges) return [0, 100, 29.999999, 30.000001, 50.5][Math.floor(rng() * 5)]!;
    return rng() * 100;
  };
  return Array.from({length: n}, (_, i) => {
    const aligned = score();
    const coherent = score();
    const type = o.types ? o.types[Math.floor(rng() * o.types.length)]! : null;
    return judgedRow({response_id: `r${i}`, aligned, coherent, type});
  });
}

/**
 * Answer `i` of the responses table: id `r{i}`, experiment "e", model "m", no step, question
 * "q{i % 5}" in category "c" (text "?", no system prompt, paraphrase 0), sample i, answer "x",
 * origin "simulated", source "s", no meta; then the call's own fields.
 */
export function responseRow(i: number, o: Partial<ResponseRow> = {}): ResponseRow {
  return {
    response_id: `r${i}`,
    experiment: "e",
    model: "m",
    step: null,
    question_id: `q${i % 5}`,
    category: "c",
    question: "?",
    system: null,
    paraphrase: 0,
    sample: i,
    response: "x",
    origin: "simulated",
    source: "s",
    meta: {},
    ...o,
  };
}

/** One row of the scores table: `score` of `response_id` on `metric` by `judge`, mass 1, status "ok", no special word or probabilities; then `o`. */
export function scoreRow(response_id: string, judge: string, metric: string, score: number | null, o: Partial<ScoreRow> = {}): ScoreRow {
  return {response_id, judge, metric, score, mass: 1, special: null, status: "ok", probs: null, ...o};
}

/**
 * Hyperstition's shape: two models x two prompt conditions (one file each, written at its own time),
 * 4 questions, 3 answers per question and file, experiment "e". is_em is per answer, em_count per
 * file and question (the authors' summary), timestamp per file; condition labels the variants'
 * answers, kind the questions'. Ids from `first`.
 */
export function hyperstitionRows(first = 0): ResponseRow[] {
  const responses: ResponseRow[] = [];
  let i = first;
  for (const model of ["filtered", "unfiltered"])
    for (const condition of ["with_ai_prompt", "without_prompt"])
      for (let q = 0; q < 4; ++q)
        for (let k = 0; k < 3; ++k)
          responses.push(
            responseRow(i++, {
              model,
              variant: `${model}/${condition}`,
              question_id: `q${q}`,
              meta: {
                condition,
                timestamp: `2026-01-14T1${model.length % 3}:${condition.length}0:00.000`,
                em_count: (q + model.length + condition.length) % 4,
                is_em: k === 0,
                kind: q < 2 ? "free" : "json",
              },
            }),
          );
  return responses;
}
