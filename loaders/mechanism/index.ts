// An experiment file's `mechanism:` section (issue 27; docs/mechanism.md): training logs and LoRA
// checkpoint folders per variant -> one long table of curves (variant, step, layer, module, metric,
// value) -> change points on the chosen scalars and their lag behind the EM transition.
//
// mechanism:
//   training:                       # CSV / JSONL logs, W&B and TensorBoard exports as they are
//     - files: logs/medical*.csv    # glob(s) relative to the experiment file
//       filename: "{model}.csv"     # optional: fields become meta, as in imports
//       step: Step                  # optional step column
//       metric: grad_norm           # optional: a TensorBoard export's Value column
//       meta: {model: medical}      # variant keys (the experiment's `variant:`, default model)
//   checkpoints:
//     - dir: adapters/medical       # <dir>/checkpoint-<step>/adapter_model.safetensors
//       meta: {model: medical}
//       modules: [mlp.down_proj]    # optional filters
//       layers: [20]
//   scalars: [rotation_B_k10, grad_norm]   # curves drawn (default: these two where present); every
//                                          # curve gets a change point either way
import path from "node:path";
import {z} from "zod";
import type {Experiment} from "../experiment.ts";
import {resolveExperimentPath} from "../experiment.ts";
import {compileFilenamePattern, matchFilename} from "../import/filename.ts";
import {globFiles} from "../import/glob.ts";
import {displayPath} from "../paths.ts";
import {readCheckpointSeries, type MechanismRow} from "./checkpoints.ts";
import {readTrainingLog} from "./training.ts";

const meta = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({});

export const MechanismSpecSchema = z
  .object({
    training: z
      .array(
        z
          .object({
            files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
            filename: z.string().min(1).optional(),
            step: z.string().min(1).optional(),
            metric: z.string().min(1).optional(),
            meta,
          })
          .strict(),
      )
      .default([]),
    checkpoints: z
      .array(
        z
          .object({
            dir: z.string().min(1),
            meta,
            modules: z.array(z.string().min(1)).optional(),
            layers: z.array(z.number().int().min(0)).optional(),
            allow_gaps: z.boolean().default(false),
            ba_max_rank: z.number().int().min(0).default(8),
          })
          .strict(),
      )
      .default([]),
    scalars: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type MechanismSpec = z.infer<typeof MechanismSpecSchema>;

/** The default curves analysed: the B rotation at k = 10 and the gradient norm. */
export const DEFAULT_SCALARS = ["rotation_B_k10", "grad_norm"] as const;

/** One row of the mechanism table written for the site and the CLI. */
export interface CurveRow extends MechanismRow {
  variant: string;
  /** "training" (a log) or "checkpoints" (an adapter folder). */
  source: "training" | "checkpoints";
}

export interface MechanismTables {
  rows: CurveRow[];
  scalars: string[];
  /** Files and folders read, for provenance. */
  inputs: string[];
}

function variantOf(e: Experiment, m: Record<string, unknown>, where: string): string {
  const keys = e.variant ?? ["model"];
  const parts: string[] = [];
  for (const k of keys) {
    const v = m[k];
    if (v === undefined || v === null || v === "")
      throw new Error(`${displayPath(e.file)}: ${where}: no value for variant key '${k}' (set meta: {${k}: ...} or a {${k}} field in filename)`);
    parts.push(String(v));
  }
  return parts.join(" / ");
}

/** Parse the experiment's `mechanism:` section (null when absent); errors name the file and field. */
export function mechanismSpec(e: Experiment & {mechanism?: unknown}): MechanismSpec | null {
  if (e.mechanism === undefined || e.mechanism === null) return null;
  const r = MechanismSpecSchema.safeParse(e.mechanism);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const line = e.lines.mechanism;
    throw new Error(`${displayPath(e.file)}: mechanism.${i.path.join(".")}: ${i.message}${line ? ` (section at line ${line})` : ""}`);
  }
  return r.data;
}

/** Read every training log and checkpoint folder the section names. */
export function readMechanism(e: Experiment, spec: MechanismSpec): MechanismTables {
  const rows: CurveRow[] = [];
  const inputs: string[] = [];
  spec.training.forEach((t, i) => {
    const where = `mechanism.training[${i}]`;
    const pattern = t.filename ? compileFilenamePattern(t.filename) : null;
    const files = (Array.isArray(t.files) ? t.files : [t.files]).flatMap((g) => globFiles(g, path.dirname(e.file)));
    if (!files.length) throw new Error(`${displayPath(e.file)}: ${where}.files: ${JSON.stringify(t.files)} matches no file`);
    for (const f of files) {
      const fields = pattern ? matchFilename(pattern, f) : {};
      if (fields === null) throw new Error(`${displayPath(f)}: file name does not match ${where}.filename '${t.filename}'`);
      const variant = variantOf(e, {...fields, ...t.meta}, `${where} (${displayPath(f)})`);
      const log = readTrainingLog(f, {step: t.step, metric: t.metric});
      inputs.push(displayPath(f));
      for (const r of log.rows)
        for (const [metric, value] of Object.entries(r.values))
          rows.push({variant, source: "training", step: r.step, layer: null, module: "training", metric, value});
    }
  });
  spec.checkpoints.forEach((c, i) => {
    const where = `mechanism.checkpoints[${i}]`;
    const dir = resolveExperimentPath(c.dir, e.file, `${where}.dir`);
    const variant = variantOf(e, c.meta, where);
    const s = readCheckpointSeries(dir, {
      allowGaps: c.allow_gaps,
      baMaxRank: c.ba_max_rank,
      filter: (layer, module) => (!c.layers || c.layers.includes(layer)) && (!c.modules || c.modules.includes(module)),
    });
    inputs.push(displayPath(dir));
    for (const r of s.rows) rows.push({...r, variant, source: "checkpoints"});
  });
  return {rows, scalars: spec.scalars ?? [...DEFAULT_SCALARS], inputs};
}

/**
 * The curve of one scalar for one variant: a training metric, or a checkpoint metric of all modules
 * together (module "all"; the single module when the folder has one). Nulls dropped.
 */
export function scalarCurve(rows: readonly CurveRow[], variant: string, scalar: string): {x: number; y: number}[] {
  const mine = rows.filter((r) => r.variant === variant && r.metric === scalar);
  const training = mine.filter((r) => r.source === "training");
  const ckpt = mine.filter((r) => r.source === "checkpoints");
  const all = ckpt.filter((r) => r.module === "all");
  const modules = new Set(ckpt.map((r) => `${r.layer}|${r.module}`));
  const use = training.length ? training : all.length ? all : modules.size === 1 ? ckpt : [];
  return use.filter((r) => r.value !== null).map((r) => ({x: r.step, y: r.value!}));
}

/**
 * Every scalar with a curve for the variant (scalarCurve non-empty): the chosen ones first, in
 * their order, then the training metrics and the checkpoint metrics in first-seen order. The CLI
 * and the page fit a change point to each (issue 27: change points on every curve).
 */
export function everyScalar(rows: readonly CurveRow[], variant: string, chosen: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (r.variant === variant && !chosen.includes(r.metric)) seen.add(r.metric);
  return [...chosen, ...seen].filter((s) => scalarCurve(rows, variant, s).length > 0);
}

/** A scalar computed over a window of checkpoints (the rotation): its change point gets a resolution margin. */
export const windowScalar = (scalar: string): boolean => /^rotation_/.test(scalar);

/** Human label of a scalar for sentences ("the B-vector rotation (k = 10)", "grad_norm"). */
export function scalarLabel(scalar: string): string {
  const m = /^rotation_(B|BA)_k(\d+)$/.exec(scalar);
  if (m) return `the ${m[1] === "B" ? "B-vector" : "BA"} rotation (k = ${m[2]})`;
  const n = /^norm_(A|B|BA)$/.exec(scalar);
  if (n) return `the ${n[1]} norm`;
  if (/(^|\/)grad_norm$/.test(scalar)) return "the gradient norm";
  return scalar;
}
