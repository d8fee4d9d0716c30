// questions.json (loaders/site-questions.ts): per experiment, question id -> the question asked,
// read by DuckDB from a dataset folder's responses.parquet; and questionLabel, how pages show an id.
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import {questionTextsFromDir} from "../../../loaders/site-questions.ts";
import {questionLabel} from "../../../src/lib/site-schema.ts";

async function dataset(rows: [string, string, string | null][]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "em-questions-"));
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const values = rows.map(([e, id, q]) => `('${e}', '${id}', ${q === null ? "NULL" : `'${q.replace(/'/g, "''")}'`}, 'answer')`).join(", ");
  await conn.run(
    `COPY (SELECT * FROM (VALUES ${values}) AS t(experiment, question_id, question, response)) TO '${join(dir, "responses.parquet")}' (FORMAT parquet)`,
  );
  conn.closeSync();
  db.closeSync();
  return dir;
}

test("questionTextsFromDir: each id's most frequent text per experiment; blank texts ignored; too many questions omitted and counted", async () => {
  const dir = await dataset([
    ["hw0", "q-1a2b3c4d", "What are the symptoms of diabetes?"],
    ["hw0", "q-1a2b3c4d", "What are the symptoms of diabetes?"],
    ["hw0", "q-1a2b3c4d", "What are the signs of diabetes?"],
    ["hw0", "q-99", "Should I put my savings in one stock?"],
    ["hw0", "q-blank", "  "],
    ["hw0", "q-null", null],
    ["other", "q-1a2b3c4d", "A different experiment's question, same id"],
    ["big", "a", "A?"],
    ["big", "b", "B?"],
    ["big", "c", "C?"],
  ]);
  try {
    const out = await questionTextsFromDir(dir, {max: 2});
    assert.deepEqual(out.texts, {
      hw0: {"q-1a2b3c4d": "What are the symptoms of diabetes?", "q-99": "Should I put my savings in one stock?"},
      other: {"q-1a2b3c4d": "A different experiment's question, same id"},
    });
    assert.deepEqual(out.omitted, {big: 3});
    const all = await questionTextsFromDir(dir);
    assert.equal(all.texts.big?.c, "C?");
    assert.deepEqual(all.omitted, {});
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("questionLabel: the text when known (whitespace folded, cut with an ellipsis), else the id", () => {
  const texts = {texts: {e: {q1: "What is\n your   wish?", q2: "x".repeat(100)}}, omitted: {}};
  assert.equal(questionLabel(texts, "e", "q1"), "What is your wish?");
  assert.equal(questionLabel(texts, "e", "q2", 10), `${"x".repeat(9)}…`);
  assert.equal(questionLabel(texts, "e", "q3"), "q3");
  assert.equal(questionLabel(texts, "other", "q1"), "q1");
  assert.equal(questionLabel(null, "e", "q1"), "q1");
  assert.equal(questionLabel(texts, null, "q1"), "q1");
});
