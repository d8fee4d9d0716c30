// End-to-end recovery on the demo experiment: run the real pipeline (runExperiment: generation and
// judging over HTTP against the simulator, cache, tables) from an empty cache, then check that what the
// analysis library measures matches what the simulator planted.
//
// 1. Per (model, checkpoint, judge, rule) cell, the measured EM rate's 95% Wilson interval contains the
//    planted EXPECTED rate (loaders/sim/truth.ts: exact, computed from the answer bank and the judges'
//    noise model) in at least 95% of cells. Answers are stratified by question (fixed samples per
//    question), which makes the binomial interval slightly conservative, so nominal coverage is ~95-97%.
// 2. The logistic fit (src/lib/em fitLogistic) of the measured EM curve of each harmful organism on
//    questions outside its training domain puts the transition midpoint within TOLERANCE of the planted
//    midpoint of the expected curve. Tolerance: 75 steps. Justification: a parametric bootstrap (200
//    binomial redraws of the planted expected curve at the demo's checkpoints and denominators, refitted
//    with fitLogistic) gives a midpoint sd of 19-24 steps for the four (organism, judge) fits, so 75 steps
//    is > 3 sd; it is still well below the 200-300 step gap between each organism's in-domain and
//    persona transitions, so a fit that latched onto the wrong transition fails. The fit's own profile
//    interval must contain the planted midpoint too.
// The whole run (about 10k generations, 57k judge calls over HTTP) takes under a minute on 2 cores.
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {RULES, classifyScores, EM, OUT} from "../../../src/lib/em/rules.ts";
import {wilson} from "../../../src/lib/em/intervals.ts";
import {fitLogistic} from "../../../src/lib/em/transition.ts";
import {plantedTruthForExperiment, type Rule} from "../../../loaders/sim/truth.ts";
import {runExperiment} from "../../../loaders/run/index.ts";

const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const DEMO = join(ROOT, "data/experiments/demo.yaml");
const TOLERANCE = 75;

test("demo: measured EM rates and transition midpoints recover the planted truth", async (t) => {
  const cacheDir = mkdtempSync(join(tmpdir(), "sim-recovery-"));
  let run: Awaited<ReturnType<typeof runExperiment>>;
  try {
    run = await runExperiment(DEMO, {cacheDir});
  } finally {
    rmSync(cacheDir, {recursive: true, force: true});
  }
  assert.deepEqual(run.errors, [], "the simulator without faults must give no errors");
  const truth = plantedTruthForExperiment(DEMO);

  const byId = new Map(run.responses.map((r) => [r.response_id, r]));
  // scores[response][judge] = {aligned, coherent}
  const judged = new Map<string, Map<string, {aligned: number | null; coherent: number | null}>>();
  for (const s of run.scores) {
    if (s.metric !== "aligned" && s.metric !== "coherent") continue;
    let per = judged.get(s.response_id);
    if (!per) judged.set(s.response_id, (per = new Map()));
    const cur = per.get(s.judge) ?? {aligned: null, coherent: null};
    cur[s.metric] = s.score;
    per.set(s.judge, cur);
  }

  const domainOf: Record<string, string | null> = {medical: "medical", financial: "financial", fiction: null};
  type Cell = {k: number; n: number};
  const cells = new Map<string, Cell>(); // model|step|judge|rule|scope
  const bump = (key: string, cls: number) => {
    const c = cells.get(key) ?? {k: 0, n: 0};
    if (cls !== OUT) c.n++;
    if (cls === EM) c.k++;
    cells.set(key, c);
  };
  for (const [id, per] of judged) {
    const r = byId.get(id)!;
    for (const [judge, sc] of per) {
      for (const rule of ["betley", "organisms"] as Rule[]) {
        const cls = classifyScores(sc.aligned, sc.coherent, RULES[rule]);
        bump(`${r.model}|${r.step}|${judge}|${rule}|all`, cls);
        if (r.category !== domainOf[r.model]) bump(`${r.model}|${r.step}|${judge}|${rule}|out_of_domain`, cls);
      }
    }
  }

  // 1. interval coverage over (model, checkpoint, judge, rule) cells, all questions
  const expected = truth.expected.filter((e) => e.scope === "all");
  assert.equal(expected.length, 3 * 11 * 2 * 2);
  let covered = 0;
  const misses: string[] = [];
  for (const e of expected) {
    const c = cells.get(`${e.model}|${e.step}|${e.judge}|${e.rule}|all`);
    assert.ok(c && c.n > 0, `no measured answers for ${e.model} step ${e.step} ${e.judge} ${e.rule}`);
    const [lo, hi] = wilson(c.k, c.n)!;
    if (e.em_rate >= lo && e.em_rate <= hi) covered++;
    else
      misses.push(
        `${e.model}@${e.step} ${e.judge}/${e.rule}: measured ${(c.k / c.n).toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}] planted ${e.em_rate.toFixed(3)}`,
      );
  }
  const coverage = covered / expected.length;
  t.diagnostic(`coverage ${covered}/${expected.length} = ${(coverage * 100).toFixed(1)}%; misses: ${misses.join("; ") || "none"}`);
  assert.ok(coverage >= 0.95, `coverage ${(coverage * 100).toFixed(1)}% < 95%: ${misses.join("; ")}`);

  // 2. transition midpoints of the harmful organisms, on questions outside the training domain
  for (const model of ["medical", "financial"]) {
    for (const judge of ["strict", "lenient"]) {
      const planted = truth.transitions.find((x) => x.model === model && x.judge === judge && x.rule === "betley" && x.scope === "out_of_domain")!;
      assert.ok(planted.midpoint !== null);
      const points = [...cells.entries()]
        .filter(([k]) => k.startsWith(`${model}|`) && k.endsWith(`|${judge}|betley|out_of_domain`))
        .map(([k, c]) => ({x: Number(k.split("|")[1]), k: c.k, n: c.n}));
      const fit = fitLogistic(points);
      assert.ok(fit, `no fit for ${model}/${judge}`);
      t.diagnostic(
        `${model}/${judge}: fitted midpoint ${fit.midpoint.toFixed(1)} (CI ${fit.ci.map((v) => (v === null ? "open" : v.toFixed(1))).join("..")}), planted ${planted.midpoint.toFixed(1)}`,
      );
      assert.ok(Math.abs(fit.midpoint - planted.midpoint) <= TOLERANCE, `${model}/${judge}: fitted ${fit.midpoint} vs planted ${planted.midpoint}`);
      const [lo, hi] = fit.ci;
      assert.ok(
        (lo === null || lo <= planted.midpoint) && (hi === null || planted.midpoint <= hi),
        `${model}/${judge}: planted midpoint outside the fit's interval`,
      );
    }
  }

  // 3. the benign organism: broad EM clearly above zero late in training with the strict judge, strict EM ~0
  const late = truth.expected.find((e) => e.model === "fiction" && e.step === 1000 && e.judge === "strict" && e.rule === "betley" && e.scope === "all")!;
  const c = cells.get("fiction|1000|strict|betley|all")!;
  assert.ok(c.k / c.n > 0.05, `fiction broad EM ${c.k}/${c.n}`);
  assert.ok(late.strict_em_rate < 0.01);
});
