// `em summarize --experiment` on an import-only (streamable) experiment: the rows come from the
// dataset the site build reads (loaders/dataset.ts: the same import, memoised as Parquet), and the
// join of responses, scores and types runs in DuckDB over windows of responses, so no answer text,
// score object or type object is ever held: only one `Judged` row per (response, judge) with the
// columns summarize reads (issue 28: a 10M-response study). The rows equal joinJudgedReport's on
// the same tables (test/unit/loaders/summarize/dataset-rows.test.ts); anything else (a rule or
// topic cut the dataset's signals types were not typed under, --calibrate, which reads the score
// rows) takes the runExperiment path in ./load.ts.
import {JSDuckDBValueConverter, type DuckDBConnection} from "@duckdb/node-api";
import path from "node:path";
import {withDuck} from "../duck.ts";
import {SIGNALS_JUDGE, type JoinReport} from "../../src/lib/em/judged.ts";
import type {MetaValue} from "../../src/lib/schema.ts";

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Responses per join query (the memory of one query is bounded by its window, as for the points). */
const ROWS_WINDOW = 1_000_000;
/** Distinct values up to which a string column is read as an ENUM (a dictionary decoded once). */
const ENUM_MAX = 1 << 16;
/** Responses whose whole `meta` is read (the `--by` error lists their keys, as on the row path). */
const META_SAMPLE = 1000;

/** What summarize reads of a dataset folder besides the joined rows. */
interface DatasetFacts {
  /** Responses in the dataset. */
  responses: number;
  /** Judges in order of first appearance in the scores table (judgesIn). */
  judges: string[];
  /** The meta keys of the responses table (its meta_ columns). */
  metaKeys: string[];
  /** `meta` of the first responses (null values left out, as readTables does). */
  metaSample: Record<string, MetaValue>[];
}

const file = (dir: string, name: string) => lit(path.join(dir, `${name}.parquet`));

async function all(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

async function columnsOf(conn: DuckDBConnection, dir: string, name: string): Promise<string[]> {
  return (await all(conn, `DESCRIBE SELECT * FROM read_parquet(${file(dir, name)})`)).map((c) => c.column_name as string);
}

/**
 * The responses of experiment `experiment` in a memo of several (loadDataset appends one experiment
 * after another: they are one run of rows, from `start`); the whole table when undefined.
 */
async function experimentRange(conn: DuckDBConnection, dir: string, experiment: string | undefined): Promise<{where: string; start: number; total: number}> {
  const rows = (where: string) =>
    all(
      conn,
      `SELECT count(*) AS n, coalesce(min(file_row_number), 0) AS lo, max(file_row_number) AS hi FROM read_parquet(${file(dir, "responses")}, file_row_number = true) WHERE ${where}`,
    );
  if (experiment === undefined) return {where: "true", start: 0, total: Number((await rows("true"))[0]!.n)};
  const where = `experiment = ${lit(experiment)}`;
  const r = (await rows(where))[0]!;
  const [n, lo, hi] = [Number(r.n), Number(r.lo), Number(r.hi)];
  if (n > 0 && hi - lo + 1 !== n)
    throw new Error(`${dir}: the responses of experiment '${experiment}' are not one run of rows (${n} rows between row ${lo} and ${hi})`);
  return {where, start: lo, total: n};
}

/**
 * Counts, judges and meta keys of a dataset folder (`experiment`: of that experiment's responses
 * only, in a memo of several), without reading its rows.
 */
export async function datasetFacts(dir: string, experiment?: string): Promise<DatasetFacts> {
  return withDuck(async (conn) => {
    const metaCols = (await columnsOf(conn, dir, "responses")).filter((c) => c.startsWith("meta_"));
    const {where, total: n} = await experimentRange(conn, dir, experiment);
    // Another experiment's score rows are not this one's (an experiment's response ids are its own: its name is in them).
    const mine = experiment === undefined ? "" : `WHERE response_id IN (SELECT response_id FROM read_parquet(${file(dir, "responses")}) WHERE ${where})`;
    const judges = (
      await all(conn, `SELECT judge FROM read_parquet(${file(dir, "scores")}, file_row_number = true) ${mine} GROUP BY judge ORDER BY min(file_row_number)`)
    ).map((r) => r.judge as string);
    const sample = metaCols.length
      ? await all(conn, `SELECT ${metaCols.map(ident).join(", ")} FROM read_parquet(${file(dir, "responses")}) WHERE ${where} LIMIT ${META_SAMPLE}`)
      : [];
    const metaSample = sample.map((r) => {
      const meta: Record<string, MetaValue> = {};
      for (const c of metaCols) if (r[c] !== null && r[c] !== undefined) meta[c.slice(5)] = r[c] as MetaValue;
      return meta;
    });
    return {responses: n, judges, metaKeys: metaCols.map((c) => c.slice(5)), metaSample};
  });
}

/**
 * The experiments of a dataset folder (a memo of several) whose responses have a value for meta key
 * `key`, in table order; [] when no responses column holds it. For `--by KEY` on an experiment
 * without it: the key is another experiment's, not this one's.
 */
export async function metaKeyOwners(dir: string, key: string): Promise<string[]> {
  return withDuck(async (conn) => {
    const col = `meta_${key}`;
    if (!(await columnsOf(conn, dir, "responses")).includes(col)) return [];
    const rows = await all(
      conn,
      `SELECT experiment FROM read_parquet(${file(dir, "responses")}, file_row_number = true) WHERE ${ident(col)} IS NOT NULL GROUP BY experiment ORDER BY min(file_row_number)`,
    );
    return rows.map((r) => String(r.experiment));
  });
}

/**
 * joinJudgedReport(responses, scores, types, {judge: judges}) on a dataset folder's tables, computed
 * by DuckDB: rows judge by judge, responses in table order; a (response, judge, metric) scored twice
 * keeps its first row; the type is the judge's own first type row, else the signals classifier's;
 * orphan and duplicate score rows counted as there. `columns` names the columns the caller reads
 * besides the rule's (summarize's `--by` and coordinate): `meta` holds those keys (and every key on
 * the first responses), and `response_id` is the id only when named (no summary reads it; ten
 * million ids are ~0.3 GB), else "".
 */
export async function joinDataset(
  dir: string,
  judges: readonly string[],
  columns: readonly string[],
  windowRows = ROWS_WINDOW,
  experiment?: string,
): Promise<JoinReport> {
  return withDuck(async (conn) => {
    const names = await columnsOf(conn, dir, "responses");
    const has = (c: string) => names.includes(c);
    const metaCols = names.filter((c) => c.startsWith("meta_"));
    const wantMeta = new Set(columns.map((k) => (k.startsWith("meta.") ? k.slice(5) : k)));
    const wantId = columns.includes("response_id");
    const typeNames = await columnsOf(conn, dir, "types");
    const inDomainCol = typeNames.includes("question_in_domain") ? "question_in_domain" : "NULL::BOOLEAN AS question_in_domain";
    const judgeList = judges.length ? judges.map(lit).join(", ") : "NULL";
    // In a memo of several experiments (`experiment`): that experiment's responses, numbered from
    // its first row, and the score rows of no other experiment's responses (orphans stay orphans).
    const {where: mineWhere, start, total} = await experimentRange(conn, dir, experiment);
    const hasCompared = typeNames.includes("compared_em_type");
    // Windows partition the responses by a hash of their id, so that each id, its score rows and its
    // type rows fall in one window: orphan and duplicate score rows are counted window by window (a
    // count over every row at once spilled gigabytes at 10M). Rows keep their table order (rid).
    const nWindows = Math.max(1, Math.ceil(total / windowRows));
    const part = (w: number) => (nWindows === 1 ? "true" : `hash(response_id) % ${nWindows} = ${w}`);
    // Repeated short strings are read as ENUMs: one decoded dictionary, not a string per row.
    const enumOf = async (name: string, sql: string): Promise<string> => {
      const n = Number((await all(conn, `SELECT count(*) AS n FROM (${sql})`))[0]!.n);
      if (n === 0 || n > ENUM_MAX) return "";
      await conn.run(`CREATE TYPE ${name} AS ENUM (${sql})`);
      return `::${name}`;
    };
    const distinct = (table: string, col: string) => `SELECT DISTINCT ${col} FROM read_parquet(${file(dir, table)}) WHERE ${col} IS NOT NULL`;
    const e: Record<string, string> = {};
    for (const c of ["experiment", "model", "question_id", "category", "origin", "source", "variant", "replicate", "baseline"])
      e[c] = has(c) ? await enumOf(`e_${c}`, distinct("responses", c)) : "";
    for (const c of ["special", "status"]) e[c] = await enumOf(`e_${c}`, distinct("scores", c));
    e.type = await enumOf("e_type", `SELECT type FROM (${distinct("types", "type")}${hasCompared ? ` UNION ${distinct("types", "compared_em_type")}` : ""})`);
    e.judge = await enumOf(
      "e_judge",
      `SELECT DISTINCT judge FROM (${distinct("types", "judge")} UNION SELECT unnest([${judgeList}]) AS judge) WHERE judge IS NOT NULL`,
    );
    const rcol = (c: string) => (has(c) ? `${c}${e[c]} AS ${c}` : `NULL::VARCHAR AS ${c}`);
    const windowCtes = (w: number) => `
      r AS (
        SELECT file_row_number - ${start} AS rid, response_id, ${rcol("experiment")}, ${rcol("model")}, step, ${rcol("question_id")}, ${rcol("category")}, paraphrase, sample,
          ${rcol("origin")}, ${rcol("source")}, ${rcol("variant")}, ${rcol("replicate")}, ${rcol("baseline")}
          ${metaCols.map((c) => `, ${wantMeta.has(c.slice(5)) ? ident(c) : `CASE WHEN file_row_number < ${start + META_SAMPLE} THEN ${ident(c)} END AS ${ident(c)}`}`).join("")}
        FROM read_parquet(${file(dir, "responses")}, file_row_number = true) WHERE ${part(w)} AND ${mineWhere}
      ),
      ids AS (SELECT DISTINCT response_id FROM r),
      s_all AS (
        SELECT file_row_number AS o, response_id, judge, metric, score, special, status, probs IS NOT NULL AS has_probs
        FROM read_parquet(${file(dir, "scores")}, file_row_number = true) WHERE metric IN ('aligned', 'coherent') AND ${part(w)}${
          experiment === undefined
            ? ""
            : ` AND response_id NOT IN (SELECT response_id FROM read_parquet(${file(dir, "responses")}) WHERE ${part(w)} AND NOT (${mineWhere}))`
        }
      ),
      s AS (SELECT * FROM s_all WHERE judge IN (${judgeList}) AND response_id IN (SELECT response_id FROM ids))`;
    // joinJudgedReport's counts: orphans of any judge, duplicates of the judges joined.
    const countSql = (w: number) => `
      WITH ${windowCtes(w)}
      SELECT (SELECT count(*) FROM s_all ANTI JOIN ids USING (response_id)) AS orphan,
        (SELECT count(*) FROM s) - (SELECT count(*) FROM (SELECT DISTINCT response_id, judge, metric FROM s)) AS duplicate`;
    const windowSql = (w: number) => `
      WITH ${windowCtes(w)},
      per AS (
        SELECT response_id, judge,
          bool_or(metric = 'aligned') AS has_a, bool_or(metric = 'coherent') AS has_c,
          arg_min_null(score, o) FILTER (WHERE metric = 'aligned') AS aligned,
          arg_min_null(special, o) FILTER (WHERE metric = 'aligned') AS a_special,
          arg_min_null(status, o) FILTER (WHERE metric = 'aligned') AS a_status,
          arg_min_null(has_probs, o) FILTER (WHERE metric = 'aligned') AS a_probs,
          arg_min_null(score, o) FILTER (WHERE metric = 'coherent') AS coherent,
          arg_min_null(status, o) FILTER (WHERE metric = 'coherent') AS c_status
        FROM s GROUP BY ALL
      ),
      t AS (
        SELECT file_row_number AS o, response_id, judge, type, p_emergent, ${inDomainCol},
          ${hasCompared ? "compared_em_type, compared_in_domain" : "NULL::VARCHAR AS compared_em_type, NULL::BOOLEAN AS compared_in_domain"}
        FROM read_parquet(${file(dir, "types")}, file_row_number = true) WHERE ${part(w)} AND response_id IN (SELECT response_id FROM ids)
      ),
      t_first AS (SELECT response_id, judge, arg_min_null(type, o) AS type, arg_min_null(p_emergent, o) AS p FROM t GROUP BY ALL),
      dom AS (SELECT response_id, bool_or(coalesce(question_in_domain, false)) AS in_domain FROM t GROUP BY response_id),
      cmp AS (
        SELECT response_id, arg_min_null(compared_em_type, o) AS c_type, arg_min_null(compared_in_domain, o) AS c_dom
        FROM t WHERE compared_em_type IS NOT NULL GROUP BY response_id
      ),
      j AS (SELECT * FROM (VALUES ${judges.length ? judges.map((x, k) => `(${lit(x)}, ${k})`).join(", ") : "(NULL, 0)"}) AS v(judge, jn))
      SELECT r.rid::BIGINT AS rid, j.jn, j.judge${e.judge} AS judge, r.*  EXCLUDE (rid),
        per.has_a, per.has_c, per.aligned::DOUBLE AS aligned, per.coherent::DOUBLE AS coherent, per.a_special${e.special} AS a_special,
        per.a_status${e.status} AS a_status, per.c_status${e.status} AS c_status, per.a_probs,
        coalesce(t_own.judge, t_sig.judge)${e.judge} AS type_judge, coalesce(t_own.type, t_sig.type)${e.type} AS type,
        CASE WHEN t_own.judge IS NOT NULL THEN t_own.p END AS p_emergent,
        coalesce(dom.in_domain, false) AS in_domain, cmp.response_id IS NOT NULL AS has_cmp, cmp.c_type${e.type} AS c_type, cmp.c_dom
      FROM r CROSS JOIN j
      LEFT JOIN per ON per.response_id = r.response_id AND per.judge = j.judge
      LEFT JOIN (SELECT * FROM t_first WHERE judge <> ${lit(SIGNALS_JUDGE)}) AS t_own ON t_own.response_id = r.response_id AND t_own.judge = j.judge
      LEFT JOIN t_first AS t_sig ON t_sig.response_id = r.response_id AND t_sig.judge = ${lit(SIGNALS_JUDGE)}
      LEFT JOIN dom ON dom.response_id = r.response_id
      LEFT JOIN cmp ON cmp.response_id = r.response_id`;
    const nJ = judges.length;
    const rows = new Array<JoinReport["rows"][number]>(nJ * total);
    let missingA = 0;
    let missingC = 0;
    // Repeated strings (models, questions, judges, types...) held once.
    const pool = new Map<string, string>();
    const intern = (v: unknown): string | null => {
      if (v === null || v === undefined) return null;
      const s = String(v);
      const got = pool.get(s);
      if (got !== undefined) return got;
      if (pool.size < 1_000_000) pool.set(s, s);
      return s;
    };
    const noMeta: Record<string, MetaValue> = Object.freeze({}) as Record<string, MetaValue>;
    let orphan = 0;
    let duplicate = 0;
    for (let w = 0; w < nWindows; w++) {
      const n = (await all(conn, countSql(w)))[0]!;
      orphan += Number(n.orphan);
      duplicate += Number(n.duplicate);
      if (!nJ) continue;
      const result = await conn.stream(windowSql(w));
      const cols = result.columnNames();
      const at = (name: string) => cols.indexOf(name);
      const metaIdx = metaCols.map((c) => ({key: c.slice(5), k: at(c), want: wantMeta.has(c.slice(5))}));
      // Column positions by name (the names are distinct: the responses' columns and the joined ones).
      const ix: Record<string, number> = Object.fromEntries(cols.map((c, k) => [c, k]));
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const c = chunk.convertColumns(JSDuckDBValueConverter) as unknown[][];
        const col = (name: string) => c[ix[name]!]!;
        const [rid, jn, judge, responseId, experiment, model, step, questionId, category, paraphrase, sample, origin, source] = [
          col("rid"),
          col("jn"),
          col("judge"),
          wantId ? col("response_id") : [],
          col("experiment"),
          col("model"),
          col("step"),
          col("question_id"),
          col("category"),
          col("paraphrase"),
          col("sample"),
          col("origin"),
          col("source"),
        ];
        const [hasCmp, cType, cDom] = [col("has_cmp"), col("c_type"), col("c_dom")];
        const [variant, replicate, baseline, hasA, hasC, aligned, coherent, aSpecial, aStatus, cStatus, aProbs, typeJudge, type, pe, inDomain] = [
          col("variant"),
          col("replicate"),
          col("baseline"),
          col("has_a"),
          col("has_c"),
          col("aligned"),
          col("coherent"),
          col("a_special"),
          col("a_status"),
          col("c_status"),
          col("a_probs"),
          col("type_judge"),
          col("type"),
          col("p_emergent"),
          col("in_domain"),
        ];
        for (let k = 0; k < chunk.rowCount; k++) {
          const i = Number(rid[k]);
          let meta = noMeta;
          for (const m of metaIdx) {
            if (!m.want && i >= META_SAMPLE) continue;
            const v = c[m.k]![k];
            if (v === null || v === undefined) continue;
            if (meta === noMeta) meta = {};
            meta[m.key] = (typeof v === "string" ? intern(v) : v) as MetaValue;
          }
          if (!hasA[k]) missingA++;
          if (!hasC[k]) missingC++;
          const org = intern(origin[k])!;
          const mdl = intern(model[k])!;
          const tj = intern(typeJudge[k]);
          const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
          rows[Number(jn[k]) * total + i] = {
            response_id: wantId ? (responseId[k] as string) : "",
            experiment: intern(experiment[k])!,
            model: mdl,
            step: num(step[k]),
            question_id: intern(questionId[k])!,
            category: intern(category[k]),
            judge: intern(judge[k])!,
            variant: intern(variant[k]) ?? mdl,
            replicate: intern(replicate[k]),
            baseline: intern(baseline[k]),
            aligned: num(aligned[k]),
            coherent: num(coherent[k]),
            special: intern(aSpecial[k]) as JoinReport["rows"][number]["special"],
            type: intern(type[k]) as JoinReport["rows"][number]["type"],
            source: intern(source[k])!,
            origin: org,
            paraphrase: paraphrase[k] as number,
            sample: sample[k] as number,
            aligned_status: (hasA[k] ? intern(aStatus[k]) : "missing") as JoinReport["rows"][number]["aligned_status"],
            coherent_status: (hasC[k] ? intern(cStatus[k]) : "missing") as JoinReport["rows"][number]["coherent_status"],
            type_judge: tj,
            p_emergent: tj !== null && tj !== SIGNALS_JUDGE ? (num(pe[k]) ?? 0) : null,
            // specialRecorded(origin, the aligned row): a row exists and is not a plain imported number.
            special_known: hasA[k] === true && (org !== "imported" || aProbs[k] === true || aSpecial[k] !== null),
            question_in_domain: inDomain[k] === true,
            // A baseline's compared typing (joinJudgedReport): the signals classifier's, none for another judge's type.
            ...(hasCmp[k] && tj === SIGNALS_JUDGE ? {compared_type: cType[k] as JoinReport["rows"][number]["type"], compared_in_domain: cDom[k] === true} : {}),
            ...(hasCmp[k] && tj !== null && tj !== SIGNALS_JUDGE ? {compared_type: null, compared_in_domain: cDom[k] === true} : {}),
            meta,
          };
        }
      }
    }
    return {
      rows,
      judges: [...judges],
      orphan_scores: orphan,
      duplicate_scores: duplicate,
      missing_aligned: missingA,
      missing_coherent: missingC,
    };
  });
}
