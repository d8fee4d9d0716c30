// The site files computed together by child processes (siteFiles): each file has the bytes its own
// writer gives (texts and search.bin from one read, details and ids from one process); computed once
// and reused; a removed file is computed again; a writer that fails makes siteFiles throw with the
// writer's name and leaves no file behind.
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import {siteFiles, siteTextsDir} from "../../../loaders/site-files.ts";
import {sitePointsFiles} from "../../../loaders/site-points-files.ts";
import {writeDetailsFromDir, writeIdsFromDir, writeSearchIndexFromDir, writeTextsFromDir} from "../../../loaders/site-texts-duckdb.ts";
import {concatBytes, type Sink} from "../../../loaders/site-texts.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {siteTables} from "../../helpers/site-tables.ts";

async function bytesOf(write: (dir: string, sink: Sink) => Promise<void>, dir: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await write(dir, (c) => chunks.push(c));
  return concatBytes(chunks);
}

test("siteFiles(dir): every file equals its own writer's bytes; computed once; a removed file is computed again", async () => {
  const dirs = [1, 2].map(() => mkdtempSync(join(os.tmpdir(), "em-site-files-")));
  try {
    const want: Record<string, Uint8Array> = {};
    await writeTables(dirs[0]!, siteTables(300));
    want.texts = await bytesOf(writeTextsFromDir, dirs[0]!);
    want.search = await bytesOf(writeSearchIndexFromDir, dirs[0]!);
    want.details = await bytesOf(writeDetailsFromDir, dirs[0]!);
    want.ids = await bytesOf(writeIdsFromDir, dirs[0]!);
    const points = await sitePointsFiles(dirs[0]!);
    const pointsBytes = Object.fromEntries(Object.entries(points).map(([k, f]) => [k, readFileSync(f)]));
    rmSync(join(points.compact, ".."), {recursive: true});
    await writeTables(dirs[1]!, siteTables(300));
    // Two lanes here; the failure test below runs one.
    const files = await siteFiles(dirs[1]!, {lanes: 2});
    for (const k of ["texts", "search", "details", "ids"] as const) assert.deepEqual(new Uint8Array(readFileSync(files[k])), want[k], k);
    for (const k of ["compact", "exact", "first", "responsesFirst"] as const) assert.deepEqual(readFileSync(files[k]), pointsBytes[k], k);
    // No temporary file is left next to them.
    assert.deepEqual(
      readdirSync(join(files.texts, "..")).filter((f) => f.includes(".tmp-")),
      [],
    );
    // A second call reads the same files (nothing rewritten); a removed file is computed again.
    const mtime = statSync(files.texts).mtimeMs;
    assert.deepEqual(await siteFiles(dirs[1]!), files);
    assert.equal(statSync(files.texts).mtimeMs, mtime);
    rmSync(files.ids);
    await siteFiles(dirs[1]!);
    assert.deepEqual(new Uint8Array(readFileSync(files.ids)), want.ids);
  } finally {
    for (const d of dirs) rmSync(d, {recursive: true, force: true});
  }
});

test("siteFiles(dir): a writer that fails is named in the error and leaves no file", async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "em-site-files-"));
  try {
    await writeTables(dir, siteTables(20));
    writeFileSync(join(dir, "scores.parquet"), "not parquet");
    await assert.rejects(siteFiles(dir, {lanes: 1}), /site files: the (points|details) writer failed: .*scores\.parquet/);
    const texts = siteTextsDir(dir);
    assert.deepEqual(
      readdirSync(texts).sort(),
      // texts and search.bin (answers only) were written before the failing writer ran; nothing partial, no lock file
      existsSync(join(texts, "texts.parquet")) ? ["search.bin", "texts.parquet"] : [],
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
