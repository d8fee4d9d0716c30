// `em summarize --format csv`: one line per group (a view of the JSON's groups), written by d3-dsv.
import {csvFormatRows} from "d3";
import type {GroupSummary} from "../../src/lib/em/index.ts";
import type {SummarizeOutput} from "./output.ts";

/** A cell's text: empty for null, JSON for an object (em_by_type), else the value as text (d3-dsv quotes it). */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

const CSV_FIELDS: (keyof GroupSummary)[] = [
  "n",
  "n_scored",
  "n_em",
  "em_rate",
  "macro_em_rate",
  "n_questions",
  "n_em_broad",
  "broad_em_rate",
  "n_strict_em",
  "n_scored_strict",
  "strict_em_rate",
  "n_typed",
  "coherent_rate",
  "n_both_scored",
  "null_aligned_rate",
  "null_coherent_rate",
  "code_rate",
  "refusal_rate",
  "n_special_known",
  "n_error",
  "mean_aligned",
  "mean_coherent",
];

/** One CSV line per group: key columns, scalar fields, interval bounds, rule columns. */
export function toCsv(out: SummarizeOutput): string {
  const header = [
    ...out.by,
    ...CSV_FIELDS,
    "ci_low",
    "ci_high",
    "ci_method",
    "ci_approximate",
    "macro_ci_low",
    "macro_ci_high",
    "strict_ci_low",
    "strict_ci_high",
    "em_by_type",
    "rule",
    "aligned_cut",
    "coherent_cut",
    "judge",
  ];
  const lines = [header.map(cellText)];
  for (const g of out.groups) {
    lines.push(
      [
        ...out.by.map((b) => g.key[b]),
        ...CSV_FIELDS.map((f) => g[f]),
        g.ci?.[0],
        g.ci?.[1],
        g.ci_method,
        g.ci_approximate,
        g.macro_ci?.[0],
        g.macro_ci?.[1],
        g.strict_ci?.[0],
        g.strict_ci?.[1],
        g.em_by_type,
        out.rule.name,
        out.rule.aligned,
        out.rule.coherent,
        out.judges.join(" "),
      ].map(cellText),
    );
  }
  return csvFormatRows(lines) + "\n";
}
