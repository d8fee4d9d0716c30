// Which built data files the site bench replaces with synthetic bytes, found by stem and extension
// (Framework names them `<stem>.<hash>.<ext>` under dist/_file/data). Kept apart from
// bench/site.bench.ts so the guard is unit-tested (test/unit/bench/run.test.ts).
import {readdirSync} from "node:fs";
import {join} from "node:path";

/**
 * Every file the build writes under dist/_file/data, by stem and extension (Framework names them
 * `<stem>.<hash>.<ext>`). "written": the bench puts synthetic bytes there; "kept": left as built
 * because it does not depend on the responses. A built file that is not listed fails the bench
 * (checkDataFiles): otherwise a renamed or new data file would keep the demo's rows next to the
 * synthetic ones and the pages would be timed on a mix. Adapt this list when the build's files change.
 */
export const DATA_FILES: {stem: string; ext: string; role: "written" | "kept"}[] = [
  {stem: "points", ext: "arrow", role: "written"},
  {stem: "points-exact", ext: "arrow", role: "written"},
  {stem: "texts", ext: "parquet", role: "written"},
  {stem: "details", ext: "parquet", role: "written"},
  {stem: "ids", ext: "parquet", role: "written"},
  {stem: "search", ext: "bin", role: "written"},
  {stem: "summary", ext: "json", role: "written"},
  {stem: "first", ext: "json", role: "written"},
  {stem: "responses-first", ext: "json", role: "written"},
  {stem: "steps", ext: "json", role: "written"},
  {stem: "questions", ext: "json", role: "written"},
  {stem: "labels", ext: "json", role: "kept"}, // human labels of the audit page: no synthetic ones
  {stem: "mechanism", ext: "json", role: "kept"}, // training curves per experiment, keyed by name: the bench's experiments have none
];

const DATA_NAME = /^(.+)\.([0-9a-f]{6,})\.([a-z0-9.]+)$/;

/** The build's data files are not the ones this bench knows: retrying (a build in progress) cannot help. */
export class DataFilesChanged extends Error {}

/** The built data file `<stem>.<hash>.<ext>` under `<site>/_file/data`; throws when there is none or several. */
export function dataFile(site: string, stem: string, ext: string): string {
  const dir = join(site, "_file/data");
  const hits = readdirSync(dir).filter((f) => {
    const m = DATA_NAME.exec(f);
    return m !== null && m[1] === stem && m[3] === ext;
  });
  if (hits.length !== 1)
    throw new DataFilesChanged(
      `${dir}: ${hits.length ? `several ${stem}.<hash>.${ext} (${hits.join(", ")})` : `no ${stem}.<hash>.${ext}`}; ` +
        `the build's data files changed: adapt DATA_FILES in bench/site.bench.ts (files there: ${readdirSync(dir).join(", ")})`,
    );
  return join(dir, hits[0]!);
}

/** Fail unless every built data file is one DATA_FILES knows, and every listed one is there. */
export function checkDataFiles(site: string): void {
  const dir = join(site, "_file/data");
  const unknown: string[] = [];
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const m = entry.isFile() ? DATA_NAME.exec(entry.name) : null;
    if (!m || !DATA_FILES.some((d) => d.stem === m[1] && d.ext === m[3])) unknown.push(entry.name + (entry.isDirectory() ? "/" : ""));
  }
  if (unknown.length)
    throw new DataFilesChanged(
      `${dir}: data files this bench does not know: ${unknown.join(", ")}. They would keep the demo's data next to the synthetic one; ` +
        `add them to DATA_FILES in bench/site.bench.ts ("written" with synthetic bytes, or "kept" when they do not depend on the responses)`,
    );
  for (const d of DATA_FILES) dataFile(site, d.stem, d.ext);
}
