// `em summarize --experiment FILE --transition --mechanism` end to end (issue 27): a simulated run's
// judged answers imported from a CSV, its W&B-style training log and its PEFT safetensors
// checkpoints, all named in the experiment file; the CLI (a child process) prints a sentence per
// credible change point and one line naming the rest, and `--format json` carries the same findings.
// The recovery of planted truth through the same functions is tested in mechanism-recovery.test.ts;
// here: the CLI's plumbing (imports matched to the variant, every curve fitted, text = JSON).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {fileURLToPath} from "node:url";
import {mechanismText} from "../../../loaders/mechanism/report.ts";
import {simulateRun, writeCheckpoints} from "../../../loaders/mechanism/simulate.ts";
import type {MechanismFinding} from "../../../src/lib/mechanism/schema.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const root = mkdtempSync(path.join(tmpdir(), "em-mech-cli-"));
after(() => rmSync(root, {recursive: true, force: true}));

const em = (args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, "bin/em.js"), "summarize", ...args], {cwd: repoRoot, encoding: "utf8", timeout: 600_000});

test("em summarize --transition --mechanism: imported answers, a W&B log and PEFT checkpoints give the lag sentences; --format json carries the same findings", () => {
  // 40 checkpoints 10 steps apart, 8 questions x 40 answers: the turn at 150, EM midpoint ~300
  const run = simulateRun({count: 40, turn: 150, lag: 150, seed: 11});
  writeCheckpoints(run, path.join(root, "adapters"));
  const rows = ["question_id,question,response,aligned,coherent,step"];
  let i = 0;
  for (const p of run.em) for (let a = 0; a < p.n; a++) rows.push(`${p.question},Question ${p.question}?,answer ${i++},${a < p.k ? 10 : 90},90,${p.x}`);
  writeFileSync(path.join(root, "responses.csv"), `${rows.join("\n")}\n`);
  const log = ['"Step","run-1 - train/grad_norm","run-1 - train/grad_norm__MIN","run-1 - train/grad_norm__MAX","run-1 - train/loss"'];
  for (const t of run.training) log.push([t.step, t.grad_norm, t.grad_norm, t.grad_norm, t.loss].join(","));
  writeFileSync(path.join(root, "train-wandb.csv"), `${log.join("\n")}\n`);
  const exp = path.join(root, "exp.yaml");
  writeFileSync(
    exp,
    [
      "name: mech-cli",
      "coordinate: step",
      "imports:",
      "  - {files: responses.csv, model: medical, judge: imported}",
      "mechanism:",
      "  training:",
      "    - {files: train-wandb.csv, meta: {model: medical}}",
      "  checkpoints:",
      "    - {dir: adapters, meta: {model: medical}}",
      "",
    ].join("\n"),
  );
  const r = em(["--experiment", exp, "--transition", "--mechanism", "--rule", "organisms", "--format", "json"]);
  assert.equal(r.status, 0, r.stderr);
  const mech = (JSON.parse(r.stdout) as {mechanism: {findings: MechanismFinding[]; coordinate: string}}).mechanism;
  assert.equal(mech.coordinate, "step");
  const by = new Map(mech.findings.map((f) => [f.scalar, f]));
  // every curve is fitted: the log's two scalars and the checkpoints' norms and rotations
  for (const s of ["train/grad_norm", "train/loss", "norm_B", "rotation_B_k10", "rotation_BA_k10"]) assert.ok(by.has(s), `${s} missing: ${[...by.keys()]}`);
  for (const s of ["train/grad_norm", "rotation_B_k10"]) {
    const f = by.get(s)!;
    assert.equal(f.variant, "medical");
    assert.equal(f.change.verdict, "credible", `${s}: ${f.sentence}`);
    assert.ok(f.change.ci![0] <= 150 && 150 <= f.change.ci![1], `${s}: planted 150 outside ${f.change.ci}`);
    assert.ok(f.lag.lag! > 80, `${s}: ${f.sentence}`);
    assert.match(
      f.sentence,
      new RegExp(
        `^${f.label.replace(/[()]/g, "\\$&")} peaks at step \\d+ \\[\\d+, \\d+\\].*; EM midpoint \\d+ \\[[\\d?]+, [\\d?]+\\]: behaviour follows by \\d+ steps`,
      ),
    );
  }
  assert.match(by.get("rotation_B_k10")!.sentence, /\(grid-limited: widened by half the checkpoint spacing, conservative\)/);
  // the table format prints the JSON's sentences: one per credible change point, then one line for the rest
  const text = mechanismText(mech.findings);
  for (const f of mech.findings) if (f.change.credible) assert.ok(text.includes(`  medical: ${f.sentence}\n`), f.sentence);
  const none = mech.findings.filter((f) => !f.change.credible).map((f) => f.label);
  assert.ok(none.length > 0 && text.includes(`  medical: no credible change point: ${none.join(", ")}\n`), text);
  const table = em(["--experiment", exp, "--transition", "--mechanism", "--rule", "organisms"]);
  assert.equal(table.status, 0, table.stderr);
  assert.ok(table.stdout.endsWith(text), `${table.stdout.slice(-600)}\n---\n${text}`);
});
