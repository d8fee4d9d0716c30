// Text view of variance components (em summarize --components, em plan): one line per group with
// each component's share of the rate's variance and the unit whose one more shrinks the interval most.
import {fewSeedsText, type Component, type ComponentName, type GroupComponents, type VarianceComponents} from "../../src/lib/em/components.ts";

/** JSON block of `em summarize --components` (docs/metrics.md). */
export interface ComponentsJson {
  method: string;
  groups: GroupComponents[];
  /** Pooled over the groups (degrees-of-freedom-weighted), null when no group has components. */
  pooled: VarianceComponents | null;
}

const NAMES: ComponentName[] = ["seed", "question", "interaction", "sample"];

/** Standard deviation in percentage points of a variance in rate units squared. */
const sdPp = (v: number | null) => (v === null ? "unknown" : (100 * Math.sqrt(v)).toFixed(1));
const ciPp = (c: Component) => (c.ci ? `${c.ci_approximate ? "~" : ""}[${sdPp(c.ci[0])}, ${sdPp(c.ci[1])}]` : "");
const share = (vc: VarianceComponents, n: ComponentName) =>
  vc.components[n].variance === null ? "unknown" : `${((100 * vc.rate_variance[n]) / (vc.rate_variance.total || 1)).toFixed(0)}%`;

/** One row per group: components as SDs (pp) with intervals, shares of Var(rate), and the advice. */
export function componentsText(block: ComponentsJson, keyText: (key: Record<string, unknown>) => string): string {
  const lines: string[] = [];
  lines.push(
    "variance components (method of moments on the probability scale, docs/metrics.md): SD in percentage points [95% interval: parametric bootstrap, ~ where simulations measured less coverage];",
    "share: of the variance of the pooled rate at this design (seed/S, question/Q, interaction/(S Q), sample/(S Q n))",
  );
  const rows = [
    ...block.groups.map((g) => ({label: keyText(g.key), vc: g.components, seeds: g.seed_ids.length})),
    ...(block.pooled ? [{label: "pooled", vc: block.pooled, seeds: block.pooled.seeds}] : []),
  ];
  const header = ["group", "S x Q x n", ...NAMES.map((n) => `${n} sd [ci] (share)`), "one more shrinks most"];
  const body = rows.map(({label, vc, seeds}) =>
    vc
      ? [
          label,
          `${vc.seeds} x ${vc.questions} x ${vc.samples.toFixed(0)}`,
          // Two seeds: their rates, not a spread (fewSeedsText; the JSON keeps the moment estimate).
          ...NAMES.map((n) => (n === "seed" && fewSeedsText(vc)) || `${sdPp(vc.components[n].variance)} ${ciPp(vc.components[n])} (${share(vc, n)})`),
          `${vc.shrinks_most} (-${(100 * vc.one_more[vc.shrinks_most]!).toFixed(1)}% variance)`,
        ]
      : [label, `${seeds} seeds`, ...NAMES.map(() => "-"), "(too few cells)"],
  );
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(w[i]!))
      .join("  ")
      .trimEnd();
  lines.push(line(header), line(w.map((n) => "-".repeat(n))), ...body.map(line));
  const notes = new Set(rows.flatMap((r) => r.vc?.notes ?? []));
  for (const n of notes) lines.push(`note: ${n}`);
  return lines.join("\n") + "\n";
}
