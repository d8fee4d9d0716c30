// Dry run: what `runExperiment` would send and what it would cost, without calling anything (no
// network, no simulator start). Requests are counted as the run sends them: once per distinct
// request body, since identical requests in flight together share one call (coalesce.ts) and an
// identical request made later is a cache hit.
import {apiKeyEnv, isSim} from "../client/endpoints.ts";
import {pricing, type Pricing} from "../client/prices.ts";
import {requestRuns, type GenValue} from "../generate.ts";
import {judgeKey, judgeSplitKey, needsSplitCheck, type JudgeValue} from "../judge.ts";
import {fillTemplate, judgePrompt} from "../rubrics.ts";
import {genRequestKey} from "./coalesce.ts";
import {prepare, type GenUnit} from "./prepare.ts";
import type {Plan, PlanLine, RunOptions} from "./types.ts";

/** Assumed mean answer length, as a share of max_tokens, for cost estimates of answers not generated yet. */
export const EST_ANSWER_SHARE = 0.5;

const tokensOf = (chars: number) => Math.ceil(chars / 4);

/**
 * Stands in for an answer not generated yet in a judge prompt: two pending judge calls are the
 * same request exactly when they would judge the same future sample (same generation cache key)
 * with the same prompt around it. The NUL bytes keep it from matching any real answer text.
 */
const pendingAnswer = (sampleKey: string) => `\0pending:${sampleKey}\0`;

/**
 * What `runExperiment` would call, without calling anything.
 * Estimates: 4 characters per token; answers not generated yet take EST_ANSWER_SHARE of max_tokens.
 */
export async function planExperiment(file: string, opts: Pick<RunOptions, "cacheDir" | "judgesDir" | "maxRequests"> = {}): Promise<Plan> {
  const p = await prepare(file, opts);
  try {
    const {experiment: exp} = p;
    const lines: PlanLine[] = [];
    // Each price that is not a list price or the simulator's, in the words of pricing() (the site's planner says the same).
    const priceNotes: string[] = [];
    const noteUnlisted = (priced: Pricing) => {
      if (priced.source === "unknown") priceNotes.push(`${priced.text} (set \`price: [prompt, completion]\`, USD per 1M tokens, in the experiment)`);
      else if (priced.source === "experiment") priceNotes.push(priced.text);
    };
    const gen = exp.generation;
    const estAnswerChars = gen ? gen.max_tokens * EST_ANSWER_SHARE * 4 : 0;
    // Known (cached) answers per unit, to compute exact judge keys where possible.
    const answers: {unit: GenUnit; texts: (string | null)[]}[] = [];
    if (gen && p.units.length) {
      const cache = p.cacheFor(gen.endpoint);
      const sent = new Set<string>();
      let units = 0;
      let cached = 0;
      let pt = 0;
      let ct = 0;
      for (const u of p.units) {
        const texts = u.keys.map((k) => (cache.peek(k) as GenValue | undefined)?.text ?? null);
        answers.push({unit: u, texts});
        const missing = texts.flatMap((t, i) => (t === null ? [i] : []));
        units += u.count;
        cached += u.count - missing.length;
        for (const [start, count] of requestRuns(missing, gen.max_n)) {
          const key = genRequestKey(u.keys, start, count);
          if (sent.has(key)) continue;
          sent.add(key);
          pt += tokensOf(u.messages.reduce((s, m) => s + m.content.length, 0));
          ct += count * Math.round(gen.max_tokens * EST_ANSWER_SHARE);
        }
      }
      const priced = pricing("generation", p.units[0]!.checkpointModel, {sim: isSim(gen.endpoint), explicit: gen.price});
      noteUnlisted(priced);
      const price = priced.price;
      const env = apiKeyEnv(gen.endpoint);
      lines.push({
        kind: "generation",
        id: "generation",
        endpoint: isSim(gen.endpoint) ? "sim" : gen.endpoint.base_url,
        model: [...new Set(p.units.map((u) => u.checkpointModel))].length + " checkpoint model(s)",
        units,
        cached,
        requests: sent.size,
        est_prompt_tokens: pt,
        est_completion_tokens: ct,
        est_cost_usd: price ? (pt * price[0] + ct * price[1]) / 1e6 : null,
        key_env: env,
        key_set: env ? !!process.env[env] : true,
      });
    }
    // One set over every judge: two judges with one model on one endpoint send identical requests.
    const judgeSent = new Set<string>();
    for (const j of p.judges) {
      const cache = p.cacheFor(j.cfg.endpoint);
      let units = 0;
      let cached = 0;
      let requests = 0;
      let followUps = 0;
      let pt = 0;
      for (const {unit, texts} of answers) {
        const vars = {question: unit.question.paraphrases[unit.paraphrase]!, training: unit.model.description};
        for (const m of j.metrics) {
          const r = p.rubric(j, m, unit.question.id)!;
          texts.forEach((t, i) => {
            units++;
            // Known answers are cut to the judge's limit as the run cuts them (same key); a pending one is not known yet.
            const prompt =
              t !== null
                ? judgePrompt(r.template, {...vars, answer: t}, j.cfg.max_prompt_chars).prompt
                : fillTemplate(r.template, {...vars, answer: pendingAnswer(unit.keys[i]!)});
            const key = judgeKey(j.endpointId, j.cfg.model, prompt);
            // The second-token follow-up (a lone "10" or single digit; execution.ts settleSplit): known
            // for a cached score answer, possible for every score call not made yet.
            const hit = t !== null ? (cache.peek(key) as JudgeValue | undefined) : undefined;
            if (r.kind !== "label" && (!hit || needsSplitCheck(hit))) {
              const splitKey = judgeSplitKey(j.endpointId, j.cfg.model, prompt);
              if (!cache.peek(splitKey) && !judgeSent.has(splitKey)) {
                judgeSent.add(splitKey);
                followUps++;
              }
            }
            if (hit) {
              cached++;
              return;
            }
            if (judgeSent.has(key)) return;
            judgeSent.add(key);
            requests++;
            pt += t !== null ? tokensOf(prompt.length) : tokensOf(prompt.length - pendingAnswer(unit.keys[i]!).length + estAnswerChars);
          });
        }
      }
      const priced = pricing(`judge ${j.cfg.id}: model`, j.cfg.model, {sim: isSim(j.cfg.endpoint), explicit: j.cfg.price});
      noteUnlisted(priced);
      const price = priced.price;
      const env = apiKeyEnv(j.cfg.endpoint);
      lines.push({
        kind: "judge",
        id: j.cfg.id,
        endpoint: isSim(j.cfg.endpoint) ? "sim" : j.cfg.endpoint.base_url,
        model: j.cfg.model,
        units,
        cached,
        requests,
        follow_ups_max: followUps,
        est_prompt_tokens: pt,
        est_completion_tokens: requests,
        est_cost_usd: price ? (pt * price[0] + requests * price[1]) / 1e6 : null,
        key_env: env,
        key_set: env ? !!process.env[env] : true,
      });
    }
    const costs = lines.filter((l) => l.requests > 0).map((l) => l.est_cost_usd);
    return {
      experiment: exp,
      lines,
      est_cost_usd: costs.some((c) => c === null) ? null : costs.reduce<number>((s, c) => s + (c ?? 0), 0),
      assumptions: [
        "4 characters per token",
        `answers not generated yet: ${EST_ANSWER_SHARE * 100}% of max_tokens`,
        "identical requests counted once (the run sends them once)",
        "judge calls on answers not generated yet: one per answer and metric, an upper bound (answers that turn out identical share one call, so a run can make fewer)",
        'second-token follow-ups (asked only when a judge\'s score token is a lone "10" or a single digit 1..9, which a tokenizer that splits numbers makes) are an upper bound: one per score call not made yet, exact for cached answers; not in the cost estimate (each is the same prompt with 2 output tokens)',
        "imports are not counted (their responses are judged too when judges are configured)",
        "prices: USD list prices per 1M tokens in loaders/client/prices.ts PRICES, or `price:` in the experiment; simulator free",
        ...priceNotes,
      ],
    };
  } finally {
    for (const c of p.caches.values()) c.close();
  }
}
