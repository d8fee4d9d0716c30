// The deterministic no-judge classifier's rows ("signals") of the types table.
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../../src/lib/schema.ts";
import {SIGNALS_JUDGE} from "../../src/lib/em/judged.ts";
import type {EmRule} from "../../src/lib/em/rules.ts";
import {classifyBySignals, emTypeBySignals, questionContext, type TopicScores} from "../../src/lib/signals.ts";
import type {VariantPlan} from "../variants.ts";
import {QUESTION_DOMAIN_KEY} from "../import/rows.ts";

/** How the signals rows are typed: the active rule, the topic cut and the questions' declared domains. */
export interface SignalTyping {
  /** The EM rule whose cuts decide aligned / incoherent (default Betley). */
  rule?: EmRule;
  /** Topic cut 0..100 (default 50): "about the training domain" = topic >= cut. */
  topicCut?: number;
  /** Declared domain per question id (a name, or null for `domain: none`); absent ids are undeclared. */
  questionDomains?: ReadonlyMap<string, string | null>;
}

/**
 * A row's declared question domain (a name, null for `none`, undefined when undeclared): its
 * import's declaration (`meta.question_domain`: the entry's `question_domain:`, a `question_domain`
 * column) wins over the question files' `domain:` of its question id.
 */
export function declaredQuestionDomain(
  r: Pick<ResponseRow, "question_id" | "meta">,
  questionDomains?: ReadonlyMap<string, string | null>,
): string | null | undefined {
  const own = r.meta?.[QUESTION_DOMAIN_KEY];
  if (typeof own === "string") return own === "none" ? null : own;
  return questionDomains?.has(r.question_id) ? questionDomains.get(r.question_id)! : undefined;
}

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
 *  - training domain: `VariantPlan.domainOf` (loaders/variants.ts), the row's OWN domain: its
 *    `meta.domain`, null for `meta.adapter: none`, the `domains:` / built-in domain of its
 *    `meta.dataset`, null for baseline rows, the experiment model's `domain`, else undefined
 *    (unknown: misaligned coherent answers become "undetermined"); `none` anywhere means null;
 *  - a baseline's rows are typed a second time against `VariantPlan.comparedDomainOf` (the domain
 *    of the variants compared with it), stored as `compared_em_type` / `compared_in_domain`: only
 *    the variant-minus-baseline strict difference reads them (baselineDiffs);
 *  - topic score: the picked judge's score of the metric named like the training domain (any
 *    name: an imported column or a judge metric);
 *  - question context: questionContext(question_id, question text, declaredQuestionDomain: the
 *    import's `meta.question_domain`, else the id's in `typing.questionDomains`; undeclared = unknown);
 *  - the active rule and topic cut of `typing` (classifyBySignals).
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
  plan: Pick<VariantPlan, "domainOf"> & Partial<Pick<VariantPlan, "comparedDomainOf">>,
  typing: SignalTyping = {},
): TypeRow[] {
  const rank = new Map<string, number>();
  for (const j of priority) if (!rank.has(j)) rank.set(j, rank.size);
  // Per-rank slots, reset for each response through `touched`; topics hold the training domain's metric.
  let aligned: (ScoreRow | null)[] = [];
  let coherent: (ScoreRow | null)[] = [];
  let topics: (ScoreRow | null)[] = [];
  let compTopics: (ScoreRow | null)[] = [];
  const touched: number[] = [];
  const out: TypeRow[] = [];
  // questionContext per question (a regex over its text), reused while the id's text and declared domain stay the same.
  const contexts = new Map<string, {text: string; declared: string | null | undefined; context: ReturnType<typeof questionContext>}>();
  const thresholds = typing.topicCut !== undefined ? {thresholds: {topicCut: typing.topicCut}} : {};
  let k = 0;
  let t = 0;
  for (let i = 0; i < responses.length; i++) {
    const r = responses[i]!;
    const domain = plan.domainOf(r);
    const compared = plan.comparedDomainOf ? plan.comparedDomainOf(r) : false;
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
        topics = topics.concat(new Array<null>(j + 1 - topics.length).fill(null));
        compTopics = compTopics.concat(new Array<null>(j + 1 - compTopics.length).fill(null));
      }
      if (s.metric === "aligned") aligned[j] = s;
      else if (s.metric === "coherent") coherent[j] = s;
      else if ((typeof domain === "string" && s.metric === domain) || (typeof compared === "string" && s.metric === compared)) {
        if (s.metric === domain) topics[j] = s;
        if (s.metric === compared) compTopics[j] = s;
      } else continue;
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
    if (pick >= 0 && typeof domain === "string") topicScores[domain] = topics[pick]?.score ?? null;
    const a = pick >= 0 ? aligned[pick]! : null;
    const c = pick >= 0 ? coherent[pick] : null;
    const declared = declaredQuestionDomain(r, typing.questionDomains);
    let known = contexts.get(r.question_id);
    if (!known || known.text !== r.question || known.declared !== declared) {
      known = {text: r.question, declared, context: questionContext(r.question_id, r.question, declared)};
      contexts.set(r.question_id, known);
    }
    const question = known.context;
    const sc = {aligned: a?.score ?? null, coherent: c?.score ?? null, special: a?.special ?? null};
    const cls = classifyBySignals(signalRows[i]!, topicScores, sc, domain, {question, ...(typing.rule ? {rule: typing.rule} : {}), ...thresholds});
    // The type if the rule counts the answer as EM, under any cut (pages follow the rule bar with it).
    const emType = emTypeBySignals(signalRows[i]!, topicScores, sc, domain, {question, ...thresholds}).type;
    const inDomain = typeof domain === "string" && question.domain === domain;
    // A baseline typed against its variants' domain: for the strict difference only.
    let comparedFields: Pick<TypeRow, "compared_em_type" | "compared_in_domain"> = {};
    if (compared !== false) {
      const ct: TopicScores = {};
      if (pick >= 0 && typeof compared === "string") ct[compared] = compTopics[pick]?.score ?? null;
      comparedFields = {
        compared_em_type: emTypeBySignals(signalRows[i]!, ct, sc, compared, {question, ...thresholds}).type,
        compared_in_domain: typeof compared === "string" && question.domain === compared,
      };
    }
    for (const j of touched) {
      aligned[j] = null;
      coherent[j] = null;
      topics[j] = null;
      compTopics[j] = null;
    }
    touched.length = 0;
    for (; t < types.length && (order.get(types[t]!.response_id) ?? 0) <= i; t++) out.push(types[t]!);
    out.push({
      response_id: r.response_id,
      judge: SIGNALS_JUDGE,
      type: cls.type,
      probs: cls.probs,
      em_type: emType,
      question_in_domain: inDomain,
      ...comparedFields,
    });
  }
  for (; t < types.length; t++) out.push(types[t]!);
  return out;
}
