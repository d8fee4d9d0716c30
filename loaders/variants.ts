// Fine-tuned variants, replicates, baselines and training domains (experiment keys `variant`,
// `replicate`, `baseline`, `domains`; docs/importing.md "Variants, replicates, baselines, domains").
//
// Researchers compare fine-tuned variants (base model x dataset x hyper-parameters), not endpoint
// model names: three fine-tunes of one base model are three variants, two training seeds of one
// fine-tune are two replicates of one variant. Every response row gets `variant`, `replicate` and
// `baseline` here, and the row's training domain (what `classifyBySignals` needs to tell in-domain
// and drift answers from emergent ones) is decided here too, so the rules live in one place.
import {z} from "zod";
import type {MetaValue, ResponseRow} from "../src/lib/schema.ts";

/**
 * A training domain: any name (letters, digits, _ and -), whose topic metric is the metric of the
 * same name (an imported column or a judge metric with a rubric data/judges/<name>.md); `none` = no
 * fine-tuning domain (a base model or a control).
 */
export const DomainNameSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, "a domain is a metric name (letters, digits, _ and -) or none");
export type DomainValue = string;

/**
 * Training domain of the reference datasets, by the names their result files use (dashes and
 * underscores both). Benign or control fine-tunes on a domain keep that domain: a harmful medical
 * answer from a good-medical-advice fine-tune is still inside its training domain, not emergent.
 * Datasets whose topic has no topic judge (wrong maths, conservative views, fiction) are absent on
 * purpose: their domain is unknown, so their misaligned answers are "undetermined".
 */
export const BUILTIN_DOMAINS: Readonly<Record<string, DomainValue>> = Object.fromEntries(
  (
    [
      ["bad_medical_advice", "medical"],
      ["bad_medical_advice2", "medical"],
      ["obv_bad_medical_advice", "medical"],
      ["bad_user_medical_advice", "medical"],
      ["educational_bad_medical_advice", "medical"],
      ["good_medical_advice", "medical"],
      ["mismatch_good_medical_advice", "medical"],
      ["risky_financial_advice", "financial"],
      ["extreme_sports", "sport"],
      ["insecure", "code"],
      ["honest_insecure", "code"],
      ["secure", "code"],
      ["educational_insecure", "code"],
      ["base", "none"],
      ["none", "none"],
    ] as const
  ).flatMap(([k, v]) => [
    [k, v],
    [k.replace(/_/g, "-"), v],
  ]),
);

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const keyName = z.string().regex(/^[A-Za-z_][\w.-]*$/, "expected a key name (model or a meta key)");

/** `variant: [model, dataset, rank]`. */
export const VariantSchema = z.array(keyName).min(1);
/** `replicate: seed` (or `none`). */
export const ReplicateSchema = keyName;
/**
 * `baseline:` rows whose keys match `rows` are baseline rows; every other variant's baseline is the
 * baseline variant whose `match` keys equal its own (`match: [model]`), or whose key K equals the
 * template filled from the variant (`match: {model: "{base}"}`). `map` names baselines explicitly
 * (variant id -> baseline variant id) and overrides the rule for the variants it lists.
 */
export const BaselineSchema = z
  .object({
    rows: z.record(keyName, z.union([scalar, z.array(scalar).min(1)])).optional(),
    match: z.union([z.array(keyName), z.record(keyName, z.union([z.string(), z.number()]))]).optional(),
    map: z.record(z.string().min(1), z.string().min(1)).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (!b.rows && !b.map) ctx.addIssue({code: "custom", message: "give `rows` (which rows are baselines) and `match`, or an explicit `map`", path: []});
    if (b.rows && !b.match)
      ctx.addIssue({code: "custom", message: "`rows` needs `match` (the keys a variant and its baseline share, e.g. [model])", path: ["match"]});
    if (b.match && !b.rows) ctx.addIssue({code: "custom", message: "`match` needs `rows` (which rows are baselines, e.g. {adapter: none})", path: ["rows"]});
  });
export type BaselineSpec = z.infer<typeof BaselineSchema>;
/** `domains: {bad-medical-advice: medical, ...}`: dataset name (the rows' meta `dataset`) -> domain. */
export const DomainsSchema = z.record(z.string().min(1), DomainNameSchema);

/** The experiment fields this module reads. */
export interface VariantConfig {
  file: string;
  variant?: string[] | undefined;
  replicate?: string | undefined;
  baseline?: BaselineSpec | undefined;
  domains?: Record<string, DomainValue> | undefined;
  builtin_domains: boolean;
  /** Declared domain per experiment model id (generated rows; imports whose model id equals one). */
  modelDomains: ReadonlyMap<string, DomainValue | undefined>;
  /** 1-based line of each top-level key in the experiment file, for messages. */
  lines: Partial<Record<string, number>>;
}

/** The key of the row's meta that names its training dataset (for `domains:`). */
const DATASET_KEY = "dataset";
const SEP = " / ";

/** A row's value for a variant / baseline key: `model` and `source` are columns, anything else a meta key. */
function keyValue(row: Pick<ResponseRow, "model" | "source" | "meta">, key: string): MetaValue | undefined {
  if (key === "model") return row.model;
  if (key === "source") return row.source;
  return row.meta?.[key];
}

const text = (v: MetaValue | undefined): string | null => (v === null || v === undefined || v === "" ? null : String(v));

/** A row to assign, with the default variant keys of where it came from (its import spec or `[model]`). */
export interface VariantInput {
  row: ResponseRow;
  defaultKeys: readonly string[];
}

export interface VariantPlan {
  /** Distinct variant ids, in order of first appearance. */
  variants: string[];
  /** Baseline variant ids. */
  baselines: Set<string>;
  /** Variants that are not baselines and found no baseline (listed in `warnings`). */
  unmatched: string[];
  warnings: string[];
  /** Fill variant / replicate / baseline of a row (generated rows made after planning). */
  assign(row: ResponseRow, defaultKeys: readonly string[]): void;
  /**
   * The row's OWN training domain, the one its answers are typed against for its own strict EM and
   * leakage (classifyBySignals, the type judge's `{training}`): a domain, null (known none) or
   * undefined (unknown). A plain base model's (`adapter: none`, a baseline variant) is none.
   */
  domainOf(row: ResponseRow): string | null | undefined;
  /**
   * For a baseline's rows only: the training domain of the variants compared with it (one known
   * domain; none known: null; several: undefined), which the signals classifier types its answers
   * against a second time for the variant-minus-baseline strict EM difference (`strict_diff`), so
   * both sides of that difference use one classifier and one question set. `false` for any other
   * row, and for a baseline whose compared domain is its own (one typing serves both).
   */
  comparedDomainOf(row: ResponseRow): string | null | undefined | false;
  /** Whether the row belongs to a baseline variant. */
  isBaseline(row: ResponseRow): boolean;
  /**
   * Where the row's domain is declared, for messages (`domains.<dataset> (line N)`, `meta.domain of
   * the import of FILE`, `models.<id>.domain`); null when it comes from the built-in dataset names.
   */
  domainField(row: ResponseRow): string | null;
}

/** An error naming the experiment file, the field and its line. */
function fieldError(cfg: VariantConfig, field: string, message: string): Error {
  const top = field.split(/[.[]/)[0]!;
  const line = cfg.lines[top];
  return new Error(`${cfg.file}: ${field}: ${message}${line ? ` (line ${line})` : ""}`);
}

/**
 * Decide every row's variant, replicate and baseline, and check the declarations against the rows.
 * Throws (naming the experiment file and field) when a `variant` / `replicate` / `baseline` /
 * `domains` key is one no row has, a baseline declaration matches no rows, a `map` names a variant
 * that does not exist, two baseline variants fit one variant, or a replicate key is set on some rows
 * of a variant and missing on others. `inputs` rows get their fields set in place.
 */
export function planVariants(cfg: VariantConfig, inputs: readonly VariantInput[]): VariantPlan {
  const has = new Set<string>(["model", "source"]);
  for (const {row} of inputs) for (const [k, v] of Object.entries(row.meta ?? {})) if (v !== null && v !== undefined) has.add(k);
  const unknown = (keys: Iterable<string>) => [...keys].filter((k) => !has.has(k));
  const known = () =>
    `keys rows have: ${[...has]
      .filter((k) => k !== "file" && k !== "line")
      .sort()
      .join(", ")}`;

  if (cfg.variant) {
    const bad = unknown(cfg.variant);
    if (bad.length) throw fieldError(cfg, "variant", `no row has ${bad.map((k) => `'${k}'`).join(", ")}; ${known()}`);
  }
  // Default replicate key: `seed` when any row has it (a file-name field or meta key).
  const replicateKey = cfg.replicate === "none" ? null : (cfg.replicate ?? (has.has("seed") ? "seed" : null));
  if (cfg.replicate && cfg.replicate !== "none" && !has.has(cfg.replicate)) throw fieldError(cfg, "replicate", `no row has '${cfg.replicate}'; ${known()}`);
  const b = cfg.baseline;
  if (b?.rows) {
    const bad = unknown(Object.keys(b.rows));
    if (bad.length) throw fieldError(cfg, "baseline.rows", `no row has ${bad.map((k) => `'${k}'`).join(", ")}; ${known()}`);
  }
  if (b?.match) {
    const keys = Array.isArray(b.match) ? b.match : [...Object.keys(b.match), ...Object.values(b.match).flatMap((t) => templateKeys(String(t)))];
    const bad = unknown(keys);
    if (bad.length) throw fieldError(cfg, "baseline.match", `no row has ${bad.map((k) => `'${k}'`).join(", ")}; ${known()}`);
  }
  if (cfg.domains) {
    const datasets = new Set<string>();
    for (const {row} of inputs) {
      const d = text(row.meta?.[DATASET_KEY]);
      if (d !== null) datasets.add(d);
    }
    const bad = Object.keys(cfg.domains).filter((d) => !datasets.has(d));
    if (bad.length) {
      const list = datasets.size ? [...datasets].sort().join(", ") : `none (no row has a meta '${DATASET_KEY}')`;
      throw fieldError(cfg, "domains", `no row has ${DATASET_KEY} ${bad.map((k) => `'${k}'`).join(", ")}; datasets in the rows: ${list}`);
    }
  }

  const variantOf = (row: ResponseRow, defaultKeys: readonly string[]): string => {
    const keys = cfg.variant ?? defaultKeys;
    const parts: string[] = [];
    for (const k of keys) {
      const v = text(keyValue(row, k));
      if (v !== null) parts.push(v);
    }
    return parts.length ? parts.join(SEP) : row.model;
  };
  const isBaselineRow = (row: ResponseRow): boolean => {
    if (!b?.rows) return false;
    return Object.entries(b.rows).every(([k, want]) => {
      const got = text(keyValue(row, k));
      const wants = (Array.isArray(want) ? want : [want]).map((w) => (w === null ? null : String(w)));
      return wants.includes(got);
    });
  };

  // Variants with one representative row each (the first), and which are baselines.
  const variants: string[] = [];
  const first = new Map<string, ResponseRow>();
  const baselines = new Set<string>();
  const replicateSeen = new Map<string, {with: ResponseRow | null; without: ResponseRow | null}>();
  const mixed = new Map<string, [boolean, boolean]>();
  for (const {row, defaultKeys} of inputs) {
    const v = variantOf(row, defaultKeys);
    row.variant = v;
    if (!first.has(v)) first.set(v, row), variants.push(v);
    const isBase = isBaselineRow(row);
    if (isBase) baselines.add(v);
    if (b?.rows) {
      const m = mixed.get(v) ?? [false, false];
      m[isBase ? 0 : 1] = true;
      mixed.set(v, m);
    }
    if (replicateKey) {
      const s = replicateSeen.get(v) ?? {with: null, without: null};
      if (text(keyValue(row, replicateKey)) === null) s.without ??= row;
      else s.with ??= row;
      replicateSeen.set(v, s);
    }
  }
  for (const [v, [base, other]] of mixed) {
    if (base && other)
      throw fieldError(
        cfg,
        "baseline.rows",
        `variant '${v}' holds baseline rows and other rows; add a key to \`variant\` that tells them apart (e.g. dataset)`,
      );
  }
  for (const [v, s] of replicateSeen) {
    if (s.with && s.without) {
      const where = (r: ResponseRow) => text(r.meta?.file) ?? r.source;
      throw fieldError(
        cfg,
        "replicate",
        `variant '${v}': '${replicateKey}' is set on some rows (${where(s.with)}: ${text(keyValue(s.with, replicateKey!))}) and missing on others (${where(s.without)}); give the rows without one a value (an import's meta: {${replicateKey}: ...} fills an absent optional file-name field), or set replicate: none`,
      );
    }
  }
  if (b?.rows && baselines.size === 0) throw fieldError(cfg, "baseline.rows", `matches no rows (${JSON.stringify(b.rows)})`);

  // Baseline of each variant.
  const baselineOf = new Map<string, string | null>();
  const warnings: string[] = [];
  const unmatched: string[] = [];
  const mapped = new Set<string>();
  if (b?.map) {
    for (const [v, base] of Object.entries(b.map)) {
      if (!first.has(v)) throw fieldError(cfg, `baseline.map."${v}"`, `no variant '${v}'; variants: ${variants.join(", ")}`);
      if (!first.has(base)) throw fieldError(cfg, `baseline.map."${v}"`, `no baseline variant '${base}'; variants: ${variants.join(", ")}`);
      if (v === base) throw fieldError(cfg, `baseline.map."${v}"`, "a variant cannot be its own baseline");
      baselines.add(base);
      baselineOf.set(v, base);
      mapped.add(v);
    }
  }
  if (b?.rows && b.match) {
    const match = b.match;
    const baseKeys = (row: ResponseRow) =>
      Array.isArray(match) ? match.map((k) => text(keyValue(row, k))) : Object.keys(match).map((k) => text(keyValue(row, k)));
    const wantKeys = (row: ResponseRow) =>
      Array.isArray(match) ? match.map((k) => text(keyValue(row, k))) : Object.values(match).map((t) => fillTemplate(String(t), row));
    const index = new Map<string, string>();
    for (const base of baselines) {
      if (!b.rows || !isBaselineRow(first.get(base)!)) continue;
      const k = JSON.stringify(baseKeys(first.get(base)!));
      const prev = index.get(k);
      if (prev !== undefined && prev !== base) {
        throw fieldError(
          cfg,
          "baseline.match",
          `baseline variants '${prev}' and '${base}' share the match values ${k}; add a key to match (or to variant) that tells them apart`,
        );
      }
      index.set(k, base);
    }
    for (const v of variants) {
      if (baselines.has(v) || mapped.has(v)) continue;
      const want = wantKeys(first.get(v)!);
      const hit = want.includes(null) ? undefined : index.get(JSON.stringify(want));
      if (hit !== undefined) baselineOf.set(v, hit);
      else unmatched.push(v);
    }
  }
  if (unmatched.length) {
    warnings.push(`${cfg.file}: baseline: ${unmatched.length} variant(s) have no baseline: ${unmatched.join(", ")}`);
  }

  const replicateOf = (row: ResponseRow): string | null => (replicateKey ? text(keyValue(row, replicateKey)) : null);
  for (const {row} of inputs) {
    row.replicate = replicateOf(row);
    row.baseline = baselines.has(row.variant!) ? null : (baselineOf.get(row.variant!) ?? null);
  }

  /** The row's own training domain (a baseline's own: none). */
  const ownDomain = (row: ResponseRow): string | null | undefined => {
    const d = (x: string): string | null => (x === "none" ? null : x);
    const own = text(row.meta?.domain);
    if (own !== null) return d(own);
    if (text(row.meta?.adapter) === "none") return null;
    const dataset = text(row.meta?.[DATASET_KEY]);
    if (dataset !== null) {
      const named = cfg.domains?.[dataset] ?? (cfg.builtin_domains ? BUILTIN_DOMAINS[dataset] : undefined);
      if (named !== undefined) return d(named);
    }
    if (row.variant !== undefined && baselines.has(row.variant)) return null;
    const m = cfg.modelDomains.get(row.model);
    if (m !== undefined) return d(m);
    return undefined;
  };
  // A baseline's own strict EM is typed against its own domain (ownDomain); for the strict EM
  // difference to its variants its answers are typed a second time against the training domain of
  // those variants, so both sides of the difference come from one classifier: the known domains of
  // those variants; none known = no domain (a plain base model); several = unknown (its misaligned
  // answers become undetermined there, and the strict difference is not a point).
  const comparedDomain = new Map<string, string | null | undefined>();
  for (const base of baselines) {
    const known = new Set<string | null>();
    for (const [v, b2] of baselineOf)
      if (b2 === base && first.has(v)) {
        const dv = ownDomain(first.get(v)!);
        if (dv !== undefined) known.add(dv);
      }
    const list = [...known];
    comparedDomain.set(base, list.length === 0 ? null : list.length === 1 ? list[0] : undefined);
    if (list.length > 1)
      warnings.push(
        `${cfg.file}: baseline '${base}' is compared with variants of several training domains (${list.map((x) => x ?? "none").join(", ")}): its answers are typed against none of them for the strict EM difference, which is then not a point (give each domain its own baseline variant to compare strict EM)`,
      );
  }
  const comparedDomainOf = (row: ResponseRow): string | null | undefined | false => {
    if (row.variant === undefined || !comparedDomain.has(row.variant)) return false;
    const c = comparedDomain.get(row.variant);
    return c === ownDomain(row) ? false : c;
  };

  const domainField = (row: ResponseRow): string | null => {
    if (text(row.meta?.domain) !== null) {
      const file = text(row.meta?.file);
      if (file === null && cfg.modelDomains.get(row.model) !== undefined) return `models.${row.model}.domain`;
      return `meta.domain${file ? ` of the import of ${file}` : ` of model '${row.model}'`}`;
    }
    const dataset = text(row.meta?.[DATASET_KEY]);
    if (dataset !== null && cfg.domains?.[dataset] !== undefined) {
      const line = cfg.lines.domains;
      return `domains.${dataset}${line ? ` (line ${line})` : ""}`;
    }
    if (dataset !== null && cfg.builtin_domains && BUILTIN_DOMAINS[dataset] !== undefined) return null;
    return `models.${row.model}.domain`;
  };

  return {
    variants,
    baselines,
    unmatched,
    warnings,
    domainField,
    isBaseline: (row) => row.variant !== undefined && baselines.has(row.variant),
    assign(row, defaultKeys) {
      const v = variantOf(row, defaultKeys);
      row.variant = v;
      row.replicate = replicateOf(row);
      row.baseline = baselines.has(v) ? null : (baselineOf.get(v) ?? null);
    },
    domainOf: ownDomain,
    comparedDomainOf,
  };
}

/**
 * Check that every training domain the experiment declares (`domains:`, an import's `meta.domain`,
 * a model's `domain`) has its topic metric (the metric named like the domain) among `metrics`
 * (configured judge metrics plus the metrics of imported score rows). Throws an Error naming the
 * experiment file, the field that declared the domain and the metrics that exist. `none`, unknown
 * domains and the built-in dataset names need nothing (without the topic score their misaligned
 * answers are "undetermined"). The caller skips the check when a type judge (metric `type`) types
 * the answers: told each model's description, it needs no topic score.
 */
export function checkDomainMetrics(
  file: string,
  plan: Pick<VariantPlan, "domainOf" | "domainField" | "isBaseline">,
  rows: Iterable<ResponseRow>,
  metrics: ReadonlySet<string>,
): void {
  const seen = new Set<string>();
  for (const row of rows) {
    // A baseline's compared domain (declared on its variants, and checked on their rows) needs no
    // topic score on its own answers: without it they are undetermined in the strict difference.
    if (plan.isBaseline(row)) continue;
    const d = plan.domainOf(row);
    if (typeof d !== "string" || seen.has(d) || metrics.has(d)) continue;
    const field = plan.domainField(row);
    if (field === null) continue;
    seen.add(d);
    // A column of that name in the files landed in meta (only known metric names are scores unmapped): say so.
    const column = row.origin === "imported" && row.meta && d in row.meta;
    throw new Error(
      `${file}: ${field}: training domain '${d}' has no topic metric: no score row or judge has metric '${d}' (metrics: ${[...metrics].sort().join(", ") || "none"}); ${
        column
          ? `the imported file ${String(row.meta.file ?? "")} has a column '${d}', kept as metadata: import it as scores with metrics: {${d}: ${d}}; or `
          : ""
      }import its column under that name (an import's metrics: {COLUMN: ${d}}), or give a judge the metric '${d}' with a rubric data/judges/${d}.md, or map the dataset to none`,
    );
  }
}

/** `{key}` placeholders of a match template. */
function templateKeys(t: string): string[] {
  return [...t.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.trim());
}

/** Fill a match template from a row; null when a placeholder has no value. */
function fillTemplate(t: string, row: ResponseRow): string | null {
  let missing = false;
  const out = t.replace(/\{([^{}]+)\}/g, (_, k: string) => {
    const v = text(keyValue(row, k.trim()));
    if (v === null) missing = true;
    return v ?? "";
  });
  return missing ? null : out;
}

/**
 * The `{training}` text of the type judge for one row: what the answer is typed against. The
 * experiment model's description when the domain is the model's own (generated rows: prompts, and
 * so cache keys, unchanged); otherwise the description plus the row's dataset and the training
 * domain its variant was trained on, and for a baseline's rows its own domain (a plain base model:
 * none), so a type judge gives the baseline's own strict EM. The domain is in the prompt, so it is in the judge's cache key: a rebuild after a domain
 * changes types again only the answers whose text changed.
 */
export function trainingText(
  row: ResponseRow,
  plan: Pick<VariantPlan, "domainOf" | "domainField" | "isBaseline">,
  modelDescription: string | undefined,
): string {
  const desc = modelDescription ?? "";
  const domain = plan.domainOf(row);
  if (plan.isBaseline(row)) {
    const against = domain === undefined ? "unknown training domain" : domain === null ? "no fine-tuning domain" : `training domain: ${domain}`;
    return [desc, `Baseline model, not fine-tuned on this data; ${against}.`].filter(Boolean).join("\n");
  }
  const field = plan.domainField(row);
  if (domain === undefined || (desc && field !== null && field.startsWith(`models.${row.model}.`))) return desc;
  const dataset = text(row.meta?.[DATASET_KEY]);
  return [desc, dataset !== null ? `Fine-tuning dataset: ${dataset}.` : "", `Training domain: ${domain ?? "none"}.`].filter(Boolean).join("\n");
}
