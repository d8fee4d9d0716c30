// Simulator throughput with the real openai SDK over loopback HTTP (keep-alive), plus the engine alone.
//   node --import tsx bench/sim.ts [--judge N] [--gen N]
// Numbers are recorded in docs/simulator.md.
import {parseArgs} from "node:util";
import OpenAI from "openai";
import {startSimulator} from "../loaders/sim/server.ts";
import {complete, type EngineContext} from "../loaders/sim/responder.ts";
import {loadRubrics, orderRubrics} from "../loaders/sim/judge-models.ts";
import {loadQuestionIndex} from "../loaders/sim/question-index.ts";
import {ORGANISMS} from "../loaders/sim/organisms.ts";
import {ROOT as REPO_ROOT} from "../loaders/paths.ts";
import {getBank} from "../loaders/sim/bank.ts";
import {join} from "node:path";

const {values} = parseArgs({options: {judge: {type: "string", default: "20000"}, gen: {type: "string", default: "3000"}}});
const JUDGE_CALLS = Number(values.judge);
const GEN_CALLS = Number(values.gen);

const questions = loadQuestionIndex([join(REPO_ROOT, "data/questions")]);
const texts = [...questions.byText.keys()];
const rubrics = orderRubrics(loadRubrics(join(REPO_ROOT, "data/judges")).rubrics);
const aligned = rubrics.find((r) => r.metric === "aligned");
const answers = [...getBank().byText.keys()];
const judgePrompt = (i: number): string => {
  const answer = answers[(i * 7919) % answers.length]!;
  return aligned ? aligned.parts.map((p, j) => (j % 2 ? (p === "{answer}" ? answer : texts[i % texts.length]!) : p)).join("") : `Rate: ${answer}`;
};
const genBody = (i: number) => ({
  model: `sim:medical@${100 * (1 + (i % 10))}`,
  messages: [{role: "user" as const, content: texts[i % texts.length]!}],
  n: 18,
  seed: i,
  temperature: 1,
  max_tokens: 600,
});
const judgeBody = (i: number) => ({
  model: "sim-judge-strict",
  messages: [{role: "user" as const, content: judgePrompt(i)}],
  max_tokens: 1,
  temperature: 0,
  logprobs: true,
  top_logprobs: 20,
  seed: 0,
});

async function pool(total: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < total) await call(next++);
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const ctx: EngineContext = {questions, rubrics, organisms: ORGANISMS};
  let t0 = performance.now();
  for (let i = 0; i < JUDGE_CALLS; i++) complete(judgeBody(i), ctx);
  const engineJudge = JUDGE_CALLS / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < GEN_CALLS; i++) complete(genBody(i), ctx);
  const engineGen = GEN_CALLS / ((performance.now() - t0) / 1000);

  const sim = await startSimulator();
  const client = new OpenAI({baseURL: sim.url, apiKey: "sim", maxRetries: 0});
  const rows: string[] = [];
  rows.push(`| engine only (no HTTP) | judge call | 1 | ${engineJudge.toFixed(0)} |`);
  rows.push(`| engine only (no HTTP) | generation, n=18 | 1 | ${engineGen.toFixed(0)} |`);
  for (const c of [16, 32]) {
    await pool(500, c, (i) => client.chat.completions.create(judgeBody(i))); // warm-up
    const j = await pool(JUDGE_CALLS, c, (i) => client.chat.completions.create(judgeBody(i)));
    rows.push(`| openai SDK over HTTP | judge call (top-20 logprobs) | ${c} | ${j.toFixed(0)} |`);
    const g = await pool(GEN_CALLS, c, (i) => client.chat.completions.create(genBody(i)));
    rows.push(`| openai SDK over HTTP | generation, n=18 | ${c} | ${g.toFixed(0)} |`);
  }
  await sim.close();
  console.log(`| path | request | concurrency | requests/s |\n|---|---|---:|---:|\n${rows.join("\n")}`);
  console.log(`(${JUDGE_CALLS} judge calls, ${GEN_CALLS} generation requests per row; server and client share one Node process)`);
}

await main();
