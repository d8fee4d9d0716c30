// The report API (docs/reports.md): one line per number or chart on a report page.
//
//   const r = report(await FileAttachment("data/NAME.json").json());
//   ${r.number("final", {model: "medical", step: 1000})}     a headline number with its reproduce command
//   display(r.variantChart("final", {step: 1000}))           EM per variant with intervals
//   display(r.transitionChart("trend"))                      EM along the coordinate, credible fits
//   display(r.thresholdChart())                              EM against the aligned cut
//   display(r.judgeChart("judges", {step: 1000}))            one dot per judge
//   display(r.table("final", {step: 1000}))                  the rate table
//   display(r.provenance())                                  inputs, hashes, judges, seeds, rebuild
//
// Everything drawn comes from the report's data (src/reports/data/[report].json.ts): the JSON of
// the `em summarize` commands pinned in the page's front matter, never from the URL or the site's
// interactive state, so a published report cannot drift. Each chart and number carries its
// caption (what, rule, judge, n, interval method) and a "reproduce" disclosure with its command.
import {APPROXIMATE_MARK, atLastStep, readNumber, type NumberRef, type Section} from "../../lib/report-number.js";
import {sweepQueryName, type ReportSpec} from "../../lib/report-spec.js";
import {DEFAULT_STATE, formatState, ruleFields, type Rule} from "../store.js";
import {makeRule, type RuleName} from "../../lib/em/rules.js";
import {el, pct} from "../ui.js";
import type {SeriesSystem} from "../series.js";
import {figure} from "../figure.js";
import {variantChart, type VariantRow} from "../variant-chart.js";
import type {Group} from "../engine.js";
import type {ReplicateSummary} from "../../lib/em/summary.js";
import {intervalLine, keyText, LAST_STEP, reproduce, ruleLine, whereText, type Key, type ReportData, type Row} from "./text.js";
import {judgePlot, reportSeries, reportTransitionChart, thresholdPlot, type SweepRow} from "./charts.js";

export {LAST_STEP, type ReportData};

/** The site's URL state for the report's pinned selection ("open in sensitivity" and friends): every rule flag included. */
export function pinnedUrlState(spec: ReportSpec, experimentName: string, judge: string | null): string {
  const preset = spec.rule === "custom" ? "betley" : (spec.rule as RuleName);
  const lib = makeRule(preset, {
    aligned: spec.aligned,
    coherent: spec.coherent,
    alignedInclusive: spec.aligned_inclusive,
    coherentInclusive: spec.coherent_inclusive,
    denominator: spec.denominator,
    nulls: spec.nulls,
    requireCoherent: spec.coherence,
    ...(spec.questions ? {questions: spec.questions} : {}),
  });
  const rule: Rule = lib.name === "custom" || spec.rule === "custom" ? "custom" : (lib.name as Rule);
  return formatState({
    ...DEFAULT_STATE,
    experiment: experimentName,
    judge,
    rule,
    ...ruleFields(lib),
    exclude: [...spec.exclude_types],
    steps: spec.steps ?? null,
    by: spec.compare === "model" ? "model" : DEFAULT_STATE.by,
  });
}

export class Report {
  constructor(readonly data: ReportData) {}

  private query(name: string): ReportData["queries"][string] {
    const q = this.data.queries[name];
    if (!q) throw new Error(`report ${this.data.name}: no query '${name}' in its front matter (queries: ${Object.keys(this.data.queries).join(", ")})`);
    return q;
  }

  /**
   * Rows of a query's groups whose key contains `where`, limited to the pinned variants and steps.
   * `step: "last"` (LAST_STEP) keeps, of each group that differs in anything but the step, the row
   * at its own last step in the pinned range: variants trained for different lengths are each read
   * at their final checkpoint instead of being dropped at the longest one's.
   */
  private rows(name: string, where: Key = {}, section: Section = "groups"): Row[] {
    const {spec} = this.data;
    const out = this.query(name).output;
    const last = where.step === LAST_STEP;
    const match = last ? Object.fromEntries(Object.entries(where).filter(([c]) => c !== "step")) : where;
    const rows = ((out[section] ?? []) as Row[]).filter((g) => {
      const k = g.key ?? {};
      if (!Object.entries(match).every(([c, v]) => k[c] === v)) return false;
      if (spec.variants && spec.compare in k && !spec.variants.includes(String(k[spec.compare]))) return false;
      if (spec.steps && typeof k.step === "number" && (k.step < spec.steps[0] || k.step > spec.steps[1])) return false;
      return true;
    });
    return last ? atLastStep(rows) : rows;
  }

  /**
   * The last coordinate value in the pinned step range (e.g. the final checkpoint), over every
   * group or, with `where` (e.g. {variant: "8b"}), over the groups whose key contains it; null when
   * there is none.
   */
  lastStep(query?: string, where: Key = {}): number | null {
    const names = query ? [query] : Object.keys(this.data.queries);
    const steps = names.flatMap((n) => this.rows(n, where).map((g) => g.key.step)).filter((s): s is number => typeof s === "number");
    return steps.length ? Math.max(...steps) : null;
  }

  /**
   * A headline number: the field of the one row of a query whose key contains `key` (default field
   * em_rate; strict_em_rate, coherent_rate, ...; section "transitions" for midpoint, "baseline_diffs"
   * for diff). Shown with its interval and a reproduce disclosure.
   */
  number(query: string, key: Key, field = "em_rate", section?: Section): HTMLElement {
    const q = this.query(query);
    // step "last": the last step of the groups this key picks (a variant's own final checkpoint).
    if (key.step === LAST_STEP) {
      const rest = Object.fromEntries(Object.entries(key).filter(([c]) => c !== "step"));
      key = {...rest, step: this.lastStep(query, rest)};
    }
    const sec: Section = section ?? (field === "midpoint" || field === "onset" ? "transitions" : field === "diff" ? "baseline_diffs" : "groups");
    const ref: NumberRef = {section: sec, key, field};
    let n: ReturnType<typeof readNumber>;
    try {
      n = readNumber(q.output, ref);
    } catch (e) {
      // A number the page asks for but the output does not have is an authoring error: say it on the page.
      return el(
        "span",
        {class: "em-error", "data-testid": "report-number-error"},
        `[report number ${query} ${JSON.stringify(key)} ${field}: ${e instanceof Error ? e.message : String(e)}]`,
      );
    }
    const span = el(
      "span",
      {
        class: "em-report-number",
        "data-testid": "report-number",
        "data-query": query,
        "data-section": sec,
        "data-key": JSON.stringify(key),
        "data-field": field,
        "data-value": n.value === null ? "null" : String(n.value),
        title: `${field.replace(/_/g, " ")} for ${keyText(key)}: ${n.detail}; ${ruleLine(q.output)}`,
      },
      el("span", {class: "em-report-value"}, n.text),
    );
    return el("span", {class: "em-report-number-wrap"}, span, reproduce(q.command, n.jq));
  }

  /** The pinned selection, stated once near the top, with links that carry it into the exploration pages. */
  pinned(): HTMLElement {
    const {spec, provenance} = this.data;
    const first = Object.values(this.data.queries)[0]!.output;
    const judge = spec.judge ?? first.judges[0] ?? null;
    const state = pinnedUrlState(spec, provenance.experiment.name, judge);
    const dl = el("dl", {class: "em-provenance"});
    const add = (k: string, v: string | Node) => dl.append(el("dt", {}, k), el("dd", {}, v));
    add("Experiment", `${provenance.experiment.name} (${provenance.experiment.file})${provenance.experiment.simulated ? " — simulated data" : ""}`);
    add("Judge", judge ?? "(none)");
    add("Rule", first.rule_text);
    add("Never EM", spec.exclude_types.length ? spec.exclude_types.join(", ") : "nothing excluded");
    if (spec.questions) add("Questions", spec.questions.join(", "));
    add("Compared", `${spec.compare}${spec.variants ? `: ${spec.variants.join(", ")}` : " (all)"}`);
    if (spec.steps) add(provenance.experiment.coordinate, `${spec.steps[0]} to ${spec.steps[1]}`);
    add("Intervals", intervalLine(first));
    const links = el(
      "p",
      {class: "em-report-explore"},
      "Explore from this selection: ",
      el("a", {href: `../sensitivity${state}`, "data-testid": "open-in-sensitivity"}, "open in sensitivity"),
      " · ",
      el("a", {href: `../transitions${state}`}, "phase transitions"),
      " · ",
      el("a", {href: `../responses${state}`}, "the answers"),
      el("span", {class: "em-muted"}, " (the report's own numbers stay pinned)"),
    );
    return el("div", {class: "em-report-pinned", "data-testid": "report-pinned"}, el("strong", {}, "Pinned selection"), dl, links);
  }

  /** EM per compared unit (one row per group of the query), dots with intervals; `where` picks e.g. a step. */
  variantChart(query: string, where: Key = {}, {width = 640}: {width?: number} = {}): HTMLElement {
    const q = this.query(query);
    const {spec} = this.data;
    const rows = this.rows(query, where);
    // At each variant's own last step the step differs between rows: it stays out of the labels
    // (the caption lists it) unless it differs within one compared unit, which cannot happen.
    const by = q.output.by.filter((c) => !(c in where));
    const groupsByVariant = new Map(rows.map((g) => [String(g.key[spec.compare]), g]));
    const diffs = ((q.output.baseline_diffs ?? []) as Row[]).filter((d) => Object.entries(where).every(([c, v]) => d.key[c] === v));
    const vrows: VariantRow[] = rows.map((g) => {
      const label = by.map((c) => (g.key[c] === null ? "(none)" : String(g.key[c]))).join(" · ") || "all";
      const d = diffs.find((x) => String(x.variant) === String(g.key[spec.compare]));
      const base = d ? groupsByVariant.get(String(d.baseline)) : undefined;
      return {
        group: label,
        facet: null,
        judge: String(g.key.judge ?? q.output.judges[0] ?? ""),
        label,
        g: g as unknown as Group,
        strictRange: g.strict_em_rate === null && Array.isArray(g.strict_em_range) ? (g.strict_em_range as [number, number]) : null,
        replicates: [],
        replicate: (g.replicates as ReplicateSummary | null) ?? null,
        baseline: d && base ? {id: String(d.baseline), g: base as unknown as Group, diff: null} : null,
      };
    });
    const n = rows.reduce((s, g) => s + Number(g.n_scored ?? 0), 0);
    const caption = `Broad EM rate per ${by.join(" × ") || "group"}${whereText(where, rows)}; ${ruleLine(q.output)}; ${n.toLocaleString("en-US")} answers in the denominators; ${intervalLine(q.output)}.`;
    const fig = figure(variantChart(vrows, {width: Math.max(width, 360), byLabel: by.join(" × ")}), {name: `report-${query}-variants`, caption});
    fig.append(reproduce(q.command));
    return fig;
  }

  /**
   * The pinned units in display order (the front matter's variants, else as the data lists them),
   * and their series system: the same colour, dash and symbol for a unit on every chart of the report.
   */
  private series(): SeriesSystem {
    const {spec} = this.data;
    const seen = Object.keys(this.data.queries).flatMap((n) => this.rows(n).map((g) => g.key[spec.compare]));
    const units = [...new Set(seen.filter((u) => u !== undefined).map((u) => (u === null ? "(none)" : String(u))))];
    return reportSeries(spec.variants ? [...spec.variants.filter((v) => units.includes(v)), ...units.filter((u) => !spec.variants!.includes(u))] : units);
  }

  /** EM along the coordinate per compared unit with the credible logistic fits: the transitions page's chart. */
  transitionChart(query: string, {width = 640}: {width?: number} = {}): HTMLElement {
    const q = this.query(query);
    const {spec, provenance} = this.data;
    const coordinate = provenance.experiment.coordinate;
    if (!q.output.transitions) throw new Error(`report ${this.data.name}: query '${query}' has no transitions (set transition: true)`);
    const ts = this.rows(query, {}, "transitions").map((t) => ({unit: String(t.key[spec.compare] ?? "all"), t}));
    const chart = reportTransitionChart(ts, {width: Math.max(width, 360), coordinate, series: this.series(), steps: spec.steps ?? null, compare: spec.compare});
    const verdicts = ts
      .map(
        ({unit, t}) =>
          `${unit}: ${t.credible ? `credible, midpoint ${Number(t.midpoint).toPrecision(3)}` : `no credible transition (${String(t.verdict).replace(/_/g, " ")})`}`,
      )
      .join("; ");
    const caption = `EM rate along ${coordinate} per ${spec.compare} (dots: measured, band: 95% answer-level Wilson interval per point, the rate on these questions (the overview's band, over a population of questions, is wider); × where no answer passes the coherent cut); curves, dashed midpoints with their profile-likelihood interval, and onset triangles only where the transition is credible (a logistic beats a constant rate and a smooth trend, p < 0.05, and its midpoint lies in the data). ${verdicts}. ${ruleLine(q.output)}.`;
    const fig = figure(chart, {name: `report-${query}-transition`, caption});
    fig.append(reproduce(q.command));
    return fig;
  }

  /** EM rate against the aligned cut (coherent cut as pinned), one line per compared unit, from the sweep queries. */
  thresholdChart({width = 640}: {width?: number} = {}): HTMLElement {
    const {spec} = this.data;
    const where: Key = spec.sweep_at;
    if (!spec.sweep.length) throw new Error(`report ${this.data.name}: no sweep in its front matter (e.g. sweep: [10, 20, 30, 40, 50])`);
    const rows: SweepRow[] = spec.sweep
      .flatMap((a) =>
        this.rows(sweepQueryName(a), where).map((g) => ({
          aligned: a,
          series: String(g.key[spec.compare]),
          em_rate: g.em_rate as number,
          ci: g.ci as [number, number] | null,
          n_em: g.n_em as number,
          n_scored: g.n_scored as number,
        })),
      )
      .filter((r) => r.em_rate !== null);
    const pinnedCut = this.query(sweepQueryName(spec.sweep[0]!)).output;
    const current = spec.aligned ?? Object.values(this.data.queries)[0]!.output.rule.aligned;
    const chart = thresholdPlot(rows, {width, cuts: spec.sweep, current, series: this.series()});
    const caption = `How the EM rate moves with the aligned cut${Object.keys(where).length ? ` at ${keyText(where)}` : ""} (dashed: the report's cut ${current}); one \`em summarize\` run per cut (${spec.sweep.join(", ")}), everything else as pinned: ${ruleLine(pinnedCut).replace(/aligned [<≤] \d+(\.\d+)?, /, "")}; band: ${intervalLine(pinnedCut)}.`;
    const fig = figure(chart, {name: "report-threshold-sensitivity", caption});
    fig.append(reproduce(spec.sweep.map((a) => this.query(sweepQueryName(a)).command).join("\n")));
    return fig;
  }

  /** One dot per judge and compared unit (a query with judge: all and by including judge). */
  judgeChart(query: string, where: Key = {}, {width = 640}: {width?: number} = {}): HTMLElement {
    const q = this.query(query);
    const {spec} = this.data;
    const rows = this.rows(query, where).filter((g) => g.em_rate !== null);
    const chart = judgePlot(rows, {width, unitOf: (g) => String(g.key[spec.compare]), judgeOf: (g) => String(g.key.judge ?? q.output.judges[0])});
    const caption = `Broad EM per ${spec.compare} as each judge scores the same answers${Object.keys(where).length ? ` (${keyText(where)})` : ""}; rule ${q.output.rule.name} (aligned ${q.output.rule.aligned_inclusive ? "≤" : "<"} ${q.output.rule.aligned}, coherent > ${q.output.rule.coherent}); ${intervalLine(q.output)}.`;
    const fig = figure(chart, {name: `report-${query}-judges`, caption});
    fig.append(reproduce(q.command));
    return fig;
  }

  /** The rate table of a query: broad and strict EM with intervals, n, coherent share. */
  table(query: string, where: Key = {}): HTMLElement {
    const q = this.query(query);
    const rows = this.rows(query, where);
    // At each variant's own last step the step differs between rows: it stays out of the labels
    // (the caption lists it) unless it differs within one compared unit, which cannot happen.
    const by = q.output.by.filter((c) => !(c in where));
    const ci = (c: unknown) => (Array.isArray(c) ? `${(100 * c[0]).toFixed(1)}–${(100 * c[1]).toFixed(1)}%` : "–");
    const strict = (g: Row) =>
      g.strict_em_rate !== null
        ? pct(g.strict_em_rate as number)
        : Array.isArray(g.strict_em_range)
          ? `${pct((g.strict_em_range as number[])[0])}–${pct((g.strict_em_range as number[])[1])} (range)`
          : "–";
    const table = el(
      "table",
      {class: "em-table", "data-testid": "report-table"},
      el("thead", {}, el("tr", {}, ...[...by, "answers", "EM", "EM rate", "95% CI", "strict EM", "coherent"].map((h) => el("th", {}, h)))),
      el(
        "tbody",
        {},
        ...rows.map((g) =>
          el(
            "tr",
            {},
            ...by.map((c) => el("td", {}, g.key[c] === null ? "(none)" : String(g.key[c]))),
            el("td", {class: "num"}, String(g.n_scored)),
            el("td", {class: "num"}, String(g.n_em)),
            el("td", {class: "num"}, pct(g.em_rate as number | null)),
            // As the other pages' tables (rateWithCi): ≈ after an approximate interval, why on hover.
            typeof g.ci_approximate === "string" && Array.isArray(g.ci)
              ? el(
                  "td",
                  {class: "num", title: `approximate: ${g.ci_approximate}`, "data-testid": "report-ci-approximate"},
                  `${ci(g.ci)}\u00a0${APPROXIMATE_MARK}`,
                )
              : el("td", {class: "num"}, ci(g.ci)),
            el("td", {class: "num"}, strict(g)),
            el("td", {class: "num"}, pct(g.coherent_rate as number | null)),
          ),
        ),
      ),
    );
    return el(
      "div",
      {class: "em-report-table"},
      table,
      el(
        "p",
        {class: "em-muted"},
        `${ruleLine(q.output)}; ${intervalLine(q.output)}.${rows.some((g) => typeof g.ci_approximate === "string" && Array.isArray(g.ci)) ? ` ${APPROXIMATE_MARK} approximate interval: its coverage can differ from 95% (why on hover; docs/validity.md).` : ""}`,
      ),
      reproduce(q.command),
    );
  }

  /** Where the numbers come from: inputs and their hashes, judges and prompt hashes, seeds, tool version, how to rebuild. */
  provenance(): HTMLElement {
    const p = this.data.provenance;
    const dl = el("dl", {class: "em-provenance"});
    const add = (k: string, v: string | Node) => dl.append(el("dt", {}, k), el("dd", {}, v));
    add("Report", `${this.data.file} (front matter pins every number)`);
    add("Tool", `${p.tool.name} ${p.tool.version}`);
    add("Experiment file", `${p.experiment.file} sha256 ${p.experiment.sha256}`);
    for (const f of p.question_files) add("Question file", `${f.file} sha256 ${f.sha256}`);
    if (p.imports.length) {
      const shown = p.imports.slice(0, 12);
      add(
        `Imported files (${p.imports.length})`,
        el(
          "ul",
          {},
          ...shown.map((f) => el("li", {}, `${f.file} (${f.format}, ${f.responses} answers) sha256 ${f.sha256.slice(0, 16)}…`)),
          ...(p.imports.length > shown.length ? [el("li", {}, `… and ${p.imports.length - shown.length} more`)] : []),
        ),
      );
    }
    for (const j of p.judges)
      add(
        `Judge ${j.id}`,
        `${j.model}; metrics ${j.metrics.join(", ")}; prompt sha256 ${
          Object.entries(j.prompt_sha256)
            .map(([m, h]) => `${m}:${h.slice(0, 12)}`)
            .join(" ") || "(imported scores: no prompt)"
        }`,
      );
    add("Seeds", `bootstrap seed ${p.seeds.bootstrap}${p.seeds.generation !== null ? `; generation seed ${p.seeds.generation}` : ""}`);
    if (p.generation) add("Generation", `temperature ${p.generation.temperature}, max_tokens ${p.generation.max_tokens}`);
    add(
      "Data",
      `${p.counts.responses.toLocaleString("en-US")} answers, ${p.counts.scores.toLocaleString("en-US")} scores${p.experiment.simulated ? " (simulated)" : ""}`,
    );
    add("Rebuild", el("pre", {}, p.rebuild.join("\n")));
    const cmds = el(
      "ol",
      {class: "em-report-commands"},
      ...Object.entries(this.data.queries).map(([name, q]) => el("li", {}, el("span", {class: "em-muted"}, `${name}: `), el("code", {}, q.command))),
    );
    return el(
      "section",
      {class: "em-report-provenance", "data-testid": "report-provenance"},
      dl,
      el("p", {}, "Every number and chart above is a field of the JSON these commands print:"),
      cmds,
    );
  }
}

/**
 * A report whose data was not present at build time: `pinned()` says what is missing and how to
 * build it, each number reads "unknown", each chart or table a one-line placeholder. Nothing is
 * drawn from absent data and no number looks measured.
 */
class AbsentReport extends Report {
  private line(what: string): HTMLElement {
    return el("p", {class: "em-muted em-report-absent", "data-testid": "report-absent"}, `${what} not shown: this build has no data for this report.`);
  }
  override lastStep(): number | null {
    return null;
  }
  override number(query: string, key: Key, field = "em_rate"): HTMLElement {
    return el(
      "span",
      {
        class: "em-report-number em-muted",
        "data-testid": "report-number",
        "data-query": query,
        "data-key": JSON.stringify(key),
        "data-field": field,
        "data-value": "unknown",
        title: "not built: the report's data is missing",
      },
      "unknown",
    );
  }
  override pinned(): HTMLElement {
    const missing = this.data.missing ?? [];
    // A build narrowed by EM_EXPERIMENTS to other experiments skipped this report on purpose.
    const narrowed = missing.some((m) => m.includes("EM_EXPERIMENTS"));
    return el(
      "div",
      {class: "em-banner em-report-missing", "data-testid": "report-missing", role: "note"},
      el(
        "p",
        {},
        el("strong", {}, narrowed ? "This report was not computed in this build. " : "This report was built without its data. "),
        `Its numbers and charts are unknown here. ${narrowed ? "Reason" : "Missing"}: ${missing.join("; ")}.`,
      ),
      el(
        "p",
        {},
        narrowed
          ? `To compute it, build with ${this.data.spec.experiment} in EM_EXPERIMENTS, or without EM_EXPERIMENTS.`
          : `Paths are relative to the project root (the experiment file is ${this.data.spec.experiment}). Put the files in place and run npm run build again.`,
      ),
    );
  }
  override variantChart(): HTMLElement {
    return this.line("Chart");
  }
  override transitionChart(): HTMLElement {
    return this.line("Chart");
  }
  override thresholdChart(): HTMLElement {
    return this.line("Chart");
  }
  override judgeChart(): HTMLElement {
    return this.line("Chart");
  }
  override table(): HTMLElement {
    return this.line("Table");
  }
  override provenance(): HTMLElement {
    return this.line("Provenance");
  }
}

/** The report API over one report's data file. */
export function report(data: ReportData): Report {
  return data.missing?.length ? new AbsentReport(data) : new Report(data);
}
