// The build's points files from one read (sitePointsFiles): the bytes each separate path
// gives, computed once and then reused; a missing file is recomputed.
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from "node:fs";
import os from "node:os";
import {dirname, join} from "node:path";
import {firstPaint} from "../../../loaders/site-first.ts";
import {encodePointsCompact, encodePointsFull, encodePointsSegments} from "../../../loaders/site-points.ts";
import {pointsDataFromDir} from "../../../loaders/site-points-duckdb.ts";
import {sitePointsFiles} from "../../../loaders/site-points-files.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {siteTables} from "../../helpers/site-tables.ts";

test("sitePointsFiles(dir): points.arrow, points-exact.arrow (the one exact file: no points-full.arrow) and first.json equal the separate paths; computed once", async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "em-points-files-"));
  try {
    await writeTables(dir, siteTables(400));
    const files = await sitePointsFiles(dir);
    const data = await pointsDataFromDir(dir);
    const compact = encodePointsCompact(data);
    // Decoded, not byte for byte: two encodings of the same data differ in their Arrow layout.
    assert.deepEqual(decodePoints(readFileSync(files.compact)), decodePoints(compact));
    // The exact scores are written once: points-exact.arrow, nothing else in the folder.
    assert.deepEqual(readdirSync(dirname(files.compact)).sort(), ["first.json", "points-exact.arrow", "points.arrow", "responses-first.json"]);
    const first = JSON.parse(readFileSync(files.first, "utf8"));
    // first.json also says where each judge's stream sits in points.arrow (issue 28).
    // And where each judge's exact scores sit in points-exact.arrow (the page comparing judges loads those).
    assert.deepEqual(
      first,
      JSON.parse(
        JSON.stringify({...firstPaint(compact), points: encodePointsSegments(data).segments, exact: encodePointsSegments(data, encodePointsFull).segments}),
      ),
    );
    assert.deepEqual(first.points, [{judge: "j", start: 0, end: statSync(files.compact).size}]);
    assert.deepEqual(first.exact, [{judge: "j", start: 0, end: statSync(files.exact).size}]);
    assert.deepEqual(decodePoints(readFileSync(files.exact)), decodePoints(encodePointsFull(data)));
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
