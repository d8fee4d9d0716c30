// safetensors reader and writer (loaders/mechanism/safetensors.ts): round trips in F32, F16 and
// BF16, reads by offset, and corrupt files rejected with the file named.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {after, test} from "node:test";
import {openSafetensors, writeSafetensors} from "../../../../loaders/mechanism/safetensors.ts";

const dir = mkdtempSync(path.join(tmpdir(), "em-st-"));
after(() => rmSync(dir, {recursive: true, force: true}));

test("writeSafetensors -> openSafetensors round-trips F32 exactly and F16 / BF16 to their precision", () => {
  const vals = [0, 1, -2.5, 0.1, 1e-3, 65504, -3.140625];
  const f = path.join(dir, "rt.safetensors");
  writeSafetensors(f, [
    {name: "a", dtype: "F32", shape: [7], data: vals},
    {name: "b", dtype: "F16", shape: [7, 1], data: vals},
    {name: "c", dtype: "BF16", shape: [1, 7], data: vals},
  ]);
  const st = openSafetensors(f);
  try {
    assert.deepEqual([...st.tensors.keys()], ["a", "b", "c"]);
    assert.deepEqual(st.tensors.get("b")!.shape, [7, 1]);
    assert.deepEqual([...st.read("a")], [...Float32Array.from(vals)]);
    st.read("b").forEach((v, i) => assert.ok(Math.abs(v - vals[i]!) <= Math.abs(vals[i]!) * 1e-3 + 1e-7, `F16 ${vals[i]} read as ${v}`));
    // BF16 keeps 8 bits of mantissa (the writer truncates)
    st.read("c").forEach((v, i) => assert.ok(Math.abs(v - vals[i]!) <= Math.abs(vals[i]!) * 8e-3 + 1e-7, `BF16 ${vals[i]} read as ${v}`));
  } finally {
    st.close();
  }
});

test("openSafetensors: header length 8-aligned and offsets follow the spec (hand-built file)", () => {
  const header = JSON.stringify({x: {dtype: "F32", shape: [2], data_offsets: [0, 8]}, __metadata__: {format: "pt"}});
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const data = Buffer.alloc(8);
  data.writeFloatLE(1.5, 0);
  data.writeFloatLE(-4, 4);
  const f = path.join(dir, "hand.safetensors");
  writeFileSync(f, Buffer.concat([len, Buffer.from(header), data]));
  const st = openSafetensors(f);
  assert.deepEqual([...st.read("x")], [1.5, -4]);
  assert.deepEqual(st.metadata, {format: "pt"});
  st.close();
});

test("openSafetensors: corrupt headers and truncated files are errors naming the file", () => {
  const cases: [string, Buffer, RegExp][] = [
    ["short", Buffer.from([1, 2, 3]), /shorter than the 8-byte header length/],
    ["huge-length", Buffer.concat([Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]), Buffer.from("{}")]), /header length 65535 does not fit/],
    [
      "not-json",
      (() => {
        const b = Buffer.alloc(12);
        b.writeBigUInt64LE(4n);
        b.write("{oops", 8);
        return b;
      })(),
      /header is not JSON/,
    ],
  ];
  const bad = (h: object, extra = 0) => {
    const s = JSON.stringify(h);
    const b = Buffer.alloc(8 + s.length + extra);
    b.writeBigUInt64LE(BigInt(s.length));
    b.write(s, 8);
    return b;
  };
  cases.push([
    "shape-mismatch",
    bad({t: {dtype: "F32", shape: [3], data_offsets: [0, 8]}}, 8),
    /tensor 't': data_offsets span 8 bytes, shape \[3\] of F32 needs 12/,
  ]);
  cases.push(["truncated", bad({t: {dtype: "F32", shape: [4], data_offsets: [0, 16]}}, 8), /past the data section \(8 bytes; file truncated\?\)/]);
  cases.push(["dtype", bad({t: {dtype: "Q4", shape: [1], data_offsets: [0, 1]}}, 1), /unknown dtype "Q4"/]);
  for (const [name, bytes, re] of cases) {
    const f = path.join(dir, `${name}.safetensors`);
    writeFileSync(f, bytes);
    assert.throws(
      () => openSafetensors(f),
      (e: Error) => re.test(e.message) && e.message.includes(`${name}.safetensors`) && /corrupt safetensors header/.test(e.message),
      name,
    );
  }
});
