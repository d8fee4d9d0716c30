// Minimal file globbing (Node 20 has no fs.glob, and `glob` is not one of our direct dependencies),
// for import `files:` and EM_EXPERIMENTS alike.
// Supported: `*` and `?` within one path segment, `[abc]` / `[a-z]` / `[!a-c]` classes, `{a,b}`
// alternatives (not nested), and `**` as a whole segment for "any number of folders". `**` does
// not descend into hidden folders or node_modules (name them in the pattern to search there);
// hidden files are matched like any other. Results are sorted so imports are deterministic.
// Symbolic links (issue 23): `**` never enters a folder it is already inside (by real path), so a
// link to a parent folder is followed once, not until the path is too long; and a file reached by
// several paths (links, `{a,b}` alternatives that overlap) is returned once, under the first path
// in sorted order.

import {readdirSync, realpathSync, statSync} from "node:fs";
import path from "node:path";

/** True when a pattern (or one segment of it) has glob syntax, i.e. is not a plain path. */
export const hasMagic = (pattern: string): boolean => /[*?[{]/.test(pattern);

/** Folders `**` never descends into: dependencies and hidden folders (.git, .em caches). */
const skippedByStars = (name: string): boolean => name === "node_modules" || name.startsWith(".");

/** Translate one path segment's glob into an anchored RegExp. */
export function segmentRegex(seg: string): RegExp {
  let re = "";
  let inAlt = false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        let cls = seg.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        re += `[${cls}]`;
        i = end;
      }
    } else if (c === "{" && !inAlt) {
      inAlt = true;
      re += "(?:";
    } else if (c === "}" && inAlt) {
      inAlt = false;
      re += ")";
    } else if (c === "," && inAlt) re += "|";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  if (inAlt) throw new Error(`glob segment "${seg}": unclosed "{"`);
  return new RegExp(`^${re}$`);
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
    const re = segmentRegex(seg);
    for (const name of listDir(dir)) if (re.test(name)) walk(path.join(dir, name), k + 1);
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
