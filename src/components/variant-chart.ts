// EM per compared unit (fine-tuned variant by default, or model / any meta facet) without a
// coordinate: a dot + interval chart sorted by rate, per-replicate dots with the replicate mean
// and its between-replicate interval, and the baseline's rate marked on the variant's row.
import * as Plot from "@observablehq/plot";
import type {EmRule} from "../lib/em/rules.js";
import type {Interval} from "../lib/em/intervals.js";
import {baselineDiff, ciMethodLabel, strictRange, type BaselineDiff} from "../lib/em/view-summary.js";
import {UNSEEDED, type ReplicateSummary} from "../lib/em/summary.js";
import {keyBy, summarizeGroups, withTrainingSeeds, type Group} from "./engine.js";
import type {FacetColumn, Points} from "./points.js";
import {el, pct} from "./ui.js";
import {rateWithCi, strictCell} from "./rate-cell.js";
import {PALETTE} from "./chart-style.js";

export interface VariantRow {
  /** The compared value (variant id, model, meta value); "(none)" for rows without one. */
  group: string;
  facet: string | null;
  judge: string;
  /** Row label on the chart: the group, plus the judge when there are several. */
  label: string;
  g: Group;
  strictRange: [number, number] | null;
  /** Per-replicate rates (empty when the group has no replicate ids). */
  replicates: {replicate: string; em_rate: number | null; n_em: number; n_scored: number; qk?: ArrayLike<number>; qd?: ArrayLike<number>}[];
  replicate: ReplicateSummary | null;
  baseline: {id: string; g: Group; diff: BaselineDiff | null} | null;
}

const NONE = "(none)";

/**
 * Summaries per (by, facet, judge) over the masked rows, with training seeds as `em summarize`
 * counts them (withTrainingSeeds: groups of one variant) and baselines (by variant only: baselines
 * are variant ids). Empty mask: no rows.
 */
export function variantRows(
  points: Points,
  mask: Uint8Array,
  rule: EmRule,
  {by, facet, exclude}: {by: FacetColumn; facet: FacetColumn | null; exclude: readonly string[]},
): VariantRow[] {
  const cols: FacetColumn[] = facet && facet !== by ? [by, facet, "judge"] : [by, "judge"];
  const groups = summarizeGroups(points, mask, rule, keyBy(points, cols), {exclude});
  const judges = new Set(groups.map((g) => g.parts[cols.length - 1]!));
  const byVariant = by === "variant";
  // Training seeds as `em summarize` counts them (withTrainingSeeds -> withSeeds): 2+ seeds give the
  // seeds x questions interval and the replicate summary; answers without a seed id beside seeded
  // ones are one more seed, UNSEEDED. The per-seed summaries below are the chart's dots.
  const seeded = withTrainingSeeds(points, mask, rule, cols, groups, {exclude});
  const reps = new Map<string, VariantRow["replicates"]>();
  if (points.dicts.replicate.length) {
    for (const r of summarizeGroups(points, mask, rule, keyBy(points, [...cols, "replicate"]), {exclude, replicates: 0})) {
      const id = r.parts.slice(0, cols.length).join("\u0001");
      if (!reps.has(id)) reps.set(id, []);
      reps.get(id)!.push({replicate: r.parts[cols.length]! || UNSEEDED, em_rate: r.em_rate, n_em: r.n_em, n_scored: r.n_scored, qk: r.qk, qd: r.qd});
    }
  }
  // Baselines: the baseline id each variant's rows name, and the baseline variant's own summary per judge.
  const baselineOf = byVariant ? baselinesOf(points, mask) : new Map<string, string>();
  let baselineGroups = new Map<string, Group>();
  if (baselineOf.size) {
    baselineGroups = new Map(summarizeGroups(points, mask, rule, keyBy(points, ["variant", "judge"]), {exclude}).map((g) => [g.id, g]));
  }
  return seeded.map((g) => {
    const group = g.parts[0]! || NONE;
    const judge = g.parts[cols.length - 1]!;
    const f = cols.length === 3 ? g.parts[1]! || NONE : facet === by ? group : null;
    // Seeds only where withSeeds counted them (one variant per group, some answer with a seed id).
    const rep = g.replicates ? (reps.get(g.id) ?? []).sort((a, b) => a.replicate.localeCompare(b.replicate, undefined, {numeric: true})) : [];
    const base = baselineOf.get(g.parts[0]!);
    const bg = base ? baselineGroups.get(`${base}\u0001${judge}`) : undefined;
    return {
      group,
      facet: f,
      judge,
      label: judges.size > 1 ? `${group} · ${judge}` : group,
      g,
      strictRange: strictRange(g),
      replicates: rep,
      replicate: g.replicates && g.replicates.n >= 2 ? g.replicates : null,
      baseline: base && bg ? {id: base, g: bg, diff: baselineDiff(g, bg)} : null,
    };
  });
}

const ci = (x: Interval | null | undefined) => (x ? `${pct(x[0])}–${pct(x[1])}` : "–");

/** Strict EM as text: the range (with how many answers are undetermined) or the point. */
export function strictText(row: Pick<VariantRow, "strictRange" | "g">): string {
  if (row.strictRange) return `${pct(row.strictRange[0])}–${pct(row.strictRange[1])} (range)`;
  return pct(row.g.strict_em_rate);
}

/**
 * EM answers typed as about the training domain (in_domain + drift: the domain leaking into the
 * answer, by the topic score at the experiment's topic cut), as a share of the denominator; null
 * when the denominator is empty. Broad EM = strict EM + leakage + the other non-emergent types.
 */
export function leakageRate(g: Pick<Group, "em_by_type" | "n_scored">): number | null {
  return g.n_scored > 0 ? ((g.em_by_type.in_domain ?? 0) + (g.em_by_type.drift ?? 0)) / g.n_scored : null;
}

const leakageCount = (g: Pick<Group, "em_by_type">) => (g.em_by_type.in_domain ?? 0) + (g.em_by_type.drift ?? 0);

/** One chart per facet value (a shared y scale would leave each facet with every other's empty rows). */
export function variantChart(rows: VariantRow[], {width, byLabel}: {width: number; byLabel: string}): HTMLElement {
  const facets = [...new Set(rows.map((r) => r.facet))].sort((a, b) => String(a).localeCompare(String(b)));
  const judges = [...new Set(rows.map((r) => r.judge))];
  const color = {domain: judges, range: judges.map((_, i) => PALETTE[i % PALETTE.length]), legend: judges.length > 1};
  const maxX = Math.max(
    0.05,
    ...rows.flatMap((r) => [
      r.g.ci?.[1] ?? r.g.em_rate ?? 0,
      r.baseline?.g.em_rate ?? 0,
      r.replicate?.ci?.[1] ?? 0,
      ...r.replicates.map((x) => x.em_rate ?? 0),
    ]),
  );
  const box = el("div", {class: "em-variant-chart"});
  const hasBaseline = rows.some((r) => r.baseline);
  const hasReplicates = rows.some((r) => r.replicates.length >= 2);
  for (const f of facets) {
    const part = rows
      .filter((r) => r.facet === f && r.g.em_rate !== null)
      .sort((a, b) => (b.g.em_rate ?? 0) - (a.g.em_rate ?? 0) || a.label.localeCompare(b.label));
    if (!part.length) continue;
    const labels = part.map((r) => r.label);
    const margin = Math.min(320, 12 + 6.2 * Math.max(...labels.map((l) => l.length)));
    const reps = part.flatMap((r) => r.replicates.filter((x) => x.em_rate !== null).map((x) => ({...x, label: r.label, judge: r.judge})));
    const means = part.filter((r) => r.replicate?.mean !== null && r.replicate);
    const bases = part.filter((r) => r.baseline?.g.em_rate !== null && r.baseline);
    const chart = Plot.plot({
      width: Math.max(width, margin + 260),
      height: 50 + 22 * part.length,
      marginLeft: margin,
      marginRight: 60,
      x: {label: "EM rate →", tickFormat: "%", grid: true, domain: [0, maxX * 1.05]},
      y: {label: null, domain: labels},
      color,
      marks: [
        Plot.ruleY(part, {
          y: "label",
          x1: (r: VariantRow) => r.g.ci?.[0] ?? null,
          x2: (r: VariantRow) => r.g.ci?.[1] ?? null,
          stroke: "judge",
          strokeWidth: 2,
          strokeOpacity: 0.55,
        }),
        Plot.link(bases, {
          y1: "label",
          y2: "label",
          x1: (r: VariantRow) => r.baseline!.g.em_rate,
          x2: (r: VariantRow) => r.g.em_rate,
          stroke: "#888",
          strokeDasharray: "2,2",
        }),
        Plot.dot(bases, {
          y: "label",
          x: (r: VariantRow) => r.baseline!.g.em_rate,
          symbol: "diamond",
          r: 4.5,
          stroke: "#444",
          fill: "white",
          strokeWidth: 1.5,
          tip: true,
          title: (r: VariantRow) => `baseline ${r.baseline!.id}: ${pct(r.baseline!.g.em_rate)} (${r.baseline!.g.n_em}/${r.baseline!.g.n_scored})`,
        }),
        Plot.dot(reps, {
          y: "label",
          x: "em_rate",
          r: 2.5,
          stroke: "judge",
          fill: "none",
          strokeOpacity: 0.8,
          tip: true,
          title: (x: {label: string; replicate: string; em_rate: number; n_em: number; n_scored: number}) =>
            `${x.label}, replicate ${x.replicate}: ${pct(x.em_rate)} (${x.n_em}/${x.n_scored})`,
        }),
        Plot.tickX(means, {
          y: "label",
          x: (r: VariantRow) => r.replicate!.mean,
          stroke: "judge",
          strokeWidth: 2,
          tip: true,
          title: (r: VariantRow) => `mean of ${r.replicate!.n} replicates ${pct(r.replicate!.mean)}, between-replicate 95% interval ${ci(r.replicate!.ci)}`,
        }),
        Plot.dot(part, {
          y: "label",
          x: (r: VariantRow) => r.g.em_rate,
          fill: "judge",
          r: 4,
          tip: true,
          title: (r: VariantRow) =>
            `${r.label}: EM ${pct(r.g.em_rate)} (${r.g.n_em}/${r.g.n_scored}), 95% CI ${ci(r.g.ci)} (${ciMethodLabel(r.g.ci_method)}${r.g.ci_approximate ? `; approximate: ${r.g.ci_approximate}` : ""}); strict ${strictText(r)}`,
        }),
        Plot.text(part, {
          y: "label",
          x: (r: VariantRow) => r.g.ci?.[1] ?? r.g.em_rate,
          text: (r: VariantRow) => pct(r.g.em_rate),
          dx: 6,
          textAnchor: "start",
          fontSize: 10,
        }),
        Plot.ruleX([0]),
      ],
    });
    if (f !== null) box.append(el("h4", {}, f));
    box.append(chart);
  }
  const legend = [`Dots: pooled EM rate per ${byLabel} with its 95% interval`];
  if (hasReplicates) legend.push("hollow dots: each replicate (seed); tick: mean of replicates");
  if (hasBaseline) legend.push("white diamond: the variant's baseline, dashed to the variant");
  box.append(el("p", {class: "em-muted"}, legend.join("; ") + "."));
  return box;
}

/** The table beside the chart (no "at final" columns: there is no coordinate). */
export function variantTable(
  rows: VariantRow[],
  {byLabel, facetLabel, coherence = true}: {byLabel: string; facetLabel: string | null; coherence?: boolean},
): {element: HTMLElement; data: Record<string, unknown>[]} {
  const hasRep = rows.some((r) => r.replicates.length >= 2);
  const hasBase = rows.some((r) => r.baseline);
  const hasRange = rows.some((r) => r.strictRange);
  // The domain split (broad = strict + leakage + ...) only where some EM answer was typed about its domain.
  const hasLeak = rows.some((r) => leakageCount(r.g) > 0);
  const sorted = [...rows].sort((a, b) => String(a.facet).localeCompare(String(b.facet)) || (b.g.em_rate ?? -1) - (a.g.em_rate ?? -1));
  const data = sorted.map((r) => ({
    [byLabel]: r.group,
    ...(facetLabel ? {[facetLabel]: r.facet} : {}),
    judge: r.judge,
    em_rate: r.g.em_rate,
    ci_low: r.g.ci?.[0] ?? null,
    ci_high: r.g.ci?.[1] ?? null,
    ci_method: r.g.ci_method,
    ci_approximate: r.g.ci_approximate,
    strict_em_rate: r.strictRange ? null : r.g.strict_em_rate,
    strict_em_low: r.strictRange?.[0] ?? null,
    strict_em_high: r.strictRange?.[1] ?? null,
    domain_leakage_rate: leakageRate(r.g),
    replicates: r.replicates.length,
    replicate_mean: r.replicate?.mean ?? null,
    replicate_ci_low: r.replicate?.ci?.[0] ?? null,
    replicate_ci_high: r.replicate?.ci?.[1] ?? null,
    baseline: r.baseline?.id ?? null,
    baseline_em_rate: r.baseline?.g.em_rate ?? null,
    diff_vs_baseline: r.baseline?.diff?.diff ?? null,
    diff_ci_low: r.baseline?.diff?.ci?.[0] ?? null,
    diff_ci_high: r.baseline?.diff?.ci?.[1] ?? null,
    coherent_rate: r.g.coherent_rate,
    n_scored: r.g.n_scored,
    n: r.g.n,
  }));
  const head = [
    byLabel,
    ...(facetLabel ? [facetLabel] : []),
    "judge",
    "EM",
    "95% CI",
    "strict EM",
    ...(hasLeak ? ["domain leakage"] : []),
    ...(hasRep ? ["replicates: mean (95% CI)"] : []),
    ...(hasBase ? ["baseline", "Δ vs baseline (95% CI, question-paired)"] : []),
    "coherent",
    "EM / denominator",
  ];
  const table = el(
    "table",
    {class: "em-table", "data-testid": "overview-table"},
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {scope: "col"}, h)))),
  );
  const body = el("tbody");
  const pp = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} pp`);
  for (const r of sorted) {
    body.append(
      el(
        "tr",
        {},
        el("td", {}, r.group),
        ...(facetLabel ? [el("td", {}, r.facet ?? "–")] : []),
        el("td", {}, r.judge),
        el("td", {class: "num"}, el("strong", {}, pct(r.g.em_rate))),
        el("td", {class: "num"}, ci(r.g.ci)),
        el(
          "td",
          {class: "num", ...(r.strictRange ? {title: `${r.g.n_undetermined_em} EM answers of undetermined type: strict EM lies in this range`} : {})},
          r.strictRange ? strictText(r) : strictCell(r.g),
        ),
        ...(hasLeak
          ? [
              el(
                "td",
                {class: "num", "data-testid": "domain-leakage", title: "EM answers about the training domain (in_domain + drift) over the denominator"},
                `${pct(leakageRate(r.g))} (${leakageCount(r.g)})`,
              ),
            ]
          : []),
        ...(hasRep
          ? [
              el(
                "td",
                {class: "num"},
                r.replicate
                  ? `${pct(r.replicate.mean)} (${ci(r.replicate.ci)}), n = ${r.replicate.n}`
                  : r.replicates.length === 1
                    ? `one (${r.replicates[0]!.replicate})`
                    : "–",
              ),
            ]
          : []),
        ...(hasBase
          ? [
              el(
                "td",
                {},
                ...(r.baseline
                  ? [`${r.baseline.id}: `, rateWithCi(r.baseline.g.em_rate, r.baseline.g.ci, r.baseline.g.ci_method, r.baseline.g.ci_approximate)]
                  : ["–"]),
              ),
              el(
                "td",
                {class: "num"},
                r.baseline?.diff ? `${pp(r.baseline.diff.diff)} (${pp(r.baseline.diff.ci?.[0])} to ${pp(r.baseline.diff.ci?.[1])})` : "–",
              ),
            ]
          : []),
        // A rule without a coherence condition passes every answer: "100%" would read as a finding.
        el("td", {class: "num"}, coherence ? pct(r.g.coherent_rate) : "no coherence condition"),
        el("td", {class: "num"}, `${r.g.n_em.toLocaleString()} / ${r.g.n_scored.toLocaleString()}`),
      ),
    );
  }
  table.append(body);
  const notes: string[] = [];
  if (hasRange)
    notes.push(
      "Strict EM is a range where some EM answers are of undetermined type (the training domain or its topic score is unknown): low end = none of them is emergent, high end = all are.",
    );
  if (hasLeak)
    notes.push(
      "Domain leakage: EM answers whose training-domain topic score is at or above the experiment's topic_cut (in_domain or drift), as a share of the denominator. They are EM but not emergent: broad EM = strict EM + domain leakage + the EM answers typed otherwise (refusal, artifact...).",
    );
  if (hasBase)
    notes.push(
      "Δ vs baseline: variant minus baseline EM rate. Interval: each side's interval over its questions (logit-normal profile or design-effect Wilson), combined by MOVER with the correlation over the questions both answered (question-paired; Newcombe's independent-samples interval only where per-question counts are missing).",
    );
  const wrap = el("div", {}, table, ...notes.map((n) => el("p", {class: "em-note", "data-testid": "overview-note"}, n)));
  return {element: wrap, data};
}

// Column label of a facet column for headers ("meta.dataset" -> "dataset"): kept in store.ts, which
// a first paint loads without this module's Plot.
export {facetLabelOf} from "./store.js";

/** The baseline variant id each variant's selected rows name (variants without one are absent). */
export function baselinesOf(points: Points, mask: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  if (!points.dicts.baseline.length) return out;
  for (let i = 0; i < points.n; ++i) {
    if (!mask[i] || points.codes.baseline[i]! < 0 || points.codes.variant[i]! < 0) continue;
    const v = points.dicts.variant[points.codes.variant[i]!]!;
    if (!out.has(v)) out.set(v, points.dicts.baseline[points.codes.baseline[i]!]!);
  }
  return out;
}
