// Training logs (loaders/mechanism/training.ts): plain CSV, JSONL, W&B and TensorBoard CSV exports
// as downloaded, and bad logs rejected with the file (and line) named.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {readTrainingLog} from "../../../../loaders/mechanism/training.ts";

const dir = mkdtempSync(path.join(tmpdir(), "em-train-"));
after(() => rmSync(dir, {recursive: true, force: true}));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

test("readTrainingLog: a plain CSV with a step column and several scalars; empty cells are missing; a repeated step keeps its last value", () => {
  const log = readTrainingLog(file("plain.csv", "step,loss,grad_norm,lr\n20,1.5,0.9,\n10,2.0,1.1,1e-4\n20,1.4,,2e-4\n"));
  assert.deepEqual(log.metrics, ["loss", "grad_norm", "lr"]);
  assert.deepEqual(log.rows, [
    {step: 10, values: {loss: 2, grad_norm: 1.1, lr: 1e-4}},
    {step: 20, values: {loss: 1.4, grad_norm: 0.9, lr: 2e-4}},
  ]);
});

test("readTrainingLog: a W&B export (Step, '<run> - <metric>', __MIN/__MAX dropped, _timestamp dropped)", () => {
  const log = readTrainingLog(
    file(
      "wandb.csv",
      '"Step","_timestamp","run-7 - train/loss","run-7 - train/loss__MIN","run-7 - train/loss__MAX","run-7 - train/grad_norm"\n0,1.7e9,2.1,2.1,2.1,0.5\n5,1.7e9,1.9,1.9,1.9,0.7\n',
    ),
  );
  assert.deepEqual(log.metrics, ["train/loss", "train/grad_norm"]);
  assert.deepEqual(log.rows[1], {step: 5, values: {"train/loss": 1.9, "train/grad_norm": 0.7}});
  assert.throws(
    () => readTrainingLog(file("two-runs.csv", "Step,a - loss,b - loss\n1,2,3\n")),
    /two-runs\.csv: columns 'a - loss' and 'b - loss' are both metric 'loss' \(a W&B export of several runs\?\)/,
  );
});

test("readTrainingLog: a TensorBoard export (Wall time,Step,Value) is named by metric: or by the file's tag", () => {
  const text = "Wall time,Step,Value\n1700000000.5,100,0.25\n1700000010.5,200,0.5\n";
  assert.deepEqual(readTrainingLog(file("run-abc-tag-train_grad_norm.csv", text)).metrics, ["train_grad_norm"]);
  const named = readTrainingLog(file("export.csv", text), {metric: "grad_norm"});
  assert.deepEqual(named.rows, [
    {step: 100, values: {grad_norm: 0.25}},
    {step: 200, values: {grad_norm: 0.5}},
  ]);
});

test("readTrainingLog: JSON Lines (HF Trainer log_history style, global_step) and an explicit step column", () => {
  const log = readTrainingLog(file("log.jsonl", '{"global_step": 1, "loss": 3, "note": "x"}\n{"global_step": 2, "loss": 2.5, "grad_norm": 1}\n'));
  assert.deepEqual(log.metrics, ["loss", "grad_norm"]);
  assert.deepEqual(log.rows[0], {step: 1, values: {loss: 3, grad_norm: null}});
  assert.equal(readTrainingLog(file("iter.csv", "iteration,loss\n1,2\n"), {step: "iteration"}).rows.length, 1);
});

test("readTrainingLog: bad logs name the file (and line): no step column, a non-numeric step, no scalar, wrong extension", () => {
  assert.throws(
    () => readTrainingLog(file("nostep.csv", "iteration,loss\n1,2\n")),
    /nostep\.csv: no step column \(looked for step, global_step.*\); columns: iteration, loss; name it with `step: COLUMN`/,
  );
  assert.throws(() => readTrainingLog(file("named.csv", "step,loss\n1,2\n"), {step: "Step"}), /named\.csv: no step column 'Step'/);
  assert.throws(() => readTrainingLog(file("badstep.csv", "step,loss\n1,2\nten,3\n")), /badstep\.csv:3: step column 'step' holds "ten", not a step number/);
  assert.throws(() => readTrainingLog(file("noscalar.csv", "step,name\n1,a\n")), /noscalar\.csv: no scalar column with a numeric value/);
  assert.throws(() => readTrainingLog(file("log.txt", "step,loss\n")), /log\.txt: training logs are \.csv or \.jsonl/);
});
