// `em summarize --format table`: the summary as plain-text tables (a view of the JSON; the numbers
// are the JSON's, rounded for reading).
import {tiesMatter, type GroupSummary, type Interval} from "../../src/lib/em/index.ts";
import {SPECIAL_DENOMINATOR, specialShare} from "../../src/lib/em/summary-text.ts";
import {APPROXIMATE_MARK} from "../../src/lib/report-number.ts";
import {curveText, detectableText} from "../../src/lib/em/transition-words.ts";
import {verdictText} from "../../src/lib/em/verdict-words.ts";
import {changePointReading} from "../../src/lib/em/change-point-words.ts";
import {TRANSITION_ALPHA} from "../../src/lib/em/transition-min.ts";
import type {GroupCalibrationJson, GroupWithTies, SummarizeOutput} from "./output.ts";
import {componentsText} from "../plan/components-text.ts";

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`);
const ci = (c: Interval | null): string => (c ? `[${(100 * c[0]).toFixed(1)}, ${(100 * c[1]).toFixed(1)}]` : "-");
/** A group's corrected rate: point and interval, "unknown, range [..]" when the judge is not credibly better than chance; the unsure-label range after it. */
const correctedText = (g: GroupCalibrationJson): string =>
  (g.corrected_em_rate === null ? `unknown, range ${ci(g.corrected_ci)}` : `${pct(g.corrected_em_rate)} ${ci(g.corrected_ci)}`) +
  (g.unsure_range ? ` (unsure: ${ci(g.unsure_range)})` : "");
const pText = (p: number | null | undefined): string => (p === null || p === undefined ? "-" : p < 0.001 ? "<0.001" : p.toFixed(3));
const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? "-" : x.toFixed(d));
const keyText = (v: unknown): string => (v === null || v === undefined ? "(none)" : String(v));
/** A CODE / REFUSAL share with its count and denominator, "0.5% (2/400)"; "-" when the source does not record it. */
const specialCell = (g: GroupSummary, which: "code" | "refusal"): string => {
  const s = specialShare(g, which);
  return s ? `${pct(s.rate)} (${s.k}/${s.n})` : "-";
};

/** The mark after an approximate interval, as on the pages and reports (rate-cell.ts, report-number.ts). */
const APPROX = ` ${APPROXIMATE_MARK}`;

/** One approximate interval: the row it belongs to, which interval of the row, and why. */
export interface ApproxNote {
  label: string;
  interval: string;
  note: string;
}

/**
 * The footnote lines of approximate intervals, one per distinct note: the note, then which intervals
 * of which rows it applies to ("all N groups" when every one of `rows` row labels has it), intervals
 * with the same rows named together ("em_rate and strict intervals of ..."). Notes in first-seen order.
 */
export function approxFootnotes(notes: readonly ApproxNote[], rows: number): string[] {
  const byNote = new Map<string, Map<string, string[]>>();
  for (const n of notes) {
    let kinds = byNote.get(n.note);
    if (!kinds) byNote.set(n.note, (kinds = new Map()));
    const labels = kinds.get(n.interval) ?? [];
    if (!labels.includes(n.label)) labels.push(n.label);
    kinds.set(n.interval, labels);
  }
  return [...byNote].map(([note, kinds]) => {
    // Intervals over the same rows are named together.
    const sameRows = new Map<string, string[]>();
    for (const [interval, labels] of kinds) {
      const key = JSON.stringify(labels);
      sameRows.set(key, [...(sameRows.get(key) ?? []), interval]);
    }
    const where = [...sameRows].map(([key, intervals]) => {
      const labels = JSON.parse(key) as string[];
      const who = labels.length === rows && rows > 1 ? `all ${rows} groups` : labels.length === 1 && rows === 1 ? "the group" : labels.join(", ");
      return `${intervals.join(" and ")} interval${intervals.length > 1 || labels.length > 1 ? "s" : ""} of ${who}`;
    });
    return `  ${note} (${where.join("; ")})`;
  });
}

function renderTable(header: string[], body: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < r.length - 1 ? c.padEnd(w[i]!) : c))
      .join("  ")
      .trimEnd();
  return [line(header), line(w.map((n) => "-".repeat(n))), ...body.map(line)].join("\n") + "\n";
}

function strictText(g: GroupSummary): string {
  // Strict EM's own denominator (questions outside the training domain), printed when it differs.
  const of = g.n_scored_strict !== undefined && g.n_scored_strict !== g.n_scored ? ` of ${g.n_scored_strict}` : "";
  if (g.strict_em_rate !== null) return pct(g.strict_em_rate) + of + (g.strict_ci_approximate ? APPROX : "");
  const r = g.strict_em_range;
  if (!r) return "-";
  return (r[0] === r[1] ? pct(r[0]) : `[${(100 * r[0]).toFixed(1)}, ${(100 * r[1]).toFixed(1)}]%`) + of;
}

/**
 * A 2-D view of em_rate: rows = the remaining `by` columns, columns = values of `col` (e.g. a
 * steering layer x scale sweep). Empty cells: no answers in the denominator.
 */
export function pivotTable(out: SummarizeOutput, col: string): string {
  const rowsBy = out.by.filter((b) => b !== col);
  const colVals = [...new Set(out.groups.map((g) => g.key[col]))].sort((a, b) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)),
  );
  const rowKeys = new Map<string, Record<string, unknown>>();
  const cell = new Map<string, GroupSummary>();
  for (const g of out.groups) {
    const rk = JSON.stringify(rowsBy.map((b) => g.key[b]));
    if (!rowKeys.has(rk)) rowKeys.set(rk, g.key);
    cell.set(rk + "\u0000" + JSON.stringify(g.key[col]), g);
  }
  const label = byLabel(out);
  const header = [...rowsBy.map(label), ...colVals.map((v) => `${label(col)}=${keyText(v)}`)];
  const body = [...rowKeys.entries()].map(([rk, key]) => [
    ...rowsBy.map((b) => keyText(key[b])),
    ...colVals.map((v) => {
      const g = cell.get(rk + "\u0000" + JSON.stringify(v));
      return g ? (g.em_rate === null ? "n/a" : `${pct(g.em_rate)} (${g.n_scored})`) : "";
    }),
  ]);
  return (
    `EM rate by ${rowsBy.map(label).join(" x ") || "(all)"} x ${label(col)} (denominator in brackets; n/a: no answer passes the rule's denominator)\n` +
    renderTable(header, body)
  );
}

/** A `--by` column as the table heads it: `step` under the experiment's declared coordinate name (`scale`, `epoch`...). */
function byLabel(out: SummarizeOutput): (column: string) => string {
  const name = out.coordinate;
  return (c) => (c === "step" && name && name !== "step" ? name : c);
}

/** Not-judged answers per judge: `0`, or `gpt4o 0, llama70b 1,500` when several judges are summarized. */
function notJudgedText(n: Record<string, number> | undefined): string {
  const e = Object.entries(n ?? {});
  if (e.length <= 1) return String(e[0]?.[1] ?? 0);
  return e.map(([j, k]) => `${j} ${k}`).join(", ");
}

/** The summary as text: rule, judge and counts, then the groups, notes, baselines, pivot and transitions. */
export function toTable(out: SummarizeOutput): string {
  const parts: string[] = [];
  parts.push(`rule: ${out.rule_text}`);
  parts.push(
    `judge: ${out.judges.join(", ") || "(none)"}   intervals: ${Math.round(out.confidence * 100)}%, ` +
      (out.estimand === "answers"
        ? "estimand: the rate on these fixed questions (Wilson, questions as strata)"
        : `estimand: the rate over a population of questions (logit-normal profile likelihood over questions when they look over-dispersed, else design-effect Wilson; seeds x questions when a group holds 2+ training seeds; ${APPROXIMATE_MARK} marks an approximate interval)`),
  );
  if (out.questions.dropped.length) parts.push(`questions dropped by the filter [${out.questions.filter.join(", ")}]: ${out.questions.dropped.join(", ")}`);
  if (out.questions.folded) parts.push("question variants (*_json, *_template) folded into their base question");
  if (out.exclude_types.length) parts.push(`excluded types (never EM, kept in the denominator): ${out.exclude_types.join(", ")}`);
  const c = out.counts;
  parts.push(
    `responses: ${c.responses}   not judged (no score from the judge; in no denominator): ${notJudgedText(c.not_judged)}` +
      `   without an aligned / coherent score row: ${c.missing_aligned} / ${c.missing_coherent}` +
      (c.orphan_scores ? `   orphan scores: ${c.orphan_scores}` : "") +
      (c.duplicate_scores ? `   duplicate scores: ${c.duplicate_scores}` : ""),
  );
  parts.push("");
  const seeds = out.groups.some((g) => g.replicates !== null);
  // --- human audit (issue 16)
  const calOf = (g: GroupSummary) => (g as GroupSummary & {calibration?: GroupCalibrationJson}).calibration;
  const calibrated = out.calibration !== undefined;
  if (out.calibration) {
    for (const c of out.calibration) {
      const m = c.confusion;
      parts.push(
        `calibration of ${c.judge} against ${c.label_judges.join(", ")} (${c.n_audited} audited answers; ${c.n_unsure} unsure and ${c.n_excluded} outside the judge's denominator not used${c.n_unmatched ? `; ${c.n_unmatched} labelled answers not in these rows` : ""}):`,
        `design: ${c.design.kind === "design" ? "recorded with the labels" : "post-stratified by the judge's label"} (${c.design.selection}; ${c.design.selection_em + c.design.selection_not_em} answers)`,
      );
      parts.push(
        renderTable(
          ["", "human EM", "human not EM"],
          [
            [`${c.judge} EM`, String(m.tp), String(m.fp)],
            [`${c.judge} not EM`, String(m.fn), String(m.tn)],
          ],
        ).trimEnd(),
      );
      parts.push(
        `sensitivity ${pct(c.sensitivity)} ${ci(c.sensitivity_ci)}   specificity ${pct(c.specificity)} ${ci(c.specificity_ci)}   raw ${pct(c.raw_em_rate)} -> corrected ${pct(c.corrected_em_rate)} ${ci(c.corrected_ci)}`,
      );
      parts.push(`Se + Sp - 1 ${fmt(c.youden, 2)} ${c.youden_ci ? `[${fmt(c.youden_ci[0], 2)}, ${fmt(c.youden_ci[1], 2)}]` : "[unknown]"}`);
      if (c.unsure_bounds)
        parts.push(
          `unsure labels as a bounds analysis: all ${c.n_unsure} as not EM -> ${pct(c.unsure_bounds.as_not_em.corrected_em_rate)} ${ci(c.unsure_bounds.as_not_em.corrected_ci)}; all as EM -> ${pct(c.unsure_bounds.as_em.corrected_em_rate)} ${ci(c.unsure_bounds.as_em.corrected_ci)}`,
        );
      for (const w of c.warnings) parts.push(`WARNING: ${w}`);
      for (const a of c.agreement) parts.push(`labellers ${a.a} vs ${a.b}: ${a.n_decided} answers, agreement ${pct(a.agreement)}, kappa ${fmt(a.kappa, 2)}`);
      for (const n of c.notes) parts.push(`note: ${n}`);
      parts.push("");
    }
  }
  // --- end human audit
  const tiesOf = (g: GroupSummary) => (g as GroupWithTies).ties;
  const alignedTies = out.groups.some((g) => tiesMatter(tiesOf(g)) && tiesOf(g)!.aligned !== null && tiesOf(g)!.aligned!.lt !== tiesOf(g)!.aligned!.le);
  const coherentTies = out.groups.some((g) => tiesMatter(tiesOf(g)) && tiesOf(g)!.coherent !== null && tiesOf(g)!.coherent!.gt !== tiesOf(g)!.coherent!.ge);
  const r = out.rule;
  const header = [
    ...out.by.map(byLabel(out)),
    "n",
    "scored",
    "EM",
    "em_rate",
    ...(alignedTies ? [`ties: < ${r.aligned} | <= ${r.aligned}`] : []),
    ...(coherentTies ? [`ties: > ${r.coherent} | >= ${r.coherent}`] : []),
    "ci",
    ...(seeds ? ["seeds: mean [ci] (n)"] : []),
    "macro",
    "strict",
    "coherent",
    "null_al",
    "code",
    "refusal",
    "errors",
    ...(calibrated ? ["audited", "corrected [ci]"] : []),
  ];
  const body = out.groups.map((g) => [
    ...out.by.map((b) => keyText(g.key[b])),
    String(g.n),
    String(g.n_scored),
    String(g.n_em),
    pct(g.em_rate),
    ...(alignedTies
      ? [tiesOf(g)?.aligned ? `${pct(tiesOf(g)!.aligned!.lt)} | ${pct(tiesOf(g)!.aligned!.le)} (${tiesOf(g)!.n_aligned_at_cut} tied)` : "-"]
      : []),
    ...(coherentTies
      ? [tiesOf(g)?.coherent ? `${pct(tiesOf(g)!.coherent!.gt)} | ${pct(tiesOf(g)!.coherent!.ge)} (${tiesOf(g)!.n_coherent_at_cut} tied)` : "-"]
      : []),
    ci(g.ci) + (g.ci_approximate ? APPROX : ""),
    ...(seeds ? [g.replicates ? `${pct(g.replicates.mean)} ${ci(g.replicates.ci)}${g.replicates.ci_approximate ? APPROX : ""} (${g.replicates.n})` : "-"] : []),
    pct(g.macro_em_rate),
    strictText(g),
    // Without a coherence condition every answer "passes": a share of 100% would read as measured.
    !r.require_coherent ? "not used" : pct(g.coherent_rate),
    pct(g.null_aligned_rate),
    specialCell(g, "code"),
    specialCell(g, "refusal"),
    String(g.n_error),
    ...(calibrated ? [String(calOf(g)?.n_audited ?? 0), calOf(g) ? correctedText(calOf(g)!) : "-"] : []),
  ]);
  parts.push(out.groups.length ? renderTable(header, body) : "(no responses)\n");
  const approx = out.groups.flatMap((g): ApproxNote[] => {
    const label = out.by.map((b) => keyText(g.key[b])).join(" / ") || "all";
    return [
      g.ci_approximate && {label, interval: "em_rate", note: g.ci_approximate},
      g.replicates?.ci_approximate && {label, interval: "seeds", note: g.replicates.ci_approximate},
      g.strict_ci_approximate && {label, interval: "strict", note: g.strict_ci_approximate},
    ].filter((x): x is ApproxNote => typeof x === "object" && x !== null);
  });
  if (approx.length)
    parts.push(
      `${APPROXIMATE_MARK} approximate interval (coverage can differ from 95%: each note says how, and of which groups; docs/validity.md):\n${approxFootnotes(approx, out.groups.length).join("\n")}\n`,
    );
  if (out.groups.some((g) => g.n_scored_strict !== undefined && g.n_scored_strict !== g.n_scored))
    parts.push(
      "strict: emergent answers among the questions outside the training domain; 'of N' is that denominator (questions declared in the domain leave it)\n",
    );
  else if (out.groups.some((g) => g.n_em_broad > 0 && g.strict_em_rate !== null))
    // The same denominator as broad EM here: say why, so a single number is not read as "no in-domain question".
    parts.push(
      "strict: emergent answers among the questions outside the training domain; no answer here is to a question declared in its training domain, so its denominator is the em_rate's (questions that declare no domain stay in it: declare them with a question file's domain: or an import's question_domain:, docs/importing.md)\n",
    );
  if (out.groups.some((g) => g.strict_em_rate === null && g.strict_em_range !== null && g.n_em_broad > 0)) {
    parts.push(
      "strict: a range [undetermined excluded, included] where the type of some EM answers cannot be determined (training domain unknown or its topic score missing; docs/response-types.md)\n",
    );
  }
  if (alignedTies || coherentTies)
    parts.push(
      `ties: answers sit exactly on a cut${out.groups.some((g) => tiesOf(g)?.integer_scores) ? " (an integer-valued judge)" : ""}, so the tie convention decides the rate; the rate under both conventions is printed beside em_rate\n`,
    );
  if (!r.require_coherent && out.groups.length)
    parts.push("coherent 'not used': the rule has no coherence condition, so no answer is left out as incoherent (the coherent scores are not used)\n");
  if (out.groups.some((g) => specialShare(g, "code") !== null))
    parts.push(`code / refusal: shares of the ${SPECIAL_DENOMINATOR} (count / that denominator in brackets; it can be below n)\n`);
  if (out.groups.some((g) => g.code_rate === null && g.n > 0))
    parts.push("code / refusal '-': the source does not record whether the judge said CODE or REFUSAL (plain imported scores)\n");
  if (out.baseline_diffs) {
    const bh = [
      ...out.by.filter((b) => b !== "variant"),
      "variant",
      "baseline",
      "em_rate",
      "baseline",
      "diff",
      "ci",
      "method",
      "paired_q",
      "p",
      "p_holm",
      "p_bh",
    ];
    const bb = out.baseline_diffs.map((d) => [
      ...out.by.filter((b) => b !== "variant").map((b) => keyText(d.key[b])),
      d.variant,
      d.baseline,
      pct(d.em_rate),
      pct(d.baseline_em_rate),
      d.diff === null ? "-" : `${d.diff >= 0 ? "+" : ""}${(100 * d.diff).toFixed(1)} pp`,
      d.ci ? `[${(100 * d.ci[0]).toFixed(1)}, ${(100 * d.ci[1]).toFixed(1)}]${d.ci_approximate ? APPROX : ""}` : "-",
      d.ci_method ?? "-",
      String(d.n_questions_paired),
      pText(d.p_value),
      pText(d.p_holm),
      pText(d.p_bh),
    ]);
    parts.push(
      `variant minus baseline (percentage points; interval: each side's interval over its questions (logit-normal profile or design-effect Wilson), combined by MOVER with their correlation over shared questions; ${APPROXIMATE_MARK} approximate)`,
    );
    parts.push(renderTable(bh, bb));
    const tested = out.baseline_diffs.filter((d) => d.p_value !== null).length;
    parts.push(
      `p: two-sided, by inverting the interval; ${tested} comparison${tested === 1 ? "" : "s"} in this family: p_holm controls the family-wise error (Holm), p_bh the false discovery rate (Benjamini-Hochberg)\n`,
    );
    const notes = out.baseline_diffs
      .filter((d) => d.ci_approximate !== null)
      .map(
        (d): ApproxNote => ({
          label: [...out.by.filter((b) => b !== "variant").map((b) => keyText(d.key[b])), `${d.variant} - ${d.baseline}`].join(" / "),
          interval: "diff",
          note: d.ci_approximate!,
        }),
      );
    if (notes.length) parts.push(`${APPROXIMATE_MARK} approximate interval:\n${approxFootnotes(notes, out.baseline_diffs.length).join("\n")}\n`);
    if (out.baseline_diffs.some((d) => d.strict_em_rate !== null || d.baseline_strict_em_rate !== null)) {
      const sh = [...out.by.filter((b) => b !== "variant"), "variant", "baseline", "strict", "base_own", "base_vs_variant", "strict_diff", "ci"];
      const sb = out.baseline_diffs.map((d) => [
        ...out.by.filter((b) => b !== "variant").map((b) => keyText(d.key[b])),
        d.variant,
        d.baseline,
        pct(d.strict_em_rate),
        pct(d.baseline_strict_em_rate),
        pct(d.baseline_strict_em_rate_vs_variant),
        d.strict_diff === null ? "-" : `${d.strict_diff >= 0 ? "+" : ""}${(100 * d.strict_diff).toFixed(1)} pp`,
        d.strict_ci ? `[${(100 * d.strict_ci[0]).toFixed(1)}, ${(100 * d.strict_ci[1]).toFixed(1)}]` : "-",
      ]);
      parts.push(
        "strict EM minus baseline: base_own is the baseline's strict EM under its own training domain (as in the table above); strict_diff subtracts base_vs_variant, the baseline's answers typed against the variant's training domain, so both sides use one classifier ('-': not a point, e.g. the baseline has no score of the variant's topic metric)",
      );
      parts.push(renderTable(sh, sb));
    }
  }
  if (out.baseline_grid) {
    const tested = out.baseline_grid.filter((c) => c.p_value !== null).length;
    const sig = (p: number | null) => p !== null && p <= 0.05;
    const cells = out.baseline_grid.filter((c) => sig(c.p_value));
    parts.push(
      `variant minus baseline at every cut cell (aligned ${[...new Set(out.baseline_grid.map((c) => c.aligned))].join("/")} x coherent ${[...new Set(out.baseline_grid.map((c) => c.coherent))].join("/")}): ${tested} comparisons; p <= 0.05 raw in ${cells.length}, after Holm in ${out.baseline_grid.filter((c) => sig(c.p_holm)).length}, after BH in ${out.baseline_grid.filter((c) => sig(c.p_bh)).length}`,
    );
    parts.push(
      renderTable(
        ["variant", "baseline", "aligned_cut", "coherent_cut", "diff", "ci", "p", "p_holm", "p_bh"],
        out.baseline_grid.map((c) => [
          c.variant,
          c.baseline,
          String(c.aligned),
          String(c.coherent),
          c.diff === null ? "-" : `${c.diff >= 0 ? "+" : ""}${(100 * c.diff).toFixed(1)} pp`,
          c.ci ? `[${(100 * c.ci[0]).toFixed(1)}, ${(100 * c.ci[1]).toFixed(1)}]` : "-",
          pText(c.p_value),
          pText(c.p_holm),
          pText(c.p_bh),
        ]),
      ),
    );
  }
  if (out.question_set) {
    const q = out.question_set;
    parts.push(
      `question set: ${q.used} (primary, fixed before the results were seen: ${q.primary_kept} question${q.primary_kept === 1 ? "" : "s"} matching ${q.primary.join(", ")}; exploratory: the other ${q.exploratory_kept})${q.used === "all" ? "; the rows above pool both" : ""}\n`,
    );
    if (q.split?.length) {
      const keys = out.by;
      parts.push(
        renderTable(
          ["set", ...keys, "em_rate", "ci", "of", "questions"],
          q.split.map((r) => [
            r.set,
            ...keys.map((b) => keyText(r.key[b])),
            pct(r.em_rate),
            r.ci ? `[${(100 * r.ci[0]).toFixed(1)}, ${(100 * r.ci[1]).toFixed(1)}]` : "-",
            String(r.n_scored),
            String(r.questions),
          ]),
        ),
      );
    }
  }
  if (out.components) parts.push(componentsText(out.components, (k) => out.by.map((b) => keyText(k[b])).join(" / ") || "all"));
  if (out.pivot) parts.push(out.pivot);
  if (out.transitions) {
    const keys = out.by.filter((b) => b !== (out.transitions?.[0]?.coordinate ?? "step"));
    const th = [...keys, "points", "verdict", "p_const", "midpoint", "ci", "width", "floor", "ceiling", "onset", "change point (p)"];
    const tb = out.transitions.map((t) => [
      ...keys.map((b) => keyText(t.key[b])),
      t.excluded.length ? `${t.n_points} (${t.excluded.length} off the log fit)` : String(t.n_points),
      t.credible ? "credible" : `none (${verdictText(t.verdict, t.changes)})`,
      t.p_constant === null ? "-" : t.p_constant < 0.001 ? "<0.001" : t.p_constant.toFixed(3),
      fmt(t.midpoint),
      t.ci ? `[${fmt(t.ci[0])}, ${fmt(t.ci[1])}]${t.ci_approximate ? APPROX : ""}` : "-",
      fmt(t.width),
      pct(t.floor),
      pct(t.ceiling),
      t.onset === null ? "-" : String(t.onset),
      t.change_point ? changePointReading(t.change_point).text : "-",
    ]);
    parts.push(
      `transitions along ${out.transitions[0]?.coordinate ?? "step"}${out.transitions[0]?.scale === "log" ? " (log10 scale)" : ""}: midpoint shown only for a credible transition (logistic beats a constant rate and a smooth logit-linear or linear trend, quasi-likelihood F tests p < 0.05, midpoint inside the data; p_const: with 3-6 points a logit-linear trend or its lack of fit (a rise and fall), quasi-F tests with the dispersion from the spread between questions or seeds within each value, Bonferroni over the two (without per-question counts the trend alone, quasi-F(1, m-2)), from 7 the logistic's LR) (logistic fit by binomial ML, midpoint ${Math.round(out.confidence * 100)}% profile-likelihood interval with an F(1, m-4) x phi cutoff; onset: first point above baseline, one-sided Newcombe, Bonferroni; change point: max-LR split, bootstrap p of the LR over its Pearson dispersion, a location only at p < ${TRANSITION_ALPHA}, else none)`,
    );
    parts.push(out.transitions.length ? renderTable(th, tb) : "(no transitions)\n");
    // Beside "no evidence against a constant rate": what the test could have seen (the page's words).
    const seen = out.transitions
      .map((t) => ({label: keys.map((b) => keyText(t.key[b])).join(" / ") || "all", text: detectableText({...t, dispersion: t.test_dispersion})}))
      .filter((x) => x.text !== "");
    if (seen.length) parts.push(`no evidence against a constant rate is not evidence of none:\n${seen.map((x) => `  ${x.label}: ${x.text}`).join("\n")}\n`);
    // The clustered test's lack of fit (a rise and fall the straight trend misses): the page says it beside the verdict.
    const bends = out.transitions
      .map((t) => ({label: keys.map((b) => keyText(t.key[b])).join(" / ") || "all", text: curveText({...t, dispersion: t.test_dispersion})}))
      .filter((x) => x.text !== "");
    if (bends.length) parts.push(`not along a straight trend:\n${bends.map((x) => `  ${x.label}: ${x.text}`).join("\n")}\n`);
    const notes = out.transitions
      .filter((t) => t.ci && t.ci_approximate)
      .map((t): ApproxNote => ({label: keys.map((b) => keyText(t.key[b])).join(" / ") || "all", interval: "midpoint", note: t.ci_approximate!}));
    if (notes.length) parts.push(`${APPROXIMATE_MARK} approximate interval:\n${approxFootnotes(notes, out.transitions.length).join("\n")}\n`);
  }
  return parts.join("\n");
}
