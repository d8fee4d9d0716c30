// The browser's Parquet download (toParquet, hyparquet-writer) read back with hyparquet, the reader
// the pages use: same rows, nulls kept, late non-integers not truncated, types by column.
import {test} from "node:test";
import assert from "node:assert/strict";
import {parquetMetadata, parquetReadObjects} from "hyparquet";
import {toParquet} from "../../../src/components/parquet.ts";

test("toParquet(rows) round-trips through hyparquet: strings, numbers, booleans, nulls, non-finite as null", async () => {
  const rows = Array.from({length: 1500}, (_, i) => ({
    response_id: `r${i}`,
    step: i % 3 ? i * 10 : null,
    // Integers for the first 1,200 rows, then fractions: the whole column decides its type.
    aligned: i < 1200 ? i % 101 : i / 7,
    em: i % 2 === 0,
    response: i === 5 ? "<script>alert(1)</script> ünïcode" : i === 6 ? null : "x",
    coherent: i === 7 ? Number.NaN : 50,
  }));
  const bytes = toParquet(rows);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const types = Object.fromEntries(
    parquetMetadata(buffer)
      .schema.slice(1)
      .map((s) => [s.name, s.type]),
  );
  assert.deepEqual(types, {response_id: "BYTE_ARRAY", step: "DOUBLE", aligned: "DOUBLE", em: "BOOLEAN", response: "BYTE_ARRAY", coherent: "DOUBLE"});
  const back = await parquetReadObjects({file: buffer});
  assert.equal(back.length, 1500);
  assert.deepEqual(back[5], {response_id: "r5", step: 50, aligned: 5, em: false, response: "<script>alert(1)</script> ünïcode", coherent: 50});
  assert.equal(back[6]!.response, null);
  assert.equal(back[7]!.coherent, null);
  assert.equal(back[0]!.step, null);
  assert.equal(back[1400]!.aligned, 200);
  assert.equal(back[1401]!.aligned, 1401 / 7);
});

test("toParquet: a column of mixed kinds holds JSON text; empty input is a file with no rows", async () => {
  const bytes = toParquet([{v: 1}, {v: "a"}, {v: {k: 2}}]);
  const back = await parquetReadObjects({file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer});
  assert.deepEqual(
    back.map((r) => r.v),
    ["1", '"a"', '{"k":2}'],
  );
  const empty = toParquet([]);
  assert.equal((await parquetReadObjects({file: empty.buffer.slice(empty.byteOffset, empty.byteOffset + empty.byteLength) as ArrayBuffer})).length, 0);
});
