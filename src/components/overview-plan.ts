// Overview: where each variant's uncertainty comes from (variance components) and a small planner
// (issue 26). Both read the rows variantRows already built, and call the library the CLI calls
// (varianceComponents, pilotPlanModel, designPower), so the page and `em plan` agree.
import {varianceComponents, type VarianceComponents} from "../lib/em/components.js";
import {designCalls, designPower, judgeCost, pilotPlanModel, type PilotArm} from "../lib/em/plan.js";
import {PRICES} from "../lib/prices.js";
import {baseQuestionId, questionFilter} from "../lib/em/question-ids.js";
import type {ExperimentInfo} from "../lib/site-summary.js";
import type {Points} from "./points.js";
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
const usd = (x: number | null) => (x === null ? "unknown" : x < 10 ? `$${x.toFixed(2)}` : `$${x.toFixed(0)}`);
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
 * through designPower, 200 studies each, and lists them with the cheapest that reaches the target,
 * each with its judge cost from the pipeline's price table (src/lib/prices.ts; as `em plan`).
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
  // The judge to price: the compared row's judge id when the table lists it, else gpt-4o (as em plan).
  const judgeId = usable[a0]!.row.judge;
  const priceModel = el("select", {"aria-label": "judge model priced"}, ...Object.keys(PRICES).map((m) => el("option", {value: m}, m)));
  priceModel.value = judgeId && PRICES[judgeId] ? judgeId : "gpt-4o";
  const go = el("button", {type: "button"}, "Plan");
  let runs = 0; // the latest click's number: an older plan still simulating stops at its next design
  const out = el("div", {"data-testid": "planner-result"});
  box.append(el("p", {}, "Detect ", diff, " points of EM between ", pickA, " and ", pickB, " with power ", power, "%, judged by ", priceModel, " ", go), out);
  go.addEventListener("click", () => {
    out.replaceChildren(el("p", {class: "em-muted"}, "Simulating…"));
    // 16 designs x 200 studies, each side judged by the product's interval with its logit-normal fit
    // (~15 s of CPU in node, more in a browser under load): one design per task, so the page stays
    // responsive, the note counts the designs done, and a second click restarts the plan.
    const run = ++runs;
    setTimeout(async () => {
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
      const rowOf = (d: (typeof designs)[number], i: number) => {
        const calls = designCalls(d);
        return {...d, ...designPower(model, d, {reps: 200, seed: i}), ...calls, cost: judgeCost(calls.judge_calls, PRICES[priceModel.value] ?? null)};
      };
      const done: ReturnType<typeof rowOf>[] = [];
      out.setAttribute("data-em-loading", "planner");
      for (const [i, d] of designs.entries()) {
        if (run !== runs) return;
        out.replaceChildren(el("p", {class: "em-muted"}, `Simulating design ${i + 1} of ${designs.length} (${d.questions} questions × ${d.samples} samples)…`));
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (run !== runs) return;
        done.push(rowOf(d, i));
      }
      out.removeAttribute("data-em-loading");
      const res = done.sort((x, y) => x.answers - y.answers || x.questions - y.questions);
      const best = res.find((r) => r.power >= target) ?? null;
      out.replaceChildren(
        el(
          "p",
          {"data-testid": "planner-verdict"},
          best
            ? `Cheapest design reaching ${Math.round(100 * target)}% power: ${best.questions} questions × ${best.samples} samples per arm (${best.answers} answers, ${best.judge_calls} judge calls, ${usd(best.cost)} for the ${priceModel.value} judge).`
            : `No design up to 48 questions × 200 samples reaches ${Math.round(100 * target)}% power.`,
        ),
        dataTable(
          res,
          [
            {label: "questions", value: (r) => String(r.questions), num: true},
            {label: "samples", value: (r) => String(r.samples), num: true},
            {label: "answers", value: (r) => String(r.answers), num: true},
            {label: `judge cost (${priceModel.value})`, value: (r) => usd(r.cost), num: true},
            {label: "power", value: (r) => `${pct(r.power)} ± ${(100 * r.power_se).toFixed(0)}`, num: true},
            {label: "type I", value: (r) => pct(r.type1), num: true},
          ],
          {testid: "planner-table", rowAttrs: (r): Record<string, string> => (r === best ? {"data-best": "true", style: "font-weight: bold"} : {})},
        ),
        el(
          "p",
          {class: "em-muted"},
          `Simulated from the two variants' components (rate ${pct(model.a.rate)} vs ${pct(model.b.rate)}; logit SD between questions ${model.a.sd_question.toFixed(2)} / ${model.b.sd_question.toFixed(2)}), each study judged by the baseline interval of em summarize. ${assumptions.join("; ")}. Judge cost: two metrics per answer, 700 prompt tokens and one completion token per call at ${priceModel.value}'s list price (the pipeline's price table, as em plan); generation is not priced here (fine-tunes have no list price; em plan --gen-price).`,
        ),
      );
    }, 30);
  });
  return box;
}

/**
 * A warning when the experiment's last run found judge drift on its anchor answers (issue 26): the
 * same judge model name scored them differently than the run before, beyond the stated tolerance.
 * Null when there is no drift to report.
 */
export function driftBanner(info: ExperimentInfo | null): HTMLElement | null {
  const drifted = (info?.judge_drift ?? []).filter((d) => d.drift);
  if (!drifted.length) return null;
  return el(
    "div",
    {class: "warning", "data-testid": "judge-drift"},
    el("strong", {}, "Judge drift. "),
    drifted
      .map(
        (d) =>
          `${d.judge} (${d.model}) scored the ${d.compared} anchor answers ${d.mean_shift! >= 0 ? "+" : ""}${d.mean_shift!.toFixed(1)} points differently on ${d.metric} than at the run of ${d.previous?.slice(0, 10) ?? "before"} (beyond ±${d.tolerance}, p = ${d.p_value!.toPrecision(2)})`,
      )
      .join("; ") + ". Scores cached before and after the change are not comparable: judge the answers again to compare them.",
  );
}

export interface QuestionSetRow {
  label: string;
  primary: VariantRow | null;
  exploratory: VariantRow | null;
}

/**
 * Each row's EM rate on the experiment's primary (pre-registered) questions and on the others
 * (exploratory), apart (issue 26): `rowsOf` recomputes the rows over a mask (variantRows). A
 * question is primary when its id or its base id matches primary_questions. Empty without them.
 */
export function questionSetRows(
  points: Points,
  mask: Uint8Array,
  primary: readonly string[] | null | undefined,
  rowsOf: (m: Uint8Array) => VariantRow[],
): QuestionSetRow[] {
  if (!primary?.length) return [];
  const match = questionFilter(primary);
  const isPrimary = points.dicts.question_id.map((id) => match(id) || match(baseQuestionId(id)));
  const codes = points.codes.question_id;
  const part = (want: boolean) => mask.map((m, i) => (m && codes[i]! >= 0 && isPrimary[codes[i]!] === want ? 1 : 0));
  const p = rowsOf(part(true));
  const x = rowsOf(part(false));
  const labels = [...new Set([...p, ...x].map((r) => r.label))];
  return labels.map((label) => ({label, primary: p.find((r) => r.label === label) ?? null, exploratory: x.find((r) => r.label === label) ?? null}));
}

const rateCi = (r: VariantRow | null) =>
  !r || r.g.em_rate === null ? "no answers" : `${pct(r.g.em_rate)}${r.g.ci ? ` [${pct(r.g.ci[0])}, ${pct(r.g.ci[1])}]` : ""} of ${r.g.n_scored}`;

/** Table: per row, EM on the primary and on the exploratory questions. */
export function questionSetTable(rows: readonly QuestionSetRow[], primary: readonly string[]): HTMLElement {
  return el(
    "div",
    {"data-testid": "question-sets"},
    el("h3", {}, "Pre-registered and exploratory questions"),
    el(
      "p",
      {class: "em-muted"},
      `The experiment file declares a primary question set (${primary.join(", ")}): the questions fixed before the results were seen, pre-registered where the study did so (the experiment file's comments say which). Rates on it are the confirmatory numbers, rates on the other questions exploratory. em summarize --question-set primary gives the first alone.`,
    ),
    dataTable(
      rows,
      [
        {label: "variant", value: (r) => r.label},
        {label: "primary questions", value: (r) => rateCi(r.primary), num: true},
        {label: "exploratory questions", value: (r) => rateCi(r.exploratory), num: true},
      ],
      {testid: "question-set-table"},
    ),
  );
}
