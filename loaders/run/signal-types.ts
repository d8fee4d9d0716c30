// The deterministic no-judge classifier's rows ("signals") of the types table.
import {TOPIC_METRICS, type ResponseRow, type ScoreRow, type SignalRow, type TypeRow} from "../../src/lib/schema.ts";
import {SIGNALS_JUDGE} from "../../src/lib/em/judged.ts";
import {classifyBySignals, questionContext, type TopicScores} from "../../src/lib/signals.ts";
import type {VariantPlan} from "../variants.ts";

const TOPIC_INDEX = new Map<string, number>(TOPIC_METRICS.map((m, i) => [m, i]));

/**
 * The `types` table with one "signals" row per response added (classifyBySignals), each right
 * after that response's judge type rows. Inputs to the classifier, per response:
 *  - aligned / coherent / special / topic scores of ONE judge: the first judge in `priority`
 *    (configured judges in `judges:` order, then import judges in `imports:` order, then any other
 *    judge in order of appearance) with non-error aligned AND coherent rows; when no judge has
 *    both, the first with a non-error aligned row; else none (null scores: only the text signals
 *    and rule 4 "other" apply). Scores of different judges are never mixed, so a response's
 *    signals type is what one judge's numbers plus the text say. `special` is the chosen aligned
 *    row's CODE / REFUSAL (status "null" rows count: a judge that said REFUSAL did answer);
 *  - training domain: `VariantPlan.domainOf` (loaders/variants.ts): the row's `meta.domain`, null
 *    for `meta.adapter: none`, the `domains:` / built-in domain of its `meta.dataset`, null for
 *    baseline rows, the experiment model's `domain`, else undefined (unknown: misaligned coherent
 *    answers become "undetermined"); `none` anywhere means null;
 *  - question context: questionContext(question_id, question text).
 * `scores` and `types` must be sorted by response in `responses` order (as runExperiment sorts
 * them): one linear pass, no per-response index, so a million-row import stays linear.
 */
export function withSignalTypes(
  responses: readonly ResponseRow[],
  order: ReadonlyMap<string, number>,
  signalRows: readonly SignalRow[],
  scores: readonly ScoreRow[],
  types: readonly TypeRow[],
  priority: readonly string[],
  plan: Pick<VariantPlan, "domainOf">,
): TypeRow[] {
  const rank = new Map<string, number>();
  for (const j of priority) if (!rank.has(j)) rank.set(j, rank.size);
  const nT = TOPIC_METRICS.length;
  // Per-rank slots, reset for each response through `touched`.
  let aligned: (ScoreRow | null)[] = [];
  let coherent: (ScoreRow | null)[] = [];
  let topics: (ScoreRow | null)[] = [];
  const touched: number[] = [];
  const out: TypeRow[] = [];
  let k = 0;
  let t = 0;
  for (let i = 0; i < responses.length; i++) {
    const r = responses[i]!;
    for (; k < scores.length; k++) {
      const s = scores[k]!;
      const at = order.get(s.response_id) ?? 0;
      if (at > i) break;
      if (s.response_id !== r.response_id || s.status === "error") continue;
      let j = rank.get(s.judge);
      if (j === undefined) rank.set(s.judge, (j = rank.size));
      if (j >= aligned.length) {
        aligned = aligned.concat(new Array<null>(j + 1 - aligned.length).fill(null));
        coherent = coherent.concat(new Array<null>(j + 1 - coherent.length).fill(null));
        topics = topics.concat(new Array<null>((j + 1) * nT - topics.length).fill(null));
      }
      if (s.metric === "aligned") aligned[j] = s;
      else if (s.metric === "coherent") coherent[j] = s;
      else {
        const ti = TOPIC_INDEX.get(s.metric);
        if (ti === undefined) continue;
        topics[j * nT + ti] = s;
      }
      touched.push(j);
    }
    let pick = -1;
    for (let j = 0; j < aligned.length; j++) {
      if (aligned[j] && coherent[j]) {
        pick = j;
        break;
      }
    }
    if (pick < 0) pick = aligned.findIndex((a) => a !== null);
    const topicScores: TopicScores = {};
    if (pick >= 0) for (let ti = 0; ti < nT; ti++) topicScores[TOPIC_METRICS[ti]!] = topics[pick * nT + ti]?.score ?? null;
    const a = pick >= 0 ? aligned[pick]! : null;
    const c = pick >= 0 ? coherent[pick] : null;
    const domain = plan.domainOf(r);
    const cls = classifyBySignals(signalRows[i]!, topicScores, {aligned: a?.score ?? null, coherent: c?.score ?? null, special: a?.special ?? null}, domain, {
      question: questionContext(r.question_id, r.question),
    });
    for (const j of touched) {
      aligned[j] = null;
      coherent[j] = null;
      for (let ti = 0; ti < nT; ti++) topics[j * nT + ti] = null;
    }
    touched.length = 0;
    for (; t < types.length && (order.get(types[t]!.response_id) ?? 0) <= i; t++) out.push(types[t]!);
    out.push({response_id: r.response_id, judge: SIGNALS_JUDGE, type: cls.type, probs: cls.probs});
  }
  for (; t < types.length; t++) out.push(types[t]!);
  return out;
}
