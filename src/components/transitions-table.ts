// Phase-transition tables: a fit's verdict in words, the fits table, the page's numbers hook. Light
// on purpose: /transitions paints the build's fits with this module before the fit code, d3 and Plot
// load (transitions-first.ts), so it imports types only from the analysis library.
import type {TransitionResult, TransitionVerdict} from "../lib/em/transition.js";
import type {Planted} from "./site.js";
import {el, pct} from "./ui.js";
import {cell, dataTable} from "./table.js";
import type {ModelTransition} from "./transitions-controller.js";
import {MIN_TRANSITION_POINTS} from "../lib/em/transition-min.js";
import {curveText, detectableText} from "../lib/em/transition-words.js";
import {changesWords} from "../lib/em/verdict-words.js";
import {changePointReading} from "../lib/em/change-point-words.js";

/** The fewest coordinate values a fit takes (the fit code's own constant, from an import-free module). */
export const MIN_FIT_POINTS = MIN_TRANSITION_POINTS;
const MIN_POINTS = MIN_FIT_POINTS;
export interface TransitionView {
  /** Show midpoint, interval and onset: only when the library's test calls the transition credible. */
  show: boolean;
  verdict: TransitionVerdict;
  /** One line for the table and captions. */
  why: string;
  p_constant: number | null;
}

/** What a transition result supports, in words (testTransition in src/lib/em/transition.ts decides). */
export function transitionView(result: TransitionResult & {excluded?: readonly number[]}): TransitionView {
  const test = result.test;
  const used = result.points.filter((p) => p.n > 0);
  // On a log axis a coordinate <= 0 (a base model at step 0) is listed but not fitted (pointsOnScale):
  // the count the fit needs is of the values on the axis, as em summarize's "5 (1 off the log fit)".
  const off = new Set(result.excluded ?? []);
  const fitted = used.filter((p) => !off.has(p.x));
  const offAxis = used.length - fitted.length;
  const values = (n: number) => `${n} value${n === 1 ? "" : "s"}`;
  const onAxis = offAxis
    ? `${values(fitted.length)} on the log axis (${offAxis === 1 ? "1 more value is" : `${offAxis} more values are`} not above 0, off a log axis)`
    : values(used.length);
  // Beside "no evidence", what the same test could have seen in this design (constancyPower):
  // a miss reads as "not seen", never as "flat".
  const seen = detectableText(test);
  const can = seen ? `; ${seen}` : "";
  // The clustered test found the rates leaving a straight trend (a rise and fall): said beside any verdict.
  const curve = curveText(test);
  const bends = curve ? `; ${curve}` : "";
  const p =
    test.p_constant === null
      ? ""
      : ` (p ${test.p_constant < 1e-15 ? "< 1e-15" : `= ${test.p_constant < 0.001 ? test.p_constant.toExponential(1) : test.p_constant.toFixed(3)}`} for a constant rate)`;
  const pl = test.p_linear === null ? "?" : test.p_linear < 0.001 ? "< 0.001" : `= ${test.p_linear.toFixed(3)}`;
  const approx = result.fit?.approximate ? `; interval approximate: ${result.fit.approximate}` : "";
  const why: Record<TransitionVerdict, string> = {
    credible: `credible transition${p}; a step, not a smooth trend (p ${pl})${approx}${bends}`,
    flat: `no credible transition: no evidence against a constant rate${p}${can}`,
    smooth_trend: `no credible transition: the rate changes${p}, but a smooth trend explains it as well as a step (p ${pl} against a linear or logit-quadratic trend)${bends}`,
    outside_range: `no credible transition: the rate changes${p}, but the fitted midpoint lies outside the observed values (a trend, not a located step)${bends}`,
    non_monotone: `no credible transition: the rate rises and falls again (extreme at ${test.extreme ?? "?"}), drawn as measured${bends}`,
    too_few_points:
      result.points.length === 0
        ? "no coordinate: these answers have no value of the coordinate"
        : used.length === 0
          ? "no EM rate anywhere: no answer passes the coherent cut"
          : `no credible transition: EM is defined at ${onAxis}, a fit needs at least ${MIN_POINTS}${
              test.p_constant === null ? "" : `; ${changesWords(test.changes)}${p}${test.changes ? bends : can}`
            }`,
  };
  return {show: test.credible && result.fit !== null, verdict: test.verdict, why: why[test.verdict], p_constant: test.p_constant};
}

/** The page's numbers as JSON in an inert script element (the parity test reads it; nothing runs it). */
export function numbersHook(testid: string, value: unknown): HTMLScriptElement {
  const script = document.createElement("script");
  script.type = "application/json";
  script.dataset.testid = testid;
  script.textContent = JSON.stringify(value);
  return script;
}

/** A number to 3 significant digits ("–" when absent). */
export const num3 = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? "–" : Number(Number(v).toPrecision(d)).toString());

/** The fits table: verdict in words; floor, ceiling, midpoint, interval, width and onset only when credible. */
export function fitsTable(
  transitions: readonly ModelTransition[],
  {
    byLabel,
    planted,
    intervalsPending = false,
    changePending = false,
  }: {byLabel: string; planted: Planted["midpoints"] | null; intervalsPending?: boolean; changePending?: boolean},
): {element: HTMLTableElement; data: Record<string, unknown>[]} {
  const rows = transitions.map((t) => {
    const view = transitionView(t.result);
    const f = view.show ? t.result.fit : null;
    const cp = t.result.change_point;
    const pm = planted?.find((p) => p.model === t.model && !p.category);
    return {
      t,
      view,
      cp,
      data: {
        [byLabel]: t.model,
        verdict: view.verdict,
        why: view.why,
        p_constant: view.p_constant,
        floor: f?.floor ?? null,
        ceiling: f?.ceiling ?? null,
        midpoint: f?.midpoint ?? null,
        ci_low: f?.ci[0] ?? null,
        ci_high: f?.ci[1] ?? null,
        width: f?.width ?? null,
        width_ci_low: f?.width_ci[0] ?? null,
        width_ci_high: f?.width_ci[1] ?? null,
        interval_note: f?.approximate ?? null,
        onset: view.show ? t.result.onset.x : null,
        change_point: cp ? `${cp.before}|${cp.after}` : null,
        change_point_p: cp?.p_value ?? null,
        // The same rule as the cell: a location only at p below the table's level (changePointReading).
        change_point_found: changePointReading(cp).found,
        planted_midpoint: pm?.midpoint ?? null,
      },
    };
  });
  type Row = (typeof rows)[number];
  // While the bootstrap runs, the column says so (marked for tests; not a page-loading placeholder).
  const cpText = (r: Row): string | HTMLElement =>
    changePending ? el("span", {class: "em-muted", "data-em-pending": "change-point"}, "bootstrap running…") : changePointReading(r.cp).text;
  const element = dataTable(
    rows,
    [
      {label: byLabel, value: (r) => r.t.model},
      {label: "verdict", value: (r) => r.view.why},
      {label: "floor", value: (r) => pct(r.data.floor), num: true},
      {label: "ceiling", value: (r) => pct(r.data.ceiling), num: true},
      {label: "midpoint", value: (r) => el("strong", {}, num3(r.data.midpoint)), num: true},
      {
        label: "95% CI (profile)",
        value: (r) =>
          intervalsPending ? el("span", {class: "em-muted", "data-em-pending": "interval"}, "profiling…") : `${num3(r.data.ci_low)} – ${num3(r.data.ci_high)}`,
        num: true,
      },
      {
        // a null upper bound: a transition as wide as a smooth trend fits too; a null lower one: any sharper step does
        label: "width (95% CI)",
        value: (r) =>
          intervalsPending
            ? num3(r.data.width)
            : `${num3(r.data.width)} [${r.data.width_ci_low === null ? "0" : num3(r.data.width_ci_low)} – ${r.data.width_ci_high === null ? "unbounded" : num3(r.data.width_ci_high)}]`,
        num: true,
      },
      {label: "onset", value: (r) => (r.data.onset === null ? "none" : String(r.data.onset)), num: true},
      {label: "change point (p)", value: cpText, num: true},
      planted ? {label: "planted midpoint", value: (r) => num3(r.data.planted_midpoint), num: true} : null,
    ],
    {
      testid: "transition-table",
      rowAttrs: (r) => ({"data-verdict": r.view.verdict}),
      // Not credible: one cell says there is no midpoint, interval or onset, instead of six dashes.
      cells: (r) =>
        r.view.show
          ? null
          : [
              cell(r.t.model),
              cell(r.view.why, {class: "em-muted"}),
              cell("no midpoint, interval or onset", {colspan: "6", class: "em-muted num"}),
              cell(cpText(r), {class: "num"}),
              ...(planted ? [cell(num3(r.data.planted_midpoint), {class: "num"})] : []),
            ],
    },
  );
  return {element, data: rows.map((r) => r.data)};
}
