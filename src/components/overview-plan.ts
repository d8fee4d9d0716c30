// Overview: where each variant's uncertainty comes from (variance components) and a small planner
// (issue 26). Both read the rows variantRows already built, and call the library the CLI calls
// (varianceComponents, pilotPlanModels, designPower), so the page and `em plan` agree. The planner
// simulates in module workers (planner-worker.ts), on the main thread only where none can start.
import {fewSeedsText, varianceComponents, type VarianceComponents} from "../lib/em/components.js";
import {designCalls, designPower, judgeCost, pilotPlanModels, type Design, type PilotArm, type PlanModel, type PowerResult} from "../lib/em/plan.js";
import {makeRng} from "../lib/em/prng.js";
import {PRICES, pricing} from "../lib/prices.js";
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
  return vrows.map((row) => ({label: row.label, row, vc: varianceComponents(cellsOf(row))}));
}

function cellsOf(row: VariantRow) {
  const reps = row.replicates.filter((r) => r.qk && r.qd);
  return reps.length ? reps.map((r) => ({k: r.qk!, d: r.qd!})) : [{k: row.g.qk, d: row.g.qd}];
}

const sd = (v: number | null | undefined) => (v === null || v === undefined ? "unknown" : `${(100 * Math.sqrt(v)).toFixed(1)} pp`);
const share = (vc: VarianceComponents, k: "seed" | "question" | "interaction" | "sample") =>
  vc.components[k].variance === null ? "" : ` (${Math.round((100 * vc.rate_variance[k]) / (vc.rate_variance.total || 1))}%)`;
const usd = (x: number | null) => (x === null ? "unknown" : x < 10 ? `$${x.toFixed(2)}` : `$${x.toFixed(0)}`);
// Answers per seed and question in the rule's denominator (e.g. coherent and scored), a mean over
// cells: "≈" when the cells differ, so 26 of 30 sampled answers is not read as 26 samples.
const counted = (n: number) => (Number.isInteger(n) ? String(n) : `≈${Math.round(n)}`);
const ADVICE = {seed: "one more seed", question: "one more question", sample: "one more sample per question"};

/** Table: per row, SDs of the components (percentage points), their share of the rate's variance, and the advice. */
export function componentsTable(rows: readonly ComponentsRow[]): HTMLElement {
  return dataTable(
    rows,
    [
      {label: "variant", value: (r) => r.label},
      {label: "seeds × questions × counted answers", value: (r) => (r.vc ? `${r.vc.seeds} × ${r.vc.questions} × ${counted(r.vc.samples)}` : "–"), num: true},
      // Two seeds: their rates, not a spread (fewSeedsText, as em summarize --components prints).
      {label: "between seeds", value: (r) => (r.vc ? (fewSeedsText(r.vc) ?? sd(r.vc.components.seed.variance) + share(r.vc, "seed")) : "–"), num: true},
      {label: "between questions", value: (r) => (r.vc ? sd(r.vc.components.question.variance) + share(r.vc, "question") : "–"), num: true},
      {label: "between answers to a question", value: (r) => (r.vc ? sd(r.vc.components.sample.variance) + share(r.vc, "sample") : "–"), num: true},
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

/**
 * The planner's arm of a row: its components again with intervals (the parametric bootstrap of
 * varianceComponents, seeded as em summarize --components seeds its groups), so the plan can show
 * the power over the between-question interval as em plan does.
 */
const armOf = (c: ComponentsRow, seed: number): PilotArm => ({
  label: c.label,
  rate: c.row.g.em_rate ?? 0,
  components: c.vc ? varianceComponents(cellsOf(c.row), {rng: makeRng(seed)}) : null,
  in_denominator: c.row.g.n > 0 ? c.row.g.n_scored / c.row.g.n : 0,
  qk: c.row.g.qk,
  qd: c.row.g.qd,
});

/**
 * Why the planner cannot start on these rows, or null when it can: it compares two rows with
 * components (2+ questions in the denominator). A study of one variant is told so, not that its
 * variants lack a spread.
 */
export function plannerUnavailable(rows: readonly Pick<ComponentsRow, "vc">[]): string | null {
  const usable = rows.filter((r) => r.vc).length;
  if (usable >= 2) return null;
  if (rows.length < 2)
    return `The planner compares two variants: this selection has ${rows.length ? "one" : "none"}. To plan a study against this one, give em plan stated rates and spreads (em plan --rates A,B --sd-question X).`;
  return `The planner compares two variants: this selection has ${usable ? "one" : "none"} with a spread to plan from (2 or more questions with answers in the rule's denominator).`;
}

/**
 * A small planner: one row against its baseline (or another row), a difference to detect and a
 * target power; "Plan" simulates a grid of designs (questions 8-48 x samples 25-200, one seed)
 * through designPower, 200 studies each, and lists them with the cheapest that reaches the target,
 * each with its judge cost from the pipeline's price table (src/lib/prices.ts; as `em plan`).
 */
export function planner(rows: readonly ComponentsRow[]): HTMLElement {
  const usable = rows.filter((r) => r.vc);
  const box = el("div", {class: "em-planner", "data-testid": "planner"});
  const why = plannerUnavailable(rows);
  if (why) {
    box.append(el("p", {class: "em-muted"}, why));
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
  // The judge to price: the compared row's judge id when the table lists it, else gpt-4o (as em plan),
  // and then the page says it is an assumption and which price it uses (pricing: em run --dry-run's words).
  const judgeId = usable[a0]!.row.judge || "(unnamed)";
  const priceModel = el("select", {"aria-label": "judge model priced"}, ...Object.keys(PRICES).map((m) => el("option", {value: m}, m)));
  priceModel.value = PRICES[judgeId] ? judgeId : "gpt-4o";
  const priced = () => pricing("judge", judgeId, {as: priceModel.value});
  const priceNote = el("p", {class: "em-muted", "data-testid": "planner-price"});
  const showPrice = () => {
    const p = priced();
    priceNote.dataset.priceSource = p.source;
    priceNote.textContent = `Judge cost: ${p.text}${p.source === "assumed" ? "; choose the model to price it as" : ""}.`;
  };
  showPrice();
  priceModel.addEventListener("change", showPrice);
  const go = el("button", {type: "button"}, "Plan");
  const out = el("div", {"data-testid": "planner-result"});
  box.append(
    el("p", {}, "Detect ", diff, " points of EM between ", pickA, " and ", pickB, " with power ", power, "%, judged by ", priceModel, " ", go),
    priceNote,
    out,
  );
  let stop: (() => void) | null = null; // the running plan's cancel: a second click restarts
  go.addEventListener("click", () => {
    stop?.();
    stop = null;
    const a = usable[Number(pickA.value)]!;
    const b = usable[Number(pickB.value)]!;
    const target = Number(power.value) / 100;
    const done = () => {
      out.removeAttribute("data-em-loading");
      box.removeAttribute("aria-busy");
    };
    if (a === b) {
      done();
      out.replaceChildren(el("p", {class: "em-muted"}, "Pick two different variants."));
      return;
    }
    let fitted: ReturnType<typeof pilotPlanModels>;
    try {
      fitted = pilotPlanModels(armOf(a, 1), armOf(b, 2), {diff: Number(diff.value) / 100});
    } catch (e) {
      // The library's reason (as em plan prints it): no power is shown that the pilot cannot support.
      done();
      const why = e instanceof Error ? e.message : String(e);
      out.replaceChildren(el("p", {class: "em-muted", "data-testid": "planner-cannot"}, why.charAt(0).toUpperCase() + why.slice(1) + "."));
      return;
    }
    const {point, wide, narrow, assumptions} = fitted;
    if (!(point.a.rate > 0 && point.a.rate < 1)) {
      done();
      out.replaceChildren(el("p", {class: "em-muted"}, `${b.label}'s rate plus ${diff.value} points is outside 0–100%.`));
      return;
    }
    const designs: Design[] = [8, 16, 24, 48].flatMap((questions) => [25, 50, 100, 200].map((samples) => ({seeds: 1, questions, samples})));
    // 16 designs x 200 studies at the pilot's estimates, and 100 each at the two ends of its
    // between-question interval: each study judged by the product's interval with its logit-normal
    // fit (~15 s of CPU per model set in node, more in a browser under load), so the two sets run
    // in two module workers and the page stays responsive; a note counts the designs done.
    const jobs: {models: PlanModel[]; reps: number}[] = [{models: [point], reps: 200}];
    if (wide && narrow) jobs.push({models: [wide, narrow], reps: 100});
    const results: (PowerResult[] | null)[][] = jobs.map(() => designs.map(() => null));
    const total = jobs.length * designs.length;
    let count = 0;
    const bar = el("progress", {max: String(total), value: "0", "aria-label": "designs simulated"});
    const note = el("span", {}, ` Simulating design powers: 0 of ${total}…`);
    out.setAttribute("data-em-loading", "planner");
    box.setAttribute("aria-busy", "true");
    out.replaceChildren(el("p", {class: "em-muted"}, bar, note));
    const seeds = designs.map((_, i) => i);
    const progress = (j: number, i: number, r: PowerResult[]) => {
      results[j]![i] = r;
      count++;
      bar.value = count;
      note.textContent = ` Simulating design powers: ${count} of ${total} (${designs[i]!.questions} questions × ${designs[i]!.samples} samples)…`;
      if (count === total) {
        done();
        stop = null;
        render();
      }
    };
    const price = priced();
    const pricedAs = price.source === "assumed" ? `${judgeId} judge, priced as ${priceModel.value}` : `${priceModel.value} judge`;
    const render = () => {
      const res = designs
        .map((d, i) => {
          const calls = designCalls(d);
          const p = results[0]![i]![0]!;
          const ends = results[1]?.[i]?.map((x) => x.power);
          const range = ends ? ([Math.min(...ends), Math.max(...ends)] as const) : null;
          return {...d, ...p, range, ...calls, cost: judgeCost(calls.judge_calls, price.price)};
        })
        .sort((x, y) => x.answers - y.answers || x.questions - y.questions);
      const best = res.find((r) => r.power >= target) ?? null;
      const bestRange = res.find((r) => r.range && r.range[0] >= target && r.power >= target) ?? null;
      const ranged = res.some((r) => r.range);
      out.replaceChildren(
        el(
          "p",
          {"data-testid": "planner-verdict"},
          best
            ? `Cheapest design reaching ${Math.round(100 * target)}% power: ${best.questions} questions × ${best.samples} samples per arm (${best.answers} answers, ${best.judge_calls} judge calls, ${usd(best.cost)} for the ${pricedAs}).`
            : `No design up to 48 questions × 200 samples reaches ${Math.round(100 * target)}% power.`,
          ...(ranged
            ? [
                bestRange
                  ? ` Across the power range (the pilot's between-question interval): ${bestRange.questions} questions × ${bestRange.samples} samples (${usd(bestRange.cost)}).`
                  : " No design reaches it across the whole power range: the pilot cannot pin the spread between questions (a pilot with more questions would).",
              ]
            : []),
        ),
        dataTable(
          res,
          [
            {label: "questions", value: (r) => String(r.questions), num: true},
            {label: "samples", value: (r) => String(r.samples), num: true},
            {label: "answers", value: (r) => String(r.answers), num: true},
            {label: `judge cost (${price.source === "assumed" ? `as ${priceModel.value}` : priceModel.value})`, value: (r) => usd(r.cost), num: true},
            {label: "power", value: (r) => `${pct(r.power)} ± ${(100 * r.power_se).toFixed(0)}`, num: true},
            ...(ranged
              ? [{label: "power range", value: (r: (typeof res)[number]) => (r.range ? `${pct(r.range[0])}–${pct(r.range[1])}` : "–"), num: true}]
              : []),
            {label: "type I", value: (r) => pct(r.type1), num: true},
          ],
          {testid: "planner-table", rowAttrs: (r): Record<string, string> => (r === best ? {"data-best": "true", style: "font-weight: bold"} : {})},
        ),
        el(
          "p",
          {class: "em-muted"},
          `Simulated from the two variants' components (rate ${pct(point.a.rate)} vs ${pct(point.b.rate)}; logit SD between questions ${point.a.sd_question.toFixed(2)} / ${point.b.sd_question.toFixed(2)}), each study judged by the baseline interval of em summarize: power ± its Monte-Carlo error over 200 studies. ${
            ranged && wide && narrow
              ? `Power range: the power (100 studies each) with both variants' between-question spread at the ends of its 95% interval (logit SD ${sdText(narrow.a.sd_question)}–${sdText(wide.a.sd_question)} / ${sdText(narrow.b.sd_question)}–${sdText(wide.b.sd_question)}), what the pilot can tell, not a confidence interval. `
              : "No interval for the spread between questions: power without a range. "
          }${assumptions.join("; ")}. Judge cost: two metrics per answer, 700 prompt tokens and one completion token per call; ${price.text} (the pipeline's price table, as em plan); generation is not priced here (fine-tunes have no list price; em plan --gen-price).`,
        ),
      );
    };
    stop = simulate(jobs, designs, seeds, progress, (engine) => out.setAttribute("data-engine", engine));
  });
  return box;
}

const sdText = (x: number) => (x > 10 ? ">10" : x.toFixed(2));

/**
 * Run each job (a model set at a number of studies) over every design: each job in its own module
 * worker (planner-worker.ts), or, where workers cannot start or one fails, one design per task on
 * the main thread. `progress(job, design, results)` gets each design's result (one per model);
 * `engine` says where the jobs run. Returns a cancel function (terminates the workers).
 */
function simulate(
  jobs: {models: PlanModel[]; reps: number}[],
  designs: Design[],
  seeds: number[],
  progress: (job: number, design: number, results: PowerResult[]) => void,
  engine: (where: "worker" | "main thread") => void,
): () => void {
  let cancelled = false;
  const workers: Worker[] = [];
  const inline = (j: number, from: number) => {
    engine("main thread");
    const step = (i: number) => {
      if (cancelled || i >= designs.length) return;
      progress(
        j,
        i,
        jobs[j]!.models.map((m) => designPower(m, designs[i]!, {reps: jobs[j]!.reps, seed: seeds[i]!})),
      );
      setTimeout(() => step(i + 1), 0);
    };
    setTimeout(() => step(from), 0);
  };
  let url: string | null = null;
  try {
    if (typeof Worker === "function" && typeof import.meta.resolve === "function") url = import.meta.resolve("./planner-worker.js");
  } catch {
    url = null;
  }
  jobs.forEach((job, j) => {
    if (!url) return inline(j, 0);
    let next = 0; // the first design this worker has not answered
    try {
      const w = new Worker(url, {type: "module"});
      workers.push(w);
      engine("worker");
      w.onmessage = (event: MessageEvent<{ready?: boolean; id?: number; i?: number; results?: PowerResult[]; done?: boolean; error?: string}>) => {
        const m = event.data;
        if (cancelled || m.ready) return;
        if (m.error !== undefined) {
          console.warn(`planner worker: ${m.error}; the rest runs on the main thread`);
          w.terminate();
          inline(j, next);
        } else if (m.i !== undefined && m.results) {
          next = m.i + 1;
          progress(j, m.i, m.results);
        }
      };
      w.onerror = (event) => {
        event.preventDefault();
        console.warn(`planner worker failed (${event.message || "module did not load"}); the rest runs on the main thread`);
        w.terminate();
        if (!cancelled) inline(j, next);
      };
      w.postMessage({id: j, models: job.models, designs, reps: job.reps, seeds});
    } catch {
      inline(j, next);
    }
  });
  return () => {
    cancelled = true;
    for (const w of workers) w.terminate();
  };
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
