// Which of our source files a module runs, and a hash of them: the one code-closure hash of the
// dataset memo's key (loaders/dataset.ts datasetSourceDigest) and of the folders of site files kept
// beside a dataset (codeFolderName: site-files.ts, site-points-files.ts), which change when, and only
// when, code that produces them changes (issue 28: with every .ts file under loaders/ and src/lib/ in
// the key, a commit to a page's loader or to a doc's generator re-imported a 10M-response study).
//
// The files are the module's import closure, static and dynamic (`import("./x.ts")` with a literal
// path), as esbuild resolves it: the project's own esbuild, a direct dependency pinned to one version
// in package.json (not tsx's private copy: a tsx upgrade would change which files a key covers, and
// so every key). This module imports it, so each closure that holds this module names esbuild's
// version among its packages. Packages are not followed; each one the closure imports is named with
// its installed version (a new CSV parser or DuckDB may read the same file differently).
import {createHash} from "node:crypto";
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import esbuild from "esbuild";
import {ROOT} from "./paths.ts";

export interface SourceClosure {
  /** Our files the entries run, relative to `root` with "/", sorted. */
  files: string[];
  /** The packages they import (node: built-ins left out), sorted. */
  packages: string[];
}

/** The import closure of `entries` (paths relative to `root`). Throws naming the entry when esbuild cannot resolve an import. */
export function sourceClosure(entries: readonly string[], root: string = ROOT): SourceClosure {
  const r = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [...entries],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
    outdir: "out",
  });
  const inputs = r.metafile?.inputs ?? {};
  const packages = new Set<string>();
  for (const input of Object.values(inputs))
    for (const i of input.imports) {
      if (!i.external || i.path.startsWith("node:")) continue;
      const parts = i.path.split("/");
      packages.add(i.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
    }
  return {files: Object.keys(inputs).sort(), packages: [...packages].sort()};
}

/** A package's installed version as `root` resolves it ("?" when not installed there). */
function packageVersion(name: string, root: string): string {
  const file = path.join(root, "node_modules", name, "package.json");
  return existsSync(file) ? String((JSON.parse(readFileSync(file, "utf8")) as {version?: string}).version) : "?";
}

/**
 * sha256 (hex) over the path and bytes of every file in the import closure of `entries`, the
 * packages it imports with their versions, and `extra` files (read at run time, not imported; paths
 * relative to `root`). Read afresh on every call (~0.1-0.5 s): an edit is seen at once.
 */
export function sourceDigest(entries: readonly string[], {root = ROOT, extra = []}: {root?: string; extra?: readonly string[]} = {}): string {
  const {files, packages} = sourceClosure(entries, root);
  const h = createHash("sha256");
  for (const f of [...files, ...extra])
    h.update(`file:${f}\0`)
      .update(readFileSync(path.join(root, f)))
      .update("\0");
  for (const p of packages) h.update(`package:${p}@${packageVersion(p, root)}\0`);
  return h.digest("hex");
}

/** Hex characters of a code version (codeVersion): names folders, and is one part of the dataset memo's key. */
const CODE_VERSION_CHARS = 16;

/**
 * The version of the code `entries` run: sourceDigest cut to CODE_VERSION_CHARS. The one hash of a
 * code closure: the dataset memo's key (datasetSourceDigest) and the site-file folders' names
 * (codeFolderName) are both made with it.
 */
export function codeVersion(entries: readonly string[], opts: {root?: string; extra?: readonly string[]} = {}): string {
  return sourceDigest(entries, opts).slice(0, CODE_VERSION_CHARS);
}

/** `<prefix>-<codeVersion(entries)>`: a folder of files that the code `entries` run writes (site-texts-..., site-points-...). */
export function codeFolderName(prefix: string, entries: readonly string[]): string {
  return `${prefix}-${codeVersion(entries)}`;
}

/** Whether `name` is a folder codeFolderName made with `prefix` (of this code version or another). */
export function isCodeFolder(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}-`) && /^[0-9a-f]{12,64}$/.test(name.slice(prefix.length + 1));
}
