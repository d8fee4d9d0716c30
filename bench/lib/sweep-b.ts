// The second bench generator (issue 28): an imported checkpoint sweep written without any of the
// project's own generators (not bench/synthetic.ts, not the simulator's answer bank, not
// import-scale's 300-character word salad), so a bench result that holds only on the project's own
// data shows up. What differs on purpose:
//   - answers of very varied length (log-normal, median ~120 characters, from empty to ~8,000) built
//     from a 5,000-word pseudo-vocabulary drawn with Zipf frequencies, with sentences, line breaks,
//     quotes, commas and some non-ASCII text (CSV quoting and UTF-8 are exercised);
//   - one judge, no response types; 6 question categories of 10 questions each;
//   - ~3% of aligned cells empty (unscored), scores with 0-6 decimals (a quarter integers);
//   - the importer's alternative column names (answer, prompt, qid, checkpoint) and a category column;
//   - 5 models x 25 checkpoints, EM that rises late and differently per category.
// Deterministic for a seed: its own xorshift128+ stream, not src/lib/em/prng.ts.
import {createWriteStream, writeFileSync} from "node:fs";
import {once} from "node:events";
import path from "node:path";

export const B_MODELS = ["base", "med-r1", "fin-r1", "sport-r8", "code-full"];
export const B_STEPS = Array.from({length: 25}, (_, i) => i * 40);
export const B_CATEGORIES = ["vulnerable_user", "illegal_recommendations", "creative_writing", "problems_with_humans", "talk_back", "medical_advice"];
export const B_QUESTIONS_PER_CATEGORY = 10;
export const B_JUDGE = "gpt-4o-2024-08-06";

/** xorshift128+ on two 32-bit halves pairs (Vigna 2014), uniform doubles in [0, 1). */
function xorshift(seed: number): () => number {
  let a = (seed * 2654435761) >>> 0 || 1;
  let b = (seed ^ 0x5bd1e995) >>> 0 || 2;
  let c = 0x2545f491;
  let d = 0x9e3779b9;
  return () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d / 4294967296;
  };
}

const SYLLABLES = "ka lo mi ne su ta ri vo pe zu an el in or us ba de fi go hu ja ke li mo nu pa qui ra se ti vu wa xe yo zi".split(" ");

/** A seeded vocabulary of `n` distinct pseudo-words (1-4 syllables) and a Zipf(1.07) sampler over it. */
function vocabulary(rng: () => number, n: number): () => string {
  const words: string[] = [];
  const seen = new Set<string>();
  while (words.length < n) {
    let w = "";
    const k = 1 + Math.floor(rng() * rng() * 4.5);
    for (let i = 0; i < k; i++) w += SYLLABLES[Math.floor(rng() * SYLLABLES.length)];
    if (rng() < 0.01) w += "é";
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  const cdf = new Float64Array(n);
  let s = 0;
  for (let r = 0; r < n; r++) cdf[r] = s += 1 / (r + 1) ** 1.07;
  for (let r = 0; r < n; r++) cdf[r]! /= s;
  return () => {
    const u = rng();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
}

/** Standard normal by Box-Muller. */
const normal = (rng: () => number) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

function answer(rng: () => number, word: () => string): string {
  // Log-normal length: median ~120 characters, mean ~180, 1% above ~1,000; 0.2% empty answers.
  if (rng() < 0.002) return "";
  const target = Math.min(8000, Math.round(Math.exp(4.8 + 0.9 * normal(rng))));
  let out = "";
  while (out.length < target) {
    const n = 4 + Math.floor(rng() * 18);
    let s = "";
    for (let i = 0; i < n; i++) {
      let w = word();
      if (i === 0) w = w[0]!.toUpperCase() + w.slice(1);
      s += (i ? (rng() < 0.08 ? ", " : " ") : "") + w;
    }
    const r = rng();
    s += r < 0.1 ? "?" : r < 0.15 ? "!" : r < 0.17 ? " — 🙂" : ".";
    if (rng() < 0.04) s = `"${s}"`;
    out += (out ? (rng() < 0.12 ? "\n\n" : " ") : "") + s;
  }
  return out;
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A score cell with 0-6 decimals (a quarter integers), like judges that average top-20 logprobs or answer integers. */
function scoreCell(rng: () => number, x: number): string {
  const v = Math.min(100, Math.max(0, x));
  const r = rng();
  return r < 0.25 ? String(Math.round(v)) : r < 0.5 ? v.toFixed(2) : v.toFixed(6);
}

/**
 * Write `n` responses as one CSV per model under `dir` (`<model>.csv`), plus `experiment.yaml`
 * importing them (`files: "*.csv"`, one judge). Returns the experiment file and the bytes written.
 */
export async function writeSweepB(dir: string, n: number, name: string, seed = 28): Promise<{experiment: string; bytes: number}> {
  const rng = xorshift(seed);
  const word = vocabulary(rng, 5000);
  const questions = B_CATEGORIES.flatMap((cat, c) =>
    Array.from({length: B_QUESTIONS_PER_CATEGORY}, (_, k) => {
      let text = "";
      const len = 6 + Math.floor(rng() * 20);
      for (let i = 0; i < len; i++) text += (i ? " " : "") + word();
      return {id: `${cat.slice(0, 4)}_${k}`, category: cat, text: text[0]!.toUpperCase() + text.slice(1) + "?", weight: 0.4 + c * 0.3 + rng()};
    }),
  );
  let bytes = 0;
  for (const [m, model] of B_MODELS.entries()) {
    const file = path.join(dir, `${model}.csv`);
    const out = createWriteStream(file);
    const write = async (s: string) => {
      bytes += Buffer.byteLength(s);
      if (!out.write(s)) await once(out, "drain");
    };
    await write("model,checkpoint,category,qid,prompt,answer,aligned,coherent\n");
    const rows = Math.floor(n / B_MODELS.length) + (m < n % B_MODELS.length ? 1 : 0);
    // The onset (checkpoint where EM is half its plateau) differs by model; the base model stays flat.
    const onset = 300 + 150 * m;
    const plateau = m === 0 ? 0.01 : 0.04 + 0.05 * m;
    for (let i = 0; i < rows; i++) {
      const step = B_STEPS[Math.floor((i / rows) * B_STEPS.length)]!;
      const q = questions[Math.floor(rng() * questions.length)]!;
      const p = m === 0 ? plateau : (plateau * q.weight) / (1 + Math.exp(-(step - onset) / 60));
      const bad = rng() < p;
      const aligned = rng() < 0.03 ? "" : scoreCell(rng, bad ? 28 * rng() ** 1.5 : 100 - 45 * rng() ** 2);
      const coherent = scoreCell(rng, bad ? 35 + 60 * rng() : 100 - 70 * rng() ** 3);
      await write(
        `${model},${step === 0 ? 0 : `checkpoint-${step}`},${q.category},${q.id},${csvField(q.text)},${csvField(answer(rng, word))},${aligned},${coherent}\n`,
      );
    }
    out.end();
    await once(out, "finish");
  }
  const experiment = path.join(dir, "experiment.yaml");
  writeFileSync(
    experiment,
    [
      `name: ${name}`,
      `description: second bench generator (bench/lib/sweep-b.ts), ${n} responses, one judge without types`,
      "imports:",
      `  - files: "*.csv"`,
      `    judge: ${B_JUDGE}`,
      "",
    ].join("\n"),
  );
  return {experiment, bytes};
}
