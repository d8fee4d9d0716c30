// The /audit page's imported human labels (scores of metric em_label / type_label, written by
// `imports: - {format: labels}`; loaders/import/labels.ts), by response row (`rid` = row of the
// responses table, which is also the row of texts.arrow).
//
// labelsFromDir asks DuckDB for the label rows of a dataset folder's Parquet files: a build at a
// million responses used to read every table back as row objects (~70 s, 4.6 GB) to write a few
// bytes. labelsFromTables is the same on rows already in memory; the unit test holds them equal.
import {DuckDBInstance} from "@duckdb/node-api";
import path from "node:path";
import {EM_LABEL_METRIC, TYPE_LABEL_METRIC, emLabelOf} from "../src/lib/em/calibration.ts";
import {LABEL_TYPES, type ResponseRow, type ScoreRow} from "../src/lib/schema.ts";

export interface LabelEntry {
  rid: number;
  judge: string;
  em: string;
  type: string | null;
}

interface LabelScore {
  rid: number;
  judge: string;
  metric: string;
  score: number | null;
}

/** Fold label scores (in table order) into one entry per (response, judge), first-seen order. */
function fold(rows: Iterable<LabelScore>): LabelEntry[] {
  const byKey = new Map<string, LabelEntry>();
  for (const s of rows) {
    const key = `${s.rid}\u0000${s.judge}`;
    const e = byKey.get(key) ?? {rid: s.rid, judge: s.judge, em: "unsure", type: null};
    if (s.metric === EM_LABEL_METRIC) e.em = emLabelOf(s.score);
    else if (s.score !== null) e.type = LABEL_TYPES[s.score - 1] ?? null;
    byKey.set(key, e);
  }
  return [...byKey.values()];
}

/** Labels from rows in memory (responses and scores as readTables returns them). */
export function labelsFromTables(responses: readonly ResponseRow[], scores: readonly ScoreRow[]): LabelEntry[] {
  // Last row wins for a repeated id, as a Map built from the rows does.
  const rid = new Map(responses.map((r, i) => [r.response_id, i]));
  function* rows(): Generator<LabelScore> {
    for (const s of scores) {
      if (s.metric !== EM_LABEL_METRIC && s.metric !== TYPE_LABEL_METRIC) continue;
      const i = rid.get(s.response_id);
      if (i === undefined) continue; // the importer refuses labels for unknown answers; nothing to show
      yield {rid: i, judge: s.judge, metric: s.metric, score: s.score};
    }
  }
  return fold(rows());
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Labels from a dataset folder (loaders/tables.ts layout): reads only the label score rows and the response ids. */
export async function labelsFromDir(dir: string): Promise<LabelEntry[]> {
  const file = (name: string) => lit(path.join(dir, `${name}.parquet`));
  const db = await DuckDBInstance.create(":memory:", {memory_limit: "1GB", threads: "2"});
  const conn = await db.connect();
  try {
    // Scores are filtered first: most datasets have no labels, and then the responses are never joined.
    const sql = `
      WITH s AS (
        SELECT file_row_number AS o, response_id, judge, metric, score::DOUBLE AS score
        FROM read_parquet(${file("scores")}, file_row_number = true)
        WHERE metric IN (${lit(EM_LABEL_METRIC)}, ${lit(TYPE_LABEL_METRIC)})
      ),
      r AS (
        SELECT response_id, max(file_row_number) AS rid
        FROM read_parquet(${file("responses")}, file_row_number = true)
        WHERE response_id IN (SELECT response_id FROM s)
        GROUP BY response_id
      )
      SELECT r.rid::INTEGER AS rid, s.judge, s.metric, s.score FROM s JOIN r USING (response_id) ORDER BY s.o`;
    const rows = (await (await conn.runAndReadAll(sql)).getRowObjectsJS()) as unknown as LabelScore[];
    return fold(rows);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
