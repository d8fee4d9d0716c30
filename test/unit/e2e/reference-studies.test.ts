// The studies of the reference data as a researcher asks for them through `em summarize`:
// replicate intervals, a fine-tune minus its base model, the steering sweep as a 2-D table, the
// rank series on a log coordinate, flat series that must not get a transition, and strict EM as a
// range without domains / a point inside it with them. Skips visibly without ../shared/data.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import type {SummarizeOutput} from "../../../loaders/summarize/output.ts";
import {tempDir} from "../../helpers/tmp.ts";

const examples = path.join(ROOT, "data/experiments/examples");
const reference = path.resolve(ROOT, "../shared/data/em-reference");
const skip = !existsSync(reference) && "../shared/data/em-reference absent (reference data not checked out)";

function em(args: string[]): {code: number; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "bin/em.js"), "summarize", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr};
}
function json(args: string[]): SummarizeOutput {
  const r = em([...args, "--format", "json", "--replicates", "400"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SummarizeOutput;
}
const ex = (name: string) => path.join(examples, name);

test("replication --by variant: 24 variants; the two-seed variant gets a between-replicate interval", {skip}, () => {
  const out = json(["--experiment", ex("replication.yaml"), "--by", "variant"]);
  assert.equal(out.groups.length, 24);
  const two = out.groups.filter((g) => (g.replicates?.n ?? 0) === 2);
  assert.equal(two.length, 1);
  const r = two[0]!.replicates!;
  assert.equal(two[0]!.key.variant, "Qwen2.5-14B-Instruct / extreme-sports");
  assert.deepEqual(r.ids.slice().sort(), ["0", "42"]);
  assert.ok(r.ci !== null && r.ci[0] <= r.mean! && r.mean! <= r.ci[1]);
  for (const g of out.groups) if (g !== two[0]) assert.equal(g.replicates?.ci ?? null, null, "one seed: no between-replicate interval");
});

test("families --baseline: every fine-tune minus its base model with a question-paired interval", {skip}, () => {
  const out = json(["--experiment", ex("families.yaml"), "--by", "variant", "--baseline"]);
  const diffs = out.baseline_diffs!;
  assert.ok(diffs.length >= 5, `${diffs.length} diffs`);
  for (const d of diffs) {
    assert.notEqual(d.variant, d.baseline);
    assert.equal(d.ci_method, "cluster_mover");
    assert.ok(d.n_questions_paired >= 2);
    assert.ok(Math.abs(d.diff! - (d.em_rate! - d.baseline_em_rate!)) < 1e-12);
    assert.ok(d.ci![0] <= d.diff! + 1e-12 && d.diff! <= d.ci![1] + 1e-12);
  }
  // The same diff through the table view.
  const t = em(["--experiment", ex("families.yaml"), "--by", "variant", "--baseline", "--replicates", "200"]);
  assert.match(t.stdout, /variant minus baseline/);
});

test("steering sweep: layer x scale as a 2-D table; every all-zero layer has credible: false", {skip}, () => {
  const t = em(["--experiment", ex("steering-sweep.yaml"), "--by", "layer,step", "--pivot", "step", "--replicates", "200"]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /EM rate by layer x scale/);
  const pivot = t.stdout.slice(t.stdout.indexOf("EM rate by layer x scale"));
  assert.ok(pivot.split("\n").filter((l) => /^\d+\s/.test(l)).length >= 4, "one line per layer");
  const out = json(["--experiment", ex("steering-sweep.yaml"), "--by", "layer", "--transition", "--rule", "organisms"]);
  assert.ok(out.transitions!.length >= 4);
  let zero = 0;
  for (const tr of out.transitions!) {
    assert.equal(typeof tr.credible, "boolean");
    assert.ok("p_constant" in tr);
    if (tr.points.every((p) => p.k === 0)) {
      zero++;
      assert.equal(tr.credible, false, JSON.stringify(tr.key));
      assert.equal(tr.midpoint, null);
      assert.equal(tr.onset, null);
    }
  }
  assert.ok(zero >= 3, `${zero} all-zero layers`);
});

test("LoRA rank: a log coordinate; rank 0 (the base model) stays out of the fit; no midpoint forced", {skip}, () => {
  const out = json(["--experiment", ex("lora-rank.yaml"), "--by", "variant", "--transition"]);
  const [tr] = out.transitions!;
  assert.equal(tr!.scale, "log");
  assert.deepEqual(tr!.excluded, [0]);
  assert.deepEqual(
    tr!.points.map((p) => p.x),
    [0, 1, 4, 16, 64],
  );
  assert.equal(tr!.verdict, "too_few_points");
  assert.equal(tr!.midpoint, null);
});

test("flat series: every transition of every example whose rate never moves is not credible", {skip}, () => {
  for (const f of ["rank-epochs.yaml", "lora-alpha.yaml", "steering-sweep.yaml"]) {
    const out = json(["--experiment", ex(f), "--by", "variant", "--transition"]);
    for (const tr of out.transitions!) {
      const rates = tr.points.filter((p) => p.n > 0).map((p) => p.k / p.n);
      if (rates.length && Math.max(...rates) - Math.min(...rates) < 0.02) assert.equal(tr.credible, false, `${f} ${JSON.stringify(tr.key)}`);
      if (!tr.credible) assert.equal(tr.midpoint, null);
    }
  }
});

test("replication strict EM: a range without domains; with domains the financial variants' strict EM is a point inside it", {skip}, () => {
  const dir = tempDir("em-ref-");
  const text = readFileSync(ex("replication.yaml"), "utf8").replaceAll("../../../../shared/data/em-reference", reference);
  writeFileSync(path.join(dir, "with.yaml"), text);
  writeFileSync(path.join(dir, "without.yaml"), text.replace(/^name: (.*)$/m, "name: $1-nodomains\nbuiltin_domains: false"));
  const without = json(["--experiment", path.join(dir, "without.yaml"), "--by", "variant"]);
  const withD = json(["--experiment", path.join(dir, "with.yaml"), "--by", "variant"]);
  let financial = 0;
  for (const g of without.groups) {
    if (g.n_em_broad === 0) continue;
    assert.equal(g.strict_em_rate, null, `${g.key.variant}: no point value without domains`);
    assert.deepEqual(g.strict_em_range, [0, g.broad_em_rate]);
    if (!String(g.key.variant).includes("financial")) continue;
    const w = withD.groups.find((x) => x.key.variant === g.key.variant)!;
    assert.notEqual(w.strict_em_rate, null, `${g.key.variant}: a point with domains`);
    assert.ok(w.strict_em_rate! >= g.strict_em_range![0] && w.strict_em_rate! <= g.strict_em_range![1]);
    financial++;
  }
  assert.equal(financial, 8);
});
