// The points tables of issue 13: the DuckDB path (pointsDataFromDir, what the build runs) gives
// the rows and values of the in-memory path, and the compact points.arrow decodes to the same
// table as points-exact.arrow except that non-integer scores read as floor + 0.5, which compares to
// every integer cut exactly as the score does.
import {test} from "node:test";
import assert from "node:assert/strict";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {encodePointsCompact, encodePointsFull, encodePointsSegments, groupFacets, pointsData, probabilityVector} from "../../../loaders/site-points.ts";
import {pointsDataFromDir} from "../../../loaders/site-points-duckdb.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {decodePoints, STRING_COLUMNS, type Points} from "../../../src/components/points.ts";
import {scoreBin} from "../../../src/lib/em/surface.ts";
import type {ResponseRow, ResponseType, ScoreRow, TypeRow} from "../../../src/lib/schema.ts";
import {RecordBatchReader, Table, tableFromIPC, tableToIPC} from "apache-arrow";
import {hyperstitionRows, responseRow, scoreRow} from "../../helpers/judged.ts";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";

const DEMO = join(ROOT, "data/experiments/demo.yaml");

function sameExceptScores(a: Points, b: Points): void {
  assert.equal(a.n, b.n);
  assert.deepEqual(a.rid, b.rid);
  assert.deepEqual(a.step, b.step);
  assert.deepEqual(a.p_emergent, b.p_emergent);
  assert.deepEqual(a.special_known, b.special_known);
  assert.deepEqual(a.alignedBin, b.alignedBin);
  assert.deepEqual(a.coherentBin, b.coherentBin);
  for (const c of Object.keys(a.codes) as (keyof Points["codes"])[]) {
    const value = (p: Points, i: number) => (p.codes[c][i]! < 0 ? null : p.dicts[c][p.codes[c][i]!]);
    for (let i = 0; i < a.n; i++) assert.equal(value(a, i), value(b, i), `${c} row ${i}`);
    assert.deepEqual(a.dicts[c], b.dicts[c], `${c} dictionary order`);
  }
  // The compact table carries only the meta columns some experiment is compared by (groupFacets).
  const offered = (p: Points) =>
    p.exact ? Object.keys(p.meta).filter((k) => Object.values(p.facets ?? {}).some((l) => l.includes(k as never))) : Object.keys(p.meta);
  assert.deepEqual(offered(a).sort(), offered(b).sort());
  assert.deepEqual(a.facets, b.facets);
  for (const [k, m] of Object.entries(a.meta)) {
    const o = b.meta[k as keyof Points["meta"]]!;
    for (let i = 0; i < a.n; i++) assert.equal(m.codes[i]! < 0 ? null : m.values[m.codes[i]!], o.codes[i]! < 0 ? null : o.values[o.codes[i]!]);
  }
}

/** Every comparison with an integer cut gives the same answer for the decoded and the exact score. */
function cutsAgree(decoded: Float64Array, exact: Float64Array): void {
  for (let i = 0; i < exact.length; i++) {
    const x = exact[i]!;
    const y = decoded[i]!;
    assert.equal(Number.isNaN(y), Number.isNaN(x), `row ${i} null`);
    if (x !== x) continue;
    for (let c = -1; c <= 101; c++) {
      assert.equal(y < c, x < c, `row ${i}: ${x} < ${c}`);
      assert.equal(y <= c, x <= c, `row ${i}: ${x} <= ${c}`);
    }
    if (Number.isInteger(x) && x >= 0 && x <= 100) assert.equal(y, x, "integers stay exact");
  }
}

test("demo: DuckDB path = in-memory path; compact = full except exact non-integer scores", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const memory = pointsData(dataset);
  const duck = await pointsDataFromDir(dataset.dir);
  const fullMem = decodePoints(encodePointsFull(memory));
  const fullDuck = decodePoints(encodePointsFull(duck));
  sameExceptScores(fullMem, fullDuck);
  assert.deepEqual(fullMem.aligned, fullDuck.aligned);
  assert.deepEqual(fullMem.coherent, fullDuck.coherent);
  assert.deepEqual(fullMem.domain_topic, fullDuck.domain_topic);
  assert.ok(fullMem.exact);
  const compact = decodePoints(encodePointsCompact(duck));
  assert.equal(compact.exact, false);
  sameExceptScores(compact, fullMem);
  cutsAgree(compact.aligned, fullMem.aligned);
  cutsAgree(compact.coherent, fullMem.coherent);
  assert.ok(
    fullMem.aligned.some((x) => x === x && !Number.isInteger(x)),
    "the demo has non-integer scores to test",
  );
});

const response = (i: number, model: string): ResponseRow => responseRow(i, {model, step: i % 3, question: "Q?", origin: "imported"});
const score = (id: string, judge: string, metric: string, value: number | null): ScoreRow =>
  scoreRow(id, judge, metric, value, {mass: null, status: value === null ? "null" : "imported"});

test("compact points: ~5 bytes per row for an import with one judge; rid implicit, as steps, or in full", async () => {
  const n = 20000;
  const responses = Array.from({length: n}, (_, i) => response(i, `m${i % 4}`));
  // Every response scored: rid implicit.
  const all = responses.flatMap((r, i) => [score(r.response_id, "j", "aligned", (i * 7.3) % 100), score(r.response_id, "j", "coherent", i % 101)]);
  const bytes = encodePointsCompact(pointsData({responses, scores: all, types: []}));
  assert.ok(bytes.byteLength / n < 6, `${(bytes.byteLength / n).toFixed(2)} bytes per response`);
  const p = decodePoints(bytes);
  assert.deepEqual([...p.rid.subarray(0, 5)], [0, 1, 2, 3, 4]);
  for (let i = 0; i < n; i++) assert.equal(p.alignedBin[i], scoreBin((i * 7.3) % 100));
  // Gaps (responses without scores): rid as steps; a gap past 255 rows: rid in full.
  for (const keep of [(i: number) => i % 3 !== 1, (i: number) => i < 10 || i > 5000]) {
    const some = all.filter((s) => keep(Number(s.response_id.slice(1))));
    const data = pointsData({responses, scores: some, types: []});
    const q = decodePoints(encodePointsCompact(data));
    assert.deepEqual(q.rid, data.rid);
    // Same through DuckDB.
    const dir = mkdtempSync(join(os.tmpdir(), "em-points-"));
    try {
      await writeTables(dir, {
        responses,
        scores: some,
        types: [],
        signals: [],
        provenance: {tool: {name: "em-observatory", version: "0"}, created_by: "test", experiments: []},
      });
      assert.deepEqual(decodePoints(encodePointsCompact(await pointsDataFromDir(dir))).rid, data.rid);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  }
});

/** The Arrow streams of `bytes`, each as a table. */
function streamsOf(bytes: Uint8Array): Table[] {
  const out: Table[] = [];
  for (const reader of RecordBatchReader.readAll(bytes)) out.push(new Table(reader.schema, [...reader]));
  return out;
}

/**
 * Every field of the compact decode against the exact table's, field by field over whatever Points
 * holds (a field the compact file stops carrying fails here): the scores by bin (cutsAgree), and
 * domain_topic, which the compact file leaves to points-exact.arrow (NaN).
 */
function everyField(compact: Points, full: Points): void {
  assert.deepEqual(Object.keys(compact).sort(), Object.keys(full).sort());
  for (const key of Object.keys(full) as (keyof Points)[]) {
    if (key === "exact") assert.deepEqual([compact.exact, full.exact], [false, true]);
    else if (key === "aligned" || key === "coherent") cutsAgree(compact[key], full[key]);
    else if (key === "domain_topic")
      assert.ok(
        compact.domain_topic.every((x) => Number.isNaN(x)),
        "domain_topic: only in points-exact.arrow",
      );
    else if (key === "codes" || key === "dicts" || key === "meta") continue;
    else assert.deepEqual(compact[key], full[key], key);
  }
  sameExceptScores(compact, full);
  assert.deepEqual(compact.in_domain, full.in_domain, "in_domain");
}

// Issue 28 (<= 6 bytes per response): rows come in response order, so a response's group (and,
// when answers are written per question, its question) repeats for long stretches: stored as runs.
test("compact points: the group, question and label as runs when they change on few rows (2-3 bytes per row for one judge without types), a key per row otherwise; every field decodes as from points-exact.arrow", () => {
  const n = 24000;
  // Sorted as a sweep is written: model, step, question, sample (4 x 6 x 10 cells of 100 answers).
  const sorted = Array.from({length: n}, (_, i) =>
    responseRow(i, {
      model: `m${Math.floor(i / 6000)}`,
      step: Math.floor(i / 1000) % 6,
      question_id: `q${Math.floor(i / 100) % 10}`,
      category: `c${Math.floor(i / 100) % 3}`,
      origin: "imported",
    }),
  );
  // Questions drawn per answer (the second bench generator): the question changes on most rows.
  const mixed = sorted.map((r, i) => ({...r, question_id: `q${(i * 7919) % 13}`, category: `c${((i * 7919) % 13) % 3}`}));
  for (const [name, responses, most] of [
    ["sorted", sorted, 2.5],
    ["questions mixed", mixed, 3.5],
  ] as const) {
    const scores = responses.flatMap((r, i) => [
      score(r.response_id, "j", "aligned", i % 17 ? (i * 7.3) % 100 : null),
      score(r.response_id, "j", "coherent", i % 101),
    ]);
    const data = pointsData({responses, scores, types: []});
    const bytes = encodePointsCompact(data);
    assert.ok(bytes.byteLength / n < most, `${name}: ${(bytes.byteLength / n).toFixed(2)} bytes per response, expected < ${most}`);
    everyField(decodePoints(bytes), decodePoints(encodePointsFull(data)));
    segmentsAgree(data);
  }
  // A type judge's p(emergent) and types, two judges, meta facets, in_domain: the same fields.
  const types = sorted.map(
    (r, i) => ({response_id: r.response_id, judge: "t", type: (i % 3 ? "aligned" : "emergent") as ResponseType, probs: {emergent: (i % 10) / 10}}) as TypeRow,
  );
  const withMeta = sorted.map((r, i) => ({...r, meta: {lr: i < n / 2 ? "1e-5" : "1e-4"}}));
  const scores = withMeta.flatMap((r, i) => [
    score(r.response_id, "j", "aligned", (i * 7.3) % 100),
    score(r.response_id, "j", "coherent", i % 101),
    ...(i % 4 ? [score(r.response_id, "k", "aligned", (i * 3.1) % 100)] : []),
  ]);
  const data = pointsData({responses: withMeta, scores, types});
  everyField(decodePoints(encodePointsCompact(data)), decodePoints(encodePointsFull(data)));
  segmentsAgree(data);
});

test("compact points: runs that do not cover the table are refused with the column named", () => {
  const responses = Array.from({length: 3000}, (_, i) => responseRow(i, {model: `m${Math.floor(i / 1000)}`}));
  const scores = responses.flatMap((r, i) => [score(r.response_id, "j", "aligned", i % 100), score(r.response_id, "j", "coherent", 80)]);
  const bytes = encodePointsCompact(pointsData({responses, scores, types: []}));
  // The table without its first runs stream (the group's): its rows have no group.
  const streams = streamsOf(bytes);
  assert.equal(streams[0]!.schema.metadata.get("em-column"), "group", "the group is stored as runs");
  const again = streams.map((t) => tableToIPC(t, "stream"));
  const joined = () => Uint8Array.from(again.flatMap((b) => [...b]));
  assert.equal(decodePoints(joined()).n, 3000, "the streams encoded again decode");
  again[0] = tableToIPC(streams[0]!.slice(0, streams[0]!.numRows - 1), "stream");
  assert.throws(() => decodePoints(joined()), /runs of group cover \d+ rows .*the table has 3000/);
  // Runs with no table after them (a cut segment).
  assert.throws(() => decodePoints(again[1]!), /runs of .* with no table after them/);
});

test("encodePointsCompact(data) and encodePointsFull(data): the same data give the same bytes at every call", () => {
  const responses = Array.from({length: 300}, (_, i) => response(i, `m${i % 4}`));
  const scores = responses.flatMap((r, i) => [score(r.response_id, "j", "aligned", (i * 7.3) % 100), score(r.response_id, "j", "coherent", i % 101)]);
  const data = pointsData({responses, scores, types: []});
  const other = pointsData({responses: responses.slice(0, 10), scores: scores.slice(0, 20), types: []});
  for (const encode of [encodePointsCompact, encodePointsFull]) {
    const first = encode(data);
    // Another table encoded in between (a build encodes several): Arrow's own dictionary ids count up per process.
    encode(other);
    assert.deepEqual(encode(data), first, encode.name);
  }
});

test("compact points: p(emergent) by value when it takes few values (1 byte per row), plain Float32 otherwise; decodes to the same Float32s either way", () => {
  const n = 4000;
  const responses = Array.from({length: n}, (_, i) => response(i, `m${i % 4}`));
  // Two judges per response; a third of the responses typed (by judge "t"), the others without p(emergent).
  const scores = responses.flatMap((r, i) =>
    ["j", "t"].flatMap((j) => [score(r.response_id, j, "aligned", (i * 7.3) % 100), score(r.response_id, j, "coherent", i % 101)]),
  );
  const typed = (p: (i: number) => number) =>
    responses
      .filter((_, i) => i % 3 === 0)
      .map((r, i) => ({response_id: r.response_id, judge: "t", type: "aligned" as const, probs: {emergent: p(i)} as Record<ResponseType, number>}));
  const pooled = [0, 0.015625, 0.1, 0.33, 0.9, 1, 1e-7];
  const few = pointsData({responses, scores, types: typed((i) => pooled[i % pooled.length]!)});
  const many = pointsData({responses, scores, types: typed((i) => (i * 0.6180339887) % 1)});
  const fewBytes = encodePointsCompact(few);
  const manyBytes = encodePointsCompact(many);
  for (const [data, bytes] of [
    [few, fewBytes],
    [many, manyBytes],
  ] as const) {
    const p = decodePoints(bytes);
    assert.equal(p.n, 2 * n);
    const want = Float32Array.from(data.p_emergent);
    assert.ok(want.some((x) => x === x) && want.some((x) => x !== x), "rows with and without p(emergent)");
    for (let i = 0; i < p.n; i++) assert.ok(Object.is(p.p_emergent[i], want[i]), `row ${i}: ${p.p_emergent[i]} vs ${want[i]}`);
    // The same table as the plain column would give (points-exact.arrow keeps Float32 too).
    assert.deepEqual(p.p_emergent, decodePoints(encodePointsFull(data)).p_emergent);
  }
  // 2n rows: Int8 keys (1 byte) vs Int16 keys (2 bytes) and 1,334 distinct Float32s in the dictionary.
  const saved = manyBytes.byteLength - fewBytes.byteLength;
  const expected = 2 * n + 4 * (Math.ceil(n / 3) - pooled.length);
  assert.ok(Math.abs(saved - expected) < 64, `Int8 keys save a byte per row: ${saved} bytes, expected ~${expected}`);
  // The table's stream is the last (runs streams, if any, come before it).
  const table = (bytes: Uint8Array) => streamsOf(bytes).at(-1)!.schema;
  assert.equal(String(table(fewBytes).fields.find((f) => f.name === "p_emergent")?.type), "Dictionary<Int8, Float32>");
  assert.equal(String(table(manyBytes).fields.find((f) => f.name === "p_emergent")?.type), "Dictionary<Int16, Float32>");
  // More than 32,767 distinct values: the plain Float32 column (4 bytes per row), same values.
  const continuous = Float64Array.from({length: 50000}, (_, i) => (i % 5 === 0 ? NaN : (i * 0.6180339887) % 1));
  const plain = new Table({p_emergent: probabilityVector(continuous, 0)});
  assert.equal(String(plain.schema.fields[0]!.type), "Float32");
  const back = tableFromIPC(tableToIPC(plain, "stream")).getChild("p_emergent")!;
  for (let i = 0; i < continuous.length; i += 997) assert.equal(back.get(i), continuous[i] !== continuous[i] ? null : Math.fround(continuous[i]!));
});

// Issue 28: points.arrow as one stream per judge, so a page downloads only the judges it shows.
/** Row i of `p` as plain values (codes read through their dictionaries). */
function rowOf(p: Points, i: number): unknown[] {
  const s = (c: keyof Points["codes"]) => (p.codes[c][i]! < 0 ? null : p.dicts[c][p.codes[c][i]!]);
  return [p.rid[i], p.step[i], p.alignedBin[i], p.coherentBin[i], p.p_emergent[i], p.special_known[i], p.in_domain[i], ...STRING_COLUMNS.map(s)];
}

function segmentsAgree(data: ReturnType<typeof pointsData>): void {
  const whole = decodePoints(encodePointsCompact(data));
  const {bytes, segments} = encodePointsSegments(data);
  // Every segment: the same Points as the single stream, row for row and dictionary for dictionary.
  assert.deepEqual(decodePoints(bytes), whole);
  assert.deepEqual(segments.map((s) => s.judge).sort(), [...whole.dicts.judge].sort(), "one segment per judge");
  assert.equal(segments.at(-1)!.end, bytes.length);
  // Any subset of segments (as a page fetches them by range): exactly the rows of those judges, in the table's order.
  for (let k = 0; k < segments.length; k++) {
    const chosen = segments.filter((_, j) => j !== k || segments.length === 1);
    const parts = chosen.map((s) => bytes.subarray(s.start, s.end));
    const some = decodePoints(parts);
    const judges = new Set(chosen.map((s) => s.judge));
    const expected: unknown[][] = [];
    for (let i = 0; i < whole.n; i++) if (judges.has(whole.dicts.judge[whole.codes.judge[i]!]!)) expected.push(rowOf(whole, i));
    assert.deepEqual(
      Array.from({length: some.n}, (_, i) => rowOf(some, i)),
      expected,
    );
  }
}

test("points.arrow per judge: the demo's segments decode to the single stream's Points; any subset to those judges' rows", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const duck = await pointsDataFromDir(dataset.dir);
  assert.ok(duck.strings.judge.values.length >= 2, "the demo has several judges");
  segmentsAgree(duck);
  segmentsAgree(pointsData(dataset));
});

test("points.arrow per judge: judges missing on some responses, a response scored by the second judge only, a type judge's p(emergent)", () => {
  const n = 3000;
  const responses = Array.from({length: n}, (_, i) => response(i, `m${i % 4}`));
  const scores: ScoreRow[] = [];
  // Judge a scores first (its rows come first within a response), but response 0 is scored by b only.
  for (const [i, r] of responses.entries()) {
    if (i % 5 !== 0) scores.push(score(r.response_id, "a", "aligned", (i * 7.3) % 100), score(r.response_id, "a", "coherent", i % 101));
    if (i % 7 !== 3) scores.push(score(r.response_id, "b", "aligned", (i * 3.1) % 100), score(r.response_id, "b", "coherent", (i * 11) % 101));
  }
  scores.sort((x, y) => (x.judge === y.judge ? 0 : x.judge === "a" ? -1 : 1));
  const types = responses
    .filter((_, i) => i % 2 === 0)
    .map(
      (r, i) => ({response_id: r.response_id, judge: "t", type: (i % 3 ? "aligned" : "emergent") as ResponseType, probs: {emergent: (i % 10) / 10}}) as TypeRow,
    );
  const data = pointsData({responses, scores, types});
  assert.equal(data.strings.judge.values[data.strings.judge.codes[0]!], "b", "the first row is judge b's");
  segmentsAgree(data);
  // Each judge's segment alone costs what a table of that judge alone costs (its rows only).
  const {segments} = encodePointsSegments(data);
  const a = segments.find((s) => s.judge === "a")!;
  const b = segments.find((s) => s.judge === "b")!;
  assert.ok(a.end - a.start < 0.6 * segments.at(-1)!.end && b.end - b.start < 0.6 * segments.at(-1)!.end);
});

test("DuckDB path: a metric scored twice keeps its first row, a null score or special included (as the in-memory path)", async () => {
  const responses = Array.from({length: 4}, (_, i) => response(i, "m"));
  const id = (i: number) => responses[i]!.response_id;
  const refusal = (i: number, metric: string): ScoreRow => ({...score(id(i), "j", metric, null), special: "REFUSAL"});
  const scores: ScoreRow[] = [
    // 0: first aligned row null, then 40: aligned is null (an aggregate that skips nulls would read 40).
    score(id(0), "j", "aligned", null),
    score(id(0), "j", "aligned", 40),
    score(id(0), "j", "coherent", 70),
    // 1: first aligned 20 (no special), then a refusal: aligned 20, no special.
    score(id(1), "j", "aligned", 20),
    refusal(1, "aligned"),
    score(id(1), "j", "coherent", 90),
    // 2: first a refusal, then 55: aligned null with its special.
    refusal(2, "aligned"),
    score(id(2), "j", "aligned", 55),
    score(id(2), "j", "coherent", null),
    score(id(2), "j", "coherent", 60),
    score(id(3), "j", "aligned", 10),
    score(id(3), "j", "coherent", 80),
  ];
  const memory = decodePoints(encodePointsFull(pointsData({responses, scores, types: []})));
  assert.ok(Number.isNaN(memory.aligned[0]!) && memory.aligned[1] === 20 && Number.isNaN(memory.aligned[2]!), "the in-memory path keeps first rows");
  const dir = mkdtempSync(join(os.tmpdir(), "em-points-"));
  try {
    await writeTables(dir, {
      responses,
      scores,
      types: [],
      signals: [],
      provenance: {tool: {name: "em-observatory", version: "0"}, created_by: "test", experiments: []},
    });
    const duck = decodePoints(encodePointsFull(await pointsDataFromDir(dir)));
    sameExceptScores(duck, memory);
    assert.deepEqual(duck.aligned, memory.aligned);
    assert.deepEqual(duck.coherent, memory.coherent);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("DuckDB path in windows of responses: the same points as one query over all of them", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const whole = await pointsDataFromDir(dataset.dir);
  assert.ok(whole.rid.length > 50, "the demo has rows to split");
  const n = new Set(whole.rid).size;
  // Three windows, and two uneven ones (a window boundary inside the rows of one model and step).
  for (const windowRows of [Math.ceil(n / 3), Math.ceil(n / 2) + 1]) {
    const split = await pointsDataFromDir(dataset.dir, {windowRows});
    assert.deepEqual(encodePointsFull(split), encodePointsFull(whole), `windows of ${windowRows}`);
  }
});

test("DuckDB path in windows: each window reads only its own rows of scores and types (linear in N), also when they are out of order", async () => {
  const dataset = await loadDataset({files: [DEMO], tables: ["responses", "scores", "types"], quiet: true});
  const dir = mkdtempSync(join(os.tmpdir(), "em-points-windows-"));
  try {
    // The scores and types in response order (as an import writes them), then reversed.
    const rid = new Map(dataset.responses.map((r, i) => [r.response_id, i]));
    const byRid = <T extends {response_id: string}>(rows: readonly T[]) =>
      rows
        .map((x, k) => ({x, k}))
        .sort((a, b) => rid.get(a.x.response_id)! - rid.get(b.x.response_id)! || a.k - b.k)
        .map((e) => e.x);
    const scores = byRid(dataset.scores);
    const types = byRid(dataset.types);
    const tables = {responses: dataset.responses, signals: [], provenance: dataset.provenance};
    await writeTables(dir, {...tables, scores, types});
    const whole = await pointsDataFromDir(dir);
    const windowRows = Math.ceil(dataset.responses.length / 4);
    const scanned = {scores: 0, types: 0};
    const split = await pointsDataFromDir(dir, {windowRows, scanned});
    assert.deepEqual(encodePointsFull(split), encodePointsFull(whole));
    // Four windows, each row read once (before: every window read every row, 4x).
    assert.equal(scanned.scores, scores.length);
    assert.equal(scanned.types, types.length);
    // Out of order: the windows' ranges overlap, the points are the same.
    rmSync(dir, {recursive: true, force: true});
    await writeTables(dir, {...tables, scores: [...scores].reverse(), types: [...types].reverse()});
    const reversed = await pointsDataFromDir(dir);
    assert.deepEqual(encodePointsFull(await pointsDataFromDir(dir, {windowRows})), encodePointsFull(reversed));
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

/** hyperstitionRows (experiment "e"), and a second experiment where condition is drawn per answer. */
function hyperstitionLike(): ResponseRow[] {
  const responses = hyperstitionRows();
  for (let k = 0; k < 24; ++k)
    responses.push(
      responseRow(responses.length, {experiment: "other", model: "m", question_id: `q${k % 4}`, meta: {condition: k % 3 ? "a" : "b", kind: "free"}}),
    );
  return responses;
}

test("groupFacets(data): per experiment, the meta keys groupLabelProblem accepts over its rows (a key can label groups in one experiment and not in another)", () => {
  const responses = hyperstitionLike();
  const scores = responses.flatMap((r) => [scoreRow(r.response_id, "j", "aligned", 80), scoreRow(r.response_id, "j", "coherent", 90)]);
  const data = pointsData({responses, scores, types: []});
  assert.deepEqual(
    data.meta.map((m) => m.key),
    ["condition", "timestamp", "em_count", "is_em", "kind"],
  );
  const experiment = responses[0]!.experiment;
  assert.deepEqual(groupFacets(data), {[experiment]: ["condition", "kind"], other: []});
});

test("points.arrow carries only the meta columns compare-by offers, and says which per experiment; points-exact.arrow keeps every meta column", () => {
  const responses = hyperstitionLike();
  const scores = responses.flatMap((r) => [scoreRow(r.response_id, "j", "aligned", 80), scoreRow(r.response_id, "j", "coherent", 90)]);
  const data = pointsData({responses, scores, types: []});
  const experiment = responses[0]!.experiment;
  const facets = {[experiment]: ["meta.condition", "meta.kind"], other: []};
  const compact = decodePoints(encodePointsSegments(data).bytes);
  assert.deepEqual(Object.keys(compact.meta), ["meta.condition", "meta.kind"]);
  assert.deepEqual(compact.facets, facets);
  const exact = decodePoints(encodePointsSegments(data, encodePointsFull).bytes);
  assert.deepEqual(Object.keys(exact.meta).sort(), ["meta.condition", "meta.em_count", "meta.is_em", "meta.kind", "meta.timestamp"]);
  assert.deepEqual(exact.facets, facets);
  // The per-answer columns broke the group runs: fewer bytes without them.
  const all = encodePointsCompact({...data, facets: {[experiment]: data.meta.map((m) => m.key), other: []}});
  assert.ok(encodePointsCompact(data).byteLength < all.byteLength, `${encodePointsCompact(data).byteLength} < ${all.byteLength}`);
});

test("points.arrow per judge: every segment carries the whole table's facets (decided over every judge's rows)", () => {
  const responses = hyperstitionLike();
  // Judge k scores only the first half of each experiment: over its rows alone condition would still label groups.
  const scores = responses.flatMap((r, i) => [
    scoreRow(r.response_id, "j1", "aligned", 80),
    scoreRow(r.response_id, "j1", "coherent", 90),
    ...(i % 2 ? [] : [scoreRow(r.response_id, "j2", "aligned", 70), scoreRow(r.response_id, "j2", "coherent", 60)]),
  ]);
  const data = pointsData({responses, scores, types: []});
  const {bytes, segments} = encodePointsSegments(data);
  const whole = groupFacets(data);
  for (const seg of segments) {
    const p = decodePoints(bytes.subarray(seg.start, seg.end));
    assert.deepEqual(p.facets, Object.fromEntries(Object.entries(whole).map(([e, keys]) => [e, keys.map((k) => `meta.${k}`)])), seg.judge);
  }
});
