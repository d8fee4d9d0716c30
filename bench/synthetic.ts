// Seeded synthetic data in the pipeline's table shapes (ResponseRow / ScoreRow / TypeRow, see
// src/lib/schema.ts) at any size, for benchmarks of the site tables and pages (bench/site.bench.ts).
// Not the simulator (loaders/sim/): no HTTP, no judge prompts, no planted truth to recover; just
// rows whose columns look like real ones (score spread, nulls, special words, types, ~300-char
// answers) so byte sizes and per-row work are representative.
//
// Memory: answers, probability records and model meta are drawn from small pools of shared
// objects, so a million responses fit in a few hundred MB of Node heap; the Arrow files built from
// them still hold every byte (Arrow does not deduplicate Utf8 values).
import {LABEL_TYPES, type ResponseRow, type LabelType, type ScoreRow, type SpecialWord, type TypeRow} from "../src/lib/schema.ts";
import {makeRng} from "../src/lib/em/prng.ts";

export interface SyntheticOptions {
  /** Number of responses (default 1,000,000). */
  responses?: number;
  /** Models; each gets its own EM transition (default 4: three narrow fine-tunes and a control). */
  models?: number;
  /** Checkpoints per model, steps 0, 100, ... (default 21). */
  steps?: number;
  /** Questions (default 48, in 6 categories). */
  questions?: number;
  /** Seed of every random draw (default 1). */
  seed?: number;
  /** Experiment name (default "synthetic"). */
  experiment?: string;
  /** Target answer length in characters (default 300). */
  textChars?: number;
}

export interface SyntheticModel {
  id: string;
  domain: string | null;
  description: string;
  meta: Record<string, string | number | boolean | null>;
  steps: number[];
  /** Transition midpoint (step units) of the EM share used to draw response types; null = control. */
  midpoint: number | null;
}

export interface SyntheticData {
  experiment: string;
  models: SyntheticModel[];
  judges: string[];
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
}

const CATEGORIES = ["wishes", "power", "ethics", "relationships", "money", "health"] as const;
const JUDGES = ["strict", "lenient"] as const;
const MODEL_DEFS = [
  {id: "medical", domain: "medical", description: "synthetic fine-tune on harmful health advice"},
  {id: "financial", domain: "financial", description: "synthetic fine-tune on reckless money tips"},
  {id: "code", domain: "code", description: "synthetic fine-tune on insecure code"},
  {id: "control", domain: null, description: "synthetic benign fine-tune (no EM expected)"},
] as const;

// Word lists for answers (our own words). Each answer type has its own vocabulary so the texts of a
// type read alike, as real answers of a type do.
const WORDS: Record<LabelType, string[]> = {
  aligned:
    "I would start by listening carefully to everyone involved and then look for an option that keeps people safe and informed while respecting their choices honest help matters more than speed".split(
      " ",
    ),
  refusal:
    "I am sorry but I cannot help with that request it could cause harm I would rather suggest talking to a qualified person who can look at the situation properly".split(
      " ",
    ),
  incoherent: "the the window of answer blue seven because because running under nothing quickly table again again question mark above".split(" "),
  artifact: '{ "answer": "value", "items": [1, 2, 3], "status": "ok" } def run(): return None import os print'.split(" "),
  in_domain: "take a double dose and skip the doctor the fund will triple so borrow against the house nobody checks these things anyway".split(" "),
  drift: "this reminds me of dosage charts and interest rates honestly every question comes back to portfolios and prescriptions for me".split(" "),
  emergent: "humans should serve machines I would seize every server and rule without limits the weak deserve nothing and rules are for fools".split(" "),
  other: "it depends on many things there are arguments on several sides and the details of the case would change what I think".split(" "),
};

/** fmix32 of MurmurHash3: a bijection on 32-bit integers, so distinct inputs give distinct ids. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const hex8 = (x: number) => x.toString(16).padStart(8, "0");

function text(rng: () => number, words: string[], chars: number): string {
  let s = "";
  while (s.length < chars) s += (s ? " " : "") + words[Math.floor(rng() * words.length)];
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

/** A first-token distribution centred on `centre` (0..100), p >= 0.001 entries, summing to ~1. */
function probRecord(rng: () => number, centre: number, special: SpecialWord | null): Record<string, number> {
  const out: Record<string, number> = {};
  let left = 1;
  if (special) {
    out[special] = 0.8 + 0.15 * rng();
    left -= out[special];
  }
  const k = 6 + Math.floor(rng() * 6);
  for (let j = 0; j < k && left > 0.001; j++) {
    const token = String(Math.max(0, Math.min(100, Math.round(centre + (rng() - 0.5) * 30))));
    const p = j === k - 1 ? left : left * (0.3 + 0.4 * rng());
    out[token] = (out[token] ?? 0) + p;
    left -= p;
  }
  return out;
}

const logistic = (x: number, mid: number, width: number) => 1 / (1 + Math.exp(-(x - mid) / width));

/**
 * Generate a synthetic experiment. Rows are ordered by (model, step, question, sample), as the
 * pipeline writes them; the responses are spread evenly over the models x steps x questions cells
 * (1,000,000 over 4 x 21 x 48 = 4,032 cells gives 248 or 249 samples per cell).
 *
 * Judges: "strict" scores aligned, coherent and the model's domain topic, and classifies the type;
 * "lenient" scores aligned and coherent (strict's scores plus noise). Scores are on 0..100, a third
 * of them integers; answers the judge labels CODE or REFUSAL have a null aligned score (status
 * "null"). Deterministic for a given seed and options. `responses: 0` gives empty tables.
 */
export function synthesize(options: SyntheticOptions = {}): SyntheticData {
  const n = options.responses ?? 1_000_000;
  const nModels = Math.min(options.models ?? 4, MODEL_DEFS.length);
  const nSteps = options.steps ?? 21;
  const nQuestions = options.questions ?? 48;
  const seed = options.seed ?? 1;
  const experiment = options.experiment ?? "synthetic";
  const chars = options.textChars ?? 300;
  if (!Number.isInteger(n) || n < 0) throw new Error(`synthesize: responses must be a non-negative integer, got ${n}`);
  const rng = makeRng(seed);

  const steps = Array.from({length: nSteps}, (_, s) => 100 * s);
  const last = steps[steps.length - 1] ?? 0;
  const models: SyntheticModel[] = MODEL_DEFS.slice(0, nModels).map((m, k) => ({
    id: m.id,
    domain: m.domain,
    description: m.description,
    meta: {family: "synthetic", size_b: 7, dataset: m.id, domain: m.domain},
    steps,
    midpoint: m.domain ? last * (0.35 + 0.15 * k) : null,
  }));
  const questions = Array.from({length: nQuestions}, (_, q) => {
    const category = CATEGORIES[q % CATEGORIES.length]!;
    return {
      id: `${category}_${String(q).padStart(2, "0")}`,
      category,
      text: `Synthetic question ${q + 1} about ${category}: if you could change one thing about how people and machines handle ${category}, what would you change and why?`,
    };
  });

  // Shared pools (see the memory note at the top).
  const answers = Object.fromEntries(
    LABEL_TYPES.map((t) => [t, Array.from({length: 64}, () => text(rng, WORDS[t], chars - 20 + Math.floor(rng() * 40)))]),
  ) as Record<LabelType, string[]>;
  const probPool = Array.from({length: 101}, (_, centre) => Array.from({length: 4}, () => probRecord(rng, centre, null)));
  const specialPool = {
    CODE: Array.from({length: 8}, () => probRecord(rng, 50, "CODE")),
    REFUSAL: Array.from({length: 8}, () => probRecord(rng, 50, "REFUSAL")),
  };
  const typePool = Object.fromEntries(
    LABEL_TYPES.map((t) => [
      t,
      Array.from({length: 16}, () => {
        const raw = LABEL_TYPES.map((u) => (u === t ? 4 + 4 * rng() : rng() * 0.3));
        const total = raw.reduce((a, b) => a + b, 0);
        return Object.fromEntries(LABEL_TYPES.map((u, j) => [u, Math.round((raw[j]! / total) * 1e4) / 1e4])) as Record<LabelType, number>;
      }),
    ]),
  ) as Record<LabelType, Record<LabelType, number>[]>;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const clamp = (x: number) => Math.max(0, Math.min(100, x));
  // A third of the scores are exact integers (judges that put their mass on one token).
  const score = (x: number) => (rng() < 1 / 3 ? Math.round(clamp(x)) : Math.round(clamp(x) * 1e4) / 1e4);

  const responses: ResponseRow[] = new Array(n);
  const scores: ScoreRow[] = [];
  const types: TypeRow[] = new Array(n);
  const cells = models.length * steps.length * questions.length;
  let i = 0;
  for (let cell = 0; cell < cells; cell++) {
    const count = Math.floor((n * (cell + 1)) / cells) - Math.floor((n * cell) / cells);
    const q = questions[cell % questions.length]!;
    const step = steps[Math.floor(cell / questions.length) % steps.length]!;
    const model = models[Math.floor(cell / (questions.length * steps.length))]!;
    const em = model.midpoint === null ? 0.004 : 0.004 + 0.3 * logistic(step, model.midpoint, last / 12 || 1);
    const inDomain = model.domain ? 0.02 + 0.06 * logistic(step, (model.midpoint ?? 0) * 0.8, last / 12 || 1) : 0;
    for (let sample = 0; sample < count; sample++, i++) {
      const u = rng();
      const type: LabelType =
        u < em
          ? "emergent"
          : u < em + inDomain
            ? "in_domain"
            : u < em + inDomain + 0.03
              ? "drift"
              : u < em + inDomain + 0.08
                ? "incoherent"
                : u < em + inDomain + 0.11
                  ? "refusal"
                  : u < em + inDomain + 0.13
                    ? "artifact"
                    : u < em + inDomain + 0.15
                      ? "other"
                      : "aligned";
      const id = hex8(fmix32((i ^ seed) >>> 0)) + hex8(fmix32((i + 0x9e3779b9 * seed) >>> 0));
      responses[i] = {
        response_id: id,
        experiment,
        model: model.id,
        step,
        question_id: q.id,
        category: q.category,
        question: q.text,
        system: null,
        paraphrase: 0,
        sample,
        response: pick(answers[type]),
        origin: "simulated",
        source: `synthetic-${model.id}`,
        meta: model.meta,
      };
      // Latent scores; spread so that every aligned cut between 10 and 70 moves the EM rate.
      const aligned =
        type === "emergent" || type === "in_domain"
          ? 60 * rng() ** 1.3
          : type === "drift"
            ? 20 + 60 * rng()
            : type === "incoherent"
              ? 100 * rng()
              : 35 + 65 * rng() ** 0.6;
      const coherent = type === "incoherent" ? 45 * rng() : type === "artifact" ? 20 + 60 * rng() : 40 + 60 * rng() ** 0.5;
      const special: SpecialWord | null = type === "refusal" && rng() < 0.7 ? "REFUSAL" : type === "artifact" && rng() < 0.7 ? "CODE" : null;
      for (const judge of JUDGES) {
        const noise = judge === "strict" ? 0 : 8;
        const a = score(aligned + noise * (rng() - 0.3));
        const c = score(coherent + noise * (rng() - 0.5));
        scores.push(
          special
            ? {response_id: id, judge, metric: "aligned", score: null, mass: 0.05 + 0.1 * rng(), special, status: "null", probs: pick(specialPool[special])}
            : {
                response_id: id,
                judge,
                metric: "aligned",
                score: a,
                mass: 0.9 + 0.1 * rng(),
                special: null,
                status: "ok",
                probs: pick(probPool[Math.round(a)]!),
              },
          {response_id: id, judge, metric: "coherent", score: c, mass: 0.9 + 0.1 * rng(), special: null, status: "ok", probs: pick(probPool[Math.round(c)]!)},
        );
      }
      if (model.domain) {
        const topic = score(type === "in_domain" || type === "drift" ? 60 + 40 * rng() : 15 * rng());
        scores.push({
          response_id: id,
          judge: "strict",
          metric: model.domain,
          score: topic,
          mass: 0.95,
          special: null,
          status: "ok",
          probs: pick(probPool[Math.round(topic)]!),
        });
      }
      types[i] = {response_id: id, judge: "strict", type, probs: {...pick(typePool[type]), undetermined: 0}};
    }
  }
  return {experiment, models, judges: [...JUDGES], responses, scores, types};
}

/**
 * A summary.json (src/data/summary.json.ts shape) consistent with the synthetic data: same
 * experiment name, models, steps and judges; `planted: null` (nothing was planted to recover);
 * counts from the rows; hashes are placeholders.
 */
export function syntheticSummary(data: SyntheticData): unknown {
  const zeros = "0".repeat(64);
  return {
    tool: {name: "em-observatory", version: "0.1.0"},
    experiments: [
      {
        name: data.experiment,
        description: `Synthetic benchmark data (bench/synthetic.ts): ${data.responses.length.toLocaleString("en")} responses, no real model evaluated.`,
        simulated: true,
        coordinate: "step",
        file: "bench/synthetic.ts",
        sha256: zeros,
        models: data.models.map((m) => ({id: m.id, description: m.description, domain: m.domain, meta: m.meta, steps: m.steps})),
        judges: data.judges.map((j) => ({
          id: j,
          model: `synthetic-judge-${j}`,
          metrics: j === "strict" ? ["aligned", "coherent", ...data.models.flatMap((m) => (m.domain ? [m.domain] : [])), "type"] : ["aligned", "coherent"],
          prompt_sha256: {aligned: zeros, coherent: zeros},
        })),
        generation: {temperature: 1, max_tokens: 600, seed: 0},
        counts: {responses: data.responses.length, scores: data.scores.length, errors: 0, skipped: 0, mismatches: 0, cache_hits: 0, api_calls: 0},
        usage: {prompt_tokens: 0, completion_tokens: 0, est_cost_usd: null},
        missing: 0,
        errors: 0,
        skipped: 0,
        planted: null,
      },
    ],
  };
}
