// The constancy test on few coordinates (4-6: dose sweeps of adapter scales, a few checkpoints):
// the trend test below TREND_TEST_BELOW points, its power statement (constancyPower) against a
// seeded simulation, the monotonicity test's dispersion, and a new user's dose study.
import assert from "node:assert/strict";
import test from "node:test";
import {
  analyzeOnScale,
  clusterLevel,
  clusterTrend,
  constancyPower,
  fitLogistic,
  makeRng,
  monotoneDispersion,
  nonMonotoneAt,
  testTransition,
  TREND_TEST_BELOW,
  trendTest,
  type TransitionPoint,
} from "../../../../src/lib/em/index.ts";
import {FEW_SHAPES, simulateFew} from "../../../../bench/validity/transitions-few.section.ts";
import {transitionView} from "../../../../src/components/transitions-table.ts";
import {pointsWithCells} from "../../../../src/lib/em/transition-points.ts";
import {GRID_CELL_SURFACES, transitionSensitivity, transitionsBy} from "../../../../src/lib/em/series.ts";
import {BETLEY} from "../../../../src/lib/em/rules.ts";
import type {Judged} from "../../../../src/lib/schema.ts";

// The mine-dose study of a new user (adapter scales 0-8, log axis, 3 seeds x 10 questions, ~4,000
// answers per scale): EM rises from 2.3% to 30.8%. The logistic's quasi-F(3, 1) test could not
// reject a constant rate (p = 0.116); the 1-df trend test on 3 residual df does.
const MINE_DOSE = [
  [0, 51, 4235],
  [0.5, 96, 4239],
  [1, 266, 4199],
  [2, 686, 4140],
  [4, 1195, 3876],
  [8, 544, 1828],
].map(([x, k, n]) => ({x: x!, k: k!, n: n!}));

test("a new user's 5-scale dose study (2.3% -> 30.8%): the rate changes (trend test p < 0.05), never 'no evidence'", () => {
  const r = analyzeOnScale(MINE_DOSE, "log", makeRng(1), {replicates: 0, profile: false});
  assert.equal(r.test.constant_test, "trend");
  assert.ok(r.test.p_constant! < 0.05, `p_constant ${r.test.p_constant}`);
  assert.notEqual(r.test.verdict, "flat");
  const {why} = transitionView(r);
  assert.match(why, /the rate changes \(p = 0\.0\d\d for a constant rate\)/);
  assert.doesNotMatch(why, /no evidence/);
});

test("trendTest: null below 3 coordinates; 1-df LR on m - 2 residual df; p = 1 on equal rates", () => {
  assert.equal(
    trendTest([
      {x: 0, k: 1, n: 10},
      {x: 1, k: 2, n: 10},
    ]),
    null,
  );
  const t = trendTest([0, 1, 2, 3, 4].map((x) => ({x, k: 20, n: 200})))!;
  assert.equal(t.df, 3);
  assert.equal(t.p, 1);
  const rising = trendTest([0, 1, 2, 3, 4].map((x) => ({x, k: 10 + 10 * x, n: 200})))!;
  // 5% -> 25% over 200 answers each: LR ~40, but F(1, 3) has heavy tails (p ~0.008).
  assert.ok(rising.p < 0.01 && rising.lr > 20, JSON.stringify(rising));
});

test(`testTransition: below ${TREND_TEST_BELOW} coordinates p_constant is the trend test's; from ${TREND_TEST_BELOW} the logistic's`, () => {
  const five: TransitionPoint[] = [0, 1, 2, 3, 4].map((x) => ({x, k: [10, 14, 30, 52, 60][x]!, n: 200}));
  const t5 = testTransition(five, null);
  assert.equal(t5.constant_test, "trend");
  assert.equal(t5.p_constant, trendTest(five)!.p);
  const seven: TransitionPoint[] = [0, 1, 2, 3, 4, 5, 6].map((x) => ({x, k: [10, 12, 14, 30, 52, 58, 60][x]!, n: 200}));
  const t7 = testTransition(seven, fitLogistic(seven, {profile: false}));
  assert.equal(t7.constant_test, "logistic_lr");
  assert.notEqual(t7.p_constant, trendTest(seven)!.p);
});

test("constancyPower: the size at no rise, higher with more answers, and near the simulated power of binomial sweeps", () => {
  const design = (n: number): TransitionPoint[] => [0, 1, 2, 3, 4].map((x) => ({x, k: 0, n}));
  // No rise: the test's size. With a large dispersion the floor phi >= 1 never binds: alpha (up to
  // the 64-node quadrature); with binomial answers (phi 1) it binds and the test is conservative.
  const none = constancyPower(design(200), "trend", 50, 0.1, 0.1)!;
  assert.ok(Math.abs(none - 0.05) < 0.002, `power with no rise ${none}`);
  assert.ok(constancyPower(design(200), "trend", 1, 0.1, 0.1)! < 0.05);
  const small = constancyPower(design(100), "trend", 1, 0.05, 0.15)!;
  const large = constancyPower(design(400), "trend", 1, 0.05, 0.15)!;
  assert.ok(small < large, `${small} < ${large}`);
  // Seeded binomial sweeps (no clustering) of the reference rise 5% -> 15% at 5 points x 150 answers.
  const rng = makeRng(11);
  const rise = FEW_SHAPES.find((s) => s.rise?.[0] === 0.05)!;
  const reps = 400;
  let hits = 0;
  for (let r = 0; r < reps; r++) {
    const pts = [0, 1, 2, 3, 4].map((x) => {
      const p = rise.p(x / 4);
      let k = 0;
      for (let j = 0; j < 150; j++) if (rng() < p) k++;
      return {x, k, n: 150};
    });
    if (trendTest(pts)!.p < 0.05) hits++;
  }
  const stated = constancyPower(design(150), "trend", 1, 0.05, 0.15)!;
  const measured = hits / reps;
  // Monte-Carlo se at 400 reps <= 2.5 points; the approximation is allowed 5 more.
  assert.ok(Math.abs(stated - measured) < 0.1, `stated ${stated}, simulated ${measured}`);
});

test("flat clustered 5-scale sweeps (3 seeds): p_constant < 0.05 and non_monotone each in at most 7%", () => {
  const rng = makeRng(5);
  const design = {label: "t", xs: [0.25, 0.5, 1, 2, 4], seeds: 3, questions: 8, answers: 17};
  const reps = 150;
  let reject = 0;
  let nonMono = 0;
  for (let r = 0; r < reps; r++) {
    const pts = simulateFew(rng, FEW_SHAPES[1]!, design).map((p) => ({...p, x: Math.log10(p.x)}));
    const t = testTransition(pts, null);
    if (t.p_constant! < 0.05) reject++;
    if (t.verdict === "non_monotone") nonMono++;
  }
  assert.ok(reject / reps <= 0.07, `p_constant < 0.05 in ${reject}/${reps}`);
  assert.ok(nonMono / reps <= 0.07, `non_monotone in ${nonMono}/${reps}`);
});

test("transitionView: 'no evidence' comes with what the test would have found in this design", () => {
  const flat = [0.5, 1, 2, 4, 8].map((x, i) => ({x, k: [300, 320, 290, 310, 305][i]!, n: 4000}));
  const r = analyzeOnScale(flat, "log", makeRng(1), {replicates: 0, profile: false});
  assert.equal(r.test.verdict, "flat");
  assert.equal(r.test.detectable?.length, 2);
  const {why} = transitionView(r);
  assert.match(
    why,
    /no evidence against a constant rate \(p = [\d.]+ for a constant rate\); in this design .* the trend test finds a rise from 2% to 30% (over 99%|about \d+%) of the time and one from 5% to 15% (over 99%|about \d+%) of the time; a smaller rise can go unseen/,
  );
  assert.doesNotMatch(why, /\bflat\b/);
});

test("a rise and fall on 4 values (1% -> 40% -> 42% -> 1%, 1,000 answers each): 'no evidence' is said beside the trend's misfit, and the change is unknown", () => {
  const hump = [1, 2, 3, 4].map((x, i) => ({x, k: [10, 400, 420, 10][i]!, n: 1000}));
  const r = analyzeOnScale(hump, "linear", makeRng(1), {replicates: 0, profile: false});
  assert.equal(r.test.constant_test, "trend");
  assert.ok(r.test.misfit_p !== null && r.test.misfit_p < 1e-6, `misfit_p ${r.test.misfit_p}`);
  const {why} = transitionView(r);
  assert.match(why, /scatter about a straight trend far more than sampling noise \(p < 0\.001\).*whether the rate changes is unknown/);
  // A series the line fits within binomial noise gets no such caveat.
  const flat = [0.5, 1, 2, 4, 8].map((x, i) => ({x, k: [300, 320, 290, 310, 305][i]!, n: 4000}));
  const f = analyzeOnScale(flat, "log", makeRng(1), {replicates: 0, profile: false});
  assert.ok(f.test.misfit_p! > 0.05);
  assert.doesNotMatch(transitionView(f).why, /scatter/);
});

/** Points with per-question cells from rates[step][question] x `answers` answers each (k rounded). */
function celled(xs: readonly number[], rates: readonly (readonly number[])[], answers: number): TransitionPoint[] {
  return xs.map((x, s) => {
    const cells = rates[s]!.map((r, q) => [q, -1, Math.round(answers * r), answers] as const);
    return {x, k: cells.reduce((a, c) => a + c[2], 0), n: cells.length * answers, cells};
  });
}

test("a rise and fall on 4 values with per-question counts (1% -> 40% -> 42% -> 1%, 8 questions x 125): the rate changes, not along a line, and non_monotone", () => {
  const factor = [0.6, 0.8, 0.9, 1, 1, 1.1, 1.2, 1.4];
  const hump = celled(
    [1, 2, 3, 4],
    [0.01, 0.4, 0.42, 0.01].map((r) => factor.map((f) => r * f)),
    125,
  );
  const r = analyzeOnScale(hump, "linear", makeRng(1), {replicates: 0, profile: false});
  assert.equal(r.test.constant_test, "clustered");
  assert.equal(r.test.dispersion?.from, "questions");
  assert.ok(r.test.p_constant! < 0.001, `p_constant ${r.test.p_constant}`);
  assert.equal(r.test.changes, true);
  assert.equal(r.test.curved, true);
  assert.equal(r.test.misfit_unresolved, false);
  assert.equal(r.test.verdict, "non_monotone");
  const {why} = transitionView(r);
  assert.match(why, /rises and falls again \(extreme at 3\).*the rates leave a straight trend by far more than the spread between questions/);
  assert.doesNotMatch(why, /unknown|no evidence/);
});

test("question spread that is not change (each question's rate wanders, the pooled rate 18-26%): no evidence, and no 'unknown' once the cells show the spread", () => {
  // Every value holds the same eight question rates, shuffled and scaled: the pooled rates differ
  // beyond binomial noise (the pooled trend's misfit), the questions within a value far more.
  const base = [0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.9];
  const scaleBy = [0.6, 0.8, 0.55, 0.75];
  const rates = scaleBy.map((c, s) => base.map((_, q) => c * base[(q + 3 * s) % base.length]!));
  const pts = celled([1, 2, 3, 4], rates, 125);
  const pooled = pts.map(({x, k, n}) => ({x, k, n}));
  const before = testTransition(pooled, null);
  assert.equal(before.misfit_unresolved, true, `pooled misfit_p ${before.misfit_p}`);
  const t = testTransition(pts, null, {detectable: true});
  assert.equal(t.constant_test, "clustered");
  assert.equal(t.changes, false, `p_constant ${t.p_constant}`);
  assert.equal(t.misfit_unresolved, false);
  assert.equal(t.curved, false);
  assert.equal(t.verdict, "too_few_points");
  const {why} = transitionView({
    points: pts.map((p) => ({...p, rate: p.k / p.n, ci: null})),
    fit: null,
    test: t,
    change_point: null,
    onset: {x: null, baseline: [], baseline_rate: null, alpha: 0.05, test: "newcombe_one_sided_bonferroni"},
  });
  assert.match(
    why,
    /no evidence against a constant rate .*the test \(a trend or a rise and fall, against the spread between questions\) finds a rise from 2% to 30%/,
  );
  assert.doesNotMatch(why, /unknown/);
});

test("clusterTrend: seeds are the clusters when the cells carry two or more; a lasting question lean alone is no change", () => {
  // Two seeds x 4 questions, every question's rate fixed across values (0% .. 60%), binomial-exact counts.
  const lean = [0.02, 0.1, 0.3, 0.6];
  const pts: TransitionPoint[] = [0, 1, 2, 3, 4].map((x) => {
    const cells = [0, 1].flatMap((s) => lean.map((r, q) => [q, s, Math.round(50 * r), 50] as const));
    return {x, k: cells.reduce((a, c) => a + c[2], 0), n: cells.length * 50, cells};
  });
  const c = clusterTrend(pts)!;
  assert.equal(c.level, "seeds");
  assert.equal(c.p_trend, 1);
  assert.ok(c.p > 0.99, JSON.stringify(c));
  // Without seeds (one code): the questions are the clusters, and their lean is their intercept.
  const q = clusterTrend(
    pts
      .map((p) => ({...p, cells: p.cells!.filter((cell) => cell[1] === 0).map(([qq, , k, n]) => [qq, -1, k, n] as const)}))
      .map((p) => ({...p, k: p.cells.reduce((a, cc) => a + cc[2], 0), n: p.cells.reduce((a, cc) => a + cc[3], 0)})),
  )!;
  assert.equal(q.level, "questions");
  assert.equal(q.sigma2, 0);
  assert.ok(q.p > 0.99, JSON.stringify(q));
  // A point without cells: no clustered test (the pooled trend test decides).
  assert.equal(clusterTrend([...pts.slice(0, 4), {x: 9, k: 10, n: 400}]), null);
});

test("pointsWithCells: per-seed tallies of one value are summed, cells keep question and seed, empty cells are left out", () => {
  const pts = pointsWithCells([
    {x: 2, seed: 0, k: 3, n: 10, qk: [1, 2, 0], qd: [5, 5, 0], rows: 10},
    {x: 1, seed: -1, k: 1, n: 4, qk: [1, 0, 0], qd: [2, 2, 0], rows: 4},
    {x: 2, seed: 1, k: 1, n: 6, qk: [0, 0, 1], qd: [0, 3, 3], rows: 6},
  ]);
  assert.deepEqual(pts, [
    {
      x: 1,
      k: 1,
      n: 4,
      cells: [
        [0, -1, 1, 2],
        [1, -1, 0, 2],
      ],
    },
    {
      x: 2,
      k: 4,
      n: 16,
      cells: [
        [0, 0, 1, 5],
        [1, 0, 2, 5],
        [1, 1, 0, 3],
        [2, 1, 1, 3],
      ],
    },
  ]);
});

/** Judged rows: rate x scale x a per-question factor EM answers of 60 per (step, seed, question); seed null = no replicate id. */
function seededRows(
  design: readonly {step: number; seed: string | null; rate: number; scale?: number}[],
  factor: readonly number[] = [0.5, 0.7, 0.9, 1, 1.1, 1.3, 1.5, 1.0],
): Judged[] {
  const rows: Judged[] = [];
  for (const {step, seed, rate, scale = 1} of design)
    factor.forEach((f, q) => {
      const k = Math.round(60 * rate * f * scale);
      for (let a = 0; a < 60; a++)
        rows.push({
          response_id: `${step}-${q}-${seed}-${a}`,
          experiment: "e",
          model: "m",
          step,
          question_id: `q${q}`,
          category: null,
          judge: "j",
          aligned: a < k ? 10 : 90,
          coherent: 90,
          special: null,
          type: null,
          replicate: seed,
        });
    });
  return rows;
}

test("the threshold grid reads the same per-question cells: at the rule's own cuts its verdict and p_constant are the series' (a 4-step rise and fall, 2 seeds)", () => {
  const rows = seededRows(
    [0.02, 0.35, 0.4, 0.03].flatMap((rate, s) => ["s1", "s2"].map((seed, si) => ({step: 100 * s, seed, rate, scale: si ? 0.9 : 1.1}))),
    [0.5, 0.8, 1, 1.2, 1.5],
  );
  const [series] = transitionsBy(rows, BETLEY, {replicates: 0, profile: false});
  assert.equal(series!.test.constant_test, "clustered");
  assert.equal(series!.test.dispersion?.from, "seeds");
  const grid = transitionSensitivity(rows, BETLEY, {alignedCuts: [30], coherentCuts: [50]});
  assert.equal(grid.length, 1);
  assert.equal(grid[0]!.verdict, series!.test.verdict);
  assert.equal(grid[0]!.p_constant, series!.test.p_constant);
  assert.ok(series!.test.p_constant! < 0.05, `p_constant ${series!.test.p_constant}`);
});

test("a seed with no scored answers at one coordinate under one cut: the grid clusters as the series does at that cut (one level, from the rows), at every cut", () => {
  // Seed s1 at steps 0-300, s2 joined at 200; s2's answers at step 200 are all incoherent (40): under
  // coherent > 50 none is in the denominator there, under coherent > 30 all are.
  const rows = seededRows([
    ...[0, 100, 200, 300].map((step, i) => ({step, seed: "s1", rate: [0.05, 0.1, 0.2, 0.3][i]!})),
    {step: 200, seed: "s2", rate: 0.22},
    {step: 300, seed: "s2", rate: 0.28},
  ]);
  for (const r of rows) if (r.replicate === "s2" && r.step === 200) r.coherent = 40;
  const grid = transitionSensitivity(rows, BETLEY, {alignedCuts: [30], coherentCuts: [30, 50]});
  for (const coherent of [30, 50]) {
    const [series] = transitionsBy(rows, {...BETLEY, coherent}, {replicates: 0, profile: false});
    const cell = grid.find((c) => c.coherent === coherent)!;
    assert.equal(cell.verdict, series!.test.verdict, `coherent > ${coherent}: verdict`);
    assert.equal(cell.p_constant, series!.test.p_constant, `coherent > ${coherent}: p_constant (series' test ${series!.test.constant_test})`);
  }
  // The level is the rows' (seeds: s1 and s2 each at 2+ steps, together at all 4), whatever the cut.
  const [at30] = transitionsBy(rows, {...BETLEY, coherent: 30}, {replicates: 0, profile: false});
  assert.equal(at30!.test.dispersion?.from, "seeds");
});

test("7 checkpoints, every answer at the earliest incoherent: the series keeps its cells as the grid does (cells at every size), and the grid cell at the series' cut is the series' test", () => {
  // Under coherent > 50 step 100 has rows and no answer in the denominator: 6 coordinates with
  // answers, 7 with rows. Series and grid both keep the cells: the clustered test on the 6.
  const rows = seededRows(
    [100, 200, 300, 400, 500, 600, 700].flatMap((step, i) =>
      ["s1", "s2"].map((seed, si) => ({step, seed, rate: [0.05, 0.04, 0.1, 0.15, 0.12, 0.2, 0.22][i]!, scale: si ? 0.8 : 1.2})),
    ),
  );
  for (const r of rows) if (r.step === 100) r.coherent = 40;
  const [series] = transitionsBy(rows, BETLEY, {replicates: 0, profile: false});
  const grid = transitionSensitivity(rows, BETLEY, {alignedCuts: [30], coherentCuts: [50]});
  assert.equal(grid.length, 1);
  assert.equal(grid[0]!.p_constant, series!.test.p_constant, `p_constant (series' test ${series!.test.constant_test})`);
  assert.equal(grid[0]!.verdict, series!.test.verdict);
  assert.equal(series!.test.constant_test, "clustered");
});

test("the threshold grid over its budget (7 values x 29 questions > GRID_CELL_SURFACES): its cells say monotone_pooled and can call non_monotone otherwise than the series at the same cuts", () => {
  // 10% with a +-1.5-point wobble common to all questions and a 16% peak at the middle step, 60
  // answers per question and step, questions' rates 0.4-1.6 x the step's (lasting spread, no
  // question-by-step wobble). The series reads each step's design effect from its questions (about
  // 1): the peak is above both ends, non_monotone. With 29 questions (203 surfaces) the grid keeps
  // pooled counts: one dispersion from the pooled fits (the wobble inflates it) on m - 4 = 3 df,
  // Student's t: flat at the same cuts. With 28 (196 surfaces) it keeps the cells and agrees.
  const rates = [0.1, 0.115, 0.085, 0.16, 0.115, 0.085, 0.1];
  const factor = Array.from({length: 29}, (_, q) => 0.4 + (1.2 * q) / 29);
  for (const nq of [28, 29]) {
    const rows = seededRows(
      rates.map((rate, s) => ({step: 100 * (s + 1), seed: null, rate})),
      factor.slice(0, nq),
    );
    const [series] = transitionsBy(rows, BETLEY, {replicates: 0, profile: false});
    assert.equal(series!.test.verdict, "non_monotone", `${nq} questions: series`);
    const grid = transitionSensitivity(rows, BETLEY, {alignedCuts: [30, 40], coherentCuts: [50]});
    const cell = grid.find((c) => c.aligned === BETLEY.aligned && c.coherent === BETLEY.coherent)!;
    assert.equal(cell.p_constant, series!.test.p_constant, `${nq} questions: p_constant (the logistic's LR, no cells) agrees`);
    if (7 * nq <= GRID_CELL_SURFACES) {
      assert.ok(grid.every((c) => !c.monotone_pooled));
      assert.equal(cell.verdict, "non_monotone", `${nq} questions: the grid keeps the cells and agrees`);
    } else {
      assert.ok(grid.every((c) => c.monotone_pooled));
      assert.equal(cell.verdict, "flat", `${nq} questions: the grid's pooled test differs from the series' (the page says so beside the grid)`);
    }
  }
});

test("pointsWithCells keeps the cells from 7 coordinates on (the monotonicity test reads them at every size)", () => {
  const pts = pointsWithCells([1, 2, 3, 4, 5, 6, 7, 8].map((x) => ({x, seed: -1, k: 3, n: 20, qk: [1, 2], qd: [10, 10], rows: 20})));
  assert.equal(pts.length, 8);
  for (const p of pts)
    assert.deepEqual(p.cells, [
      [0, -1, 1, 10],
      [1, -1, 2, 10],
    ]);
});

test("non_monotone at 7 log-spaced scales on flat 20% sweeps (8 questions x 50, logit sd 1): the per-question design effects call 3 of 200, the pooled fits' dispersion (the rule before) 8", () => {
  // The dispersion from the logistic's and a logit bump's m - 4 = 3 residual df, the smaller of the
  // two, runs low (median 1.7 where the questions' spread gives ~4.9): used as known it called
  // 6.3% of 2,000 such sweeps non-monotone (docs/validity.md). Each point's design effect from
  // the cells (ClusterTrend.design_effects) rests on 42 residual df.
  const rng = makeRng(20261207);
  const design = {label: "7 scales", xs: [0.0625, 0.125, 0.25, 0.5, 1, 2, 4], seeds: 1, questions: 8, answers: 50};
  let now = 0;
  let pooled = 0;
  const R = 200;
  for (let r = 0; r < R; r++) {
    const pts = simulateFew(rng, FEW_SHAPES[1]!, design).map((p) => ({...p, x: Math.log10(p.x)}));
    const fit = fitLogistic(pts, {profile: false});
    const t = testTransition(pts, fit);
    assert.equal(t.constant_test, "logistic_lr");
    if (t.verdict === "non_monotone") now++;
    if (nonMonotoneAt(pts, 0.05, monotoneDispersion(pts, fit)) !== null) pooled++;
  }
  assert.ok(now <= 4, `per-question design effects: ${now}/${R} flat sweeps called non-monotone`);
  assert.ok(pooled > now, `the pooled fits' dispersion (the rule before) calls more: ${pooled} vs ${now}`);
});

test("'no evidence' from the logistic's test (7+ values) says its stated power has run high in simulations", () => {
  const flat = [0.0625, 0.125, 0.25, 0.5, 1, 2, 4].map((x, i) => ({x, k: [300, 320, 290, 310, 305, 298, 312][i]!, n: 4000}));
  const r = analyzeOnScale(flat, "log", makeRng(1), {replicates: 0, profile: false});
  assert.equal(r.test.constant_test, "logistic_lr");
  assert.equal(r.test.verdict, "flat");
  assert.match(
    transitionView(r).why,
    /the logistic test finds a rise from 2% to 30% .* \(at 7 or more values this estimate has run up to 14 points above the power measured in simulations\)/,
  );
});

test("unseeded base rows at step 0 beside 2 seeds x 4 checkpoints (2% -> ~20%): the rise from the base is seen, against the questions' spread; the grid agrees", () => {
  const rates = [0.2, 0.22, 0.19, 0.21];
  const rows = seededRows([
    {step: 0, seed: null, rate: 0.02},
    ...[100, 200, 300, 400].flatMap((step, i) => [
      {step, seed: "s1", rate: rates[i]! * 1.1},
      {step, seed: "s2", rate: rates[i]! * 0.9},
    ]),
  ]);
  const [series] = transitionsBy(rows, BETLEY, {replicates: 0, profile: false});
  const t = series!.test;
  assert.equal(t.constant_test, "clustered");
  assert.equal(t.dispersion?.from, "questions");
  assert.ok(t.p_constant! < 0.001, `p_constant ${t.p_constant}`);
  assert.equal(t.changes, true);
  const grid = transitionSensitivity(rows, BETLEY, {alignedCuts: [30], coherentCuts: [50]});
  assert.equal(grid[0]!.verdict, t.verdict);
  assert.equal(grid[0]!.p_constant, t.p_constant);
  assert.equal(
    clusterLevel(
      new Map([
        [-1, new Set([0])],
        [0, new Set([1, 2, 3, 4])],
        [1, new Set([1, 2, 3, 4])],
      ]),
      5,
    ),
    "questions",
  );
  assert.equal(
    clusterLevel(
      new Map([
        [-1, new Set([0, 1])],
        [0, new Set([0, 1, 2])],
        [1, new Set([0, 1, 2])],
      ]),
      3,
    ),
    "seeds",
  );
});

test("seeds nested in coordinates (a different seed at each of 5 steps, 2% -> 30%): the question-level clustered test, not the pooled trend test", () => {
  const rows = seededRows([0, 100, 200, 300, 400].map((step, i) => ({step, seed: `s${i}`, rate: [0.02, 0.05, 0.12, 0.22, 0.3][i]!})));
  const [series] = transitionsBy(rows, BETLEY, {replicates: 0, profile: false});
  assert.equal(series!.test.constant_test, "clustered");
  assert.equal(series!.test.dispersion?.from, "questions");
  assert.ok(series!.test.p_constant! < 0.001, `p_constant ${series!.test.p_constant}`);
  const grid = transitionSensitivity(rows, BETLEY, {alignedCuts: [30], coherentCuts: [50]});
  assert.equal(grid[0]!.p_constant, series!.test.p_constant);
});
