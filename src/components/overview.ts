// The overview table: per model and judge, EM at the final checkpoint and over all checkpoints,
// strict EM, coherence, and (for simulated data) the planted rate beside the measured one.
import type {Group} from "./engine.js";
import type {ExperimentInfo} from "./site.js";
import {el, pct} from "./ui.js";

const ci = (g: Group | undefined) => (g?.ci ? `${pct(g.ci[0])}–${pct(g.ci[1])}` : "–");

export function overviewTable({overall, atFinal, perStep, info, rule, finalStep}: {overall: Group[]; atFinal: Group[]; perStep: Group[]; info: ExperimentInfo | null; rule: string; finalStep: number | null}): {element: HTMLElement; data: Record<string, unknown>[]} {
  const planted = info?.planted?.em ?? [];
  const data: Record<string, unknown>[] = [];
  for (const g of overall) {
    const [model, judge] = g.parts;
    const fin = atFinal.find((x) => x.id === g.id);
    const series = perStep.filter((x) => x.parts[0] === model && x.parts[1] === judge && x.em_rate !== null);
    const peak = series.reduce<Group | null>((best, x) => (best === null || (x.em_rate ?? 0) > (best.em_rate ?? 0) ? x : best), null);
    const plantedFinal = planted.find((p) => p.model === model && p.judge === judge && p.rule === rule && p.step === finalStep);
    data.push({
      model,
      judge,
      final_step: finalStep,
      final_em_rate: fin?.em_rate ?? null,
      final_ci: ci(fin),
      final_strict_em_rate: fin?.strict_em_rate ?? null,
      planted_final_em_rate: plantedFinal?.em_rate ?? null,
      peak_em_rate: peak?.em_rate ?? null,
      peak_step: peak ? Number(peak.parts[2]) : null,
      all_em_rate: g.em_rate,
      all_strict_em_rate: g.strict_em_rate,
      coherent_rate: g.coherent_rate,
      n: g.n,
      n_scored: g.n_scored,
    });
  }
  const hasPlanted = data.some((d) => d.planted_final_em_rate !== null);
  const head = ["model", "judge", `EM at final (${finalStep ?? "–"})`, "95% CI", "strict EM at final", ...(hasPlanted ? ["planted"] : []), "peak EM (step)", "EM all steps", "strict all steps", "coherent", "answers"];
  const table = el("table", {"class": "em-table", "data-testid": "overview-table"}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {scope: "col"}, h)))));
  const body = el("tbody");
  for (const d of data) {
    body.append(
      el("tr", {},
        el("td", {}, String(d.model)),
        el("td", {}, String(d.judge)),
        el("td", {"class": "num"}, el("strong", {}, pct(d.final_em_rate as number | null))),
        el("td", {"class": "num"}, String(d.final_ci)),
        el("td", {"class": "num"}, pct(d.final_strict_em_rate as number | null)),
        ...(hasPlanted ? [el("td", {"class": "num"}, pct(d.planted_final_em_rate as number | null))] : []),
        el("td", {"class": "num"}, `${pct(d.peak_em_rate as number | null)} (${d.peak_step ?? "–"})`),
        el("td", {"class": "num"}, pct(d.all_em_rate as number | null)),
        el("td", {"class": "num"}, pct(d.all_strict_em_rate as number | null)),
        el("td", {"class": "num"}, pct(d.coherent_rate as number | null)),
        el("td", {"class": "num"}, (d.n as number).toLocaleString()),
      ),
    );
  }
  table.append(body);
  return {element: table, data};
}

/** Rows for the EM-over-training chart. */
export function emSparkRows(perStep: Group[]): {model: string; judge: string; judgeIndex: number; step: number; em_rate: number; n_em: number; n_scored: number}[] {
  const judges = [...new Set(perStep.map((g) => g.parts[1]))];
  return perStep
    .filter((g) => g.em_rate !== null && g.parts[2] !== "")
    .map((g) => ({model: g.parts[0], judge: g.parts[1], judgeIndex: judges.indexOf(g.parts[1]), step: Number(g.parts[2]), em_rate: g.em_rate as number, n_em: g.n_em, n_scored: g.n_scored}));
}
