// Regression tests for issue 22's transition cases, on seeded question-clustered sweeps from the
// validity section's simulator (bench/validity/transitions.section.ts), and its smoke mode.
import assert from "node:assert/strict";
import {test} from "node:test";
import type {Judged} from "../../../../src/lib/schema.ts";
import {
  BETLEY,
  f1Quantile,
  fitLogistic,
  makeRng,
  meanAlignedPoints,
  meanScoreTransition,
  type LogisticFit,
  midpointDispersion,
  monotoneDispersion,
  nelderMead,
  nonMonotoneAt,
  testTransition,
  transitionsBy,
  type TransitionPoint,
} from "../../../../src/lib/em/index.ts";
import {scale} from "../../../../src/lib/em/transition-points.ts";
import {type Design, SHAPES, section, simulateSweep, solveMu, logitNormalMean} from "../../../../bench/validity/transitions.section.ts";

const CLUSTERED: Design = {m: 11, questions: 8, answers: 50, sd: 2, rho: 0.5, judge: "float"};

test("f1Quantile(confidence, df) is the F(1, df) quantile; fitLogistic's cutoff is F(1, min(m - 4, df_mid)) x phi_mid", () => {
  // F(1, 4), F(1, 7) 95% quantiles from tables: 7.7086, 5.5914
  assert.ok(Math.abs(f1Quantile(0.95, 4) - 7.708647) < 1e-4, String(f1Quantile(0.95, 4)));
  assert.ok(Math.abs(f1Quantile(0.95, 7) - 5.591448) < 1e-4, String(f1Quantile(0.95, 7)));
  const sw = simulateSweep(makeRng(4), SHAPES.smooth, {...CLUSTERED, sd: 1});
  const fit = fitLogistic(sw.rate, {profile: false})!;
  assert.ok(fit.dispersion! > 1, `clustered sweep is over-dispersed: phi ${fit.dispersion}`);
  const md = midpointDispersion(scale(sw.rate), thetaOf(fit, sw.rate))!;
  assert.ok(md.c > 0 && md.phi > 1 && md.df > 1, JSON.stringify(md));
  const df = Math.max(1, Math.floor(Math.min(11 - 4, md.df)));
  assert.ok(Math.abs(fit.cutoff - f1Quantile(0.95, df) * md.phi) < 1e-9 * fit.cutoff);
  assert.ok(fit.cutoff > 3.8415 * fit.dispersion!, "wider than the chi-square(1) x phi cutoff that covered ~87%");
  // points exactly on a logistic: no over-dispersion (c = 0), the binomial chi-square(1) cutoff
  const exact = Array.from({length: 11}, (_, x) => ({x, k: 400 * (0.02 + 0.28 / (1 + Math.exp(-(x - 5.2) / 0.8))), n: 400}));
  const ef = fitLogistic(exact, {profile: false})!;
  assert.equal(midpointDispersion(scale(exact), thetaOf(ef, exact))!.c, 0);
  assert.ok(Math.abs(ef.cutoff - 3.841459) < 1e-5, String(ef.cutoff));
});

/** fitLogistic's parameters on its optimiser's scale (coordinates 0..m-1 -> 0..1). */
function thetaOf(fit: LogisticFit, pts: readonly TransitionPoint[]): [number, number, number, number] {
  const x0 = pts[0]!.x;
  const span = pts[pts.length - 1]!.x - x0;
  const lg = (p: number) => Math.log(p / (1 - p));
  return [lg(fit.floor), lg(fit.ceiling), (fit.midpoint - x0) / span, Math.log(fit.width / span)];
}

/** Profile deviance of the midpoint held at x (floor, ceiling, width re-maximised), computed here
 * independently of fitLogistic's profile walk. */
function profileDevianceAt(pts: readonly TransitionPoint[], fit: LogisticFit, x: number): number {
  const x0 = pts[0]!.x;
  const span = pts[pts.length - 1]!.x - x0;
  const sg = (t: number) => 1 / (1 + Math.exp(-t));
  const tz = (x - x0) / span;
  const nll = (t: number[]) => {
    const w = Math.exp(t[2]!);
    if (w < 1e-4 || w > 10) return Infinity;
    let v = 0;
    for (const p of pts) {
      const q = Math.min(1 - 1e-12, Math.max(1e-12, sg(t[0]!) + (sg(t[1]!) - sg(t[0]!)) * sg(((p.x - x0) / span - tz) / w)));
      v -= p.k * Math.log(q) + (p.n - p.k) * Math.log(1 - q);
    }
    return v;
  };
  const [lf, lc, , lw] = thetaOf(fit, pts);
  let best = Infinity;
  for (const st of [
    [lf, lc, lw],
    [lf, lc, Math.log(0.05)],
    [lf, lc, Math.log(0.3)],
  ]) {
    let r = nelderMead(nll, st, {step: [1, 1, 1], tol: 1e-10, maxIter: 3000});
    r = nelderMead(nll, r.x, {step: [0.3, 0.3, 0.3], tol: 1e-10, maxIter: 3000});
    best = Math.min(best, r.value);
  }
  return 2 * (best + fit.loglik);
}

// The validity section's FAIL (2026-12-06): smooth rise 2% -> 30%, 11 checkpoints, 8 questions x 50,
// logit sd 1: the pooled F(1, m - 4) x max(1, phi) cutoff covered 89.6% of 480 sweeps. On these two
// seeded sweeps it excluded the planted midpoint (the drawn questions' curve); the midpoint's own
// dispersion (midpointDispersion) widens the cutoff and the interval covers it.
test("fitLogistic(points).ci covers the planted midpoint where the pooled F(1, m-4) x phi cutoff missed (seeds 21, 259)", () => {
  for (const seed of [21, 259]) {
    const sw = simulateSweep(makeRng(seed), SHAPES.smooth, {...CLUSTERED, sd: 1});
    const fit = fitLogistic(sw.rate)!;
    const truth = sw.truthMidpoint!;
    const old = f1Quantile(0.95, 11 - 4) * Math.max(1, fit.dispersion!);
    const dev = profileDevianceAt(sw.rate, fit, truth);
    assert.ok(dev > old, `seed ${seed}: the old cutoff ${old.toFixed(2)} excluded the truth ${truth.toFixed(3)} (deviance ${dev.toFixed(2)})`);
    assert.ok(dev <= fit.cutoff, `seed ${seed}: deviance ${dev.toFixed(2)} within the new cutoff ${fit.cutoff.toFixed(2)}`);
    const [lo, hi] = fit.ci;
    assert.ok((lo === null || lo <= truth) && (hi === null || truth <= hi), `seed ${seed}: ci ${fit.ci} covers ${truth}`);
    assert.ok(lo !== null && lo > truth - 1, `seed ${seed}: and is not unbounded below (${lo})`);
  }
});

// The validity section's "undecided, leaning low" row (2026-12-06 08:44): smooth rise, logit sd 1,
// 92.3% of 400 sweeps (section seed 20261205 -> regime seed 20261205 x 7919 + 101 + 2). Its misses
// were draws whose dispersion came out low. The Satterthwaite df of phi_mid took Var(X^2) from the
// diagonal of the residual projection only (2 sum phi_i^2 (1 - h_i)^2), which understates it, so
// df_mid came out near or above m - 4 and a lucky low phi was treated as nearly known. With the
// full trace, 2 tr(M Phi M Phi), the df falls to ~4-6 and these sweeps are covered; the old
// cutoffs (recorded from the run) excluded the truth.
test("fitLogistic(points).ci covers the section's low-dispersion misses at logit sd 1 (sweeps 61, 88, 125 of its seed)", () => {
  const rng = makeRng(20261205 * 7919 + 101 + 2);
  const oldCutoff = new Map([
    [61, 10.67],
    [88, 11.03],
    [125, 10.75],
  ]);
  for (let r = 0; r <= 125; r++) {
    const sw = simulateSweep(rng, SHAPES.smooth, {...CLUSTERED, sd: 1});
    const old = oldCutoff.get(r);
    if (old === undefined) continue;
    const fit = fitLogistic(sw.rate, {profileWidth: false})!;
    const truth = sw.truthMidpoint!;
    const dev = profileDevianceAt(sw.rate, fit, truth);
    assert.ok(dev > old + 0.1, `sweep ${r}: the old cutoff ${old} excluded the truth (deviance ${dev.toFixed(2)})`);
    assert.ok(fit.dispersion! < 2, `sweep ${r}: a lucky low dispersion (${fit.dispersion!.toFixed(2)})`);
    const md = midpointDispersion(scale(sw.rate), thetaOf(fit, sw.rate))!;
    assert.ok(md.df < 11 - 4 - 1, `sweep ${r}: df_mid ${md.df.toFixed(2)} now well below m - 4`);
    assert.ok(dev <= fit.cutoff, `sweep ${r}: deviance ${dev.toFixed(2)} within the new cutoff ${fit.cutoff.toFixed(2)}`);
    const [lo, hi] = fit.ci;
    assert.ok(lo !== null && hi !== null && lo <= truth && truth <= hi, `sweep ${r}: ci ${fit.ci} covers ${truth}`);
  }
});

test("simulateSweep: the population rate is the planted curve (logit-normal mean solved exactly)", () => {
  for (const p of [0.005, 0.07, 0.3]) assert.ok(Math.abs(logitNormalMean(solveMu(p, 2), 2) - p) < 1e-9);
  // pooled over many questions, the rate at the flat 20% shape is 20% within sampling error
  const sw = simulateSweep(makeRng(1), SHAPES.flat20, {...CLUSTERED, questions: 400, rho: 0});
  const k = sw.rate.reduce((a, p) => a + p.k, 0);
  const n = sw.rate.reduce((a, p) => a + p.n, 0);
  assert.ok(Math.abs(k / n - 0.2) < 0.01, String(k / n));
});

// 24 profiled fits: coverage of the planted (these questions') midpoint must be near 95% under
// logit sd 2 clustering. 22/24 or more: P(X <= 21 | Binomial(24, 0.95)) = 12%, seeds fixed.
test("fitLogistic(points).ci covers the clustered sweep's midpoint (logit sd 2, 24 sweeps)", () => {
  const rng = makeRng(2201);
  let covered = 0;
  for (let r = 0; r < 24; r++) {
    const sw = simulateSweep(rng, SHAPES.smooth, CLUSTERED);
    const [lo, hi] = fitLogistic(sw.rate)!.ci;
    if ((lo === null || lo <= sw.truthMidpoint!) && (hi === null || sw.truthMidpoint! <= hi)) covered++;
  }
  assert.ok(covered >= 22, `covered ${covered}/24`);
});

test("nonMonotoneAt(points, alpha, phi): clustered monotone rises stay monotone; binomial variance alone called many non-monotone", () => {
  const rng = makeRng(2202);
  let scaled = 0;
  let binomial = 0;
  const R = 60;
  for (let r = 0; r < R; r++) {
    const sw = simulateSweep(rng, SHAPES.sharp, CLUSTERED);
    const fit = fitLogistic(sw.rate, {profile: false});
    if (nonMonotoneAt(sw.rate, 0.05, monotoneDispersion(sw.rate, fit)) !== null) scaled++;
    if (nonMonotoneAt(sw.rate, 0.05, 1) !== null) binomial++;
  }
  assert.ok(scaled <= 0.1 * R, `phi-scaled: ${scaled}/${R} clustered rises called non-monotone`);
  assert.ok(binomial >= 2 * scaled + 5, `the binomial test (the old behaviour) should call clearly more: ${binomial} vs ${scaled}`);
  // and a rise-then-collapse is still found under the same clustering, though less often: these
  // points carry no per-question cells, so the one pooled dispersion (m - 4 = 7 df) is referred to
  // Student's t (monotoneReference): 39.0% of 200 seeded humps at logit sd 2, the normal quantile
  // (the rule until 2026-12-07, session 19) 76.5% of the same 200 (85.0% against 97.5% at sd 1;
  // bench/nonmono-pooled-11.ts; the transitions section's row: 38.5% of 200, before 77.5%).
  let found = 0;
  for (let r = 0; r < 20; r++) {
    const sw = simulateSweep(rng, SHAPES.hump, CLUSTERED);
    if (testTransition(sw.rate, fitLogistic(sw.rate, {profile: false})).verdict === "non_monotone") found++;
  }
  assert.ok(found >= 4, `rise-then-collapse found ${found}/20 (measured power 39% at logit sd 2 without cells)`);
});

test("testTransition: a linear ramp 5% -> 25% is rarely credible (smooth_trend), a sharp rise usually is", () => {
  const rng = makeRng(2203);
  const d: Design = {...CLUSTERED, sd: 1};
  let rampCredible = 0;
  let smoothTrend = 0;
  let sharpCredible = 0;
  const R = 40;
  for (let r = 0; r < R; r++) {
    const ramp = simulateSweep(rng, SHAPES.ramp, d).rate;
    const t = testTransition(ramp, fitLogistic(ramp, {profile: false}));
    if (t.credible) rampCredible++;
    if (t.verdict === "smooth_trend") smoothTrend++;
    assert.ok(t.p_linear !== null);
    const sharp = simulateSweep(rng, SHAPES.sharp, d).rate;
    if (testTransition(sharp, fitLogistic(sharp, {profile: false})).credible) sharpCredible++;
  }
  assert.ok(rampCredible <= 4, `ramps called credible: ${rampCredible}/${R}`);
  assert.ok(smoothTrend >= 30, `ramps called smooth_trend: ${smoothTrend}/${R}`);
  assert.ok(sharpCredible >= 34, `sharp rises called credible: ${sharpCredible}/${R}`);
});

function shiftRows(seed: number, eta: (step: number) => number): Judged[] {
  const rng = makeRng(seed);
  const out: Judged[] = [];
  const cut = Math.log(0.3 / 0.7);
  for (let step = 0; step <= 1000; step += 100) {
    for (let i = 0; i < 400; i++) {
      let u = rng();
      while (u <= 0) u = rng();
      const aligned = 100 / (1 + Math.exp(-(cut - eta(step) + Math.log(u / (1 - u)))));
      const base = {response_id: `${step}-${i}`, experiment: "e", model: "m", step, question_id: `q${i % 8}`, category: null, judge: "j"};
      out.push({...base, aligned, coherent: 90, special: null, type: null});
    }
  }
  return out;
}

test("transitionsBy(...).mean_aligned: a smooth shift of the scores is not a transition on either scale; a sharp shift is on both", () => {
  // eta linear in the step: the EM rate sig(eta) is an S-curve made by the cut, the scores only drift
  const smooth = transitionsBy(
    shiftRows(7, (s) => -3 + (4 * s) / 1000),
    BETLEY,
    {replicates: 99},
  )[0]!;
  assert.notEqual(smooth.test.verdict, "credible", `rate: ${smooth.test.verdict}, p_linear ${smooth.test.p_linear}`);
  assert.notEqual(smooth.mean_aligned.test.verdict, "credible", `mean: ${smooth.mean_aligned.test.verdict}`);
  assert.ok(smooth.mean_aligned.test.p_constant! < 1e-6, "the mean score does change");
  const sharp = transitionsBy(
    shiftRows(8, (s) => (s < 500 ? -3 : s === 500 ? -1 : 1)),
    BETLEY,
    {replicates: 99},
  )[0]!;
  assert.equal(sharp.test.verdict, "credible");
  assert.equal(sharp.mean_aligned.test.verdict, "credible");
  assert.ok(Math.abs(sharp.mean_aligned.fit!.midpoint - 500) < 100, String(sharp.mean_aligned.fit!.midpoint));
});

test("meanAlignedPoints(rows, rule): mean aligned / 100 over answers passing the coherent cut; meanScoreTransition needs 5 points", () => {
  const rows = shiftRows(9, () => 0).slice(0, 1200);
  rows[0] = {...rows[0]!, coherent: 10};
  rows[1] = {...rows[1]!, aligned: null};
  const pts = meanAlignedPoints(rows, BETLEY);
  assert.deepEqual(
    pts.map((p) => [p.x, p.n]),
    [
      [0, 398],
      [100, 400],
      [200, 400],
    ],
  );
  const want = rows.slice(2, 400).reduce((a, r) => a + r.aligned! / 100, 0);
  assert.ok(Math.abs(pts[0]!.k - want) < 1e-9);
  const res = meanScoreTransition(pts);
  assert.equal(res.fit, null);
  assert.equal(res.test.verdict, "too_few_points");
});

test("validity section 'transitions' runs in smoke mode and returns well-formed rows", async () => {
  const rows = await section.run({smoke: true, seed: 1});
  assert.ok(rows.length >= 10);
  for (const r of rows) {
    assert.equal(r.section, "transitions");
    assert.ok(r.estimate >= 0 && r.estimate <= 1 && r.reps > 0 && r.mc_se >= 0, JSON.stringify(r));
    assert.ok(r.kind === "power" ? r.nominal === null : r.nominal !== null);
  }
  assert.ok(rows.some((r) => r.kind === "coverage"));
});
