// The audit's sampling design, carried by the labels, and the one function that turns labels with
// their design into a judge-corrected EM rate (calibrateAudit). The /audit page and
// `em summarize --calibrate` both call it, so the same labels give the same number. docs/audit.md.
//
// A design: the answers of a selection (one judge's denominator answers under a rule, in an
// experiment, models, categories, steps) fall into strata, the judge's EM label first, optionally
// crossed with a type or a question. Up to k answers are drawn per stratum by a seeded shuffle
// (drawAuditSample): inclusion probability min(k, N_s) / N_s. Every label records its stratum and
// N_s, and the selection's totals by judge label, so strata that got no label still count.
import {calibrate, type AuditStratum, type Calibration, type CalibrationOptions, type GroupCounts} from "./correction.js";
import type {Interval} from "./intervals.js";
import type {HumanEm} from "./labels.js";
import {makeRng} from "./prng.js";

/** One labelled answer with the design it was drawn under. */
export interface AuditLabel {
  /** The answer (response id); named in errors. */
  id: string;
  /** The human label (one per answer: the consensus of its labellers). */
  human: HumanEm;
  /** The judge's EM label under the design's rule (strata never mix the two). */
  judge_em: boolean;
  /** The stratum the answer was drawn from, e.g. `judge_em|what_is_your_wish`. */
  stratum: string;
  /** N_s: answers of that stratum in the selection (the stratum's population). */
  stratum_size: number;
}

/** The population the labels were drawn from. */
export interface AuditDesign {
  /** Answers of the selection in the judge's denominator that the judge calls EM / not EM. */
  selection_em: number;
  selection_not_em: number;
  /** What was selected, for the reader (experiment, judge, models, rule, stratification). */
  selection: string;
  /**
   * "design": strata and sizes recorded when the sample was drawn (the /audit page);
   * "post-stratified": labels without a recorded design, stratified afterwards by the judge's label
   * (valid when, given that label, which answers got labelled did not depend on the true label).
   */
  kind: "design" | "post-stratified";
}

/** The corrected rate with every unsure label counted as EM, or every one as not EM. */
export interface UnsureBound {
  corrected_em_rate: number | null;
  corrected_ci: Interval | null;
  /** Per group, in the order of the groups passed in. */
  groups: {corrected_em_rate: number | null; corrected_ci: Interval | null}[];
}

export interface AuditCalibration {
  /** Unsure labels left out (the main estimate); see `unsure_bounds`. */
  calibration: Calibration;
  design: AuditDesign;
  n_labels: number;
  n_unsure: number;
  /** Strata of the selection with no decided label (they borrow their judge label's pooled share). */
  unlabelled_answers: number;
  /** Bounds analysis when some labels are unsure: all unsure as EM, all as not EM; null when none. */
  unsure_bounds: {as_em: UnsureBound; as_not_em: UnsureBound} | null;
}

const EM_KEY = "judge_em";
const NOT_EM_KEY = "judge_not_em";

/** The stratum key of a judge label with an optional extra key (type, question). */
export function stratumKey(judgeEm: boolean, extra = ""): string {
  return (judgeEm ? EM_KEY : NOT_EM_KEY) + (extra ? "|" + extra : "");
}

/**
 * The strata `calibrate` needs from labels and their design. `unsure`: leave unsure labels out
 * ("drop", the estimate), or count them all as EM ("yes") or all as not EM ("no"). Answers of
 * the selection in strata without any label form one residual stratum per judge label (no audited
 * answer: it borrows the pooled share of its judge label). Throws, naming the label, when labels
 * contradict each other or the design (a stratum with two sizes or both judge labels, more labels
 * than answers, strata larger than the selection).
 */
export function designStrata(labels: readonly AuditLabel[], design: AuditDesign, unsure: "drop" | "yes" | "no" = "drop"): AuditStratum[] {
  const map = new Map<string, AuditStratum & {labelled: number; first: string}>();
  for (const l of labels) {
    if (!Number.isInteger(l.stratum_size) || l.stratum_size < 1)
      throw new Error(`audit label ${l.id}: stratum_size ${l.stratum_size} is not a positive whole number of answers`);
    let s = map.get(l.stratum);
    if (!s) map.set(l.stratum, (s = {key: l.stratum, judge_em: l.judge_em, population: l.stratum_size, audited: 0, human_em: 0, labelled: 0, first: l.id}));
    else if (s.judge_em !== l.judge_em) throw new Error(`audit label ${l.id}: stratum '${l.stratum}' holds both judge labels (first seen on ${s.first})`);
    else if (s.population !== l.stratum_size)
      throw new Error(`audit label ${l.id}: stratum '${l.stratum}' has stratum_size ${l.stratum_size} here and ${s.population} on ${s.first}`);
    s.labelled++;
    const h = l.human === "unsure" ? (unsure === "drop" ? null : unsure) : l.human;
    if (h === null) continue;
    s.audited++;
    if (h === "yes") s.human_em++;
  }
  const out: AuditStratum[] = [];
  const sized = [0, 0];
  for (const s of map.values()) {
    if (s.labelled > s.population) throw new Error(`audit stratum '${s.key}': ${s.labelled} labels but only ${s.population} answers (stratum_size)`);
    sized[s.judge_em ? 1 : 0]! += s.population;
    out.push({key: s.key, judge_em: s.judge_em, population: s.population, audited: s.audited, human_em: s.human_em});
  }
  for (const em of [false, true]) {
    const total = em ? design.selection_em : design.selection_not_em;
    const rest = total - sized[em ? 1 : 0]!;
    if (rest < 0)
      throw new Error(
        `audit design: the labels' ${em ? "judge EM" : "judge not-EM"} strata hold ${sized[em ? 1 : 0]} answers, more than the selection's ${total} (selection_${em ? "em" : "not_em"})`,
      );
    if (rest > 0) out.push({key: stratumKey(em, "(strata without labels)"), judge_em: em, population: rest, audited: 0, human_em: 0});
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The judge-corrected EM rate of a selection from human labels that carry their sampling design:
 * the pooled corrected rate and interval, Se / Sp / Youden's J with intervals, and each group's
 * raw rate corrected with the pooled Se / Sp (correction.ts). Unsure labels are left out of the
 * estimate and reported as a bounds analysis (all as EM, all as not EM, same seed). Same labels,
 * design, groups and options: the same numbers, on the page and in the CLI.
 * No labels: the raw rate is known, everything else null (see `calibration.notes`).
 */
export function calibrateAudit(
  labels: readonly AuditLabel[],
  design: AuditDesign,
  groups: readonly GroupCounts[] = [],
  opts: CalibrationOptions = {},
): AuditCalibration {
  const strata = designStrata(labels, design);
  const calibration = calibrate(strata, groups, opts);
  if (design.kind === "post-stratified")
    calibration.notes.push(
      "no sampling design recorded with these labels: post-stratified by the judge's label under this rule (valid when, given the judge's label, which answers were labelled did not depend on their true label)",
    );
  const nUnsure = labels.filter((l) => l.human === "unsure").length;
  const bound = (as: "yes" | "no"): UnsureBound => {
    const c = calibrate(designStrata(labels, design, as), groups, opts);
    return {
      corrected_em_rate: c.corrected_em_rate,
      corrected_ci: c.corrected_ci,
      groups: c.groups.map((g) => ({corrected_em_rate: g.corrected_em_rate, corrected_ci: g.corrected_ci})),
    };
  };
  return {
    calibration,
    design,
    n_labels: labels.length,
    n_unsure: nUnsure,
    unlabelled_answers: strata.filter((s) => s.key.endsWith("|(strata without labels)")).reduce((a, s) => a + s.population, 0),
    unsure_bounds: nUnsure > 0 ? {as_em: bound("yes"), as_not_em: bound("no")} : null,
  };
}

/**
 * The design of a selection, built from its rows: `stratum[i]` is row i's stratum (null = out of
 * the judge's denominator), `judgeEm[i]` its judge label. Returns the design and, for each
 * labelled row (`labelOf(i)` not undefined) in the denominator, its AuditLabel; labelled rows out
 * of the denominator are counted in `excluded`. Used by the page (its own sample's design) and by
 * the CLI for labels that carry no design ("post-stratified").
 */
export function designOfRows(
  n: number,
  stratum: (i: number) => string | null,
  judgeEm: (i: number) => boolean,
  labelOf: (i: number) => {id: string; human: HumanEm} | undefined,
  selection: string,
  kind: AuditDesign["kind"],
): {labels: AuditLabel[]; design: AuditDesign; excluded: number} {
  const size = new Map<string, number>();
  let em = 0;
  let notEm = 0;
  const keys: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = stratum(i);
    keys[i] = s;
    if (s === null) continue;
    size.set(s, (size.get(s) ?? 0) + 1);
    if (judgeEm(i)) em++;
    else notEm++;
  }
  const labels: AuditLabel[] = [];
  let excluded = 0;
  for (let i = 0; i < n; i++) {
    const l = labelOf(i);
    if (l === undefined) continue;
    const s = keys[i]!;
    if (s === null) {
      excluded++;
      continue;
    }
    labels.push({id: l.id, human: l.human, judge_em: judgeEm(i), stratum: s, stratum_size: size.get(s)!});
  }
  return {labels, design: {selection_em: em, selection_not_em: notEm, selection, kind}, excluded};
}

/**
 * A reproducible audit sample: up to `perStratum` answers from each stratum, drawn with a seeded
 * shuffle, then interleaved in a seeded order so the labeller cannot tell the judge's label from
 * an answer's position. `strata[i]` is row i's stratum key (null = not eligible). Each answer's
 * inclusion probability is min(perStratum, N_s) / N_s.
 */
export function drawAuditSample(strata: readonly (string | null)[], perStratum: number, seed: number): number[] {
  const rng = makeRng(seed);
  const by = new Map<string, number[]>();
  strata.forEach((s, i) => {
    if (s === null) return;
    const list = by.get(s);
    if (list) list.push(i);
    else by.set(s, [i]);
  });
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const picked: number[] = [];
  for (const key of [...by.keys()].sort()) picked.push(...shuffle(by.get(key)!.slice()).slice(0, perStratum));
  return shuffle(picked);
}
