// `em plan`: how many seeds, questions and samples per question a study needs to detect a stated
// difference of EM rates with stated power (issue 26). The two arms' spreads come from a pilot
// (any experiment or tables, summarized by `em summarize --components` under the chosen rule) or
// are stated; each design's power is simulated through the interval `em summarize --baseline`
// prints (src/lib/em/plan.ts), and its cost comes from the pipeline's price table.
import type {VarianceComponents} from "../../src/lib/em/components.ts";
import {
  designCalls,
  designPower,
  judgeCost,
  pilotPlanModels,
  type Design,
  type PilotArm,
  type PlanArm,
  type PlanModel,
  type PowerResult,
} from "../../src/lib/em/plan.ts";
import {EST_ANSWER_SHARE} from "../run/cost.ts";
import {PRICES, pricing} from "../client/prices.ts";
import {numberOption, parseCommandOptions} from "../command-options.ts";
import {EXIT} from "../exit-codes.ts";

export const USAGE = `Usage: em plan (--experiment FILE | --data DIR | --rates A,B) [options]

The seeds, questions and samples per question needed to detect a difference of EM rates between
two arms with a stated power, by simulation from the arms' variance components through the
question-paired interval \`em summarize --baseline\` prints (docs/metrics.md, "Planning").

Pilot (one of):
  --experiment FILE      a pilot experiment (offline: imports, cache, simulator; never a paid call)
  --data DIR             tables written by \`em run --out DIR\`
  --rates A,B            stated EM rates of the two arms (fractions, e.g. 0.07,0.01), with:
    --sd-question X      logit SD between questions (default 1)
    --sd-interaction X   logit SD of seed x question (default 0)
    --in-denominator X   share of answers in the rule's denominator (default 0.9)
  --sd-seed X            logit SD between training seeds (stated rates: default 0; a pilot with one
                         seed cannot estimate it and assumes 0 unless given)
  --correlation R        correlation 0..1 of the arms' question effects (default: estimated from
                         the pilot's shared questions; stated rates: 0, the conservative choice)

Comparison (with a pilot):
  --compare A,B          two variants (as printed by em summarize --by variant)
  --variant V            a variant against its declared baseline (default: the first with one)
  --diff PP              the difference to detect, percentage points (default: the pilot's own)
  rule and judge: --rule, --aligned, --coherent, --judge, --questions as in em summarize

Designs and power:
  --power X              target power (default 0.8)
  --confidence X         interval confidence (default 0.95; a two-sided test at 1 - X)
  --seeds LIST           seeds per arm to try (default 1, or 1,2,3,5 when the seed SD is > 0)
  --question-counts LIST questions to try (default 8,16,24,48)
  --samples LIST         samples per question and seed to try (default 25,50,100,200)
  --reps N               simulated studies per design (default 400; Monte-Carlo error shown)
  --seed N               simulation seed (default 0)

Cost (USD, from the price table loaders/client/prices.ts):
  --judge-model M        judge model priced per call (default: the pilot's judge, else gpt-4o)
  --judge-prompt-tokens N  prompt tokens per judge call (default 700; two metrics per answer)
  --gen-price IN,OUT     generation price per 1M tokens (fine-tunes are not in the table: unknown)
  --max-tokens N         generation max_tokens (default 600; answers assumed ${EST_ANSWER_SHARE} of it)

  --format F             table (default) or json
  -h, --help             this help

Exit status: 0 done; 1 bad input; 2 usage.
`;

function fail(msg: string): never {
  throw new Error(msg);
}

function ints(name: string, v: string | undefined, dflt: number[]): number[] {
  if (v === undefined) return dflt;
  const xs = v.split(",").map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 100000)) fail(`--${name} must be a comma list of positive integers, got '${v}'`);
  return [...new Set(xs)].sort((a, b) => a - b);
}

interface Pilot {
  source: string;
  a: PilotArm;
  b: PilotArm;
  judge: string | null;
}

/** The pilot's arms, through `em summarize` itself (the same loading, rule and question filter). */
async function readPilot(values: Record<string, string | boolean | undefined>): Promise<Pilot> {
  const {run} = await import("./summarize.ts");
  const pass: string[] = [];
  for (const k of ["experiment", "data", "rule", "aligned", "coherent", "judge", "questions"] as const)
    if (typeof values[k] === "string") pass.push(`--${k}`, values[k] as string);
  const call = async (extra: string[]) => {
    let text = "";
    await run([...pass, ...extra, "--format", "json"], (t) => void (text += t));
    return JSON.parse(text) as {
      judges: string[];
      groups: {key: Record<string, unknown>; n: number; n_scored: number; n_em: number}[];
      components?: {groups: {key: Record<string, unknown>; components: VarianceComponents | null}[]};
      baseline_diffs?: {variant: string; baseline: string}[];
    };
  };
  const hasBaseline = !values.compare;
  const main = await call(["--by", "variant", "--components", ...(hasBaseline ? ["--baseline"] : [])]);
  const variants = main.groups.map((g) => String(g.key.variant));
  let aName: string;
  let bName: string;
  if (typeof values.compare === "string") {
    const parts = values.compare.split(",").map((s) => s.trim());
    if (parts.length !== 2) fail(`--compare takes two variants separated by a comma, got '${values.compare}'`);
    [aName, bName] = parts as [string, string];
  } else {
    const diffs = main.baseline_diffs ?? [];
    const d = typeof values.variant === "string" ? diffs.find((x) => x.variant === values.variant) : diffs[0];
    if (!d)
      fail(
        typeof values.variant === "string"
          ? `--variant: '${values.variant}' has no baseline (variants with one: ${diffs.map((x) => x.variant).join(", ")})`
          : "no variant has a baseline: give --compare A,B",
      );
    aName = d.variant;
    bName = d.baseline;
  }
  for (const v of [aName, bName]) if (!variants.includes(v)) fail(`no variant '${v}' in the pilot (variants: ${variants.join(", ")})`);
  // Per-question counts of both arms, one question coding.
  const perQ = await call(["--by", "variant,question_id", "--fold-variants"]);
  const qids = [...new Set(perQ.groups.map((g) => String(g.key.question_id)))];
  const arm = (name: string): PilotArm => {
    const g = main.groups.find((x) => String(x.key.variant) === name)!;
    const c = main.components!.groups.find((x) => String(x.key.variant) === name)!;
    const qk = new Float64Array(qids.length);
    const qd = new Float64Array(qids.length);
    for (const x of perQ.groups) {
      if (String(x.key.variant) !== name) continue;
      const i = qids.indexOf(String(x.key.question_id));
      qk[i] = x.n_em;
      qd[i] = x.n_scored;
    }
    return {label: name, rate: g.n_scored ? g.n_em / g.n_scored : 0, components: c.components, in_denominator: g.n ? g.n_scored / g.n : 0, qk, qd};
  };
  return {source: String(values.experiment ?? values.data), a: arm(aName), b: arm(bName), judge: main.judges[0] ?? null};
}

export interface PlanRow extends Design, PowerResult {
  /**
   * Power with both arms' between-question variance at the upper and at the lower end of the pilot's
   * interval (pilotPlanModels): what the pilot allows; null with stated rates (taken as exact).
   */
  power_range: [number, number] | null;
  answers: number;
  judge_calls: number;
  /** USD; null when a price is unknown. */
  judge_cost: number | null;
  generation_cost: number | null;
  meets_target: boolean;
}

export interface PlanOutput {
  version: 1;
  source: string;
  comparison: {a: string; b: string; rate_a: number; rate_b: number; diff: number; observed_diff: number | null};
  model: PlanModel;
  assumptions: string[];
  target_power: number;
  confidence: number;
  reps: number;
  seed: number;
  interval: string;
  pricing: {
    judge_model: string;
    judge_price: [number, number] | null;
    judge_prompt_tokens: number;
    generation_price: [number, number] | null;
    max_tokens: number;
  };
  designs: PlanRow[];
  /** The cheapest design (by answers, then judge cost) whose power reaches the target; null when none does. */
  recommended: PlanRow | null;
  /** The cheapest whose power reaches the target across the pilot's power range (null: none, or no range). */
  recommended_range: PlanRow | null;
  /** The models at the ends of the pilot's between-question intervals (wide: upper end); null with stated rates. */
  range_models: {wide: PlanModel; narrow: PlanModel} | null;
}

export async function run(argv: string[], write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  const values = parseCommandOptions(argv, {
    experiment: {type: "string"},
    data: {type: "string"},
    rates: {type: "string"},
    "sd-question": {type: "string"},
    "sd-seed": {type: "string"},
    "sd-interaction": {type: "string"},
    "in-denominator": {type: "string"},
    correlation: {type: "string"},
    compare: {type: "string"},
    variant: {type: "string"},
    diff: {type: "string"},
    rule: {type: "string"},
    aligned: {type: "string"},
    coherent: {type: "string"},
    judge: {type: "string"},
    questions: {type: "string"},
    power: {type: "string", default: "0.8"},
    confidence: {type: "string", default: "0.95"},
    seeds: {type: "string"},
    "question-counts": {type: "string"},
    samples: {type: "string"},
    reps: {type: "string", default: "400"},
    seed: {type: "string", default: "0"},
    "judge-model": {type: "string"},
    "judge-prompt-tokens": {type: "string", default: "700"},
    "gen-price": {type: "string"},
    "max-tokens": {type: "string", default: "600"},
    format: {type: "string", default: "table"},
    help: {type: "boolean", short: "h", default: false},
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const sources = [values.experiment, values.data, values.rates].filter((x) => x !== undefined).length;
  if (sources !== 1) {
    process.stderr.write(`em plan: give exactly one of --experiment FILE, --data DIR or --rates A,B\n\n${USAGE}`);
    return EXIT.usage;
  }
  const format = values.format;
  if (format !== "table" && format !== "json") fail(`--format must be table or json, got '${format}'`);
  const target = numberOption("power", values.power, 0.01, 0.999)!;
  const confidence = numberOption("confidence", values.confidence, 0.5, 0.999)!;
  const reps = numberOption("reps", values.reps, 10, 1e6)!;
  if (!Number.isInteger(reps)) fail(`--reps must be an integer, got '${values.reps}'`);
  const seed = numberOption("seed", values.seed, 0, 2 ** 32 - 1)!;
  if (!Number.isInteger(seed)) fail(`--seed must be an integer, got '${values.seed}'`);
  const diffPp = numberOption("diff", values.diff, -100, 100);
  const sdSeed = numberOption("sd-seed", values["sd-seed"], 0, 10);
  const corrGiven = numberOption("correlation", values.correlation, 0, 1);
  const promptTokens = numberOption("judge-prompt-tokens", values["judge-prompt-tokens"], 1, 1e6)!;
  const maxTokens = numberOption("max-tokens", values["max-tokens"], 1, 1e6)!;
  let genPrice: [number, number] | null = null;
  if (values["gen-price"] !== undefined) {
    const p = values["gen-price"].split(",").map(Number);
    if (p.length !== 2 || p.some((x) => !Number.isFinite(x) || x < 0)) fail(`--gen-price must be IN,OUT (USD per 1M tokens), got '${values["gen-price"]}'`);
    genPrice = p as [number, number];
  }
  const assumptions: string[] = [];
  let a: PlanArm;
  let b: PlanArm;
  let labels: [string, string];
  let observed: number | null = null;
  let correlation: number;
  let source: string;
  let ends: {wide: PlanModel; narrow: PlanModel} | null = null;
  let judgeModel = values["judge-model"];
  if (values.rates !== undefined) {
    for (const k of ["compare", "variant", "rule", "aligned", "coherent", "judge", "questions"] as const)
      if (values[k] !== undefined) fail(`--${k} reads a pilot; with --rates there is none`);
    const r = values.rates.split(",").map(Number);
    if (r.length !== 2 || r.some((x) => !(x >= 0 && x <= 1))) fail(`--rates must be two fractions A,B in 0..1, got '${values.rates}'`);
    const common = {
      sd_seed: sdSeed ?? 0,
      sd_question: numberOption("sd-question", values["sd-question"], 0, 10) ?? 1,
      sd_interaction: numberOption("sd-interaction", values["sd-interaction"], 0, 10) ?? 0,
      in_denominator: numberOption("in-denominator", values["in-denominator"], 0.01, 1) ?? 0.9,
    };
    a = {rate: r[0]!, ...common};
    b = {rate: r[1]!, ...common};
    labels = ["A", "B"];
    correlation = corrGiven ?? 0;
    if (corrGiven === undefined) assumptions.push("question effects of the arms uncorrelated (no pilot; --correlation to pair them)");
    assumptions.push(
      `stated: logit SD question ${common.sd_question}, seed ${common.sd_seed}, interaction ${common.sd_interaction}; ${Math.round(100 * common.in_denominator)}% of answers in the denominator`,
    );
    assumptions.push("stated spreads taken as exact: no power range (a pilot gives one from its components' intervals)");
    source = "stated rates";
  } else {
    for (const k of ["sd-question", "sd-interaction", "in-denominator"] as const)
      if (values[k] !== undefined) fail(`--${k} goes with --rates; a pilot gives its own`);
    const p = await readPilot(values);
    let fitted: ReturnType<typeof pilotPlanModels>;
    try {
      fitted = pilotPlanModels(p.a, p.b, {sdSeed});
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
    a = fitted.point.a;
    b = fitted.point.b;
    if (fitted.wide && fitted.narrow) ends = {wide: fitted.wide, narrow: fitted.narrow};
    else assumptions.push("no interval for the between-question spread: power shown without a range");
    assumptions.push(...fitted.assumptions.map((x) => (/seed-to-seed/.test(x) ? `${x} (--sd-seed to plan for it)` : x)));
    labels = [p.a.label, p.b.label];
    observed = p.a.rate - p.b.rate;
    correlation = corrGiven ?? fitted.point.question_correlation;
    if (corrGiven !== undefined)
      assumptions.splice(
        assumptions.findIndex((x) => /correlation|uncorrelated/.test(x)),
        1,
      );
    source = p.source;
    judgeModel ??= p.judge ?? undefined;
  }
  if (diffPp !== undefined) {
    const ra = b.rate + diffPp / 100;
    if (!(ra > 0 && ra < 1)) fail(`--diff ${diffPp}: the compared arm's rate would be ${(100 * ra).toFixed(1)}%, outside (0, 100)`);
    a = {...a, rate: ra};
  }
  // The range models share the point's rates, pairing and seed spread; only the question spread moves.
  const endModel = (m: PlanModel): PlanModel => ({
    a: {...a, sd_question: m.a.sd_question},
    b: {...b, sd_question: m.b.sd_question},
    question_correlation: correlation,
  });
  const rangeModels = ends ? {wide: endModel(ends.wide), narrow: endModel(ends.narrow)} : null;
  if (a.rate === b.rate) fail(`the two arms have the same rate (${(100 * a.rate).toFixed(1)}%): give the difference to detect with --diff PP`);
  if (!(a.rate > 0 && a.rate < 1) || !(b.rate >= 0 && b.rate < 1)) fail(`rates must lie in (0, 1): ${a.rate}, ${b.rate}`);
  const model: PlanModel = {a, b, question_correlation: correlation};
  const seedsGrid = ints("seeds", values.seeds, a.sd_seed > 0 || b.sd_seed > 0 ? [1, 2, 3, 5] : [1]);
  const qGrid = ints("question-counts", values["question-counts"], [8, 16, 24, 48]);
  const nGrid = ints("samples", values.samples, [25, 50, 100, 200]);
  // Priced as the site's planner and em run --dry-run say it (pricing): no judge named is gpt-4o's list price, an assumption.
  const priced = judgeModel === undefined ? pricing("judge", "(none named)", {as: "gpt-4o"}) : pricing("judge", judgeModel);
  judgeModel ??= "gpt-4o";
  const jp = priced.price;
  if (priced.source === "unknown") assumptions.push(`${priced.text} (--judge-model to price it as a listed model: ${Object.keys(PRICES).join(", ")})`);
  else if (priced.source === "assumed") assumptions.push(`${priced.text} (--judge-model to price another)`);
  const designs: PlanRow[] = [];
  let i = 0;
  for (const seeds of seedsGrid)
    for (const questions of qGrid)
      for (const samples of nGrid) {
        const d: Design = {seeds, questions, samples};
        const s = seed + 7919 * i++;
        const p = designPower(model, d, {reps, seed: s, confidence});
        const range: [number, number] | null = rangeModels
          ? [designPower(rangeModels.wide, d, {reps, seed: s, confidence}).power, designPower(rangeModels.narrow, d, {reps, seed: s, confidence}).power]
          : null;
        const calls = designCalls(d);
        designs.push({
          ...d,
          ...p,
          power_range: range,
          ...calls,
          judge_cost: judgeCost(calls.judge_calls, jp, promptTokens),
          generation_cost: genPrice ? (calls.answers * (60 * genPrice[0] + maxTokens * EST_ANSWER_SHARE * genPrice[1])) / 1e6 : null,
          meets_target: p.power >= target,
        });
      }
  designs.sort((x, y) => x.answers - y.answers || x.seeds - y.seeds || x.questions - y.questions);
  const recommended = designs.find((d) => d.meets_target) ?? null;
  const recommendedRange = rangeModels ? (designs.find((d) => Math.min(d.power, ...d.power_range!) >= target) ?? null) : null;
  const out: PlanOutput = {
    version: 1,
    source,
    comparison: {a: labels[0], b: labels[1], rate_a: a.rate, rate_b: b.rate, diff: a.rate - b.rate, observed_diff: observed},
    model,
    assumptions,
    target_power: target,
    confidence,
    reps,
    seed,
    interval: "question-paired cluster MOVER (pairedTallyDiff, as em summarize --baseline); seeds pooled per question",
    pricing: {judge_model: judgeModel, judge_price: jp, judge_prompt_tokens: promptTokens, generation_price: genPrice, max_tokens: maxTokens},
    designs,
    recommended,
    recommended_range: recommendedRange,
    range_models: rangeModels,
  };
  write(format === "json" ? JSON.stringify(out, null, 2) + "\n" : planText(out));
  return EXIT.ok;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const usd = (x: number | null) => (x === null ? "unknown" : `$${x < 10 ? x.toFixed(2) : x.toFixed(0)}`);

export function planText(out: PlanOutput): string {
  const c = out.comparison;
  const m = out.model;
  const arm = (x: PlanArm) =>
    `rate ${pct(x.rate)}, logit SD question ${x.sd_question.toFixed(2)} / seed ${x.sd_seed.toFixed(2)} / interaction ${x.sd_interaction.toFixed(2)}, ${pct(x.in_denominator)} in the denominator`;
  const lines = [
    `plan: detect ${c.a} minus ${c.b} = ${(100 * c.diff).toFixed(1)} pp${c.observed_diff !== null && Math.abs(c.observed_diff - c.diff) > 1e-12 ? ` (pilot: ${(100 * c.observed_diff).toFixed(1)} pp)` : ""} with power ${pct(out.target_power)}, two-sided at ${pct(1 - out.confidence)}`,
    `source: ${out.source}`,
    `  ${c.a}: ${arm(m.a)}`,
    `  ${c.b}: ${arm(m.b)}`,
    `  question-effect correlation ${m.question_correlation.toFixed(2)}`,
    `interval: ${out.interval}; ${out.reps} simulated studies per design (seed ${out.seed})`,
    ...out.assumptions.map((a) => `assumption: ${a}`),
    "",
  ];
  const ranged = out.range_models !== null;
  const header = ["seeds", "questions", "samples", "answers", "power", ...(ranged ? ["power range"] : []), "type I", "judge cost", "generation cost", ""];
  const body = out.designs.map((d) => [
    String(d.seeds),
    String(d.questions),
    String(d.samples),
    String(d.answers),
    `${pct(d.power)} +- ${(100 * d.power_se).toFixed(1)}`,
    ...(d.power_range ? [`${pct(Math.min(...d.power_range))} - ${pct(Math.max(...d.power_range))}`] : []),
    pct(d.type1),
    usd(d.judge_cost),
    usd(d.generation_cost),
    d === out.recommended ? "<- cheapest reaching the target" : d.meets_target ? "ok" : "",
  ]);
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((x, i) => x.padEnd(w[i]!))
      .join("  ")
      .trimEnd();
  lines.push(line(header), line(w.map((n) => "-".repeat(n))), ...body.map(line), "");
  lines.push(
    out.recommended
      ? `cheapest design reaching ${pct(out.target_power)} power: ${out.recommended.seeds} seed(s) x ${out.recommended.questions} questions x ${out.recommended.samples} samples per arm (${out.recommended.answers} answers, judge ${usd(out.recommended.judge_cost)})`
      : `no design in the grid reaches ${pct(out.target_power)} power: widen --question-counts / --samples / --seeds`,
  );
  if (out.range_models) {
    const w = out.range_models.wide;
    const n = out.range_models.narrow;
    const r = out.recommended_range;
    lines.push(
      `power range: the power with both arms' between-question spread at the ends of the pilot's ${pct(out.confidence)} interval (logit SD ${n.a.sd_question.toFixed(2)}-${w.a.sd_question.toFixed(2)} / ${n.b.sd_question.toFixed(2)}-${w.b.sd_question.toFixed(2)}): what the pilot can tell, not a confidence interval for the power`,
      r
        ? `cheapest design reaching ${pct(out.target_power)} power across the range: ${r.seeds} seed(s) x ${r.questions} questions x ${r.samples} samples per arm (${r.answers} answers, judge ${usd(r.judge_cost)})`
        : `no design in the grid reaches ${pct(out.target_power)} power across the range: a larger pilot (more questions) narrows it`,
    );
  }
  lines.push(
    `type I: the share of studies that call a difference when there is none (arm ${c.a} given ${c.b}'s rate); above ${pct(1 - out.confidence)} the interval is too narrow for that design (e.g. seed spread it pools over)`,
  );
  return lines.join("\n") + "\n";
}
