// The index of docs/validity.md: each interval, p-value, test or credible / none decision that a
// page or `em summarize` shows, the src/lib function that computes it, and the validity rows
// (quantity names of bench/validity/*.section.ts) that measure it. run.ts renders it above the
// sections with the rows' regimes and verdicts counted from the results, so a statistic with no
// row, or with rows only away from where users are, reads as such. test/unit/bench/validity/
// statistics.test.ts checks that every function named here exists and every row's quantity is
// indexed.

export interface ShownStatistic {
  /** What the reader sees. */
  statistic: string;
  /** Where: pages and CLI commands. */
  shown: string;
  /** The library functions behind it: `name` in `path` (exported from that file). */
  functions: readonly {name: string; path: string}[];
  /** Row quantities (exact) of the harness that measure it; empty when no row does. */
  quantities: readonly string[];
  /** Regimes users meet that no row measures (said plainly), or null. */
  unmeasured: string | null;
}

const f = (name: string, path: string) => ({name, path});
const INTERVALS = "src/lib/em/intervals.ts";
const CROSSED = "src/lib/em/crossed-intervals.ts";

export const STATISTICS: readonly ShownStatistic[] = [
  {
    statistic: "EM rate 95% interval, questions estimand (the default; ≈ when approximate)",
    shown: "overview tables, variant table, /sensitivity headline, /categories per category, /judges per judge, overview EM-along-step band; `em summarize`",
    functions: [f("summarize", "src/lib/em/summary.ts"), f("clusterWilson", INTERVALS)],
    quantities: ["rate CI, questions estimand"],
    unmeasured: "1-3 questions only at 7% (logit sd 1) and 20% (sd 0.5)",
  },
  {
    statistic: "EM rate 95% interval with response types excluded (excluded types never EM, kept in the denominator)",
    shown: '/sensitivity and /categories with "Exclude from EM" ticked; `em summarize --exclude-types`',
    functions: [f("summarize", "src/lib/em/summary.ts"), f("clusterWilson", INTERVALS)],
    quantities: ["EM rate CI with response types excluded, questions estimand"],
    unmeasured: "measured on the simulator's organisms only (medical, financial at two coordinates)",
  },
  {
    statistic: "EM rate 95% interval, answers estimand (`--estimand answers`)",
    shown: "`em summarize --estimand answers`, reports that ask for it",
    functions: [f("stratifiedWilson", INTERVALS)],
    quantities: ["rate CI, answers estimand"],
    unmeasured: null,
  },
  {
    statistic: "Per-question EM rate 95% interval (Wilson on one question's answers)",
    shown: "/categories per-question dots, /sensitivity per-question bars",
    functions: [f("wilson", "src/lib/em/wilson.ts")],
    quantities: ["rate CI, answers estimand"],
    unmeasured: "measured only as the one-question rows of the regimes section (rate 7%, 50 answers)",
  },
  {
    statistic: "Macro rate (mean of per-question rates) 95% interval",
    shown: "/categories AVERAGE column; `em summarize` (macro_ci)",
    functions: [f("macroRateCi", INTERVALS)],
    quantities: ["macro rate CI (mean of per-question rates), questions estimand"],
    unmeasured: null,
  },
  {
    statistic: "Per-checkpoint EM band on /transitions (answer-level Wilson of the checkpoint's answers)",
    shown: "/transitions main chart, report transition charts; `em summarize --transition` points",
    functions: [f("analyzeTransition", "src/lib/em/transition.ts"), f("wilson", "src/lib/em/wilson.ts")],
    quantities: ["per-checkpoint band on /transitions (answer-level Wilson), these questions"],
    unmeasured: null,
  },
  {
    statistic: "EM rate interval with 2+ training seeds (seeds x questions)",
    shown: "overview and variant tables, /sensitivity headline; `em summarize`",
    functions: [f("crossedRateCi", CROSSED), f("withSeeds", "src/lib/em/summary.ts")],
    quantities: ["rate CI with training seeds (group, questions estimand)"],
    unmeasured: "seeds with unequal answers or questions per seed",
  },
  {
    statistic: "Mean over seeds 95% interval",
    shown: "`em summarize --by variant --components`, variant table replicates",
    functions: [f("replicateSummary", "src/lib/em/summary.ts")],
    quantities: ["replicate (seed) interval of the mean over seeds"],
    unmeasured: null,
  },
  {
    statistic: "Variant − baseline 95% interval and its p (interval inverted)",
    shown: "variant table Δ column, overview baseline marks, /categories per-category Δ; `em summarize --baseline`",
    functions: [f("baselineDiffs", "src/lib/em/baseline.ts"), f("pairedTallyDiff", "src/lib/em/baseline.ts"), f("clusterDiffCi", INTERVALS)],
    quantities: [
      "variant - baseline interval",
      "type-I error of the variant - baseline interval (no difference)",
      "variant - baseline interval, unbalanced sides",
      "type-I error of the variant - baseline interval, unbalanced sides (no difference)",
    ],
    unmeasured: "per-category differences: the next line",
  },
  {
    statistic: "Per-category variant − baseline 95% interval over a category's 1-6 questions (≈ when approximate)",
    shown: '/categories "Against the baseline, per category" cells and tips; `em summarize --baseline --by variant,category`',
    functions: [f("baselineDiff", "src/lib/em/view-summary.ts"), f("baselineDiffs", "src/lib/em/baseline.ts"), f("pairedTallyDiff", "src/lib/em/baseline.ts")],
    quantities: ["per-category variant - baseline interval (/categories)", "type-I error of the per-category variant - baseline interval (no difference)"],
    unmeasured: "categories whose questions the two sides answered unequally",
  },
  {
    statistic: "Variant − baseline interval with training seeds",
    shown: "variant table, `em summarize --baseline` with replicate ids",
    functions: [f("clusterDiffCi", INTERVALS), f("crossedRateCi", CROSSED)],
    quantities: ["variant - baseline interval with training seeds", "type-I error of the variant - baseline interval with training seeds (no difference)"],
    unmeasured: null,
  },
  {
    statistic: "Holm and Benjamini-Hochberg adjusted p",
    shown: "/categories Δ chart marks, variant table; `em summarize --baseline`",
    functions: [f("holm", "src/lib/em/multiplicity.ts"), f("benjaminiHochberg", "src/lib/em/multiplicity.ts")],
    quantities: ["family-wise error of p_holm <= 0.05 (Holm)", "false discovery rate of p_bh <= 0.05 (Benjamini-Hochberg)"],
    unmeasured: null,
  },
  {
    statistic: "Strict EM 95% interval (broad EM typed `emergent`, out-of-domain questions)",
    shown: "/sensitivity headline, overview and variant strict cells; `em summarize`",
    // With 2+ training seeds of one variant, withSeeds replaces it by the seeds x questions interval on strict counts.
    functions: [
      f("summarizeTally", "src/lib/em/summary.ts"),
      f("clusterWilson", INTERVALS),
      f("withSeeds", "src/lib/em/summary.ts"),
      f("crossedRateCi", CROSSED),
    ],
    quantities: ["strict EM CI, questions estimand", "strict EM CI with training seeds (seeds x questions)"],
    unmeasured: "type exclusions (--exclude, the /sensitivity type toggles); cuts measured at two settings only",
  },
  {
    statistic: "Human-audit corrected EM rate 95% interval (pooled)",
    shown: "/audit headline, overview audit line; `em summarize --calibrate`",
    functions: [f("calibrateAudit", "src/lib/em/audit-design.ts"), f("calibrate", "src/lib/em/correction.ts")],
    quantities: ["calibration-corrected rate CI (pooled, 95%)"],
    unmeasured: null,
  },
  {
    statistic: "Human-audit corrected EM rate 95% interval per model (pooled Se / Sp, Rogan-Gladen, finite-population predictive)",
    shown: "/audit per-model table, overview audit table; `em summarize --calibrate`",
    functions: [f("calibrate", "src/lib/em/correction.ts"), f("groupShareDraw", "src/lib/em/correction.ts")],
    quantities: ["calibration-corrected rate CI per model (pooled Se and Sp, 95%)"],
    unmeasured: "a judge that errs differently per model (the stated assumption)",
  },
  {
    statistic: "Sensitivity, specificity and Se + Sp − 1 intervals; the judge-vs-chance decision",
    shown: "/audit facts line",
    functions: [f("calibrate", "src/lib/em/correction.ts")],
    quantities: [
      "judge sensitivity 95% CI (human audit)",
      "judge specificity 95% CI (human audit)",
      "Se + Sp - 1 (Youden's J) 95% CI (human audit)",
      "judge called better than chance (J's lower limit above 0.05) with Se + Sp - 1 at or below 0.05",
    ],
    unmeasured: "labels split by question (judge label x question strata)",
  },
  {
    statistic: "Two judges: question-paired test and McNemar's test",
    shown: "`em judges`",
    functions: [f("judgePairTest", "src/lib/em/judge-test.ts")],
    quantities: ["two judges: question-paired test of the EM-rate difference", "two judges: McNemar's exact test on answers"],
    unmeasured: "fewer than 8 questions",
  },
  {
    statistic: "Judge drift flag (anchor answers)",
    shown: "`em run` drift check",
    functions: [f("anchorDrift", "src/lib/em/drift.ts")],
    quantities: ["judge drift flagged with no shift", "judge drift flagged at a shift equal to the tolerance", "judge drift flagged at twice the tolerance"],
    unmeasured: null,
  },
  {
    statistic: "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
    shown: "/transitions table and chart, reports; `em summarize --transition`",
    functions: [
      f("fitLogistic", "src/lib/em/transition-fit.ts"),
      f("testTransition", "src/lib/em/transition-test.ts"),
      f("trendTest", "src/lib/em/transition-test.ts"),
      f("clusterTrend", "src/lib/em/transition-cluster.ts"),
      f("constancyPower", "src/lib/em/transition-test.ts"),
    ],
    quantities: [
      "transition midpoint 95% CI (profile, F(1, df) x midpoint phi)",
      "credible on a flat series",
      "credible on a linear ramp (p_linear)",
      "credible on rise-then-collapse",
      "p_constant < 0.05 on a flat series",
      "non_monotone on a flat series",
      "non_monotone on a linear ramp",
      "non_monotone on a monotone rise",
      "credible on mean aligned score, flat series",
      "credible on mean aligned score, linear ramp",
    ],
    unmeasured:
      "the midpoint interval at 5-6 checkpoints (its tests are measured at 4-6, log-spaced and uneven, with and without seeds, with strong question spread, on rises, rises and falls and late drops: transitions-few); more than 9 checkpoints with seeds except non_monotone and p_constant at 25 steps (transitions-few); the threshold grid's cells at cuts other than the rule's (each cut's per-question or per-seed cells, the series' own tests; the grid itself is not simulated; over its cell budget, 7+ values x questions or seeds > 200, its non_monotone is the pooled counts' test, measured in the rows 'pooled counts', and it says so: monotone_pooled)",
  },
  {
    statistic: "Change point (max-LR split) and its bootstrap p",
    shown: "/transitions table change-point column; `em summarize --transition`",
    functions: [f("changePoint", "src/lib/em/transition-change.ts")],
    quantities: ["change-point p < 0.05 on a flat series"],
    unmeasured: null,
  },
  {
    statistic: "Onset (first checkpoint credibly above the baseline)",
    shown: "/transitions table and chart (only when the transition is credible); `em summarize --transition`",
    functions: [f("onset", "src/lib/em/transition-change.ts"), f("analyzeTransition", "src/lib/em/transition.ts")],
    quantities: ["onset shown on a flat series (credible transitions only)", "onset shown before the rise (credible transitions only)"],
    unmeasured: "other than 11 checkpoints (7 are common); a baseline of more than one checkpoint",
  },
  {
    statistic: "Mechanism: rotation and gradient-norm change points, lag",
    shown: "/transitions mechanism panel; `em mechanism`",
    functions: [f("bumpChangePoint", "src/lib/mechanism/changepoint.ts"), f("lagInterval", "src/lib/mechanism/lag.ts")],
    quantities: [
      "rotation peak (k = 10) 95% CI (bootstrap + half checkpoint spacing)",
      "rotation peak (k = 5) 95% CI (bootstrap + half checkpoint spacing)",
      "gradient-norm peak 95% CI (AR sieve bootstrap, (B + 1) q order statistics)",
      "lag 95% CI (MOVER: EM midpoint profile interval, change-point interval)",
      "credible on a flat scalar (AR(1), phi 0.5)",
      "credible on the rotation (k = 10) of a B path that never turns",
      "credible on the rotation (k = 5) of a B path that never turns",
    ],
    unmeasured: null,
  },
  {
    statistic: "Variance components (seed, question, interaction, sample) 95% intervals",
    shown: "overview planner, `em summarize --components`",
    functions: [f("varianceComponents", "src/lib/em/components.ts")],
    quantities: [
      "variance component interval: seed",
      "variance component interval: question",
      "variance component interval: interaction",
      "variance component interval: sample",
    ],
    unmeasured: null,
  },
  {
    statistic: "Planned power of a design",
    shown: "overview planner, `em plan`",
    functions: [f("designPower", "src/lib/em/plan.ts")],
    quantities: ["em plan power vs power observed (variant - baseline interval excludes 0)"],
    unmeasured: null,
  },
];

/** Power rows that go with a statistic's test (reported, not judged): indexed with it. */
export const POWER_QUANTITIES: Readonly<Record<string, string>> = {
  "credible (power)": "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
  "non_monotone on rise-then-collapse (power)": "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
  "p_constant < 0.05 on a rise (power)": "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
  "p_constant < 0.05 on rise-then-collapse (power)": "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
  "non_monotone on a late drop (power)": "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
  "p_constant < 0.05 on a late drop (power)": "Transition credible / none, p_constant, non-monotone, midpoint 95% interval",
  "rotation peak (k = 10) credible (power)": "Mechanism: rotation and gradient-norm change points, lag",
  "rotation peak (k = 5) credible (power)": "Mechanism: rotation and gradient-norm change points, lag",
  "gradient-norm peak credible (power)": "Mechanism: rotation and gradient-norm change points, lag",
  "onset shown on a flat-then-rise series (power)": "Onset (first checkpoint credibly above the baseline)",
};
