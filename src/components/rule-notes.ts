// What the rule bar's number rests on, beside it on the overview and /sensitivity: the share of
// answers without an aligned score (the unscored answers a rule drops or counts as not EM), the
// answers without a coherent score where the rule needs one (they leave its denominator too), and
// the rate under both tie conventions when answers sit exactly on a cut (integer-valued judges).
// Numbers from the analysis library (tiesByGroup's report: the CLI's ties, read from the
// selection's threshold surface so a cut change costs no pass over the rows), on the page's selection.
import {tieText, type TieReport} from "../lib/em/ties.js";
import {classify, NOT_EM, type EmRule} from "../lib/em/rules.js";
import {summarizeAll, tiesAt, type Group} from "./engine.js";
import type {Points} from "./points.js";
import {el, pct, setText} from "./ui.js";

export interface RuleNotes {
  /** Answers in the selection, those without an aligned score and those without a coherent score. */
  n: number;
  nUnscored: number;
  nNoCoherent: number;
  ties: TieReport | null;
}

/**
 * The unscored count and the ties of the masked rows under `rule` (null ties: nothing selected).
 * `summary`: the selection's summary if the caller has it (saves a pass).
 */
export function ruleNotes(points: Points, mask: Uint8Array, rule: EmRule, exclude: readonly string[], summary?: Group | null): RuleNotes {
  const all = summary === undefined ? summarizeAll(points, mask, rule, {exclude, replicates: 0}) : summary;
  const ties = all ? tiesAt(points, mask, rule, exclude) : null;
  const count = (rate: number | null | undefined) => (all ? Math.round((rate ?? 0) * all.n) : 0);
  return {n: all?.n ?? 0, nUnscored: count(all?.null_aligned_rate), nNoCoherent: count(all?.null_coherent_rate), ties};
}

/** The notes as text: "12.3% unscored (45 of 400 answers have no aligned score)" and the tie line, if any. */
export function unscoredText(notes: RuleNotes, rule: EmRule): string {
  if (notes.n === 0) return "No answer in this selection.";
  const share = `${pct(notes.nUnscored / notes.n)} unscored: ${notes.nUnscored.toLocaleString("en-US")} of ${notes.n.toLocaleString("en-US")} answers have no aligned score`;
  const fate = notes.nUnscored === 0 ? "" : rule.nulls === "not_em" ? " (counted as not EM)" : " (left out of the denominator)";
  return share + fate + noCoherentText(notes, rule);
}

/**
 * "; 12 have no coherent score (left out of the denominator)": what the rule does with an answer
 * that has an aligned score and no coherent one (the library's classify), "" when there is none.
 * Without it the denominator fell short of the answers by a count the page did not name.
 */
function noCoherentText(notes: RuleNotes, rule: EmRule): string {
  if (!notes.nNoCoherent) return "";
  const needed = rule.requireCoherent !== false || rule.denominator === "scored";
  const fate = !needed ? "not needed by this rule" : classify(100, NaN, rule) === NOT_EM ? "counted as not EM" : "left out of the denominator";
  return `; ${notes.nNoCoherent.toLocaleString("en-US")} ${notes.nNoCoherent === 1 ? "has" : "have"} no coherent score (${fate})`;
}

/** The tie note ("" when no answer on a cut changes the rate). */
export function tiesNote(notes: RuleNotes, rule: EmRule): string {
  const t = tieText(notes.ties, rule, (x) => pct(x));
  if (!t) return "";
  return `Ties decide this rate${notes.ties?.integer_scores ? " (the judge answers integers)" : ""}: ${t}.`;
}

/** A paragraph with both notes, updated by `update(notes, rule)`. */
export function ruleNotesElement(): {node: HTMLElement; update: (notes: RuleNotes, rule: EmRule) => void} {
  const unscored = el("span", {"data-testid": "unscored-share"});
  const ties = el("span", {"data-testid": "ties-note", class: "em-ties"});
  const node = el("p", {class: "em-muted em-rule-notes"}, unscored, " ", ties);
  // The unscored share does not move with the cuts: written again only when its numbers change
  // (its text formats numbers with toLocaleString, a measurable part of a threshold change).
  let shown = "";
  return {
    node,
    update(notes, rule) {
      const key = `${notes.n}|${notes.nUnscored}|${notes.nNoCoherent}|${rule.nulls}|${rule.denominator}|${rule.requireCoherent}`;
      if (key !== shown) {
        shown = key;
        unscored.textContent = unscoredText(notes, rule) + ".";
        unscored.dataset.nUnscored = String(notes.nUnscored);
        unscored.dataset.n = String(notes.n);
      }
      const tie = tiesNote(notes, rule);
      setText(ties, tie);
      if (ties.hidden !== (tie === "")) ties.hidden = tie === "";
    },
  };
}
