// The overview table: per model and judge, EM at the final checkpoint and over all checkpoints,
// strict EM, coherence, and (for simulated data) the planted rate beside the measured one.
// Also the experiments-at-a-glance table and the planted-vs-measured response types.
import * as Plot from "@observablehq/plot";
import {keyBy, placed, summarizeGroups, unplaced, type Group} from "./engine.js";
import {answersText, dataText, type ExperimentRow} from "./experiment-rows.js";
import type {Points} from "./points.js";
import {experimentsEmHeader} from "./checkpoint-text.js";
import {aq, op} from "./aq.js";
import {cell, dataTable} from "./table.js";
import {axisPosition, logTicks, xAxisMarks, xScale, zeroMarks, type AxisPlan} from "./axis.js";
import {el, pct} from "./ui.js";
import {ciMethodLabel} from "../lib/em/view-summary.js";
import {rateWithCi, strictCell} from "./rate-cell.js";
import type {SeriesSystem} from "./series.js";
import {seriesLineChart, type FlatSeries, type SeriesPoint} from "./series-lines.js";
import {leakageRate} from "./variant-chart.js";
import {makeRule} from "../lib/em/rules.js";
import type {ExperimentInfo} from "../lib/site-summary.js";
import {RESPONSE_TYPES, type SitePlanted} from "../lib/schema.js";

const ci = (g: Group | undefined) => (g?.ci ? `${pct(g.ci[0])}–${pct(g.ci[1])}` : "–");

/** The last coordinate with a summary in a group's series. */
function lastOf(perStep: Group[], model: string, judge: string): number | null {
  const xs = placed(perStep)
    .filter((x) => x.parts[0]! === model && x.parts[1]! === judge)
    .map((x) => Number(x.parts[2]!));
  return xs.length ? Math.max(...xs) : null;
}

export function overviewTable({
  overall,
  atFinal,
  perStep,
  info,
  rule,
  finalStep,
  byLabel = "model",
  coherence = true,
}: {
  overall: Group[];
  atFinal: Group[];
  perStep: Group[];
  info: ExperimentInfo | null;
  rule: string;
  finalStep: number | null;
  byLabel?: string;
  /** false: the rule has no coherence condition; the coherent column says so instead of a share of 100%. */
  coherence?: boolean;
}): {element: HTMLElement; data: Record<string, unknown>[]} {
  const planted = info?.planted?.em ?? [];
  const data: Record<string, unknown>[] = [];
  const groupsOf: [Group | undefined, Group][] = [];
  const peaks: (Group | null)[] = [];
  for (const g of overall) {
    const model = g.parts[0]!;
    const judge = g.parts[1]!;
    const fin = atFinal.find((x) => x.id === g.id);
    const series = placed(perStep).filter((x) => x.parts[0]! === model && x.parts[1]! === judge && x.em_rate !== null);
    const peak = series.reduce<Group | null>((best, x) => (best === null || (x.em_rate ?? 0) > (best.em_rate ?? 0) ? x : best), null);
    groupsOf.push([fin, g]);
    peaks.push(peak);
    const plantedFinal = planted.find((p) => p.model === model && p.judge === judge && p.rule === rule && p.step === finalStep);
    data.push({
      [byLabel]: model,
      judge,
      final_step: fin ? lastOf(perStep, model, judge) : null,
      final_em_rate: fin?.em_rate ?? null,
      final_ci: ci(fin),
      final_ci_method: fin?.ci_method ?? null,
      final_ci_approximate: fin?.ci_approximate ?? null,
      final_strict_em_rate: fin?.strict_em_rate ?? null,
      planted_final_em_rate: plantedFinal?.em_rate ?? null,
      peak_em_rate: peak?.em_rate ?? null,
      peak_step: peak ? Number(peak.parts[2]!) : null,
      all_em_rate: g.em_rate,
      all_strict_em_rate: g.strict_em_rate,
      coherent_rate: g.coherent_rate,
      n: g.n,
      n_scored: g.n_scored,
    });
  }
  const hasPlanted = data.some((d) => d.planted_final_em_rate !== null);
  // The domain split at the last coordinate, where some EM answer there was typed about its training domain.
  const hasLeak = groupsOf.some(([fin]) => fin !== undefined && (fin.em_by_type.in_domain ?? 0) + (fin.em_by_type.drift ?? 0) > 0);
  groupsOf.forEach(([fin], i) => (data[i]!.final_domain_leakage_rate = fin ? leakageRate(fin) : null));
  const coord = info?.coordinate ?? "step";
  const head = [
    byLabel,
    "judge",
    `EM at last ${coord}`,
    "95% CI",
    "strict EM at final",
    ...(hasLeak ? ["domain leakage at final"] : []),
    ...(hasPlanted ? ["planted"] : []),
    `peak EM (${coord})`,
    `EM all ${coord}s`,
    `strict all ${coord}s`,
    "coherent",
    "answers",
  ];
  const table = el(
    "table",
    {class: "em-table", "data-testid": "overview-table"},
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...head.map((h) =>
          el(
            "th",
            h === "95% CI"
              ? {scope: "col", title: "Interval at the last checkpoint; ≈ marks an interval that may cover less than 95% (hover it for why and for the method)"}
              : {scope: "col"},
            h,
          ),
        ),
      ),
    ),
  );
  const body = el("tbody");
  for (const [i, d] of data.entries()) {
    const [fin, g] = groupsOf[i]!;
    const peak = peaks[i]!;
    body.append(
      el(
        "tr",
        {},
        el("td", {}, String(d[byLabel])),
        el("td", {}, String(d.judge)),
        el(
          "td",
          {class: "num"},
          el("strong", {}, pct(d.final_em_rate as number | null)),
          d.final_step !== null ? ` (${d.final_step})` : fin ? ` (no ${coord})` : "",
        ),
        el(
          "td",
          {
            class: "num",
            "data-testid": "final-ci",
            title: `${ciMethodLabel(fin?.ci_method)}${fin?.ci_approximate ? `; approximate: ${fin.ci_approximate}` : ""}`,
          },
          // Word joiners keep the interval on one line in a narrow column.
          String(d.final_ci).replace("–", "\u2060–\u2060"),
          fin?.ci_approximate ? el("span", {class: "em-muted", "data-testid": "ci-approximate"}, "\u00a0≈") : "",
          fin?.ci_method === "crossed_seeds_questions" ? el("span", {class: "em-muted"}, "\u00a0(seeds\u00a0x\u00a0questions)") : "",
        ),
        el("td", {class: "num"}, strictCell(fin)),
        ...(hasLeak
          ? [
              el(
                "td",
                {class: "num", "data-testid": "domain-leakage", title: "EM answers about the training domain (in_domain + drift) over the denominator"},
                fin ? `${pct(leakageRate(fin))} (${(fin.em_by_type.in_domain ?? 0) + (fin.em_by_type.drift ?? 0)})` : "–",
              ),
            ]
          : []),
        ...(hasPlanted ? [el("td", {class: "num"}, pct(d.planted_final_em_rate as number | null))] : []),
        el(
          "td",
          {
            class: "num",
            "data-testid": "peak-em",
            title: `The largest per-${coord} rate, with its count: a maximum picked from several rates, so its own 95% interval would cover less than 95%; the per-${coord} intervals are in the chart below`,
          },
          peak ? `${pct(peak.em_rate)} (${peak.n_em}/${peak.n_scored} at ${peak.parts[2]})` : "–",
        ),
        el("td", {class: "num", "data-testid": "all-em"}, rateWithCi(g.em_rate, g.ci, g.ci_method, g.ci_approximate)),
        el("td", {class: "num"}, strictCell(g)),
        el("td", {class: "num"}, coherence ? pct(d.coherent_rate as number | null) : "no coherence condition"),
        el("td", {class: "num"}, (d.n as number).toLocaleString()),
      ),
    );
  }
  table.append(body);
  return {element: table, data};
}

/** Rows for the EM-over-training chart (groups with a coordinate and a rate), with their 95% interval. */
export function emSparkRows(perStep: Group[]): {
  model: string;
  judge: string;
  judgeIndex: number;
  step: number;
  em_rate: number;
  lo: number | null;
  hi: number | null;
  n_em: number;
  n_scored: number;
}[] {
  const judges = [...new Set(perStep.map((g) => g.parts[1]!))];
  return placed(perStep)
    .filter((g) => g.em_rate !== null)
    .map((g) => ({
      model: g.parts[0]!,
      judge: g.parts[1]!,
      judgeIndex: judges.indexOf(g.parts[1]!),
      step: Number(g.parts[2]!),
      em_rate: g.em_rate as number,
      lo: g.ci?.[0] ?? null,
      hi: g.ci?.[1] ?? null,
      n_em: g.n_em,
      n_scored: g.n_scored,
    }));
}

/** Every experiment at a glance (first judge of each, current rule); a click selects it. */
export function experimentsTable(rows: readonly ExperimentRow[], onPick: (name: string) => void): HTMLTableElement {
  return dataTable(
    rows,
    [
      {
        label: "experiment",
        value: (r) => {
          if (r.empty) return r.name;
          const link = el("a", {href: `./?experiment=${encodeURIComponent(r.name)}`, "data-keep-href": ""}, r.name);
          link.addEventListener("click", (e) => {
            e.preventDefault();
            onPick(r.name);
          });
          return link;
        },
      },
      {label: "data", value: dataText},
      {label: "models", value: (r) => String(r.models)},
      {label: "judges", value: (r) => r.judges.join(", ") || "–"},
      {label: "answers", value: answersText, num: true},
      {
        label: experimentsEmHeader(rows),
        value: (r) => el("span", {}, rateWithCi(r.g?.em_rate, r.g?.ci, r.g?.ci_method, r.g?.ci_approximate), ` (${r.judge ?? "–"})`),
        num: true,
      },
      {label: "strict EM [95% CI]", value: (r) => strictCell(r.g), num: true},
    ],
    {
      testid: "experiments-table",
      rowAttrs: (r): Record<string, string> => (r.empty ? {"data-testid": "experiment-without-scores"} : {}),
      cells: (r) =>
        r.empty
          ? [
              cell(r.name),
              cell(dataText(r)),
              cell(String(r.models)),
              cell(r.judges.join(", ") || "–"),
              cell(answersText(r), {class: "num"}),
              cell("no aligned or coherent scores in these files: nothing to rate", {colspan: "2", class: "em-muted"}),
            ]
          : null,
    },
  );
}

/**
 * Simulated data: the planted share of each response type per model at one coordinate beside the
 * share the type judge measured (counts from the library's grouping; reshaped with Arquero).
 */
export function plantedTypeRows(
  points: Points,
  mask: Uint8Array,
  planted: NonNullable<SitePlanted["types"]>,
  {judge, step}: {judge: string; step: number},
): {model: string; type: string; source: string; share: number | null}[] {
  const atStep = Uint8Array.from(mask, (m, i) => (m && points.dicts.judge[points.codes.judge[i]!] === judge && points.step[i] === step ? 1 : 0));
  const counts = summarizeGroups(points, atStep, makeRule("betley"), keyBy(points, ["model", "type"]), {replicates: 0})
    .filter((g) => g.parts[1]! !== "")
    .map((g) => ({model: g.parts[0]!, type: g.parts[1]!, n: g.n}));
  const measuredLabel = `measured (${judge})`;
  const measured = counts.length
    ? aq
        .from(counts)
        .groupby("model")
        .derive({share: (d: {n: number}) => d.n / op.sum(d.n)})
        .ungroup()
        .select("model", "type", "share")
    : aq.table({model: [] as string[], type: [] as string[], share: [] as number[]});
  const plan = aq.from(planted.filter((p) => p.step === step).map((p) => ({model: p.model, type: p.type, planted: p.share})));
  // A planted type the judge never gave has share 0 among the model's typed answers (null when the model has none).
  const typed = new Set(counts.map((c) => c.model));
  return plan
    .join_left(measured, [
      ["model", "type"],
      ["model", "type"],
    ])
    .objects()
    .flatMap((r) => {
      const row = r as {model: string; type: string; planted: number; share?: number};
      return [
        {model: row.model, type: row.type, source: "planted", share: row.planted},
        {model: row.model, type: row.type, source: measuredLabel, share: row.share ?? (typed.has(row.model) ? 0 : null)},
      ];
    });
}

/** Bars of the measured share, ticks of the planted one, per model. */
export function plantedTypeChart(rows: ReturnType<typeof plantedTypeRows>, {width, judge}: {width: number; judge: string}): SVGSVGElement | HTMLElement {
  // One panel per model, wrapped into rows of as many as fit (24 side by side overlapped their names).
  const models = [...new Set(rows.map((r) => r.model))];
  const w = Math.max(width, 360);
  const cols = Math.max(1, Math.min(models.length, Math.floor((w - 80) / 220)));
  const fx = (r: {model: string}) => models.indexOf(r.model) % cols;
  const fy = (r: {model: string}) => Math.floor(models.indexOf(r.model) / cols);
  return Plot.plot({
    width: w,
    height: 60 + 200 * Math.ceil(models.length / cols),
    marginLeft: 80,
    marginTop: 30,
    x: {label: "share of answers →", tickFormat: "%", grid: true},
    y: {label: null, domain: [...RESPONSE_TYPES]},
    fx: {axis: null},
    fy: {axis: null, padding: 0.15},
    // The planted share in the theme's foreground (a fixed dark grey vanished on the dark theme).
    color: {legend: true, domain: ["planted", `measured (${judge})`], range: ["currentColor", "#0072B2"]},
    marks: [
      Plot.barX(
        rows.filter((r) => r.source !== "planted"),
        {fx, fy, y: "type", x: "share", fill: "source", insetTop: 3, insetBottom: 3, tip: true},
      ),
      Plot.tickX(
        rows.filter((r) => r.source === "planted"),
        {fx, fy, y: "type", x: "share", stroke: "currentColor", strokeWidth: 2.5, tip: true},
      ),
      Plot.text(models, {
        fx: (_: string, i: number) => i % cols,
        fy: (_: string, i: number) => Math.floor(i / cols),
        frameAnchor: "top",
        dy: -14,
        text: (m: string) => m,
        fontWeight: "bold",
      }),
      Plot.ruleX([0]),
    ],
  });
}

/**
 * EM along the coordinate per compared unit (and judge, when several), each line over its 95%
 * band (the interval the summary computes); units measured without a coordinate (a base model, a
 * baseline) as a dotted reference across the range with their band. Colours, dashes, direct labels
 * and small multiples follow the series system (series.ts).
 */
export function emOverTrainingChart(
  perStep: Group[],
  {width, coordinate, plan, color, series}: {width: number; coordinate: string; plan: AxisPlan; color?: Record<string, unknown>; series: SeriesSystem},
): SVGSVGElement | HTMLElement {
  const spark = emSparkRows(perStep);
  const judges = [...new Set(perStep.map((g) => g.parts[1]!))];
  const keyOf = (model: string, judge: string) => (judges.length > 1 ? `${model} · ${judge}` : model);
  const ci = (lo: number | null, hi: number | null) => (lo === null || hi === null ? "no interval" : `95% CI ${pct(lo)}–${pct(hi)}`);
  const points: SeriesPoint[] = spark.map((d) => ({
    key: keyOf(d.model, d.judge),
    x: axisPosition(plan, d.step),
    y: d.em_rate,
    lo: d.lo,
    hi: d.hi,
    title: `${d.model} · ${d.judge}\n${coordinate} ${d.step}: ${pct(d.em_rate)} (${d.n_em}/${d.n_scored}), ${ci(d.lo, d.hi)}`,
  }));
  const flat: FlatSeries[] = unplaced(perStep)
    .filter((g) => g.em_rate !== null)
    .map((g) => ({
      key: keyOf(g.parts[0]!, g.parts[1]!),
      y: g.em_rate as number,
      lo: g.ci?.[0] ?? null,
      hi: g.ci?.[1] ?? null,
      title: `${g.parts[0]} · ${g.parts[1]}: no ${coordinate}; EM ${pct(g.em_rate)} (${g.n_em}/${g.n_scored}), ${ci(g.ci?.[0] ?? null, g.ci?.[1] ?? null)}`,
    }));
  return seriesLineChart(points, {
    width,
    system: series,
    x: xScale(plan, coordinate, {
      ticks: logTicks(
        plan,
        spark.map((d) => d.step),
      ),
    }),
    ...(color ? {color} : {}),
    flat,
    before: [
      ...zeroMarks(plan),
      ...xAxisMarks(
        plan,
        coordinate,
        logTicks(
          plan,
          spark.map((d) => d.step),
        ) ?? [],
      ),
    ],
  });
}
