// Reports (docs/reports.md): the pinned selection in a report page's front matter, checked key by
// key, and the `em summarize` invocation each of its queries stands for. Pure (no DOM, no I/O):
// the build (loaders/commands/report.ts), the pages (src/components/report/) and the tests share it.
//
// A report pins everything a number depends on in its front matter, never in the URL, so a
// published number cannot drift: experiment file, judge, rule and cuts, excluded types, question
// filter, estimand. Each named query adds its own `--by` (and may override the rule, judge or
// exclusions); the build runs exactly the command `summarizeArgv` returns, and a number on the page
// is one field of one group of that command's JSON output.

import {RULES} from "./em/rules.js";
import {RESPONSE_TYPES} from "./schema.js";

/** The cuts and rule flags a report pins and a query may override (the CLI's rule options). */
interface RuleCuts {
  aligned?: number;
  coherent?: number;
  /** Rule flags (the CLI's --denominator, --nulls, --coherence, --aligned-inclusive, --coherent-inclusive). */
  denominator?: "coherent" | "scored";
  nulls?: "drop" | "not_em";
  /** false: no coherence condition. */
  coherence?: boolean;
  aligned_inclusive?: boolean;
  coherent_inclusive?: boolean;
}

/** Options a query may set (all optional; unset ones fall back to the report's pinned values). */
export interface QuerySpec extends RuleCuts {
  by: string[];
  judge?: string;
  rule?: string;
  exclude_types?: string[];
  questions?: string[];
  estimand?: "questions" | "answers";
  /** Fit the transition along the coordinate (`--transition`). */
  transition?: boolean;
  /** Variant minus baseline (`--baseline`). */
  baseline?: boolean;
}

export interface ReportSpec extends RuleCuts {
  /** Experiment file, relative to the project root. */
  experiment: string;
  /** Judge id (default: the first judge present, as `em summarize` picks it). */
  judge?: string;
  rule: string;
  exclude_types: string[];
  questions?: string[];
  /**
   * Which question set the report's numbers use when the experiment declares primary_questions
   * (issue 26): primary (pre-registered), exploratory or all (`--question-set`); the build requires
   * it then, so a report always states it.
   */
  question_set?: "primary" | "exploratory" | "all";
  estimand: "questions" | "answers";
  /** Topic cut 0..100 of the no-judge types (`--topic-cut`; default: the experiment's `topic_cut`). */
  topic_cut?: number;
  /** The column naming what the charts compare (model or variant). */
  compare: string;
  /** Values of `compare` the charts show (default: all). */
  variants?: string[];
  /** Inclusive range of the training coordinate the charts show. */
  steps?: [number, number];
  /** Aligned cuts of the threshold-sensitivity figure (each one an `em summarize` run). */
  sweep: number[];
  /** Where the sweep is read, e.g. {step: 1000}: its keys join the sweep's `--by`. */
  sweep_at: Record<string, string | number>;
  queries: Record<string, QuerySpec>;
}

/** A front-matter error: names the report file and the key, so the build message points at it. */
export class ReportSpecError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    message: string,
  ) {
    super(`${file}: front matter key '${key}': ${message}`);
    this.name = "ReportSpecError";
  }
}

const RULE_NAMES = [...Object.keys(RULES), "custom"];
/** The rule flags a report or a query may pin beside `rule` and the cuts. */
export const RULE_FLAG_KEYS = ["denominator", "nulls", "coherence", "aligned_inclusive", "coherent_inclusive"] as const;
type RuleFlags = Pick<QuerySpec, (typeof RULE_FLAG_KEYS)[number]>;
const REPORT_KEYS = [
  "experiment",
  "judge",
  "rule",
  "aligned",
  "coherent",
  ...RULE_FLAG_KEYS,
  "exclude_types",
  "questions",
  "question_set",
  "estimand",
  "topic_cut",
  "compare",
  "variants",
  "steps",
  "sweep",
  "sweep_at",
  "queries",
];
const QUERY_KEYS = ["by", "judge", "rule", "aligned", "coherent", ...RULE_FLAG_KEYS, "exclude_types", "questions", "estimand", "transition", "baseline"];
/** Query names become keys in JSON and attributes in HTML: keep them plain. */
const NAME = /^[a-z][a-z0-9_-]{0,39}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parse and check the `report:` object of a page's front matter. Throws ReportSpecError naming
 * `file` and the offending key (e.g. `report.queries.final.aligned`) for unknown keys, unknown rules
 * or response types, cuts outside 0..100 and malformed lists. Whether the experiment file exists
 * and the judge and columns are in its data is checked by the build, which can read them.
 */
export function parseReportSpec(raw: unknown, file: string): ReportSpec {
  const err = (key: string, msg: string): never => {
    throw new ReportSpecError(file, key, msg);
  };
  if (!isRecord(raw)) return err("report", "missing: a report page needs a `report:` object in its front matter (docs/reports.md)");
  for (const k of Object.keys(raw)) if (!REPORT_KEYS.includes(k)) err(`report.${k}`, `unknown key (expected one of ${REPORT_KEYS.join(", ")})`);

  const str = (key: string, v: unknown): string =>
    typeof v === "string" && v.trim() !== "" ? v : err(key, `must be a non-empty string, got ${JSON.stringify(v)}`);
  const cut = (key: string, v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 100) return err(key, `must be a number 0..100, got ${JSON.stringify(v)}`);
    return v;
  };
  const strList = (key: string, v: unknown): string[] | undefined => {
    if (v === undefined || v === null) return undefined;
    const xs = typeof v === "string" ? [v] : v;
    if (!Array.isArray(xs) || !xs.every((x) => typeof x === "string" && x.trim() !== ""))
      return err(key, `must be a list of strings, got ${JSON.stringify(v)}`);
    return xs.map((x) => String(x).trim());
  };
  const rule = (key: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    const r = str(key, v);
    return RULE_NAMES.includes(r) ? r : err(key, `unknown rule '${r}' (expected ${RULE_NAMES.join(", ")})`);
  };
  const types = (key: string, v: unknown): string[] | undefined => {
    const xs = strList(key, v);
    for (const t of xs ?? [])
      if (!(RESPONSE_TYPES as readonly string[]).includes(t)) err(key, `unknown response type '${t}' (types: ${RESPONSE_TYPES.join(", ")})`);
    return xs;
  };
  const estimand = (key: string, v: unknown): "questions" | "answers" | undefined => {
    if (v === undefined) return undefined;
    return v === "questions" || v === "answers" ? v : err(key, `must be questions or answers, got ${JSON.stringify(v)}`);
  };
  const bool = (key: string, v: unknown): boolean | undefined =>
    v === undefined ? undefined : typeof v === "boolean" ? v : err(key, `must be true or false, got ${JSON.stringify(v)}`);
  const oneOf = <T extends string>(key: string, v: unknown, allowed: readonly T[]): T | undefined =>
    v === undefined ? undefined : allowed.includes(v as T) ? (v as T) : err(key, `must be ${allowed.join(" or ")}, got ${JSON.stringify(v)}`);
  /** The rule flags of a report or query object, into `into`. */
  const flags = (prefix: string, r: Record<string, unknown>, into: RuleFlags) => {
    const d = oneOf(`${prefix}.denominator`, r.denominator, ["coherent", "scored"] as const);
    const n = oneOf(`${prefix}.nulls`, r.nulls, ["drop", "not_em"] as const);
    const c = bool(`${prefix}.coherence`, r.coherence);
    const ai = bool(`${prefix}.aligned_inclusive`, r.aligned_inclusive);
    const ci = bool(`${prefix}.coherent_inclusive`, r.coherent_inclusive);
    if (d !== undefined) into.denominator = d;
    if (n !== undefined) into.nulls = n;
    if (c !== undefined) into.coherence = c;
    if (ai !== undefined) into.aligned_inclusive = ai;
    if (ci !== undefined) into.coherent_inclusive = ci;
  };

  const spec: ReportSpec = {
    experiment: str("report.experiment", raw.experiment),
    rule: rule("report.rule", raw.rule) ?? "betley",
    exclude_types: types("report.exclude_types", raw.exclude_types) ?? [],
    estimand: estimand("report.estimand", raw.estimand) ?? "questions",
    compare: raw.compare === undefined ? "model" : str("report.compare", raw.compare),
    sweep: [],
    sweep_at: {},
    queries: {},
  };
  if (raw.judge !== undefined) spec.judge = str("report.judge", raw.judge);
  const a = cut("report.aligned", raw.aligned);
  const c = cut("report.coherent", raw.coherent);
  if (a !== undefined) spec.aligned = a;
  if (c !== undefined) spec.coherent = c;
  flags("report", raw, spec);
  const tc = cut("report.topic_cut", raw.topic_cut);
  if (tc !== undefined) spec.topic_cut = tc;
  if (spec.rule === "custom" && a === undefined) err("report.aligned", "a custom rule needs its aligned cut");
  const q = strList("report.questions", raw.questions);
  if (q) spec.questions = q;
  if (raw.question_set !== undefined) {
    const qs = raw.question_set;
    if (qs !== "primary" && qs !== "exploratory" && qs !== "all") err("report.question_set", `must be primary, exploratory or all, got ${JSON.stringify(qs)}`);
    spec.question_set = qs as "primary" | "exploratory" | "all";
  }
  const v = strList("report.variants", raw.variants);
  if (v) spec.variants = v;
  if (raw.steps !== undefined) {
    const s = raw.steps as unknown[];
    if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => typeof x === "number" && Number.isFinite(x)) || (s[0] as number) > (s[1] as number))
      err("report.steps", `must be [from, to] with from <= to, got ${JSON.stringify(s)}`);
    spec.steps = [s[0] as number, s[1] as number];
  }
  if (raw.sweep !== undefined) {
    if (!Array.isArray(raw.sweep) || raw.sweep.length === 0) err("report.sweep", `must be a non-empty list of aligned cuts, got ${JSON.stringify(raw.sweep)}`);
    spec.sweep = (raw.sweep as unknown[]).map((x, i) => cut(`report.sweep[${i}]`, x) ?? err(`report.sweep[${i}]`, "must be a number 0..100"));
  }
  if (raw.sweep_at !== undefined) {
    if (!isRecord(raw.sweep_at) || !Object.values(raw.sweep_at).every((x) => typeof x === "string" || (typeof x === "number" && Number.isFinite(x))))
      err("report.sweep_at", `must be an object of column: value, e.g. {step: 1000}, got ${JSON.stringify(raw.sweep_at)}`);
    spec.sweep_at = raw.sweep_at as Record<string, string | number>;
  }
  if (!isRecord(raw.queries) || Object.keys(raw.queries).length === 0) err("report.queries", "needs at least one named query, e.g. `final: {by: [model]}`");
  for (const [name, rq] of Object.entries(raw.queries as Record<string, unknown>)) {
    const k = `report.queries.${name}`;
    if (!NAME.test(name)) err(k, "query names are lower-case letters, digits, _ and - (at most 40)");
    if (!isRecord(rq)) err(k, `must be an object like {by: [model]}, got ${JSON.stringify(rq)}`);
    const r = rq as Record<string, unknown>;
    for (const key of Object.keys(r)) if (!QUERY_KEYS.includes(key)) err(`${k}.${key}`, `unknown key (expected one of ${QUERY_KEYS.join(", ")})`);
    const query: QuerySpec = {by: strList(`${k}.by`, r.by) ?? []};
    if (r.judge !== undefined) query.judge = str(`${k}.judge`, r.judge);
    const qr = rule(`${k}.rule`, r.rule);
    if (qr !== undefined) query.rule = qr;
    const qa = cut(`${k}.aligned`, r.aligned);
    const qc = cut(`${k}.coherent`, r.coherent);
    if (qa !== undefined) query.aligned = qa;
    if (qc !== undefined) query.coherent = qc;
    flags(k, r, query);
    const qt = types(`${k}.exclude_types`, r.exclude_types);
    if (qt !== undefined) query.exclude_types = qt;
    const qq = strList(`${k}.questions`, r.questions);
    if (qq !== undefined) query.questions = qq;
    const qe = estimand(`${k}.estimand`, r.estimand);
    if (qe !== undefined) query.estimand = qe;
    const qtr = bool(`${k}.transition`, r.transition);
    if (qtr) query.transition = true;
    const qb = bool(`${k}.baseline`, r.baseline);
    if (qb) query.baseline = true;
    if (query.rule === "custom" && query.aligned === undefined && spec.aligned === undefined) err(`${k}.aligned`, "a custom rule needs its aligned cut");
    spec.queries[name] = query;
  }
  return spec;
}

/** The name of the sweep query at one aligned cut (built by the report build, not declared). */
export const sweepQueryName = (aligned: number): string => `sweep-a${aligned}`;

/** The query behind the threshold figure at one cut: the pinned selection by `compare`. */
export function sweepQuery(spec: ReportSpec, aligned: number): QuerySpec {
  return {by: [spec.compare, ...Object.keys(spec.sweep_at).filter((k) => k !== spec.compare)], aligned};
}

/** Every query the build runs: the declared ones, then one per sweep cut. */
export function allQueries(spec: ReportSpec): Record<string, QuerySpec> {
  const out: Record<string, QuerySpec> = {...spec.queries};
  for (const a of spec.sweep) out[sweepQueryName(a)] = sweepQuery(spec, a);
  return out;
}

/**
 * The `em summarize` arguments of one query of a report (after `em summarize`): the pinned
 * selection, the query's overrides, `--format json`. A rule preset whose cut is overridden is passed
 * as the preset plus the cut; `em summarize` then names it custom, as the library does.
 */
export function summarizeArgv(spec: ReportSpec, q: QuerySpec): string[] {
  const argv = ["--experiment", spec.experiment];
  const judge = q.judge ?? spec.judge;
  if (judge !== undefined) argv.push("--judge", judge);
  let rule = q.rule ?? spec.rule;
  // A query naming its own rule preset takes the preset's cuts, not the report's pinned ones.
  const own = q.rule !== undefined && q.rule !== "custom";
  const aligned = q.aligned ?? (own ? undefined : spec.aligned);
  const coherent = q.coherent ?? (own ? undefined : spec.coherent);
  if (rule === "custom") rule = "betley";
  argv.push("--rule", rule);
  if (aligned !== undefined) argv.push("--aligned", String(aligned));
  if (coherent !== undefined) argv.push("--coherent", String(coherent));
  // Flags, like cuts: the query's own, else the report's unless the query names its own preset.
  const flag = <K extends (typeof RULE_FLAG_KEYS)[number]>(k: K): RuleFlags[K] => (q as RuleFlags)[k] ?? (own ? undefined : (spec as RuleFlags)[k]);
  const denominator = flag("denominator");
  const nulls = flag("nulls");
  const coherence = flag("coherence");
  const ai = flag("aligned_inclusive");
  const ci = flag("coherent_inclusive");
  if (coherence !== undefined) argv.push("--coherence", String(coherence));
  if (ai !== undefined) argv.push("--aligned-inclusive", String(ai));
  if (ci !== undefined) argv.push("--coherent-inclusive", String(ci));
  if (denominator !== undefined) argv.push("--denominator", denominator);
  if (nulls !== undefined) argv.push("--nulls", nulls);
  const exclude = q.exclude_types ?? spec.exclude_types;
  if (exclude.length) argv.push("--exclude-types", exclude.join(","));
  const questions = q.questions ?? spec.questions;
  if (questions) argv.push("--questions", questions.join(","));
  if (spec.question_set) argv.push("--question-set", spec.question_set);
  const estimand = q.estimand ?? spec.estimand;
  if (estimand !== "questions") argv.push("--estimand", estimand);
  if (spec.topic_cut !== undefined) argv.push("--topic-cut", String(spec.topic_cut));
  if (q.by.length) argv.push("--by", q.by.join(","));
  if (q.transition) argv.push("--transition");
  if (q.baseline) argv.push("--baseline");
  argv.push("--format", "json");
  return argv;
}

/** POSIX shell quoting of one argument (only when needed, so commands stay readable). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-./=:,@+]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command a reader runs from the project root to print a query's numbers. */
export function commandText(argv: readonly string[]): string {
  return ["npx", "em", "summarize", ...argv].map(shellQuote).join(" ");
}

/**
 * Split a command shown by `commandText` back into its `em summarize` arguments (the browser test
 * runs what the page shows). Throws unless it is an `npx em summarize ... --format json` command.
 */
export function parseCommand(text: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const m of text.trim().matchAll(re)) words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!);
  if (words[0] !== "npx" || words[1] !== "em" || words[2] !== "summarize") throw new Error(`not an \`npx em summarize\` command: ${text}`);
  const argv = words.slice(3);
  const f = argv.indexOf("--format");
  if (f < 0 || argv[f + 1] !== "json") throw new Error(`the command does not print JSON (--format json): ${text}`);
  return argv;
}

/** A report's provenance block (built by `em report`'s loader, shown by the report components). */
export interface ReportProvenance {
  tool: {name: string; version: string};
  experiment: {name: string; file: string; sha256: string; description: string | null; simulated: boolean; coordinate: string};
  question_files: {file: string; sha256: string}[];
  imports: {file: string; sha256: string; format: string; responses: number}[];
  judges: {id: string; model: string; metrics: string[]; prompt_sha256: Record<string, string>}[];
  generation: {temperature: number; max_tokens: number; seed: number} | null;
  seeds: {bootstrap: number; generation: number | null};
  counts: {responses: number; scores: number};
  rebuild: string[];
}
