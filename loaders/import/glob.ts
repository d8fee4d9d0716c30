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

import {readdirSync, realpathSync, statSync} from "node:fs";
import path from "node:path";
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
