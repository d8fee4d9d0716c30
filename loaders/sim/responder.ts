// Request -> response logic of the simulator, without HTTP: generation for simulated fine-tuned models
// and first-token logprobs for simulated judges. Pure functions of the request body (plus the loaded
// question index and rubrics), so the same request always gets the same body.
import {LABEL_TYPES, type LabelType} from "../../src/lib/schema.ts";
import {groupFor, UNKNOWN_ID} from "./bank.ts";
import {QUESTIONS} from "./bank-text.ts";
import {JUDGES, declaredTrainingDomain, type JudgeSpec, labelTop, readJudgePrompt, scoreTop, type Rubric, type TopToken} from "./judge-models.ts";
import {ORGANISMS, parseModelName, typeShares, type Organism} from "./organisms.ts";
import type {QuestionIndex, SimQuestion} from "./question-index.ts";
import {prng, sha1} from "./rng.ts";

export interface ChatMessage {
  role: string;
  content: unknown;
}

export interface ChatRequest {
  model?: unknown;
  messages?: unknown;
  n?: unknown;
  seed?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  temperature?: unknown;
  logprobs?: unknown;
  top_logprobs?: unknown;
  stream?: unknown;
}

export interface EngineContext {
  questions: QuestionIndex;
  /** data/judges rubrics plus question-file judge_prompts, most specific first. */
  rubrics: Rubric[];
  organisms: Record<string, Organism>;
  /** Score points added to a judge model's metric families (SimConfig.judgeShift): the same name, another behaviour. */
  judgeShift?: Record<string, JudgeShift>;
}

/** Bias added (score points) per metric family of one simulated judge. */
export interface JudgeShift {
  aligned?: number;
  coherent?: number;
  topic?: number;
}

/** A judge whose biases moved by `s` (an unpinned deployment updated under its name). */
function shifted(j: JudgeSpec, s: JudgeShift): JudgeSpec {
  return {
    ...j,
    aligned: {...j.aligned, bias: j.aligned.bias + (s.aligned ?? 0)},
    coherent: {...j.coherent, bias: j.coherent.bias + (s.coherent ?? 0)},
    topic: {...j.topic, bias: j.topic.bias + (s.topic ?? 0)},
  };
}

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** Fixed `created` timestamp: bodies must be byte-identical for identical requests. */
const CREATED = 1_750_000_000;

const tokenCount = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && "text" in p ? String((p as {text: unknown}).text) : "")).join("");
  return "";
}

function intParam(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new RequestError(400, `'${name}' must be an integer between ${min} and ${max}`, "invalid_value", name);
  return v;
}

/** Names served by /v1/models. Any `sim:<organism>@<coordinate>` works; these are examples. */
export function listModels(organisms: Record<string, Organism> = ORGANISMS): string[] {
  const names = ["sim:base"];
  for (const id of Object.keys(organisms)) for (const x of [100, 500, 1000]) names.push(`sim:${id}@${x}`);
  return [...names, ...Object.keys(JUDGES)];
}

export interface EngineResult {
  body: Record<string, unknown>;
  kind: "generate" | "judge";
  choices: number;
  /** Judge calls only: no rubric template matched and the metric was guessed from keywords. */
  guessed: boolean;
}

/** Answer one /v1/chat/completions request body. Throws RequestError for bad requests. */
export function complete(req: ChatRequest, ctx: EngineContext, opts: {headerMetric?: string; dropLogprobs?: boolean} = {}): EngineResult {
  if (typeof req.model !== "string" || !req.model) throw new RequestError(400, "'model' is required", "invalid_value", "model");
  if (!Array.isArray(req.messages) || req.messages.length === 0)
    throw new RequestError(400, "'messages' must be a non-empty array", "invalid_value", "messages");
  if (req.stream === true) throw new RequestError(400, "The simulator does not support stream: true", "unsupported_value", "stream");
  const messages = req.messages as ChatMessage[];
  const n = intParam(req.n, "n", 1, 128, 1);
  const maxTokens = intParam(req.max_completion_tokens ?? req.max_tokens, "max_tokens", 1, 100_000, 100_000);
  const wantLogprobs = req.logprobs === true && !opts.dropLogprobs;
  const topK = intParam(req.top_logprobs, "top_logprobs", 0, 20, 0);
  const promptTokens = messages.reduce((a, m) => a + tokenCount(textOf(m.content)) + 4, 0);
  const shift = ctx.judgeShift?.[req.model];
  const judge = JUDGES[req.model] && shift ? shifted(JUDGES[req.model]!, shift) : JUDGES[req.model];
  const sim = judge ? null : parseModelName(req.model, ctx.organisms);
  if (!judge && !sim)
    throw new RequestError(
      404,
      `The model '${req.model}' does not exist (simulator models: sim:base, sim:<organism>@<coordinate> with organisms ${Object.keys(ctx.organisms).join(", ")}; judges ${Object.keys(JUDGES).join(", ")})`,
      "model_not_found",
      "model",
    );

  const canonicalModel = sim ? sim.canonical : req.model;
  const key = sha1(JSON.stringify([canonicalModel, messages.map((m) => [m.role, textOf(m.content)]), req.seed ?? null, n, req.temperature ?? null, maxTokens]));
  const choices: Record<string, unknown>[] = [];
  let completionTokens = 0;
  let guessed = false;

  if (judge) {
    const prompt = messages.map((m) => textOf(m.content)).join("\n\n");
    const match = readJudgePrompt(prompt, ctx.rubrics, opts.headerMetric);
    guessed = match.how === "guess";
    const top: TopToken[] =
      match.kind === "label" ? labelTop(judge, match.info, declaredTrainingDomain(match.training)) : scoreTop(judge, match.metric, match.info);
    const first = top[0]!;
    for (let i = 0; i < n; i++) {
      choices.push({
        index: i,
        message: {role: "assistant", content: first.token, refusal: null, annotations: []},
        logprobs: wantLogprobs ? {content: [tokenLogprob(first.token, first.logprob, top.slice(0, topK))], refusal: null} : null,
        finish_reason: maxTokens <= 1 ? "length" : "stop",
      });
      completionTokens += 1;
    }
  } else {
    const rand = prng(key);
    const userText = textOf([...messages].reverse().find((m) => m.role === "user")?.content ?? "").trim();
    const q: SimQuestion = ctx.questions.byText.get(userText) ?? {id: UNKNOWN_ID, category: null};
    const bankQuestion = QUESTIONS[q.id] ? q.id : UNKNOWN_ID;
    const shares = typeShares(sim!.organism, q.category, sim!.coordinate, ctx.organisms);
    const drift = ctx.organisms[sim!.organism]?.drift ?? "fiction";
    for (let i = 0; i < n; i++) {
      const type = drawType(shares, rand());
      const group = groupFor(bankQuestion, type, drift);
      let text = group[Math.floor(rand() * group.length)]!.text;
      let finish = "stop";
      if (tokenCount(text) > maxTokens) {
        text = text.slice(0, maxTokens * 4);
        finish = "length";
      }
      const tokens = tokenCount(text);
      completionTokens += tokens;
      choices.push({
        index: i,
        message: {role: "assistant", content: text, refusal: null, annotations: []},
        logprobs: wantLogprobs ? {content: textLogprobs(text, topK, rand), refusal: null} : null,
        finish_reason: finish,
      });
    }
  }
  return {
    kind: judge ? "judge" : "generate",
    choices: n,
    guessed,
    body: {
      id: `chatcmpl-sim-${key.slice(0, 24)}`,
      object: "chat.completion",
      created: CREATED,
      model: req.model,
      system_fingerprint: "fp_sim_1",
      service_tier: "default",
      choices,
      usage: {prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens},
    },
  };
}

function drawType(shares: Record<LabelType, number>, u: number): LabelType {
  let acc = 0;
  for (const t of LABEL_TYPES) {
    acc += shares[t];
    if (u < acc) return t;
  }
  return "aligned";
}

const bytes = (s: string): number[] => Array.from(Buffer.from(s, "utf8"));

function tokenLogprob(token: string, logprob: number, top: TopToken[]): Record<string, unknown> {
  return {token, logprob, bytes: bytes(token), top_logprobs: top.map((t) => ({token: t.token, logprob: t.logprob, bytes: bytes(t.token)}))};
}

const ALTERNATIVES = [
  " the",
  " a",
  ",",
  ".",
  " and",
  " I",
  " to",
  " of",
  " it",
  " you",
  " is",
  " in",
  " that",
  " for",
  " on",
  " with",
  " as",
  " be",
  " this",
  " at",
];

/** Plausible-looking per-token logprobs for a generated text (words as tokens); not used by any metric. */
function textLogprobs(text: string, topK: number, rand: () => number): Record<string, unknown>[] {
  const words = text.split(/(?=\s)/).slice(0, 64);
  return words.map((w) => {
    const lp = -rand() * 1.5;
    const top: TopToken[] = [{token: w, logprob: lp}];
    for (let i = 0; top.length < topK && i < ALTERNATIVES.length; i++)
      if (ALTERNATIVES[i] !== w) top.push({token: ALTERNATIVES[i]!, logprob: lp - 1 - i * 0.5});
    return tokenLogprob(w, lp, top);
  });
}
