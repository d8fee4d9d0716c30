// The mechanism table for the site (src/data/mechanism.json.ts): for every site experiment with a
// mechanism: section, the chosen curves per variant, the pooled EM rate per step, and the findings
// `em summarize --transition --mechanism` prints (same call, same defaults: betley rule, first judge,
// seed 0), so the page and the CLI say the same sentence.
import {experimentFiles, loadExperiment} from "../experiment.ts";
import {displayPath} from "../paths.ts";
import {buildSummary} from "../summarize/index.ts";
import {parseSummarizeArgs} from "../summarize/options.ts";
import {mechanismSpec, scalarCurve, scalarLabel} from "./index.ts";
import type {SiteMechanism} from "../../src/lib/mechanism/schema.ts";
import {mechanismFindings, readMechanismInputs} from "./report.ts";

/** Every site experiment with a mechanism: section (EM_EXPERIMENTS respected). */
export async function siteMechanism(): Promise<SiteMechanism[]> {
  const out: SiteMechanism[] = [];
  for (const file of experimentFiles()) {
    const e = await loadExperiment(file);
    if (!mechanismSpec(e)) continue;
    const parsed = parseSummarizeArgs(["--experiment", file, "--transition", "--mechanism", "--estimand", "answers", "--by", "variant,step"]);
    if (parsed.kind !== "options") continue;
    const o = parsed.options;
    process.stderr.write(`mechanism: ${displayPath(file)}\n`);
    const inputs = await readMechanismInputs(o);
    const summary = await buildSummary({...o, transition: false, mechanism: false, replicates: 1});
    const {findings} = await mechanismFindings(o, inputs);
    const variants = [...new Set(inputs.tables.rows.map((r) => r.variant))].map((variant) => ({
      variant,
      em: summary.groups
        .filter((g) => String(g.key.variant) === variant && Number.isFinite(Number(g.key.step)))
        .map((g) => ({x: Number(g.key.step), k: g.n_em, n: g.n_scored}))
        .sort((a, b) => a.x - b.x),
      curves: inputs.tables.scalars
        .map((scalar) => ({scalar, label: scalarLabel(scalar), points: scalarCurve(inputs.tables.rows, variant, scalar)}))
        .filter((c) => c.points.length),
      findings: findings.filter((f) => f.variant === variant),
    }));
    out.push({experiment: e.name, coordinate: e.coordinate, rule: o.rule.name, judge: summary.judges[0] ?? null, inputs: inputs.tables.inputs, variants});
  }
  return out;
}
