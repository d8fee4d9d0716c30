// Provenance of a run: tool version, experiment file hash, question files, judges and their prompt
// hashes, counts and usage. Written beside the tables, so a dataset says what produced it.
import {readFileSync} from "node:fs";
import path from "node:path";
import type {Provenance} from "../../src/lib/schema.ts";
import {isSim} from "../client/endpoints.ts";
import {ROOT, projectPath} from "../paths.ts";
import {sha256} from "../hash.ts";
import type {JudgeSpec, Prepared} from "./prepare.ts";
import type {ImportedFile} from "../import/index.ts";

/** Package version, recorded in provenance and part of the dataset memo key. */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {version: string}).version;

/**
 * Prompt hash per metric: the sha256 of the template when every question uses the same one,
 * otherwise sha256 over the sorted "question_id:sha256" lines (question files override rubrics).
 */
function promptHashes(p: Prepared, j: JudgeSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of j.metrics) {
    const per = new Map<string, string>();
    for (const q of p.questions) {
      const r = p.rubric(j, m, q.id);
      if (r) per.set(q.id, r.sha256);
    }
    const base = j.base.get(m);
    const distinct = new Set(per.values());
    if (distinct.size === 0) out[m] = base?.sha256 ?? "";
    else if (distinct.size === 1 && (!base || distinct.has(base.sha256))) out[m] = [...distinct][0]!;
    else
      out[m] = sha256(
        [...per]
          .map(([q, h]) => `${q}:${h}`)
          .sort()
          .join("\n"),
      );
  }
  return out;
}

/** What a finished run adds up to, for its provenance entry. */
/** The counts of one experiment's provenance entry (src/lib/schema.ts). */
export type ProvenanceCounts = Provenance["experiments"][number]["counts"];

/** Token usage of every answer and judge result in the tables (cached ones included). */
export interface Usage {
  pt: number;
  ct: number;
  cost: number;
  /** False once some tokens had no known price: the cost is then unknown, not a lower bound. */
  costKnown: boolean;
}

/**
 * Per imported file: rows read = imported + skipped (and empty/NaN score cells). Kept in the
 * experiment's provenance entry as `import_files` (beside the schema's fields; docs/reliability.md).
 */
export type ImportFileCounts = Pick<
  ImportedFile,
  "file" | "format" | "rows" | "responses" | "skipped" | "null_scores" | "not_judged" | "empty_responses" | "missing_metrics"
>;

export function buildProvenance(
  p: Prepared,
  createdBy: string,
  counts: ProvenanceCounts,
  usage: Usage,
  importFiles: readonly ImportFileCounts[] = [],
): Provenance {
  const exp = p.experiment;
  const gen = exp.generation;
  return {
    tool: {name: "em-observatory", version: TOOL_VERSION},
    created_by: createdBy,
    experiments: [
      {
        name: exp.name,
        file: projectPath(exp.file),
        sha256: exp.sha256,
        ...(exp.description ? {description: exp.description} : {}),
        simulated: exp.simulated || (!!gen && isSim(gen.endpoint)),
        question_files: p.questionFiles,
        judges: p.judges.map((j) => ({id: j.cfg.id, model: j.cfg.model, metrics: j.metrics, prompt_sha256: promptHashes(p, j)})),
        generation: gen ? {temperature: gen.temperature, max_tokens: gen.max_tokens, seed: gen.seed} : null,
        counts,
        usage: {prompt_tokens: Math.round(usage.pt), completion_tokens: Math.round(usage.ct), est_cost_usd: usage.costKnown ? round6(usage.cost) : null},
        ...(importFiles.length
          ? {
              import_files: importFiles.map((f) => ({
                file: f.file,
                format: f.format,
                rows: f.rows,
                imported: f.responses,
                skipped: f.skipped,
                null_scores: f.null_scores,
                ...(f.not_judged ? {not_judged: f.not_judged} : {}),
                ...(f.empty_responses ? {empty_responses: f.empty_responses} : {}),
                ...(f.missing_metrics ? {missing_metrics: f.missing_metrics} : {}),
              })),
            }
          : {}),
      } satisfies Provenance["experiments"][number],
    ],
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
