// Load the site's tables into DuckDB-WASM under stable names, and define the `judged` view that
// joins them the way the pages do. Pages pass the bytes (FileAttachment lives in pages).
import {loadTable, queryArrow} from "./db.js";

export interface TableSources {
  points: () => Promise<ArrayBuffer>;
  texts?: () => Promise<ArrayBuffer>;
  details?: () => Promise<ArrayBuffer>;
}

let viewsReady: Promise<void> | null = null;

/** Load points (and texts, details when given) and create the `judged` view once. */
export async function loadSiteTables(sources: TableSources): Promise<void> {
  const jobs: Promise<void>[] = [loadTable("points", await sources.points())];
  if (sources.texts) jobs.push(sources.texts().then((b) => loadTable("texts", b)));
  if (sources.details) jobs.push(sources.details().then((b) => loadTable("details", b)));
  await Promise.all(jobs);
  if (sources.texts) {
    viewsReady ??= queryArrow(
      `CREATE OR REPLACE VIEW judged AS
       SELECT p.*, t.response_id, t.question, t.response, t.source, t.sample, t.paraphrase
       FROM points p JOIN texts t USING (rid)`,
    ).then(() => undefined);
    await viewsReady;
  }
}
