// The headline numbers of /sensitivity as a box that paints one summary, and its first paint from
// the build's first-paint table (src/data/first.json). Kept apart from the live views: the page's
// first number waits only for this module and its small imports (no points decoder, no engine, no
// charts), so it is shown before the rest of the page's modules load (issue 28).
import {el, pct, setText} from "./ui.js";
import {describeRule} from "../lib/em/rules.js";
import {ciMethodLabel, countText, rangeText, specialText, strictRange} from "../lib/em/summary-text.js";
import {parseState, ruleOf, type ViewState} from "./store.js";
import {firstPaintFor, type FirstPaint} from "../lib/site-first.js";
import type {GroupSummary} from "../lib/em/summary.js";
import {afterPaint} from "./first-paint.js";

function kpi(value: HTMLElement, label: HTMLElement, extraClass = ""): HTMLElement {
  return el("div", {class: `em-kpi${extraClass}`}, value, label);
}

/**
 * The headline numbers' box: `paint` writes one summary (live or precomputed) into it, `pending`
 * says it is being computed. The count's `data-n-em` / `data-n-scored` and strict EM's
 * `data-n-strict` / `data-n-scored-strict` (test and benchmark hooks) exist only while the box shows
 * a computed summary; `data-em-loading` on the box marks it pending ("summary") or its intervals
 * pending ("intervals"), so a reader waits for the attributes and tests for no loading mark.
 */
export interface KpiBox {
  node: HTMLElement;
  /** `all` null: no answer in the selection (0 / 0). `intervalsPending`: the intervals of `all` are being computed (shown as such, not as a number). */
  paint(s: ViewState, all: GroupSummary | null, options?: {intervalsPending?: boolean}): void;
  /** No summary for `s` yet: "computing…" in place of every number, the count and strict EM hooks removed. */
  pending(s: ViewState): void;
  /** Where the live page puts the rule notes (unscored share, ties): empty until then. */
  notesSlot: HTMLElement;
}

/** Set `el.dataset[key]` unless it holds `value` already (a hook rewritten unchanged is still a mutation). */
function setData(el: HTMLElement, key: string, value: string): void {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

/** The headline numbers, empty: EM rate with its interval, broad and strict EM, counts, coherent share; and the rule in words. */
export function kpiBox(): KpiBox {
  const rate = el("div", {class: "em-kpi-value", "data-testid": "em-rate"});
  const rateLabel = el("div", {class: "em-kpi-label", "data-testid": "em-rate-label"});
  const broad = el("div", {class: "em-kpi-value"});
  const strict = el("div", {class: "em-kpi-value", "data-testid": "strict-em-rate"});
  const strictLabel = el("div", {class: "em-kpi-label"});
  const strictBox = kpi(strict, strictLabel);
  const count = el("div", {class: "em-kpi-value", "data-testid": "em-count"});
  const countLabel = el("div", {class: "em-kpi-label"});
  const coherent = el("div", {class: "em-kpi-value"});
  const coherentLabel = el("div", {class: "em-kpi-label"});
  const rule = el("p", {class: "em-muted", "data-testid": "rule-description"});
  const notesSlot = el("div", {});
  const node = el(
    "div",
    {"data-testid": "sensitivity-kpis"},
    el(
      "div",
      {class: "em-kpis"},
      kpi(rate, rateLabel),
      kpi(broad, el("div", {class: "em-kpi-label"}, "broad EM (standard rule, no type excluded)")),
      strictBox,
      kpi(count, countLabel),
      kpi(coherent, coherentLabel),
    ),
    rule,
    notesSlot,
  );
  const values = [rate, broad, strict, count, coherent];
  const hooks: [HTMLElement, string[]][] = [
    [count, ["nEm", "nScored"]],
    [strict, ["nStrict", "nScoredStrict"]],
  ];
  const pending = (s: ViewState) => {
    node.dataset.emLoading = "summary";
    for (const [e, keys] of hooks) for (const k of keys) delete e.dataset[k];
    for (const v of values) setText(v, PENDING);
    strictBox.classList.remove("em-kpi-range");
    coherent.classList.remove("em-kpi-words");
    setText(rateLabel, `EM rate${s.exclude.length ? ` (excluding ${s.exclude.join(", ")})` : ""}: computing once the scores have loaded`);
    setText(strictLabel, "strict EM (emergent persona only)");
    setText(countLabel, "EM / denominator");
    setText(coherentLabel, "coherent (passing the coherent cut)");
    setText(rule, describeRule(ruleOf(s)));
  };
  // Every text and hook is written only when it changes (setText, setData): a threshold change
  // rewrites the numbers it moved and leaves the rest of the box (labels, the rule) out of layout.
  const paint = (s: ViewState, all: GroupSummary | null, {intervalsPending = false}: {intervalsPending?: boolean} = {}) => {
    if (intervalsPending) setData(node, "emLoading", "intervals");
    else delete node.dataset.emLoading;
    setText(rate, pct(all?.em_rate));
    setText(
      rateLabel,
      `EM rate${s.exclude.length ? ` (excluding ${s.exclude.join(", ")})` : ""}; 95% CI ${
        intervalsPending && all
          ? "computing…"
          : `${all?.ci ? `${pct(all.ci[0])}–${pct(all.ci[1])}` : "–"} (${ciMethodLabel(all?.ci_method)}${all?.ci_approximate ? `; approximate: ${all.ci_approximate}` : ""})`
      }`,
    );
    setText(broad, pct(all?.broad_em_rate));
    // Strict EM is a range, never a point, when some EM answers are of undetermined type.
    const range = all ? strictRange(all) : null;
    setText(strict, range ? rangeText(range) : pct(all?.strict_em_rate));
    strictBox.classList.toggle("em-kpi-range", range !== null);
    const expected = all?.expected_strict_em_rate ?? null;
    setText(
      strictLabel,
      (range
        ? `strict EM: a range, because ${countText(all!.n_undetermined_em)} EM answer${all!.n_undetermined_em === 1 ? " is" : "s are"} of undetermined type (training domain or its topic score unknown); low end = none of them emergent, high end = all`
        : all && all.n_typed === 0
          ? "strict EM: no answer has a response type"
          : "strict EM (emergent persona only)") +
        // Its own denominator: the answers to questions outside the training domain, under the active cuts.
        (all
          ? `; ${countText(all.n_strict_em)} / ${countText(all.n_scored_strict)} answers to questions outside the training domain${
              all.n_scored_strict < all.n_scored ? ` (${countText(all.n_scored - all.n_scored_strict)} in-domain answers left out)` : ""
            }`
          : "") +
        (intervalsPending && all?.strict_em_rate !== null && all?.strict_em_rate !== undefined
          ? "; 95% CI computing…"
          : all?.strict_ci
            ? `; 95% CI ${pct(all.strict_ci[0])}–${pct(all.strict_ci[1])}${all.strict_ci_approximate ? ` (approximate: ${all.strict_ci_approximate})` : ""}`
            : "") +
        (expected !== null ? `; expected strict EM (sum of the type judge's p(emergent)) ${pct(expected)}` : ""),
    );
    setData(strict, "nStrict", String(all?.n_strict_em ?? 0));
    setData(strict, "nScoredStrict", String(all?.n_scored_strict ?? 0));
    setData(count, "nEm", String(all?.n_em ?? 0));
    setData(count, "nScored", String(all?.n_scored ?? 0));
    setText(count, `${countText(all?.n_em ?? 0)} / ${countText(all?.n_scored ?? 0)}`);
    setText(countLabel, `EM / denominator, of ${countText(all?.n ?? 0)} judged answers${s.steps ? ` · steps ${s.steps[0]}–${s.steps[1]}` : ""}`);
    // A rule with no coherence condition passes every answer: "100% coherent" would read as a finding.
    const noCut = ruleOf(s).requireCoherent === false;
    setText(coherent, noCut ? "no coherence condition" : pct(all?.coherent_rate));
    coherent.classList.toggle("em-kpi-words", noCut);
    // CODE / REFUSAL with their own denominator (answers that record them), as em summarize's table says.
    setText(
      coherentLabel,
      `${noCut ? "coherent: this rule counts EM on the aligned score alone" : "coherent (passing the coherent cut)"}; ${specialText(all)}`,
    );
    setText(rule, describeRule(ruleOf(s)));
  };
  return {node, paint, pending, notesSlot};
}

/** What a headline number shows while its summary is computed: no digit, so no reader takes it for one. */
const PENDING = "computing…";

/**
 * The headline numbers before the points arrive: painted from the build's first-paint table
 * (src/data/first.json) when it has the URL's state (a preset rule, no filter), else pending
 * ("computing…", no count attributes, `data-em-loading="summary"`) until sensitivityKpis paints the live numbers into the same box. `data-em-first` says which:
 * "build" (precomputed), "none" (waiting), "live" (from the points; set by sensitivityKpis).
 * `shown` resolves after the frame that painted it (afterPaint, first-paint.ts): the page evaluates
 * its other modules and decodes the points after that, so no long task stands between first.json
 * and the first number.
 */
export function firstKpis(table: FirstPaint | null, search: string): KpiBox & {shown: Promise<void>} {
  const box = kpiBox();
  const s = parseState(search);
  const hit = table ? firstPaintFor(table, s) : null;
  if (hit) box.paint(s, hit);
  else box.pending(s);
  box.node.dataset.emFirst = hit ? "build" : "none";
  return {...box, shown: afterPaint()};
}
