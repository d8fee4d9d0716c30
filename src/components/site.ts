// Page furniture shared across pages: the simulated-data banner and provenance.
import {el} from "./ui.js";

// The summary.json shape is declared once, in src/lib/site-summary.ts (its loader builds it with `satisfies Summary`).
export type {ExperimentInfo, Summary} from "../lib/site-summary.js";
export {experimentInfo} from "../lib/site-summary.js";
import {experimentInfo, type ExperimentInfo, type Summary} from "../lib/site-summary.js";
export type {SitePlanted as Planted} from "../lib/schema.js";

/** A banner that says clearly when the data is simulated, and warns about missing or failed scores. */
export function experimentBanner(summary: Summary, name: string | null): HTMLElement {
  const e = experimentInfo(summary, name);
  const box = el("div", {});
  if (!e) return box;
  if (e.simulated)
    box.append(
      el(
        "div",
        {class: "em-banner", role: "note", "data-testid": "simulated-banner"},
        el("strong", {}, "Simulated data. "),
        `Experiment “${e.name}” comes from EM Observatory's built-in simulator: the models, answers and judges are synthetic, with planted ground truth, so the charts can be checked against what was planted. No real model was evaluated.`,
      ),
    );
  const problems: string[] = [];
  if (e.missing) problems.push(`${e.missing.toLocaleString()} calls not in the cache (run \`em run --experiment ${e.file}\`)`);
  if (e.errors) problems.push(`${e.errors.toLocaleString()} judge or generation calls failed after retries (kept as status "error")`);
  if (e.skipped) problems.push(`${e.skipped.toLocaleString()} imported rows skipped`);
  if (e.counts.oversize_cut)
    problems.push(
      `${e.counts.oversize_cut.toLocaleString()} judge prompts had their answer cut to the judge's max_prompt_chars (those scores judge the cut answer)`,
    );
  if (e.counts.mismatches)
    problems.push(`${e.counts.mismatches.toLocaleString()} imported scores differ from the score recomputed from the file's judge probabilities`);
  if (problems.length) box.append(el("div", {class: "em-banner", role: "alert"}, el("strong", {}, "Incomplete data: "), problems.join("; ") + "."));
  return box;
}

/** The provenance of one experiment as a definition list. */
export function provenance(summary: Summary, e: ExperimentInfo): HTMLElement {
  const dl = el("dl", {class: "em-provenance"});
  const add = (k: string, v: string) => dl.append(el("dt", {}, k), el("dd", {}, v));
  add("Experiment file", `${e.file} (sha256 ${e.sha256.slice(0, 12)}…)`);
  add("Tool", `${summary.tool.name} ${summary.tool.version}`);
  if (e.generation) add("Generation", `temperature ${e.generation.temperature}, max_tokens ${e.generation.max_tokens}, seed ${e.generation.seed}`);
  for (const j of e.judges)
    add(
      `Judge ${j.id}`,
      `${j.model}; metrics ${j.metrics.join(", ")}; prompt sha256 ${Object.entries(j.prompt_sha256)
        .map(([m, h]) => `${m}:${h.slice(0, 8)}`)
        .join(" ")}`,
    );
  add(
    "Counts",
    `${e.counts.responses.toLocaleString()} responses, ${e.counts.scores.toLocaleString()} scores, ${e.counts.errors} errors, ${e.counts.skipped} skipped; ${e.counts.cache_hits.toLocaleString()} cache hits, ${e.counts.api_calls.toLocaleString()} API calls in the last run` +
      (e.counts.oversize_cut || e.counts.oversize_refused
        ? `; judge prompts over max_prompt_chars: ${(e.counts.oversize_cut ?? 0).toLocaleString()} answers cut, ${(e.counts.oversize_refused ?? 0).toLocaleString()} not sent (error rows)`
        : ""),
  );
  // Imported answers a judge gave no score at all (no score row): not judged by it, in none of its denominators.
  const notJudged = e.not_judged ?? 0;
  if (notJudged)
    add(
      "Not judged",
      `${notJudged.toLocaleString()} imported answer × judge pairs have no score from that judge (every score cell empty or absent): not judged by it, left out of its denominators; the answers column above counts each judge's judged answers only`,
    );
  add(
    "Tokens",
    `${e.usage.prompt_tokens.toLocaleString()} prompt, ${e.usage.completion_tokens.toLocaleString()} completion${e.usage.est_cost_usd !== null ? `; estimated cost $${e.usage.est_cost_usd.toFixed(2)}` : ""}`,
  );
  return dl;
}
