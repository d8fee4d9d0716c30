// Reshape the pipeline's tables into what the pages load (written by the thin loaders in src/data/):
//  - points.arrow: one row per (response, judge) with the numbers every chart needs; string
//    columns dictionary-encoded so a million rows stay compact. First charts read it directly;
//    DuckDB-WASM loads the same bytes for SQL.
// Arrow IPC stream, because DuckDB-WASM has no built-in Parquet reader (docs/offline.md). The texts
// and details tables are Parquet read by range: loaders/site-texts.ts.
import {encodePointsCompact, encodePointsFull, pointsData} from "./site-points.ts";
import {collect, compactProbs, writeDetails, writeTexts} from "./site-texts.ts";
import type {ResponseRow, ScoreRow, SignalRow, TypeRow} from "../src/lib/schema.ts";
import {metaColumn} from "../src/lib/site-schema.ts";

export {metaColumn};
export {coreJudges, facetMetaKeys, META_MAX_DISTINCT} from "./site-points.ts";

export interface SiteInput {
  responses: ResponseRow[];
  scores: ScoreRow[];
  types: TypeRow[];
  signals?: SignalRow[];
}

/** points.arrow (compact, what the pages load) from rows in memory; see loaders/site-points.ts. */
export function pointsTable(input: SiteInput): Uint8Array {
  return encodePointsCompact(pointsData(input));
}

/** points-full.arrow (POINTS_COLUMNS, exact scores; the SQL page's `points`) from rows in memory. */
export function pointsFullTable(input: SiteInput): Uint8Array {
  return encodePointsFull(pointsData(input));
}

// The texts and details tables moved to loaders/site-texts.ts (Parquet read by range). These two
// keep the old names for callers that write whole files (bench/site.bench.ts).
/** texts.parquet as bytes (loaders/site-texts.ts writeTexts). */
export const textsTable = (input: SiteInput): Uint8Array => collect(writeTexts, input);
/** details.parquet as bytes (loaders/site-texts.ts writeDetails). */
export const detailsTable = (input: SiteInput): Uint8Array => collect(writeDetails, input);
export {compactProbs};
