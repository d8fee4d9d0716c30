// File globbing for import `files:` and EM_EXPERIMENTS alike: a walk of the folders, each path
// segment matched by picomatch (Node 20 has no fs.glob). Supported: what picomatch matches within
// one path segment (`*`, `?`, `[abc]` / `[a-z]` / `[!a-c]` classes, `{a,b}` alternatives), and `**`
// as a whole segment for "any number of folders". `**` does
// not descend into hidden folders or node_modules (name them in the pattern to search there);
// hidden files are matched like any other. Results are sorted so imports are deterministic.
// Symbolic links (issue 23): `**` never enters a folder it is already inside (by real path), so a
// link to a parent folder is followed once, not until the path is too long; and a file reached by
// several paths (links, `{a,b}` alternatives that overlap) is returned once, under the first path
// in sorted order.

import {closeSync, openSync, readdirSync, readSync, realpathSync, statSync} from "node:fs";
import path from "node:path";
import {parse} from "csv-parse/sync";
import picomatch from "picomatch";

/** True when a pattern (or one segment of it) has glob syntax, i.e. is not a plain path. */
export const hasMagic = (pattern: string): boolean => /[*?[{]/.test(pattern);

/** Folders `**` never descends into: dependencies and hidden folders (.git, .em caches). */
const skippedByStars = (name: string): boolean => name === "node_modules" || name.startsWith(".");

/**
 * A matcher for one path segment's glob (picomatch; hidden names match like any other). A class
 * negated the shell's way, `[!a-c]`, is passed as `[^a-c]` (picomatch reads `!` there as a character).
 */
export function segmentMatcher(seg: string): (name: string) => boolean {
  return picomatch(seg.replace(/\[!/g, "[^"), {dot: true});
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * Expand a glob pattern relative to `baseDir` (absolute patterns are kept absolute) into
 * absolute paths of existing files, sorted. A pattern without wildcards returns the file when
 * it exists and [] otherwise. Backslashes in patterns are treated as separators on Windows only.
 */
export function globFiles(pattern: string, baseDir: string): string[] {
  const abs = path.resolve(baseDir, pattern);
  const root = path.parse(abs).root;
  const segs = abs
    .slice(root.length)
    .split(path.sep)
    .filter((s) => s !== "");
  const out = new Set<string>();
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  // Real paths of the folders `**` is inside on the current branch of the walk.
  const inside = new Set<string>();
  const walk = (dir: string, k: number): void => {
    if (k === segs.length) {
      if (isFile(dir)) out.add(dir);
      return;
    }
    const seg = segs[k]!;
    if (seg === "**") {
      walk(dir, k + 1);
      const here = real(dir);
      if (inside.has(here)) return;
      inside.add(here);
      for (const name of listDir(dir)) {
        const child = path.join(dir, name);
        if (!skippedByStars(name) && isDir(child) && !inside.has(real(child))) walk(child, k);
      }
      inside.delete(here);
      return;
    }
    if (!hasMagic(seg)) {
      walk(path.join(dir, seg), k + 1);
      return;
    }
    const matches = segmentMatcher(seg);
    for (const name of listDir(dir)) if (matches(name)) walk(path.join(dir, name), k + 1);
  };
  walk(root, 0);
  const seen = new Set<string>();
  return [...out].sort().filter((f) => {
    const r = real(f);
    if (seen.has(r)) return false;
    seen.add(r);
    return true;
  });
}

/** The header line of a CSV file (its first record's fields), read from the file's first 64 KB; null when there is none. */
function csvHeader(file: string): string[] | null {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(65536);
    const text = buf
      .subarray(0, readSync(fd, buf, 0, buf.length, 0))
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    const rows = parse(text, {to_line: 1, relax_column_count: true, relax_quotes: true, skip_empty_lines: true}) as string[][];
    return rows[0]?.map((c) => c.trim()) ?? null;
  } catch {
    return null; // an unreadable header is the reader's error to report, with its line
  } finally {
    closeSync(fd);
  }
}

/**
 * When some CSV files one import matched hold answers (a column named in `answerColumns`) and others
 * do not (a summary file among answer files, e.g. `**\/*.csv` over folders holding fg_judged.csv and
 * step_summary.csv), the error that says so: each column set with its files (up to 3 named) and the
 * columns it lacks or adds against the most common set, and how to narrow the glob. Null when every
 * file holds answers or none does (files that differ only in other columns, e.g. a judge's scores
 * in some of them, import together).
 */
export function csvColumnSetsProblem(files: readonly string[], label: (file: string) => string, answerColumns: readonly string[]): string | null {
  const sets = new Map<string, {columns: string[]; files: string[]}>();
  for (const f of files) {
    if (path.extname(f).toLowerCase() !== ".csv") continue;
    const columns = csvHeader(f);
    if (!columns) continue;
    const key = JSON.stringify([...columns].sort());
    const set = sets.get(key) ?? {columns, files: []};
    set.files.push(f);
    sets.set(key, set);
  }
  const answers = [...sets.values()].map((g) => g.columns.some((c) => answerColumns.includes(c)));
  if (answers.every(Boolean) || !answers.some(Boolean)) return null;
  const groups = [...sets.values()].sort((a, b) => b.files.length - a.files.length);
  const main = groups[0]!;
  const named = (g: {files: string[]}) => `${g.files.slice(0, 3).map(label).join(", ")}${g.files.length > 3 ? ` and ${g.files.length - 3} more` : ""}`;
  const lines = groups.map((g, i) => {
    if (i === 0) return `  ${g.files.length} file(s) with columns ${g.columns.join(", ")}: ${named(g)}`;
    const lacks = main.columns.filter((c) => !g.columns.includes(c));
    const adds = g.columns.filter((c) => !main.columns.includes(c));
    return `  ${g.files.length} file(s) ${[lacks.length ? `without ${lacks.join(", ")}` : "", adds.length ? `with ${adds.join(", ")} instead` : ""].filter(Boolean).join(" and ")}: ${named(g)}`;
  });
  return `the CSV files matched have ${groups.length} different column sets, and some have no answer column (${answerColumns.join(", ")}): one import reads one kind of file:\n${lines.join("\n")}\nnarrow files: to one kind (e.g. "**/${path.basename(main.files[0]!)}"), or import each kind in an entry of its own`;
}
