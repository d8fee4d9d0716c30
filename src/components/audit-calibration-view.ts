// The /audit page's calibration panel: the label source (this browser's labels or an imported
// label judge), the confusion table, sensitivity, specificity and the corrected EM rate with its
// interval, the per-model corrected rates and the agreement between labellers. Numbers come from
// calibrateSelection (./audit.ts), the library call `em summarize --calibrate` makes too.
import {describeRule, type EmRule} from "../lib/em/rules.js";
import type {HumanEm} from "../lib/em/calibration.js";
import type {Page} from "./page.js";
import {dataTable} from "./table.js";
import {el, pct} from "./ui.js";
import {calibrateSelection, labellerAgreement, labelSources, labelsByRow, type AuditSettings, type ImportedLabels, type StoredLabel} from "./audit.js";

type Interval = readonly [number, number] | null;

/** A [0, 1] interval: the point estimate would be noise (e.g. 100% from a near-chance judge). */
const whole = (ci: Interval): boolean => !!ci && ci[0] === 0 && ci[1] === 1;
const interval = (ci: Interval): string => (ci ? `[${pct(ci[0])}, ${pct(ci[1])}]` : "unknown");
const td = (text: unknown, testid?: string) => el("td", testid ? {"data-testid": testid} : {}, String(text));

/**
 * The panel: its elements (label-source control, calibration box) and `render()`, which recomputes
 * the calibration from the labels `current()` returns (called after every label).
 */
export function calibrationView(
  page: Page,
  {
    imported,
    judge,
    rule,
    rows,
    cls,
    ridOf,
    current,
  }: {
    imported: ImportedLabels;
    judge: string;
    rule: EmRule;
    rows: readonly number[];
    cls: Uint8Array;
    ridOf: (responseId: string) => number | undefined;
    current: () => {labels: Record<string, StoredLabel>; settings: AuditSettings};
  },
): {elements: HTMLElement[]; render: () => void} {
  const {points} = page;
  const source = el("select", {"data-testid": "audit-source", "aria-label": "Labels to calibrate with"});
  const sources = labelSources(imported);
  source.replaceChildren(...sources.map((s) => el("option", {value: s}, s === "browser" ? "labels in this browser" : `imported: ${s}`)));
  // Imported labels are the shared, reproducible ones: prefer them when present.
  source.value = sources.find((s) => s !== "browser" && imported.labels.some((l) => l.judge === s && points.dicts.experiment.length)) ?? "browser";
  const box = el("div", {"data-testid": "audit-calibration-box"});

  const render = () => {
    const {labels, settings} = current();
    const src = source.value;
    const byRow = labelsByRow(src, imported, labels, ridOf);
    const c = calibrateSelection(points, rows, cls, byRow, rule, settings, 0, src === "browser" ? "design" : "post-stratified");
    const k = c.calibration;
    const a = c.audit;
    const confusion = el(
      "table",
      {class: "em-table", "data-testid": "audit-calibration"},
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "human: EM"), el("th", {}, "human: not EM"))),
      el(
        "tbody",
        {},
        el("tr", {}, el("th", {}, `${judge}: EM`), td(k.confusion.tp, "audit-tp"), td(k.confusion.fp, "audit-fp")),
        el("tr", {}, el("th", {}, `${judge}: not EM`), td(k.confusion.fn, "audit-fn"), td(k.confusion.tn, "audit-tn")),
      ),
    );
    const bounds = a.unsure_bounds;
    const facts = el(
      "ul",
      {},
      ...k.warnings.map((w) => el("li", {class: "em-banner", "data-testid": "audit-warning"}, el("strong", {}, "Warning: "), w)),
      el(
        "li",
        {},
        `${k.n_audited} audited answers used; ${c.unsure} unsure and ${c.excluded} outside the judge's denominator counted but not used${c.outside ? `; ${c.outside} labelled answers are outside this selection` : ""}.`,
      ),
      el(
        "li",
        {},
        `Sensitivity (judge says EM when the humans do) ${pct(k.sensitivity)} ${interval(k.sensitivity_ci)}; specificity ${pct(k.specificity)} ${interval(k.specificity_ci)}; Se + Sp − 1 = ${k.youden === null ? "unknown" : k.youden.toFixed(2)} ${k.youden_ci ? `[${k.youden_ci[0].toFixed(2)}, ${k.youden_ci[1].toFixed(2)}]` : ""}.`,
      ),
      el(
        "li",
        {"data-testid": "audit-corrected"},
        el("strong", {}, `EM rate: raw ${pct(k.raw_em_rate)} → corrected ${pct(k.corrected_em_rate)} ${interval(k.corrected_ci)}`),
        ` over ${k.population.toLocaleString()} answers in the judge's denominator (${describeRule(rule)}).`,
      ),
      ...(bounds
        ? [
            el(
              "li",
              {"data-testid": "audit-unsure-bounds"},
              `Unsure labels as a bounds analysis: all ${a.n_unsure} as not EM → ${pct(bounds.as_not_em.corrected_em_rate)} ${interval(bounds.as_not_em.corrected_ci)}; all as EM → ${pct(bounds.as_em.corrected_em_rate)} ${interval(bounds.as_em.corrected_ci)}.`,
            ),
          ]
        : []),
      el(
        "li",
        {class: "em-muted", "data-testid": "audit-design"},
        ...(a.design.kind === "design"
          ? [
              `Design: this page's sample (${a.design.selection}); each label carries it into the export, so `,
              el("code", {}, "em summarize --calibrate labels.csv"),
              " prints these numbers.",
            ]
          : [
              `Design: none recorded with these labels; post-stratified by the judge's label under the current rule and selection (valid when, given the judge's label, which answers were labelled did not depend on their true label).`,
            ]),
      ),
      ...k.notes.map((n) => el("li", {class: "em-banner"}, n)),
    );
    const groups = dataTable(
      k.groups,
      [
        {label: "model", value: (g) => String(g.key.model)},
        {label: "answers", value: (g) => g.n.toLocaleString()},
        {label: "audited", value: (g) => String(g.n_audited)},
        {label: "raw EM", value: (g) => pct(g.raw_em_rate)},
        {label: "corrected EM", value: (g) => (g.corrected_em_rate === null || whole(g.corrected_ci) ? "unknown" : pct(g.corrected_em_rate))},
        {label: "95% interval", value: (g) => interval(g.corrected_ci)},
      ],
      {testid: "audit-groups"},
    );
    const wide = k.groups.some((g) => g.corrected_em_rate === null || whole(g.corrected_ci));
    const note = el(
      "p",
      {class: "em-muted"},
      "Per model, the raw rate corrected with the pooled sensitivity and specificity (Rogan-Gladen; assumes the judge errs alike for every model). The interval carries the audit sample's uncertainty and the judge's misclassification noise on this model's own answers (parametric bootstrap of the model's share of human EM, docs/audit.md); its measured coverage is in the note above." +
        (wide
          ? " “unknown”: the labels cannot yet tell the judge from chance well enough to correct that rate; the interval column shows the range the data allow. Label more answers."
          : ""),
    );
    box.replaceChildren(confusion, facts, note, groups, ...agreementTable(sources, imported, labels, ridOf));
  };
  source.addEventListener("change", render);
  return {elements: [el("div", {class: "em-controls"}, el("label", {class: "em-control"}, el("span", {}, "Labels"), source)), box], render};
}

/** Agreement between labellers (imported label judges and this browser's labels), when two labelled the same answers. */
function agreementTable(
  sources: readonly string[],
  imported: ImportedLabels,
  labels: Record<string, StoredLabel>,
  ridOf: (responseId: string) => number | undefined,
): HTMLTableElement[] {
  const sets = new Map<string, Map<string, HumanEm>>();
  for (const s of sources) {
    const m = new Map([...labelsByRow(s, imported, labels, ridOf)].map(([r, v]) => [String(r), v]));
    if (m.size) sets.set(s, m);
  }
  const pairs = labellerAgreement(sets).filter((p) => p.n_both > 0);
  if (!pairs.length) return [];
  return [
    dataTable(
      pairs,
      [
        {label: "labeller", value: (p) => p.a},
        {label: "labeller", value: (p) => p.b},
        {label: "both labelled", value: (p) => String(p.n_both)},
        {label: "both decided", value: (p) => String(p.n_decided)},
        {label: "agreement", value: (p) => pct(p.agreement)},
        {label: "kappa", value: (p) => (p.kappa === null ? "-" : p.kappa.toFixed(2))},
      ],
      {testid: "audit-agreement"},
    ),
  ];
}
