// Where things are: the project root, paths for messages, file walking and reading with errors
// that name the file. Shared by the pipeline, the importers and the simulator.
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import path from "node:path";
import {decodeTextFile} from "./text.ts";
import {fileURLToPath} from "node:url";

/** The project root (the folder holding package.json). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Whether `rel` (a path.relative result) names a place below its base: not the base, not above it, not another drive. */
function isBelow(rel: string): boolean {
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * A path for messages: relative to the working directory when inside it, else absolute (never a
 * chain of ../ out of it); the working directory itself as given.
 */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  if (isBelow(rel)) return rel;
  return rel === "" ? file : path.resolve(file);
}

/**
 * A file an experiment reads (`rel`: relative to the experiment's folder `baseDir`), for messages:
 * as it is when below that folder (`answers.csv`, `runs/a.jsonl`), else absolute, so a file named
 * by an absolute `files:` path (or one outside the folder) is printed as a path the user can open,
 * not as a chain of ../ from the experiment's folder.
 */
export function experimentFileLabel(baseDir: string, rel: string): string {
  return isBelow(rel.split("/").join(path.sep)) ? rel : path.resolve(baseDir, rel);
}

/** Every file below `dir` (recursively, sorted by name at each level) that `keep` accepts; [] when `dir` is missing. */
export function walkFiles(dir: string, keep: (file: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walkFiles(full, keep, out);
    else if (keep(full)) out.push(full);
  }
  return out;
}

/**
 * Read a UTF-8 file; a failure throws `<file>: cannot read <what> (<errno code>)`. UTF-16, bytes that
 * are not UTF-8 and NUL bytes are errors naming the file and line (loaders/text.ts); a BOM is dropped.
 */
export function readTextFile(file: string, what: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (error) {
    throw new Error(`${displayPath(file)}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return decodeTextFile(buf, displayPath(file));
}

/** A path relative to the project root when inside it, else absolute (provenance must not depend on the cwd). */
export function projectPath(file: string): string {
  const rel = path.relative(ROOT, file);
  return isBelow(rel) ? rel : path.resolve(file);
}
