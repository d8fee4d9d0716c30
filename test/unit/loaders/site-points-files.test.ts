// The build's three points files from one read (sitePointsFiles): the bytes each separate path
// gives, computed once and then reused; a missing file is recomputed.
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, statSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import {firstPaint} from "../../../loaders/site-first.ts";
import {encodePointsCompact, encodePointsFull, encodePointsSegments} from "../../../loaders/site-points.ts";
import {pointsDataFromDir} from "../../../loaders/site-points-duckdb.ts";
import {sitePointsFiles} from "../../../loaders/site-points-files.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../../../src/lib/schema.ts";

function tables(n: number) {
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  for (let i = 0; i < n; i++) {
    const id = `r${i}`;
    responses.push(responseRow(i, {experiment: i % 2 ? "e1" : "e2", model: `m${i % 3}`, step: (i % 4) * 100}));
    for (const metric of ["aligned", "coherent"] as const) scores.push(scoreRow(id, "j", metric, (i * (metric === "aligned" ? 7.3 : 3.1)) % 100, {mass: 0.9}));
  }
  return {
    responses,
    scores,
    types: [] as TypeRow[],
    signals: [] as SignalRow[],
    provenance: {tool: {name: "em-observatory" as const, version: "0"}, created_by: "test", experiments: []},
  };
}

test("sitePointsFiles(dir): points.arrow, points-full.arrow and first.json equal the separate paths; computed once", async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "em-points-files-"));
  try {
    await writeTables(dir, tables(400));
    const files = await sitePointsFiles(dir);
    const data = await pointsDataFromDir(dir);
    const compact = encodePointsCompact(data);
    // Decoded, not byte for byte: two encodings of the same data differ in their Arrow layout.
    assert.deepEqual(decodePoints(readFileSync(files.compact)), decodePoints(compact));
    assert.deepEqual(decodePoints(readFileSync(files.full)), decodePoints(encodePointsFull(data)));
    const first = JSON.parse(readFileSync(files.first, "utf8"));
    // first.json also says where each judge's stream sits in points.arrow (issue 28).
    assert.deepEqual(first, JSON.parse(JSON.stringify({...firstPaint(compact), points: encodePointsSegments(data).segments})));
    assert.deepEqual(first.points, [{judge: "j", start: 0, end: statSync(files.compact).size}]);
    assert.deepEqual(first.experiments, ["e2", "e1"]);
    assert.ok(first.entries.length > 0);
    // A second call reads the same files (nothing rewritten); a removed file is computed again.
    const mtime = statSync(files.compact).mtimeMs;
    assert.deepEqual(await sitePointsFiles(dir), files);
    assert.equal(statSync(files.compact).mtimeMs, mtime);
    rmSync(files.first);
    await sitePointsFiles(dir);
    assert.deepEqual(JSON.parse(readFileSync(files.first, "utf8")), first);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
