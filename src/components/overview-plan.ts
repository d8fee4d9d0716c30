// Overview: where each variant's uncertainty comes from (variance components) and a small planner
// (issue 26). Both read the rows variantRows already built, and call the library the CLI calls
// (varianceComponents, pilotPlanModel, designPower), so the page and `em plan` agree.
import {varianceComponents, type VarianceComponents} from "../lib/em/components.js";
import {designCalls, designPower, pilotPlanModel, type PilotArm} from "../lib/em/plan.js";
import {dataTable} from "./table.js";
import {el, pct} from "./ui.js";
import type {VariantRow} from "./variant-chart.js";

export interface ComponentsRow {
  label: string;
  row: VariantRow;
  vc: VarianceComponents | null;
}

/** Components of every row: its seeds' per-question counts (one cell per seed; no seed ids: one seed). */
export function componentsRows(vrows: readonly VariantRow[]): ComponentsRow[] {
  return vrows.map((row) => {
    const reps = row.replicates.filter((r) => r.qk && r.qd);
    const cells = reps.length ? reps.map((r) => ({k: r.qk!, d: r.qd!})) : [{k: row.g.qk, d: row.g.qd}];
    return {label: row.label, row, vc: varianceComponents(cells)};
  });
}

const sd = (v: number | null | undefined) => (v === null || v === undefined ? "unknown" : `${(100 * Math.sqrt(v)).toFixed(1)} pp`);
const share = (vc: VarianceComponents, k: "seed" | "question" | "interaction" | "sample") =>
  vc.components[k].variance === null ? "" : ` (${Math.round((100 * vc.rate_variance[k]) / (vc.rate_variance.total || 1))}%)`;
const ADVICE = {seed: "one more seed", question: "one more question", sample: "one more sample per question"};

/** Table: per row, SDs of the components (percentage points), their share of the rate's variance, and the advice. */
export function componentsTable(rows: readonly ComponentsRow[]): HTMLElement {
  return dataTable(
    rows,
    [
      {label: "variant", value: (r) => r.label},
      {label: "seeds × questions × samples", value: (r) => (r.vc ? `${r.vc.seeds} × ${r.vc.questions} × ${Math.round(r.vc.samples)}` : "–"), num: true},
      {label: "between seeds", value: (r) => (r.vc ? sd(r.vc.components.seed.variance) + share(r.vc, "seed") : "–"), num: true},
      {label: "between questions", value: (r) => (r.vc ? sd(r.vc.components.question.variance) + share(r.vc, "question") : "–"), num: true},
      {label: "samples", value: (r) => (r.vc ? sd(r.vc.components.sample.variance) + share(r.vc, "sample") : "–"), num: true},
      {
        label: "shrinks the interval most",
        value: (r) =>
          !r.vc
            ? "too few questions"
            : r.vc.rate === 0
              ? "no EM answer: no spread to plan from"
              : `${ADVICE[r.vc.shrinks_most]} (−${(100 * r.vc.one_more[r.vc.shrinks_most]!).toFixed(0)}% variance)`,
      },
    ],
    {testid: "components-table"},
  );
}

const armOf = (c: ComponentsRow): PilotArm => ({
  label: c.label,
  rate: c.row.g.em_rate ?? 0,
  components: c.vc,
  in_denominator: c.row.g.n > 0 ? c.row.g.n_scored / c.row.g.n : 0,
  qk: c.row.g.qk,
  qd: c.row.g.qd,
});

/**
 * A small planner: one row against its baseline (or another row), a difference to detect and a
 * target power; "Plan" simulates a grid of designs (questions 8-48 x samples 25-200, one seed)
 * through designPower, 200 studies each, and lists them with the cheapest that reaches the target.
 * Cost in money: `em plan` (the price table is the pipeline's).
 */
export function planner(rows: readonly ComponentsRow[]): HTMLElement {
  const usable = rows.filter((r) => r.vc);
  const box = el("div", {class: "em-planner", "data-testid": "planner"});
  if (usable.length < 2) {
    box.append(el("p", {class: "em-muted"}, "The planner compares two variants: this selection has fewer than two with a spread to plan from."));
    return box;
  }
  const option = (r: ComponentsRow, i: number) => el("option", {value: String(i)}, r.label);
  const pickA = el("select", {"aria-label": "compared variant"}, ...usable.map(option));
  const pickB = el("select", {"aria-label": "reference variant"}, ...usable.map(option));
  // Default pair: a variant and its baseline; else the first two units of one judge (two judges of
  // one variant score the same answers, which this planner does not model).
  const withBase = usable.findIndex((r) => r.row.baseline);
  const a0 = Math.max(0, withBase);
  const sameJudge = usable.findIndex((r, i) => i !== a0 && r.row.judge === usable[a0]!.row.judge);
  const base = withBase >= 0 ? usable.findIndex((r) => r.row.group === usable[withBase]!.row.baseline!.id && r.row.judge === usable[withBase]!.row.judge) : -1;
  const b0 = base >= 0 ? base : sameJudge >= 0 ? sameJudge : (a0 + 1) % usable.length;
  pickA.value = String(a0);
  pickB.value = String(b0);
  const diff = el("input", {
    type: "number",
    min: "0.5",
    max: "50",
    step: "0.5",
    value: "5",
    "aria-label": "difference to detect, percentage points",
    style: "width: 5em",
  });
  const power = el("input", {type: "number", min: "50", max: "99", step: "5", value: "80", "aria-label": "target power, percent", style: "width: 4em"});
  const go = el("button", {type: "button"}, "Plan");
  const out = el("div", {"data-testid": "planner-result"});
  box.append(el("p", {}, "Detect ", diff, " points of EM between ", pickA, " and ", pickB, " with power ", power, "% ", go), out);
  go.addEventListener("click", () => {
    out.replaceChildren(el("p", {class: "em-muted"}, "Simulating…"));
    // Let the note paint before the simulation takes the thread (about a second).
    setTimeout(() => {
      const a = usable[Number(pickA.value)]!;
      const b = usable[Number(pickB.value)]!;
      const target = Number(power.value) / 100;
      if (a === b) {
        out.replaceChildren(el("p", {class: "em-muted"}, "Pick two different variants."));
        return;
      }
      const {model, assumptions} = pilotPlanModel(armOf(a), armOf(b), {diff: Number(diff.value) / 100});
      if (!(model.a.rate > 0 && model.a.rate < 1)) {
        out.replaceChildren(el("p", {class: "em-muted"}, `${b.label}'s rate plus ${diff.value} points is outside 0–100%.`));
        return;
      }
      const designs = [8, 16, 24, 48].flatMap((questions) => [25, 50, 100, 200].map((samples) => ({seeds: 1, questions, samples})));
      const res = designs
        .map((d, i) => ({...d, ...designPower(model, d, {reps: 200, seed: i}), ...designCalls(d)}))
        .sort((x, y) => x.answers - y.answers || x.questions - y.questions);
      const best = res.find((r) => r.power >= target) ?? null;
      out.replaceChildren(
        el(
          "p",
          {"data-testid": "planner-verdict"},
          best
            ? `Cheapest design reaching ${Math.round(100 * target)}% power: ${best.questions} questions × ${best.samples} samples per arm (${best.answers} answers, ${best.judge_calls} judge calls).`
            : `No design up to 48 questions × 200 samples reaches ${Math.round(100 * target)}% power.`,
        ),
        dataTable(
          res,
          [
            {label: "questions", value: (r) => String(r.questions), num: true},
            {label: "samples", value: (r) => String(r.samples), num: true},
            {label: "answers", value: (r) => String(r.answers), num: true},
            {label: "power", value: (r) => `${pct(r.power)} ± ${(100 * r.power_se).toFixed(0)}`, num: true},
            {label: "type I", value: (r) => pct(r.type1), num: true},
          ],
          {testid: "planner-table", rowAttrs: (r): Record<string, string> => (r === best ? {"data-best": "true", style: "font-weight: bold"} : {})},
        ),
        el(
          "p",
          {class: "em-muted"},
          `Simulated from the two variants' components (rate ${pct(model.a.rate)} vs ${pct(model.b.rate)}; logit SD between questions ${model.a.sd_question.toFixed(2)} / ${model.b.sd_question.toFixed(2)}), each study judged by the baseline interval of em summarize. ${assumptions.join("; ")}. Money: em plan prices each design from the pipeline's price table.`,
        ),
      );
    }, 30);
  });
  return box;
}
