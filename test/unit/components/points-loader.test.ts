// The one loader every page reads its points through (issue 28), over real HTTP on 127.0.0.1: it
// fetches by byte range only the judges a page shows (the URL's judge and judge B, the first
// `perExperiment` of each experiment), another judge on load(), and reads points-exact.arrow's
// segments (first.json `exact`) for the page that compares judges.
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import {join} from "node:path";
import {encodePointsFull, encodePointsSegments, pointsData} from "../../../loaders/site-points.ts";
import {serveStatic} from "../../../loaders/static-server.ts";
import {decodePoints, pointsOfJudges} from "../../../src/components/points.ts";
import {EAGER_POINTS_BYTES, observePoints, pointsLoader, smallStart, startBytes} from "../../../src/components/points-loader.ts";
import type {FirstPaint} from "../../../src/lib/site-first.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";

/** Three judges on 600 responses, both points files, first.json's segment lists; served on 127.0.0.1 with every request's Range header recorded. */
async function site(): Promise<{url: string; first: FirstPaint; exact: Uint8Array; ranges: string[]; close: () => Promise<void>}> {
  const responses = Array.from({length: 600}, (_, i) => responseRow(i, {model: `m${Math.floor(i / 200)}`, step: Math.floor(i / 50) % 4}));
  const scores = responses.flatMap((r, i) =>
    ["a", "b", "c"].flatMap((j, k) => [
      scoreRow(r.response_id, j, "aligned", (i * (k + 3.7)) % 100),
      scoreRow(r.response_id, j, "coherent", (i * 7 + k) % 101),
    ]),
  );
  const data = pointsData({responses, scores, types: []});
  const compact = encodePointsSegments(data);
  const exact = encodePointsSegments(data, encodePointsFull);
  const dir = mkdtempSync(join(os.tmpdir(), "em-points-loader-"));
  writeFileSync(join(dir, "points.arrow"), compact.bytes);
  writeFileSync(join(dir, "points-exact.arrow"), exact.bytes);
  const first: FirstPaint = {version: 1, experiments: ["e"], judges: {e: ["a", "b", "c"]}, entries: [], points: compact.segments, exact: exact.segments};
  const server = await serveStatic(dir);
  const ranges: string[] = [];
  // Node's fetch, with every request's Range header recorded (the loader calls the global fetch).
  const plain = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    ranges.push(`${String(input).split("/").pop()} ${new Headers(init?.headers).get("range") ?? "whole"}`);
    return plain(input, init);
  };
  return {
    url: server.url,
    first,
    exact: exact.bytes,
    ranges,
    close: async () => {
      globalThis.fetch = plain;
      await server.close();
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

/** The parts the loader announces first, decoded: the judges they hold. */
function firstParts(loader: ReturnType<typeof pointsLoader>): Promise<string[]> {
  // Later announcements (none here: nothing else is loaded) would resolve nothing more.
  return new Promise((resolve, reject) => {
    observePoints(loader)((parts) => {
      if (parts instanceof Promise) parts.catch(reject);
      else resolve([...decodePoints(parts).dicts.judge].sort());
    });
  });
}

test("pointsLoader: the first judge of each experiment and the URL's judge and judge B, one range each; load() adds a judge", async () => {
  const s = await site();
  try {
    const loader = pointsLoader(`${s.url}/points.arrow`, Promise.resolve(s.first), "?experiment=e&judge_b=c");
    assert.deepEqual(await firstParts(loader), ["a", "c"]);
    assert.deepEqual(s.ranges.sort(), ["points.arrow bytes=" + rangeOf(s.first.points!, "a"), "points.arrow bytes=" + rangeOf(s.first.points!, "c")].sort());
    assert.equal(loader.has("b"), false);
    await loader.load(["b"]);
    assert.equal(loader.has("b"), true);
    assert.deepEqual([...decodePoints(loader.parts()).dicts.judge].sort(), ["a", "b", "c"]);
    assert.equal(s.ranges.length, 3);
  } finally {
    await s.close();
  }
});

test("pointsLoader: perExperiment 2 (a page comparing two judges) and Infinity (a page showing all)", async () => {
  const s = await site();
  try {
    assert.deepEqual(await firstParts(pointsLoader(`${s.url}/points.arrow`, Promise.resolve(s.first), "", {perExperiment: 2})), ["a", "b"]);
    assert.deepEqual(await firstParts(pointsLoader(`${s.url}/points.arrow`, Promise.resolve(s.first), "", {perExperiment: Infinity})), ["a", "b", "c"]);
    assert.ok(
      s.ranges.every((r) => /^points\.arrow bytes=\d+-\d+$/.test(r)),
      s.ranges.join("; "),
    );
  } finally {
    await s.close();
  }
});

test("pointsLoader: points-exact.arrow by first.json's `exact` segments gives the exact scores of those judges only", async () => {
  const s = await site();
  try {
    const loader = pointsLoader(`${s.url}/points-exact.arrow`, Promise.resolve(s.first), "?judge=b", {segments: "exact", perExperiment: 1});
    assert.deepEqual(await firstParts(loader), ["a", "b"]);
    const p = decodePoints(loader.parts());
    assert.equal(p.exact, true);
    assert.deepEqual(
      s.ranges.sort(),
      ["points-exact.arrow bytes=" + rangeOf(s.first.exact!, "a"), "points-exact.arrow bytes=" + rangeOf(s.first.exact!, "b")].sort(),
    );
    // Row for row the exact table's rows of those judges.
    const whole = pointsOfJudges(decodePoints(s.exact), ["a", "b"]);
    assert.equal(p.n, whole.n);
    for (const k of ["rid", "aligned", "coherent", "step"] as const) assert.deepEqual(p[k], whole[k], k);
    assert.ok(
      p.aligned.some((x) => !Number.isInteger(x)),
      "exact non-integer scores",
    );
  } finally {
    await s.close();
  }
});

test("startBytes(first, search): the bytes the loader fetches at the start (its ranges), not every judge's; smallStart compares them with the limit", async () => {
  const s = await site();
  try {
    const size = (j: string) => {
      const seg = s.first.points!.find((x) => x.judge === j)!;
      return seg.end - seg.start;
    };
    const all = size("a") + size("b") + size("c");
    // What the loader fetches is what startBytes says: the judge of each experiment, plus the URL's judge and judge B.
    for (const search of ["?experiment=e", "?experiment=e&judge=b", "?experiment=e&judge=b&judge_b=c"]) {
      const loader = pointsLoader(`${s.url}/points.arrow`, Promise.resolve(s.first), search);
      await firstParts(loader);
      const fetched = loader.parts().reduce((a, p) => a + p.byteLength, 0);
      assert.equal(startBytes(s.first, search), fetched, `${search}: startBytes = the bytes loaded`);
    }
    assert.equal(startBytes(s.first, "?experiment=e"), size("a"));
    assert.equal(startBytes(s.first, "?judge=b&judge_b=c", {perExperiment: 2}), size("a") + size("b") + size("c"));
    // The multi-judge case: every judge together is over the limit, the one fetched is under it.
    const g = globalThis as {__emEagerPointsBytes?: number};
    g.__emEagerPointsBytes = size("a") + 1;
    try {
      assert.ok(all > g.__emEagerPointsBytes);
      assert.equal(smallStart(s.first, "?experiment=e"), true, "one judge's points under the limit: small");
      assert.equal(smallStart(s.first, "?experiment=e&judge=b"), false, "two judges' over it: not small");
    } finally {
      delete g.__emEagerPointsBytes;
    }
    // No segment list: the whole file, of unknown size: never small.
    const {points: _p, exact: _e, ...bare} = s.first;
    assert.equal(startBytes(bare, ""), null);
    assert.equal(smallStart(bare, ""), false);
    assert.equal(smallStart(null, ""), false);
    assert.equal(smallStart(s.first, ""), size("a") <= EAGER_POINTS_BYTES);
  } finally {
    await s.close();
  }
});

const rangeOf = (segments: readonly {judge: string; start: number; end: number}[], judge: string) => {
  const s = segments.find((x) => x.judge === judge)!;
  return `${s.start}-${s.end - 1}`;
};
