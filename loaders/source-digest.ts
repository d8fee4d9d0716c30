// Which of our source files a module runs, and a hash of them: the dataset memo's key
// (loaders/dataset.ts datasetKey) and the site files kept beside a dataset (site-files.ts,
// site-points-files.ts) change when, and only when, code that produces them changes (issue 28:
// with every .ts file under loaders/ and src/lib/ in the key, a commit to a page's loader or to a
// doc's generator re-imported a 10M-response study).
//
// The files are the module's import closure, static and dynamic (`import("./x.ts")` with a literal
// path), as esbuild resolves it: the esbuild tsx itself runs our TypeScript with (tsx depends on
// it), so no second parser. Packages are not followed; each one the closure imports is named with
// its installed version (a new CSV parser or DuckDB may read the same file differently).
import {createHash} from "node:crypto";
import {existsSync, readFileSync} from "node:fs";
import {createRequire} from "node:module";
import path from "node:path";
import {ROOT} from "./paths.ts";

/** What we use of esbuild's API (buildSync with a metafile). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): {metafile?: {inputs: Record<string, {imports: {path: string; external?: boolean}[]}>}};
}

let esbuild: Esbuild | undefined;
/** The esbuild tsx depends on, resolved from tsx's own folder. */
function loadEsbuild(): Esbuild {
  if (!esbuild) {
    const require = createRequire(import.meta.url);
    esbuild = createRequire(require.resolve("tsx/package.json"))("esbuild") as Esbuild;
  }
  return esbuild;
}

export interface SourceClosure {
  /** Our files the entries run, relative to `root` with "/", sorted. */
  files: string[];
  /** The packages they import (node: built-ins left out), sorted. */
  packages: string[];
}

/** The import closure of `entries` (paths relative to `root`). Throws naming the entry when esbuild cannot resolve an import. */
export function sourceClosure(entries: readonly string[], root: string = ROOT): SourceClosure {
  const r = loadEsbuild().buildSync({
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
