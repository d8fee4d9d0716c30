// The points columns straight from a dataset folder's Parquet files, joined by DuckDB (the build's
// path; site-points.ts builds the same PointsData from rows in memory and encodes both files).
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import path from "node:path";
import {POINTS_STRING_COLUMNS, SIGNALS_JUDGE} from "../src/lib/site-schema.ts";
import {removeScratch, scratchDir} from "./scratch.ts";
import {Builder, type Codes, META_MAX_DISTINCT, metaSkipped, num, type PointsData} from "./site-points.ts";

/**
 * Responses per query: the join runs over one window of responses (by row number) at a time, with
 * only those responses' scores and types, so its memory is bounded by the window, not by N (at 10M
 * responses one query over everything ran out of a 640MB memory_limit: its hash joins and
 * aggregates did not spill enough). The rows come out in the same order either way.
 */
export const POINTS_WINDOW_ROWS = 1_000_000;

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The points columns straight from a dataset folder's Parquet files (loaders/tables.ts), joined by
 * DuckDB: the same rows and values as pointsData(readTables(dir)), without a row object per response
 * or score (a million responses cost their columns, not gigabytes of objects). DuckDB spills to
 * `tmp` past its memory limit.
 */
export async function pointsDataFromDir(
  dir: string,
  {memoryLimit = "1GB", windowRows = POINTS_WINDOW_ROWS, scanned}: {memoryLimit?: string; windowRows?: number; scanned?: WindowScans} = {},
): Promise<PointsData> {
  const file = (name: string) => lit(path.join(dir, `${name}.parquet`));
  // Removed when the process ends, however it ends short of SIGKILL (scratch.ts), if not here first.
  const spill = scratchDir("em-duckdb-points-");
  const db = await DuckDBInstance.create(":memory:", {memory_limit: memoryLimit, threads: "2", temp_directory: spill});
  const conn = await db.connect();
  try {
    const columns = (await (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file("responses")})`)).getRowObjectsJS()) as {
      column_name: string;
    }[];
    const names = columns.map((c) => c.column_name);
    const metaCols = names.filter((c) => c.startsWith("meta_")).map((c) => ({col: c, key: c.slice(5)}));
    // Facet keys as facetMetaKeys decides them on rows read back by readTables (object values are
    // JSON text there, so scalars): 2..META_MAX_DISTINCT distinct non-null values.
    const candidates = metaCols.filter((m) => !metaSkipped(m.key));
    let metaKeys: {col: string; key: string}[] = [];
    if (candidates.length) {
      const counts = (
        await (
          await conn.runAndReadAll(
            `SELECT ${candidates.map((m, i) => `count(DISTINCT ${ident(m.col)}::VARCHAR) AS c${i}`).join(", ")} FROM read_parquet(${file("responses")})`,
          )
        ).getRowObjectsJS()
      )[0] as Record<string, bigint | number>;
      metaKeys = candidates.filter((_, i) => {
        const c = Number(counts[`c${i}`]);
        return c >= 2 && c <= META_MAX_DISTINCT;
      });
    }
    const has = (c: string) => names.includes(c);
    // Types tables written before em_type / question_in_domain existed: the type, and no question in the domain.
    const typeNames = (
      (await (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file("types")})`)).getRowObjectsJS()) as {column_name: string}[]
    ).map((c) => c.column_name);
    const emTypeCol = typeNames.includes("em_type") ? "em_type" : "NULL::VARCHAR AS em_type";
    const inDomainCol = typeNames.includes("question_in_domain") ? "question_in_domain" : "NULL::BOOLEAN AS question_in_domain";
    const domain = has("meta_domain") ? `CASE WHEN typeof(r.meta_domain) = 'VARCHAR' THEN r.meta_domain::VARCHAR END` : "NULL::VARCHAR";
    // The judges in order of their first aligned or coherent row, over every score (not one window's).
    const judgeOrder = (
      (await (
        await conn.runAndReadAll(
          `SELECT judge FROM read_parquet(${file("scores")}, file_row_number = true) WHERE metric IN ('aligned', 'coherent') GROUP BY judge ORDER BY min(file_row_number)`,
        )
      ).getRowsJS()) as [string][]
    ).map(([j]) => j);
    const judgesSql = judgeOrder.length
      ? `SELECT * FROM (VALUES ${judgeOrder.map((j, k) => `(${lit(j)}, ${k + 1})`).join(", ")}) AS v(judge, j)`
      : "SELECT NULL::VARCHAR AS judge, NULL::BIGINT AS j WHERE false";
    // Text columns the points never read stay out of the join.
    const heavy = ["question", "system", "response", "source"].filter(has);
    const total = Number(((await (await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${file("responses")})`)).getRowsJS())[0] as [bigint])[0]);
    // Several windows: each reads only the rows of the scores and types files that can belong to
    // its responses (windowRanges), not every row again, so the work is linear in N, not N x windows.
    const ranges = total > windowRows ? await windowRanges(conn, file, windowRows) : null;
    // A window of every response needs no semi-join of the scores and types with it (the joins
    // below drop the rows of no response anyway): at 1M responses it cost ~8% of the query.
    const within = (table: "scores" | "types", from: number) => {
      if (!ranges) return "";
      const range = ranges[table].get(from / windowRows);
      if (scanned) scanned[table] += range ? range[1] - range[0] + 1 : 0;
      if (!range) return "WHERE false";
      return `WHERE file_row_number BETWEEN ${range[0]} AND ${range[1]} AND response_id IN (SELECT response_id FROM r)`;
    };
    const windowSql = (from: number, to: number) => `
      WITH r AS (
        SELECT file_row_number AS rid, *${heavy.length ? ` EXCLUDE (${heavy.map(ident).join(", ")})` : ""}
        FROM read_parquet(${file("responses")}, file_row_number = true) WHERE file_row_number >= ${from} AND file_row_number < ${to}
      ),
      s AS (
        SELECT file_row_number AS o, response_id, judge, metric, score, special, probs IS NOT NULL AS has_probs
        FROM read_parquet(${file("scores")}, file_row_number = true) ${within("scores", from)}
      ),
      judges AS (${judgesSql}),
      -- A metric scored twice keeps its first row (o), a null included: arg_min_null, not first(x ORDER BY o),
      -- whose ordered-aggregate buffers cannot spill (10M responses ran out of a 640MB memory_limit).
      per AS (
        SELECT r.rid, s.judge,
          bool_or(s.metric = 'aligned') AS has_a,
          bool_or(s.metric = 'coherent') AS has_c,
          arg_min_null(s.score, s.o) FILTER (WHERE s.metric = 'aligned') AS aligned,
          arg_min_null(s.special, s.o) FILTER (WHERE s.metric = 'aligned') AS a_special,
          arg_min_null(s.has_probs, s.o) FILTER (WHERE s.metric = 'aligned') AS a_probs,
          arg_min_null(s.score, s.o) FILTER (WHERE s.metric = 'coherent') AS coherent,
          arg_min_null(s.score, s.o) FILTER (WHERE s.metric = ${domain}) AS domain_topic
        FROM s JOIN r USING (response_id) JOIN judges USING (judge)
        GROUP BY r.rid, s.judge
        HAVING has_a OR has_c
      ),
      t AS (
        SELECT file_row_number AS o, response_id, judge, type, p_emergent, ${emTypeCol}, ${inDomainCol} FROM read_parquet(${file("types")}, file_row_number = true)
        ${within("types", from)}
      ),
      t_sig AS (
        SELECT response_id, min_by(em_type, o) AS em_type, bool_or(coalesce(question_in_domain, false)) AS in_domain
        FROM t WHERE judge = ${lit(SIGNALS_JUDGE)} GROUP BY response_id
      ),
      t_by AS (SELECT response_id, judge, max_by(type, o) AS type, max_by(p_emergent, o) AS p FROM t GROUP BY ALL),
      -- typeAny: the last row of a type judge, else the first row of the signals classifier.
      t_any AS (
        SELECT response_id,
          coalesce(max_by(type, o) FILTER (WHERE judge <> ${lit(SIGNALS_JUDGE)}), min_by(type, o)) AS type,
          max_by(p_emergent, o) FILTER (WHERE judge <> ${lit(SIGNALS_JUDGE)}) AS p,
          bool_or(judge <> ${lit(SIGNALS_JUDGE)}) AS typed
        FROM t GROUP BY response_id
      )
      SELECT per.rid::INTEGER AS rid, r.experiment, r.model, ${has("variant") ? "coalesce(r.variant, r.model)" : "r.model"} AS variant,
        ${has("replicate") ? "r.replicate" : "NULL::VARCHAR"} AS replicate, ${has("baseline") ? "r.baseline" : "NULL::VARCHAR"} AS baseline,
        r.step::DOUBLE AS step, r.question_id, r.category, per.judge, per.aligned::DOUBLE AS aligned, per.coherent::DOUBLE AS coherent,
        per.a_special AS special,
        CASE WHEN t_by.response_id IS NOT NULL THEN t_by.type ELSE t_any.type END AS type,
        CASE WHEN t_by.response_id IS NOT NULL AND t_by.judge <> ${lit(SIGNALS_JUDGE)} THEN t_by.type
             WHEN t_by.response_id IS NULL AND t_any.typed THEN t_any.type
             ELSE coalesce(t_sig.em_type, CASE WHEN t_by.response_id IS NOT NULL THEN t_by.type ELSE t_any.type END) END AS em_type,
        coalesce(t_sig.in_domain, false) AS in_domain,
        CASE WHEN t_by.response_id IS NOT NULL THEN (CASE WHEN per.judge <> ${lit(SIGNALS_JUDGE)} AND t_by.judge <> ${lit(SIGNALS_JUDGE)} THEN coalesce(t_by.p, 0) END)
             WHEN t_any.typed THEN coalesce(t_any.p, 0) END::DOUBLE AS p_emergent,
        per.domain_topic::DOUBLE AS domain_topic,
        per.has_a AS has_a, per.a_special IS NOT NULL AS a_has_special, per.a_probs AS a_probs,
        r.origin, judges.j${metaKeys.map((m) => `, r.${ident(m.col)} AS ${ident(`m_${m.key}`)}`).join("")}
      FROM per JOIN r USING (rid) JOIN judges USING (judge)
      LEFT JOIN t_by ON t_by.response_id = r.response_id AND t_by.judge = per.judge
      LEFT JOIN t_any ON t_any.response_id = r.response_id
      LEFT JOIN t_sig ON t_sig.response_id = r.response_id`;
    const out = new Builder(metaKeys.map((m) => m.key));
    for (let from = 0; from < total; from += windowRows) {
      const to = Math.min(total, from + windowRows);
      // The window's rows as DuckDB yields them (no ORDER BY: sorting the wide rows was ~12% of
      // the query), put in (rid, judge order) below: a counting sort on rid, judges within.
      const b = new Builder(metaKeys.map((m) => m.key));
      const s = b.strings;
      let judgeRank = new Int32Array(1024);
      const result = await conn.stream(windowSql(from, to));
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const col = (k: number) => chunk.getColumnValues(k) as unknown[];
        const [
          rid,
          experiment,
          model,
          variant,
          replicate,
          baseline,
          step,
          question,
          category,
          judge,
          aligned,
          coherent,
          special,
          type,
          emType,
          inDomain,
          pe,
          topic,
          hasA,
          aSpecial,
          aProbs,
          origin,
          j,
        ] = Array.from({length: 23}, (_, k) => col(k));
        const metaValues = metaKeys.map((_, k) => col(23 + k));
        const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
        for (let k = 0; k < chunk.rowCount; k++) {
          const i = b.row();
          if (i >= judgeRank.length) {
            const next = new Int32Array(judgeRank.length * 2);
            next.set(judgeRank);
            judgeRank = next;
          }
          judgeRank[i] = Number(j![k]);
          b.rid[i] = rid![k] as number;
          s.experiment.set(i, str(experiment![k]));
          s.model.set(i, str(model![k]));
          s.variant.set(i, str(variant![k]));
          s.replicate.set(i, str(replicate![k]));
          s.baseline.set(i, str(baseline![k]));
          metaValues.forEach((values, m) => b.meta[m]!.codes.set(i, str(values[k])));
          b.step[i] = num(step![k] as number | null);
          s.question_id.set(i, str(question![k]));
          s.category.set(i, str(category![k]));
          s.judge.set(i, str(judge![k]));
          b.aligned[i] = num(aligned![k] as number | null);
          b.coherent[i] = num(coherent![k] as number | null);
          s.special.set(i, str(special![k]));
          s.type.set(i, str(type![k]));
          s.em_type.set(i, str(emType![k]));
          b.in_domain[i] = inDomain![k] === true ? 1 : 0;
          b.p_emergent[i] = num(pe![k] as number | null);
          b.domain_topic[i] = num(topic![k] as number | null);
          // specialRecorded(origin, aligned row): the row exists, and it is not a plain imported number.
          b.special_known[i] = hasA![k] && (origin![k] !== "imported" || aProbs![k] === true || aSpecial![k] === true) ? 1 : 0;
          s.origin.set(i, str(origin![k]));
        }
      }
      appendInOrder(out, b.done(), judgeRank, from, to);
    }
    return out.done();
  } finally {
    conn.closeSync();
    db.closeSync();
    removeScratch(spill);
  }
}

/** Rows of the scores and types files the windows' queries read (tests: the scans are linear in N). */
export interface WindowScans {
  scores: number;
  types: number;
}

/**
 * For each window of `windowRows` responses (by row number), the first and last row of the scores
 * and of the types file that belong to one of its responses (by response id; an id that occurs in
 * two windows counts for both), from one join of those files with the responses: a window's query
 * then reads those rows only (DuckDB skips the row groups outside a file_row_number range). The
 * import writes each response's scores after the previous one's, so the windows' ranges do not
 * overlap; in any other order a range is wider but still holds every row of its window.
 */
async function windowRanges(
  conn: DuckDBConnection,
  file: (name: string) => string,
  windowRows: number,
): Promise<Record<"scores" | "types", Map<number, [number, number]>>> {
  const range = async (table: "scores" | "types") => {
    const rows = (await (
      await conn.runAndReadAll(`
        WITH r AS (SELECT response_id, file_row_number // ${windowRows} AS w FROM read_parquet(${file("responses")}, file_row_number = true)),
        x AS (SELECT response_id, file_row_number AS o FROM read_parquet(${file(table)}, file_row_number = true))
        SELECT w, min(o), max(o) FROM x JOIN r USING (response_id) GROUP BY w`)
    ).getRowsJS()) as [bigint, bigint, bigint][];
    return new Map(rows.map(([w, lo, hi]) => [Number(w), [Number(lo), Number(hi)] as [number, number]]));
  };
  return {scores: await range("scores"), types: await range("types")};
}

/**
 * Append the rows of `w` (one window: rids in [from, to), any order) to `out` in (rid, judge rank)
 * order, as ORDER BY rid, j would give them: a counting sort on rid, then the few rows of a rid by
 * their judge's rank. The strings go through `out`'s own dictionaries, so their codes are first-seen
 * in the final order.
 */
function appendInOrder(out: Builder, w: PointsData, judgeRank: Int32Array, from: number, to: number): void {
  const start = new Int32Array(to - from + 1);
  for (let i = 0; i < w.n; i++) start[w.rid[i]! - from + 1]!++;
  for (let r = 1; r < start.length; r++) start[r]! += start[r - 1]!;
  const order = new Int32Array(w.n);
  const at = start.slice(0, -1);
  for (let i = 0; i < w.n; i++) order[at[w.rid[i]! - from]!++] = i;
  for (let r = 0; r + 1 < start.length; r++) {
    // Insertion sort of one response's rows (one per judge) by judge rank.
    for (let k = start[r]! + 1; k < start[r + 1]!; k++) {
      const x = order[k]!;
      let m = k - 1;
      for (; m >= start[r]! && judgeRank[order[m]!]! > judgeRank[x]!; m--) order[m + 1] = order[m]!;
      order[m + 1] = x;
    }
  }
  const value = (c: Codes, i: number) => (c.codes[i]! < 0 ? null : c.values[c.codes[i]!]!);
  for (const i of order) {
    const o = out.row();
    out.rid[o] = w.rid[i]!;
    out.step[o] = w.step[i]!;
    out.aligned[o] = w.aligned[i]!;
    out.coherent[o] = w.coherent[i]!;
    out.p_emergent[o] = w.p_emergent[i]!;
    out.domain_topic[o] = w.domain_topic[i]!;
    out.special_known[o] = w.special_known[i]!;
    out.in_domain[o] = w.in_domain[i]!;
    for (const c of POINTS_STRING_COLUMNS) out.strings[c].set(o, value(w.strings[c], i));
    w.meta.forEach((m, k) => out.meta[k]!.codes.set(o, value(m.codes, i)));
  }
}

/** Dictionary column from codes (-1 = null), with the narrowest index type that fits. */
