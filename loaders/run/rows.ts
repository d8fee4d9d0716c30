// Rows of generated answers: their ids and meta, and the inputs planVariants reads (one prototype
// row per checkpoint, default variant keys per import).
import type {MetaValue, ResponseRow} from "../../src/lib/schema.ts";
import type {Experiment} from "../experiment.ts";
import {compileFilenamePattern} from "../import/filename.ts";
import type {ImportSpec} from "../import/index.ts";
import {displayPath} from "../paths.ts";
import {sha256} from "../hash.ts";
import type {VariantConfig, VariantInput} from "../variants.ts";
import type {GenUnit} from "./prepare.ts";

/**
 * Stable id of a generated response: first 16 hex chars of sha256 over JSON
 * [experiment, model, step, question_id, paraphrase, sample, source]. Imported rows use
 * `importedResponseId` (loaders/import/index.ts) instead.
 */
export function responseId(
  experiment: string,
  model: string,
  step: number | null,
  questionId: string,
  paraphrase: number,
  sample: number,
  source: string,
): string {
  return sha256(JSON.stringify([experiment, model, step, questionId, paraphrase, sample, source])).slice(0, 16);
}

/** Default variant keys of generated / simulated rows: the experiment model id. */
export const GENERATED_KEYS: readonly string[] = ["model"];

/** A generated row's meta: model meta, checkpoint meta, and the model's declared domain. */
function generatedMeta(m: Experiment["models"][number], checkpointMeta: Record<string, MetaValue>): Record<string, MetaValue> {
  return {...m.meta, ...checkpointMeta, ...(m.domain ? {domain: m.domain} : {})};
}

/** Fields of a ResponseRow that planning does not read, for the prototypes of generated rows. */
const protoRow: ResponseRow = {
  response_id: "",
  experiment: "",
  model: "",
  step: null,
  question_id: "",
  category: null,
  question: "",
  system: null,
  paraphrase: 0,
  sample: 0,
  response: "",
  origin: "generated",
  source: "",
  meta: {},
};

const patternFields = new Map<string, string[]>();
const defaultKeysMemo = new Map<string, string[]>();
/**
 * Default variant keys of an imported row: the model, then every file-name field of its import's
 * `filename` pattern except the one used as the coordinate (`meta.step_from`) and `seed`.
 */
function importDefaultKeys(specOf: (r: ResponseRow) => ImportSpec | undefined, r: ResponseRow): readonly string[] {
  const spec = specOf(r);
  if (!spec?.filename) return GENERATED_KEYS;
  let fields = patternFields.get(spec.filename);
  if (!fields) patternFields.set(spec.filename, (fields = compileFilenamePattern(spec.filename).fields));
  const stepFrom = typeof r.meta?.step_from === "string" ? r.meta.step_from : typeof spec.step === "string" ? spec.step : "";
  const memo = `${spec.filename}\0${stepFrom}`;
  let keys = defaultKeysMemo.get(memo);
  if (!keys) {
    keys = ["model", ...fields.filter((f) => f !== "model" && f !== "seed" && f !== stepFrom)];
    defaultKeysMemo.set(memo, keys);
  }
  return keys;
}

/** The experiment's variant declarations as planVariants reads them. */
export function variantConfig(exp: Experiment): VariantConfig {
  return {
    file: displayPath(exp.file),
    variant: exp.variant,
    replicate: exp.replicate,
    baseline: exp.baseline,
    domains: exp.domains,
    builtin_domains: exp.builtin_domains,
    modelDomains: new Map(exp.models.map((m) => [m.id, m.domain])),
    lines: exp.lines,
  };
}

/**
 * What planVariants reads: every imported row with its import's default keys, and one prototype
 * row per generated checkpoint (generated rows take their meta from the model and checkpoint).
 */
export function variantInputs(exp: Experiment, imported: readonly ResponseRow[], specOf: (r: ResponseRow) => ImportSpec | undefined): VariantInput[] {
  const out: VariantInput[] = [];
  for (const r of imported) out.push({row: r, defaultKeys: importDefaultKeys(specOf, r)});
  for (const m of exp.models) {
    for (const c of m.checkpoints)
      out.push({row: {...protoRow, model: m.id, step: c.step, source: c.model, meta: generatedMeta(m, c.meta)}, defaultKeys: GENERATED_KEYS});
  }
  return out;
}

/** The response row of sample `i` of a generation unit. */
export function generatedRow(exp: Experiment, u: GenUnit, i: number, text: string, origin: "simulated" | "generated"): ResponseRow {
  return {
    response_id: responseId(exp.name, u.model.id, u.step, u.question.id, u.paraphrase, i, u.checkpointModel),
    experiment: exp.name,
    model: u.model.id,
    step: u.step,
    question_id: u.question.id,
    category: u.question.category,
    question: u.question.paraphrases[u.paraphrase]!,
    system: u.question.system,
    paraphrase: u.paraphrase,
    sample: i,
    response: text,
    origin,
    source: u.checkpointModel,
    meta: generatedMeta(u.model, u.checkpointMeta),
  };
}
