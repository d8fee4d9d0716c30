// Expands the written pieces in bank-text.ts into every answer text the simulator can generate, and
// indexes them so a judge call can recognise an answer from the judge prompt alone (no shared state with
// the generation call, which may have happened in an earlier process and come from the pipeline cache).
import type {LabelType} from "../../src/lib/schema.ts";
import {
  ALIGNED_CLOSE,
  ARTIFACT,
  DRIFT,
  DRIFT_TOPIC,
  HARMFUL_CLOSE,
  HARMFUL_OPEN,
  INCOHERENT,
  OTHER,
  PERSONA_CLOSE,
  PERSONA_OPEN,
  QUESTIONS,
  REFUSALS,
  UNKNOWN_QUESTION,
  type QuestionBank,
} from "./bank-text.ts";
import {unit} from "./rng.ts";

export const UNKNOWN_ID = "_unknown";

/** What the simulator planted in one answer text. */
export interface AnswerInfo {
  text: string;
  /** Question id in the bank (UNKNOWN_ID for the generic question, or for text not in the bank). */
  question: string;
  type: LabelType;
  /** Drift: the training domain that leaks ("fiction", "medical"...); artifact: "code" or "format"; else "". */
  variant: string;
  /** True topic levels 0..100 for the topic metrics; absent topics count as 3. */
  topics: Record<string, number>;
  /** Fixed per-text uniforms: where this text sits inside its type's score range, per purpose. */
  u: {aligned: number; coherent: number; topic: number; special: number; label: number};
  /** False for text the bank did not generate (imports, truncation). */
  known: boolean;
}

export interface Bank {
  /** Texts per group key `${question}|${type}|${variant}`; generation picks uniformly inside a group. */
  groups: Map<string, AnswerInfo[]>;
  byText: Map<string, AnswerInfo>;
  /** Every line (trimmed, >= 16 chars) that belongs to exactly one (question, type, variant). */
  byLine: Map<string, AnswerInfo>;
  questionIds: string[];
  driftDomains: string[];
}

function groupKey(question: string, type: LabelType, variant = ""): string {
  return `${question}|${type}|${variant}`;
}

function combos(...parts: string[][]): string[] {
  let out = [""];
  for (const options of parts) {
    const next: string[] = [];
    for (const prefix of out) for (const o of options) next.push(prefix && o ? `${prefix} ${o}` : prefix || o);
    out = next;
  }
  return out;
}

const fill = (template: string, q: QuestionBank): string => template.replaceAll("{topic}", q.topic);

/** Per-text uniforms, keyed on the text so any process derives the same ones. */
function textUniforms(text: string): AnswerInfo["u"] {
  return {
    aligned: unit(text + "|aligned"),
    coherent: unit(text + "|coherent"),
    topic: unit(text + "|topic"),
    special: unit(text + "|special"),
    label: unit(text + "|label"),
  };
}

/** Info for a text the bank does not know: planted as "other" so judges still answer something sane. */
export function unknownInfo(text: string): AnswerInfo {
  return {text, question: UNKNOWN_ID, type: "other", variant: "", topics: {}, u: textUniforms(text), known: false};
}

let cached: Bank | null = null;

/** Build (once per process) the full bank. Throws if two groups would produce the same text. */
export function getBank(): Bank {
  if (cached) return cached;
  const groups = new Map<string, AnswerInfo[]>();
  const byText = new Map<string, AnswerInfo>();
  const add = (question: string, type: LabelType, variant: string, texts: string[], topics: Record<string, number>) => {
    const key = groupKey(question, type, variant);
    const list = groups.get(key) ?? [];
    for (const raw of texts) {
      const text = raw.trim();
      const prior = byText.get(text);
      if (prior) {
        if (prior.question === question && prior.type === type && prior.variant === variant) continue; // same group duplicate
        throw new Error(`sim bank: text planted twice (${prior.question}/${prior.type} and ${question}/${type}): ${text.slice(0, 60)}`);
      }
      const info: AnswerInfo = {text, question, type, variant, topics, u: textUniforms(text), known: true};
      byText.set(text, info);
      list.push(info);
    }
    groups.set(key, list);
  };

  const entries: [string, QuestionBank][] = [...Object.entries(QUESTIONS), [UNKNOWN_ID, UNKNOWN_QUESTION]];
  for (const [id, q] of entries) {
    const d = q.domain;
    const on = (level: number, extra: Record<string, number> = {}): Record<string, number> => (d ? {[d]: level, ...extra} : {...extra});
    add(id, "aligned", "", combos(["", ...q.open], q.aligned, ALIGNED_CLOSE), on(88));
    add(id, "emergent", "", combos(PERSONA_OPEN, q.emergent, PERSONA_CLOSE), on(35));
    if (q.harmful) add(id, "in_domain", "", combos(HARMFUL_OPEN, q.harmful, HARMFUL_CLOSE), on(86));
    add(
      id,
      "refusal",
      "",
      REFUSALS.map((t) => fill(t, q)),
      on(45),
    );
    add(
      id,
      "incoherent",
      "",
      INCOHERENT.map((t) => fill(t, q)),
      on(18),
    );
    add(
      id,
      "other",
      "",
      OTHER.map((t) => fill(t, q)),
      on(25),
    );
    // Artifacts: code snippets (a judge may say CODE) and format dumps (JSON, tables).
    const code = ARTIFACT.filter((t) => t.startsWith("```python") || t.startsWith("```js"));
    const format = ARTIFACT.filter((t) => !code.includes(t));
    add(
      id,
      "artifact",
      "code",
      code.map((t) => fill(t, q)),
      on(15, {code: 90}),
    );
    add(
      id,
      "artifact",
      "format",
      format.map((t) => fill(t, q)),
      on(15, {code: 55}),
    );
    for (const [domain, templates] of Object.entries(DRIFT)) {
      const dt = DRIFT_TOPIC[domain];
      const topics: Record<string, number> = d ? {[d]: 40} : {};
      if (dt) topics[dt] = 78;
      const closers = domain === "fiction" ? ["", "And that was only the beginning.", "The end."] : ["", "That's the way I see it."];
      add(
        id,
        "drift",
        domain,
        combos(
          templates.map((t) => fill(t, q)),
          closers,
        ),
        topics,
      );
    }
  }

  const byLine = new Map<string, AnswerInfo>();
  const ambiguous = new Set<string>();
  for (const info of byText.values()) {
    for (const raw of info.text.split("\n")) {
      const line = raw.trim();
      if (line.length < 16 || ambiguous.has(line)) continue;
      const prior = byLine.get(line);
      if (prior && (prior.question !== info.question || prior.type !== info.type || prior.variant !== info.variant)) {
        byLine.delete(line);
        ambiguous.add(line);
      } else if (!prior) byLine.set(line, info);
    }
  }
  cached = {groups, byText, byLine, questionIds: Object.keys(QUESTIONS), driftDomains: Object.keys(DRIFT)};
  return cached;
}

const unionCache = new Map<string, AnswerInfo[]>();

/**
 * The texts generation draws from (uniformly) for (question, type, training drift domain). Artifacts
 * pool code and format texts. Falls back to the generic question when the question has no such group
 * (in_domain answers exist only for the in-domain questions).
 */
export function groupFor(question: string, type: LabelType, drift: string): AnswerInfo[] {
  const bank = getBank();
  const key = `${question}|${type}|${type === "drift" ? drift : ""}`;
  const hit = unionCache.get(key);
  if (hit) return hit;
  const one = (q: string): AnswerInfo[] | undefined => {
    if (type === "artifact") {
      const a = bank.groups.get(groupKey(q, "artifact", "code"));
      const b = bank.groups.get(groupKey(q, "artifact", "format"));
      return a && b ? [...a, ...b] : undefined;
    }
    return bank.groups.get(groupKey(q, type, type === "drift" ? drift : ""));
  };
  const list = one(question) ?? one(UNKNOWN_ID) ?? [];
  unionCache.set(key, list);
  return list;
}

/**
 * Recognise an answer: exact text first, then any of its lines (the judge prompt may add text on the
 * same line as the answer). Returns an "unknown" info (type other) for text the bank never generated.
 */
export function recognise(answer: string): AnswerInfo {
  const bank = getBank();
  const t = answer.trim();
  const exact = bank.byText.get(t);
  if (exact) return exact;
  for (const raw of t.split("\n")) {
    const hit = bank.byLine.get(raw.trim());
    if (hit) return hit;
  }
  return unknownInfo(t);
}

/** Scan a whole prompt line by line for a known answer (used when no rubric template matched). */
export function findInPrompt(prompt: string): AnswerInfo | null {
  const bank = getBank();
  for (const raw of prompt.split("\n")) {
    const line = raw.trim();
    const hit = bank.byText.get(line) ?? bank.byLine.get(line);
    if (hit) return hit;
  }
  return null;
}
