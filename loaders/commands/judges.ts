// `em judges`: two judges on the same answers (issue 26). Is the EM-rate difference between them
// real (question-paired test, McNemar on answers), and how well do they agree (kappa, Spearman of
// aligned scores, with question-bootstrap intervals)? Offline, like `em summarize`.
import path from "node:path";
import {alignedOf, coherentOf, joinJudgedReport, judgedBy, judgesIn} from "../../src/lib/em/judged.ts";
import {judgePairTest, type JudgedPair, type JudgePairTest} from "../../src/lib/em/judge-test.ts";
import {makeRng} from "../../src/lib/em/prng.ts";
import {emLabel, judgedOverlap, type JudgedOverlap} from "../../src/lib/em/judges.ts";
import {baseQuestionId, questionFilter} from "../../src/lib/em/question-ids.ts";
import {describeRule, makeRule, RULES, type EmRule} from "../../src/lib/em/rules.ts";
import type {ResponseRow, ScoreRow} from "../../src/lib/schema.ts";
import {parseCommandOptions} from "../command-options.ts";
import {EXIT} from "../exit-codes.ts";

export const USAGE = `Usage: em judges (--experiment FILE | --data DIR) --judges A,B [options]

Two judges on the same answers: the EM-rate difference between them with a question-paired test
and interval, McNemar's exact test on the answers both label, and intervals on Cohen's kappa and
on the Spearman correlation of aligned scores (docs/metrics.md, "Judges on the same answers").

  --experiment FILE      an experiment file (offline: imports, cache, simulator)
  --data DIR             tables written by \`em run --out DIR\`
  --judges A,B           the two judge ids (default: the first two present)
  --rule NAME            betley (default), organisms or clarifying; --aligned N and --coherent N
                         move the cuts
  --confidence X         interval confidence (default 0.95)
  --seed N               bootstrap seed (default 0)
  --format F             table (default) or json
  -h, --help             this help

Exit status: 0 done; 1 bad input; 2 usage.
`;

function fail(msg: string): never {
  throw new Error(msg);
}

export interface JudgesOutput extends JudgePairTest {
  version: 1;
  judges: [string, string];
  rule_text: string;
  /** Answers both judges scored (`n`) and those only one did (not judged by the other). */
  overlap: JudgedOverlap;
  confidence: number;
  seed: number;
  method: string;
}

export async function run(argv: string[], write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  const values = parseCommandOptions(argv, {
    experiment: {type: "string"},
    data: {type: "string"},
    judges: {type: "string"},
    rule: {type: "string", default: "betley"},
    aligned: {type: "string"},
    coherent: {type: "string"},
    confidence: {type: "string", default: "0.95"},
    seed: {type: "string", default: "0"},
    format: {type: "string", default: "table"},
    help: {type: "boolean", short: "h", default: false},
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (!values.experiment === !values.data) {
    process.stderr.write(`em judges: give exactly one of --experiment FILE or --data DIR\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.format !== "table" && values.format !== "json") fail(`--format must be table or json, got '${values.format}'`);
  if (!((values.rule as string) in RULES)) fail(`--rule must be one of ${Object.keys(RULES).join(", ")}, got '${values.rule}'`);
  const cut = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (v.trim() === "" || !(x >= 0 && x <= 100)) fail(`--${name} must be a number 0..100, got '${v}'`);
    return x;
  };
  const rule: EmRule = makeRule(values.rule as keyof typeof RULES, {aligned: cut("aligned", values.aligned), coherent: cut("coherent", values.coherent)});
  const confidence = Number(values.confidence);
  if (!(confidence > 0 && confidence < 1)) fail(`--confidence must be strictly between 0 and 1, got '${values.confidence}'`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got '${values.seed}'`);
  let responses: ResponseRow[];
  let scores: ScoreRow[];
  if (values.data) {
    const {readTables} = await import("../tables.ts");
    const t = await readTables(path.resolve(values.data), ["responses", "scores"]);
    responses = t.responses;
    scores = t.scores;
  } else {
    const {runExperiment} = await import("../run/index.ts");
    const r = await runExperiment(path.resolve(values.experiment as string), {offline: true, createdBy: "em judges"});
    responses = r.responses;
    scores = r.scores;
  }
  const available = judgesIn(scores);
  const judges = values.judges === undefined ? available.slice(0, 2) : values.judges.split(",").map((s) => s.trim());
  if (judges.length !== 2 || judges[0] === judges[1]) fail(`--judges takes two different judge ids (judges present: ${available.join(", ") || "none"})`);
  for (const j of judges) if (!available.includes(j)) fail(`--judges: no scores from judge '${j}' (judges present: ${available.join(", ") || "none"})`);
  const [j1, j2] = judges as [string, string];
  const rows = joinJudgedReport(responses, scores, [], {judge: [j1, j2]}).rows;
  // The rule's own question filter (organisms drops *json* ids), as em summarize applies it.
  const keep = questionFilter([...(rule.questions ?? [])]);
  const byId = new Map<string, {q: string; a?: (typeof rows)[number]; b?: (typeof rows)[number]}>();
  for (const r of rows) {
    // Shared answers are those both judges scored: a judge without a score row for it did not judge it.
    if (!keep(r.question_id) || !judgedBy(r)) continue;
    const e = byId.get(r.response_id) ?? byId.set(r.response_id, {q: baseQuestionId(r.question_id)}).get(r.response_id)!;
    if (r.judge === j1) e.a ??= r;
    else if (r.judge === j2) e.b ??= r;
  }
  const pairs: JudgedPair[] = [];
  for (const e of byId.values()) {
    if (!e.a || !e.b) continue;
    pairs.push({
      question: e.q,
      em1: emLabel(alignedOf(e.a), coherentOf(e.a), rule),
      em2: emLabel(alignedOf(e.b), coherentOf(e.b), rule),
      aligned1: alignedOf(e.a),
      aligned2: alignedOf(e.b),
    });
  }
  const overlap = judgedOverlap(
    [...byId].filter(([, e]) => e.a).map(([id]) => id),
    [...byId].filter(([, e]) => e.b).map(([id]) => id),
  );
  if (pairs.length === 0) fail(`judges '${j1}' and '${j2}' scored no answer in common`);
  const t = judgePairTest(pairs, makeRng(seed), {confidence});
  const out: JudgesOutput = {
    version: 1,
    judges: [j1, j2],
    rule_text: describeRule(rule),
    overlap,
    confidence,
    seed,
    method:
      "difference: question-paired t on linearized per-question residuals (t, Q - 1 df); McNemar: exact binomial on discordant answers; kappa and Spearman: expanded-percentile question bootstrap (1000 draws)",
    ...t,
  };
  write(values.format === "json" ? JSON.stringify(out, null, 2) + "\n" : judgesText(out));
  return EXIT.ok;
}

const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);
const pText = (p: number | null) => (p === null ? "-" : p < 0.001 ? "<0.001" : p.toFixed(3));
const num = (x: number | null) => (x === null ? "-" : x.toFixed(2));
const ci = (c: [number, number] | null, f: (x: number) => string) => (c ? `[${f(c[0])}, ${f(c[1])}]` : "[unknown]");

export function judgesText(o: JudgesOutput): string {
  const [a, b] = o.judges;
  const pp = (x: number) => (100 * x).toFixed(1);
  return [
    `judges ${a} vs ${b} on ${o.n} shared answers over ${o.questions} questions; rule: ${o.rule_text}`,
    ...(o.overlap.only_a || o.overlap.only_b
      ? [`not judged by the other (left out): ${o.overlap.only_a} answers scored by ${a} only, ${o.overlap.only_b} by ${b} only`]
      : []),
    `EM rate: ${a} ${pct(o.rate1)}, ${b} ${pct(o.rate2)}; difference ${o.diff === null ? "-" : `${pp(o.diff)} pp`} ${ci(o.diff_ci, pp)} (question-paired, p ${pText(o.p_question_paired)})`,
    `McNemar on answers both label: ${o.mcnemar.only1} EM only under ${a}, ${o.mcnemar.only2} only under ${b}; exact p ${pText(o.mcnemar.p_value)} (treats answers as independent; the question-paired p does not)`,
    `agreement: kappa ${num(o.kappa)} ${ci(o.kappa_ci, (x) => x.toFixed(2))}; Spearman (aligned) ${num(o.spearman_aligned)} ${ci(o.spearman_ci, (x) => x.toFixed(2))}; ${Math.round(o.confidence * 100)}% question-bootstrap intervals`,
    ...o.notes.map((n) => `note: ${n}`),
    "",
  ].join("\n");
}
