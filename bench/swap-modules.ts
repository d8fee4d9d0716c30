// Put one checkout's version of some src/ modules into a copy of a built site, as Framework
// transpiles them (esbuild, types stripped), for a same-window A/B of two versions of the page code
// on the same data and the same everything else (bench/ab-pages.ts, bench/site.bench.ts SITE_DIST).
// Each module's file under dist/_import keeps its hashed name (the importers refer to it by that
// name), its relative imports are pointed at the site's hashed files and its package imports at
// the ones the site's own file uses.
//
//   node --import tsx bench/swap-modules.ts <dist copy> <checkout> src/components/engine.ts ...
import {readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import path from "node:path";
import {transformSync} from "esbuild";

const [dist, checkout, ...modules] = process.argv.slice(2);
if (!dist || !checkout || !modules.length) throw new Error("usage: swap-modules.ts <dist> <checkout> <src/... .ts> ...");

/** The site's file `<stem>.<hash>.js` in `dir` (under dist/_import). */
function hashed(dir: string, stem: string): string {
  const hits = readdirSync(dir).filter((f) => f.startsWith(`${stem}.`) && /^[^.]+\.[0-9a-f]{8}\.js$/.test(f));
  if (hits.length !== 1) throw new Error(`${dir}: ${hits.length} files for ${stem}`);
  return hits[0]!;
}

for (const module of modules) {
  const rel = path.relative("src", module).replace(/\.ts$/, "");
  const dir = path.join(dist, "_import", path.dirname(rel));
  const target = path.join(dir, hashed(dir, path.basename(rel)));
  const existing = readFileSync(target, "utf8");
  const packages = [...existing.matchAll(/from "([^"]*\/_node\/[^"]*)"/g)].map((m) => m[1]!);
  const {code} = transformSync(readFileSync(path.join(checkout, module), "utf8"), {loader: "ts", format: "esm", target: "es2022"});
  const out = code.replace(/from "([^"]+)"/g, (_, spec: string) => {
    if (spec.startsWith(".")) {
      const to = path.join(path.dirname(rel), spec.replace(/\.js$/, ""));
      const toDir = path.join(dist, "_import", path.dirname(to));
      let name = path.relative(path.join(dist, "_import", path.dirname(rel)), path.join(toDir, hashed(toDir, path.basename(to))));
      if (!name.startsWith(".")) name = `./${name}`;
      return `from "${name}"`;
    }
    const hit = packages.find((p) => p.includes(`/_node/${spec}@`));
    if (!hit) throw new Error(`${module}: no site file for the package ${spec}`);
    return `from "${hit}"`;
  });
  // A new file, not the old one rewritten: the copy may share its files with the site (cp -al).
  rmSync(target);
  writeFileSync(target, out);
  console.log(`${module} -> ${path.relative(dist, target)}`);
}
