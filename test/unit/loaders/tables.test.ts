// TableSink's staged parts (loaders/tables.ts, import lanes: loaders/run/stream-lanes.ts): rows
// appended to two sinks, staged, and ingested in order into a third give the tables one sink
// appended with all the rows writes: same rows, order, column order and column types (a meta key
// that is integer in one part and fractional in the other is DOUBLE; a key only the second part
// has is a column), with the second part's sample numbers continued from the first's.
import assert from "node:assert/strict";
import path from "node:path";
import {test} from "node:test";
import {readTables, TableSink, type SampleOffset} from "../../../loaders/tables.ts";
import {RESPONSE_TYPES, type MetaValue, type Provenance, type ResponseRow, type ScoreRow, type SignalRow, type TypeRow} from "../../../src/lib/schema.ts";
import {parquetSchema} from "../../helpers/parquet.ts";
import {tempDir} from "../../helpers/tmp.ts";

const provenance: Provenance = {tool: {name: "em-observatory", version: "test"}, created_by: "tables.test", experiments: []};

/** Rows i in [from, to): groups (model m, step null or 5, q0..q2); samples numbered from `numbered` (per group key, updated). */
function part(from: number, to: number, meta: (i: number) => Record<string, MetaValue>, numbered: Map<string, number>, model = "m") {
  const responses: ResponseRow[] = [];
  const scores: ScoreRow[] = [];
  const types: TypeRow[] = [];
  const signals: SignalRow[] = [];
  for (let i = from; i < to; i++) {
    const step = i % 2 ? 5 : null;
    const question_id = `q${i % 3}`;
    const key = JSON.stringify([model, step, question_id]);
    const sample = numbered.get(key) ?? 0;
    numbered.set(key, sample + 1);
    const id = `r${i}`;
    responses.push({
      response_id: id,
      experiment: "e",
      model,
      step,
      question_id,
      category: i % 4 ? null : "c",
      question: `Q${i % 3}?`,
      system: null,
      paraphrase: 0,
      sample,
      response: `answer ${i}`,
      origin: "imported",
      source: "s",
      meta: meta(i),
      variant: model,
      replicate: null,
      baseline: null,
    });
    scores.push({
      response_id: id,
      judge: "j",
      metric: "aligned",
      score: i % 5 ? i : null,
      mass: null,
      special: null,
      status: i % 5 ? "imported" : "null",
      probs: null,
    });
    const probs = Object.fromEntries(RESPONSE_TYPES.map((t, k) => [t, k === 0 ? 1 : 0])) as TypeRow["probs"];
    types.push({response_id: id, judge: "signals", type: RESPONSE_TYPES[0], probs});
    signals.push({
      response_id: id,
      refusal_phrase: false,
      code_block: i === 3,
      json_like: false,
      repetition: i < 10 ? 0 : 0.25,
      n_chars: 8,
      n_words: 2,
      ascii_letter_share: 1,
    });
  }
  return {responses, scores, types, signals};
}

async function append(sink: TableSink, p: ReturnType<typeof part>) {
  await sink.responses(p.responses);
  await sink.scores(p.scores);
  await sink.types(p.types);
  await sink.signals(p.signals);
}

for (const shared of [true, false])
  test(`TableSink: parts staged and ingested in order write the tables of one sink given every row (types merged${shared ? ", samples continued" : "; parts read from their files"})`, async () => {
    const modelB = shared ? "m" : "n";
    const metaA = (i: number) => ({file: "a.csv", line: i + 2, rank: i});
    const metaB = (i: number) => ({file: "b.csv", line: i + 2, rank: i + 0.5, late: i % 2 ? "x" : null});
    // One sink, every row, samples numbered over both parts.
    const all = new Map<string, number>();
    const whole = [part(0, 10, metaA, all), part(10, 20, metaB, all, modelB)];
    // Two parts, each numbering its samples from 0.
    const countsA = new Map<string, number>();
    const countsB = new Map<string, number>();
    const parts = [part(0, 10, metaA, countsA), part(10, 20, metaB, countsB, modelB)];
    if (shared)
      assert.notDeepEqual(
        parts[1]!.responses.map((r) => r.sample),
        whole[1]!.responses.map((r) => r.sample),
        "the fixture needs offsets",
      );

    const dirOne = tempDir("em-tables-one-");
    const one = await TableSink.open();
    try {
      for (const p of whole) await append(one, p);
      await one.write(dirOne, provenance);
    } finally {
      one.close();
    }

    const staged = [];
    for (const [k, p] of parts.entries()) {
      const sink = await TableSink.open();
      try {
        await append(sink, p);
        const dir = tempDir(`em-tables-part${k}-`);
        staged.push({dir, state: await sink.writeStaged(dir)});
      } finally {
        sink.close();
      }
    }
    const offsets: SampleOffset[] = [];
    for (const [key, n] of countsA) {
      const [model, step, question_id] = JSON.parse(key) as [string, number | null, string];
      if (countsB.has(key)) offsets.push({model, step, question_id, offset: n});
    }
    assert.equal(offsets.length > 0, shared);
    const dirMerged = tempDir("em-tables-merged-");
    const merged = await TableSink.open();
    try {
      await merged.ingest(staged[0]!.dir, staged[0]!.state);
      await merged.ingest(staged[1]!.dir, staged[1]!.state, offsets);
      await merged.write(dirMerged, provenance);
    } finally {
      merged.close();
    }

    for (const t of ["responses", "scores", "types", "signals"]) {
      assert.deepEqual(await parquetSchema(path.join(dirMerged, `${t}.parquet`)), await parquetSchema(path.join(dirOne, `${t}.parquet`)), `${t}: schema`);
    }
    const s = await parquetSchema(path.join(dirMerged, "responses.parquet"));
    assert.ok(s.includes("meta_rank DOUBLE") && s.includes("meta_late VARCHAR") && s.includes("meta_line INTEGER"), s.join(", "));
    assert.ok((await parquetSchema(path.join(dirMerged, "signals.parquet"))).includes("repetition DOUBLE"));
    assert.deepEqual(await readTables(dirMerged), await readTables(dirOne));
  });

test("TableSink: rows go in data chunks (2,048 rows) and the classifier's signals are staged typed; the tables keep inferType's types and every value", async () => {
  // 5,000 rows: chunks of 2,048, 2,048 and 904, with nulls on both sides of each boundary.
  const p = part(0, 5000, (i) => ({file: "a.csv", line: i + 2, note: i % 3 ? null : `n${i}`}), new Map());
  for (const [i, s] of p.signals.entries()) {
    if (i === 4999) s.n_words = 2 ** 31; // past int32: the column is DOUBLE
    if (i % 2) s.ascii_letter_share = Number.NaN; // not finite: NULL in a DOUBLE column
    (s as unknown as Record<string, unknown>).json_like = undefined; // no value in any row: an all-null VARCHAR column
    s.n_chars = 8 + (i % 7);
  }
  const staged = tempDir("em-tables-staged-");
  const out = tempDir("em-tables-typed-");
  const sink = await TableSink.open();
  try {
    await append(sink, p);
    await sink.writeStaged(staged);
    await sink.write(out, provenance);
  } finally {
    sink.close();
  }
  // Staged: the classifier's booleans and numbers as they are, not as text.
  const st = await parquetSchema(path.join(staged, "signals.parquet"));
  for (const c of ["response_id VARCHAR", "code_block BOOLEAN", "json_like BOOLEAN", "n_chars DOUBLE", "repetition DOUBLE", "ascii_letter_share DOUBLE"])
    assert.ok(st.includes(c), st.join(", "));
  // Written: typed by the values, as the text staging typed them.
  const sig = await parquetSchema(path.join(out, "signals.parquet"));
  for (const c of ["code_block BOOLEAN", "json_like VARCHAR", "n_chars INTEGER", "n_words DOUBLE", "repetition DOUBLE", "ascii_letter_share DOUBLE"])
    assert.ok(sig.includes(c), sig.join(", "));
  const back = await readTables(out);
  assert.equal(back.responses.length, 5000);
  assert.deepEqual(
    back.responses.map((r) => [r.response_id, r.step, r.category, r.meta.note ?? null, r.sample]),
    p.responses.map((r) => [r.response_id, r.step, r.category, r.meta.note ?? null, r.sample]),
  );
  assert.deepEqual(
    back.scores.map((s) => s.score),
    p.scores.map((s) => s.score),
  );
  assert.deepEqual(
    back.signals.map((s) => [s.response_id, s.code_block, s.json_like, s.n_chars, s.n_words, s.repetition, s.ascii_letter_share]),
    p.signals.map((s, i) => [s.response_id, s.code_block, null, s.n_chars, s.n_words, s.repetition, i % 2 ? null : 1]),
  );
});

test("TableSink: a signal value of another type than its staged column is an error naming the column, not a silent cast", async () => {
  const p = part(0, 3, () => ({}), new Map());
  (p.signals[1] as unknown as Record<string, unknown>).n_chars = "eight";
  const sink = await TableSink.open();
  try {
    await append(sink, {...p, signals: p.signals.slice(0, 1)});
    await assert.rejects(() => sink.signals(p.signals.slice(1)), /signals: internal error: column "n_chars" is staged as DOUBLE, found string eight/);
  } finally {
    sink.close();
  }
});

test("TableSink: a value of another type than its DOUBLE, BOOLEAN or INTEGER column is an error naming the table and column, not a NaN, a true or an unnamed throw", async () => {
  const cases: [string, (p: ReturnType<typeof part>) => void, RegExp][] = [
    // A data chunk took "abc" in a DOUBLE column as a non-null NaN, "false" in a BOOLEAN column as true.
    [
      "step",
      (p) => ((p.responses[2] as unknown as Record<string, unknown>).step = "abc"),
      /responses: column "step" is DOUBLE, found string abc \(response r2\)/,
    ],
    [
      "score",
      (p) => ((p.scores[1] as unknown as Record<string, unknown>).score = "0.5"),
      /scores: column "score" is DOUBLE, found string 0\.5 \(response r1\)/,
    ],
    [
      "question_in_domain",
      (p) => ((p.types[1] as unknown as Record<string, unknown>).question_in_domain = "false"),
      /types: column "question_in_domain" is BOOLEAN, found string false/,
    ],
    // DuckDB threw "number is not an integer", naming no column.
    [
      "paraphrase",
      (p) => (p.responses[1]!.paraphrase = 1.5),
      /responses: column "paraphrase" is INTEGER, found number 1\.5, not a 32-bit integer \(response r1\)/,
    ],
    ["sample", (p) => (p.responses[0]!.sample = 2 ** 31), /responses: column "sample" is INTEGER, found number 2147483648, not a 32-bit integer/],
  ];
  for (const [column, spoil, re] of cases) {
    const p = part(0, 3, () => ({}), new Map());
    spoil(p);
    const sink = await TableSink.open();
    try {
      await assert.rejects(() => append(sink, p), re, column);
    } finally {
      sink.close();
    }
  }
});
