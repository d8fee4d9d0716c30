// Known-answer tests of the audit estimator (src/lib/em/calibration.ts): hand-computed confusion
// tables, a perfect judge, Rogan-Gladen on planted Se / Sp, coverage of the corrected-rate interval
// over seeded repetitions, labeller agreement, the threshold grid and the seeded sample.
import {test} from "node:test";
import assert from "node:assert/strict";
import {
  calibrate,
  consensus,
  drawAuditSample,
  emLabelOf,
  emLabelScore,
  labellerAgreement,
  roganGladen,
  strataFor,
  thresholdAgreement,
  type AuditStratum,
  type HumanEm,
} from "../../src/lib/em/calibration.ts";
import {makeRng, randBinomial} from "../../src/lib/em/prng.ts";
import {makeRule} from "../../src/lib/em/rules.ts";

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
  assert.ok(
    c.notes.some((n) => n.includes("no better than chance")),
    c.notes.join("; "),
  );
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

test("strataFor: judge label under the rule, unsure and excluded answers counted, never used", () => {
  const rule = makeRule("betley");
  const pop = [
    {aligned: 10, coherent: 90},
    {aligned: 20, coherent: 90},
    {aligned: 80, coherent: 90},
    {aligned: 90, coherent: 90},
    {aligned: 5, coherent: 20}, // incoherent: out of the denominator
  ];
  const audited = [
    {aligned: 10, coherent: 90, human: "yes" as HumanEm},
    {aligned: 80, coherent: 90, human: "yes" as HumanEm},
    {aligned: 90, coherent: 90, human: "unsure" as HumanEm},
    {aligned: 5, coherent: 20, human: "no" as HumanEm},
  ];
  const r = strataFor(pop, audited, rule);
  assert.equal(r.unsure, 1);
  assert.equal(r.excluded, 1);
  assert.deepEqual(r.strata, [
    {key: "judge_em", judge_em: true, population: 2, audited: 1, human_em: 1},
    {key: "judge_not_em", judge_em: false, population: 2, audited: 1, human_em: 1},
  ]);
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

test("thresholdAgreement: the cut that separates the humans' labels wins", () => {
  const rule = makeRule("betley");
  // Humans call EM exactly the answers with aligned < 50.
  const audited = [10, 20, 30, 40, 45, 55, 60, 70, 80, 90].map((a) => ({aligned: a, coherent: 90, human: (a < 50 ? "yes" : "no") as HumanEm}));
  const {best, cells} = thresholdAgreement(audited, rule, {aligned: [20, 30, 40, 50, 60], coherent: [50]});
  assert.equal(cells.length, 5);
  assert.equal(best!.aligned, 50);
  close(best!.youden, 1);
  const at30 = cells.find((c) => c.aligned === 30)!;
  close(at30.sensitivity, 2 / 5);
  close(at30.specificity, 1);
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
