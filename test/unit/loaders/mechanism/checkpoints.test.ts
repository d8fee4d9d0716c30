// PEFT checkpoint folders (loaders/mechanism/checkpoints.ts): the simulator's safetensors read back
// give the norms and rotations computed directly from its tensors; BA inner products from r x r
// matrices equal the materialised product's; the streaming window and module passes change
// nothing; bad folders and tensors are errors naming the file.
import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {listCheckpoints, readCheckpointSeries, rotation} from "../../../../loaders/mechanism/checkpoints.ts";
import {simulateRun, writeCheckpoints} from "../../../../loaders/mechanism/simulate.ts";
import {writeSafetensors} from "../../../../loaders/mechanism/safetensors.ts";

const root = mkdtempSync(path.join(tmpdir(), "em-ckpt-"));
after(() => rmSync(root, {recursive: true, force: true}));

const value = (
  rows: {step: number; layer: number | null; module: string; metric: string; value: number | null}[],
  step: number,
  layer: number | null,
  metric: string,
  module = "self_attn.q_proj",
) => rows.find((r) => r.step === step && r.layer === layer && r.metric === metric && (layer === null || r.module === module))!.value;

test("readCheckpointSeries: norms and rotations equal the direct computation on the simulator's tensors (rank 8, 3 layers, 2 modules)", () => {
  const run = simulateRun({count: 36, rank: 8, layers: 3, out: 12, in: 10, modules: ["mlp.down_proj", "self_attn.q_proj"], seed: 4});
  const dir = path.join(root, "r8");
  writeCheckpoints(run, dir);
  const s = readCheckpointSeries(dir);
  assert.equal(s.steps.length, 36);
  assert.equal(s.modules.length, 6);
  assert.deepEqual(s.modules[0], {layer: 0, module: "mlp.down_proj", rank: 8, out: 12, in: 10});
  const B = run.tensors.find((t) => t.name === "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight")!.values;
  const A = run.tensors.find((t) => t.name === "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight")!.values;
  const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((acc, v, i) => acc + v * y[i]!, 0);
  const ba = (i: number) => {
    const out: number[] = [];
    for (let o = 0; o < 12; o++)
      for (let c = 0; c < 10; c++) out.push(Array.from({length: 8}, (_, p) => B[i]![o * 8 + p]! * A[i]![p * 10 + c]!).reduce((a, b) => a + b, 0));
    return out;
  };
  const close = (a: number | null, b: number, what: string) =>
    assert.ok(a !== null && Math.abs(a - b) < 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  close(value(s.rows, 100, 1, "norm_B"), Math.sqrt(dot(B[10]!, B[10]!)), "norm_B");
  close(value(s.rows, 100, 1, "norm_A"), Math.sqrt(dot(A[10]!, A[10]!)), "norm_A");
  close(value(s.rows, 100, 1, "norm_BA"), Math.sqrt(dot(ba(10), ba(10))), "norm_BA");
  for (const k of [5, 10, 15]) {
    const i = 16;
    const d1 = B[i - k]!.map((v, j) => v - B[i]![j]!);
    const d2 = B[i + k]!.map((v, j) => v - B[i]![j]!);
    close(value(s.rows, 160, 1, `rotation_B_k${k}`), dot(d1, d2) / Math.sqrt(dot(d1, d1) * dot(d2, d2)), `rotation_B_k${k}`);
    const p1 = ba(i - k).map((v, j) => v - ba(i)[j]!);
    const p2 = ba(i + k).map((v, j) => v - ba(i)[j]!);
    close(value(s.rows, 160, 1, `rotation_BA_k${k}`), dot(p1, p2) / Math.sqrt(dot(p1, p1) * dot(p2, p2)), `rotation_BA_k${k}`);
  }
  // ends: undefined within k of either end
  assert.equal(value(s.rows, 40, 1, "rotation_B_k5"), null);
  assert.notEqual(value(s.rows, 50, 1, "rotation_B_k5"), null);
  assert.notEqual(value(s.rows, 300, 1, "rotation_B_k5"), null);
  assert.equal(value(s.rows, 310, 1, "rotation_B_k5"), null);
  // all modules together = the concatenated vector: its squared norm is the sum
  const all = value(s.rows, 100, null, "norm_B")!;
  const parts = s.rows.filter((r) => r.step === 100 && r.layer !== null && r.metric === "norm_B").reduce((acc, r) => acc + r.value! ** 2, 0);
  close(all, Math.sqrt(parts), "all norm_B");
  // a memory budget that forces one module per pass gives the same numbers
  const small = readCheckpointSeries(dir, {maxBytes: 1});
  assert.equal(small.passes, 6);
  small.rows.forEach((r, i) => assert.ok(r.value === s.rows[i]!.value || Math.abs(r.value! - s.rows[i]!.value!) < 1e-9));
  // baMaxRank below the rank: BA left unknown, never a number
  const noBA = readCheckpointSeries(dir, {baMaxRank: 4});
  assert.equal(value(noBA.rows, 160, 1, "rotation_BA_k5"), null);
  assert.equal(value(noBA.rows, 160, 1, "norm_BA"), null);
});

test("rotation(G, i, k, T) is -1 on a straight line and 0 at a right-angle corner", () => {
  const pts = [0, 1, 2, 3, 4].map((t) => [t, 0]).concat([1, 2, 3, 4].map((t) => [4, t]));
  const G = (i: number, j: number) => pts[i]![0]! * pts[j]![0]! + pts[i]![1]! * pts[j]![1]!;
  assert.ok(Math.abs(rotation(G, 2, 2, pts.length)! + 1) < 1e-12);
  assert.ok(Math.abs(rotation(G, 4, 2, pts.length)!) < 1e-12);
  assert.equal(rotation(G, 1, 2, pts.length), null);
});

test("bad checkpoint folders: missing step, no adapter file, wrong tensor shape, corrupt header, no LoRA tensors", () => {
  const run = simulateRun({count: 6, layers: 1, seed: 2});
  const mk = (name: string) => {
    const d = path.join(root, name);
    writeCheckpoints(run, d);
    return d;
  };
  const gap = mk("gap");
  rmSync(path.join(gap, "checkpoint-20"), {recursive: true});
  assert.throws(() => listCheckpoints(gap), /gap: checkpoint-20 is missing \(steps go by 10/);
  assert.equal(listCheckpoints(gap, {allowGaps: true}).length, 5);
  const noFile = mk("nofile");
  rmSync(path.join(noFile, "checkpoint-30", "adapter_model.safetensors"));
  assert.throws(() => listCheckpoints(noFile), /nofile\/checkpoint-30: no adapter_model\.safetensors/);
  assert.throws(() => listCheckpoints(path.join(root, "absent")), /absent: checkpoint folder does not exist/);
  mkdirSync(path.join(root, "empty"));
  assert.throws(() => listCheckpoints(path.join(root, "empty")), /no checkpoint-<step> folders/);
  const shape = mk("shape");
  const t = run.tensors.map((x) => ({name: x.name, dtype: "F32" as const, shape: x.shape, data: x.values[3]!}));
  t[1] = {...t[1]!, shape: [t[1]!.shape[0]! / 2, 2]};
  writeSafetensors(path.join(shape, "checkpoint-30", "adapter_model.safetensors"), t);
  assert.throws(
    () => readCheckpointSeries(shape),
    /shape\/checkpoint-30\/adapter_model\.safetensors: tensor 'base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_B\.weight' has shape \[32,2\], expected \[64,1\]/,
  );
  const corrupt = mk("corrupt");
  writeFileSync(path.join(corrupt, "checkpoint-40", "adapter_model.safetensors"), Buffer.from("\x10\x00\x00\x00\x00\x00\x00\x00{not json at all"));
  assert.throws(() => readCheckpointSeries(corrupt), /corrupt\/checkpoint-40\/adapter_model\.safetensors: corrupt safetensors header: header is not JSON/);
  const nolora = path.join(root, "nolora", "checkpoint-0");
  mkdirSync(nolora, {recursive: true});
  writeSafetensors(path.join(nolora, "adapter_model.safetensors"), [{name: "lm_head.weight", dtype: "F32", shape: [1], data: [1]}]);
  assert.throws(() => readCheckpointSeries(path.dirname(nolora)), /no LoRA tensors/);
});

test("readCheckpointSeries: rank 1, the BA inner products are the product of the A and B ones (||b a^T|| = ||b|| ||a||; rotation_BA from them)", () => {
  const run = simulateRun({count: 25, rank: 1, layers: 1, out: 9, in: 7, seed: 6});
  const dir = path.join(root, "r1");
  writeCheckpoints(run, dir);
  const s = readCheckpointSeries(dir);
  const b = run.tensors[1]!.values;
  const a = run.tensors[0]!.values;
  const outer = (i: number) => Array.from(b[i]!).flatMap((x) => Array.from(a[i]!, (y) => x * y));
  const dot = (x: number[], y: number[]) => x.reduce((acc, v, j) => acc + v * y[j]!, 0);
  for (const step of [0, 120, 240]) {
    const r = (m: string) => s.rows.find((x) => x.step === step && x.metric === m)!.value!;
    assert.ok(Math.abs(r("norm_BA") - r("norm_A") * r("norm_B")) < 1e-6 * r("norm_BA"));
  }
  const i = 12;
  const p1 = outer(i - 5).map((v, j) => v - outer(i)[j]!);
  const p2 = outer(i + 5).map((v, j) => v - outer(i)[j]!);
  const want = dot(p1, p2) / Math.sqrt(dot(p1, p1) * dot(p2, p2));
  const got = s.rows.find((x) => x.step === 120 && x.metric === "rotation_BA_k5")!.value!;
  assert.ok(Math.abs(got - want) < 1e-4, `${got} vs ${want}`);
});
