// What the pages say about checkpoints: "all checkpoints" only where a rate pools two checkpoints
// or more; nothing about checkpoints for an experiment without them (an import with no coordinate).

/**
 * The overview's experiments table EM column header: "all checkpoints" when every rated experiment
 * (`empty`: none of its answers is scored) has two or more, "where there are any" when only some
 * have, nothing about checkpoints when none has.
 */
export function experimentsEmHeader(rows: readonly {checkpoints: boolean; empty: boolean}[]): string {
  const rated = rows.filter((r) => !r.empty);
  const pooled = rated.filter((r) => r.checkpoints).length;
  const scope = pooled === 0 ? "" : pooled === rated.length ? ", all checkpoints" : ", all checkpoints where there are any";
  return `EM [95% CI] (first judge${scope})`;
}

/** The overview's human-audit headline: the judge, and "all checkpoints" only when its rows span two or more. */
export function auditScope(judge: string | null, checkpoints: boolean): string {
  return `EM (${judge ?? "judge"}${checkpoints ? ", all checkpoints" : ""})`;
}

/**
 * /categories: which checkpoints the rates pool, for an experiment with `checkpoints` distinct
 * coordinate values and the selected range `steps`; null (say nothing) with fewer than two and no range.
 */
export function checkpointText(steps: readonly [number, number] | null, checkpoints: number): string | null {
  if (steps) return `Checkpoints ${steps[0]}–${steps[1]} only (selected on the phase transition page).`;
  return checkpoints >= 2 ? "All checkpoints pooled; select a range on the phase transition page to narrow it." : null;
}
