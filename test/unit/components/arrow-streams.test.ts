// points-exact.arrow holds one Arrow IPC stream per judge, written one after another; the SQL page
// inserts them into DuckDB-WASM one stream per call (src/components/db.ts loadTable), so the file
// is cut at its streams' ends: exactly where first.json's `exact` segments say they sit.
import {test} from "node:test";
import assert from "node:assert/strict";
import {encodePointsFull, encodePointsSegments, pointsData} from "../../../loaders/site-points.ts";
import {ipcStreams} from "../../../src/components/arrow-streams.ts";
import {decodePoints, pointsOfJudges} from "../../../src/components/points.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

function data(judges: readonly string[]) {
  const responses = Array.from({length: 300}, (_, i) => responseRow(i, {model: `m${i % 3}`, step: i % 5}));
  const scores = responses.flatMap((r, i) =>
    judges.flatMap((j, k) => [scoreRow(r.response_id, j, "aligned", (i * (k + 2.3)) % 100), scoreRow(r.response_id, j, "coherent", (i * 3 + k) % 101)]),
  );
  return pointsData({responses, scores, types: []});
}

test("ipcStreams: the exact file of three judges is three streams, at first.json's segments, each decoding to its judge's rows", () => {
  const d = data(["a", "b", "c"]);
  const {bytes, segments} = encodePointsSegments(d, encodePointsFull);
  const streams = ipcStreams(bytes);
  assert.equal(streams.length, 3);
  assert.deepEqual(
    streams.map((s) => [s.byteOffset - bytes.byteOffset, s.byteOffset - bytes.byteOffset + s.length]),
    segments.map((s) => [s.start, s.end]),
  );
  const whole = decodePoints(encodePointsFull(d));
  streams.forEach((s, k) => {
    const one = decodePoints(s);
    assert.deepEqual(
      [...new Set(one.codes.judge)].map((c) => one.dicts.judge[c]),
      [segments[k]!.judge],
    );
    assert.deepEqual(one.aligned, pointsOfJudges(whole, [segments[k]!.judge]).aligned);
  });
});

test("ipcStreams: one stream is itself; a cut file is refused with the byte where it ends", () => {
  const one = encodePointsFull(data(["a"]));
  const streams = ipcStreams(one);
  assert.equal(streams.length, 1);
  assert.equal(streams[0]!.length, one.length);
  const {bytes} = encodePointsSegments(data(["a", "b"]), encodePointsFull);
  assert.throws(() => ipcStreams(bytes.subarray(0, bytes.length - 100)), /Arrow IPC: a message body at byte \d+ needs \d+ bytes, \d+ left/);
  assert.deepEqual(ipcStreams(new Uint8Array(0)), []);
});
