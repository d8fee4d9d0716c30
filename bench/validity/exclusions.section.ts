// Validity of the EM rate's interval with response types excluded (`em summarize --exclude-types`,
// the "Exclude from EM" toggles of /sensitivity and /categories): excluded types never count as EM
// and stay in the denominator (aggregateColumns), and summarize's questions-estimand interval is
// computed on those counts. Data sets are the strict section's simulator (questions drawn from the
// bank, planted type shares of an organism at a coordinate, the simulated judge's scores and type
// labels); the truth is the exact rate over every bank question (in-domain ones included, as the
// broad rate's denominator): EM answers whose type is not excluded over the denominator.
import {makeRng} from "../../src/lib/em/prng.ts";
import type {ResponseType} from "../../src/lib/schema.ts";
import {strictCoverage, truthOf, type SimMeasure, type StrictRegime} from "./strict.section.ts";
import type {ValiditySection} from "./types.ts";

const NAME = "exclusions";

/** The EM rate with `exclude` never counting as EM, as summarize's `ci` (the ≈ note of the pages is `ci_approximate`). */
export function excluding(exclude: readonly ResponseType[]): SimMeasure {
  return {
    quantity: "EM rate CI with response types excluded, questions estimand",
    section: NAME,
    exclude,
    truth: (r, qs) => truthOf(r, qs, {counts: (j) => !exclude.includes(j.label), allQuestions: true}),
    interval: (g) => ({ci: g.ci, approximate: g.ci_approximate}),
    label: `EM without ${exclude.join(", ")}`,
  };
}

const REGIMES: [StrictRegime, ResponseType[]][] = [
  [{organism: "medical", coordinate: 600, questions: 8, answers: 50}, ["in_domain"]],
  [{organism: "medical", coordinate: 900, questions: 24, answers: 20}, ["refusal", "artifact", "in_domain"]],
  [{organism: "financial", coordinate: 900, questions: 8, answers: 50}, ["refusal", "artifact", "in_domain", "drift"]],
  [{organism: "financial", coordinate: 600, questions: 24, answers: 50}, ["in_domain", "drift"]],
];

export const section: ValiditySection = {
  name: NAME,
  run({smoke, seed}) {
    const rng = makeRng((seed ^ 0xe8c1d) >>> 0);
    if (smoke) return [strictCoverage({organism: "medical", coordinate: 900, questions: 8, answers: 20}, 20, rng, excluding(["in_domain", "drift"]))];
    return REGIMES.map(([r, ex]) => strictCoverage(r, 600, rng, excluding(ex)));
  },
};
