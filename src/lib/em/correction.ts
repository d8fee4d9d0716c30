// Judge-error correction of an EM rate from a stratified human audit (docs/audit.md). Pure.
//
// Input: the strata of the judge's denominator answers (the judge's own EM label, optionally
// crossed with a type or question), each with its size in the population and its audited answers.
// Within a stratum the audited answers are a random sample of the stratum (the design; see
// audit-design.ts, which builds the strata from labels that carry their design).
//
// Estimator: the weighted confusion matrix (each audited answer stands for population / audited
// answers of its stratum) gives sensitivity Se and specificity Sp of the judge against the humans;
// the pooled population's corrected rate is the stratified estimate sum_s P(s) P(human EM | s)
// (which is what Rogan-Gladen (1978), (p + Sp - 1) / (Se + Sp - 1), gives on the pooled raw rate,
// exactly, without dividing by Se + Sp - 1). Per group the group's raw rate is corrected with the
// pooled Se and Sp by Rogan-Gladen, clipped to [0, 1]: that assumes the judge errs alike in every
// group (transportability) and needs Se + Sp - 1 credibly above 0.
//
// Interval: a parametric bootstrap. Each draw takes P(human EM | stratum) from its Jeffreys
// posterior Beta(k + 1/2, n - k + 1/2) (with several strata per judge label, its concentration
// scaled to the stratum's plug-in sampling variance when 0 < k < n: concentrationScale), so the
// interval carries the audit sample's uncertainty. A group's interval is the finite-population
// predictive of its share of human EM (groupShareDraw): the group's judge-label rate from Beta(x + 1/2,
// m - x + 1/2), Rogan-Gladen with the draw's Se and Sp for its prevalence, then the human EM among
// its x judge-EM and m - x judge-not-EM answers drawn at that prevalence's PPV and 1 - NPV, so its
// width is the judge's misclassification noise given the group's answers, not the raw rate's whole
// binomial spread (which also holds the spread of the true share itself, not uncertain here). (A plain
// resampling bootstrap collapses to a point when a stratum's audited answers all agree, e.g.
// 10 of 10; the Beta draws do not.) The audited answers are part of the finite population being
// corrected: a draw keeps their labels and predicts only the unaudited rest of each stratum
// (Binomial(N - n, q)), so a stratum audited in full adds no width. Percentile interval over the draws,
// with the Jeffreys boundary rule (Brown, Cai & DasGupta 2001, 4.1.2) where the prior is Jeffreys'
// (one stratum per judge label): a judge label whose audited answers are all not EM adds no human
// EM to the lower limit's draws, one whose audited answers are all EM adds its whole rest to the
// upper limit's. Coverage is measured by
// bench/validity/calibration.section.ts (docs/validity.md).
import {quantileSorted, type Interval} from "./intervals.js";
import {makeRng, randNormal, type Rng} from "./prng.js";

/**
 * Lowest credible Se + Sp - 1 (Youden's J) for a per-group correction: when the lower end of J's
 * interval is at or below it, the judge cannot be told from chance well enough to divide by J, and
 * per-group corrected rates are reported as unknown (their range only) with a warning.
 */
export const JUDGE_INFORMATIVE_FLOOR = 0.05;

/**
 * A judge EM share under this, with the labels split over several strata per judge label (e.g. by
 * question): the corrected rate's interval is flagged conservative. Human EM among the judge's
 * not-EM answers is then rare and estimated stratum by stratum from none or a few labels, and the
 * interval covered 96.0-97.2% in every such simulated regime (rates 1% and 5%, 10 and 20 per judge
 * label x question), 96-98% in the studies the warning fired in, never below 95%; at a 15% rate
 * (judge share ~17%) it covered 94-95% and is not flagged. A one-parameter change of the blended prior (half its
 * uninformative part) brought 5% into the band (95.5% of 400) and pushed 1% out (97.5%), so the
 * product says so instead (bench/validity/calibration.section.ts, docs/validity.md).
 */
export const RARE_JUDGE_EM = 0.1;

/**
 * Measured coverage of the per-group corrected rate's 95% interval: the lowest and highest of the
 * per-model rows of docs/validity.md (audit-groups section: two models, one judge erring alike for both,
 * 60 labels per judge label or 200 at random; `reps` simulated audits x 2 models each).
 * test/unit/lib/em/correction.coverage-labels.test.ts fails when bench/results/validity.json says otherwise.
 * The interval covers more than 95% there (on the same simulated audits the earlier draw covered
 * 97.8-99.6%). A likely source, not verified: with 60 labels per judge label the judge's not-EM answers
 * hold 0-2 audited EM, and that small count's Jeffreys tail reaches every group's rate through
 * 1 / (Se + Sp - 1). The product says so (GROUP_CI_NOTE) rather than narrow it by hand.
 */
export const GROUP_CI_COVERAGE = {low: 0.973, high: 0.991, regimes: 3, reps: 800} as const;

/** The note beside every per-group corrected interval (/audit and overview tables, `em summarize --calibrate`). */
export const GROUP_CI_NOTE = `per-group (per-model) corrected intervals are conservative: in simulated audits (two models, one judge erring alike for both) they covered ${(100 * GROUP_CI_COVERAGE.low).toFixed(1)}-${(100 * GROUP_CI_COVERAGE.high).toFixed(1)}% of the true rate, not 95% (docs/validity.md, audit-groups section)`;

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
  /**
   * Rogan-Gladen with the pooled Se and Sp; null when it cannot be determined (see `notes`) or
   * when the judge is not credibly better than chance (see `warnings`; `corrected_ci` is then the
   * range the data allow, not an interval around a point).
   */
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
  /** Se + Sp - 1 (Youden's J) and its interval; null when undetermined. */
  youden: number | null;
  youden_ci: Interval | null;
  /**
   * True when J's interval lies above JUDGE_INFORMATIVE_FLOOR (the judge is credibly better than
   * chance, so per-group Rogan-Gladen corrections are shown); false otherwise (they are unknown).
   */
  judge_informative: boolean;
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
  /** What the reader must see beside the numbers (a judge not credibly better than chance). */
  warnings: string[];
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

/**
 * Scale of the Beta posterior's concentration of a stratum with audited answers on both sides
 * (0 < k < n) in a judge label split into several strata (e.g. by question): the blended prior gives
 * it n + 1 (posterior variance m(1-m)/(n+2)); scaled to n - 1, the variance is m(1-m)/n, the
 * plug-in sampling variance of the stratum's share, and the mean is unchanged. Per stratum the gap
 * is small, but the corrected rate sums the strata into a near-normal total, so the posterior's
 * variance deficit alone set its coverage: 16 strata of 10 audited answers covered 92.8% at a 32%
 * rate (800 seeded studies), 94.9% scaled. With one stratum per judge label the posterior is
 * Jeffreys' and its interval is already calibrated (95.4% at a 32% rate with 60 per label, 800
 * studies); scaling it there too over-covered (97.3-97.8% with 20 per label at 1-15%), so it is not
 * applied. Strata with k = 0 or k = n keep the prior's weight. Coverage:
 * bench/validity/calibration.section.ts.
 */
export function concentrationScale(n: number): number {
  return n >= 2 ? (n - 1) / (n + 1) : 1;
}

interface Cell {
  judge_em: boolean;
  weight: number; // population share
  k: number;
  n: number;
  /** Answers of the stratum in the population, and how many of them are the audited k / n (0 when borrowed from the pooled label). */
  population: number;
  own: number;
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
    out.push({
      judge_em: s.judge_em,
      weight: s.population / total,
      k: src.k,
      n: src.n,
      population: s.population,
      own: s.audited > 0 ? Math.min(s.audited, s.population) : 0,
    });
  }
  return {cells: out, total, undetermined};
}

/**
 * Binomial(n, p) draw: exact (n Bernoulli draws) for n <= 40, else the normal approximation
 * rounded and clamped to [0, n] (the finite-population part of a stratum, where only its share matters).
 */
function randBinomial(rng: Rng, n: number, p: number): number {
  if (n <= 0) return 0;
  if (n <= 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng() < p) k++;
    return k;
  }
  return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * randNormal(rng))));
}

/**
 * Binomial(n, p) draw for a group's predictive: by inversion of the CDF (exact) when the smaller
 * expected count n min(p, 1 - p) is under 30, else the normal approximation rounded and clamped.
 * (randBinomial's normal approximation for n > 40 is far off at a 1% rate's few expected counts; the
 * pooled strata keep theirs, whose coverage the calibration section measured.)
 */
function randBinomialInv(rng: Rng, n: number, p: number): number {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const r = flip ? 1 - p : p;
  if (n * r >= 30) return randBinomial(rng, n, p);
  const s = r / (1 - r);
  let f = (1 - r) ** n;
  let u = rng();
  let x = 0;
  while (u > f && x < n) {
    u -= f;
    f *= (s * (n - x)) / (x + 1);
    x++;
  }
  return flip ? n - x : x;
}

/**
 * One draw of a group's share of human EM (the finite-population predictive under pooled Se and Sp):
 * its judge-label rate from the Jeffreys posterior Beta(k + 1/2, n - k + 1/2), the prevalence p that
 * rate implies under (se, sp) (Rogan-Gladen, clipped), then the human EM among the group's k judge-EM
 * answers at P(human EM | judge EM) = Se p / (Se p + (1 - Sp)(1 - p)) and among its n - k others at
 * (1 - Se) p / (1 - Se p - (1 - Sp)(1 - p)). Its spread given Se and Sp is the judge's
 * misclassification noise, (p Se (1 - Se) + (1 - p) Sp (1 - Sp)) / (n J^2) with J = Se + Sp - 1 (the
 * variance of Rogan-Gladen minus the group's true share), not the raw rate's p_raw (1 - p_raw) / (n J^2),
 * which also holds the spread of the true share over repeated groups: with it the per-model interval
 * covered 98.5-99.6% (docs/validity.md, regimes section). NaN when J <= 0.
 */
export function groupShareDraw(rng: Rng, k: number, n: number, se: number, sp: number): number {
  if (!(se + sp - 1 > 0) || n <= 0) return NaN;
  const p = roganGladen(randBeta(rng, k + 0.5, n - k + 0.5), se, sp);
  const judged = se * p + (1 - sp) * (1 - p);
  const ppv = judged > 0 ? (se * p) / judged : 0;
  const miss = judged < 1 ? ((1 - se) * p) / (1 - judged) : 1;
  return (randBinomialInv(rng, k, ppv) + randBinomialInv(rng, n - k, miss)) / n;
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

/** Lower limit from the lower draws, upper limit from the upper draws (both percentile). */
function boundaryInterval(lo: Float64Array, hi: Float64Array, confidence: number): Interval | null {
  const a = percentile(lo, confidence);
  const b = percentile(hi, confidence);
  return a && b ? [a[0], b[1]] : null;
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
  // Prior of each stratum's P(human EM): Jeffreys' weight of one observation, of which 1/S is
  // uninformative (Beta(1/(2S), 1/(2S))) and the rest centred on the pooled share m of the S strata
  // of its judge label: Beta(k + 1/(2S) + (1 - 1/S) m, n - k + 1/(2S) + (1 - 1/S)(1 - m)). One
  // stratum per label: plain Jeffreys. (A full Jeffreys prior in each of 8 sparse question strata
  // added ~1/(2 n_s) to each: 36% coverage at a 5% rate; a purely uninformative split under-covered
  // at 40%, a purely pooled one at 5%. This blend: 93-98% in bench/validity/calibration.section.ts.)
  const nStrata = [0, 0];
  for (const c of cs) nStrata[c.judge_em ? 1 : 0]!++;
  const pooledM = [false, true].map((em) => {
    let k = 0;
    let n = 0;
    for (const s of strata) if (s.judge_em === em) (k += s.human_em), (n += s.audited);
    return (k + 0.5) / (n + 1);
  });
  const se = new Float64Array(draws);
  const sp = new Float64Array(draws);
  const corLo = new Float64Array(draws);
  const corHi = new Float64Array(draws);
  const q = new Float64Array(cs.length);
  const qLo = new Float64Array(cs.length);
  const qHi = new Float64Array(cs.length);
  // Finite population (Cochran 1977, 5.3): the corrected rate is the share of human EM among the
  // judge's denominator answers, and a stratum's audited answers are part of it. Each draw keeps
  // the audited answers' own labels and predicts only the unaudited rest, Binomial(N - n, q) with
  // q the stratum's posterior draw (the Bayesian finite-population predictive), so a stratum
  // audited in full contributes no uncertainty. Without it small strata sampled heavily made the
  // interval conservative (97-99% coverage with 20 per judge label x question, docs/validity.md).
  const frng = rngOf(-1);
  for (let b = 0; b < draws; b++) {
    cs.forEach((c, i) => {
      const g = c.judge_em ? 1 : 0;
      const a = 0.5 / nStrata[g]!;
      const w = 1 - 1 / nStrata[g]!;
      const f = nStrata[g]! > 1 && c.k > 0 && c.k < c.n ? concentrationScale(c.n) : 1;
      const qi = randBeta(rng, f * (c.k + a + w * pooledM[g]!), f * (c.n - c.k + a + w * (1 - pooledM[g]!)));
      const known = c.own > 0 ? c.k : 0;
      const rest = c.population - c.own;
      q[i] = c.population > 0 ? (known + randBinomial(frng, rest, qi)) / c.population : qi;
      // Boundary rule of the Jeffreys interval (Brown, Cai & DasGupta 2001, 4.1.2), per stratum:
      // a stratum whose audited answers are all not EM (k = 0) adds no human EM to the draws the
      // lower limit is read from, and one whose audited answers are all EM (k = n) adds its whole
      // unaudited rest to the upper limit's. Without it the Jeffreys prior's half success in a
      // large 0-of-20 judge-not-EM stratum lifted the lower limit above a 1% truth (91% coverage).
      // Only where the prior is Jeffreys' (one stratum per judge label): the blended prior of S
      // strata gives each 1/S of that weight, and the rule there over-covered (97-98% at 1-5% with
      // 10-20 per judge label x question).
      const boundary = nStrata[g] === 1 && c.population > 0;
      qLo[i] = boundary && c.k === 0 ? known / c.population : q[i]!;
      qHi[i] = boundary && c.k === c.n ? (known + rest) / c.population : q[i]!;
    });
    corLo[b] = joint(cs, qLo).corrected;
    corHi[b] = joint(cs, qHi).corrected;
    const j = joint(cs, q);
    se[b] = j.se;
    sp[b] = j.sp;
  }
  const youden = point.se + point.sp - 1;
  const yd = new Float64Array(draws);
  for (let b = 0; b < draws; b++) yd[b] = se[b]! + sp[b]! - 1;
  const youdenCi = nAudited > 0 ? percentile(yd, confidence, -1, 1) : null;
  // Credibly better than chance: J's whole interval above the floor. Otherwise dividing by J
  // turns noise into any rate (a 30% raw rate into 100%), so per-group corrections are unknown.
  const informative = youdenCi !== null && Number.isFinite(youden) && youdenCi[0] > JUDGE_INFORMATIVE_FLOOR;
  const warnings: string[] = [];
  if (nAudited > 0 && !informative)
    warnings.push(
      `Se + Sp - 1 = ${Number.isFinite(youden) ? youden.toFixed(2) : "unknown"}${youdenCi ? ` [${youdenCi[0].toFixed(2)}, ${youdenCi[1].toFixed(2)}]` : ""} is not credibly above ${JUDGE_INFORMATIVE_FLOOR}: the labels cannot tell this judge from chance, so judge-corrected rates of other groups are unknown (only their range is shown); label more answers`,
    );
  const rawRate = total > 0 ? cs.reduce((a, c) => a + (c.judge_em ? c.weight : 0), 0) : null;
  const split = Math.max(nStrata[0]!, nStrata[1]!);
  if (nAudited > 0 && split > 1 && rawRate !== null && rawRate < RARE_JUDGE_EM)
    warnings.push(
      `the judge calls ${(100 * rawRate).toFixed(1)}% of these answers EM (under ${100 * RARE_JUDGE_EM}%) and the labels are split over up to ${split} strata per judge label: human EM among the judge's not-EM answers is estimated stratum by stratum from few labels, so the corrected rate's interval is conservative (covers more than 95%: 96-98% in simulations)`,
    );
  // Every per-group interval carries its measured coverage (GROUP_CI_COVERAGE): above 95%.
  if (groups.length > 0 && nAudited > 0) notes.push(GROUP_CI_NOTE);
  const groupOut: GroupCalibration[] = groups.map((g, gi) => {
    const raw = g.n > 0 ? g.k / g.n : NaN;
    const grng = rngOf(gi + 1);
    const v = new Float64Array(draws);
    for (let b = 0; b < draws; b++) v[b] = groupShareDraw(grng, g.k, g.n, se[b]!, sp[b]!);
    return {
      key: g.key,
      n: g.n,
      n_audited: g.n_audited,
      raw_em_rate: finite(raw),
      corrected_em_rate: informative ? finite(roganGladen(raw, point.se, point.sp)) : null,
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
    youden: finite(youden),
    youden_ci: youdenCi,
    judge_informative: informative,
    ppv: finite(point.ppv),
    npv: finite(point.npv),
    population: total,
    // Known from the judge alone, labels or not.
    raw_em_rate: rawRate,
    corrected_em_rate: finite(point.corrected),
    corrected_ci: total > 0 && nAudited > 0 ? boundaryInterval(corLo, corHi, confidence) : null,
    groups: groupOut,
    notes,
    warnings,
    draws,
    seed,
    confidence,
  };
}
