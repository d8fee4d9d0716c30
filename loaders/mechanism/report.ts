// `em summarize --transition --mechanism`: per variant with training curves, the change point of
// every scalar curve and its lag behind the EM midpoint, as sentences (docs/mechanism.md). The EM
// counts come from the same summary call as the rest of `em summarize` (by variant, question and
// step, answer-level), so the rule, judge and question filters apply unchanged.
import {makeRng} from "../../src/lib/em/prng.ts";
import {bumpChangePoint} from "../../src/lib/mechanism/changepoint.ts";
import {behaviourFit, findingLines, lagInterval, lagSentence, type QuestionPoint} from "../../src/lib/mechanism/lag.ts";
import type {MechanismFinding} from "../../src/lib/mechanism/schema.ts";
import {loadExperiment} from "../experiment.ts";
import {buildSummary} from "../summarize/index.ts";
import type {SummarizeOptions} from "../summarize/options.ts";
import {everyScalar, mechanismSpec, readMechanism, scalarCurve, scalarLabel, windowScalar, type MechanismTables} from "./index.ts";

/** Bootstrap replicates of the change-point test and interval (the CLI's --replicates caps it). */
const MECHANISM_REPLICATES = 399;

export interface MechanismInputs {
  coordinate: string;
  tables: MechanismTables;
}

/**
 * Read the experiment's mechanism: section (training logs, checkpoint folders) before anything is
 * computed or printed: bad input fails here, naming the file.
 */
export async function readMechanismInputs(o: SummarizeOptions): Promise<MechanismInputs> {
  const e = await loadExperiment(o.experiment!);
  const spec = mechanismSpec(e);
  if (!spec) throw new Error(`${o.experiment}: --mechanism needs a mechanism: section (training logs or checkpoint folders; docs/mechanism.md)`);
  return {coordinate: e.coordinate, tables: readMechanism(e, spec)};
}

/** Change points and lags for every variant with curves. */
export async function mechanismFindings(
  o: SummarizeOptions,
  {coordinate, tables}: MechanismInputs,
): Promise<{findings: MechanismFinding[]; coordinate: string; inputs: string[]}> {
  const summary = await buildSummary({
    ...o,
    by: ["variant", "question_id", "step"],
    estimand: "answers",
    transition: false,
    mechanism: false,
    sensitivity: false,
    baseline: false,
    components: false,
    replicates: 1,
  });
  const em = new Map<string, QuestionPoint[]>();
  for (const g of summary.groups) {
    const v = String(g.key.variant);
    const x = Number(g.key.step);
    if (!Number.isFinite(x)) continue;
    const list = em.get(v) ?? [];
    list.push({x, question: String(g.key.question_id), k: g.n_em, n: g.n_scored});
    em.set(v, list);
  }
  const replicates = Math.min(o.replicates, MECHANISM_REPLICATES);
  const findings: MechanismFinding[] = [];
  const variants = [...new Set(tables.rows.map((r) => r.variant))];
  variants.forEach((variant, vi) => {
    const points = em.get(variant) ?? [];
    const behaviour = behaviourFit(points, {confidence: o.confidence});
    everyScalar(tables.rows, variant, tables.scalars).forEach((scalar, si) => {
      const curve = scalarCurve(tables.rows, variant, scalar);
      const rng = makeRng(o.seed + 1000 * vi + si);
      const change = bumpChangePoint(curve, rng, {replicates, confidence: o.confidence, resolution: windowScalar(scalar)});
      const lag = lagInterval(change, behaviour);
      const {draws: _d, ...c} = change;
      const {fit: _f, ...b} = behaviour;
      findings.push({
        variant,
        scalar,
        label: scalarLabel(scalar),
        change: c,
        behaviour: b,
        lag,
        sentence: lagSentence(scalarLabel(scalar), coordinate, change, behaviour, lag),
      });
    });
  });
  return {findings, coordinate, inputs: tables.inputs};
}

/** The table-format lines: per variant, a sentence per credible change point, then the curves without one. */
export function mechanismText(findings: readonly MechanismFinding[]): string {
  if (!findings.length) return "Mechanism: no training curve matched a variant\n";
  const variants = [...new Set(findings.map((f) => f.variant))];
  const lines = variants.flatMap((v) => findingLines(findings.filter((f) => f.variant === v)).map((l) => `  ${v}: ${l}`));
  return `Mechanism (a change point fitted to every training curve; lag of the EM midpoint behind each credible one):\n${lines.join("\n")}\n`;
}
