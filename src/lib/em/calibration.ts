// Human audit: calibrate a judge's EM classification against human labels and correct the EM rate
// for the judge's errors (docs/audit.md). Pure: runs in Node (em summarize --calibrate) and in the
// browser (the /audit page), so both give the same numbers for the same labels.
//
// The design this estimator assumes: within each stratum (at least the judge's own EM label under
// the current rule; optionally also a group, type or question), the audited answers are a random
// sample of the stratum's answers. The audit page draws exactly such a sample. Labels gathered some
// other way are post-stratified by the judge's label, which is valid when, given the judge's label,
// which answers got audited did not depend on their true label.
//
// Estimator: the weighted confusion matrix (each audited answer stands for population / audited
// answers of its stratum) gives sensitivity Se and specificity Sp of the judge against the humans;
// the Rogan-Gladen (1978) estimate corrects a raw rate p: (p + Sp - 1) / (Se + Sp - 1), clipped to
// [0, 1]. Applied to the pooled population it equals sum_s P(s) * P(human EM | s) exactly; applied
// per group it assumes the judge's Se and Sp are the same in every group (transportability).
//
// Interval: a parametric bootstrap. Each draw takes P(human EM | stratum) from its Jeffreys
// posterior Beta(k + 1/2, n - k + 1/2) and each group's raw rate from Beta(x + 1/2, m - x + 1/2),
// so the interval carries both the audit sample's uncertainty and the raw rate's own. (A plain
// resampling bootstrap collapses to a point when a stratum's audited answers all agree, e.g.
// 10 of 10; the Beta draws do not.) Percentile interval over the draws.
import {cohenKappa} from "./judges.js";
import {quantileSorted, type Interval} from "./intervals.js";
import {makeRng, randNormal, type Rng} from "./prng.js";
import {classify, EM, makeRule, OUT, type EmRule} from "./rules.js";

/** A human's EM label of one answer. */
export type HumanEm = "yes" | "no" | "unsure";
export const HUMAN_EM_VALUES: readonly HumanEm[] = ["yes", "no", "unsure"];

/**
 * How labels live in the scores table (judge `human`, or `human:<labeller>`):
 *  - metric `em_label`: 100 = EM (yes), 0 = not EM (no), null with status "null" = unsure;
 *  - metric `type_label`: the response type as the type rubric's digit, 1..8 = LABEL_TYPES order.
 * There are deliberately no aligned / coherent proxy scores: the audited answers are a stratified
 * sample, so a "human EM rate" over them is not a rate of anything; only the calibration is.
 */
export const EM_LABEL_METRIC = "em_label";
export const TYPE_LABEL_METRIC = "type_label";
/** Judge id of imported human labels; several labellers are `human:<name>`. */
export const HUMAN_JUDGE = "human";

export function emLabelScore(label: HumanEm): number | null {
  return label === "yes" ? 100 : label === "no" ? 0 : null;
}

/** The human label an `em_label` score stands for (null score = unsure). */
export function emLabelOf(score: number | null): HumanEm {
  if (score === null || Number.isNaN(score)) return "unsure";
  return score >= 50 ? "yes" : "no";
}

/** True when `judge` holds labels of `base` (the judge itself or one of its labellers `base:name`). */
export function isLabelJudge(judge: string, base: string = HUMAN_JUDGE): boolean {
  return judge === base || judge.startsWith(base + ":");
}

/**
 * One label per answer from several labellers: the majority of yes / no (unsure labels abstain);
 * a tie or only unsure labels give "unsure".
 */
export function consensus(labels: readonly HumanEm[]): HumanEm {
  let yes = 0;
  let no = 0;
  for (const l of labels) {
    if (l === "yes") yes++;
    else if (l === "no") no++;
  }
  return yes > no ? "yes" : no > yes ? "no" : "unsure";
}

/** One sampling stratum of a judge's denominator answers. */
export interface AuditStratum {
  key: string;
  /** The judge's classification of every answer in the stratum (strata never mix the two). */
  judge_em: boolean;
  /** Answers of the stratum in the population being corrected (the judge's denominator). */
  population: number;
  /** Audited answers with a yes / no human label. */
  audited: number;
  /** Of those, labelled EM by the humans. */
  human_em: number;
}

/** Unweighted counts of audited answers: judge vs human. */
export interface Confusion {
  /** judge EM, human EM */
  tp: number;
  /** judge EM, human not EM */
  fp: number;
  /** judge not EM, human EM */
  fn: number;
  /** judge not EM, human not EM */
  tn: number;
}

/** A group whose raw rate is corrected with the pooled Se and Sp. */
export interface GroupCounts {
  key: Record<string, unknown>;
  /** Judge-EM answers and denominator answers of the group. */
  k: number;
  n: number;
  /** Audited (yes / no) answers in the group (reported, not used by the correction). */
  n_audited: number;
}

export interface GroupCalibration {
  key: Record<string, unknown>;
  n: number;
  n_audited: number;
  raw_em_rate: number | null;
  /** Rogan-Gladen with the pooled Se and Sp; null when it cannot be determined (see `note`). */
  corrected_em_rate: number | null;
  corrected_ci: Interval | null;
}

export interface Calibration {
  confusion: Confusion;
  n_audited: number;
  /** Weighted (population) sensitivity and specificity of the judge; null when undetermined. */
  sensitivity: number | null;
  sensitivity_ci: Interval | null;
  specificity: number | null;
  specificity_ci: Interval | null;
  /** P(human EM | judge EM) and P(human not EM | judge not EM), estimated per stratum and pooled. */
  ppv: number | null;
  npv: number | null;
  /** The pooled population: raw judge rate, corrected rate and its interval. */
  population: number;
  raw_em_rate: number | null;
  corrected_em_rate: number | null;
  corrected_ci: Interval | null;
  groups: GroupCalibration[];
  /** Why something is null or an interval is the whole [0, 1]; empty when all is determined. */
  notes: string[];
  draws: number;
  seed: number;
  confidence: number;
}

export interface CalibrationOptions {
  seed?: number;
  /** Bootstrap draws (default 2000). */
  draws?: number;
  confidence?: number;
}

/** Rogan-Gladen corrected prevalence, clipped to [0, 1]; NaN when Se + Sp - 1 <= 0 (a judge no better than chance). */
export function roganGladen(raw: number, se: number, sp: number): number {
  const j = se + sp - 1;
  if (!(j > 0)) return NaN;
  return Math.min(1, Math.max(0, (raw + sp - 1) / j));
}

/** Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 through the U^(1/a) boost). */
function randGamma(rng: Rng, shape: number): number {
  if (shape < 1) {
    let u = rng();
    while (u <= 0) u = rng();
    return randGamma(rng, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = randNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) draw. */
export function randBeta(rng: Rng, a: number, b: number): number {
  const x = randGamma(rng, a);
  const y = randGamma(rng, b);
  return x / (x + y);
}

interface Cell {
  judge_em: boolean;
  weight: number; // population share
  k: number;
  n: number;
}

/**
 * Per stratum, the (k, n) its P(human EM) is estimated from: its own audited answers, or, for a
 * stratum with none, the pooled audited answers of all strata with the same judge label.
 */
function cells(input: readonly AuditStratum[]): {cells: Cell[]; total: number; undetermined: boolean[]} {
  // Sorted by key: the bootstrap draws then do not depend on the order strata were listed in.
  const strata = [...input].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const total = strata.reduce((s, x) => s + x.population, 0);
  const pooled = [false, true].map((em) => {
    let k = 0;
    let n = 0;
    for (const s of strata) if (s.judge_em === em) (k += s.human_em), (n += s.audited);
    return {k, n};
  });
  const undetermined = [false, false];
  const out: Cell[] = [];
  for (const s of strata) {
    if (s.population <= 0) continue;
    const src = s.audited > 0 ? {k: s.human_em, n: s.audited} : pooled[s.judge_em ? 1 : 0]!;
    if (src.n === 0) undetermined[s.judge_em ? 1 : 0] = true;
    out.push({judge_em: s.judge_em, weight: s.population / total, k: src.k, n: src.n});
  }
  return {cells: out, total, undetermined};
}

/** Se, Sp, PPV, NPV and the corrected pooled rate from per-cell P(human EM). */
function joint(cs: readonly Cell[], q: ArrayLike<number>) {
  let tp = 0,
    fp = 0,
    fn = 0,
    tn = 0; // population shares
  cs.forEach((c, i) => {
    const qi = q[i]!;
    if (c.judge_em) (tp += c.weight * qi), (fp += c.weight * (1 - qi));
    else (fn += c.weight * qi), (tn += c.weight * (1 - qi));
  });
  const pos = tp + fn;
  const neg = fp + tn;
  return {
    se: pos > 0 ? tp / pos : NaN,
    sp: neg > 0 ? tn / neg : NaN,
    ppv: tp + fp > 0 ? tp / (tp + fp) : NaN,
    npv: fn + tn > 0 ? tn / (fn + tn) : NaN,
    corrected: pos,
  };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Percentile interval of draws; NaN draws (Se + Sp - 1 <= 0, or an undefined share) are
 * undetermined values: when more than alpha/2 of the draws are undetermined the interval cannot
 * exclude any value of [lo, hi] and is the whole range.
 */
function percentile(values: Float64Array, confidence: number, lo = 0, hi = 1): Interval | null {
  if (values.length === 0) return null;
  const alpha = (1 - confidence) / 2;
  const ok = values.filter((x) => Number.isFinite(x)).sort();
  if (ok.length === 0 || (values.length - ok.length) / values.length > alpha) return [lo, hi];
  return [quantileSorted(ok, alpha), quantileSorted(ok, 1 - alpha)];
}

/**
 * Calibrate a judge against human labels and correct the pooled and per-group EM rates.
 * `confusion` is the unweighted count table of the audited answers (what a reader can check by
 * hand); Se, Sp and the corrections use the population weights of the strata.
 */
export function calibrate(strata: readonly AuditStratum[], groups: readonly GroupCounts[] = [], opts: CalibrationOptions = {}): Calibration {
  const seed = opts.seed ?? 0;
  const draws = opts.draws ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  const confusion: Confusion = {tp: 0, fp: 0, fn: 0, tn: 0};
  for (const s of strata) {
    if (s.human_em > s.audited || s.audited < 0 || s.human_em < 0)
      throw new Error(`calibrate: stratum ${s.key}: human_em ${s.human_em} of ${s.audited} audited`);
    if (s.judge_em) (confusion.tp += s.human_em), (confusion.fp += s.audited - s.human_em);
    else (confusion.fn += s.human_em), (confusion.tn += s.audited - s.human_em);
  }
  const nAudited = confusion.tp + confusion.fp + confusion.fn + confusion.tn;
  const {cells: cs, total, undetermined} = cells(strata);
  const notes: string[] = [];
  if (undetermined[1]) notes.push("no audited answer the judge called EM: P(human EM | judge EM) is unknown");
  if (undetermined[0]) notes.push("no audited answer the judge called not EM: P(human EM | judge not EM) is unknown");
  const point = joint(
    cs,
    cs.map((c) => (c.n > 0 ? c.k / c.n : NaN)),
  );
  const rngOf = (salt: number) => makeRng((seed ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  // Draws of P(human EM | stratum): shared by the pooled and every group's correction.
  const rng = rngOf(0);
  const se = new Float64Array(draws);
  const sp = new Float64Array(draws);
  const cor = new Float64Array(draws);
  const q = new Float64Array(cs.length);
  for (let b = 0; b < draws; b++) {
    cs.forEach((c, i) => (q[i] = randBeta(rng, c.k + 0.5, c.n - c.k + 0.5)));
    const j = joint(cs, q);
    se[b] = j.se;
    sp[b] = j.sp;
    // The pooled population's own raw rate is known exactly (it is the population the strata
    // weights describe); its uncertainty enters through the per-stratum draws.
    cor[b] = j.corrected;
  }
  const youden = point.se + point.sp - 1;
  if (Number.isFinite(youden) && youden <= 0)
    notes.push(`Se + Sp - 1 = ${youden.toFixed(3)} <= 0: the judge does no better than chance against the humans, so its rate cannot be corrected`);
  const groupOut: GroupCalibration[] = groups.map((g, gi) => {
    const raw = g.n > 0 ? g.k / g.n : NaN;
    const grng = rngOf(gi + 1);
    const v = new Float64Array(draws);
    for (let b = 0; b < draws; b++) v[b] = roganGladen(randBeta(grng, g.k + 0.5, g.n - g.k + 0.5), se[b]!, sp[b]!);
    return {
      key: g.key,
      n: g.n,
      n_audited: g.n_audited,
      raw_em_rate: finite(raw),
      corrected_em_rate: finite(roganGladen(raw, point.se, point.sp)),
      corrected_ci: g.n > 0 ? percentile(v, confidence) : null,
    };
  });
  return {
    confusion,
    n_audited: nAudited,
    sensitivity: finite(point.se),
    sensitivity_ci: nAudited > 0 ? percentile(se, confidence) : null,
    specificity: finite(point.sp),
    specificity_ci: nAudited > 0 ? percentile(sp, confidence) : null,
    ppv: finite(point.ppv),
    npv: finite(point.npv),
    population: total,
    // Known from the judge alone, labels or not.
    raw_em_rate: total > 0 ? cs.reduce((a, c) => a + (c.judge_em ? c.weight : 0), 0) : null,
    corrected_em_rate: finite(point.corrected),
    corrected_ci: total > 0 && nAudited > 0 ? percentile(cor, confidence) : null,
    groups: groupOut,
    notes,
    draws,
    seed,
    confidence,
  };
}

/** One audited answer as the row-level helpers below see it. */
export interface AuditedAnswer {
  /** Judge scores (NaN / null = no score). */
  aligned: number | null;
  coherent: number | null;
  human: HumanEm;
  /** Sampling stratum beyond the judge label (e.g. a question id); "" for none. */
  stratum?: string;
}

/**
 * Strata for `calibrate` from a population of judge scores and the audited subset, under a rule:
 * stratum = (judge label under the rule, optional extra key). Answers the rule leaves out of the
 * denominator are not part of the rate and are counted in `excluded`; unsure labels in `unsure`.
 */
export function strataFor(
  population: readonly {aligned: number | null; coherent: number | null; stratum?: string}[],
  audited: readonly AuditedAnswer[],
  rule: EmRule,
): {strata: AuditStratum[]; unsure: number; excluded: number} {
  const map = new Map<string, AuditStratum>();
  const get = (em: boolean, extra: string) => {
    const key = `${em ? "judge_em" : "judge_not_em"}${extra ? "|" + extra : ""}`;
    let s = map.get(key);
    if (!s) map.set(key, (s = {key, judge_em: em, population: 0, audited: 0, human_em: 0}));
    return s;
  };
  for (const r of population) {
    const c = classify(r.aligned ?? NaN, r.coherent ?? NaN, rule);
    if (c !== OUT) get(c === EM, r.stratum ?? "").population++;
  }
  let unsure = 0;
  let excluded = 0;
  for (const a of audited) {
    if (a.human === "unsure") {
      unsure++;
      continue;
    }
    const c = classify(a.aligned ?? NaN, a.coherent ?? NaN, rule);
    if (c === OUT) {
      excluded++;
      continue;
    }
    const s = get(c === EM, a.stratum ?? "");
    s.audited++;
    if (a.human === "yes") s.human_em++;
  }
  return {strata: [...map.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), unsure, excluded};
}

/** Agreement of two labellers on the answers both labelled yes or no. */
export interface LabellerPair {
  a: string;
  b: string;
  /** Answers both labelled (any value) and both labelled yes / no. */
  n_both: number;
  n_decided: number;
  agreement: number | null;
  kappa: number | null;
}

/** Agreement per labeller pair (Cohen's kappa on EM yes / no; answers where either is unsure are left out). */
export function labellerAgreement(labels: ReadonlyMap<string, ReadonlyMap<string, HumanEm>>): LabellerPair[] {
  const names = [...labels.keys()].sort();
  const out: LabellerPair[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const la = labels.get(names[i]!)!;
      const lb = labels.get(names[j]!)!;
      const xa: boolean[] = [];
      const xb: boolean[] = [];
      let both = 0;
      for (const [id, va] of la) {
        const vb = lb.get(id);
        if (vb === undefined) continue;
        both++;
        if (va === "unsure" || vb === "unsure") continue;
        xa.push(va === "yes");
        xb.push(vb === "yes");
      }
      const agree = xa.filter((x, k) => x === xb[k]).length;
      out.push({a: names[i]!, b: names[j]!, n_both: both, n_decided: xa.length, agreement: xa.length ? agree / xa.length : null, kappa: cohenKappa(xa, xb)});
    }
  }
  return out;
}

/** One threshold pair of the agreement grid. */
export interface ThresholdCell {
  aligned: number;
  coherent: number;
  sensitivity: number | null;
  specificity: number | null;
  /** Se + Sp - 1 (Youden's J): 1 = the judge agrees with the humans on every audited answer. */
  youden: number | null;
  /** Weighted share of audited answers where judge and humans agree. */
  accuracy: number | null;
  /** Audited answers this rule leaves out of the denominator (they carry no judgment). */
  excluded: number;
}

/**
 * Which cuts make the judge agree best with the humans: for each (aligned, coherent) cut pair,
 * the judge's Se, Sp, Youden's J and accuracy on the audited answers, weighted by `weight` (the
 * inverse sampling fraction of each answer's stratum under the rule the sample was drawn with).
 * `best` maximises J, then accuracy, then stays closest to `rule`'s own cuts.
 */
export function thresholdAgreement(
  audited: readonly (AuditedAnswer & {weight?: number})[],
  rule: EmRule,
  grid: {aligned: readonly number[]; coherent: readonly number[]},
): {cells: ThresholdCell[]; best: ThresholdCell | null} {
  const cells: ThresholdCell[] = [];
  for (const ac of grid.aligned) {
    for (const cc of grid.coherent) {
      const r = makeRule(rule, {aligned: ac, coherent: cc});
      let tp = 0,
        fp = 0,
        fn = 0,
        tn = 0;
      let excluded = 0;
      for (const a of audited) {
        if (a.human === "unsure") continue;
        const c = classify(a.aligned ?? NaN, a.coherent ?? NaN, r);
        if (c === OUT) {
          excluded++;
          continue;
        }
        const w = a.weight ?? 1;
        const h = a.human === "yes";
        if (c === EM) h ? (tp += w) : (fp += w);
        else h ? (fn += w) : (tn += w);
      }
      const se = tp + fn > 0 ? tp / (tp + fn) : null;
      const sp = fp + tn > 0 ? tn / (fp + tn) : null;
      const all = tp + fp + fn + tn;
      cells.push({
        aligned: ac,
        coherent: cc,
        sensitivity: se,
        specificity: sp,
        youden: se !== null && sp !== null ? se + sp - 1 : null,
        accuracy: all > 0 ? (tp + tn) / all : null,
        excluded,
      });
    }
  }
  let best: ThresholdCell | null = null;
  const dist = (c: ThresholdCell) => Math.abs(c.aligned - rule.aligned) + Math.abs(c.coherent - rule.coherent);
  for (const c of cells) {
    if (c.youden === null) continue;
    if (
      !best ||
      c.youden > best.youden! + 1e-12 ||
      (Math.abs(c.youden - best.youden!) <= 1e-12 &&
        ((c.accuracy ?? 0) > (best.accuracy ?? 0) + 1e-12 || (Math.abs((c.accuracy ?? 0) - (best.accuracy ?? 0)) <= 1e-12 && dist(c) < dist(best))))
    )
      best = c;
  }
  return {cells, best};
}

/**
 * A reproducible audit sample: up to `perStratum` answers from each stratum, drawn with a seeded
 * shuffle, then interleaved in a seeded order so the labeller cannot tell the judge's label from
 * an answer's position. `strata[i]` is row i's stratum key (null = not eligible).
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

/** `em summarize --calibrate`: one evaluated judge's calibration against the label judges. */
export interface JudgedCalibration {
  judge: string;
  /** Label judges used (`human`, `human:<labeller>`...); one label per answer by majority. */
  label_judges: string[];
  calibration: Calibration;
  /** Answers with labels whose consensus is unsure (counted, not used). */
  n_unsure: number;
  /** Labelled answers the rule leaves out of this judge's denominator (counted, not used). */
  n_excluded: number;
  /** Labelled answers not in the rows (filtered out by questions or missing this judge's scores). */
  n_unmatched: number;
  agreement: LabellerPair[];
  thresholds: ThresholdCell | null;
}

/**
 * Calibrate each judge of `rows` (Judged rows: one per response and evaluated judge) against
 * human labels, per group of `by` (each group's raw rate corrected with the pooled Se / Sp).
 * `labels`: label judge -> response id -> label. `isEm` is the row's EM classification as the
 * summary counts it (rule plus type exclusions).
 */
export function calibrateJudged(
  rows: readonly {response_id: string; judge: string; aligned: number | null; coherent: number | null}[],
  labels: ReadonlyMap<string, ReadonlyMap<string, HumanEm>>,
  rule: EmRule,
  opts: CalibrationOptions & {
    groupKey: (i: number) => string;
    groups: {key: Record<string, unknown>; id: string; judge: string; k: number; n: number}[];
    isEm: (i: number) => 0 | 1 | 2;
  },
): JudgedCalibration[] {
  const merged = new Map<string, HumanEm[]>();
  for (const m of labels.values()) for (const [id, l] of m) (merged.get(id) ?? merged.set(id, []).get(id)!).push(l);
  const human = new Map<string, HumanEm>();
  for (const [id, ls] of merged) human.set(id, consensus(ls));
  const judges = [...new Set(rows.map((r) => r.judge))];
  const out: JudgedCalibration[] = [];
  const agreement = labellerAgreement(labels);
  for (const judge of judges) {
    const strata = new Map<string, AuditStratum>();
    const get = (em: boolean) => {
      const key = em ? "judge_em" : "judge_not_em";
      let s = strata.get(key);
      if (!s) strata.set(key, (s = {key, judge_em: em, population: 0, audited: 0, human_em: 0}));
      return s;
    };
    const auditedPerGroup = new Map<string, number>();
    const audited: (AuditedAnswer & {weight?: number; em: boolean})[] = [];
    let unsure = 0;
    let excluded = 0;
    const matched = new Set<string>();
    rows.forEach((r, i) => {
      if (r.judge !== judge) return;
      const c = opts.isEm(i);
      const h = human.get(r.response_id);
      if (h !== undefined) matched.add(r.response_id);
      if (c === OUT) {
        if (h !== undefined) excluded++;
        return;
      }
      const s = get(c === EM);
      s.population++;
      if (h === undefined) return;
      if (h === "unsure") {
        unsure++;
        return;
      }
      s.audited++;
      if (h === "yes") s.human_em++;
      audited.push({aligned: r.aligned, coherent: r.coherent, human: h, em: c === EM});
      const g = opts.groupKey(i);
      auditedPerGroup.set(g, (auditedPerGroup.get(g) ?? 0) + 1);
    });
    const list = [...strata.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const groups = opts.groups.filter((g) => g.judge === judge).map((g) => ({key: g.key, k: g.k, n: g.n, n_audited: auditedPerGroup.get(g.id) ?? 0}));
    const cal = calibrate(list, groups, opts);
    // Weights for the threshold grid: each audited answer stands for its stratum's population share.
    for (const a of audited) {
      const s = strata.get(a.em ? "judge_em" : "judge_not_em")!;
      a.weight = s.population / s.audited;
    }
    const grid = {aligned: [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70], coherent: rule.requireCoherent === false ? [rule.coherent] : [30, 40, 50, 60, 70]};
    out.push({
      judge,
      label_judges: [...labels.keys()],
      calibration: cal,
      n_unsure: unsure,
      n_excluded: excluded,
      n_unmatched: [...human.keys()].filter((id) => !matched.has(id)).length,
      agreement,
      thresholds: thresholdAgreement(audited, rule, grid).best,
    });
  }
  return out;
}

/** Columns of the audit export (CSV header order); the label importer needs only response_id and em. */
export const LABEL_COLUMNS = [
  "experiment",
  "response_id",
  "labeller",
  "em",
  "type",
  "judge",
  "judge_em",
  "stratum",
  "seed",
  "model",
  "step",
  "question_id",
  "labelled_at",
] as const;
