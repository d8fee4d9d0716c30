// The files the build derives from the points: points.arrow (compact), points-exact.arrow (the
// exact scores, the one exact file), first.json (the /sensitivity first paint, computed from the
// compact table) and responses-first.json. They come from one DuckDB read of the dataset's tables,
// written once into the dataset's memo folder, so the Framework loaders that print them (src/data/)
// share that read instead of each repeating it.
import {existsSync, mkdirSync, renameSync, writeFileSync} from "node:fs";
import path from "node:path";
import {lockCache} from "./cache-lock.ts";
import {codeFolderName} from "./source-digest.ts";

export interface SitePointsFiles {
  /** points.arrow (encodePointsSegments: one compact stream per judge). */
  compact: string;
  /** points-exact.arrow (encodePointsSegments with encodePointsFull: the exact scores, one stream per judge). */
  exact: string;
  /** first.json (firstPaint of the compact table), JSON text. */
  first: string;
  /** responses-first.json (responsesFirst of the compact table: /responses' first page), JSON text. */
  responsesFirst: string;
}

/**
 * The folder's name: a hash of the code that writes the files (this module's import closure,
 * ./source-digest.ts: the points encoders, firstPaint and the page engine in src/components/ it
 * runs), read afresh at each call. The dataset memo's key covers only the code that makes the
 * dataset (datasetSourceDigest). A build takes it once and hands it on (siteFiles): a source file
 * saved mid-build would otherwise give its later calls another folder.
 */
export function sitePointsFolder(): string {
  return codeFolderName("site-points", ["loaders/site-points-files.ts"]);
}

/** Where sitePointsFiles keeps the points files of dataset folder `dir` (they may not exist yet), in folder `folder` of it. */
export function sitePointsPaths(dir: string, folder: string = sitePointsFolder()): SitePointsFiles {
  const out = path.join(dir, folder);
  return {
    compact: path.join(out, "points.arrow"),
    exact: path.join(out, "points-exact.arrow"),
    first: path.join(out, "first.json"),
    responsesFirst: path.join(out, "responses-first.json"),
  };
}

/**
 * The paths of the points files of dataset folder `dir` (loadDataset's `dir`), computing them
 * when absent: one pointsDataFromDir pass, both encodings and the first paints, each file written to
 * a temporary name and renamed, under a lock so loaders started together compute them once.
 * `folder`: the folder's name as the caller took it (default: sitePointsFolder() now).
 */
export async function sitePointsFiles(dir: string, folder: string = sitePointsFolder()): Promise<SitePointsFiles> {
  const files = sitePointsPaths(dir, folder);
  const out = path.dirname(files.compact);
  const done = () => Object.values(files).every((f) => existsSync(f));
  if (done()) return files;
  mkdirSync(out, {recursive: true});
  const lock = await lockCache(out, {onWait: (m) => process.stderr.write(`em: ${m}\n`), command: "site points files"});
  try {
    if (done()) return files;
    // Imported here, not at the top: the loaders that only print a file already written need none
    // of them (the page engine, DuckDB), and each loader is its own Node process.
    const [{firstPaint}, {responsesFirst}, {encodePointsSegments, encodePointsFull, groupFacets}, {pointsDataFromDir}, {decodePoints}] = await Promise.all([
      import("./site-first.ts"),
      import("./site-responses-first.ts"),
      import("./site-points.ts"),
      import("./site-points-duckdb.ts"),
      import("../src/components/points.ts"),
    ]);
    const read = await pointsDataFromDir(dir, {memoryLimit: process.env.EM_DUCKDB_MEMORY ?? "1GB"});
    // What compare-by offers, decided once for both encodings.
    const data = {...read, facets: groupFacets(read)};
    const write = (file: string, content: Uint8Array | string) => {
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, content);
      renameSync(tmp, file);
    };
    // One stream per judge, so /sensitivity downloads only the judges it shows (first.json says where).
    const {bytes: compact, segments} = encodePointsSegments(data);
    write(files.compact, compact);
    // The exact scores per judge too: /judges loads the two it compares, /responses those it shows
    // (for a download), /sql all of them as its `points` table.
    const {bytes: exact, segments: exactSegments} = encodePointsSegments(data, encodePointsFull);
    write(files.exact, exact);
    // Both first pages from one decode of the compact table (what the pages decode).
    const points = decodePoints(compact);
    write(files.first, JSON.stringify({...firstPaint(points), points: segments, exact: exactSegments}));
    write(files.responsesFirst, JSON.stringify(responsesFirst(points)));
    return files;
  } finally {
    lock.release();
  }
}
