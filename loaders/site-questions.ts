// The question texts of the site (src/data/questions.json): per experiment, question id -> the
// question as asked, so every page that shows an id can show what was asked (imports without an id
// column get `q-` + a hash of the text as id, docs/importing.md). One DuckDB pass over the dataset's
// responses Parquet (two dictionary columns), no row objects: its cost does not grow with the answers
// kept in memory, and the file's size is bounded by the number of questions (QUESTIONS_MAX).
import {DuckDBInstance} from "@duckdb/node-api";
import path from "node:path";
import type {QuestionTexts} from "../src/lib/site-schema.ts";

/** Past this many distinct questions an experiment's texts are left out (the file stays small); `omitted` says so. */
export const QUESTIONS_MAX = 5000;

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The most frequent non-empty question text of each (experiment, question_id) in `dir`/responses.parquet
 * (paraphrases share an id), ties broken by the smaller text. An experiment with more than `max`
 * questions is listed in `omitted` with its count instead. An empty dataset gives empty maps.
 */
export async function questionTextsFromDir(dir: string, {max = QUESTIONS_MAX}: {max?: number} = {}): Promise<QuestionTexts> {
  const file = lit(path.join(dir, "responses.parquet"));
  const db = await DuckDBInstance.create(":memory:", {memory_limit: "512MB", threads: "2"});
  const conn = await db.connect();
  try {
    const rows = (await (
      await conn.runAndReadAll(`
        WITH c AS (
          SELECT experiment, question_id, question, count(*) AS n
          FROM read_parquet(${file}) WHERE question IS NOT NULL AND trim(question) <> '' GROUP BY ALL
        ),
        best AS (SELECT experiment, question_id, arg_max(question, (n, -length(question))) AS question FROM c GROUP BY ALL),
        sizes AS (SELECT experiment, count(*) AS k FROM best GROUP BY ALL)
        SELECT best.experiment, best.question_id, CASE WHEN sizes.k <= ${Math.floor(max)} THEN best.question END AS question, sizes.k
        FROM best JOIN sizes USING (experiment) ORDER BY best.experiment, best.question_id`)
    ).getRowObjectsJS()) as {experiment: string; question_id: string; question: string | null; k: bigint | number}[];
    const out: QuestionTexts = {texts: {}, omitted: {}};
    for (const r of rows) {
      if (r.question === null) {
        out.omitted[r.experiment] = Number(r.k);
        continue;
      }
      (out.texts[r.experiment] ??= {})[r.question_id] = r.question;
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
