// The human-audit corrected EM rate beside the judge's raw rate on the overview (issue 16): the
// audit page's calibration (calibrateSelection, Rogan-Gladen with a bootstrap interval) over the
// current experiment, judge, rule and exclusions, with the labels anyone can reproduce (imported
// label judges, e.g. `human`) preferred over this browser's own.
import {DEFAULT_SETTINGS, calibrateSelection, judgeRows, labelsByRow, loadLabels, type ImportedLabels} from "./audit.js";
import type {Points} from "./points.js";
import {distinctSteps} from "./selection.js";
import {auditScope} from "./checkpoint-text.js";
import {dataTable} from "./table.js";
import {el, pct} from "./ui.js";
import type {EmRule} from "../lib/em/rules.js";
import type {Interval} from "../lib/em/intervals.js";

/** An interval of all of [0, 1]: the labels cannot tell the judge from chance well enough to correct. */
const whole = (ci: Interval | null) => Boolean(ci && ci[0] === 0 && ci[1] === 1);
const interval = (ci: Interval | null) => (ci ? `[${pct(ci[0])}, ${pct(ci[1])}]` : "unknown");
const corrected = (rate: number | null, ci: Interval | null) =>
  whole(ci) ? "undetermined" : rate === null ? `unknown, range ${interval(ci)}` : `${pct(rate)} ${interval(ci)}`;

/**
 * The audit block: raw and corrected EM for the judge's rows in `mask`, per model and pooled, or
 * "no audit labels". `responseIds` maps response ids to their rows (rid; ids.parquet, read by
 * range); it is asked only when this browser holds labels of the experiment, for those ids.
 */
export async function auditBlock(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  exclude: readonly string[],
  {
    experiment,
    judge,
    imported,
    responseIds,
  }: {experiment: string; judge: string | null; imported: ImportedLabels; responseIds: (ids: readonly string[]) => Promise<Map<string, number>>},
): Promise<HTMLElement> {
  const box = el("section", {"data-testid": "overview-audit"}, el("h3", {}, "Human audit"));
  const {rows, cls} = judgeRows(points, mask, rule, exclude);
  const checkpoints = distinctSteps(points, mask).length >= 2;
  const inRows = new Set(rows.map((i) => points.rid[i]!));
  // Imported label judges with a label on one of these answers, then this browser's labels.
  const importedSources = [...new Set(imported.labels.filter((l) => inRows.has(l.rid)).map((l) => l.judge))];
  const browser = loadLabels(experiment);
  const sources = [...importedSources, ...(Object.keys(browser).length ? ["browser"] : [])];
  for (const source of sources) {
    const ids = source === "browser" ? await responseIds(Object.keys(browser)) : new Map<string, number>();
    const ridOf = (id: string) => ids.get(id);
    const labels = labelsByRow(source, imported, browser, ridOf);
    const c = calibrateSelection(points, rows, cls, labels, rule, DEFAULT_SETTINGS, 0, source === "browser" ? "design" : "post-stratified").calibration;
    if (c.n_audited === 0) continue;
    const from = source === "browser" ? "labels in this browser (export them from the audit page to share)" : `imported labels of \u201c${source}\u201d`;
    box.append(
      el(
        "p",
        {"data-testid": "audit-corrected-rate"},
        el(
          "strong",
          {},
          `${auditScope(judge, checkpoints)}: raw ${pct(c.raw_em_rate)} · human-audit corrected ${corrected(c.corrected_em_rate, c.corrected_ci)}`,
        ),
        ` — ${c.n_audited.toLocaleString()} audited answers, ${from}; sensitivity ${pct(c.sensitivity)}, specificity ${pct(c.specificity)}. Rogan-Gladen correction with the pooled sensitivity and specificity; the interval carries the audit sample's uncertainty (docs/audit.md).`,
      ),
      dataTable(
        c.groups,
        [
          {label: "model", value: (g) => String(g.key.model ?? "")},
          {label: "answers", value: (g) => g.n.toLocaleString(), num: true},
          {label: "audited", value: (g) => String(g.n_audited), num: true},
          {label: "raw EM", value: (g) => pct(g.raw_em_rate), num: true},
          {label: "corrected EM [95%]", value: (g) => corrected(g.corrected_em_rate, g.corrected_ci), num: true},
        ],
        {testid: "overview-audit-table"},
      ),
    );
    if (c.notes.length) box.append(el("p", {class: "em-muted"}, c.notes.join(" ")));
    return box;
  }
  box.append(
    el(
      "p",
      {class: "em-muted", "data-testid": "audit-none"},
      `No audit labels for ${experiment}${judge ? ` (judge ${judge})` : ""}: the corrected EM rate needs a labelled sample. Label one on the `,
      el("a", {href: "./audit"}, "audit page"),
      " (or import labels as judge human).",
    ),
  );
  return box;
}
