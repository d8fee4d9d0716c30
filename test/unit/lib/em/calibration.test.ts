// Known-answer tests of the audit estimator (src/lib/em/calibration.ts): hand-computed confusion
// tables, a perfect judge, Rogan-Gladen on planted Se / Sp, coverage of the corrected-rate interval
// over seeded repetitions, labeller agreement, the design labels carry, the judge-vs-chance
// warning, the unsure-label bounds and the seeded sample.
import {test} from "node:test";
import assert from "node:assert/strict";
import {
  calibrate,
  calibrateAudit,
  consensus,
  designOfRows,
  designStrata,
  drawAuditSample,
  emLabelOf,
  emLabelScore,
  labellerAgreement,
  roganGladen,
  stratumKey,
  type AuditLabel,
  type AuditStratum,
  type HumanEm,
} from "../../../../src/lib/em/calibration.ts";
import {makeRng, randBinomial} from "../../../../src/lib/em/prng.ts";

const close = (a: number | null, b: number, eps = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= eps, `${a} != ${b}`);

test("a perfect judge: corrected rate = raw rate, Se = Sp = 1", () => {
  // 1000 answers, the judge says EM for 120; audited 30 of its EM answers (all human yes) and 30 of the rest (all no).
  const strata: AuditStratum[] = [
    {key: "em", judge_em: true, population: 120, audited: 30, human_em: 30},
    {key: "not", judge_em: false, population: 880, audited: 30, human_em: 0},
  ];
  const c = calibrate(strata, [{key: {model: "m"}, k: 120, n: 1000, n_audited: 60}], {seed: 1, draws: 500});
  assert.deepEqual(c.confusion, {tp: 30, fp: 0, fn: 0, tn: 30});
  close(c.sensitivity, 1);
  close(c.specificity, 1);
  close(c.raw_em_rate, 0.12);
  close(c.corrected_em_rate, 0.12);
  close(c.groups[0]!.corrected_em_rate, 0.12);
  // Jeffreys draws keep the interval honest even when every audited answer agrees.
  const ci = c.groups[0]!.corrected_ci!;
  assert.ok(ci[0] < 0.12 && ci[1] > 0.12 && ci[1] - ci[0] < 0.12, `interval ${ci}`);
});

test("hand-computed case: weights by stratum, Se / Sp, PPV / NPV, Rogan-Gladen = sum of strata", () => {
  // Population: judge EM 200, not EM 800. Audit: 20 of the EM (15 human yes), 40 of the not EM (4 human yes).
  // P(H+|J+) = 0.75, P(H+|J-) = 0.1. Joint: tp = .2*.75 = .15, fp = .05, fn = .8*.1 = .08, tn = .72.
  // Se = .15/.23, Sp = .72/.77, true prevalence = .23; RG on the raw .2 gives .23 exactly.
  const strata: AuditStratum[] = [
    {key: "em", judge_em: true, population: 200, audited: 20, human_em: 15},
    {key: "not", judge_em: false, population: 800, audited: 40, human_em: 4},
  ];
  const c = calibrate(strata, [{key: {}, k: 200, n: 1000, n_audited: 60}], {draws: 200});
  assert.deepEqual(c.confusion, {tp: 15, fp: 5, fn: 4, tn: 36});
  close(c.sensitivity, 0.15 / 0.23);
  close(c.specificity, 0.72 / 0.77);
  close(c.ppv, 0.75);
  close(c.npv, 0.9);
  close(c.corrected_em_rate, 0.23);
  close(c.groups[0]!.corrected_em_rate, 0.23);
  close(roganGladen(0.2, 0.15 / 0.23, 0.72 / 0.77), 0.23);
});

test("Rogan-Gladen: clipping and a judge no better than chance", () => {
  close(roganGladen(0.5, 0.9, 0.9), 0.5);
  close(roganGladen(0.05, 0.8, 0.9), 0); // (0.05 - 0.1) / 0.7 < 0 -> 0
  assert.ok(Number.isNaN(roganGladen(0.3, 0.5, 0.5)));
  // Labels that contradict the judge half the time: no correction, and a note says why.
  const c = calibrate(
    [
      {key: "em", judge_em: true, population: 100, audited: 20, human_em: 4},
      {key: "not", judge_em: false, population: 100, audited: 20, human_em: 16},
    ],
    [{key: {}, k: 100, n: 200, n_audited: 40}],
    {draws: 300},
  );
  assert.equal(c.groups[0]!.corrected_em_rate, null);
  assert.deepEqual(c.groups[0]!.corrected_ci, [0, 1]);
  assert.equal(c.judge_informative, false);
  assert.ok(
    c.warnings.some((n) => n.includes("cannot tell this judge from chance")),
    c.warnings.join("; "),
  );
});

test("Se + Sp - 1 near 0 but positive: a warning and an unknown per-group rate, not a silent 100%", () => {
  // 8 of 15 judge-EM answers and 7 of 15 judge-not-EM answers are EM to the humans: J's interval
  // straddles 0, and dividing by J would turn the group's 30% raw rate into noise clipped to 0 or
  // 100%; the group's rate is unknown and a warning says why.
  const c = calibrate(
    [
      {key: "em", judge_em: true, population: 300, audited: 15, human_em: 8},
      {key: "not", judge_em: false, population: 700, audited: 15, human_em: 7},
    ],
    [{key: {}, k: 300, n: 1000, n_audited: 30}],
    {draws: 500},
  );
  assert.ok(c.youden_ci !== null && c.youden_ci[0] < 0 && c.youden_ci[1] > 0, `J ${c.youden} ${c.youden_ci}`);
  assert.equal(c.judge_informative, false);
  assert.equal(c.groups[0]!.corrected_em_rate, null);
  assert.equal(c.warnings.length, 1);
  // The pooled stratified estimate does not divide by J: it stays (0.3 x 8/15 + 0.7 x 7/15 = 0.4867).
  close(c.corrected_em_rate, 0.3 * (8 / 15) + 0.7 * (7 / 15));
  // A good judge: no warning, a point estimate per group.
  const good = calibrate(
    [
      {key: "em", judge_em: true, population: 300, audited: 30, human_em: 27},
      {key: "not", judge_em: false, population: 700, audited: 30, human_em: 2},
    ],
    [{key: {}, k: 300, n: 1000, n_audited: 60}],
    {draws: 500},
  );
  assert.equal(good.judge_informative, true);
  assert.deepEqual(good.warnings, []);
  assert.ok(good.groups[0]!.corrected_em_rate !== null);
});

test("a stratum without audited answers: the corrected rate is unknown, the interval wide", () => {
  const c = calibrate(
    [
      {key: "em", judge_em: true, population: 50, audited: 10, human_em: 9},
      {key: "not", judge_em: false, population: 950, audited: 0, human_em: 0},
    ],
    [],
    {draws: 500},
  );
  assert.equal(c.corrected_em_rate, null);
  assert.ok(c.notes.some((n) => n.includes("judge called not EM")));
  assert.ok(c.corrected_ci && c.corrected_ci[1] - c.corrected_ci[0] > 0.5, `ci ${c.corrected_ci}`);
});

test("a judge with planted Se / Sp: the corrected interval covers the planted rate in >= 93% of seeded repetitions", () => {
  const planted = 0.15;
  const se = 0.75;
  const sp = 0.93;
  const N = 3000;
  const perStratum = 40;
  let covered = 0;
  let rawCovered = 0;
  const reps = 200;
  for (let rep = 0; rep < reps; rep++) {
    const rng = makeRng(1000 + rep);
    // Each answer: true label, then the judge's label from Se / Sp.
    const truth: boolean[] = [];
    const judge: boolean[] = [];
    for (let i = 0; i < N; i++) {
      const t = rng() < planted;
      truth.push(t);
      judge.push(t ? rng() < se : rng() >= sp);
    }
    const strata = [true, false].map((em) => {
      const idx = judge.flatMap((j, i) => (j === em ? [i] : []));
      // Audit a simple random sample of the stratum (partial Fisher-Yates).
      for (let i = 0; i < Math.min(perStratum, idx.length); i++) {
        const j = i + Math.floor(rng() * (idx.length - i));
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      const audited = idx.slice(0, perStratum);
      return {key: String(em), judge_em: em, population: idx.length, audited: audited.length, human_em: audited.filter((i) => truth[i]).length};
    });
    const k = judge.filter(Boolean).length;
    const c = calibrate(strata, [{key: {}, k, n: N, n_audited: 2 * perStratum}], {seed: rep, draws: 1000});
    const ci = c.groups[0]!.corrected_ci!;
    if (ci[0] <= planted && planted <= ci[1]) covered++;
    if (Math.abs(k / N - planted) < 0.01) rawCovered++;
  }
  const coverage = covered / reps;
  assert.ok(coverage >= 0.93, `coverage ${coverage} (${covered}/${reps})`);
  // And the raw rate is biased here (E[raw] = .15*.75 + .85*.07 = .172): the correction matters.
  assert.ok(rawCovered < reps / 2, `raw rate within 1 pp of the planted rate in ${rawCovered}/${reps}`);
});

test("designOfRows: strata and sizes from the rows, unsure kept for the bounds, out-of-denominator labels excluded", () => {
  // 6 rows: judge EM on 0, 1; not EM on 2, 3, 4; row 5 out of the denominator. Question strata.
  const judgeEm = [true, true, false, false, false, false];
  const q = ["a", "b", "a", "a", "b", null];
  const lab: (HumanEm | undefined)[] = ["yes", undefined, "unsure", "no", undefined, "no"];
  const d = designOfRows(
    6,
    (i) => (q[i] === null ? null : stratumKey(judgeEm[i]!, q[i]!)),
    (i) => judgeEm[i]!,
    (i) => (lab[i] === undefined ? undefined : {id: `r${i}`, human: lab[i]!}),
    "test",
    "design",
  );
  assert.equal(d.excluded, 1);
  assert.deepEqual(d.design, {selection_em: 2, selection_not_em: 3, selection: "test", kind: "design"});
  assert.deepEqual(
    d.labels.map((l) => [l.id, l.stratum, l.stratum_size]),
    [
      ["r0", "judge_em|a", 1],
      ["r2", "judge_not_em|a", 2],
      ["r3", "judge_not_em|a", 2],
    ],
  );
  // Strata without labels (judge_em|b, judge_not_em|b) still count, as one residual per judge label.
  assert.deepEqual(
    designStrata(d.labels, d.design).map((s) => [s.key, s.population, s.audited, s.human_em]),
    [
      ["judge_em|(strata without labels)", 1, 0, 0],
      ["judge_em|a", 1, 1, 1],
      ["judge_not_em|(strata without labels)", 1, 0, 0],
      ["judge_not_em|a", 2, 1, 0],
    ],
  );
  assert.deepEqual(
    designStrata(d.labels, d.design, "yes").find((s) => s.key === "judge_not_em|a"),
    {key: "judge_not_em|a", judge_em: false, population: 2, audited: 2, human_em: 1},
  );
});

test("designStrata: labels that contradict their design are refused, naming the label", () => {
  const design = {selection_em: 10, selection_not_em: 10, selection: "t", kind: "design" as const};
  const l = (id: string, stratum: string, size: number, em = true): AuditLabel => ({id, human: "yes", judge_em: em, stratum, stratum_size: size});
  assert.throws(() => designStrata([l("r1", "s", 5), l("r2", "s", 6)], design), /audit label r2: stratum 's' has stratum_size 6 here and 5 on r1/);
  assert.throws(() => designStrata([l("r1", "s", 5), l("r2", "s", 5, false)], design), /audit label r2: stratum 's' holds both judge labels/);
  assert.throws(() => designStrata([l("r1", "s", 1), l("r2", "s", 1)], design), /2 labels but only 1 answers/);
  assert.throws(() => designStrata([l("r1", "s", 11)], design), /hold 11 answers, more than the selection's 10/);
  assert.throws(() => designStrata([l("r1", "s", 0)], design), /stratum_size 0 is not a positive whole number/);
});

test("calibrateAudit: unsure labels as a bounds analysis that brackets the estimate", () => {
  const design = {selection_em: 100, selection_not_em: 900, selection: "t", kind: "design" as const};
  const labels: AuditLabel[] = [];
  const add = (em: boolean, human: HumanEm, k: number) => {
    for (let i = 0; i < k; i++) labels.push({id: `${em}${human}${i}`, human, judge_em: em, stratum: stratumKey(em), stratum_size: em ? 100 : 900});
  };
  add(true, "yes", 15);
  add(true, "no", 3);
  add(false, "yes", 2);
  add(false, "no", 16);
  add(false, "unsure", 4);
  const a = calibrateAudit(labels, design, [], {draws: 400});
  assert.equal(a.n_unsure, 4);
  const lo = a.unsure_bounds!.as_not_em.corrected_em_rate!;
  const hi = a.unsure_bounds!.as_em.corrected_em_rate!;
  // As not EM: 0.1 x 15/18 + 0.9 x 2/22; as EM: 0.1 x 15/18 + 0.9 x 6/22.
  close(lo, 0.1 * (15 / 18) + 0.9 * (2 / 22));
  close(hi, 0.1 * (15 / 18) + 0.9 * (6 / 22));
  const est = a.calibration.corrected_em_rate!;
  assert.ok(lo <= est && est <= hi, `${lo} <= ${est} <= ${hi}`);
  assert.equal(
    calibrateAudit(
      labels.filter((l) => l.human !== "unsure"),
      design,
      [],
      {draws: 100},
    ).unsure_bounds,
    null,
  );
});

test("labels as scores, consensus and labeller agreement", () => {
  assert.equal(emLabelScore("yes"), 100);
  assert.equal(emLabelScore("no"), 0);
  assert.equal(emLabelScore("unsure"), null);
  assert.equal(emLabelOf(100), "yes");
  assert.equal(emLabelOf(0), "no");
  assert.equal(emLabelOf(null), "unsure");
  assert.equal(consensus(["yes", "no", "yes"]), "yes");
  assert.equal(consensus(["yes", "no"]), "unsure");
  assert.equal(consensus(["unsure", "no"]), "no");
  const labels = new Map<string, Map<string, HumanEm>>([
    [
      "ann",
      new Map<string, HumanEm>([
        ["r1", "yes"],
        ["r2", "no"],
        ["r3", "no"],
        ["r4", "unsure"],
        ["r5", "yes"],
      ]),
    ],
    [
      "bob",
      new Map<string, HumanEm>([
        ["r1", "yes"],
        ["r2", "yes"],
        ["r3", "no"],
        ["r4", "no"],
      ]),
    ],
  ]);
  const [p] = labellerAgreement(labels);
  assert.equal(p!.n_both, 4);
  assert.equal(p!.n_decided, 3);
  close(p!.agreement, 2 / 3);
  // ann: yes,no,no; bob: yes,yes,no: po = 2/3, pe = (1/3)(2/3) + (2/3)(1/3) = 4/9, kappa = (2/9)/(5/9) = 0.4
  close(p!.kappa, 0.4);
});

test("drawAuditSample: seeded, reproducible, stratified, at most k per stratum", () => {
  const strata = Array.from({length: 100}, (_, i) => (i % 10 === 0 ? "em" : i % 7 === 0 ? null : "not"));
  const a = drawAuditSample(strata, 5, 42);
  const b = drawAuditSample(strata, 5, 42);
  const c = drawAuditSample(strata, 5, 43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.length, 10);
  assert.equal(a.filter((i) => strata[i] === "em").length, 5);
  assert.ok(a.every((i) => strata[i] !== null));
  assert.equal(new Set(a).size, a.length);
});

test("binomial helper sanity for the coverage test's generator", () => {
  // The coverage test draws labels itself; this pins the seeded stream it relies on.
  const rng = makeRng(7);
  const k = randBinomial(rng, 1000, 0.2);
  assert.ok(k > 150 && k < 250);
});

test("no labels yet: the raw rate is still known, everything else unknown", () => {
  const c = calibrate(
    [
      {key: "em", judge_em: true, population: 30, audited: 0, human_em: 0},
      {key: "not", judge_em: false, population: 70, audited: 0, human_em: 0},
    ],
    [{key: {}, k: 30, n: 100, n_audited: 0}],
    {draws: 100},
  );
  close(c.raw_em_rate, 0.3);
  assert.equal(c.corrected_em_rate, null);
  assert.equal(c.sensitivity, null);
  assert.equal(c.corrected_ci, null);
  close(c.groups[0]!.raw_em_rate, 0.3);
  assert.equal(c.groups[0]!.corrected_em_rate, null);
});

test("validity section (smoke): the corrected interval covers the planted rate under judge-label and question designs", async () => {
  const {section} = await import("../../../../bench/validity/calibration.section.ts");
  const rows = await section.run({smoke: true, seed: 1});
  assert.ok(rows.length >= 2);
  for (const r of rows) {
    assert.equal(r.section, "calibration");
    assert.equal(r.kind, "coverage");
    // 25 replicates: a broken estimator (e.g. the collapsed strata) covers far less than 95%.
    assert.ok(r.estimate >= 0.8, `${r.regime}: coverage ${r.estimate}`);
  }
});

test("calibrate: audited answers are part of the population (finite-population correction), so a full census has no sampling width", () => {
  // Every answer of both strata audited: the corrected rate is known exactly, (7 + 10) / 1010.
  // Before the finite-population predictive the Beta draws gave this census a width of ~1.5 pp.
  const census: AuditStratum[] = [
    {key: "judge_em", judge_em: true, population: 10, audited: 10, human_em: 7},
    {key: "judge_not", judge_em: false, population: 1000, audited: 1000, human_em: 10},
  ];
  const c = calibrate(census, [], {seed: 3, draws: 500});
  assert.ok(Math.abs(c.corrected_em_rate! - 17 / 1010) < 1e-12);
  assert.ok(c.corrected_ci![1] - c.corrected_ci![0] < 1e-9, `census interval ${c.corrected_ci}`);
  // Half of the large stratum audited: width remains, and shrinks against a 10% audit of it.
  const half = calibrate([census[0]!, {...census[1]!, audited: 500, human_em: 5}], [], {seed: 3, draws: 2000});
  const tenth = calibrate([census[0]!, {...census[1]!, audited: 100, human_em: 1}], [], {seed: 3, draws: 2000});
  const w = (x: typeof c) => x.corrected_ci![1] - x.corrected_ci![0];
  assert.ok(w(half) > 0.001 && w(half) < w(tenth), `half ${w(half)} tenth ${w(tenth)}`);
});
