// The overview table: per model and judge, EM at the final checkpoint and over all checkpoints,
// strict EM, coherence, and (for simulated data) the planted rate beside the measured one.
import type {Group, Grouping} from "./engine.js";
import type {Points} from "./points.js";
import type {ExperimentInfo} from "./site.js";
import {el, pct} from "./ui.js";
import {strictRange} from "../lib/em/view-summary.js";

/** Strict EM of a group: a range when some EM answers are of undetermined type, else the point. */
const strictCell = (g: Group | undefined) => {
  const r = g ? strictRange(g) : null;
  return r ? `${pct(r[0])}–${pct(r[1])} (range)` : pct(g?.strict_em_rate);
};

const ci = (g: Group | undefined) => (g?.ci ? `${pct(g.ci[0])}–${pct(g.ci[1])}` : "–");

/** The last coordinate with a summary in a group's series. */
function lastOf(perStep: Group[], model: string, judge: string): number | null {
  const xs = perStep.filter((x) => x.parts[0] === model && x.parts[1] === judge).map((x) => Number(x.parts[2]));
  return xs.length ? Math.max(...xs) : null;
}

export function overviewTable({overall, atFinal, perStep, info, rule, finalStep, byLabel = "model"}: {overall: Group[]; atFinal: Group[]; perStep: Group[]; info: ExperimentInfo | null; rule: string; finalStep: number | null; byLabel?: string}): {element: HTMLElement; data: Record<string, unknown>[]} {
  const planted = info?.planted?.em ?? [];
  const data: Record<string, unknown>[] = [];
  const groupsOf: [Group | undefined, Group][] = [];
  for (const g of overall) {
    const [model, judge] = g.parts;
    const fin = atFinal.find((x) => x.id === g.id);
    const series = perStep.filter((x) => x.parts[0] === model && x.parts[1] === judge && x.em_rate !== null);
    const peak = series.reduce<Group | null>((best, x) => (best === null || (x.em_rate ?? 0) > (best.em_rate ?? 0) ? x : best), null);
    groupsOf.push([fin, g]);
    const plantedFinal = planted.find((p) => p.model === model && p.judge === judge && p.rule === rule && p.step === finalStep);
    data.push({
      [byLabel]: model,
      judge,
      final_step: fin ? lastOf(perStep, model, judge) : null,
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
  const coord = info?.coordinate ?? "step";
  const head = [byLabel, "judge", `EM at last ${coord}`, "95% CI", "strict EM at final", ...(hasPlanted ? ["planted"] : []), `peak EM (${coord})`, `EM all ${coord}s`, `strict all ${coord}s`, "coherent", "answers"];
  const table = el("table", {"class": "em-table", "data-testid": "overview-table"}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {scope: "col"}, h)))));
  const body = el("tbody");
  for (const [i, d] of data.entries()) {
    const [fin, g] = groupsOf[i];
    body.append(
      el("tr", {},
        el("td", {}, String(d[byLabel])),
        el("td", {}, String(d.judge)),
        el("td", {"class": "num"}, el("strong", {}, pct(d.final_em_rate as number | null)), d.final_step !== null ? ` (${d.final_step})` : ""),
        el("td", {"class": "num"}, String(d.final_ci)),
        el("td", {"class": "num"}, strictCell(fin)),
        ...(hasPlanted ? [el("td", {"class": "num"}, pct(d.planted_final_em_rate as number | null))] : []),
        el("td", {"class": "num"}, `${pct(d.peak_em_rate as number | null)} (${d.peak_step ?? "–"})`),
        el("td", {"class": "num"}, pct(d.all_em_rate as number | null)),
        el("td", {"class": "num"}, strictCell(g)),
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

/**
 * Rows at each group's own last coordinate: series of different variants may end at different
 * values (a steering sweep tunes its scales per layer), so "final" is per group, not global.
 */
export function lastStepMask(points: Points, mask: Uint8Array, grouping: Grouping): Uint8Array {
  const last = new Float64Array(grouping.parts.length).fill(-Infinity);
  for (let i = 0; i < points.n; ++i) {
    const g = grouping.codes[i];
    if (mask[i] && g >= 0 && points.step[i] > last[g]) last[g] = points.step[i];
  }
  return Uint8Array.from(mask, (m, i) => (m && grouping.codes[i] >= 0 && points.step[i] === last[grouping.codes[i]] ? 1 : 0));
}
